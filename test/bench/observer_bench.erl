%%% Helper loaded into the node of `npm run bench:agent' (test/bench/agent-bench.ts).
%%%
%%% It starts the agent, fills the node with idle (and optionally spinning)
%%% processes, and runs the in-node measurements: the cost of one load sample,
%%% OTP's observer_backend:etop_collect/1 as a baseline, a 10 ms ticker that
%%% records how late it wakes up, and the memory the agent holds (its
%%% processes and its ETS tables).
%%%
%%% Commands arrive as lines on standard input; each answer is one line
%%% "BENCH <json>" on standard output (other output, e.g. logger reports,
%%% is ignored by the driver). Benchmark-only; never shipped.
-module(observer_bench).

-export([main/0, idle/0, spin/0]).

-include_lib("runtime_tools/include/observer_backend.hrl").

-define(PREFIX, "BENCH ").

main() ->
    %% Sampling reads scheduler_wall_time; keep it on for this process's life.
    erlang:system_flag(scheduler_wall_time, true),
    Ticker = spawn(fun() -> ticker(0, 0) end),
    {ok, Agent} = beam_observer_agent:start(),
    reply(Agent#{osPid => list_to_integer(os:getpid())}),
    command_loop(Ticker).

command_loop(Ticker) ->
    case io:get_line("") of
        eof -> halt(0);
        {error, _} -> halt(0);
        Line ->
            Answer = try command(string:lexemes(string:trim(Line), " "), Ticker)
                     catch Class:Reason:Stack ->
                             #{error => iolist_to_binary(
                                          io_lib:format("~p:~p ~p", [Class, Reason, Stack]))}
                     end,
            reply(Answer),
            command_loop(Ticker)
    end.

command(["spawn_idle", NText], _) ->
    N = list_to_integer(NText),
    {Us, ok} = timer:tc(fun() -> spawn_idle(N) end),
    #{spawnMs => Us / 1000, processCount => erlang:system_info(process_count)};
command(["spawn_busy", NText], _) ->
    N = list_to_integer(NText),
    _ = [spawn(?MODULE, spin, []) || _ <- lists:seq(1, N)],
    #{processCount => erlang:system_info(process_count)};
command(["info"], _) ->
    #{otpRelease => list_to_binary(erlang:system_info(otp_release)),
      ertsVersion => list_to_binary(erlang:system_info(version)),
      schedulers => erlang:system_info(schedulers_online),
      dirtyCpuSchedulers => erlang:system_info(dirty_cpu_schedulers_online),
      processCount => erlang:system_info(process_count)};
command(["load_cost", RText], _) ->
    load_cost(list_to_integer(RText));
command(["sweep_breakdown"], _) ->
    sweep_breakdown();
command(["sample_breakdown"], _) ->
    sample_breakdown();
command(["etop"], _) ->
    etop_once();
command(["ticker_reset"], Ticker) ->
    Ticker ! {reset, self()},
    receive {ticker, MaxLateUs, Ticks} -> #{maxLateUs => MaxLateUs, ticks => Ticks} end;
command(["sleep", MsText], _) ->
    timer:sleep(list_to_integer(MsText)),
    #{};
command(["busy_us"], _) ->
    #{busyUs => beam_observer_registry:busy_us()};
command(["agent_memory"], _) ->
    agent_memory();
command(Other, _) ->
    #{error => iolist_to_binary(["unknown command: ", lists:join(" ", Other)])}.

%%% ------------------------------------------------------------------
%%% Processes
%%% ------------------------------------------------------------------

spawn_idle(0) -> ok;
spawn_idle(N) ->
    _ = spawn(?MODULE, idle, []),
    spawn_idle(N - 1).

%% Blocked in receive for the whole run.
idle() ->
    receive stop -> ok end.

%% A busy loop: every call is a reduction, so it is preempted like any process.
spin() ->
    spin().

%%% ------------------------------------------------------------------
%%% Load sample cost
%%% ------------------------------------------------------------------

%% The agent's own code for one sample (beam_observer_load:sample/1), and
%% separately its JSON encoding, timed R times with 10 run-queue readings
%% per interval as the 1 s sampler collects.
load_cost(R) ->
    Prev0 = beam_observer_load:first_reading(),
    {_, Prev1} = beam_observer_load:sample(with_queues(Prev0)),   %% warm-up
    {SampleUs, EncodeUs, _} =
        lists:foldl(
          fun(_, {SAcc, EAcc, Prev}) ->
                  timer:sleep(10),
                  Input = with_queues(Prev),
                  {Us, {Sample, Next}} = timer:tc(beam_observer_load, sample, [Input]),
                  {EUs, _} = timer:tc(fun() ->
                                             iolist_to_binary(beam_observer_json:encode(
                                               #{jsonrpc => <<"2.0">>, method => <<"load/sample">>,
                                                 params => Sample}))
                                     end),
                  {[Us | SAcc], [EUs | EAcc], Next}
          end, {[], [], Prev1}, lists:seq(1, R)),
    #{sampleUs => SampleUs, encodeUs => EncodeUs}.

with_queues(Reading) ->
    Reading#{queues => [erlang:statistics(run_queue_lengths_all) || _ <- lists:seq(1, 10)]}.

%% Where a sample's time goes: the node-wide calls it makes, timed alone.
sample_breakdown() ->
    Calls = #{statisticsIo => fun() -> erlang:statistics(io) end,
              memory => fun() -> erlang:memory() end,
              readProcSelfStat => fun() -> file:read_file("/proc/self/stat") end,
              schedulerWallTimeAll => fun() -> erlang:statistics(scheduler_wall_time_all) end,
              garbageCollection => fun() -> erlang:statistics(garbage_collection) end,
              registryReductions =>
                  fun() -> [erlang:process_info(P, reductions) || P <- beam_observer_registry:pids()] end},
    maps:map(fun(_, F) -> median([element(1, timer:tc(F)) || _ <- lists:seq(1, 21)]) end, Calls).

%%% ------------------------------------------------------------------
%%% Reference sweeps: where a sweep's time goes
%%% ------------------------------------------------------------------

%% Plain sweeps over all processes, each in a fresh process (as etop_collect
%% is run here), median of 3, in microseconds.
sweep_breakdown() ->
    Prev = fresh(fun() -> reds_map(#{}) end, true),
    Sweeps = #{processesOnly => fun() -> length(erlang:processes()) end,
               reductionsList => fun() -> items_list([reductions]) end,
               reductionsFoldIntoMap => fun() -> map_size(reds_map(Prev)) end,
               gcInfoList => fun() -> items_list([reductions, garbage_collection_info]) end,
               memoryList => fun() -> items_list([reductions, memory]) end,
               etopItemsList => fun() -> items_list([registered_name, initial_call, memory, reductions,
                                                      current_function, message_queue_len]) end},
    maps:map(fun(_, F) -> median([fresh(F, false) || _ <- lists:seq(1, 3)]) end, Sweeps).

items_list(Items) ->
    length([I || P <- erlang:processes(), I <- [erlang:process_info(P, Items)], I =/= undefined]).

%% The core of a reductions sweep: one map of pid => {reductions, cache},
%% each process looked up in the previous sweep's map.
reds_map(Prev) ->
    lists:foldl(fun(P, Acc) ->
                        case erlang:process_info(P, [reductions]) of
                            undefined -> Acc;
                            [{reductions, R}] ->
                                Cached = case Prev of #{P := {_, C}} -> C; _ -> undefined end,
                                Acc#{P => {R, Cached}}
                        end
                end, #{}, erlang:processes()).

%% Run F in a fresh process; its result, or (Time = false) its time in µs.
fresh(F, Result) ->
    {Pid, Ref} = spawn_monitor(fun() -> exit({done, timer:tc(F)}) end),
    receive
        {'DOWN', Ref, process, Pid, {done, {Us, Value}}} ->
            case Result of true -> Value; false -> Us end
    end.

median(L) -> lists:nth((length(L) + 1) div 2, lists:sort(L)).

%%% ------------------------------------------------------------------
%%% OTP's baseline
%%% ------------------------------------------------------------------

%% One etop_collect/1, as Observer/etop run it: it sweeps every process in
%% the calling process and sends {CallerPid, #etop_info{}} to the collector.
%% Here caller and collector are one fresh process, so the time covers the
%% sweep and the delivery of the result.
etop_once() ->
    {Pid, Ref} = spawn_monitor(
                   fun() ->
                           Self = self(),
                           {Us, NProcs} =
                               timer:tc(fun() ->
                                                observer_backend:etop_collect(Self),
                                                receive
                                                    {Self, #etop_info{n_procs = N}} -> N
                                                end
                                        end),
                           exit({done, Us, NProcs})
                   end),
    receive
        {'DOWN', Ref, process, Pid, {done, Us, NProcs}} -> #{us => Us, nProcs => NProcs};
        {'DOWN', Ref, process, Pid, Other} -> #{error => iolist_to_binary(io_lib:format("~p", [Other]))}
    end.

%%% ------------------------------------------------------------------
%%% A 10 ms ticker
%%% ------------------------------------------------------------------

%% Waits 10 ms in a loop and keeps the worst lateness; `reset' reports the
%% window since the previous reset and starts a new one.
ticker(MaxLate, Ticks) ->
    T0 = erlang:monotonic_time(microsecond),
    receive
        {reset, From} ->
            From ! {ticker, MaxLate, Ticks},
            ticker(0, 0)
    after 10 ->
            Late = erlang:monotonic_time(microsecond) - T0 - 10000,
            ticker(max(MaxLate, Late), Ticks + 1)
    end.

