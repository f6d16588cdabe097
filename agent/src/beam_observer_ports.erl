%%% ports/list: the node's ports (files, pipes, gen_tcp/gen_udp sockets...)
%%% and its `socket'-module sockets, the top `limit' by bytes in, bytes out,
%%% queued bytes or memory.
%%%
%%% Every port is asked two `erlang:port_info/2' items (its driver name and
%%% the sort key: about 0.2 us each, measured with 5,000 sockets); a socket
%%% sorted by bytes in or out is asked its driver's byte counter instead
%%% (`inet:getstat/2': port_info counts only what reached the owner as
%%% messages, nothing for a passive socket). The other items and the
%%% addresses are read for the returned rows only.
%%% `inet:sockname/1', `inet:peername/1' and `inet:getstat/1' go through the
%%% port's driver (a port_control each, about 3 us); observer_backend's
%%% get_port_list/0 reads every item, the addresses, the statistics and 30
%%% socket options of every port (measured: 330-450 ms for 5,000 sockets).
%%% `socket'-module sockets are listed by the socket registry (a request it
%%% expects) and read with `socket:info/1', a NIF call each.
-module(beam_observer_ports).

-export([list/1]).

-type sort_key() :: input | output | queue_size | memory.

-spec list(#{sort_by := sort_key(), limit := pos_integer(), filter := binary() | none}) -> {ok, map()}.
list(#{sort_by := SortBy, limit := Limit, filter := Filter}) ->
    Start = erlang:monotonic_time(microsecond),
    Ports = erlang:ports(),
    Sockets = sockets(),
    Keyed = [{Key, {port, P}} || P <- Ports, (Key = port_key(SortBy, P, Filter)) =/= undefined]
        ++ [{Key, {socket, S, Info}} || {S, Info} <- Sockets, (Key = socket_key(SortBy, S, Info, Filter)) =/= undefined],
    Top = lists:foldl(fun({Key, Entry}, Acc) -> beam_observer_sweep:top_add(Key, Entry, Acc) end,
                      beam_observer_sweep:top_new(Limit), Keyed),
    Rows = [R || {_, Entry} <- beam_observer_sweep:top_list(Top), (R = row(Entry)) =/= undefined],
    {ok, #{ports => Rows,
           total => length(Ports) + length(Sockets),
           matched => length(Keyed),
           sortBy => sort_name(SortBy),
           elapsedMs => (erlang:monotonic_time(microsecond) - Start) / 1000}}.

sort_name(queue_size) -> queueSize;
sort_name(Key) -> Key.

%%% ------------------------------------------------------------------
%%% Ports
%%% ------------------------------------------------------------------

port_key(SortBy, Port, Filter) ->
    case erlang:port_info(Port, name) of
        undefined -> undefined;
        {name, Name} ->
            case Filter =:= none orelse port_matches(Port, Name, Filter) of
                false -> undefined;
                true -> port_value(SortBy, Port, is_inet(Name))
            end
    end.

%% A socket's bytes are the driver's statistics: port_info's input and
%% output count only what reached the owner as messages (0 for a passive
%% socket read with recv). One call to the driver per socket.
port_value(input, Port, true) -> stat(Port, recv_oct);
port_value(output, Port, true) -> stat(Port, send_oct);
port_value(Item, Port, _) ->
    case erlang:port_info(Port, Item) of
        {_, Value} -> Value;
        undefined -> undefined
    end.

stat(Port, Stat) ->
    case catch inet:getstat(Port, [Stat]) of
        {ok, [{Stat, Value}]} -> Value;
        _ -> undefined
    end.

is_inet(Name) -> lists:member(Name, ["tcp_inet", "udp_inet", "sctp_inet"]).

%% A filter matches the port's id, its driver name or its owner's name.
port_matches(Port, Name, Filter) ->
    case erlang:port_info(Port, connected) of
        {connected, Owner} ->
            beam_observer_ranking:matches(Filter, [beam_observer_pid:to_binary(Port), unicode:characters_to_binary(Name)
                                                   | owner_names(Owner)]);
        _ -> false
    end.

owner_names(Owner) ->
    case erlang:process_info(Owner, registered_name) of
        {registered_name, N} when is_atom(N) -> [atom_to_binary(N)];
        _ -> []
    end.

row({port, Port}) ->
    Items = [name, connected, input, output, queue_size, memory, os_pid],
    case [erlang:port_info(Port, I) || I <- Items] of
        [{name, Name}, {connected, Owner}, {input, In}, {output, Out}, {queue_size, Queue},
         {memory, Memory}, {os_pid, OsPid}] ->
            Driver = unicode:characters_to_binary(Name),
            Base = #{id => beam_observer_pid:to_binary(Port),
                     kind => port,
                     name => Driver,
                     owner => beam_observer_pid:to_binary(Owner),
                     ownerName => owner_name(Owner),
                     input => In,
                     output => Out,
                     queueSize => Queue,
                     memory => Memory,
                     osPid => case OsPid of undefined -> null; _ -> OsPid end,
                     protocol => null, local => null, peer => null, state => null},
            maps:merge(Base#{agent => is_agent(Owner)}, inet_details(Driver, Port));
        _ ->
            %% Closed while being read.
            undefined
    end;
row({socket, Socket, Info}) ->
    Counters = maps:get(counters, Info, #{}),
    Owner = maps:get(owner, Info, undefined),
    #{id => socket_id(Socket),
      kind => socket,
      name => <<"socket">>,
      owner => case is_pid(Owner) of true -> beam_observer_pid:to_binary(Owner); false -> null end,
      ownerName => case is_pid(Owner) of true -> owner_name(Owner); false -> null end,
      input => maps:get(read_byte, Counters, 0),
      output => maps:get(write_byte, Counters, 0),
      queueSize => null,
      memory => null,
      osPid => null,
      protocol => maps:get(protocol, Info, null),
      local => address(catch socket:sockname(Socket)),
      peer => address(catch socket:peername(Socket)),
      state => socket_state(Info),
      agent => is_pid(Owner) andalso is_agent(Owner)}.

%% The agent's own sockets (its listener and its clients' connections) are marked.
is_agent(Owner) ->
    beam_observer_ranking:is_agent_process(Owner, {case owner_name(Owner) of null -> []; N -> N end, undefined}).

