%%% The recorder: what the node was doing over the last minutes, kept inside
%%% the agent from the moment it starts, whoever is connected (a client that
%%% reloads, reconnects or comes second gets the same history).
%%%
%%% Every interval it records a *moment*: the load sample over the interval
%%% (beam_observer_sampler's, run queues read about ten times a second), the
%%% top N processes by reductions over the interval, by memory and by message
%%% queue (beam_observer_sweep, with a baseline of its own), and for each of
%%% them what identifies it after it is gone: registered name, real initial
%%% call, current function then, and its figures then.
%%%
%%% Cost, bounded:
%%% - time: a moment's work runs in record/1, timed as the agent's busy time
%%%   under its own kind, charged to the node's budget (beam_observer_budget).
%%%   The interval adapts so that the recorder uses at most 1% of one
%%%   scheduler, or half the node's budget when that is less (2% by default):
%%%   at 1%, the next interval is 100 times what a moment costs (the
%%%   median of the last ones, at a comparable process count, scaled to the
%%%   present one), never shorter than the configured interval. Each moment says
%%%   what its interval was and what was planned; time no moment covers is
%%%   reported as a gap.
%%% - memory: moments live in an ordered ETS table (never in a heap a garbage
%%%   collection would copy); those older than the window, or beyond
%%%   max_bytes (the flat size of what is kept), are dropped, oldest first.
%%%
%%% history/get reads the table from the request's worker (it is protected:
%%% readable by any process, written only here), so a long answer never
%%% delays a recording. history/configure changes the window, N, the
%%% interval and the byte cap, within the limits of beam_observer_config.
-module(beam_observer_recorder).
-behaviour(gen_server).

-export([start_link/0, configure/1, settings/0, history/2]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).
%% Pure parts, exported for tests.
-export([next_interval/4, next_interval/5, gaps/1, evict/4]).

-define(TABLE, beam_observer_history).
-define(READING_MS, 100).         %% run-queue readings, as the sampler does
-define(MAX_INTERVAL_MS, 600000).

-type settings() :: #{window_s := pos_integer(), top_n := pos_integer(),
                      interval_ms := pos_integer(), max_bytes := pos_integer()}.
-export_type([settings/0]).

-record(state, {baseline :: beam_observer_sweep:baseline(),
                calls :: ets:tid(),
                settings :: settings(),
                %% The load reading the next sample's deltas start from.
                reading :: map(),
                queues = [] :: [[non_neg_integer()]],
                planned_ms :: pos_integer(),
                deadline :: integer(),
                %% What the last moments cost (µs) and the process count then, newest first.
                costs = [] :: [{non_neg_integer(), pos_integer()}],
                bytes = 0 :: non_neg_integer(),
                %% Where the baseline starts: a moment covers from here.
                covered_from :: integer(),
                started_at :: integer()}).

%%% ------------------------------------------------------------------
%%% API
%%% ------------------------------------------------------------------

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

%% Change any of the settings (the others stay); returns them all.
-spec configure(map()) -> {ok, settings()}.
configure(Changes) ->
    gen_server:call(?MODULE, {configure, Changes}, 30000).

-spec settings() -> map().
settings() ->
    gen_server:call(?MODULE, settings, 30000).

%% The moments with Since =< timestamp =< Until (ms since the epoch), oldest
%% first, as JSON-ready maps, with the recorder's settings and the gaps.
-spec history(integer(), integer()) -> {ok, map()}.
history(Since, Until) ->
    Info = settings(),
    Moments = ets:select(?TABLE, [{{'$1', '$2'}, [{'>=', '$1', Since}, {'=<', '$1', Until}], ['$2']}]),
    Spans = [{T - I, T} || {moment, T, I, _, _, _, _, _, _, _} <- Moments],
    Oldest = case ets:first(?TABLE) of '$end_of_table' -> null; T -> T end,
    {ok, Info#{moments => [moment_json(M) || M <- Moments],
               gaps => [#{from => F, to => To} || {F, To} <- gaps(Spans)],
               oldest => Oldest}}.

%%% ------------------------------------------------------------------
%%% gen_server
%%% ------------------------------------------------------------------

