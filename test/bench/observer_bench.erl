%%% Helper loaded into the nodes of `npm run bench' and `npm run bench:agent'
%%% (test/bench/agent-bench.ts).
%%%
%%% It starts the agent, fills the node with idle (and optionally spinning)
%%% processes, and runs the in-node measurements: the cost of one load sample,
%%% OTP's observer_backend:etop_collect/1 as a baseline, a 10 ms ticker that
%%% records how late it wakes up, the memory the agent holds (its processes
%%% and its ETS tables), and a watcher of the node's total memory. For the
%%% abuse-by-size cases it builds a process with a huge mailbox and a
%%% gen_server with a huge state (this module is that gen_server's callback
%%% module), and measures what OTP's unbounded alternatives would cost.
%%%
%%% Commands arrive as lines on standard input; each answer is one line
%%% "BENCH <json>" on standard output (other output, e.g. logger reports,
%%% is ignored by the driver). Benchmark-only; never shipped.
-module(observer_bench).
-behaviour(gen_server).

-export([main/0, idle/0, spin/0]).
%% The big-state gen_server.
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

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
    sweep_breakdown(3);
command(["sweep_breakdown", RText], _) ->
    sweep_breakdown(list_to_integer(RText));
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
command(["memory"], _) ->
    garbage_collect(),
    #{total => erlang:memory(total), processes => erlang:memory(processes),
      ets => erlang:memory(ets), binary => erlang:memory(binary)};
command(["probe_start"], Ticker) ->
    _ = command(["ticker_reset"], Ticker),
    _ = sysmon_start(),
    put(preempted, scheduler_preemptions()),
    #{};
command(["probe_stop"], Ticker) ->
    Preempted = scheduler_preemptions() - get(preempted),
    #{events := Events} = sysmon_stop(),
    #{maxLateUs := Late} = command(["ticker_reset"], Ticker),
    #{maxLateUs => Late, events => Events, preempted => Preempted};
command(["watch_start"], _) ->
    watch_start();
command(["watch_stop"], _) ->
    watch_stop();
command(["mailbox", NText], _) ->
    mailbox(list_to_integer(NText));
command(["mailbox_copy"], _) ->
    mailbox_copy();
command(["big_state", MbText], _) ->
    big_state(list_to_integer(MbText));
command(["state_hash"], _) ->
    #{hash => gen_server:call(bench_big_state, hash, 60000)};
command(["get_state_cost"], _) ->
    get_state_cost();
command(["format_unbounded", MsText], _) ->
    format_unbounded(list_to_integer(MsText));
%% issue 14: the recorder's cost and memory; the VM's CPU time so far (ms).
command(["recorder"], _) ->
    recorder_stats();
command(["runtime"], _) ->
    {Ms, _} = erlang:statistics(runtime),
    #{ms => Ms};
command(Other, _) ->
    #{error => iolist_to_binary(["unknown command: ", lists:join(" ", Other)])}.

%%% ------------------------------------------------------------------
%%% Processes
%%% ------------------------------------------------------------------

%% One spawner per scheduler, so a million processes take seconds, not tens.
spawn_idle(N) ->
    S = erlang:system_info(schedulers_online),
    Chunks = [N div S + case I =< N rem S of true -> 1; false -> 0 end || I <- lists:seq(1, S)],
    Spawners = [spawn_monitor(fun() -> spawn_n(C) end) || C <- Chunks],
    _ = [receive {'DOWN', Ref, process, Pid, normal} -> ok end || {Pid, Ref} <- Spawners],
    ok.

spawn_n(0) -> ok;
spawn_n(N) ->
    _ = spawn(?MODULE, idle, []),
    spawn_n(N - 1).

%% Blocked in receive for the whole run.
idle() ->
    receive stop -> ok end.

%% A busy loop: every call is a reduction, so it is preempted like any process.
spin() ->
    spin().

%%% ------------------------------------------------------------------
%%% Load sample cost
%%% ------------------------------------------------------------------

