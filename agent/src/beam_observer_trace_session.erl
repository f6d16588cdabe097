%%% One trace session: the agent's own tracer process, which receives the
%%% trace messages and enforces the limits *in the node*, as recon_trace
%%% and redbug do, not in the client.
%%%
%%% Three kinds: `calls' (call traces of some functions, in every process or
%%% in named ones), `messages' (what one process sends and receives), and
%%% `counter' (call counts, and times, of a module's functions: no trace
%%% messages at all, but the same ownership and clean-up).
%%%
%%% Limits:
%%% - at most maxPerSecond events a second: at the limit the session closes
%%%   its gate until the second is over (a call trace: its bit of the trace
%%%   control word, which its match spec tests, see
%%%   beam_observer_trace_backend; a message trace: the process's flags), so
%%%   a hot function stops sending trace messages at all instead of flooding
%%%   the tracer with messages to drop; the returns of calls already
%%%   delivered still arrive;
%%% - at most maxEvents events in all, then the trace ends (after the
%%%   returns of the calls it delivered, 500 ms at most);
%%% - at most durationMs;
%%% - overload: every 256 messages (and every second) the tracer reads its
%%%   own message queue and memory; above 10,000 queued messages or 64 MB
%%%   it switches everything off at once and ends with `overload'.
%%% Its message queue is kept off its heap (no garbage collection of a
%%% growing queue), and events are formatted in batches, every 200 ms, so
%%% that taking a message stays cheap.
%%%
%%% Ownership: the session monitors the connection that started it (the
%%% trace ends, `disconnected', when the client goes away), the agent's
%%% supervisor (`agentStopped') and its watcher. Whatever ends it, it turns
%%% off everything it set, checks with erlang:trace_info/2 that nothing is
%%% left, and reports it; if it dies without doing so, the watcher
%%% (beam_observer_trace_watcher), which outlives it, does the same.
-module(beam_observer_trace_session).

-include("beam_observer_errors.hrl").

-export([start/2, stop/2, read/1, interpreted/1]).

%% The rate window: one second. Each reopening of the gate lets a burst of
%% calls through before the tracer closes it again (a hot process keeps
%% calling until its time slice ends, when the high-priority tracer gets to
%% run): measured with windows of 100 ms, ten reopenings a second let
%% 10-40 times more calls through to be dropped, and the tracer overloaded.
-define(TICK_MS, 1000).
-define(FLUSH_MS, 200).
-define(BATCH_MAX, 100).
-define(CHECK_EVERY, 256).
-define(MAX_QUEUE, 10000).
-define(MAX_MEMORY, 64 * 1024 * 1024).
-define(DRAIN_MS, 500).
-define(START_TIMEOUT_MS, 50000).
-define(CALL_TIMEOUT_MS, 15000).

-record(s, {id :: pos_integer(),
            kind :: calls | messages | counter,
            owner :: pid(),
            refs :: #{reference() => owner | agent | watcher | target},
            watcher :: pid(),
            plan :: beam_observer_trace_backend:plan(),
            mfas = #{} :: #{mfa() => true},
            limits = #{} :: map(),
            returns = false :: boolean(),
            language :: elixir | erlang,
            started :: integer(),
            events = 0 :: non_neg_integer(),
            dropped = 0 :: non_neg_integer(),
            window = 0 :: non_neg_integer(),      %% events in this second
            paused = false :: boolean(),
            %% Callers heard from this second, and those whose flags are off until the next.
            active = #{} :: #{pid() => true},
            held = #{} :: #{pid() => true},
            draining = false :: boolean(),
            %% Taking the last messages after switching off: nothing ends it again.
            ending = false :: boolean(),
            pairing :: beam_observer_trace_events:pairing(),
            batch = [] :: [beam_observer_trace_events:raw()],
            batch_len = 0 :: non_neg_integer(),
            since_check = 0 :: non_neg_integer(),
            targets = [] :: [pid()],
            %% counter
            module :: module() | undefined,
            time = false :: boolean(),
            totals = #{} :: beam_observer_trace_counts:totals(),
            last_read :: integer() | undefined}).

%%% ------------------------------------------------------------------
%%% API (called from a request's worker)
%%% ------------------------------------------------------------------

%% Start a session for the connection Owner. Spec is a checked trace/start
%% spec (beam_observer_trace_params) or #{kind => counter, module, time}.
-spec start(pid(), map()) -> {ok, map()} | {error, integer(), binary()}.
start(Owner, Spec) ->
    Caller = self(),
    Ref = make_ref(),
    %% High priority, as dbg's tracer (max): a tracer that waits for a
    %% scheduler behind the very processes it traces finds a flood in its
    %% queue before it can pause them (measured: 900,000 messages, +450 MB,
    %% with a tight loop on each of 2 schedulers). Its own work is bounded:
    %% at most maxPerSecond events a second to format, and dropping the rest.
    {Pid, Monitor} = spawn_opt(fun() -> init(Caller, Ref, Owner, Spec) end,
                               [monitor, {message_queue_data, off_heap}, {priority, high}]),
    receive
        {Ref, Reply} ->
            erlang:demonitor(Monitor, [flush]),
            Reply;
        {'DOWN', Monitor, process, Pid, Reason} ->
            {error, ?InternalError, <<"the trace could not start: ", (beam_observer_format:short(Reason))/binary>>}
    after ?START_TIMEOUT_MS ->
        exit(Pid, kill),
        erlang:demonitor(Monitor, [flush]),
        {error, ?Timeout, <<"the trace did not start within ", (integer_to_binary(?START_TIMEOUT_MS div 1000))/binary, " s">>}
    end.

%% End a session; returns its summary (what trace/stopped says).
-spec stop(pid(), atom()) -> {ok, map()} | {error, integer(), binary()}.
stop(Session, Reason) ->
    call(Session, {stop, Reason}).

%% A counter's deltas since the previous read.
-spec read(pid()) -> {ok, map()} | {error, integer(), binary()}.
read(Session) ->
    call(Session, read).

call(Session, Request) ->
    Monitor = erlang:monitor(process, Session),
    Session ! {call, self(), Monitor, Request},
    receive
        {Monitor, Reply} ->
            erlang:demonitor(Monitor, [flush]),
            Reply;
        {'DOWN', Monitor, process, Session, _} ->
            {error, ?TraceNotFound, <<"the trace has ended">>}
    after ?CALL_TIMEOUT_MS ->
        erlang:demonitor(Monitor, [flush]),
        {error, ?Timeout, <<"the trace did not answer within ", (integer_to_binary(?CALL_TIMEOUT_MS div 1000))/binary, " s">>}
    end.

%%% ------------------------------------------------------------------
%%% Start
%%% ------------------------------------------------------------------

init(Caller, Ref, Owner, Spec) ->
    Id = beam_observer_trace_index:new_id(),
    case gate(Id, Spec) of
        {ok, Gate} -> init(Caller, Ref, Owner, Spec, Id, Gate);
        none -> Caller ! {Ref, {error, ?TooManyTraces, <<"at most 16 call traces run at once in a node; stop one first">>}}
    end.

%% A call trace's gate: a bit of the trace control word of its own.
gate(Id, #{kind := calls}) -> beam_observer_trace_index:claim_gate(Id);
gate(_Id, _Spec) -> {ok, none}.

init(Caller, Ref, Owner, Spec, Id, Gate) ->
    CallerRef = erlang:monitor(process, Caller),
    beam_observer_registry:add(self(), tracer),
    beam_observer_trace_index:add(Id, index_info(Owner, Spec)),
    Plan = (plan(Spec, Gate))#{backend => beam_observer_trace_backend:open(self()), tracer => self(), gate => Gate},
    Watcher = beam_observer_trace_watcher:start(self(), Plan),
    Agent = case whereis(beam_observer_sup) of undefined -> []; Sup -> [{erlang:monitor(process, Sup), agent}] end,
    S0 = #s{id = Id, kind = maps:get(kind, Spec), owner = Owner, watcher = Watcher, plan = Plan,
            refs = maps:from_list([{erlang:monitor(process, Owner), owner}, {erlang:monitor(process, Watcher), watcher}
                                   | Agent]),
            language = beam_observer_format:language(), started = now_ms(),
            pairing = beam_observer_trace_events:new()},
    warm_up(S0#s.language),
    case apply_plan(S0#s{plan = Plan#{exclude => [self() | beam_observer_registry:pids()]}}, Spec) of
        {ok, S, Summary} ->
            erlang:demonitor(CallerRef, [flush]),
            %% The connection ends this session first when the agent stops.
            Owner ! {trace_session, self()},
            Caller ! {Ref, {ok, Summary#{traceId => Id, mode => mode(Plan)}}},
            erlang:send_after(?TICK_MS, self(), tick),
            S#s.kind =/= counter andalso erlang:send_after(?FLUSH_MS, self(), flush),
            S#s.kind =/= counter andalso erlang:send_after(maps:get(duration_ms, S#s.limits), self(), duration),
            loop(S);
        {error, _, _} = Error ->
            _ = beam_observer_trace_watcher:cleanup(Plan),
            finish(S0),
            Caller ! {Ref, Error}
    end.

%% Format and encode once before any flag is set: the modules this needs
%% (io_lib_pretty...) load on first use, from the code server, and a tracer
%% waiting for it while a hot function is traced finds a flood on return.
warm_up(Language) ->
    Raw = {call, 1, self(), {?MODULE, warm_up, 1}, [#{a => [<<"b">>, 1.0, {c}]}], erlang:monotonic_time()},
    _ = beam_observer_json:encode(beam_observer_trace_events:format(Raw, Language)),
    ok.

index_info(Owner, #{kind := counter, module := M}) ->
    #{pid => self(), owner => Owner, kind => counter, module => M, specs => [{M, '_', '_'}]};
index_info(Owner, #{kind := calls, groups := Groups}) ->
    #{pid => self(), owner => Owner, kind => calls, specs => [Spec || #{spec := Spec} <- Groups]};
index_info(Owner, #{kind := messages}) ->
    #{pid => self(), owner => Owner, kind => messages, specs => []}.

%% What the session sets, for the backend (and the watcher).
plan(#{kind := calls, groups := Groups, targets := Targets, detail := Detail, returns := Returns}, Gate) ->
    Ms = beam_observer_trace_backend:call_ms(Returns, Gate),
    #{patterns => [G#{ms => Ms, flags => [local]} || G <- Groups],
      processes => Targets,
      process_flags => [call, monotonic_timestamp | [arity || Detail =:= arity]],
      exclude => []};
plan(#{kind := messages, pid := Pid}, none) ->
    #{patterns => [], processes => [Pid], process_flags => [send, 'receive', monotonic_timestamp], exclude => []};
plan(#{kind := counter, module := M, time := Time}, none) ->
    MFAs = [{M, F, A} || {F, A} <- M:module_info(functions)],
    Count = #{spec => {M, '_', '_'}, mfas => MFAs, ms => true, flags => [call_count]},
    Timed = [#{spec => {M, '_', '_'}, mfas => MFAs, ms => true, flags => [call_time]} || Time],
    #{patterns => [Count | Timed],
      processes => case Time of true -> all; false -> none end,
      process_flags => [call], exclude => []}.

%% Patterns first, then the processes' flags: setting a pattern on a
%% function that traced processes call in a tight loop took 240-830 ms
%% (measured), all of it filling the tracer's queue; with no process
%% flagged yet it takes about 0.2 ms.
apply_plan(S = #s{plan = Plan}, Spec = #{kind := calls, groups := Groups}) ->
    Policy = case maps:get(targets, Spec) of all -> every; _ -> strict end,
    MFAs = lists:append([M || #{mfas := M} <- Groups]),
    %% Asked before any flag is set: once set, a hot function's calls arrive.
    Interpreted = interpreted(lists:usort([M || {M, _, _} <- MFAs])),
    with_patterns(Plan, fun() ->
        case beam_observer_trace_backend:claim(Plan, Policy) of
            {ok, Claim} ->
                Targets = case maps:get(targets, Spec) of all -> []; Pids -> Pids end,
                [erlang:monitor(process, P) || P <- Targets],
                {ok, S#s{mfas = maps:from_list([{MFA, true} || MFA <- MFAs]), limits = maps:get(limits, Spec),
                         returns = maps:get(returns, Spec), targets = Targets},
                 (summary(Claim))#{kind => calls, functions => functions_json(MFAs), functionsTotal => length(MFAs),
                                   processes => processes_json(maps:get(targets, Spec)),
                                   interpreted => Interpreted,
                                   limits => limits_json(maps:get(limits, Spec)),
                                   detail => maps:get(detail, Spec), returns => maps:get(returns, Spec)}};
            Error ->
                Error
        end
    end);
apply_plan(S = #s{plan = Plan}, #{kind := messages, pid := Pid, limits := Limits}) ->
    with_claim(Plan, strict, fun(Claim) ->
        Ref = erlang:monitor(process, Pid),
        {ok, S#s{limits = Limits, targets = [Pid], refs = (S#s.refs)#{Ref => target}},
         (summary(Claim))#{kind => messages, processes => [beam_observer_pid:to_binary(Pid)],
                           functions => [], functionsTotal => 0, interpreted => [],
                           limits => limits_json(Limits), detail => args, returns => false}}
    end);
apply_plan(S = #s{plan = Plan}, #{kind := counter, module := M, time := Time}) ->
    with_patterns(Plan, fun() ->
        with_claim(Plan, lenient, fun(Claim) ->
            {ok, S#s{module = M, time = Time, last_read = now_ms()},
             (summary(Claim))#{kind => counter, module => M, time => Time,
                               functionsTotal => length(maps:get(mfas, hd(maps:get(patterns, Plan)))),
                               interpreted => interpreted([M])}}
        end)
    end).

with_patterns(Plan, Then) ->
    case beam_observer_trace_backend:set_patterns(Plan) of
        {ok, _} -> Then();
        Error -> Error
    end.

with_claim(Plan, Policy, Then) ->
    case beam_observer_trace_backend:claim(Plan, Policy) of
        {ok, Claim} -> Then(Claim);
        Error -> Error
    end.

summary(#{traced := Traced, skipped := Skipped, holders := Holders, newProcesses := New}) ->
    #{tracedProcesses => Traced, skippedProcesses => Skipped, skippedHolders => Holders, newProcesses => New}.

functions_json(MFAs) ->
    [#{module => M, function => F, arity => A} || {M, F, A} <- lists:sublist(lists:usort(MFAs), 200)].

processes_json(all) -> <<"all">>;
processes_json(Pids) -> [beam_observer_pid:to_binary(P) || P <- Pids].

limits_json(#{max_events := E, max_per_second := R, duration_ms := D}) ->
    #{maxEvents => E, maxPerSecond => R, durationMs => D}.

mode(#{backend := global}) -> global;
mode(#{backend := {session, _}}) -> session.

%% Modules among Modules that OTP's debugger interprets (int:interpreted/0,
%% asked only when its server runs, in a helper that may not take long).
%% Calls from compiled code into them are traced; calls made inside
%% interpreted code are evaluated by the debugger and never are.
-spec interpreted([module()]) -> [module()].
interpreted(Modules) ->
    case beam_observer_debugger:active() andalso code:is_loaded(int) =/= false of
        false -> [];
        true ->
            Self = self(),
            Ref = make_ref(),
            {Helper, Monitor} = spawn_monitor(fun() -> Self ! {Ref, int:interpreted()} end),
            receive
                {Ref, Interpreted} ->
                    erlang:demonitor(Monitor, [flush]),
                    [M || M <- Modules, lists:member(M, Interpreted)];
                {'DOWN', Monitor, process, Helper, _} -> []
            after 1000 ->
                exit(Helper, kill),
                erlang:demonitor(Monitor, [flush]),
                []
            end
    end.

%%% ------------------------------------------------------------------
%%% The loop
%%% ------------------------------------------------------------------

loop(S) ->
    receive
        Message when element(1, Message) =:= trace_ts ->
            loop(checked(trace(Message, S)));
        tick ->
            erlang:send_after(?TICK_MS, self(), tick),
            loop(tick(S));
        flush ->
            erlang:send_after(?FLUSH_MS, self(), flush),
            loop(flush(S));
        duration ->
            end_session(duration, S, none);
        drained ->
            end_session(max_events, S, none);
        {call, From, Ref, {stop, Reason}} ->
            end_session(Reason, S, {From, Ref});
        {call, From, Ref, read} ->
            loop(answer_read(From, Ref, S));
        {'DOWN', Ref, process, _, _} ->
            case maps:get(Ref, S#s.refs, none) of
                owner -> end_session(disconnected, S, none);
                agent -> end_session(agent_stopped, S, none);
                watcher -> end_session(agent_stopped, S, none);
                target -> end_session(process_exited, S, none);
                none -> loop(target_down(S))
            end;
        _Other ->
            loop(S)
    end.

%% One of several named processes ended: the trace ends with the last.
target_down(S = #s{targets = Targets}) ->
    case [P || P <- Targets, is_process_alive(P)] of
        [] when Targets =/= [] -> end_session(process_exited, S, none);
        Alive -> S#s{targets = Alive}
    end.

trace({trace_ts, Pid, call, {M, F, AA}, Ts}, S = #s{kind = calls}) ->
    MFA = {M, F, case AA of A when is_integer(A) -> A; Args -> length(Args) end},
    case maps:is_key(MFA, S#s.mfas) of
        false -> S;
        true ->
            case beam_observer_registry:is_agent(Pid) of
                true ->
                    %% An agent process spawned since the start (`new'): never traced.
                    beam_observer_trace_backend:pause(S#s.plan, Pid),
                    S;
                false ->
                    Accept = accepting(S),
                    {Raw, P} = beam_observer_trace_events:call(Pid, {M, F, AA}, Ts, {Accept, S#s.returns}, S#s.pairing),
                    counted(Accept, Raw, heard(Pid, S#s{pairing = P}))
            end
    end;
trace({trace_ts, Pid, Kind, MFA, Value, Ts}, S = #s{kind = calls})
  when Kind =:= return_from; Kind =:= exception_from ->
    Which = case Kind of return_from -> return; exception_from -> exception end,
    S1 = case beam_observer_trace_events:return(Pid, Which, MFA, Value, Ts, S#s.pairing) of
             {none, P} -> returned(S#s{pairing = P});
             {Raw, P} -> returned(add(Raw, S#s{pairing = P}))
         end,
    %% Behind a closed gate, a caller is held once its last open call returns.
    case S1#s.paused of
        true -> hold([Pid], S1);
        false -> S1
    end;
trace({trace_ts, Pid, 'receive', Msg, Ts}, S = #s{kind = messages}) ->
    message(Pid, 'receive', Msg, undefined, Ts, S);
trace({trace_ts, Pid, Kind, Msg, To, Ts}, S = #s{kind = messages})
  when Kind =:= send; Kind =:= send_to_non_existing_process ->
    message(Pid, Kind, Msg, To, Ts, S);
trace(_, S) ->
    %% Someone else's pattern reaching a process we trace (patterns are
    %% global on OTP 25), or a counter's process flag: not ours to deliver.
    S.

message(Pid, Kind, Msg, To, Ts, S) ->
    Accept = accepting(S),
    case Accept of
        true ->
            {Raw, P} = beam_observer_trace_events:message(Pid, Kind, Msg, To, Ts, S#s.pairing),
            counted(true, Raw, S#s{pairing = P});
        false ->
            counted(false, none, S)
    end.

%% A caller: remembered for this second's pause, or held at once if the
%% gate closed while its call was on the way.
heard(Pid, S = #s{paused = true}) ->
    hold([Pid], S);
heard(Pid, S = #s{active = Active}) ->
    case maps:is_key(Pid, Active) of
        true -> S;
        false -> S#s{active = Active#{Pid => true}}
    end.

accepting(#s{paused = Paused, draining = Draining, events = Events, limits = #{max_events := Max}} = S) ->
    not Paused andalso not Draining andalso within_rate(S) andalso Events < Max.

within_rate(#s{window = Window, limits = #{max_per_second := PerSecond}}) ->
    Window < PerSecond.

counted(false, _, S) ->
    S#s{dropped = S#s.dropped + 1};
counted(true, Raw, S = #s{limits = #{max_events := Max}}) ->
    S1 = add(Raw, S#s{events = S#s.events + 1, window = S#s.window + 1}),
    case S1#s.events >= Max of
        true -> reach_max_events(S1);
        false ->
            case within_rate(S1) of
                true -> S1;
                false -> pause(S1)
            end
    end.

add(Raw, S = #s{batch = Batch, batch_len = N}) ->
    S1 = S#s{batch = [Raw | Batch], batch_len = N + 1},
    case N + 1 >= ?BATCH_MAX of
        true -> flush(S1);
        false -> S1
    end.

%% maxEvents reached: the gate closes, and the trace waits (at most
%% 500 ms) for the returns of the calls it delivered, so that each shown
%% call has its result.
reach_max_events(S = #s{returns = true, pairing = P}) ->
    case beam_observer_trace_events:open_calls(P) of
        0 -> end_session(max_events, S, none);
        _ ->
            erlang:send_after(?DRAIN_MS, self(), drained),
            (pause(S))#s{draining = true}
    end;
reach_max_events(S) ->
    end_session(max_events, S, none).

%% While draining, the last return awaited ends the trace.
returned(S = #s{draining = true, ending = false, pairing = P}) ->
    case beam_observer_trace_events:open_calls(P) of
        0 -> end_session(max_events, S, none);
        _ -> S
    end;
returned(S) ->
    S.

%% Read our own queue and memory every so often: if trace messages arrive
%% faster than the tracer can take them, switch everything off now.
checked(S = #s{since_check = N}) when N + 1 < ?CHECK_EVERY ->
    S#s{since_check = N + 1};
checked(S) ->
    overload_check(S#s{since_check = 0}).

%% The queue's length first: it costs nothing, while `memory' walks the
%% queue, so it is read only once the queue is known to be short.
overload_check(S) ->
    {message_queue_len, Queue} = erlang:process_info(self(), message_queue_len),
    case Queue > ?MAX_QUEUE orelse element(2, erlang:process_info(self(), memory)) > ?MAX_MEMORY of
        true -> end_session(overload, S, none);
        false -> S
    end.

%% A new second: the rate window starts over and paused sources resume.
tick(S = #s{kind = counter, plan = Plan}) ->
    case beam_observer_trace_backend:patterns_in_place(Plan) of
        true -> overload_check(S);
        false -> end_session(module_reloaded, S, none)
    end;
tick(S = #s{paused = Paused, draining = Draining, plan = Plan}) ->
    %% The dropped messages are garbage at once; collecting every second
    %% keeps the tracer's heap to its live data (measured: 1-2 MB without).
    erlang:garbage_collect(),
    S1 = overload_check(S#s{window = 0}),
    case beam_observer_trace_backend:patterns_in_place(Plan) of
        false -> end_session(module_reloaded, S1, none);
        true when Paused, not Draining -> resume(S1);
        true -> S1
    end.

%% A call trace closes its gate: no trace message from now on, at once.
%% A traced process still pays the match spec at each call behind a
%% closed gate (measured: about 1 µs a call), so the callers heard from
%% this second also lose their flags until the next one: turning a running
%% process's flags off takes up to its time slice, but nothing arrives
%% meanwhile. A caller with calls open keeps them, or their returns would
%% never come.
pause(S = #s{paused = true}) -> S;
pause(S = #s{kind = calls, plan = Plan, active = Active}) ->
    beam_observer_trace_backend:gate(Plan, closed),
    hold(maps:keys(Active), S#s{paused = true, active = #{}});
pause(S = #s{kind = messages, plan = Plan, targets = [Pid]}) ->
    beam_observer_trace_backend:pause(Plan, Pid),
    S#s{paused = true}.

resume(S = #s{kind = calls, plan = Plan, held = Held}) ->
    %% A process that ended, or that another tracer took meanwhile, stays out.
    [beam_observer_trace_backend:resume(Plan, Pid) || Pid <- maps:keys(Held)],
    beam_observer_trace_backend:gate(Plan, open),
    S#s{paused = false, held = #{}};
resume(S = #s{kind = messages, plan = Plan, targets = [Pid]}) ->
    case beam_observer_trace_backend:resume(Plan, Pid) of
        true -> S#s{paused = false};
        false -> end_session(process_exited, S, none)
    end.

hold(Pids, S = #s{plan = Plan, held = Held, pairing = P}) ->
    New = [Pid || Pid <- Pids, not maps:is_key(Pid, Held), beam_observer_trace_events:open_calls(Pid, P) =:= 0],
    [beam_observer_trace_backend:pause(Plan, Pid) || Pid <- New],
    S#s{held = maps:merge(Held, maps:from_list([{Pid, true} || Pid <- New]))}.

%% Send the batch, oldest first, formatted now: the trace's bookkeeping,
%% charged to the node's budget (a trace is bounded by its own limits, so it
%% is counted there, not refused).
flush(S = #s{batch = []}) -> S;
flush(S = #s{batch = Batch, id = Id, owner = Owner, language = Language, dropped = Dropped}) ->
    Start = erlang:monotonic_time(microsecond),
    Events = [beam_observer_trace_events:format(Raw, Language) || Raw <- lists:reverse(Batch)],
    notify(Owner, <<"trace/event">>, #{traceId => Id, events => Events, dropped => Dropped}),
    beam_observer_budget:charge(trace, erlang:monotonic_time(microsecond) - Start),
    S#s{batch = [], batch_len = 0}.

notify(Owner, Method, Params) ->
    Owner ! {notification, iolist_to_binary(beam_observer_json:encode(
                                               #{jsonrpc => <<"2.0">>, method => Method, params => Params}))}.

answer_read(From, Ref, S = #s{kind = counter, module = M, time = Time, totals = Totals, last_read = Last,
                              plan = #{patterns := [#{mfas := MFAs} | _]}}) ->
    case beam_observer_trace_counts:read(MFAs, Time, Totals) of
        {ok, Rows, Totals1} ->
            Now = now_ms(),
            From ! {Ref, {ok, #{module => M, time => Time, intervalMs => Now - Last, functions => Rows}}},
            S#s{totals = Totals1, last_read = Now};
        stale ->
            From ! {Ref, {error, ?TraceNotFound, <<"counting ", (atom_to_binary(M))/binary,
                                                  " ended: the module was reloaded, which drops its counters">>}},
            end_session(module_reloaded, S, none)
    end;
answer_read(From, Ref, S) ->
    From ! {Ref, {error, ?InvalidParams, <<"this session is a trace, not a call counter">>}},
    S.

%%% ------------------------------------------------------------------
%%% The end
%%% ------------------------------------------------------------------

%% Switch everything off, take what is left in the queue (returns of
%% delivered calls still count), send the last events, verify that nothing
%% is left, and say why the session ended.
end_session(Reason, S0 = #s{plan = Plan}, ReplyTo) ->
    Cleanup = beam_observer_trace_watcher:cleanup(Plan),
    %% After an overload the queue is left to die with this process (its
    %% memory is freed at once), counted as dropped.
    S = case Reason of
            overload -> S0#s{dropped = S0#s.dropped + element(2, erlang:process_info(self(), message_queue_len))};
            _ -> take_queue(S0#s{draining = true, ending = true}, ?MAX_QUEUE)
        end,
    S1 = flush(S),
    Summary = #{reason => reason_json(Reason), events => S1#s.events, dropped => S1#s.dropped,
                elapsedMs => now_ms() - S1#s.started, cleanup => Cleanup},
    Reason =/= disconnected andalso notify_stopped(S1, Summary),
    case ReplyTo of
        {From, Ref} -> From ! {Ref, {ok, stopped_params(S1, Summary)}};
        none -> ok
    end,
    finish(S1),
    exit(normal).

notify_stopped(S = #s{kind = counter, module = M}, Summary) ->
    notify(S#s.owner, <<"calls/stopped">>, (maps:with([reason, cleanup], Summary))#{module => M});
notify_stopped(S, Summary) ->
    notify(S#s.owner, <<"trace/stopped">>, stopped_params(S, Summary)).

stopped_params(#s{kind = counter, module = M}, Summary) -> (maps:with([reason, cleanup], Summary))#{module => M};
stopped_params(#s{id = Id}, Summary) -> Summary#{traceId => Id}.

finish(#s{id = Id, watcher = Watcher}) ->
    beam_observer_trace_watcher:done(Watcher),
    beam_observer_trace_index:remove(Id),
    beam_observer_registry:remove(self()).

take_queue(S, 0) -> S;
take_queue(S, N) ->
    receive
        Message when element(1, Message) =:= trace_ts -> take_queue(trace(Message, S), N - 1)
    after 0 -> S
    end.

reason_json(max_events) -> <<"maxEvents">>;
reason_json(agent_stopped) -> <<"agentStopped">>;
reason_json(module_reloaded) -> <<"moduleReloaded">>;
reason_json(process_exited) -> <<"processExited">>;
reason_json(Reason) -> atom_to_binary(Reason).

now_ms() -> erlang:monotonic_time(millisecond).
