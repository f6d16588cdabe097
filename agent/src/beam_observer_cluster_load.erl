%%% One connection's load subscription to the members of its node's cluster
%%% (`cluster/subscribe'): a sampler in each member, their samples batched.
%%%
%%% With one `load/subscribe' per member, a client watching a cluster of 100
%%% nodes sent 100 requests at once (beyond the 8 in flight a connection may
%%% have) and received 100 notifications a second. Here one request names the
%%% whole set; the connection starts what is missing and stops what is no
%%% longer named, a few members at a time (loading the agent into a node
%%% pushes its modules), and sends one `load/samples' notification per
%%% interval with every member's newest sample.
%%%
%%% The samplers run in the members (beam_observer_sampler, started through
%%% beam_observer_cluster), linked to the connection process, and send it
%%% their sample already encoded as JSON: the connection only concatenates.
%%% This module is the connection's state for all that, a plain record the
%%% connection process threads through its loop; it sends nothing to the
%%% socket itself but returns the notifications to send.
-module(beam_observer_cluster_load).

-include("beam_observer_errors.hrl").

-export([new/0, subscribe/3, sample/3, flush/1, start_done/3, sampler_exit/3, stop_all/1, nodes/1]).
%% Pure parts, exported for tests.
-export([batch/1, stopped/3]).

%% Members being connected at once: each may push the agent's modules.
-define(PARALLEL_STARTS, 8).

-record(cluster, {interval_ms = 1000 :: pos_integer(),
                  wanted = [] :: [node()],
                  samplers = #{} :: #{node() => pid()},
                  %% Start workers (monitored, not linked) by pid, and their monitor.
                  starting = #{} :: #{pid() => {node(), reference()}},
                  queue = [] :: [node()],
                  %% The newest encoded sample of each member since the last flush.
                  buffer = #{} :: #{node() => binary()},
                  timer :: reference() | undefined}).
-opaque state() :: #cluster{}.
-export_type([state/0]).

-spec new() -> state().
new() -> #cluster{}.

%% The members subscribed now (samplers running).
-spec nodes(state()) -> [node()].
nodes(#cluster{samplers = Samplers}) -> lists:sort(maps:keys(Samplers)).

%% Subscribe exactly Nodes, at IntervalMs. Members no longer named stop; new
%% ones, and ones whose start failed before, are started. A new interval
%% restarts every sampler. Like every function here that starts or stops
%% something, it runs in the connection process (self()).
-spec subscribe([node()], pos_integer(), state()) -> state().
subscribe(Nodes, IntervalMs, S0) ->
    S1 = case IntervalMs =:= S0#cluster.interval_ms of
             true -> S0;
             false -> stop_samplers(maps:keys(S0#cluster.samplers), S0#cluster{interval_ms = IntervalMs})
         end,
    Wanted = lists:usort(Nodes),
    S2 = stop_samplers([N || N <- maps:keys(S1#cluster.samplers), not lists:member(N, Wanted)], S1),
    Busy = maps:keys(S2#cluster.samplers) ++ [N || {N, _} <- maps:values(S2#cluster.starting)],
    Queue = [N || N <- Wanted, not lists:member(N, Busy)],
    S3 = S2#cluster{wanted = Wanted, queue = Queue,
                    buffer = maps:with(Wanted, S2#cluster.buffer)},
    arm(pump(S3)).

%% A member's sample arrived (encoded params of a load/sample).
-spec sample(node(), binary(), state()) -> state().
sample(Node, Json, S = #cluster{buffer = Buffer, samplers = Samplers}) ->
    case is_map_key(Node, Samplers) of
        true -> S#cluster{buffer = Buffer#{Node => Json}};
        false -> S   %% a sampler stopped meanwhile: drop it
    end.

%% The interval's timer fired: the batch to send, if any, and the next timer.
-spec flush(state()) -> {binary() | none, state()}.
flush(S = #cluster{buffer = Buffer}) ->
    S1 = arm(S#cluster{timer = undefined, buffer = #{}}),
    case map_size(Buffer) of
        0 -> {none, S1};
        _ -> {batch([Json || {_, Json} <- lists:sort(maps:to_list(Buffer))]), S1}
    end.

%% A start worker ended (its 'DOWN' reason carries the outcome): the sampler
%% is kept if its member is still wanted, a failure becomes a notification.
-spec start_done(pid(), term(), state()) -> {mine, [binary()], state()} | not_mine.
start_done(Worker, Reason, S = #cluster{starting = Starting}) ->
    case maps:take(Worker, Starting) of
        error -> not_mine;
        {{Node, _Monitor}, Rest} ->
            S1 = S#cluster{starting = Rest},
            Wanted = lists:member(Node, S1#cluster.wanted),
            {Notes, S2} = case Reason of
                              {started, Sampler} when Wanted ->
                                  {[], S1#cluster{samplers = (S1#cluster.samplers)#{Node => Sampler}}};
                              {started, Sampler} ->
                                  stop_pid(Sampler),
                                  {[], S1};
                              {failed, Code, Message} when Wanted ->
                                  {[stopped(Node, Message, Code)], S1};
                              {failed, _, _} ->
                                  {[], S1};
                              Crash ->
                                  {[stopped(Node, <<"starting its sampler crashed: ",
                                                    (beam_observer_format:short(Crash))/binary>>, ?InternalError)], S1}
                          end,
            {mine, Notes, pump(S2)}
    end.

%% A linked process exited: one of this subscription's samplers (its member
%% left, or it crashed), or not.
-spec sampler_exit(pid(), term(), state()) -> {mine, [binary()], state()} | not_mine.
sampler_exit(Pid, Reason, S = #cluster{samplers = Samplers}) ->
    case [N || {N, P} <- maps:to_list(Samplers), P =:= Pid] of
        [] -> not_mine;
        [Node] ->
            beam_observer_registry:remove(Pid),
            Why = case Reason of
                      noconnection -> <<"nodeDown">>;
                      _ -> <<"its sampler crashed: ", (beam_observer_format:short(Reason))/binary>>
                  end,
            Code = case Reason of noconnection -> ?NodeNotConnected; _ -> ?InternalError end,
            {mine, [stopped(Node, Why, Code)],
             S#cluster{samplers = maps:remove(Node, Samplers), buffer = maps:remove(Node, S#cluster.buffer)}}
    end.

-spec stop_all(state()) -> state().
stop_all(S = #cluster{starting = Starting}) ->
    [begin erlang:demonitor(M, [flush]), exit(W, kill) end || {W, {_, M}} <- maps:to_list(Starting)],
    S1 = stop_samplers(maps:keys(S#cluster.samplers), S#cluster{starting = #{}, queue = [], wanted = []}),
    cancel(S1#cluster.timer),
    S1#cluster{timer = undefined, buffer = #{}}.

%% One `load/samples' notification from encoded sample params.
-spec batch([binary()]) -> binary().
batch(Samples) ->
    iolist_to_binary([<<"{\"jsonrpc\":\"2.0\",\"method\":\"load/samples\",\"params\":{\"samples\":[">>,
                      lists:join(<<",">>, Samples), <<"]}}">>]).

%% A member's subscription ended or could not start: `load/stopped'.
-spec stopped(node(), binary(), integer()) -> binary().
stopped(Node, Reason, Code) ->
    iolist_to_binary(beam_observer_json:encode(
        #{jsonrpc => <<"2.0">>, method => <<"load/stopped">>,
          params => #{node => Node, reason => Reason, code => Code}})).

%%% ------------------------------------------------------------------

%% Start queued members, at most ?PARALLEL_STARTS at a time, each in a
%% worker of its own: loading the agent there may take a while, and the
%% connection's loop must not wait.
pump(S = #cluster{queue = [Node | Rest], starting = Starting}) when map_size(Starting) < ?PARALLEL_STARTS ->
    Conn = self(),
    IntervalMs = S#cluster.interval_ms,
    {Worker, Monitor} = spawn_monitor(fun() -> exit(start(Node, Conn, IntervalMs)) end),
    beam_observer_registry:add(Worker, worker),
    pump(S#cluster{queue = Rest, starting = Starting#{Worker => {Node, Monitor}}});
pump(S) ->
    S.

start(Node, Conn, IntervalMs) ->
    beam_observer_registry:agent_work(worker, fun() ->
        case beam_observer_cluster:start_sampler(Node, Conn, IntervalMs, batched) of
            {ok, Sampler} -> {started, Sampler};
            {error, Code, Message} -> {failed, Code, Message}
        end
    end).

stop_samplers(Nodes, S = #cluster{samplers = Samplers}) ->
    [stop_pid(maps:get(N, Samplers)) || N <- Nodes],
    S#cluster{samplers = maps:without(Nodes, Samplers), buffer = maps:without(Nodes, S#cluster.buffer)}.

stop_pid(Pid) ->
    unlink(Pid),
    exit(Pid, kill),
    beam_observer_registry:remove(Pid).

%% One flush per interval while anything is subscribed or starting.
arm(S = #cluster{timer = undefined, wanted = [_ | _], interval_ms = IntervalMs}) ->
    S#cluster{timer = erlang:send_after(IntervalMs, self(), cluster_flush)};
arm(S) ->
    S.

cancel(undefined) -> ok;
cancel(Timer) -> _ = erlang:cancel_timer(Timer), ok.