%% The agent's own code for one sample (beam_observer_sampler:sample/1), and
%% separately its JSON encoding, timed R times with 10 run-queue readings
%% per interval as the 1 s sampler collects.
load_cost(R) ->
    Prev0 = beam_observer_sampler:first_reading(),
    {_, Prev1} = beam_observer_sampler:sample(with_queues(Prev0)),   %% warm-up
    {SampleUs, EncodeUs, _} =
        lists:foldl(
          fun(_, {SAcc, EAcc, Prev}) ->
                  timer:sleep(10),
                  Input = with_queues(Prev),
                  {Us, {Sample, Next}} = timer:tc(beam_observer_sampler, sample, [Input]),
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
%% is run here), median of R, in microseconds.
sweep_breakdown(R) ->
    Prev = fresh(fun() -> reds_map(#{}) end, true),
    Sweeps = #{processesOnly => fun() -> length(erlang:processes()) end,
               reductionsList => fun() -> items_list([reductions]) end,
               reductionsFoldIntoMap => fun() -> map_size(reds_map(Prev)) end,
               gcInfoList => fun() -> items_list([reductions, garbage_collection_info]) end,
               memoryList => fun() -> items_list([reductions, memory]) end,
               etopItemsList => fun() -> items_list([registered_name, initial_call, memory, reductions,
                                                      current_function, message_queue_len]) end,
               %% issue 14: what the new sweep reads, and what the one before it kept.
               cheapMemoryItemsList => fun() -> items_list([reductions, message_queue_len, heap_size]) end,
               gcSettingsList => fun() -> items_list([garbage_collection]) end,
               gcInfoOnlyList => fun() -> items_list([garbage_collection_info]) end,
               reductionsEtsRows => fun() -> reds_ets_rows() end},
    maps:map(fun(_, F) -> median([fresh(F, false) || _ <- lists:seq(1, R)]) end, Sweeps).

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

%% The previous agent's bookkeeping: one ETS row per process, read and
%% written with one ets:update_counter/4 each (filled once first, as a
%% second sweep finds it).
reds_ets_rows() ->
    Tab = ets:new(rows, [set, private]),
    Fold = fun() ->
                   lists:foldl(fun(P, N) ->
                                       case erlang:process_info(P, [reductions]) of
                                           undefined -> N;
                                           [{reductions, R}] ->
                                               _ = ets:update_counter(Tab, P, [{2, 0}, {2, 0, -1, R}, {3, 0, -1, 1}],
                                                                      {P, 0, 0, undefined}),
                                               N + 1
                                       end
                               end, 0, erlang:processes())
           end,
    _ = Fold(),
    {Us, _} = timer:tc(Fold),
    %% Report the second fold only: fresh/2 takes this exit as its timing.
    exit({done, {Us, Us}}).

%% Run F in a fresh process; its result, or (Time = false) its time in µs.
fresh(F, Result) ->
    {Pid, Ref} = spawn_monitor(fun() -> exit({done, timer:tc(F)}) end),
    receive
        {'DOWN', Ref, process, Pid, {done, {Us, Value}}} ->
            case Result of true -> Value; false -> Us end
    end.

median(L) -> lists:nth((length(L) + 1) div 2, lists:sort(L)).

%%% ------------------------------------------------------------------
%%% The recorder (issue 14)
%%% ------------------------------------------------------------------

%% Its busy time so far, its settings and what it holds: the history table,
%% its other tables (the baseline, the cache of initial calls) and its heap.
recorder_stats() ->
    Recorder = whereis(beam_observer_recorder),
    Words = erlang:system_info(wordsize),
    Owned = [T || T <- ets:all(), ets:info(T, owner) =:= Recorder],
    History = ets:whereis(beam_observer_history),
    Other = [ets:info(T, memory) * Words || T <- Owned, T =/= History, T =/= beam_observer_history],
    {memory, Heap} = erlang:process_info(Recorder, memory),
    Settings = beam_observer_recorder:settings(),
    #{busyUs => beam_observer_registry:busy_us(recorder),
      agentBusyUs => beam_observer_registry:busy_us(),
      monotonicMs => erlang:monotonic_time(millisecond),
      moments => ets:info(beam_observer_history, size),
      historyFlatBytes => maps:get(bytes, Settings),
      plannedMs => maps:get(plannedMs, Settings),
      historyEtsBytes => ets:info(beam_observer_history, memory) * Words,
      baselineEtsBytes => lists:sum(Other),
      recorderHeapBytes => Heap}.

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
%%% The node's total memory, watched every millisecond
%%% ------------------------------------------------------------------