owner_name(Owner) -> beam_observer_pid:registered_name(Owner).

%% Addresses and state of a gen_tcp/gen_udp/gen_sctp port (through its driver).
inet_details(Driver, Port) when Driver =:= <<"tcp_inet">>; Driver =:= <<"udp_inet">>; Driver =:= <<"sctp_inet">> ->
    Protocol = binary:part(Driver, 0, byte_size(Driver) - byte_size(<<"_inet">>)),
    Bytes = case catch inet:getstat(Port, [recv_oct, send_oct]) of
                {ok, [{recv_oct, In}, {send_oct, Out}]} -> #{input => In, output => Out};
                _ -> #{}
            end,
    Bytes#{protocol => Protocol,
      local => address(catch inet:sockname(Port)),
      peer => address(catch inet:peername(Port)),
      state => case catch prim_inet:getstatus(Port) of
                   {ok, States} when is_list(States) -> state_text(States);
                   _ -> null
               end};
inet_details(_, _) ->
    #{}.

%% A listening socket says so; otherwise connected, or open (udp).
state_text(States) ->
    case [S || S <- [listen, connected, connecting, accepting], lists:member(S, States)] of
        [S | _] -> S;
        [] -> open
    end.

address({ok, {Ip, Port}}) when is_tuple(Ip), is_integer(Port) ->
    <<(ip_text(Ip))/binary, ":", (integer_to_binary(Port))/binary>>;
address({ok, #{family := Family, addr := Ip, port := Port}}) when Family =:= inet; Family =:= inet6 ->
    address({ok, {Ip, Port}});
address({ok, #{family := local, path := Path}}) ->
    unicode:characters_to_binary(Path);
address({ok, Other}) ->
    beam_observer_format:short(Other);
address(_) ->
    null.

ip_text({_, _, _, _} = Ip) -> list_to_binary(inet:ntoa(Ip));
ip_text(Ip) when tuple_size(Ip) =:= 8 -> <<"[", (list_to_binary(inet:ntoa(Ip)))/binary, "]">>;
ip_text(Ip) -> beam_observer_format:short(Ip).

%%% ------------------------------------------------------------------
%%% socket-module sockets
%%% ------------------------------------------------------------------

%% Only nodes that use the socket module have its registry running.
sockets() ->
    case whereis(socket_registry) of
        undefined -> [];
        _ ->
            try socket:which_sockets() of
                Sockets -> [{S, Info} || S <- Sockets, is_map(Info = (catch socket:info(S)))]
            catch
                _:_ -> []
            end
    end.

socket_key(SortBy, Socket, Info, Filter) ->
    Matches = Filter =:= none orelse
        beam_observer_ranking:matches(Filter, [socket_id(Socket), <<"socket">>
                                               | case maps:get(owner, Info, undefined) of
                                                     Owner when is_pid(Owner) -> owner_names(Owner);
                                                     _ -> []
                                                 end]),
    Counters = maps:get(counters, Info, #{}),
    case {Matches, SortBy} of
        {false, _} -> undefined;
        {true, input} -> maps:get(read_byte, Counters, 0);
        {true, output} -> maps:get(write_byte, Counters, 0);
        %% Neither figure exists for a socket: it sorts last.
        {true, _} -> -1
    end.

socket_id(Socket) ->
    try list_to_binary(socket:to_list(Socket))
    catch _:_ -> beam_observer_format:short(Socket)
    end.

socket_state(Info) ->
    case maps:get(rstates, Info, []) ++ maps:get(wstates, Info, []) of
        [] -> open;
        States ->
            case [S || S <- [listening, connected, connecting, accepting], lists:member(S, States)] of
                [S | _] -> S;
                [] -> open
            end
    end.
