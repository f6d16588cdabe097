%%% One client connection: the HTTP upgrade (its security checks are
%%% beam_observer_ws:check_request/2), then WebSocket frames carrying
%%% JSON-RPC 2.0 messages.
%%%
%%% The connection process itself never touches a user process: every request
%%% except the load subscription runs in a short-lived worker that it
%%% monitors, so a slow or failing request cannot block the socket, its
%%% garbage dies with the worker, and a crash becomes an error response.
-module(beam_observer_conn).

-include("beam_observer_errors.hrl").

-export([spawn_for/1]).

-record(conn, {socket :: gen_tcp:socket(),
               listener :: reference(),
               buffer = <<>> :: binary(),
               assembler :: term(),
               workers = #{} :: #{pid() => {Id :: term(), reference(), Timer :: reference()}},
               tokens :: float(),
               last_refill :: integer(),
               %% Load samplers by node: this node's is linked to the connection,
               %% another node's (beam_observer_cluster) too, across the distribution.
               samplers = #{} :: #{node() => pid()},
               %% The cluster subscription (cluster/subscribe): its members' samplers, batched.
               cluster = beam_observer_cluster_load:new() :: beam_observer_cluster_load:state(),
               %% Trace sessions this connection started (beam_observer_trace_session):
               %% they end with it, and before it when the agent stops.
               traces = [] :: [pid()]}).

%% Spawned unlinked by the acceptor; it waits to be admitted by the listener.
-spec spawn_for(gen_tcp:socket()) -> pid().
spawn_for(Socket) ->
    spawn(fun() -> await_admission(Socket) end).

await_admission(Socket) ->
    receive
        {admitted, Listener} ->
            ListenerRef = erlang:monitor(process, Listener),
            handshake(Socket, Listener, ListenerRef);
        {rejected, Status, Message} ->
            reject(Socket, Status, Message)
    after 5000 ->
        gen_tcp:close(Socket)
    end.

%%% ------------------------------------------------------------------
%%% Handshake
%%% ------------------------------------------------------------------

handshake(Socket, Listener, ListenerRef) ->
    Limits = beam_observer_config:limits(),
    #{handshake_timeout_ms := Timeout, max_request_head_bytes := MaxHead} = Limits,
    Deadline = erlang:monotonic_time(millisecond) + Timeout,
    case read_request(Socket, <<>>, MaxHead, Deadline) of
        {ok, Request, Rest} ->
            case beam_observer_ws:check_request(Request, beam_observer_config:current()) of
                {ok, Key} -> upgrade(Socket, Listener, ListenerRef, Key, Rest, Limits);
                {error, Status, Message} -> reject(Socket, Status, Message)
            end;
        {error, timeout} ->
            reject(Socket, 408, <<"request head not received in time">>);
        {error, closed} ->
            gen_tcp:close(Socket);
        {error, Message} when is_binary(Message) ->
            reject(Socket, 400, Message);
        {error, _} ->
            gen_tcp:close(Socket)
    end.

read_request(Socket, Buffer, MaxHead, Deadline) ->
    case beam_observer_ws:parse_request(Buffer, MaxHead) of
        {ok, Request, Rest} -> {ok, Request, Rest};
        {error, Message} -> {error, Message};
        more ->
            Remaining = Deadline - erlang:monotonic_time(millisecond),
            case Remaining > 0 andalso gen_tcp:recv(Socket, 0, Remaining) of
                false -> {error, timeout};
                {ok, Data} -> read_request(Socket, <<Buffer/binary, Data/binary>>, MaxHead, Deadline);
                {error, Reason} -> {error, Reason}
            end
    end.