%% Before/after readings miss what is allocated and freed in between (a
%% mailbox copied by a short-lived worker); the watcher keeps the peak.
watch_start() ->
    _ = watch_stop(),
    garbage_collect(),
    Base = erlang:memory(total),
    Pid = spawn(fun() -> watch(Base, Base, 0) end),
    register(bench_watcher, Pid),
    #{baseline => Base}.

watch_stop() ->
    case whereis(bench_watcher) of
        undefined -> #{};
        Pid ->
            Ref = monitor(process, Pid),
            Pid ! {stop, self()},
            receive
                {watched, Base, Peak, Readings} ->
                    demonitor(Ref, [flush]),
                    #{baseline => Base, peak => Peak, last => erlang:memory(total), readings => Readings}
            after 5000 ->
                exit(Pid, kill),
                receive {'DOWN', Ref, _, _, _} -> ok end,
                #{}
            end
    end.

watch(Base, Peak, Readings) ->
    receive
        {stop, From} ->
            unregister(bench_watcher),
            From ! {watched, Base, max(Peak, erlang:memory(total)), Readings + 1}
    after 1 ->
        watch(Base, max(Peak, erlang:memory(total)), Readings + 1)
    end.

%%% ------------------------------------------------------------------
%%% Long garbage collections and long schedules (erlang:system_monitor)
%%% ------------------------------------------------------------------

%% When a timer runs late, these say which process held a scheduler: a
%% garbage collection or a stretch of work without yielding over 5 ms.
sysmon_start() ->
    _ = sysmon_stop(),
    Pid = spawn(fun() -> sysmon([]) end),
    register(bench_sysmon, Pid),
    _ = erlang:system_monitor(Pid, [{long_gc, 5}, {long_schedule, 5}]),
    #{}.

sysmon_stop() ->
    case whereis(bench_sysmon) of
        undefined -> #{events => []};
        Pid ->
            _ = erlang:system_monitor(undefined),
            Pid ! {stop, self()},
            receive {sysmon, Events} -> #{events => lists:reverse(Events)} after 5000 -> #{events => []} end
    end.

