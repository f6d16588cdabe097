%%% EUnit tests for the agent's pure parts outside the codecs: load
%%% arithmetic, the bounded top-K set, filters, the real initial call, pid
%%% parsing, formatting bounds and option checks. (The upgrade request's
%%% security checks are tested with the WebSocket codec, in
%%% beam_observer_ws_tests.)
-module(beam_observer_pure_tests).
-include_lib("eunit/include/eunit.hrl").
-include("beam_observer_errors.hrl").

%%% beam_observer_sampler

utilisation_splits_normal_dirty_cpu_and_dirty_io_test() ->
    Prev = [{1, 0, 1000}, {2, 0, 1000}, {3, 0, 1000}, {4, 0, 1000}],
    Cur = [{2, 250, 2000}, {1, 1000, 2000}, {3, 0, 2000}, {4, 100, 2000}],
    U = beam_observer_sampler:utilisation(Prev, Cur, {2, 1}, {2, 1}),
    ?assertEqual([1.0, 0.25], maps:get(normal, U)),
    ?assertEqual([0.0], maps:get(dirtyCpu, U)),
    ?assertEqual([0.1], maps:get(dirtyIo, U)),
    ?assertEqual(0.625, maps:get(normalAvg, U)),
    ?assertEqual(0.0, maps:get(dirtyCpuAvg, U)).

