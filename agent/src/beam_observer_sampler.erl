%%% The load sampler: one process per subscription of a connection (one per
%%% node), linked to the connection.
%%%
%%% Every interval it sends one `load/sample' notification built from
%%% node-wide counters only (no process is asked anything), so a sample
%%% costs microseconds whatever the number of processes.
%%%
%%% Run queues are read several times per interval and averaged, with the
%%% maximum kept: timer-bursty load gives a long run queue at low utilisation
%%% that a single reading per second misses or exaggerates.
%%%
%%% `scheduler_wall_time' is switched on by this process; OTP keeps that flag
%%% per process, so it goes off again when the last sampler ends.
-module(beam_observer_sampler).

-export([run/3, start_linked/3, sample/1, first_reading/0]).
%% Pure parts, exported for tests.
-export([utilisation/4, run_queue_stats/1, os_cpu_ticks/1, debugger_delta/2]).

-define(CLOCK_TICKS_PER_SECOND, 100).   %% USER_HZ on Linux

%% How samples reach the connection: each as a whole `load/sample'
%% notification it sends on, or, for a cluster subscription, as encoded
%% params it batches with the other members' (beam_observer_cluster_load).
-type delivery() :: notification | batched.
-export_type([delivery/0]).

%% A sampler in this node for a connection process of another node's agent
%% (see beam_observer_cluster): linked to it, so either ending ends both.
-spec start_linked(pid(), pos_integer(), delivery()) -> pid().
start_linked(Conn, IntervalMs, Delivery) ->
    spawn(fun() ->
                  link(Conn),
                  beam_observer_registry:add(self(), sampler),
                  run(Conn, IntervalMs, Delivery)
          end).

-spec run(pid(), pos_integer(), delivery()) -> no_return().
run(Conn, IntervalMs, Delivery) ->
    erlang:system_flag(scheduler_wall_time, true),
    Readings = max(2, min(20, IntervalMs div 100)),
    Plan = #{conn => Conn, interval_ms => IntervalMs, step => max(1, IntervalMs div Readings), delivery => Delivery},
    Prev = first_reading(),
    loop(Plan, Prev, maps:get(monotonic_ms, Prev) + IntervalMs, []).

loop(Plan = #{interval_ms := IntervalMs, step := Step}, Prev, Deadline, Queues) ->
    Queues1 = [erlang:statistics(run_queue_lengths_all) | Queues],
    Now = erlang:monotonic_time(millisecond),
    case Now + Step div 2 < Deadline of
        true ->
            timer:sleep(min(Step, Deadline - Now)),
            loop(Plan, Prev, Deadline, Queues1);
        false ->
            Start = erlang:monotonic_time(microsecond),
            {Sample, Next} = sample(Prev#{queues => Queues1}),
            deliver(Plan, Sample),
            beam_observer_budget:charge(sampler, erlang:monotonic_time(microsecond) - Start),
            %% Keep the sampler's heap small between samples.
            erlang:garbage_collect(),
            %% If the node was too busy to wake us in time, start afresh rather than catch up.
            NextDeadline = max(Deadline + IntervalMs, Now + Step),
            loop(Plan, Next, NextDeadline, [])
    end.

deliver(#{conn := Conn, delivery := notification}, Sample) ->
    Conn ! {load_sample, iolist_to_binary(beam_observer_json:encode(
                             #{jsonrpc => <<"2.0">>, method => <<"load/sample">>, params => Sample}))};
deliver(#{conn := Conn, delivery := batched}, Sample) ->
    Conn ! {cluster_sample, node(), iolist_to_binary(beam_observer_json:encode(Sample))}.

%% Counters whose deltas make a sample.
-spec first_reading() -> map().
first_reading() ->
    {{input, In}, {output, Out}} = erlang:statistics(io),
    {Reductions, _} = erlang:statistics(reductions),
    {Gcs, Reclaimed, _} = erlang:statistics(garbage_collection),
    #{monotonic_ms => erlang:monotonic_time(millisecond),
      wall => lists:sort(wall_time()),
      io_in => In, io_out => Out,
      reductions => Reductions, gcs => Gcs, reclaimed => Reclaimed,
      os_ticks => os_cpu_ticks(read_proc_stat()),
      agent_reductions => agent_reductions(),
      debugger => debugger_reductions(),
      agent_busy_us => beam_observer_registry:busy_us(),
      agent_by_kind => [{Kind, beam_observer_registry:busy_us(Kind)} || Kind <- beam_observer_budget:kinds()]}.

wall_time() ->
    case erlang:statistics(scheduler_wall_time_all) of
        undefined -> [];
        List -> List
    end.

%% Build the sample for the interval since Prev; return it with the readings
%% that become the next interval's baseline.
-spec sample(map()) -> {map(), map()}.
sample(Prev) ->
    Cur = first_reading(),
    ElapsedMs = max(1, maps:get(monotonic_ms, Cur) - maps:get(monotonic_ms, Prev)),
    Normal = erlang:system_info(schedulers),
    DirtyCpu = erlang:system_info(dirty_cpu_schedulers),
    DirtyIo = erlang:system_info(dirty_io_schedulers),
    Online = {erlang:system_info(schedulers_online), erlang:system_info(dirty_cpu_schedulers_online)},
    Util = utilisation(maps:get(wall, Prev), maps:get(wall, Cur), {Normal, DirtyCpu}, Online),
    Queues = run_queue_stats(maps:get(queues, Prev, [])),
    Memory = maps:from_list(erlang:memory()),
    Logical = logical_cpus(),
    OsCpu = case {maps:get(os_ticks, Prev), maps:get(os_ticks, Cur)} of
                {T0, T1} when is_integer(T0), is_integer(T1) ->
                    Cores = (T1 - T0) / ?CLOCK_TICKS_PER_SECOND / (ElapsedMs / 1000),
                    #{cores => round4(Cores), share => round4(Cores / Logical),
                      logicalCpus => Logical};
                _ -> null
            end,
    Sample =
        #{node => node(),
          timestamp => erlang:system_time(millisecond),
          intervalMs => ElapsedMs,
          schedulers => #{total => Normal,
                          online => erlang:system_info(schedulers_online),
                          dirtyCpu => DirtyCpu,
                          dirtyCpuOnline => erlang:system_info(dirty_cpu_schedulers_online),
                          dirtyIo => DirtyIo},
          utilisation => Util,
          runQueue => Queues,
          memory => #{total => maps:get(total, Memory),
                      processes => maps:get(processes, Memory),
                      processesUsed => maps:get(processes_used, Memory),
                      binary => maps:get(binary, Memory),
                      ets => maps:get(ets, Memory),
                      atom => maps:get(atom, Memory),
                      atomUsed => maps:get(atom_used, Memory),
                      code => maps:get(code, Memory),
                      system => maps:get(system, Memory)},
          io => #{inBytes => delta(io_in, Prev, Cur), outBytes => delta(io_out, Prev, Cur)},
          processes => #{count => erlang:system_info(process_count),
                         limit => erlang:system_info(process_limit)},
          ports => #{count => erlang:system_info(port_count),
                     limit => erlang:system_info(port_limit)},
          atoms => #{count => erlang:system_info(atom_count),
                     limit => erlang:system_info(atom_limit)},
          reductions => delta(reductions, Prev, Cur),
          garbageCollections => #{count => delta(gcs, Prev, Cur),
                                  wordsReclaimed => delta(reclaimed, Prev, Cur)},
          osCpu => OsCpu,
          agent => #{reductions => delta(agent_reductions, Prev, Cur),
                     busyUs => delta(agent_busy_us, Prev, Cur),
                     %% Where the time went (the budget's kinds; the rest is requests).
                     byKind => by_kind(maps:get(agent_by_kind, Prev), maps:get(agent_by_kind, Cur)),
                     budget => beam_observer_budget:status()},
          debugger => debugger_delta(maps:get(debugger, Prev), maps:get(debugger, Cur))},
    {Sample, Cur}.

delta(Key, Prev, Cur) -> max(0, maps:get(Key, Cur) - maps:get(Key, Prev)).

by_kind(Prev, Cur) ->
    maps:from_list([{Kind, max(0, Us - proplists:get_value(Kind, Prev, 0))} || {Kind, Us} <- Cur]).

%% Utilisation per scheduler from two `scheduler_wall_time_all' readings.
%% Ids 1..N are normal schedulers, then dirty CPU, then dirty IO ones. The
%% averages cover the online schedulers only (the lowest ids): offline ones
%% read 0 and would make a saturated node look partly idle.
-spec utilisation([tuple()], [tuple()], {pos_integer(), non_neg_integer()},
                  {pos_integer(), non_neg_integer()}) -> map().