sysmon(Events) ->
    receive
        {monitor, Who, Type, Info} when length(Events) < 50 ->
            Ms = proplists:get_value(timeout, Info),
            Where = case Type of
                        long_schedule -> #{in => text(proplists:get_value(in, Info)),
                                           out => text(proplists:get_value(out, Info))};
                        long_gc -> #{heapWords => proplists:get_value(heap_size, Info, 0)
                                         + proplists:get_value(old_heap_size, Info, 0)}
                    end,
            sysmon([Where#{type => Type, ms => Ms, who => who(Who)} | Events]);
        {monitor, _, _, _} ->
            sysmon(Events);
        {stop, From} ->
            unregister(bench_sysmon),
            From ! {sysmon, Events}
    end.

who(Pid) when is_pid(Pid) ->
    Role = case catch ets:lookup(beam_observer_registry, Pid) of
               [{Pid, R}] when is_atom(R) -> [<<"agent ">>, atom_to_binary(R)];
               _ -> []
           end,
    Name = case erlang:process_info(Pid, [registered_name, initial_call]) of
               [{registered_name, N}, _] when is_atom(N) -> atom_to_binary(N);
               [_, {initial_call, MFA}] -> text(MFA);
               undefined -> <<"exited">>
           end,
    iolist_to_binary([pid_to_list(Pid), " ", Name, [[" (", Role, ")"] || Role =/= []]]);
who(Other) ->
    text(Other).

text(Term) -> iolist_to_binary(io_lib:format("~0tp", [Term])).

%% How often the OS took the CPU away from the normal scheduler threads
%% (involuntary context switches): lateness that comes from outside the VM,
%% e.g. other programs on a shared machine. Linux only; 0 elsewhere.
scheduler_preemptions() ->
    case file:list_dir("/proc/self/task") of
        {ok, Tids} -> lists:sum([thread_preemptions(T) || T <- Tids]);
        {error, _} -> 0
    end.

thread_preemptions(Tid) ->
    Dir = "/proc/self/task/" ++ Tid,
    Comm = case file:read_file(Dir ++ "/comm") of {ok, C} -> C; _ -> <<>> end,
    case re:run(Comm, "^[0-9]+_scheduler\\s*$", [{capture, none}]) of
        match ->
            case file:read_file(Dir ++ "/status") of
                {ok, Status} ->
                    case binary:split(Status, <<"nonvoluntary_ctxt_switches:">>) of
                        [_, Rest] -> binary_to_integer(hd(string:lexemes(Rest, " \t\n")));
                        _ -> 0
                    end;
                _ -> 0
            end;
        _ -> 0
    end.

%%% ------------------------------------------------------------------
%%% A process with a huge mailbox
%%% ------------------------------------------------------------------

%% A process stuck in a selective receive (like a caller waiting for a reply
%% that never comes) while N messages pile up, sent by one producer per
%% scheduler. The messages look like an application's: a tuple with a small
%% binary.
mailbox(N) ->
    garbage_collect(),
    Before = erlang:memory(total),
    Owner = spawn(fun() -> Ref = make_ref(), receive {Ref, never} -> ok end end),
    register(bench_mailbox, Owner),
    S = erlang:system_info(schedulers_online),
    {Us, ok} = timer:tc(
                 fun() ->
                         Producers = [spawn_monitor(fun() -> send_n(Owner, I, N div S) end)
                                      || I <- lists:seq(1, S)],
                         _ = [receive {'DOWN', R, process, P, normal} -> ok end || {P, R} <- Producers],
                         ok
                 end),
    Len = wait_queue(Owner, (N div S) * S, 200),
    #{pid => list_to_binary(pid_to_list(Owner)), queued => Len, fillMs => Us / 1000,
      memoryBefore => Before, memoryAfter => erlang:memory(total)}.

send_n(_, _, 0) -> ok;
send_n(To, Producer, K) ->
    To ! {order, Producer, K, <<"customer-", (integer_to_binary(K))/binary, "-pending">>},
    send_n(To, Producer, K - 1).

wait_queue(Pid, Want, Tries) ->
    {message_queue_len, Len} = erlang:process_info(Pid, message_queue_len),
    case Len >= Want orelse Tries =:= 0 of
        true -> Len;
        false -> timer:sleep(10), wait_queue(Pid, Want, Tries - 1)
    end.

%% What the agent refuses to do: copy the mailbox (the only way OTP offers
%% to read it), here in a fresh process that reports the node's memory right
%% after the copy and then dies with it.
mailbox_copy() ->
    Owner = whereis(bench_mailbox),
    garbage_collect(),
    Before = erlang:memory(total),
    fresh_measure(
      fun() ->
              {Us, {messages, Ms}} = timer:tc(erlang, process_info, [Owner, messages]),
              #{copyMs => Us / 1000, copied => length(Ms),
                memoryDelta => erlang:memory(total) - Before}
      end, 30000).

%%% ------------------------------------------------------------------
%%% A gen_server with a huge state
%%% ------------------------------------------------------------------

%% The state is built inside the server (never copied in): a map of users
%% and a list of log entries, plain heap terms of about Mb megabytes.
big_state(Mb) ->
    garbage_collect(),
    Before = erlang:memory(total),
    {Us, {ok, Pid}} = timer:tc(gen_server, start, [{local, bench_big_state}, ?MODULE, {big_state, Mb},
                                                   [{timeout, 60000}]]),
    {Words, Entries} = gen_server:call(Pid, size, 60000),
    #{pid => list_to_binary(pid_to_list(Pid)), bytes => Words * erlang:system_info(wordsize),
      entries => Entries, buildMs => Us / 1000,
      memoryBefore => Before, memoryAfter => erlang:memory(total)}.

