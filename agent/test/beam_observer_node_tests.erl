%%% EUnit tests of the rest of the node's pure parts (issue 12): reading a
%%% page of children out of a supervisor's state (OTP's record, a
%%% simple_one_for_one's map, Elixir's DynamicSupervisor struct, a state of
%%% unknown shape), an allocator family's sums, ETS continuations as text.
-module(beam_observer_node_tests).

-include_lib("eunit/include/eunit.hrl").

%% OTP 24+'s #child{pid, id, mfargs, restart_type, significant, shutdown, child_type, modules}.
child(Pid, Id, Restart, Type) ->
    {child, Pid, Id, {m, f, []}, Restart, false, 5000, Type, [m]}.

static_state(Children) ->
    Ids = [element(3, C) || C <- Children],
    {state, {local, s}, one_for_one, {Ids, maps:from_list([{element(3, C), C} || C <- Children])},
     undefined, 3, 5, [], 0, never, s, []}.

static_page_test() ->
    A = list_to_pid("<0.1.0>"),
    B = list_to_pid("<0.2.0>"),
    State = static_state([child(B, b, transient, worker), child(A, a, permanent, supervisor),
                          child({restarting, A}, c, temporary, worker), child(undefined, d, permanent, worker)]),
    #{total := 4, strategy := one_for_one, rows := Rows} = beam_observer_supervisor:page_in(State, 0, 10),
    ?assertEqual([{b, B, worker, [m], transient}, {a, A, supervisor, [m], permanent},
                  {c, restarting, worker, [m], temporary}, {d, undefined, worker, [m], permanent}], Rows),
    #{rows := Page} = beam_observer_supervisor:page_in(State, 1, 2),
    ?assertEqual([a, c], [element(1, R) || R <- Page]),
    #{rows := []} = beam_observer_supervisor:page_in(State, 9, 2),
    ?assertEqual({found, {a, A, supervisor, [m], permanent}}, beam_observer_supervisor:lookup_in(State, A)),
    ?assertEqual(missing, beam_observer_supervisor:lookup_in(State, list_to_pid("<0.3.0>"))).

large_ids_are_formatted_inside_test() ->
    Id = lists:seq(1, 1000),
    State = static_state([child(undefined, Id, permanent, worker)]),
    #{rows := [{{'$formatted', Text}, undefined, worker, [m], permanent}]} = beam_observer_supervisor:page_in(State, 0, 1),
    ?assert(byte_size(Text) =< 512).

simple_one_for_one_test() ->
    Pids = [list_to_pid("<0." ++ integer_to_list(N) ++ ".0>") || N <- lists:seq(10, 59)],
    Restarting = list_to_pid("<0.99.0>"),
    Dynamics = maps:from_list([{P, []} || P <- Pids] ++ [{{restarting, Restarting}, []}]),
    State = {state, {local, pool}, simple_one_for_one, {[w], #{w => child(undefined, w, temporary, worker)}},
             {mapsets, Dynamics}, 3, 5, [], 0, never, pool, []},
    #{total := 51, rows := First} = beam_observer_supervisor:page_in(State, 0, 20),
    #{rows := Second} = beam_observer_supervisor:page_in(State, 20, 20),
    #{rows := Third} = beam_observer_supervisor:page_in(State, 40, 20),
    All = First ++ Second ++ Third,
    ?assertEqual(51, length(All)),
    ?assertEqual(lists:sort([restarting | Pids]), lists:sort([element(2, R) || R <- All])),
    ?assert(lists:all(fun({undefined, _, worker, [m], temporary}) -> true; (_) -> false end, All)),
    ?assertMatch({found, {undefined, _, worker, [m], temporary}},
                 beam_observer_supervisor:lookup_in(State, hd(Pids))).

dynamic_supervisor_test() ->
    A = list_to_pid("<0.1.0>"),
    B = list_to_pid("<0.2.0>"),
    State = #{'__struct__' => 'Elixir.DynamicSupervisor', strategy => one_for_one,
              children => #{A => {{m, start_link, []}, transient, 5000, worker, [m]},
                            B => {restarting, {{m, start_link, []}, permanent, infinity, supervisor, dynamic}}}},
    #{total := 2, strategy := one_for_one, rows := Rows} = beam_observer_supervisor:page_in(State, 0, 5),
    ?assertEqual(lists:sort([{undefined, A, worker, [m], transient}, {undefined, restarting, supervisor, dynamic, permanent}]),
                 lists:sort(Rows)),
    ?assertEqual({found, {undefined, A, worker, [m], transient}}, beam_observer_supervisor:lookup_in(State, A)).