utilisation(Prev, Cur, {Normal, DirtyCpu}, {NormalOnline, DirtyCpuOnline}) ->
    PrevById = maps:from_list([{Id, {A, T}} || {Id, A, T} <- Prev]),
    Per = [begin
               {A0, T0} = maps:get(Id, PrevById, {A, T}),
               {Id, ratio(A - A0, T - T0)}
           end || {Id, A, T} <- lists:sort(Cur)],
    {NormalU, Rest} = lists:split(min(Normal, length(Per)), [U || {_, U} <- Per]),
    {DirtyCpuU, DirtyIoU} = lists:split(min(DirtyCpu, length(Rest)), Rest),
    #{normal => NormalU, dirtyCpu => DirtyCpuU, dirtyIo => DirtyIoU,
      normalAvg => average(lists:sublist(NormalU, NormalOnline)),
      dirtyCpuAvg => average(lists:sublist(DirtyCpuU, DirtyCpuOnline))}.

ratio(_, Total) when Total =< 0 -> 0.0;
ratio(Active, Total) -> round4(min(1.0, max(0.0, Active / Total))).

average([]) -> 0.0;
average(L) -> round4(lists:sum(L) / length(L)).

%% Average and maximum of several `run_queue_lengths_all' readings: one
%% entry per normal scheduler, then the dirty CPU and dirty IO queues.
-spec run_queue_stats([[non_neg_integer()]]) -> map().
run_queue_stats([]) ->
    run_queue_stats([erlang:statistics(run_queue_lengths_all)]);
run_queue_stats(Readings) ->
    N = length(Readings),
    Columns = transpose(Readings),
    Avg = [round4(lists:sum(C) / N) || C <- Columns],
    Max = [lists:max(C) || C <- Columns],
    Totals = [lists:sum(lists:droplast(lists:droplast(R))) || R <- Readings],
    {NormalAvg, [DirtyCpuAvg, DirtyIoAvg]} = lists:split(length(Avg) - 2, Avg),
    {NormalMax, [DirtyCpuMax, DirtyIoMax]} = lists:split(length(Max) - 2, Max),
    #{readings => N,
      normal => #{avg => NormalAvg, max => NormalMax},
      dirtyCpu => #{avg => DirtyCpuAvg, max => DirtyCpuMax},
      dirtyIo => #{avg => DirtyIoAvg, max => DirtyIoMax},
      totalAvg => round4(lists:sum(Totals) / N),
      totalMax => lists:max(Totals)}.

transpose([[] | _]) -> [];
transpose(Rows) -> [[H || [H | _] <- Rows] | transpose([T || [_ | T] <- Rows])].

round4(X) -> round(X * 10000) / 10000.

logical_cpus() ->
    case erlang:system_info(logical_processors_available) of
        N when is_integer(N), N > 0 -> N;
        _ ->
            case erlang:system_info(logical_processors) of
                N when is_integer(N), N > 0 -> N;
                _ -> erlang:system_info(schedulers)
            end
    end.

read_proc_stat() ->
    case file:read_file("/proc/self/stat") of
        {ok, Bin} -> Bin;
        {error, _} -> undefined
    end.

%% utime + stime of the VM, in clock ticks, from /proc/self/stat. The command
%% name in field 2 may hold spaces, so split after its closing parenthesis.
-spec os_cpu_ticks(binary() | undefined) -> non_neg_integer() | undefined.
os_cpu_ticks(undefined) -> undefined;
os_cpu_ticks(Stat) ->
    try
        [_, AfterComm] = string:split(Stat, <<")">>, trailing),
        Fields = string:lexemes(AfterComm, " "),
        %% Field 3 (state) is the first after the name; utime is 14, stime 15.
        binary_to_integer(lists:nth(12, Fields)) + binary_to_integer(lists:nth(13, Fields))
    catch
        _:_ -> undefined
    end.

%% Reductions of the debugger's processes (see beam_observer_debugger), by pid.
debugger_reductions() ->
    maps:from_list([{Pid, R} || Pid <- beam_observer_debugger:pids(),
                                {reductions, R} <- [erlang:process_info(Pid, reductions)]]).

%% What the debugger ran during the interval; null when no debugger runs.
%% A process new since the last reading counts its total.
-spec debugger_delta(#{pid() => non_neg_integer()}, #{pid() => non_neg_integer()}) ->
          #{reductions := non_neg_integer(), processes := non_neg_integer()} | null.
debugger_delta(_Prev, Cur) when map_size(Cur) =:= 0 -> null;
debugger_delta(Prev, Cur) ->
    #{reductions => lists:sum([max(0, R - maps:get(Pid, Prev, 0)) || {Pid, R} <- maps:to_list(Cur)]),
      processes => map_size(Cur)}.

agent_reductions() ->
    lists:sum([R || Pid <- beam_observer_registry:pids(),
                    {reductions, R} <- [erlang:process_info(Pid, reductions)]]).