utilisation_without_elapsed_time_is_zero_test() ->
    Same = [{1, 5, 10}],
    ?assertMatch(#{normal := [0.0]}, beam_observer_sampler:utilisation(Same, Same, {1, 0}, {1, 0})).

%% Like ElixirLS: 4 schedulers, 3 online and saturated; the average is 100%, not 75%.
utilisation_average_covers_online_schedulers_only_test() ->
    Prev = [{I, 0, 0} || I <- lists:seq(1, 4)],
    Cur = [{1, 100, 100}, {2, 100, 100}, {3, 100, 100}, {4, 0, 100}],
    U = beam_observer_sampler:utilisation(Prev, Cur, {4, 0}, {3, 0}),
    ?assertEqual([1.0, 1.0, 1.0, 0.0], maps:get(normal, U)),
    ?assertEqual(1.0, maps:get(normalAvg, U)).

run_queue_stats_average_and_max_test() ->
    %% Two normal queues, then dirty CPU and dirty IO.
    Readings = [[4, 0, 1, 0], [0, 0, 0, 0], [2, 2, 1, 0]],
    S = beam_observer_sampler:run_queue_stats(Readings),
    ?assertEqual(3, maps:get(readings, S)),
    ?assertEqual(#{avg => [2.0, 0.6667], max => [4, 2]}, maps:get(normal, S)),
    ?assertEqual(#{avg => 0.6667, max => 1}, maps:get(dirtyCpu, S)),
    ?assertEqual(#{avg => 0.0, max => 0}, maps:get(dirtyIo, S)),
    %% Totals per reading are 4, 0 and 4: a single reading could show 0.
    ?assertEqual(2.6667, maps:get(totalAvg, S)),
    ?assertEqual(4, maps:get(totalMax, S)).

os_cpu_ticks_handles_spaces_in_the_command_name_test() ->
    Stat = <<"1234 (beam.smp odd) name) S 1 2 3 4 5 6 7 8 9 10 111 222 13 14 15">>,
    ?assertEqual(333, beam_observer_sampler:os_cpu_ticks(Stat)),
    ?assertEqual(undefined, beam_observer_sampler:os_cpu_ticks(<<"garbage">>)),
    ?assertEqual(undefined, beam_observer_sampler:os_cpu_ticks(undefined)).

%%% beam_observer_ranking

top_keeps_the_k_largest_test() ->
    Pids = [list_to_pid("<0." ++ integer_to_list(N) ++ ".0>") || N <- lists:seq(1, 100)],
    Keys = [rand_key(N) || N <- lists:seq(1, 100)],
    Top = lists:foldl(fun({K, P}, T) -> beam_observer_sweep:top_add(K, P, T) end,
                      beam_observer_sweep:top_new(5), lists:zip(Keys, Pids)),
    Expected = lists:sublist(lists:reverse(lists:sort(lists:zip(Keys, Pids))), 5),
    ?assertEqual(Expected, beam_observer_sweep:top_list(Top)).

rand_key(N) -> (N * 7919) rem 101.

filter_matches_case_insensitively_test() ->
    ?assert(beam_observer_ranking:matches(<<"Counter">>, [<<"<0.1.0>">>, <<"fixture_counter">>])),
    ?assert(beam_observer_ranking:matches(<<"myapp.worker">>, [<<"Elixir.MyApp.Worker:init/1">>])),
    ?assertNot(beam_observer_ranking:matches(<<"nope">>, [<<"<0.1.0>">>, <<"code_server">>])).

agent_processes_are_recognised_by_name_and_initial_call_test() ->
    Self = self(),
    ?assert(beam_observer_ranking:is_agent_process(Self, {beam_observer_listener, undefined})),
    ?assert(beam_observer_ranking:is_agent_process(Self, {[], {beam_observer_conn, loop, 2}})),
    ?assertNot(beam_observer_ranking:is_agent_process(Self, {code_server, {erlang, apply, 2}})).

%% proc_lib processes start in proc_lib:init_p/5; their dictionary names the real initial call.
real_initial_call_test() ->
    Raw = {proc_lib, init_p, 5},
    ?assertEqual({my_server, init, 1},
                 beam_observer_ranking:real_initial_call(Raw, [{'$ancestors', []}, {'$initial_call', {my_server, init, 1}}])),
    ?assertEqual(Raw, beam_observer_ranking:real_initial_call(Raw, [])),
    ?assertEqual(Raw, beam_observer_ranking:real_initial_call(Raw, [{'$initial_call', not_an_mfa}])),
    %% Only proc_lib's own initial call is replaced.
    ?assertEqual({erlang, apply, 2},
                 beam_observer_ranking:real_initial_call({erlang, apply, 2}, [{'$initial_call', {my_server, init, 1}}])).

%%% beam_observer_pid

pid_parse_test_() ->
    Own = pid_to_list(self()),
    [?_assertEqual({ok, self()}, beam_observer_pid:parse(list_to_binary(Own))),
     ?_assertEqual({ok, self()}, beam_observer_pid:parse(list_to_binary("#PID" ++ Own))),
     ?_assertMatch({error, ?OtherNodePid, <<"pid <5.1.0> belongs to another node", _/binary>>},
                   beam_observer_pid:parse(<<"<5.1.0>">>)),
     ?_assertMatch({error, ?InvalidParams, <<"not a pid", _/binary>>}, beam_observer_pid:parse(<<"<0.1>">>)),
     ?_assertMatch({error, ?InvalidParams, _}, beam_observer_pid:parse(<<"<0.99999999999.0>">>)),
     ?_assertMatch({error, ?InvalidParams, _}, beam_observer_pid:parse(binary:copy(<<"<">>, 1000))),
     ?_assertMatch({error, ?InvalidParams, <<"pid must be a string", _/binary>>}, beam_observer_pid:parse(42))].

leading_zeros_still_name_node_zero_test() ->
    Own = pid_to_list(self()),
    ?assertEqual({ok, self()}, beam_observer_pid:parse(list_to_binary("<00" ++ tl(Own)))).

pid_parse_creates_no_atoms_test() ->
    Before = erlang:system_info(atom_count),
    [beam_observer_pid:parse(<<"<", (integer_to_binary(N))/binary, ".1.0>">>) || N <- lists:seq(1, 500)],
    ?assertEqual(Before, erlang:system_info(atom_count)).

%%% beam_observer_format

format_is_bounded_whatever_the_term_test() ->
    Big = [{row, N, <<"payload">>} || N <- lists:seq(1, 200000)],
    {Text, Truncated} = beam_observer_format:term(Big, #{language => erlang, max_bytes => 4096}),
    ?assert(byte_size(Text) =< 4096),
    ?assert(Truncated),
    {Small, false} = beam_observer_format:term(#{a => 1}, #{language => erlang}),
    ?assertEqual(<<"#{a => 1}">>, Small).

format_cuts_on_a_character_boundary_test() ->
    Term = unicode:characters_to_binary(lists:duplicate(3000, $é)),
    {Text, true} = beam_observer_format:term(Term, #{language => erlang, max_bytes => 1001}),
    ?assert(is_binary(unicode:characters_to_binary(Text))),
    ?assert(byte_size(Text) =< 1001).

%%% beam_observer_config

%% The message states the limits that the check applies.
interval_option_is_checked_against_the_limits_test() ->
    #{min_interval_ms := Min, max_interval_ms := Max} = beam_observer_config:limits(),
    ?assertMatch({ok, #{interval_ms := Min}}, beam_observer_config:normalise(#{interval_ms => Min})),
    ?assertMatch({ok, #{interval_ms := Max}}, beam_observer_config:normalise(#{interval_ms => Max})),
    [?assertEqual({error, <<"interval_ms must be an integer from 100 to 60000">>},
                  beam_observer_config:normalise(#{interval_ms => Bad}))
     || Bad <- [Min - 1, Max + 1, 1000.0, "1000"]].

%%% beam_observer_cluster_load

cluster_batch_is_one_load_samples_notification_test() ->
    Batch = beam_observer_cluster_load:batch([<<"{\"node\":\"a@h\"}">>, <<"{\"node\":\"b@h\"}">>]),
    ?assertEqual(#{<<"jsonrpc">> => <<"2.0">>, <<"method">> => <<"load/samples">>,
                   <<"params">> => #{<<"samples">> => [#{<<"node">> => <<"a@h">>}, #{<<"node">> => <<"b@h">>}]}},
                 element(2, beam_observer_json:decode(Batch))).

cluster_member_stopped_notification_test() ->
    Note = beam_observer_cluster_load:stopped('m@h', <<"could not load the agent into m@h: why">>, -32010),
    ?assertEqual(#{<<"jsonrpc">> => <<"2.0">>, <<"method">> => <<"load/stopped">>,
                   <<"params">> => #{<<"node">> => <<"m@h">>, <<"code">> => -32010,
                                     <<"reason">> => <<"could not load the agent into m@h: why">>}},
                 element(2, beam_observer_json:decode(Note))).

cluster_subscription_starts_empty_and_flushes_nothing_test() ->
    S = beam_observer_cluster_load:new(),
    ?assertEqual([], beam_observer_cluster_load:nodes(S)),
    ?assertMatch({none, _}, beam_observer_cluster_load:flush(S)).
