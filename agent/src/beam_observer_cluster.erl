%%% The cluster: serving the other nodes this node is connected to.
%%%
%%% A request may name another node (`"node": "b@host"'), or carry a pid that
%%% this node printed for a process of another node ("<9003.50.0>"). Either
%%% way the agent runs the request *in that node* through `erpc', after
%%% loading itself there on demand: its modules are pushed with
%%% code:load_binary/3 and started as a cluster member (the ranking server and
%%% registry, no listener, no discovery file). Nothing is installed on disk
%%% there and nothing there is restarted.
%%%
%%% Node names arrive as text and are matched against the names this node is
%%% connected to, or that the nodes it is connected to list (it then connects
%%% to that node), so a request can never create an atom or reach a node
%%% outside the cluster.
-module(beam_observer_cluster).

-export([target/1, call/4, nodes/0, ensure_member/1, start_sampler/3]).

-define(NOT_CONNECTED, -32009).
-define(AGENT_UNAVAILABLE, -32010).
-define(TIMEOUT, -32003).
-define(CALL_TIMEOUT_MS, 15000).

%% Which node a request's `node' parameter names: `local' for this node (or
%% no parameter), else a connected node.
-spec target(term()) -> {ok, local | node()} | {error, integer(), binary()}.
target(Params) when is_map(Params) ->
    case maps:get(<<"node">>, Params, null) of
        null -> {ok, local};
        Name when is_binary(Name), byte_size(Name) =< 255 ->
            case Name =:= atom_to_binary(node()) of
                true -> {ok, local};
                false -> connected(Name)
            end;
        _ -> {error, -32602, <<"node must be a node name such as \"app@host\"">>}
    end;
target(_) ->
    {ok, local}.

connected(Name) ->
    case [N || N <- erlang:nodes(connected), atom_to_binary(N) =:= Name] of
        [Node | _] -> {ok, Node};
        [] -> via_peer(Name)
    end.

%% A node that a node this one is connected to lists in its nodes(): connect
%% to it, as Observer's Nodes menu does. This is how a relay, connected to
%% one node of a cluster, reaches the rest. Only a name that is already an
%% atom here can qualify (so no atom is made), and only one a peer lists.
via_peer(Name) ->
    try binary_to_existing_atom(Name) of
        Node ->
            Answers = erpc:multicall(erlang:nodes(connected), erlang, nodes, [], 2000),
            Listed = lists:any(fun({ok, Nodes}) -> lists:member(Node, Nodes); (_) -> false end, Answers),
            case Listed andalso net_kernel:connect_node(Node) of
                true -> {ok, Node};
                _ -> {error, ?NOT_CONNECTED, not_connected_message(Name)}
            end
    catch
        error:badarg -> {error, ?NOT_CONNECTED, not_connected_message(Name)}
    end.

not_connected_message(Name) ->
    Known = case erlang:nodes() of
                [] -> <<"it is connected to no other node">>;
                Nodes -> <<"it is connected to ", (join([atom_to_binary(N) || N <- Nodes]))/binary>>
            end,
    <<"node ", Name/binary, " is not connected to ", (atom_to_binary(node()))/binary,
      " (", Known/binary, ")">>.

%% Run beam_observer_rpc:handle_remote(Method, Params) in Node.
-spec call(node(), binary(), map(), pos_integer()) -> {ok, term()} | {error, integer(), binary()}.
call(Node, Method, Params, TimeoutMs) ->
    case ensure_member(Node) of
        ok ->
            try erpc:call(Node, beam_observer_rpc, handle_remote, [Method, Params], TimeoutMs)
            catch
                error:{erpc, timeout} ->
                    {error, ?TIMEOUT, <<(atom_to_binary(Node))/binary, " did not answer within ",
                                        (integer_to_binary(TimeoutMs))/binary, " ms">>};
                error:{erpc, noconnection} -> {error, ?NOT_CONNECTED, left(Node)};
                Class:Reason -> {error, -32603, remote_crash(Node, Class, Reason)}
            end;
        {error, _, _} = Error ->
            Error
    end.

left(Node) ->
    <<"node ", (atom_to_binary(Node))/binary, " left the cluster (its connection to ",
      (atom_to_binary(node()))/binary, " closed)">>.

remote_crash(Node, Class, Reason) ->
    <<"the request failed in ", (atom_to_binary(Node))/binary, ": ",
      (beam_observer_format:short({Class, Reason}))/binary>>.

%% This node and every node it is connected to. Hidden nodes (remote shells,
%% our own attach helper) are listed apart: they run no user code worth
%% observing, but a user may still want to see them.
-spec nodes() -> map().
nodes() ->
    Visible = [#{name => N, hidden => false} || N <- lists:sort(erlang:nodes(visible))],
    Hidden = [#{name => N, hidden => true} || N <- lists:sort(erlang:nodes(hidden))],
    #{node => node(), nodes => [#{name => node(), hidden => false} | Visible ++ Hidden]}.

%% Make sure Node runs this agent (same version) as a cluster member.
-spec ensure_member(node()) -> ok | {error, integer(), binary()}.
ensure_member(Node) ->
    try
        case erpc:call(Node, code, is_loaded, [beam_observer_agent], ?CALL_TIMEOUT_MS) of
            {file, _} -> ok;
            false -> push(Node)
        end,
        Theirs = erpc:call(Node, beam_observer_agent, version, [], ?CALL_TIMEOUT_MS),
        Ours = beam_observer_agent:version(),
        Theirs =:= Ours orelse throw({unavailable,
            <<"it runs BEAM Observer agent ", Theirs/binary, " and this agent is ", Ours/binary,
              "; stop the agent there (beam_observer_agent:stop()) and try again">>}),
        ok = erpc:call(Node, beam_observer_agent, start_member, [], ?CALL_TIMEOUT_MS)
    catch
        throw:{unavailable, Why} -> unavailable(Node, Why);
        error:{erpc, noconnection} -> {error, ?NOT_CONNECTED, left(Node)};
        error:{erpc, timeout} -> unavailable(Node, <<"it did not answer within 15 s">>);
        error:{exception, undef, _} ->
            unavailable(Node, <<"its OTP release lacks what the agent needs (OTP 25 or later)">>);
        Class:Reason -> unavailable(Node, beam_observer_format:short({Class, Reason}))
    end.

unavailable(Node, Why) ->
    {error, ?AGENT_UNAVAILABLE,
     <<"could not load the agent into ", (atom_to_binary(Node))/binary, ": ", Why/binary>>}.

%% Push every agent module, in load order, as binaries.
push(Node) ->
    lists:foreach(
      fun(Module) ->
              {Binary, File} = object_code(Module),
              case erpc:call(Node, code, load_binary, [Module, File, Binary], ?CALL_TIMEOUT_MS) of
                  {module, Module} -> ok;
                  {error, Reason} ->
                      throw({unavailable, <<"loading ", (atom_to_binary(Module))/binary, " failed: ",
                                            (beam_observer_format:short(Reason))/binary>>})
              end
      end, beam_observer_agent:modules()).

%% The object code of a module of ours: from the code path, or from the file
%% it was loaded from when a loader pushed it as a binary.
object_code(Module) ->
    case code:get_object_code(Module) of
        {Module, Binary, File} -> {Binary, File};
        error ->
            File = code:which(Module),
            case is_list(File) andalso file:read_file(File) of
                {ok, Binary} -> {Binary, File};
                _ -> throw({unavailable, <<"this node has no copy of ", (atom_to_binary(Module))/binary,
                                           "'s object code to send">>})
            end
    end.

%% A load sampler running in Node and reporting to Conn (a connection
%% process here). Linked to Conn: the sampler ends with the connection, and
%% the connection hears `noconnection' when Node goes away.
-spec start_sampler(node(), pid(), pos_integer()) -> {ok, pid()} | {error, integer(), binary()}.
start_sampler(Node, Conn, IntervalMs) ->
    case ensure_member(Node) of
        ok ->
            try erpc:call(Node, beam_observer_load, start_linked, [Conn, IntervalMs], ?CALL_TIMEOUT_MS) of
                Pid when is_pid(Pid) -> {ok, Pid}
            catch
                error:{erpc, noconnection} -> {error, ?NOT_CONNECTED, left(Node)};
                Class:Reason -> {error, -32603, remote_crash(Node, Class, Reason)}
            end;
        Error ->
            Error
    end.

join([]) -> <<>>;
join([First | Rest]) -> iolist_to_binary([First | [[<<", ">>, N] || N <- Rest]]).
