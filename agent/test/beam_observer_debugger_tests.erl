%%% EUnit tests for beam_observer_debugger's pure parts: which modules are a
%%% debugger's, which OTP callback a held process is in, the hold as the
%%% protocol carries it and the message a state request gets.
-module(beam_observer_debugger_tests).
-include_lib("eunit/include/eunit.hrl").

debugger_modules_test() ->
    [?assert(beam_observer_debugger:debugger_module(M))
     || M <- ['Elixir.ElixirLS.DebugAdapter.Server', 'Elixir.ElixirLS.Utils.OutputDevice',
              dbg_iserver, dbg_ieval, dbg_icmd, int]],
    [?assertNot(beam_observer_debugger:debugger_module(M))
     || M <- [dbg_debugged, 'Elixir.ElixirLSX', 'Elixir.MyApp.Debugger', gen_server, [], "dbg_ieval"]].

is_debugger_by_name_initial_call_or_meta_test() ->
    Self = self(),
    ?assert(beam_observer_debugger:is_debugger(Self, {dbg_iserver, {proc_lib, init_p, 5}}, [])),
    ?assert(beam_observer_debugger:is_debugger(Self, {[], {'Elixir.ElixirLS.DebugAdapter.Server', init, 1}}, [])),
    %% A meta process: anonymous (erlang:apply/2), known only as one of dbg_iserver's links.
    ?assert(beam_observer_debugger:is_debugger(Self, {[], {erlang, apply, 2}}, [Self])),
    ?assertNot(beam_observer_debugger:is_debugger(Self, {[], {erlang, apply, 2}}, [])).

held_when_dbg_debugged_is_on_the_stack_test() ->
    Held = [{lists, seq_loop, 3, []}, {dbg_debugged, msg_loop, 2, []}, {gen_server, init_it, 2, []}],
    ?assert(beam_observer_debugger:held(Held)),
    ?assertNot(beam_observer_debugger:held([{gen_server, loop, 7, []}])),
    ?assertEqual(null, beam_observer_debugger:hold(self(), [{gen_server, loop, 7, []}])).

callback_from_the_behaviour_frames_test() ->
    Callback = fun(Frames) -> beam_observer_debugger:callback_of([{dbg_debugged, msg_loop, 2, []} | [{M, F, 1, []} || {M, F} <- Frames]]) end,
    ?assertEqual(<<"init/1">>, Callback([{gen_server, init_it}, {proc_lib, init_p_do_apply}])),
    ?assertEqual(<<"handle_call/3">>, Callback([{gen_server, try_handle_call}, {gen_server, handle_msg}])),
    ?assertEqual(<<"handle_cast/2 or handle_info/2">>, Callback([{gen_server, try_dispatch}])),
    ?assertEqual(<<"a state callback">>, Callback([{gen_statem, loop_state_callback}])),
    ?assertEqual(null, Callback([{proc_lib, init_p_do_apply}])).

describe_test() ->
    ?assertEqual(#{status => <<"break">>, callback => <<"init/1">>, module => lists, line => 12,
                   source => source_of(lists)},
                 beam_observer_debugger:describe(break, {lists, 12}, <<"init/1">>)),
    ?assertEqual(#{status => <<"running">>, callback => null, module => null, line => null, source => null},
                 beam_observer_debugger:describe(running, {}, null)),
    %% The interpreter did not answer: still held, how unknown.
    ?assertMatch(#{status := <<"unknown">>, module := null}, beam_observer_debugger:describe(unknown, none, null)).

hold_messages_test() ->
    Pid = list_to_pid("<0.84.0>"),
    Break = #{status => <<"break">>, callback => <<"init/1">>, module => 'Elixir.Shop.Cache', line => 8,
              source => <<"/w/lib/shop/cache.ex">>},
    ?assertEqual(<<"process <0.84.0> is paused at a breakpoint (cache.ex:8) in init/1: the debugger holds it, "
                   "and its state can be read once it continues">>,
                 beam_observer_debugger:hold_message(Pid, Break)),
    ?assertEqual(<<"process <0.84.0> is paused at a breakpoint (Shop.Cache:8) in init/1: the debugger holds it, "
                   "and its state can be read once it continues">>,
                 beam_observer_debugger:hold_message(Pid, Break#{source => null})),
    Running = #{status => <<"running">>, callback => <<"init/1">>, module => null, line => null, source => null},
    ?assertEqual(<<"process <0.84.0> is running interpreted code in init/1: the debugger interprets its module "
                   "(far slower than compiled code), and it cannot report its state until init/1 returns">>,
                 beam_observer_debugger:hold_message(Pid, Running)),
    ?assertMatch(<<"process <0.84.0> is running interpreted code: ", _/binary>>,
                 beam_observer_debugger:hold_message(Pid, Running#{callback => null, status => <<"unknown">>})),
    ?assertMatch(<<"process <0.84.0> is waiting in a receive of interpreted code in handle_call/3: ", _/binary>>,
                 beam_observer_debugger:hold_message(Pid, Running#{status => <<"waiting">>, callback => <<"handle_call/3">>})).

debugger_delta_test() ->
    [A, B, C] = [list_to_pid(P) || P <- ["<0.90.0>", "<0.91.0>", "<0.92.0>"]],
    ?assertEqual(null, beam_observer_sampler:debugger_delta(#{}, #{})),
    %% B is new since the last reading: its total counts; C has gone.
    ?assertEqual(#{reductions => 150 + 40, processes => 2},
                 beam_observer_sampler:debugger_delta(#{A => 100, C => 5}, #{A => 250, B => 40})).

source_of(Module) ->
    unicode:characters_to_binary(proplists:get_value(source, Module:module_info(compile))).