%% The request passed every check: the client takes one of the listener's
%% client places, if one is free, and the upgrade is answered.
upgrade(Socket, Listener, ListenerRef, Key, Rest, Limits) ->
    case beam_observer_listener:authenticated(Listener) of
        ok ->
            ok = inet:setopts(Socket, [{send_timeout, 5000}, {send_timeout_close, true}]),
            case gen_tcp:send(Socket, beam_observer_ws:handshake_response(Key)) of
                ok -> open(Socket, ListenerRef, Rest, Limits);
                {error, _} -> gen_tcp:close(Socket)
            end;
        full ->
            reject(Socket, 503, <<"too many clients">>)
    end.

reject(Socket, Status, Message) ->
    _ = inet:setopts(Socket, [{send_timeout, 2000}]),
    _ = gen_tcp:send(Socket, beam_observer_ws:http_error(Status, Message)),
    gen_tcp:close(Socket).

%%% ------------------------------------------------------------------
%%% WebSocket loop
%%% ------------------------------------------------------------------

open(Socket, ListenerRef, Rest, Limits) ->
    #{max_frame_bytes := MaxFrame, rate_burst := Burst} = Limits,
    process_flag(trap_exit, true),
    ok = inet:setopts(Socket, [{active, once}]),
    Conn = #conn{socket = Socket, listener = ListenerRef,
                 assembler = beam_observer_ws:new_assembler(MaxFrame),
                 tokens = float(Burst), last_refill = erlang:monotonic_time(millisecond)},
    frames(Conn#conn{buffer = Rest}, Limits).

loop(Conn = #conn{socket = Socket}, Limits) ->
    receive
        {tcp, Socket, Data} ->
            ok = inet:setopts(Socket, [{active, once}]),
            frames(Conn#conn{buffer = <<(Conn#conn.buffer)/binary, Data/binary>>}, Limits);
        {tcp_closed, Socket} ->
            finish(Conn);
        {tcp_error, Socket, _} ->
            finish(Conn);
        {response, Worker, Json} ->
            case maps:take(Worker, Conn#conn.workers) of
                {{_, Monitor, Timer}, Workers} ->
                    erlang:demonitor(Monitor, [flush]),
                    erlang:cancel_timer(Timer),
                    send_text(Conn, Json),
                    loop(Conn#conn{workers = Workers}, Limits);
                error ->
                    loop(Conn, Limits)
            end;
        {load_sample, Json} ->
            send_text(Conn, Json),
            loop(Conn, Limits);
        {cluster_sample, Node, Json} ->
            loop(Conn#conn{cluster = beam_observer_cluster_load:sample(Node, Json, Conn#conn.cluster)}, Limits);
        cluster_flush ->
            loop(flush_cluster(Conn), Limits);
        {cluster_subscribe, Id, IntervalMs, Nodes, Refused} ->
            loop(cluster_subscribe(Conn, Id, IntervalMs, Nodes, Refused), Limits);
        %% A trace session's events and end (beam_observer_trace_session).
        {notification, Json} ->
            send_text(Conn, Json),
            loop(Conn, Limits);
        {trace_session, Session} ->
            loop(Conn#conn{traces = [Session | [P || P <- Conn#conn.traces, is_process_alive(P)]]}, Limits);
        {'DOWN', Ref, process, _, Reason} when Ref =:= Conn#conn.listener ->
            end_trace_sessions(Conn),
            close(Conn, 1001, <<"agent stopping">>, Reason);
        {'DOWN', _, process, Worker, Reason} ->
            loop(worker_down(Conn, Worker, Reason), Limits);
        {remote_sampler, Node, Sampler} ->
            loop(add_sampler(Conn, Node, Sampler), Limits);
        {'EXIT', Pid, Reason} ->
            loop(sampler_exit(Conn, Pid, Reason), Limits);
        {request_timeout, Worker} ->
            loop(worker_timeout(Conn, Worker, Limits), Limits)
    end.

frames(Conn = #conn{buffer = Buffer}, Limits = #{max_frame_bytes := Max}) ->
    case beam_observer_ws:decode_frame(Buffer, Max) of
        more ->
            loop(Conn, Limits);
        {error, Code, Reason} ->
            close(Conn, Code, Reason, normal);
        {ok, Frame, Rest} ->
            case beam_observer_ws:assemble(Frame, Conn#conn.assembler) of
                {more, Asm} ->
                    frames(Conn#conn{buffer = Rest, assembler = Asm}, Limits);
                {message, text, Payload, Asm} ->
                    Conn1 = request(Payload, Conn#conn{buffer = Rest, assembler = Asm}, Limits),
                    frames(Conn1, Limits);
                {message, binary, _, _} ->
                    close(Conn, 1003, <<"binary frames are not supported; send JSON text">>, normal);
                {control, ping, Payload, Asm} ->
                    send(Conn, beam_observer_ws:encode_frame(pong, Payload)),
                    frames(Conn#conn{buffer = Rest, assembler = Asm}, Limits);
                {control, pong, _, Asm} ->
                    frames(Conn#conn{buffer = Rest, assembler = Asm}, Limits);
                {control, close, Payload, _} ->
                    Code = case beam_observer_ws:parse_close_payload(Payload) of
                               {ok, none, _} -> 1000;
                               {ok, C, _} -> C;
                               {error, C, _} -> C
                           end,
                    close(Conn, Code, <<>>, normal);
                {error, Code, Reason} ->
                    close(Conn, Code, Reason, normal)
            end
    end.

close(Conn, Code, Reason, ExitReason) ->
    send(Conn, beam_observer_ws:encode_close(Code, Reason)),
    finish(Conn),
    exit(ExitReason).

finish(#conn{socket = Socket, workers = Workers, samplers = Samplers, cluster = Cluster}) ->
    [begin exit(Pid, kill), beam_observer_registry:remove(Pid) end
     || Pid <- maps:keys(Workers) ++ maps:values(Samplers)],
    _ = beam_observer_cluster_load:stop_all(Cluster),
    gen_tcp:close(Socket),
    exit(normal).

send(#conn{socket = Socket}, Data) ->
    case gen_tcp:send(Socket, Data) of
        ok -> ok;
        %% A client that stops reading is dropped (send_timeout_close).
        {error, _} -> exit(normal)
    end.

send_text(Conn, Json) ->
    send(Conn, beam_observer_ws:encode_frame(text, Json)).

%%% ------------------------------------------------------------------
%%% JSON-RPC
%%% ------------------------------------------------------------------

request(Payload, Conn, Limits) ->
    case beam_observer_json:decode(Payload) of
        {error, Reason} ->
            reply_error(Conn, null, ?ParseError, <<"parse error: ", Reason/binary>>),
            Conn;
        {ok, List} when is_list(List) ->
            reply_error(Conn, null, ?InvalidRequest, <<"batch requests are not supported">>),
            Conn;
        {ok, #{<<"jsonrpc">> := <<"2.0">>, <<"method">> := Method} = Message}
          when is_binary(Method) ->
            Id = maps:get(<<"id">>, Message, undefined),
            Params = maps:get(<<"params">>, Message, #{}),
            case valid_id(Id) of
                false ->
                    reply_error(Conn, null, ?InvalidRequest, <<"id must be a string, a number or null">>),
                    Conn;
                true ->
                    admit_request(Id, Method, Params, Conn, Limits)
            end;
        {ok, Message} when is_map(Message), is_map_key(<<"result">>, Message);
                           is_map(Message), is_map_key(<<"error">>, Message) ->
            %% A response from the client: the agent sends no requests, ignore it.
            Conn;
        {ok, Message} ->
            Id = case is_map(Message) of
                     true -> maps:get(<<"id">>, Message, null);
                     false -> null
                 end,
            reply_error(Conn, sanitize_id(Id), ?InvalidRequest,
                        <<"invalid request: expected {\"jsonrpc\": \"2.0\", \"method\": string, ...}">>),
            Conn
    end.

valid_id(undefined) -> true;
valid_id(null) -> true;
valid_id(Id) -> is_binary(Id) orelse is_number(Id).

sanitize_id(Id) ->
    case valid_id(Id) andalso Id =/= undefined of
        true -> Id;
        false -> null
    end.

admit_request(Id, Method, Params, Conn, Limits) ->
    #{rate_per_second := Rate, rate_burst := Burst, max_inflight := MaxInflight} = Limits,
    Conn1 = refill(Conn, Rate, Burst),
    if
        Conn1#conn.tokens < 1.0 ->
            reply_error(Conn1, Id, ?RateLimited, <<"rate limit exceeded: at most ", (integer_to_binary(Rate))/binary,
                                                   " requests per second">>),
            Conn1;
        map_size(Conn1#conn.workers) >= MaxInflight ->
            reply_error(Conn1, Id, ?TooManyInflight, <<"too many requests in flight on this connection">>),
            Conn1#conn{tokens = Conn1#conn.tokens - 1.0};
        true ->
            dispatch(Id, Method, Params, Conn1#conn{tokens = Conn1#conn.tokens - 1.0}, Limits)
    end.

refill(Conn = #conn{tokens = Tokens, last_refill = Last}, Rate, Burst) ->
    Now = erlang:monotonic_time(millisecond),
    Conn#conn{tokens = min(float(Burst), Tokens + (Now - Last) * Rate / 1000),
              last_refill = Now}.

%% Load subscriptions belong to the connection (one sampler per node);
%% everything else runs in a worker.
dispatch(Id, <<"load/subscribe">>, Params, Conn = #conn{samplers = Samplers}, Limits) ->
    #{max_load_subscriptions := MaxSamplers} = Limits,
    case subscription(Params) of
        {error, Code, Message} ->
            reply_error(Conn, Id, Code, Message),
            Conn;
        {Target, _} when map_size(Samplers) >= MaxSamplers, not is_map_key(Target, Samplers) ->
            reply_error(Conn, Id, ?InvalidParams, <<"at most ", (integer_to_binary(MaxSamplers))/binary,
                                                    " load subscriptions per connection">>),
            Conn;
        {Local, IntervalMs} when Local =:= node() ->
            Self = self(),
            Sampler = spawn_link(fun() -> beam_observer_sampler:run(Self, IntervalMs, notification) end),
            beam_observer_registry:add(Sampler, sampler),
            reply(Conn, Id, #{intervalMs => IntervalMs, node => node()}),
            add_sampler(Conn, node(), Sampler);
        {Node, IntervalMs} ->
            %% Loading the agent there may take a moment: not in this loop.
            Self = self(),
            spawn_worker(Id, fun() -> remote_subscribe(Self, Node, IntervalMs) end, Conn, Limits)
    end;
dispatch(Id, <<"load/unsubscribe">>, Params, Conn = #conn{samplers = Samplers}, _Limits) ->
    Stop = case beam_observer_cluster:target(Params) of
               {ok, local} when is_map(Params), is_map_key(<<"node">>, Params) -> [node()];
               {ok, local} -> maps:keys(Samplers);   %% no node: every subscription
               {ok, Node} -> [Node];
               {error, _, _} -> []
           end,
    reply(Conn, Id, #{}),
    lists:foldl(fun(Node, C) -> stop_sampler(C, Node) end, Conn, Stop);
dispatch(Id, <<"cluster/subscribe">>, Params, Conn, Limits) ->
    %% Naming a node may connect to it (a relay's cluster): in a worker, which
    %% hands the resolved set back to this loop to apply and answer.
    Self = self(),
    spawn_worker(Id, fun() ->
                         case beam_observer_rpc:cluster_subscription(Params) of
                             {ok, IntervalMs, Nodes, Refused} ->
                                 Self ! {cluster_subscribe, Id, IntervalMs, Nodes, Refused},
                                 deferred;
                             Error ->
                                 Error
                         end
                 end, Conn, Limits);
dispatch(Id, Method, Params, Conn, Limits) ->
    Self = self(),
    Run = case lists:member(Method, beam_observer_trace_rpc:methods()) of
              %% Traces belong to the connection that starts them: their worker knows which.
              true -> fun() -> beam_observer_trace_rpc:handle(Self, Method, Params) end;
              false -> fun() -> beam_observer_rpc:handle(Method, Params) end
          end,
    spawn_worker(Id, Run, Conn, Limits).

%% The agent is stopping: this connection's traces end first, and the
%% client hears why (trace/stopped, reason agentStopped) before the close.
end_trace_sessions(Conn = #conn{traces = Sessions}) ->
    [beam_observer_trace_session:stop(P, agent_stopped) || P <- Sessions, is_process_alive(P)],
    forward_notifications(Conn).

forward_notifications(Conn) ->
    receive
        {notification, Json} ->
            send_text(Conn, Json),
            forward_notifications(Conn)
    after 0 ->
        ok
    end.

%% Apply a cluster subscription and answer it: the members it samples from
%% now on (started a few at a time; a member that cannot be started is
%% reported with load/stopped), and those it refused at once.
cluster_subscribe(Conn = #conn{cluster = Cluster}, Id, IntervalMs, Nodes, Refused) ->
    Cluster1 = beam_observer_cluster_load:subscribe(Nodes, IntervalMs, Cluster),
    reply(Conn, Id, #{intervalMs => IntervalMs, nodes => Nodes, refused => Refused}),
    Conn#conn{cluster = Cluster1}.

%% Once per interval: every member's newest sample in one notification. The
%% time it takes is the agent's work.
flush_cluster(Conn = #conn{cluster = Cluster}) ->
    Start = erlang:monotonic_time(microsecond),
    {Batch, Cluster1} = beam_observer_cluster_load:flush(Cluster),
    Batch =/= none andalso send_text(Conn, Batch),
    beam_observer_budget:charge(cluster, erlang:monotonic_time(microsecond) - Start),
    Conn#conn{cluster = Cluster1}.

%% The node a load/subscribe names and the interval it asks for.
subscription(Params) ->
    case beam_observer_rpc:subscribe_params(Params) of
        {ok, IntervalMs} ->
            case beam_observer_cluster:target(Params) of
                {ok, local} -> {node(), IntervalMs};
                {ok, Remote} -> {Remote, IntervalMs};
                Error -> Error
            end;
        Error -> Error
    end.

spawn_worker(Id, Run, Conn = #conn{workers = Workers}, #{request_timeout_ms := TimeoutMs}) ->
    Self = self(),
    {Pid, Monitor} = spawn_monitor(fun() -> worker(Self, Id, Run) end),
    Timer = erlang:send_after(TimeoutMs, self(), {request_timeout, Pid}),
    Conn#conn{workers = Workers#{Pid => {Id, Monitor, Timer}}}.

%% In a worker: start a sampler in Node for the connection process
%% Connection, and hand it over before the response goes out.
remote_subscribe(Connection, Node, IntervalMs) ->
    case beam_observer_cluster:start_sampler(Node, Connection, IntervalMs, notification) of
        {ok, Sampler} ->
            Connection ! {remote_sampler, Node, Sampler},
            {ok, #{intervalMs => IntervalMs, node => Node}};
        Error ->
            Error
    end.

worker(Connection, Id, Run) ->
    Response = beam_observer_registry:agent_work(worker, fun() ->
                   case Run() of
                       {ok, Result} -> response(Id, Result);
                       {error, Code, Message} -> error_response(Id, Code, Message);
                       deferred -> deferred   %% the connection answers it
                   end
               end),
    %% Notifications (no id) get no response.
    case {Id, Response} of
        {undefined, _} -> ok;
        {_, deferred} -> ok;
        _ -> Connection ! {response, self(), Response}
    end.

worker_down(Conn = #conn{workers = Workers, cluster = Cluster}, Worker, Reason) ->
    case maps:take(Worker, Workers) of
        {{Id, _, Timer}, Rest} ->
            erlang:cancel_timer(Timer),
            beam_observer_registry:remove(Worker),
            Reason =/= normal andalso
                reply_error(Conn, Id, ?InternalError, <<"internal error in the agent: ",
                                                        (beam_observer_format:short(Reason))/binary>>),
            Conn#conn{workers = Rest};
        error ->
            %% One of the cluster subscription's start workers, perhaps.
            case beam_observer_cluster_load:start_done(Worker, Reason, Cluster) of
                {mine, Notes, Cluster1} ->
                    beam_observer_registry:remove(Worker),
                    [send_text(Conn, Note) || Note <- Notes],
                    Conn#conn{cluster = Cluster1};
                not_mine ->
                    Conn
            end
    end.

worker_timeout(Conn = #conn{workers = Workers}, Worker, #{request_timeout_ms := TimeoutMs}) ->
    case maps:take(Worker, Workers) of
        {{Id, Monitor, _}, Rest} ->
            erlang:demonitor(Monitor, [flush]),
            exit(Worker, kill),
            beam_observer_registry:remove(Worker),
            reply_error(Conn, Id, ?Timeout, <<"the request did not finish within ",
                                              (integer_to_binary(TimeoutMs div 1000))/binary, " s">>),
            Conn#conn{workers = Rest};
        error ->
            Conn
    end.

add_sampler(Conn, Node, Sampler) ->
    Conn1 = stop_sampler(Conn, Node),
    Conn1#conn{samplers = (Conn1#conn.samplers)#{Node => Sampler}}.

stop_sampler(Conn = #conn{samplers = Samplers}, Node) ->
    case maps:take(Node, Samplers) of
        {Pid, Rest} ->
            unlink(Pid),
            exit(Pid, kill),
            beam_observer_registry:remove(Pid),
            Conn#conn{samplers = Rest};
        error ->
            Conn
    end.

%% A sampler ended on its own: its node left the cluster, or it crashed.
%% The client hears it as a `load/stopped' notification.
sampler_exit(Conn = #conn{samplers = Samplers, cluster = Cluster}, Pid, Reason) ->
    case [N || {N, P} <- maps:to_list(Samplers), P =:= Pid] of
        [Node] ->
            beam_observer_registry:remove(Pid),
            {Why, Code} = case Reason of
                              noconnection -> {<<"nodeDown">>, ?NodeNotConnected};
                              _ -> {<<"crashed: ", (beam_observer_format:short(Reason))/binary>>, ?InternalError}
                          end,
            send_text(Conn, beam_observer_cluster_load:stopped(Node, Why, Code)),
            Conn#conn{samplers = maps:remove(Node, Samplers)};
        [] ->
            case beam_observer_cluster_load:sampler_exit(Pid, Reason, Cluster) of
                {mine, Notes, Cluster1} ->
                    [send_text(Conn, Note) || Note <- Notes],
                    Conn#conn{cluster = Cluster1};
                not_mine ->
                    Conn
            end
    end.

reply(_Conn, undefined, _Result) -> ok;
reply(Conn, Id, Result) -> send_text(Conn, response(Id, Result)).

reply_error(_Conn, undefined, _Code, _Message) -> ok;
reply_error(Conn, Id, Code, Message) -> send_text(Conn, error_response(Id, Code, Message)).

response(Id, Result) ->
    iolist_to_binary(beam_observer_json:encode(#{jsonrpc => <<"2.0">>, id => Id, result => Result})).

error_response(Id, Code, Message) ->
    iolist_to_binary(beam_observer_json:encode(
        #{jsonrpc => <<"2.0">>, id => json_id(Id),
          error => #{code => Code, message => Message}})).

json_id(undefined) -> null;
json_id(Id) -> Id.
