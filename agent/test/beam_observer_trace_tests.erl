%%% EUnit tests for the pure parts of tracing: how trace/start entries
%%% group into patterns, how calls pair with their returns, how events are
%%% formatted (bounded), and the gated match spec.
-module(beam_observer_trace_tests).
-include_lib("eunit/include/eunit.hrl").

%%% beam_observer_trace_params:groups/1

whole_module_covers_its_functions_test() ->
    Groups = beam_observer_trace_params:groups([{m, f, 1, [{m, f, 1}]}, {m, '_', '_', [{m, f, 1}, {m, g, 0}]},
                                                {n, h, 2, [{n, h, 2}]}]),
    ?assertEqual([#{spec => {m, '_', '_'}, mfas => [{m, f, 1}, {m, g, 0}]},
                  #{spec => {n, h, 2}, mfas => [{n, h, 2}]}], Groups).

function_without_arity_covers_its_arities_test() ->
    Groups = beam_observer_trace_params:groups([{m, f, 1, [{m, f, 1}]}, {m, f, '_', [{m, f, 1}, {m, f, 2}]},
                                                {m, g, 0, [{m, g, 0}]}, {m, g, 0, [{m, g, 0}]}]),
    ?assertEqual([#{spec => {m, f, '_'}, mfas => [{m, f, 1}, {m, f, 2}]},
                  #{spec => {m, g, 0}, mfas => [{m, g, 0}]}], Groups).

%%% beam_observer_trace_events: pairing

call_and_return_pair_with_ids_and_duration_test() ->
    P0 = beam_observer_trace_events:new(),
    Pid = self(),
    {Call, P1} = beam_observer_trace_events:call(Pid, {m, f, [1, 2]}, 100, {true, true}, P0),
    ?assertMatch({call, 1, Pid, {m, f, 2}, [1, 2], 100}, Call),
    ?assertEqual(1, beam_observer_trace_events:open_calls(P1)),
    {Return, P2} = beam_observer_trace_events:return(Pid, return, {m, f, 2}, 3, 160, P1),
    ?assertEqual({return, 2, Pid, {m, f, 2}, 3, 160, 1, 60}, Return),
    ?assertEqual(0, beam_observer_trace_events:open_calls(P2)).

nested_calls_close_innermost_first_test() ->
    Pid = self(),
    {_, P1} = beam_observer_trace_events:call(Pid, {m, f, 1}, 0, {true, true}, beam_observer_trace_events:new()),
    {_, P2} = beam_observer_trace_events:call(Pid, {m, f, 1}, 10, {true, true}, P1),
    {Inner, P3} = beam_observer_trace_events:return(Pid, exception, {m, f, 1}, {error, x}, 15, P2),
    ?assertMatch({exception, 3, Pid, {m, f, 1}, {error, x}, 15, 2, 5}, Inner),
    {Outer, _} = beam_observer_trace_events:return(Pid, exception, {m, f, 1}, {error, x}, 20, P3),
    ?assertMatch({exception, 4, Pid, {m, f, 1}, {error, x}, 20, 1, 20}, Outer).

a_dropped_call_drops_its_return_test() ->
    Pid = self(),
    {none, P1} = beam_observer_trace_events:call(Pid, {m, f, 0}, 0, {false, true}, beam_observer_trace_events:new()),
    ?assertEqual(0, beam_observer_trace_events:open_calls(P1)),
    {none, P2} = beam_observer_trace_events:return(Pid, return, {m, f, 0}, ok, 5, P1),
    %% Its frame is gone: the next call's return pairs with that call.
    {{call, 1, _, _, _, _}, P3} = beam_observer_trace_events:call(Pid, {m, f, 0}, 6, {true, true}, P2),
    ?assertMatch({{return, 2, _, _, ok, 9, 1, 3}, _}, beam_observer_trace_events:return(Pid, return, {m, f, 0}, ok, 9, P3)).

a_return_without_its_call_is_not_delivered_test() ->
    ?assertMatch({none, _}, beam_observer_trace_events:return(self(), return, {m, f, 0}, ok, 5,
                                                              beam_observer_trace_events:new())).

without_returns_calls_are_not_remembered_test() ->
    {_, P1} = beam_observer_trace_events:call(self(), {m, f, 0}, 0, {true, false}, beam_observer_trace_events:new()),
    ?assertEqual(0, beam_observer_trace_events:open_calls(P1)).

%%% beam_observer_trace_events: formatting

call_formats_each_argument_on_one_line_test() ->
    Event = beam_observer_trace_events:format({call, 7, self(), {m, f, 2}, [#{a => 1}, <<"text">>],
                                               erlang:monotonic_time()}, erlang),
    ?assertMatch(#{id := 7, kind := call, function := #{module := m, function := f, arity := 2},
                   args := [<<"#{a => 1}">>, <<"<<\"text\">>">>], truncated := false}, Event),
    ?assert(abs(maps:get(timeUs, Event) div 1000 - erlang:system_time(millisecond)) < 1000).

arity_only_calls_have_no_arguments_test() ->
    ?assertMatch(#{args := null}, beam_observer_trace_events:format({call, 1, self(), {m, f, 2}, 2, 0}, erlang)).

a_big_argument_is_cut_test() ->
    #{args := [Text], truncated := true} =
        beam_observer_trace_events:format({call, 1, self(), {m, f, 1}, [lists:seq(1, 100000)], 0}, erlang),
    ?assert(byte_size(Text) =< 512 + 3).

exception_and_send_formats_test() ->
    ?assertMatch(#{kind := exception, exception := <<"error: badarith">>, callId := 1, durationUs := _},
                 beam_observer_trace_events:format({exception, 2, self(), {m, f, 0}, {error, badarith}, 0, 1,
                                                    erlang:convert_time_unit(5, microsecond, native)}, erlang)),
    ?assertMatch(#{kind := send, message := <<"{hello,1}">>, to := <<"logger">>},
                 beam_observer_trace_events:format({send, 3, self(), {hello, 1}, logger, 0}, erlang)),
    ?assertMatch(#{kind := sendToDead},
                 beam_observer_trace_events:format({send_to_non_existing_process, 4, self(), x, self(), 0}, erlang)),
    Received = beam_observer_trace_events:format({'receive', 5, self(), x, undefined, 0}, erlang),
    ?assertEqual(false, maps:is_key(to, Received)).

%%% beam_observer_trace_backend:call_ms/2

the_match_spec_is_gated_by_its_bit_test() ->
    Bit = 1 bsl 20,
    [{'_', Open, Actions}, {'_', [], [{message, false}]}] = beam_observer_trace_backend:call_ms(true, Bit),
    ?assertEqual([{'=:=', {'band', {get_tcw}, Bit}, 0}], Open),
    ?assertEqual([{message, true}, {exception_trace}], Actions),
    ?assertMatch([{'_', _, [{message, true}]}, _], beam_observer_trace_backend:call_ms(false, Bit)),
    %% The runtime accepts it.
    ?assertEqual(1, erlang:trace_pattern({?MODULE, the_match_spec_is_gated_by_its_bit_test, 0},
                                         beam_observer_trace_backend:call_ms(true, Bit), [local])),
    erlang:trace_pattern({?MODULE, the_match_spec_is_gated_by_its_bit_test, 0}, false, [local]).
