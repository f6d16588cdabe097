-module(beam_observer_budget_tests).
-include_lib("eunit/include/eunit.hrl").

%% The pure parts.

balance_test_() ->
    [?_assertEqual(100, beam_observer_budget:balance(100, 0, 0, 1000)),
     ?_assertEqual(-50, beam_observer_budget:balance(100, 50, 200, 1000)),
     %% Over the cap: clamped, and said so (the caller stores the clamp).
     ?_assertEqual({clamped, 1000}, beam_observer_budget:balance(900, 500, 0, 1000))].

wait_ms_test_() ->
    %% 1.2 s of debt at 2% of a scheduler is paid back in 60 s.
    [?_assertEqual(60000, beam_observer_budget:wait_ms(-1200000, 0.02)),
     %% Never 0 while in debt.
     ?_assertEqual(1, beam_observer_budget:wait_ms(-1, 0.02))].

%% The bucket, in a registry table of this test's own.

bucket_test_() ->
    {foreach,
     fun() -> ok = beam_observer_registry:create(#{}) end,
     fun(_) -> ets:delete(beam_observer_registry) end,
     [fun starts_full/0,
      fun periodic_waits_for_debt/0,
      fun explicit_once_in_debt/0,
      fun counts_by_kind/0,
      fun set_share_keeps_at_most_new_cap/0]}.

starts_full() ->
    #{share := Share, balanceUs := Balance, windowMs := Window} = beam_observer_budget:status(),
    ?assertEqual(0.02, Share),
    ?assertEqual(round(Share * Window * 1000), Balance),
    ?assertEqual(ok, beam_observer_budget:periodic()).

periodic_waits_for_debt() ->
    %% A sweep of about a second at 2%: some 50 s until the next.
    beam_observer_budget:charge_within_request(sweeps, 1100000),
    {wait, Ms} = beam_observer_budget:periodic(),
    ?assert(Ms > 40000 andalso Ms =< 50000, Ms),
    #{nextPeriodicInMs := Next} = beam_observer_budget:status(),
    ?assert(abs(Next - Ms) < 100).

explicit_once_in_debt() ->
    beam_observer_budget:charge_within_request(sweeps, 500000),
    ?assertMatch({wait, _}, beam_observer_budget:periodic()),
    %% A first look runs in debt without spending the user's overdraft.
    ?assertEqual(ok, beam_observer_budget:overdraft(first_look)),
    ?assertMatch({wait, _}, beam_observer_budget:overdraft(first_look)),
    %% The first explicit request runs in debt; the second waits like a periodic one.
    ?assertEqual(ok, beam_observer_budget:overdraft(explicit)),
    beam_observer_budget:charge_within_request(explicit, 500000),
    ?assertMatch({wait, _}, beam_observer_budget:overdraft(explicit)).

counts_by_kind() ->
    beam_observer_budget:charge(sampler, 300),
    beam_observer_budget:charge(recorder, 700),
    beam_observer_budget:charge_within_request(sweeps, 1000),
    ?assertEqual(300, beam_observer_registry:busy_us(sampler)),
    ?assertEqual(700, beam_observer_registry:busy_us(recorder)),
    ?assertEqual(1000, beam_observer_registry:busy_us(sweeps)),
    %% charge/2 counts in the agent's busy time; within a request the worker does.
    ?assertEqual(1000, beam_observer_registry:busy_us()).

set_share_keeps_at_most_new_cap() ->
    #{balanceUs := Full} = beam_observer_budget:status(),
    #{share := 0.005, balanceUs := Held} = beam_observer_budget:set_share(0.005),
    ?assert(Held < Full),
    ?assertEqual(0.005 * 5000 * 1000, float(Held)),
    %% A recorder never plans beyond half the budget.
    ?assertEqual(0.0025, beam_observer_budget:recorder_share()),
    beam_observer_budget:set_share(0.1),
    ?assertEqual(0.01, beam_observer_budget:recorder_share()).
