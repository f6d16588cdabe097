%%% Reading a module's call counters: `call_count' (the cheapest counter the
%%% runtime has: no message, no process flag) and, when asked, `call_time'
%%% (accumulated time per function, measured in processes with the `call'
%%% flag). Read as deltas since the previous read, so a client turns them
%%% into rates.
%%%
%%% On OTP 25 `erlang:trace_info(MFA, call_time)' lists one entry per
%%% process that called the function; summing them costs a little per
%%% process that ever called it.
-module(beam_observer_trace_counts).

-export([read/3]).

-type totals() :: #{{atom(), arity()} => {non_neg_integer(), non_neg_integer() | null}}.
-export_type([totals/0]).

%% The functions whose counters moved since Previous, and the new totals.
%% `stale' when the counters are gone: the module was reloaded (recompiled,
%% or interpreted by a debugger) or unloaded, which drops them.
%% MFAs are the module's functions when counting started: asking the
%% module again (module_info/1) would count as one of its calls.
-spec read([mfa()], boolean(), totals()) -> {ok, [map()], totals()} | stale.
read(MFAs, Time, Previous) ->
    Read = [{{F, A}, counts(MFA, Time)} || {_, F, A} = MFA <- MFAs],
    case [x || {_, {Count, _}} <- Read, Count =/= false] of
        [] when Read =/= [] -> stale;
        _ ->
            Totals = maps:from_list([{FA, C} || {FA, {Count, _} = C} <- Read, Count =/= false]),
            Rows = [row(FA, C, maps:get(FA, Previous, {0, zero(Time)}), Time)
                    || {FA, C} <- maps:to_list(Totals), moved(C, maps:get(FA, Previous, {0, zero(Time)}))],
            {ok, lists:sort(Rows), Totals}
    end.

counts(MFA, Time) ->
    %% undefined: the module is gone (deleted); its counters with it.
    Count = case erlang:trace_info(MFA, call_count) of
                {call_count, C} -> C;
                _ -> false
            end,
    case Time of
        false -> {Count, null};
        true ->
            case erlang:trace_info(MFA, call_time) of
                {call_time, PerProcess} when is_list(PerProcess) ->
                    {Count, lists:sum([S * 1000000 + Us || {_Pid, _N, S, Us} <- PerProcess])};
                _ ->
                    {Count, 0}
            end
    end.

zero(true) -> 0;
zero(false) -> null.

moved({Count, Time}, {Count0, Time0}) -> Count =/= Count0 orelse Time =/= Time0.

row({F, A}, {Count, Time}, {Count0, Time0}, WithTime) ->
    #{function => F, arity => A,
      %% A counter restarted by someone else reads lower: count from zero.
      calls => delta(Count, Count0),
      timeUs => case WithTime of
                    true -> delta(Time, Time0);
                    false -> null
                end}.

delta(Now, Before) when Now >= Before -> Now - Before;
delta(Now, _) -> Now.