init({big_state, Mb}) ->
    %% About 167 bytes per user entry and log entry on average (measured with
    %% erts_debug:flat_size/1 below; the answer reports the exact size).
    N = Mb * 1024 * 1024 div (2 * 167),
    Users = maps:from_list([{K, {user, K, <<"user-", (integer_to_binary(K))/binary, "@example.com">>,
                                 [admin, {age, K rem 90}], #{plan => free, since => K * 1000}}}
                            || K <- lists:seq(1, N)]),
    Log = [{log, K, info, <<"request served in ", (integer_to_binary(K rem 997))/binary, " ms">>}
           || K <- lists:seq(1, N)],
    {ok, #{users => Users, log => Log, counter => 0}}.

handle_call(size, _From, State) ->
    {reply, {erts_debug:flat_size(State), 2 * map_size(maps:get(users, State))}, State};
handle_call(hash, _From, State) ->
    {reply, erlang:phash2(State), State}.

handle_cast(_Msg, State) -> {noreply, State}.
handle_info(_Msg, State) -> {noreply, State}.

%% sys:get_state/1 copies the whole state into the caller; here a fresh
%% process that reports the time and the node's memory right after the copy.
get_state_cost() ->
    Pid = whereis(bench_big_state),
    garbage_collect(),
    Before = erlang:memory(total),
    fresh_measure(
      fun() ->
              {Us, State} = timer:tc(sys, get_state, [Pid, 30000]),
              #{getStateMs => Us / 1000, bytes => erts_debug:flat_size(State) * erlang:system_info(wordsize),
                memoryDelta => erlang:memory(total) - Before}
      end, 60000).

%% What a naive dump does: sys:get_state/1, then io_lib:format("~p") with no
%% limit. Bounded here: a fresh process, killed after TimeoutMs or when its
%% heap passes 4 GB.
format_unbounded(TimeoutMs) ->
    Pid = whereis(bench_big_state),
    garbage_collect(),
    Before = erlang:memory(total),
    Words = 4 * 1024 * 1024 * 1024 div erlang:system_info(wordsize),
    Self = self(),
    Tag = make_ref(),
    {Worker, Ref} =
        spawn_opt(fun() ->
                          {GetUs, State} = timer:tc(sys, get_state, [Pid, 30000]),
                          Self ! {Tag, got_state, GetUs},
                          {FormatUs, Text} = timer:tc(io_lib, format, ["~p", [State]]),
                          Bytes = try iolist_size(Text)
                                  catch error:badarg -> length(lists:flatten(Text))
                                  end,
                          exit({done, #{getStateMs => GetUs / 1000, formatMs => FormatUs / 1000,
                                        textBytes => Bytes, timedOut => false,
                                        memoryDelta => erlang:memory(total) - Before}})
                  end, [monitor, {max_heap_size, #{size => Words, kill => true, error_logger => false}}]),
    Start = erlang:monotonic_time(microsecond),
    receive
        {'DOWN', Ref, process, Worker, {done, Result}} ->
            receive {Tag, got_state, _} -> ok after 0 -> ok end,
            Result;
        {'DOWN', Ref, process, Worker, killed} ->
            receive {Tag, got_state, _} -> ok after 0 -> ok end,
            #{error => <<"killed at max_heap_size (4 GB)">>,
              elapsedMs => (erlang:monotonic_time(microsecond) - Start) / 1000}
    after TimeoutMs ->
            Delta = erlang:memory(total) - Before,
            exit(Worker, kill),
            receive {'DOWN', Ref, process, Worker, _} -> ok end,
            GetMs = receive {Tag, got_state, GetUs} -> GetUs / 1000 after 0 -> null end,
            #{timedOut => true, timeoutMs => TimeoutMs, getStateMs => GetMs, memoryDelta => Delta}
    end.

%% Run F in a fresh process that exits with F's map; bounded by TimeoutMs.
fresh_measure(F, TimeoutMs) ->
    {Pid, Ref} = spawn_monitor(fun() -> exit({done, F()}) end),
    receive
        {'DOWN', Ref, process, Pid, {done, Result}} -> Result;
        {'DOWN', Ref, process, Pid, Other} ->
            #{error => iolist_to_binary(io_lib:format("~P", [Other, 10]))}
    after TimeoutMs ->
            exit(Pid, kill),
            #{error => <<"timed out">>}
    end.

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
