%%% One budget for what observing costs a node: the agent's periodic work
%%% (the load sampler, the process tree's sweeps, the recorder, the cluster's
%%% batches, traces' bookkeeping) shares one allowance, by default 2% of one
%%% scheduler, set for the node by any client (budget/set) and so shared by
%%% every client of it.
%%%
%%% The allowance is a bucket of scheduler time: it fills at `share'
%%% microseconds per microsecond of wall time, up to `share' x ?WINDOW_MS
%%% (a few seconds of allowance, so a quiet agent may spend a short burst),
%%% and every piece of periodic work is charged to it *after* it ran, with
%%% what it took. It may go below zero: a sweep of 1,000,000 processes costs
%%% about a second, which at 2% the bucket pays back over 50 s. Work that can
%%% wait asks first (periodic/0): the tree's periodic sweeps run only while
%%% the bucket is not in debt, and are otherwise answered from the last sweep
%%% (beam_observer_ranking). So over any span T the agent's periodic work
%%% costs at most share x T, plus one window's allowance, plus the cost of one
%%% piece of work.
%%%
%%% What cannot wait is charged but not refused: the sampler (its cost is
%%% about 0.1 ms a second), the recorder (which plans its own interval within
%%% half the budget, recorder_share/0) and the cluster's batches. A user's
%%% explicit refresh is honoured at once even in debt, once: until the bucket
%%% has paid that debt back, a further explicit request is answered from the
%%% last sweep of its rows, if there is one (overdraft(explicit); see
%%% beam_observer_ranking). Rows never swept before (a client's first
%%% look, or a client that changed its sort without saying it was the user)
%%% have an overdraft of their own, on the same terms (overdraft(first_look)),
%%% so a client's first look never spends the user's.
%%%
%%% Every charge is also counted by kind (beam_observer_registry's busy
%%% counters), so a sample says where the time went.
%%%
%%% The state lives in the agent's registry table (public ETS), read and
%%% updated by whichever process does the work: no server to call on the way.
%%% Updates that clamp the bucket at its cap race harmlessly (the loser's
%%% clamp is lost: the bucket holds a little less than its cap).
-module(beam_observer_budget).

-export([init/0, share/0, set_share/1, charge/2, charge_within_request/2,
         periodic/0, overdraft/1, recorder_share/0, status/0, kinds/0]).
%% Pure parts, exported for tests.
-export([balance/4, wait_ms/2]).

-define(TAB, beam_observer_registry).
-define(WINDOW_MS, 5000).       %% the bucket holds this much time's allowance
-define(RECORDER_SHARE, 0.01).  %% the recorder's own cap (issue 14), within half the budget

-type kind() :: sampler | sweeps | explicit | recorder | cluster | trace.
-export_type([kind/0]).

%% The kinds of work charged to the budget, in the order samples list them.
-spec kinds() -> [kind()].
kinds() -> [sampler, sweeps, explicit, recorder, cluster, trace].

%% Called once when the registry is created: the configured share, a full bucket.
-spec init() -> ok.
init() ->
    Share = maps:get(budget_share, beam_observer_config:limits()),
    Now = now_us(),
    catch ets:insert(?TAB, [{{budget, share}, Share},
                            {{budget, base}, {Now, cap_us(Share)}},
                            {{budget, charged}, 0},
                            {{budget, overdraft, explicit}, false},
                            {{budget, overdraft, first_look}, false}]),
    ok.

-spec share() -> float().
share() ->
    try ets:lookup_element(?TAB, {budget, share}, 2)
    catch error:badarg -> maps:get(budget_share, beam_observer_config:limits())
    end.

%% Change the node's budget: the bucket keeps what it holds (at most the new cap).
-spec set_share(float()) -> map().
set_share(Share) when is_float(Share) ->
    Now = now_us(),
    Held = min(cap_us(Share), current_balance(Now)),
    Charged = charged(),
    catch ets:insert(?TAB, [{{budget, share}, Share}, {{budget, base}, {Now, Held + Charged}}]),
    status().

%% Work done outside a request's worker (the sampler, the recorder, the
%% cluster's batches, a tracer): it counts in the agent's busy time and in
%% the budget.
-spec charge(kind(), integer()) -> ok.
charge(Kind, Us) ->
    beam_observer_registry:add_busy_us(Us),
    charge_within_request(Kind, Us).

%% Work inside a request's worker, whose whole time the worker already counts
%% as busy (beam_observer_registry:agent_work/2): only the budget and the kind.
-spec charge_within_request(kind(), integer()) -> ok.
charge_within_request(Kind, Us) when Us >= 0 ->
    catch ets:update_counter(?TAB, {budget, charged}, Us),
    catch ets:update_counter(?TAB, {busy_us, Kind}, Us, {{busy_us, Kind}, 0}),
    ok;
charge_within_request(_Kind, _Us) ->
    ok.

%% May periodic work run now? ok, or {wait, Ms}: when the bucket is out of debt.
-spec periodic() -> ok | {wait, pos_integer()}.
periodic() ->
    case current_balance(now_us()) of
        Balance when Balance >= 0 ->
            %% Out of debt: each overdraft may be used again.
            catch ets:insert(?TAB, [{{budget, overdraft, explicit}, false},
                                    {{budget, overdraft, first_look}, false}]),
            ok;
        Balance ->
            {wait, wait_ms(Balance, share())}
    end.

%% May work that should not wait run now: a user's explicit request, or a
%% first look at rows never swept? Always when the bucket is not in debt; in
%% debt, once for each: the next waits until the debt is paid back.
-spec overdraft(explicit | first_look) -> ok | {wait, pos_integer()}.
overdraft(Which) ->
    case periodic() of
        ok ->
            ok;
        {wait, Ms} ->
            try ets:lookup_element(?TAB, {budget, overdraft, Which}, 2) of
                false ->
                    catch ets:insert(?TAB, {{budget, overdraft, Which}, true}),
                    ok;
                true ->
                    {wait, Ms}
            catch error:badarg ->
                ok
            end
    end.

%% The recorder's share: its own 1%, or half the budget when that is smaller,
%% so the tree always has the other half.
-spec recorder_share() -> float().
recorder_share() ->
    min(?RECORDER_SHARE, share() / 2).

%% The budget as samples and budget/set report it.
-spec status() -> map().
status() ->
    Share = share(),
    Balance = current_balance(now_us()),
    #{share => Share,
      windowMs => ?WINDOW_MS,
      balanceUs => round(Balance),
      nextPeriodicInMs => case Balance >= 0 of
                              true -> 0;
                              false -> wait_ms(Balance, Share)
                          end}.

