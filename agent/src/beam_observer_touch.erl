%%% The agent's own effect on the reductions it reports.
%%%
%%% Reading another process's `current_function', `memory', `links',
%%% `dictionary', `current_stacktrace' (or `messages', `total_heap_size')
%%% is a signal the target handles itself, and it costs the target one
%%% reduction per process_info/2 call, whatever the number of such items
%%% (measured on OTP 25; the reductions in the reply are read before that
%%% one is counted). Every row a client shows is read that way at each
%%% refresh, so without correction every idle process in the tree would read
%%% "1 reds/s" where Observer shows 0.
%%%
%%% So every such read is counted here, per target, in a ledger per
%%% *baseline owner* (the ranking server, the recorder): a sweep that
%%% computes reductions since its previous sweep takes its ledger's counts
%%% (drain/1) and subtracts them from those processes' change. Each owner
%%% drains only its own ledger, so a read counts once in each window it
%%% fell into. A ledger holds only the reads since its owner's last sweep,
%%% and every sweep forgets the processes it found gone (forget/1) in every
%%% ledger, so an owner that does not sweep for a while holds at most the
%%% live processes read meanwhile.
%%%
%%% The table is public and owned by the agent's supervisor (created by
%%% create/0 in its init), like the registry, so it outlives any child.
-module(beam_observer_touch).

-export([create/0, open/1, signalled/1, drain/1, forget/1]).

-define(TAB, beam_observer_touch).

-spec create() -> ok.
create() ->
    _ = ets:new(?TAB, [named_table, public, set, {write_concurrency, true}]),
    true = ets:insert(?TAB, {owners, []}),
    ok.

%% A baseline owner starts its ledger; reads are counted for it from now on.
-spec open(atom()) -> ok.
open(Owner) ->
    try
        Owners = ets:lookup_element(?TAB, owners, 2),
        true = ets:insert(?TAB, {owners, lists:usort([Owner | Owners])}),
        ok
    catch
        error:badarg -> ok
    end.

%% The agent has just sent these processes one signalling read each.
-spec signalled([pid()]) -> ok.
signalled([]) ->
    ok;
signalled(Pids) ->
    try ets:lookup_element(?TAB, owners, 2) of
        Owners ->
            _ = [ets:update_counter(?TAB, {Owner, Pid}, 1, {{Owner, Pid}, 0})
                 || Owner <- Owners, Pid <- Pids, node(Pid) =:= node()],
            ok
    catch
        error:badarg -> ok
    end.

%% The reads counted for Owner since its previous drain, by pid, and a fresh
%% ledger. (A read counted between the select and the delete is lost: one
%% reduction, once.)
-spec drain(atom()) -> #{pid() => pos_integer()}.
drain(Owner) ->
    Pattern = {{Owner, '$1'}, '$2'},
    try
        Counts = ets:select(?TAB, [{Pattern, [], [{{'$1', '$2'}}]}]),
        _ = ets:select_delete(?TAB, [{Pattern, [], [true]}]),
        maps:from_list(Counts)
    catch
        error:badarg -> #{}
    end.

%% These processes are gone: drop them from every ledger.
-spec forget([pid()]) -> ok.
forget([]) ->
    ok;
forget(Gone) ->
    try {ets:info(?TAB, size), ets:lookup_element(?TAB, owners, 2)} of
        {1, _} ->
            ok;   %% only the owners row: no ledger holds a read
        {_, Owners} ->
            _ = [ets:delete(?TAB, {Owner, Pid}) || Owner <- Owners, Pid <- Gone],
            ok
    catch
        error:badarg -> ok
    end.
