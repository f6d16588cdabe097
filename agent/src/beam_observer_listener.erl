%%% The TCP listener: owns the listening socket and the discovery file,
%%% admits connections up to the client cap.
%%%
%%% An acceptor process (linked) blocks in accept/1 and hands each socket to a
%%% new connection process. Connection processes are not linked to anything:
%%% the listener monitors them to count them, and they monitor the listener
%%% so that they close when the agent stops.
-module(beam_observer_listener).
-behaviour(gen_server).

-export([start_link/0, endpoint/0, connections/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

-record(state, {socket :: gen_tcp:socket(),
                port :: inet:port_number(),
                token :: binary(),
                acceptor :: pid(),
                conns = #{} :: #{reference() => pid()}}).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

%% Port and token of the running agent.
-spec endpoint() -> {ok, #{port := inet:port_number(), token := binary()}}.
endpoint() ->
    gen_server:call(?MODULE, endpoint, 5000).

-spec connections() -> non_neg_integer().
connections() ->
    gen_server:call(?MODULE, connections, 5000).

init([]) ->
    process_flag(trap_exit, true),
    beam_observer_registry:add(self(), listener),
    #{port := Port0, bind := Bind, token := Token, discovery := Discovery} =
        beam_observer_config:current(),
    Options = [binary, {ip, Bind}, {active, false}, {reuseaddr, true},
               {packet, raw}, {nodelay, true}, {backlog, 64}],
    case gen_tcp:listen(Port0, Options) of
        {ok, Socket} ->
            {ok, Port} = inet:port(Socket),
            Discovery andalso write_discovery(Port, Token),
            Acceptor = spawn_link(fun() -> accept_loop(Socket) end),
            beam_observer_registry:add(Acceptor, acceptor),
            {ok, #state{socket = Socket, port = Port, token = Token, acceptor = Acceptor}};
        {error, Reason} ->
            {stop, {listen_failed, Port0, Reason}}
    end.

handle_call(endpoint, _From, S = #state{port = Port, token = Token}) ->
    {reply, {ok, #{port => Port, token => Token}}, S};
handle_call(connections, _From, S) ->
    {reply, map_size(S#state.conns), S};
handle_call({admit, Conn}, _From, S = #state{conns = Conns}) ->
    #{max_clients := Max} = beam_observer_config:limits(),
    case map_size(Conns) < Max of
        true ->
            Ref = erlang:monitor(process, Conn),
            beam_observer_registry:add(Conn, connection),
            {reply, {ok, self()}, S#state{conns = Conns#{Ref => Conn}}};
        false ->
            {reply, full, S}
    end.

handle_cast(_Msg, S) ->
    {noreply, S}.

handle_info({'DOWN', Ref, process, Pid, _}, S = #state{conns = Conns}) ->
    beam_observer_registry:remove(Pid),
    {noreply, S#state{conns = maps:remove(Ref, Conns)}};
handle_info({'EXIT', Acceptor, Reason}, S = #state{acceptor = Acceptor}) ->
    {stop, {acceptor_exited, Reason}, S};
handle_info(_Msg, S) ->
    {noreply, S}.

terminate(_Reason, #state{socket = Socket}) ->
    beam_observer_discovery:remove(),
    _ = gen_tcp:close(Socket),
    ok.

write_discovery(Port, Token) ->
    Info = #{node => atom_to_binary(node()),
             osPid => list_to_integer(os:getpid()),
             port => Port,
             token => Token,
             cwd => cwd(),
             otpRelease => list_to_binary(erlang:system_info(otp_release)),
             elixirVersion => beam_observer_format:elixir_version(),
             agentVersion => beam_observer_agent:version(),
             startedAt => erlang:system_time(millisecond)},
    case beam_observer_discovery:write(Info) of
        ok -> true;
        {error, Reason} ->
            logger:warning("BEAM Observer could not write its discovery file: ~tp", [Reason]),
            true
    end.

cwd() ->
    case file:get_cwd() of
        {ok, Dir} -> unicode:characters_to_binary(Dir);
        _ -> null
    end.

accept_loop(Socket) ->
    case gen_tcp:accept(Socket) of
        {ok, Client} ->
            admit(Client),
            accept_loop(Socket);
        {error, closed} ->
            exit(normal);
        {error, Reason} when Reason =:= emfile; Reason =:= enfile ->
            %% Out of file descriptors: back off instead of spinning.
            timer:sleep(200),
            accept_loop(Socket);
        {error, _} ->
            accept_loop(Socket)
    end.

admit(Client) ->
    Conn = beam_observer_conn:spawn_for(Client),
    case gen_tcp:controlling_process(Client, Conn) of
        ok ->
            case gen_server:call(?MODULE, {admit, Conn}, 5000) of
                {ok, Listener} -> Conn ! {admitted, Listener};
                full -> Conn ! {rejected, 503, <<"too many clients">>}
            end;
        {error, _} ->
            exit(Conn, kill),
            gen_tcp:close(Client)
    end.
