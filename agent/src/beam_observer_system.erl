%%% system/info: what the node runs (versions, uptime, schedulers), how close
%%% it is to its limits (processes, ports, atoms, ETS tables: count and
%%% limit), and its memory, by kind and by allocator, with how much of what
%%% the allocators hold from the OS is in use (fragmentation, as recon_alloc
%%% reports it: blocks' size against carriers' size).
%%%
%%% What it costs the node (docs/protocol.md has the figures): counts, limits
%%% and versions are read from the runtime without locks (under 1 us each);
%%% `erlang:memory/0' walks the allocators' counters (tens of us);
%%% `erlang:system_info({allocator_sizes, ...})' asks every scheduler's
%%% allocator instances for their sizes (about 0.5 ms on 2 schedulers, the
%%% dearest part, and the one observer_backend:sys_info/0 also reads). No
%%% process is asked anything.
-module(beam_observer_system).

-export([info/0]).
%% Pure part, exported for tests.
-export([allocator_family/2]).

-spec info() -> {ok, map()}.
info() ->
    Start = erlang:monotonic_time(microsecond),
    Allocators = allocators(),
    {UptimeMs, _} = erlang:statistics(wall_clock),
    Result = #{otpRelease => list_to_binary(erlang:system_info(otp_release)),
               ertsVersion => list_to_binary(erlang:system_info(version)),
               elixirVersion => beam_observer_format:elixir_version(),
               systemArchitecture => list_to_binary(erlang:system_info(system_architecture)),
               wordSize => erlang:system_info(wordsize),
               uptimeMs => UptimeMs,
               schedulers => #{total => erlang:system_info(schedulers),
                               online => erlang:system_info(schedulers_online),
                               dirtyCpu => erlang:system_info(dirty_cpu_schedulers),
                               dirtyCpuOnline => erlang:system_info(dirty_cpu_schedulers_online),
                               dirtyIo => erlang:system_info(dirty_io_schedulers)},
               logicalProcessors => #{total => known(erlang:system_info(logical_processors)),
                                      online => known(erlang:system_info(logical_processors_online)),
                                      available => known(erlang:system_info(logical_processors_available))},
               limits => #{processes => limit(process_count, process_limit, true),
                           ports => limit(port_count, port_limit, true),
                           atoms => limit(atom_count, atom_limit, true),
                           %% Not enforced since OTP 20: tables are limited by memory only.
                           etsTables => limit(ets_count, ets_limit, false)},
               memory => memory(),
               allocators => Allocators},
    {ok, Result#{elapsedMs => (erlang:monotonic_time(microsecond) - Start) / 1000}}.

known(N) when is_integer(N) -> N;
known(_) -> null.

limit(CountItem, LimitItem, Enforced) ->
    Count = erlang:system_info(CountItem),
    Limit = erlang:system_info(LimitItem),
    #{count => Count, limit => Limit, ratio => Count / max(1, Limit), enforced => Enforced}.

memory() ->
    M = maps:from_list(erlang:memory()),
    #{total => maps:get(total, M, 0),
      processes => maps:get(processes, M, 0),
      processesUsed => maps:get(processes_used, M, 0),
      system => maps:get(system, M, 0),
      atom => maps:get(atom, M, 0),
      atomUsed => maps:get(atom_used, M, 0),
      binary => maps:get(binary, M, 0),
      code => maps:get(code, M, 0),
      ets => maps:get(ets, M, 0)}.

%% Per allocator family (eheap_alloc, binary_alloc, ets_alloc...): the bytes
%% its carriers hold from the OS and the bytes of blocks in use in them.
allocators() ->
    Families = try
                   Names = erlang:system_info(alloc_util_allocators),
                   [allocator_family(Name, Instances)
                    || {Name, Instances} <- erlang:system_info({allocator_sizes, Names}), is_list(Instances)]
               catch
                   _:_ -> []
               end,
    Carriers = lists:sum([maps:get(carriersBytes, F) || F <- Families]),
    Blocks = lists:sum([maps:get(blocksBytes, F) || F <- Families]),
    #{families => lists:sort(fun(A, B) -> maps:get(carriersBytes, A) >= maps:get(carriersBytes, B) end, Families),
      carriersBytes => Carriers,
      blocksBytes => Blocks,
      usage => usage(Blocks, Carriers)}.

%% One family from the instances erlang:system_info({allocator_sizes, Name})
%% gives: {instance, N, [{mbcs, Props}, {sbcs, Props}, {mbcs_pool, Props}]}.
-spec allocator_family(atom(), [term()]) -> map().
allocator_family(Name, Instances) ->
    Sections = [S || {instance, _, Props} <- Instances, is_list(Props), S <- Props],
    Sum = fun(Kinds, Get) -> lists:sum([Get(Props) || {Kind, Props} <- Sections, lists:member(Kind, Kinds),
                                                       is_list(Props)]) end,
    Mbcs = Sum([mbcs, mbcs_pool], fun carriers_size/1),
    Sbcs = Sum([sbcs], fun carriers_size/1),
    Blocks = Sum([mbcs, mbcs_pool, sbcs], fun blocks_size/1),
    #{name => Name,
      instances => length([I || {instance, _, _} = I <- Instances]),
      carriersBytes => Mbcs + Sbcs,
      multiblockCarriersBytes => Mbcs,
      singleblockCarriersBytes => Sbcs,
      blocksBytes => Blocks,
      usage => usage(Blocks, Mbcs + Sbcs)}.

carriers_size(Props) ->
    case lists:keyfind(carriers_size, 1, Props) of
        {carriers_size, Current, _, _} -> Current;
        {carriers_size, Current} -> Current;
        false -> 0
    end.

%% OTP 25 lists blocks by the allocator type that owns them (a pooled
%% carrier holds blocks of other instances); older releases give one size.
blocks_size(Props) ->
    case lists:keyfind(blocks, 1, Props) of
        {blocks, ByType} when is_list(ByType) ->
            lists:sum([Current || {_, Items} <- ByType, is_list(Items),
                                  {size, Current, _, _} <- Items]);
        _ ->
            case lists:keyfind(blocks_size, 1, Props) of
                {blocks_size, Current, _, _} -> Current;
                {blocks_size, Current} -> Current;
                false -> 0
            end
    end.

usage(_, 0) -> null;
usage(Blocks, Carriers) -> Blocks / Carriers.