%%% ------------------------------------------------------------------
%%% Agent memory
%%% ------------------------------------------------------------------

agent_memory() ->
    Pids = beam_observer_registry:pids(),
    _ = [erlang:garbage_collect(P) || P <- Pids],
    Sizes = [{P, M} || P <- Pids, {memory, M} <- [erlang:process_info(P, memory)]],
    ByRole = lists:foldl(
               fun({P, M}, Acc) ->
                       Role = case catch ets:lookup(beam_observer_registry, P) of
                                  [{P, R}] when is_atom(R) -> atom_to_binary(R);
                                  _ -> <<"unknown">>
                              end,
                       maps:update_with(Role, fun(X) -> X + M end, M, Acc)
               end, #{}, Sizes),
    %% The agent's ETS tables (previous reductions, its registry) count too.
    Words = erlang:system_info(wordsize),
    Tables = [ets:info(T, memory) * Words || T <- ets:all(), lists:member(ets:info(T, owner), Pids)],
    EtsBytes = lists:sum([B || B <- Tables, is_integer(B)]),
    #{bytes => lists:sum([M || {_, M} <- Sizes]) + EtsBytes, processes => length(Sizes),
      byRole => ByRole#{<<"ets tables">> => EtsBytes}}.

%%% ------------------------------------------------------------------
%%% Answers: a minimal JSON writer for maps, lists, numbers and binaries
%%% ------------------------------------------------------------------

reply(Map) ->
    io:put_chars([?PREFIX, json(Map), $\n]).

json(M) when is_map(M) ->
    ["{", lists:join(",", [[json(key(K)), ":", json(V)] || {K, V} <- maps:to_list(M)]), "}"];
json(L) when is_list(L) ->
    ["[", lists:join(",", [json(X) || X <- L]), "]"];
json(true) -> "true";
json(false) -> "false";
json(null) -> "null";
json(A) when is_atom(A) -> json(atom_to_binary(A));
json(I) when is_integer(I) -> integer_to_list(I);
json(F) when is_float(F) -> float_to_list(F, [short]);
json(B) when is_binary(B) -> [$", escape(B), $"].

key(K) when is_atom(K) -> atom_to_binary(K);
key(K) when is_binary(K) -> K.

escape(B) ->
    [case C of
         $" -> "\\\"";
         $\\ -> "\\\\";
         _ when C < 32 -> io_lib:format("\\u~4.16.0b", [C]);
         _ -> C
     end || <<C>> <= B].
