%%% EUnit tests of the recorder's pure parts (the budgeted interval, gaps,
%%% eviction) and of the sweep's merge against a baseline (real processes
%%% of this node: some gone, some new, one busy, one read by the agent).
-module(beam_observer_recorder_tests).
-include_lib("eunit/include/eunit.hrl").

%%% The interval within budget

interval_is_the_configured_one_when_cheap_test() ->
    %% 2 ms a moment at 1,000 processes: 0.2% of a scheduler at 1 s.
    {Ms, [{2000, 1000}]} = beam_observer_recorder:next_interval(1000, [], 2000, 1000),
    ?assertEqual(1000, Ms).

interval_stretches_to_stay_within_one_percent_test() ->
    %% 30 ms a moment at 100,000 processes: 3 s.
    {Ms, _} = beam_observer_recorder:next_interval(1000, [], 30000, 100000),
    ?assertEqual(3000, Ms),
    %% The median of the recent moments: one that waited 110 ms behind a burst
    %% among 20 ms ones does not stretch it; a lasting rise does.
    {Ms2, _} = beam_observer_recorder:next_interval(1000, [{20000, 100000}, {20000, 100000}, {20000, 100000}],
                                                     110000, 100000),
    ?assertEqual(2000, Ms2),
    {Ms3, _} = beam_observer_recorder:next_interval(1000, [{50000, 100000}, {50000, 100000}, {20000, 100000}],
                                                     50000, 100000),
    ?assertEqual(5000, Ms3).

interval_scales_comparable_moments_and_forgets_others_test() ->
    %% Moments at 5,000 processes (when it cost 1 ms) say nothing of 100,000.
    {Ms, Costs} = beam_observer_recorder:next_interval(1000, [{1000, 5000}, {1000, 5000}], 30000, 100000),
    ?assertEqual(3000, Ms),
    ?assertEqual([{30000, 100000}], Costs),
    %% At 80,000 processes, 24 ms scales to 30 ms at 100,000.
    {Ms2, _} = beam_observer_recorder:next_interval(1000, [{24000, 80000}], 30000, 100000),
    ?assertEqual(3000, Ms2).

interval_remembers_eight_moments_and_is_capped_test() ->
    {_, Costs} = beam_observer_recorder:next_interval(1000, lists:duplicate(9, {100, 100}), 100, 100),
    ?assertEqual(8, length(Costs)),
    {Ms, _} = beam_observer_recorder:next_interval(1000, [], 10000000, 1000000),
    ?assertEqual(600000, Ms).

%%% Gaps

no_gap_between_contiguous_moments_test() ->
    ?assertEqual([], beam_observer_recorder:gaps([{0, 1000}, {1000, 2010}, {2030, 3000}])).

a_gap_where_no_moment_covers_test() ->
    ?assertEqual([{2000, 5000}], beam_observer_recorder:gaps([{1000, 2000}, {5000, 6000}, {6000, 7000}])),
    ?assertEqual([], beam_observer_recorder:gaps([])).

%%% Eviction

evict_by_age_then_by_bytes_test() ->
    T = ets:new(t, [ordered_set]),
    Moment = fun(Ts) -> {moment, Ts, 1000, 1000, #{}, [], {[], [], []}, 0, 0, 0} end,
    [ets:insert(T, {Ts, Moment(Ts)}) || Ts <- [1000, 2000, 3000, 4000]],
    Size = erts_debug:flat_size(Moment(1)) * erlang:system_info(wordsize),
    %% Older than 2500 goes; the bytes left are three moments' less one... two moments.
    Left = beam_observer_recorder:evict(T, 2500, 100 * Size, 4 * Size),
    ?assertEqual([3000, 4000], [K || {K, _} <- ets:tab2list(T)]),
    ?assertEqual(2 * Size, Left),
    %% Over the byte cap: the oldest goes first.
    ?assertEqual(Size, beam_observer_recorder:evict(T, 0, Size, Left)),
    ?assertEqual([4000], [K || {K, _} <- ets:tab2list(T)]).

%%% The sweep's merge

sweep_test_() ->
    {setup, fun touch_table/0, fun(_) -> ok end, fun merge/0}.

touch_table() ->
    case ets:whereis(beam_observer_touch) of
        undefined -> beam_observer_touch:create();
        _ -> ok
    end.

merge() ->
    Idle = fun() -> spawn(fun() -> receive stop -> ok end end) end,
    Old = [Idle() || _ <- lists:seq(1, 6)],
    Spec = #{mode => all, keep => 10000, filter => none},
    {_, B1} = beam_observer_sweep:walk(beam_observer_sweep:new(merge_test), Spec),
    [Dead1, Dead2, Read | _] = Old,
    [exit(P, kill) || P <- [Dead1, Dead2]],
    Busy = spawn(fun() -> _ = lists:sum(lists:seq(1, 100000)), receive stop -> ok end end),
    New = Idle(),
    %% Two signalling reads by the agent: their reductions are taken out.
    _ = erlang:process_info(Read, current_function),
    _ = erlang:process_info(Read, memory),
    beam_observer_touch:signalled([Read, Read]),
    timer:sleep(50),
    {Found, _} = beam_observer_sweep:walk(B1, Spec),
    Gone = maps:get(gone, Found),
    ?assert(lists:member(Dead1, Gone)),
    ?assert(lists:member(Dead2, Gone)),
    Windows = maps:from_list([PW || {_, PW} <- maps:get(memory, Found)]),
    ?assertEqual(0, maps:get(Read, Windows)),
    ?assertEqual(0, maps:get(lists:last(Old), Windows)),
    ?assert(maps:get(Busy, Windows) > 100000),
    %% New since the baseline: its total.
    {reductions, NewTotal} = erlang:process_info(New, reductions),
    ?assertEqual(NewTotal, maps:get(New, Windows)),
    %% Only processes that ran rank by reductions, the busy one first.
    [{_, {First, _}} | _] = maps:get(reductions, Found),
    ?assertEqual(Busy, First),
    ?assertNot(lists:keymember(Read, 1, [PW || {_, PW} <- maps:get(reductions, Found)])),
    [P ! stop || P <- [Busy, New | Old]].