unknown_state_test() ->
    ?assertEqual(unknown, beam_observer_supervisor:page_in(#{some => map}, 0, 5)),
    ?assertEqual(unknown, beam_observer_supervisor:page_in({state, x, one_for_one, not_children, undefined}, 0, 5)),
    ?assertEqual(unknown, beam_observer_supervisor:lookup_in({other, record}, self())).

allocator_family_otp25_test() ->
    Instances = [{instance, 0, [{mbcs, [{blocks, [{eheap_alloc, [{count, 1, 1, 1}, {size, 100, 200, 200}]},
                                                   {binary_alloc, [{count, 1, 1, 1}, {size, 50, 50, 50}]}]},
                                        {carriers_size, 1000, 1000, 1000}]},
                                {sbcs, [{blocks, []}, {carriers_size, 0, 0, 0}]}]},
                 {instance, 1, [{mbcs, [{blocks, [{eheap_alloc, [{size, 350, 0, 0}]}]}, {carriers_size, 1000, 0, 0}]},
                                {mbcs_pool, [{blocks, []}, {carriers_size, 500}]},
                                {sbcs, [{blocks, [{eheap_alloc, [{size, 2000, 0, 0}]}]}, {carriers_size, 2500, 0, 0}]}]}],
    F = beam_observer_system:allocator_family(eheap_alloc, Instances),
    ?assertEqual(#{name => eheap_alloc, instances => 2, carriersBytes => 5000, multiblockCarriersBytes => 2500,
                   singleblockCarriersBytes => 2500, blocksBytes => 2500, usage => 0.5}, F).

allocator_family_older_format_test() ->
    Instances = [{instance, 0, [{mbcs, [{blocks_size, 300, 0, 0}, {carriers_size, 600, 0, 0}]},
                                {sbcs, [{blocks_size, 0, 0, 0}, {carriers_size, 0, 0, 0}]}]}],
    #{blocksBytes := 300, carriersBytes := 600, usage := 0.5} = beam_observer_system:allocator_family(x, Instances),
    #{usage := null, carriersBytes := 0} = beam_observer_system:allocator_family(y, []).

continuation_round_trip_test() ->
    T = ets:new(t, [set]),
    ets:insert(T, [{K, K} || K <- lists:seq(1, 100)]),
    {First, Cont} = ets:select(T, [{'_', [], ['$_']}], 10),
    Text = beam_observer_ets:encode_continuation(T, Cont),
    ?assertEqual(nomatch, re:run(Text, "[^A-Za-z0-9_-]")),
    {ok, T, Repaired} = beam_observer_ets:decode_continuation(Text),
    {Second, _} = ets:select(Repaired),
    ?assertEqual(10, length(Second)),
    ?assertEqual([], First -- [{K, K} || K <- lists:seq(1, 100)]),
    ?assertEqual([], [R || R <- Second, lists:member(R, First)]),
    ets:delete(T).

continuation_garbage_test() ->
    [?assertEqual(invalid, beam_observer_ets:decode_continuation(Bad))
     || Bad <- [<<>>, <<"!!">>, <<"bm90IGEgY29udGludWF0aW9u">>, 42,
                base64:encode(term_to_binary({1, not_a_ref, {x}})),
                base64:encode(term_to_binary({2, make_ref(), {make_ref()}}))]].

vital_processes_refused_test() ->
    ?assertMatch({refused, -32023, _}, beam_observer_actions:refusal(whereis(init))),
    ?assertMatch({refused, -32023, _}, beam_observer_actions:refusal(whereis(code_server))),
    ?assertMatch({refused, -32023, _}, beam_observer_actions:refusal(whereis(application_controller))),
    Plain = spawn(fun() -> receive stop -> ok end end),
    ?assertEqual(ok, beam_observer_actions:refusal(Plain)),
    Plain ! stop,
    timer:sleep(10),
    ?assertEqual(dead, beam_observer_actions:refusal(Plain)).