-spec init([]) -> {ok, #state{}}.
init([]) ->
    beam_observer_registry:add(self(), recorder),
    %% Kept on for this process's life (OTP counts it per process).
    erlang:system_flag(scheduler_wall_time, true),
    _ = ets:new(?TABLE, [ordered_set, protected, named_table]),
    Defaults = defaults(),
    Now = erlang:monotonic_time(millisecond),
    State0 = #state{baseline = beam_observer_sweep:new(recorder),
                    calls = beam_observer_ranking:new_call_cache(),
                    settings = Defaults,
                    reading = beam_observer_sampler:first_reading(),
                    planned_ms = maps:get(interval_ms, Defaults),
                    deadline = Now + maps:get(interval_ms, Defaults),
                    covered_from = erlang:system_time(millisecond),
                    started_at = erlang:system_time(millisecond)},
    %% The first sweep only takes the baseline; it is work all the same.
    State = timed(fun() -> State0#state{baseline = first_baseline(State0)} end),
    tick(),
    {ok, State}.

-spec handle_call(term(), gen_server:from(), #state{}) -> {reply, term(), #state{}}.
handle_call({configure, Changes}, _From, State = #state{settings = Settings}) ->
    New = maps:merge(Settings, Changes),
    State1 = State#state{settings = New,
                         planned_ms = max(maps:get(interval_ms, New), State#state.planned_ms)},
    State2 = case maps:get(interval_ms, New) < maps:get(interval_ms, Settings) of
                 %% A shorter interval takes effect now, not after the old one.
                 true -> State1#state{planned_ms = maps:get(interval_ms, New),
                                      deadline = min(State1#state.deadline,
                                                     erlang:monotonic_time(millisecond) + maps:get(interval_ms, New))};
                 false -> State1
             end,
    {reply, {ok, New}, evict_now(State2)};
handle_call(settings, _From, State) ->
    {reply, info(State), State};
handle_call(_Request, _From, State) ->
    {reply, {error, unknown}, State}.

-spec handle_cast(term(), #state{}) -> {noreply, #state{}}.
handle_cast(_Msg, State) -> {noreply, State}.

-spec handle_info(term(), #state{}) -> {noreply, #state{}}.
handle_info(tick, State = #state{queues = Queues, deadline = Deadline}) ->
    Queues1 = [erlang:statistics(run_queue_lengths_all) | Queues],
    Now = erlang:monotonic_time(millisecond),
    State1 = case Now + ?READING_MS div 2 >= Deadline of
                 true -> timed(fun() -> record(State#state{queues = Queues1}) end);
                 false -> State#state{queues = Queues1}
             end,
    tick(),
    {noreply, State1};
handle_info(_Msg, State) ->
    {noreply, State}.

tick() ->
    erlang:send_after(?READING_MS, self(), tick).

%% Run one moment's work, counted as the recorder's busy time.
timed(Work) ->
    Start = erlang:monotonic_time(microsecond),
    State = Work(),
    beam_observer_budget:charge(recorder, erlang:monotonic_time(microsecond) - Start),
    State.

%%% ------------------------------------------------------------------
%%% A moment
%%% ------------------------------------------------------------------

first_baseline(#state{baseline = Baseline}) ->
    {_, Baseline1} = beam_observer_sweep:walk(Baseline, #{mode => all, keep => 1, filter => none}),
    Baseline1.

%% The recorder's periodic work: one moment, recorded and kept within the
%% window and the byte cap; the next interval planned from what it cost.
record(State = #state{settings = #{top_n := N}, reading = Reading, queues = Queues,
                      planned_ms = Planned, covered_from = From}) ->
    Start = erlang:monotonic_time(microsecond),
    try
        {Sample, Next} = beam_observer_sampler:sample(Reading#{queues => lists:reverse(Queues)}),
        {Found, Baseline1} = beam_observer_sweep:walk(State#state.baseline,
                                                      #{mode => all, keep => N + max(5, N div 10), filter => none}),
        beam_observer_ranking:forget(State#state.calls, maps:get(gone, Found)),
        {Rows, Top} = top_rows(Found, N, State#state.calls),
        Timestamp = maps:get(timestamp, Sample),
        Count = erlang:system_info(process_count),
        CostUs = erlang:monotonic_time(microsecond) - Start,
        Moment = {moment, Timestamp, Timestamp - From, Planned, maps:remove(node, Sample),
                  Rows, Top, CostUs, Count, maps:get(scanned, Found)},
        State1 = keep(Moment, State#state{baseline = Baseline1, reading = Next, queues = [],
                                          covered_from = Timestamp}),
        %% Processes new to the baseline cost more, once (their old heap is
        %% read): the interval is planned from what the known ones cost.
        Known = maps:get(known, Found),
        plan(State1, CostUs * Known div max(1, maps:get(scanned, Found)), Count)
    catch
        Class:Reason ->
            %% Start afresh: the time until the new baseline is a gap.
            logger:debug("BEAM Observer recorder: a moment failed: ~tp:~tp", [Class, Reason]),
            plan(State#state{baseline = fresh_baseline(State), reading = beam_observer_sampler:first_reading(),
                             queues = [], covered_from = erlang:system_time(millisecond)},
                 erlang:monotonic_time(microsecond) - Start, erlang:system_info(process_count))
    end.

fresh_baseline(State) ->
    first_baseline(State#state{baseline = beam_observer_sweep:new(recorder)}).

%% The rows of the top N by reductions (those that ran), by memory (the
%% exact figure of N + N/10 candidates, at least 5 more, decides) and by message queue (those with
%% one), each process read once. Top: {Reductions, Memory, Queue} as lists
%% of indices into Rows.
top_rows(Found, N, Calls) ->
    #{reductions := ByReds, memory := ByMemory, message_queue_len := ByQueue} = Found,
    Reds = lists:sublist(ByReds, N),
    Queue = lists:sublist(ByQueue, N),
    Selected = lists:ukeysort(1, [PW || {_, PW} <- Reds ++ ByMemory ++ Queue]),
    Read = beam_observer_ranking:rows(Selected, Calls, beam_observer_debugger:meta_pids()),
    ByPid = maps:from_list([{P, compact(R)} || R = #{'$stack' := {P, _}} <- Read]),
    Alive = fun(List) -> [P || {_, {P, _}} <- List, is_map_key(P, ByPid)] end,
    MemoryOrder = lists:sublist(lists:reverse(lists:keysort(2, [{P, element(6, maps:get(P, ByPid))}
                                                                  || P <- Alive(ByMemory)])), N),
    TopPids = {Alive(Reds), [P || {P, _} <- MemoryOrder], Alive(Queue)},
    Kept = lists:usort(lists:append(tuple_to_list(TopPids))),
    Index = maps:from_list(lists:zip(Kept, lists:seq(0, length(Kept) - 1))),
    {[maps:get(P, ByPid) || P <- Kept],
     list_to_tuple([[maps:get(P, Index) || P <- L] || L <- tuple_to_list(TopPids)])}.

%% A row as kept: atoms and small integers, never text (the pid's text is
%% made when it is asked for).
compact(#{'$stack' := {Pid, _}, name := Name, initialCall := Initial, currentFunction := Current,
          reductions := Reds, memory := Memory, messageQueueLen := Queue, status := Status,
          agent := Agent, debugger := Debugger}) ->
    {Pid, Name, mfa(Initial), mfa(Current), Reds, Memory, Queue, Status, Agent, Debugger}.

mfa(#{module := M, function := F, arity := A}) -> {M, F, A};
mfa(_) -> null.

%% Store a moment, then drop what is older than the window or beyond the cap.
keep(Moment = {moment, Timestamp, _, _, _, _, _, _, _, _}, State = #state{bytes = Bytes}) ->
    Size = erts_debug:flat_size(Moment) * erlang:system_info(wordsize),
    true = ets:insert(?TABLE, {Timestamp, Moment}),
    evict_now(State#state{bytes = Bytes + Size}).

evict_now(State = #state{settings = #{window_s := Window, max_bytes := Max}, bytes = Bytes}) ->
    State#state{bytes = evict(?TABLE, erlang:system_time(millisecond) - Window * 1000, Max, Bytes)}.

%% Drop moments older than Oldest, then the oldest while over MaxBytes;
%% returns the bytes kept.
-spec evict(ets:tab(), integer(), pos_integer(), non_neg_integer()) -> non_neg_integer().
evict(Table, Oldest, MaxBytes, Bytes) ->
    case ets:first(Table) of
        '$end_of_table' ->
            0;
        Key when Key < Oldest; Bytes > MaxBytes ->
            [{_, Moment}] = ets:lookup(Table, Key),
            ets:delete(Table, Key),
            evict(Table, Oldest, MaxBytes, Bytes - erts_debug:flat_size(Moment) * erlang:system_info(wordsize));
        _ ->
            Bytes
    end.

%% The next interval and when it ends.
plan(State = #state{settings = #{interval_ms := Min}, costs = Costs}, CostUs, Count) ->
    {Planned, Costs1} = next_interval(Min, Costs, CostUs, Count, beam_observer_budget:recorder_share()),
    State#state{planned_ms = Planned, costs = Costs1,
                deadline = erlang:monotonic_time(millisecond) + Planned}.

%% The interval that keeps the recorder within its budget: what a moment
%% costs (the median of the last moments, up to eight, those recorded at a
%% process count within a factor of two of the present one, scaled to it)
%% divided by the budget; never shorter than the configured interval. A
%% moment's cost grows with the process count (one sweep of every process),
%% so a node that grew or shrank a lot starts its estimate afresh. The cost is
%% wall time, which also counts the time the recorder waited for a busy
%% scheduler (and for busy processes to answer its reads): the median keeps a
%% burst of load from stretching the interval it should be recorded at.
-spec next_interval(pos_integer(), [{non_neg_integer(), pos_integer()}], non_neg_integer(), pos_integer()) ->
          {pos_integer(), [{non_neg_integer(), pos_integer()}]}.
next_interval(MinMs, Costs, CostUs, Count) ->
    next_interval(MinMs, Costs, CostUs, Count, 0.01).

-spec next_interval(pos_integer(), [{non_neg_integer(), pos_integer()}], non_neg_integer(), pos_integer(), float()) ->
          {pos_integer(), [{non_neg_integer(), pos_integer()}]}.
next_interval(MinMs, Costs, CostUs, Count, Share) ->
    Recent = [{CostUs, max(1, Count)} | [{C, N} || {C, N} <- lists:sublist(Costs, 7),
                                                   N * 2 >= Count, N =< Count * 2]],
    Scaled = lists:sort([C * max(1, Count) / N || {C, N} <- Recent]),
    NeededMs = median(Scaled) / Share / 1000,
    {min(?MAX_INTERVAL_MS, max(MinMs, ceil(NeededMs))), Recent}.

median(Sorted) ->
    Len = length(Sorted),
    case Len rem 2 of
        1 -> lists:nth(Len div 2 + 1, Sorted);
        0 -> (lists:nth(Len div 2, Sorted) + lists:nth(Len div 2 + 1, Sorted)) / 2
    end.

%% Spans {From, To} that no moment covers, between the first and the last
%% (moments cover {Timestamp - IntervalMs, Timestamp}); 50 ms of slack.
-spec gaps([{integer(), integer()}]) -> [{integer(), integer()}].
gaps([]) -> [];
gaps([{_, To} | Rest]) -> gaps(To, Rest).

gaps(_, []) -> [];
gaps(PrevTo, [{From, To} | Rest]) when From > PrevTo + 50 -> [{PrevTo, From} | gaps(To, Rest)];
gaps(_, [{_, To} | Rest]) -> gaps(To, Rest).

%%% ------------------------------------------------------------------
%%% Settings and JSON
%%% ------------------------------------------------------------------

defaults() ->
    #{history_window_s := Window, history_top_n := N, history_interval_ms := Interval,
      max_history_bytes := Max} = beam_observer_config:limits(),
    #{window_s => Window, top_n => N, interval_ms => Interval, max_bytes => Max}.

info(#state{settings = #{window_s := W, top_n := N, interval_ms := I, max_bytes := Max},
            planned_ms = Planned, bytes = Bytes, started_at = Started}) ->
    #{windowS => W, topN => N, intervalMs => I, maxBytes => Max,
      plannedMs => Planned, bytes => Bytes, recordingSince => Started,
      busyUs => beam_observer_registry:busy_us(recorder),
      %% The share of one scheduler it plans within (beam_observer_budget).
      budgetShare => beam_observer_budget:recorder_share()}.

moment_json({moment, Timestamp, IntervalMs, Planned, Sample, Rows, {Reds, Memory, Queue}, CostUs, Count, Scanned}) ->
    #{timestamp => Timestamp,
      intervalMs => IntervalMs,
      plannedMs => Planned,
      sample => Sample#{node => node()},
      processes => [row_json(R) || R <- Rows],
      top => #{reductions => Reds, memory => Memory, messageQueueLen => Queue},
      costUs => CostUs,
      processCount => Count,
      scanned => Scanned}.

row_json({Pid, Name, Initial, Current, Reds, Memory, Queue, Status, Agent, Debugger}) ->
    #{pid => beam_observer_pid:to_binary(Pid),
      name => Name,
      initialCall => beam_observer_format:mfa(mfa_or_undefined(Initial)),
      currentFunction => beam_observer_format:mfa(mfa_or_undefined(Current)),
      reductions => Reds,
      memory => Memory,
      messageQueueLen => Queue,
      status => Status,
      agent => Agent,
      debugger => Debugger,
      %% Now, when asked (no signal to the process).
      alive => erlang:is_process_alive(Pid)}.

mfa_or_undefined(null) -> undefined;
mfa_or_undefined(MFA) -> MFA.
