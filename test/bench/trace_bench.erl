%%% Helper loaded into the nodes of `npm run bench:trace' (test/bench/trace-bench.ts):
%%% the agent, trace_target (test/fixtures) and commands read as lines on
%%% standard input, each answered with one JSON line. It times a hot
%%% function in a loop, spins one tight loop per scheduler, and runs dbg
%%% with no limits for the side-by-side case. Benchmark-only; never shipped.
-module(trace_bench).

-export([main/0]).

main() ->
    {module, trace_target} = code:ensure_loaded(trace_target),
    {ok, Agent} = beam_observer_agent:start(),
    reply(Agent#{osPid => list_to_integer(os:getpid()), schedulers => erlang:system_info(schedulers_online),
                 pids => #{}}),
    loop(#{}).

loop(State) ->
    case io:get_line("") of
        eof -> halt(0);
        {error, _} -> halt(0);
        Line ->
            {Answer, State1} = command(string:lexemes(string:trim(Line), " "), State),
            reply(Answer),
            loop(State1)
    end.

%% N calls of trace_target:hot/1 or work/1 in this process: microseconds.
command(["loop", Function, N], S) ->
    Count = list_to_integer(N),
    erlang:garbage_collect(),
    {Us, ok} = case Function of
                   "hot" -> timer:tc(fun() -> hot_calls(Count) end);
                   "work" -> timer:tc(fun() -> work_calls(Count) end)
               end,
    {#{us => Us}, S};
command(["spin"], S) ->
    Pids = [spawn(fun trace_target:spin/0) || _ <- lists:seq(1, erlang:system_info(schedulers_online))],
    {#{count => length(Pids)}, S#{spinners => Pids}};
command(["stop_spin"], S) ->
    [exit(P, kill) || P <- maps:get(spinners, S, [])],
    {#{ok => true}, maps:remove(spinners, S)};
command(["memory"], S) ->
    {#{total => erlang:memory(total)}, S};
%% dbg as its documentation shows it: every process's calls of
%% trace_target:Function, no limits, with dbg's own handler (it prints each
%% message; here to /dev/null) or with one that only counts.
command(["dbg_start", Function, Handler], S) ->
    H = case Handler of
            "print" ->
                {ok, Null} = file:open("/dev/null", [write]),
                {fun dbg:dhandler/2, Null};
            "count" ->
                {fun(_Msg, N) -> N + 1 end, 0}
        end,
    {ok, Tracer} = dbg:tracer(process, H),
    {ok, _} = dbg:p(all, [c]),
    {ok, _} = dbg:tpl(trace_target, list_to_atom(Function), []),
    {#{tracer => pid_text(Tracer)}, S#{dbg_tracer => Tracer}};
command(["dbg_queue"], S) ->
    {#{queue => queue_len(maps:get(dbg_tracer, S))}, S};
command(["dbg_stop"], S) ->
    dbg:stop(),
    {#{ok => true}, maps:remove(dbg_tracer, S)};
command(["tracer_queue"], S) ->
    Tracers = [P || {P, tracer} <- ets:tab2list(beam_observer_registry)],
    {#{queue => lists:sum([queue_len(P) || P <- Tracers])}, S}.

hot_calls(0) -> ok;
hot_calls(N) ->
    _ = trace_target:hot(N),
    hot_calls(N - 1).

work_calls(0) -> ok;
work_calls(N) ->
    _ = trace_target:work(N),
    work_calls(N - 1).

queue_len(Pid) ->
    case erlang:process_info(Pid, message_queue_len) of
        {message_queue_len, N} -> N;
        undefined -> 0
    end.

reply(Map) -> io:put_chars([beam_observer_json:encode(Map), $\n]).

pid_text(P) -> list_to_binary(pid_to_list(P)).