%%% ------------------------------------------------------------------
%%% The bucket
%%% ------------------------------------------------------------------

%% What the bucket holds now, clamped at its cap (the clamp is stored).
current_balance(Now) ->
    Share = share(),
    {Since, Credit} = try ets:lookup_element(?TAB, {budget, base}, 2)
                      catch error:badarg -> {Now, cap_us(Share)}
                      end,
    Charged = charged(),
    Cap = cap_us(Share),
    case balance(Credit, Share * (Now - Since), Charged, Cap) of
        {clamped, Balance} ->
            catch ets:insert(?TAB, {{budget, base}, {Now, Cap + Charged}}),
            Balance;
        Balance ->
            Balance
    end.

%% Credit (what was granted up to the base, plus what accrued since) less
%% what was charged; {clamped, Cap} when that is over the cap.
-spec balance(number(), number(), number(), number()) -> number() | {clamped, number()}.
balance(Credit, Accrued, Charged, Cap) ->
    case Credit + Accrued - Charged of
        B when B > Cap -> {clamped, Cap};
        B -> B
    end.

%% Milliseconds until a balance below zero is paid back at `share'.
-spec wait_ms(number(), float()) -> pos_integer().
wait_ms(Balance, Share) ->
    max(1, ceil(-Balance / Share / 1000)).

cap_us(Share) -> Share * ?WINDOW_MS * 1000.

charged() ->
    try ets:lookup_element(?TAB, {budget, charged}, 2)
    catch error:badarg -> 0
    end.

now_us() -> erlang:monotonic_time(microsecond).
