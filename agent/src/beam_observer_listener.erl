%%% The TCP listener: owns the listening socket and the discovery file,
%%% and enforces two caps: connections still in their handshake (so a flood
%%% of idle sockets is bounded), and authenticated clients. Only a client
%%% that presented the token counts against the client cap, so local
%%% processes without the token cannot lock the extension out.
%%%
%%% An acceptor process (linked) blocks in accept/1 and hands each socket to a
%%% new connection process. Connection processes are not linked to anything:
%%% the listener monitors them to count them, and they monitor the listener
%%% so that they close when the agent stops.
-module(beam_observer_listener).
-behaviour(gen_server).

-export([start_link/0, endpoint/0, authenticated/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

%% The token is not kept here: a crash report prints this state into the
%% node's log (the agent killed, the node shutting down), and logs are read
%% and shipped by people who must not get the token. It stays in the
%% registry's table (beam_observer_config).
-record(state, {socket :: gen_tcp:socket(),
                port :: inet:port_number(),
                acceptor :: pid(),
                %% Every connection, and whether it has authenticated.
                conns = #{} :: #{pid() => {reference(), pending | client}}}).

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

%% Port and token of the running agent.
-spec endpoint() -> {ok, #{port := inet:port_number(), token := binary()}}.
endpoint() ->
    gen_server:call(?MODULE, endpoint, 5000).

%% A connection presented the token: count it as a client, if there is room.
-spec authenticated(pid()) -> ok | full.
authenticated(Listener) ->
    gen_server:call(Listener, {authenticated, self()}, 5000).

-spec init([]) -> {ok, #state{}} | {stop, {listen_failed, inet:port_number(), term()}}.
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
            {ok, #state{socket = Socket, port = Port, acceptor = Acceptor}};
        {error, Reason} ->
            {stop, {listen_failed, Port0, Reason}}
    end.

-spec handle_call(endpoint | {admit, pid()} | {authenticated, pid()}, gen_server:from(), #state{}) ->
          {reply, {ok, #{port := inet:port_number(), token := binary()}} | {ok, pid()} | ok | full, #state{}}.
handle_call(endpoint, _From, S = #state{port = Port}) ->
    #{token := Token} = beam_observer_config:current(),
    {reply, {ok, #{port => Port, token => Token}}, S};
handle_call({admit, Conn}, _From, S = #state{conns = Conns}) ->
    #{max_pending_handshakes := Max} = beam_observer_config:limits(),
    case count(pending, S) < Max of
        true ->
            Ref = erlang:monitor(process, Conn),
            beam_observer_registry:add(Conn, connection),
            {reply, {ok, self()}, S#state{conns = Conns#{Conn => {Ref, pending}}}};
        false ->
            {reply, full, S}
    end;
handle_call({authenticated, Conn}, _From, S = #state{conns = Conns}) ->
    #{max_clients := Max} = beam_observer_config:limits(),
    case {Conns, count(client, S) < Max} of
        {#{Conn := {Ref, pending}}, true} ->
            {reply, ok, S#state{conns = Conns#{Conn := {Ref, client}}}};
        _ ->
            {reply, full, S}
    end.

count(Kind, #state{conns = Conns}) ->
    length([K || {_, K} <- maps:values(Conns), K =:= Kind]).

-spec handle_cast(term(), #state{}) -> {noreply, #state{}}.
handle_cast(_Msg, S) ->
    {noreply, S}.

-spec handle_info(term(), #state{}) -> {noreply, #state{}} | {stop, {acceptor_exited, term()}, #state{}}.
handle_info({'DOWN', _Ref, process, Pid, _}, S = #state{conns = Conns}) ->
    beam_observer_registry:remove(Pid),
    {noreply, S#state{conns = maps:remove(Pid, Conns)}};
handle_info({'EXIT', Acceptor, Reason}, S = #state{acceptor = Acceptor}) ->
    {stop, {acceptor_exited, Reason}, S};
handle_info(_Msg, S) ->
    {noreply, S}.

-spec terminate(term(), #state{}) -> ok.
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
             startedAt => erlang:system_time(millisecond),
             launchedBy => launched_by()},
    case beam_observer_discovery:write(Info) of
        ok -> true;
        {error, Reason} ->
            logger:warning("BEAM Observer could not write its discovery file: ~tp", [Reason]),
            true
    end.

%% Set by whoever started this VM to find its agent again (the extension puts
%% "debug:<id>" in a debug session's environment, "terminal" in terminals).
launched_by() ->
    case os:getenv("BEAM_OBSERVER_LAUNCHED_BY") of
        Value when is_list(Value), Value =/= "", length(Value) =< 200 ->
            unicode:characters_to_binary(Value);
        _ -> null
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
                full -> Conn ! {rejected, 503, <<"too many connections in their handshake">>}
            end;
        {error, _} ->
            exit(Conn, kill),
            gen_tcp:close(Client)
    end.
