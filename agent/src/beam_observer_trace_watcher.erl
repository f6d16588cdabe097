%%% The watcher of one trace session: a process that outlives the session's
%%% tracer and clears what the session set if the tracer ends without doing
%%% so (a crash, a kill, the agent's supervisor brought down with it).
%%%
%%% It is spawned by the tracer with the session's whole plan *before* the
%%% tracer sets anything, linked to nothing and supervised by nobody, so
%%% stopping or killing the agent does not take it along. It waits for one
%%% of two things: the tracer saying it cleaned up itself (`done'), or the
%%% tracer's 'DOWN'. Its clean-up is the tracer's own (release the
%%% processes, clear the patterns where they are still ours, close the
%%% session), which never touches another tool's settings.
-module(beam_observer_trace_watcher).

-export([start/2, done/1, cleanup/1]).

%% Start watching Tracer (the caller), holding Plan.
-spec start(pid(), beam_observer_trace_backend:plan()) -> pid().
start(Tracer, Plan) ->
    Watcher = spawn(fun() -> watch(Tracer, Plan) end),
    beam_observer_registry:add(Watcher, trace_watcher),
    Watcher.

%% The tracer has cleaned up: the watcher ends without touching anything.
-spec done(pid()) -> ok.
done(Watcher) ->
    Watcher ! {done, self()},
    ok.

watch(Tracer, Plan) ->
    Ref = erlang:monitor(process, Tracer),
    receive
        {done, Tracer} ->
            erlang:demonitor(Ref, [flush]);
        {'DOWN', Ref, process, Tracer, _} ->
            _ = cleanup(Plan)
    end,
    beam_observer_registry:remove(self()).

%% Turn off everything the plan set, where it is still ours, and say
%% whether erlang:trace_info/2 confirms that nothing is left.
-spec cleanup(beam_observer_trace_backend:plan()) -> map().
cleanup(Plan) ->
    _ = catch beam_observer_trace_backend:release(Plan),
    _ = catch beam_observer_trace_backend:clear_patterns(Plan),
    _ = catch beam_observer_trace_backend:close(maps:get(backend, Plan)),
    _ = catch beam_observer_trace_backend:gate(Plan, open),
    _ = case maps:get(gate, Plan) of
            none -> ok;
            Bit -> beam_observer_trace_index:release_gate(Bit)
        end,
    try beam_observer_trace_backend:verify(Plan)
    catch _:_ -> #{verified => false, processesLeft => 0, patternsLeft => 0}
    end.
