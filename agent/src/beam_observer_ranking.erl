%%% Process ranking: the top N processes by reductions, memory or message
%%% queue, in the spirit of Observer's Processes tab and recon's proc_window.
%%%
%%% The sweep itself (beam_observer_sweep) asks every process only items
%%% that do not involve it (`reductions', `message_queue_len', heap sizes),
%%% and keeps only the top N while folding over the pids, against a baseline
%%% of the previous sweep: reductions are the change since then, as in
%%% Observer (a process new since then counts its total), less the
%%% reductions the agent's own reads cost each process (beam_observer_touch).
%%% `memory', `current_function' and the proc_lib initial call are answered
%%% *by the target* (a signal each, queued behind busy schedulers), so they
%%% are asked of the rows returned only. Ranking by memory picks N + N/10
%%% (at least 10 more) candidates by an estimate from the heap sizes, then
%%% orders them by their exact `memory'.
%%%
%%% Resolved proc_lib initial calls are cached in a table of their own (an
%%% initial call never changes, and reading a dictionary costs its process
%%% a signal); entries of processes gone are dropped after each sweep.
%%% One server, so sweeps never run concurrently, and one per node, so the
%%% budget (beam_observer_budget) holds whichever clients ask: a periodic
%%% request while the budget is in debt is answered from the last sweep made
%%% for the same sort, limit and filter, saying how old it is and when the
%%% next sweep is allowed; an explicit one (a user's Refresh Now) runs at once,
%%% once per debt, and always when there is nothing to answer it from. A sweep
%%% is charged to the budget as `sweeps' or `explicit'. The recorder
%%% (beam_observer_recorder) has its own baseline and reads its rows with
%%% rows/3.
-module(beam_observer_ranking).
-behaviour(gen_server).

-include("beam_observer_errors.hrl").

-export([start_link/0, list/1, real_initial_call/2, is_agent_process/2, rows/3, new_call_cache/0,
         forget/2, mfa_text/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).
%% Pure parts, exported for tests.
-export([matches/2]).

-type sort_key() :: reductions | memory | message_queue_len.
-type request() :: #{sort_by := sort_key(), limit := pos_integer(), filter := binary() | none,
                     refresh := periodic | explicit}.

-define(CACHED_KEYS, 8).   %% last results kept, one per sort, limit and filter

-record(state, {baseline :: beam_observer_sweep:baseline(),
                calls :: ets:tid(),
                %% The last result per {sort, limit, filter}, with when it was swept (ms).
                cache = [] :: [{term(), integer(), map()}]}).

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], [{hibernate_after, 1000}]).

%% Waits for the sweep up to 5 s less than the connection lets the request
%% run (request_timeout_ms), so the worker gives up before it is killed.
-spec list(request()) -> {ok, map()}.
list(Request) ->
    #{request_timeout_ms := RequestTimeout} = beam_observer_config:limits(),
    gen_server:call(?MODULE, {list, Request}, RequestTimeout - 5000).

-spec init([]) -> {ok, #state{}}.
init([]) ->
    beam_observer_registry:add(self(), ranking),
    {ok, #state{baseline = beam_observer_sweep:new(ranking), calls = new_call_cache()}}.

%% The request's worker counts the time as the agent's busy time; the budget
%% is charged here, as the kind of refresh it was.
-spec handle_call({list, request()}, gen_server:from(), #state{}) ->
          {reply, {ok, map()} | {error, integer(), binary()}, #state{}}.
handle_call({list, Request = #{refresh := Refresh}}, _From, State) ->
    Key = maps:with([sort_by, limit, filter], Request),
    Cached = lists:keyfind(Key, 1, State#state.cache),
    case {gate(Refresh, Cached), Cached} of
        {ok, _} ->
            {Result, State1} = timed_sweep(Request, Key, State),
            {reply, {ok, Result}, State1};
        {{wait, Ms}, {Key, SweptAt, Result}} ->
            Age = erlang:monotonic_time(millisecond) - SweptAt,
            {reply, {ok, Result#{refresh => refresh_info(false, Age, Ms)}}, State};
        {{wait, _}, false} when Refresh =:= explicit ->
            %% A user's request for rows never swept: nothing to answer from, so swept
            %% (and charged) whatever the debt. A coding agent's questions come this way.
            {Result, State1} = timed_sweep(Request, Key, State),
            {reply, {ok, Result}, State1};
        {{wait, Ms}, false} ->
            {reply, {error, ?BudgetExceeded, over_budget(Ms)}, State}
    end.

-spec handle_cast(term(), #state{}) -> {noreply, #state{}}.
handle_cast(_Msg, State) -> {noreply, State}.

-spec handle_info(term(), #state{}) -> {noreply, #state{}}.
handle_info(_Msg, State) -> {noreply, State}.

%%% ------------------------------------------------------------------
%%% The budget
%%% ------------------------------------------------------------------

%% Whether to sweep now. A periodic request for rows never swept before has
%% nothing to be answered from: it has an overdraft of its own.
gate(periodic, false) ->
    beam_observer_budget:overdraft(first_look);
gate(periodic, _Cached) ->
    beam_observer_budget:periodic();
gate(explicit, _Cached) ->
    beam_observer_budget:overdraft(explicit).

timed_sweep(Request = #{refresh := Refresh}, Key, State) ->
    Start = erlang:monotonic_time(microsecond),
    {Result, State1} = sweep(Request, State),
    Us = erlang:monotonic_time(microsecond) - Start,
    beam_observer_budget:charge_within_request(kind(Refresh), Us),
    #{nextPeriodicInMs := Next} = beam_observer_budget:status(),
    %% The rows are encoded once: an answer from this sweep costs a copy, not an encoding.
    Fresh = Result#{sweepMs => round(Us / 100) / 10,
                    rows := {json, iolist_to_binary(beam_observer_json:encode(maps:get(rows, Result)))}},
    Now = erlang:monotonic_time(millisecond),
    Cache = lists:sublist([{Key, Now, Fresh} | lists:keydelete(Key, 1, State1#state.cache)], ?CACHED_KEYS),
    {Fresh#{refresh => refresh_info(true, 0, Next)}, State1#state{cache = Cache}}.

kind(periodic) -> sweeps;
kind(explicit) -> explicit.

%% How fresh the rows are, and when a periodic request may sweep again.
refresh_info(Fresh, AgeMs, NextMs) ->
    #{fresh => Fresh, ageMs => AgeMs, nextSweepInMs => NextMs,
      budgetShare => beam_observer_budget:share()}.

over_budget(Ms) ->
    iolist_to_binary(io_lib:format(
        "the agent's budget (~s of one scheduler) is spent and there is no earlier sweep "
        "of these rows to answer from; the next sweep is allowed in ~b ms",
        [percent(beam_observer_budget:share()), Ms])).

percent(Share) ->
    Percent = Share * 100,
    case Percent == round(Percent) of
        true -> integer_to_list(round(Percent)) ++ "%";
        false -> float_to_list(Percent, [{decimals, 2}, compact]) ++ "%"
    end.

%%% ------------------------------------------------------------------
%%% The sweep
%%% ------------------------------------------------------------------

sweep(#{sort_by := SortBy, limit := Limit, filter := Filter},
      State = #state{baseline = Baseline, calls = Calls}) ->
    %% Memory candidates are over-selected: the estimate counts the heap blocks
    %% `memory' counts, but not the process structure nor queued messages' data.
    Keep = case SortBy of memory -> Limit + max(10, Limit div 10); _ -> Limit end,
    Match = case Filter of
                none -> none;
                _ -> fun(Pid, Info) -> matches(Filter, filter_texts(Calls, Pid, Info)) end
            end,
    {Found, Baseline1} = beam_observer_sweep:walk(Baseline, #{mode => SortBy, keep => Keep, filter => Match}),
    forget(Calls, maps:get(gone, Found)),
    Selected = [PidWindow || {_, PidWindow} <- maps:get(SortBy, Found)],
    Rows = with_holds(lists:sublist(order_rows(SortBy, rows(Selected, Calls, beam_observer_debugger:meta_pids())),
                                    Limit)),
    Result = #{rows => Rows,
               scanned => maps:get(scanned, Found),
               total => erlang:system_info(process_count),
               sortBy => sort_name(SortBy),
               windowMs => maps:get(window_ms, Found)},
    {Result, State#state{baseline = Baseline1}}.

%% What a filter is matched against: the pid, the registered name and the
%% initial call (the real one for proc_lib processes).
filter_texts(Calls, Pid, Info) ->
    Name = case lists:keyfind(registered_name, 1, Info) of
               {registered_name, N} when is_atom(N), N =/= [] -> [atom_to_binary(N)];
               _ -> []
           end,
    {initial_call, Raw} = lists:keyfind(initial_call, 1, Info),
    [beam_observer_pid:to_binary(Pid), mfa_text(initial_call(Calls, Pid, Raw)) | Name].

%%% ------------------------------------------------------------------
%%% The real initial call, cached
%%% ------------------------------------------------------------------

%% A table of resolved proc_lib initial calls, owned by the caller.
-spec new_call_cache() -> ets:tid().
new_call_cache() ->
    ets:new(beam_observer_initial_calls, [set, private]).

%% Drop the cached initial calls of processes gone.
-spec forget(ets:tid(), [pid()]) -> ok.
forget(Calls, Gone) ->
    _ = [ets:delete(Calls, Pid) || Pid <- Gone],
    ok.

%% The real initial call of a process (real_initial_call/2). Reading a
%% process's dictionary costs it a signal (counted as the agent's own
%% effect), so the answer is cached (an initial call never changes).
initial_call(Calls, Pid, {proc_lib, _, _} = Raw) ->
    case ets:lookup(Calls, Pid) of
        [{_, Cached}] ->
            Cached;
        [] ->
            Resolved = case erlang:process_info(Pid, dictionary) of
                           {dictionary, Dictionary} -> real_initial_call(Raw, Dictionary);
                           undefined -> Raw
                       end,
            beam_observer_touch:signalled([Pid]),
            ets:insert(Calls, {Pid, Resolved}),
            Resolved
    end;
initial_call(_Calls, _Pid, Raw) ->
    Raw.

%% proc_lib processes (every GenServer, Task, supervisor...) all start in
%% proc_lib:init_p/5; proc_lib keeps the real initial call in their
%% dictionary, under '$initial_call'. Raw is the `initial_call' that
%% process_info/2 reports.
-spec real_initial_call(Raw, [{term(), term()}]) -> Raw | mfa() when Raw :: term().
real_initial_call({proc_lib, _, _} = Raw, Dictionary) ->
    case lists:keyfind('$initial_call', 1, Dictionary) of
        {_, {M, F, A}} when is_atom(M), is_atom(F), is_integer(A) -> {M, F, A};
        _ -> Raw
    end;
real_initial_call(Raw, _Dictionary) ->
    Raw.

%% "module:function/arity", or empty.
-spec mfa_text(term()) -> binary().
mfa_text({M, F, A}) when is_atom(M), is_atom(F), is_integer(A) -> mfa_text(M, F, A);
mfa_text(_) -> <<>>.

mfa_text(M, F, A) ->
    <<(atom_to_binary(M))/binary, ":", (atom_to_binary(F))/binary, "/",
      (integer_to_binary(A))/binary>>.

%% Case-insensitive substring match; Elixir module names match with or
%% without their "Elixir." prefix because the prefix is part of the text.
-spec matches(binary(), [binary()]) -> boolean().
matches(Filter, Texts) ->
    Needle = string:lowercase(Filter),
    lists:any(fun(T) -> binary:match(string:lowercase(T), Needle) =/= nomatch end, Texts).

%%% ------------------------------------------------------------------
%%% Rows: the expensive items, for the selected processes only
%%% ------------------------------------------------------------------

%% The rows of the selected processes ({Pid, Window}, Window being its
%% reductions over the sweep's window), in the same order; processes gone
%% meanwhile are left out. Reading them costs each one a signal, counted as
%% the agent's own effect. Debugger: the interpreter's processes ([] when
%% it does not run). While it runs, the current stack replaces the current
%% function (same cost: one signal to the target), as it tells whether the
%% interpreter holds the process.
-spec rows([{pid(), non_neg_integer()}], ets:tid(), [pid()]) -> [map()].
rows(Selected, Calls, Debugger) ->
    Rows = [Row || {Pid, Window} <- Selected, Row <- [row(Pid, Window, Calls, Debugger)], Row =/= undefined],
    beam_observer_touch:signalled([Pid || {Pid, _} <- Selected]),
    Rows.

row(Pid, Window, Calls, Debugger) ->
    Current = case Debugger of
                  [] -> current_function;
                  _ -> current_stacktrace
              end,
    Items = [registered_name, initial_call, Current, memory,
             message_queue_len, reductions, status],
    case erlang:process_info(Pid, Items) of
        undefined -> undefined;
        Info ->
            [{registered_name, Name}, {initial_call, Raw}, {Current, Where},
             {memory, Memory}, {message_queue_len, Queue}, {reductions, Reds},
             {status, Status}] = Info,
            InitialCall = initial_call(Calls, Pid, Raw),
            {CurrentFunction, Stack} = case Where of
                                           [{M, F, A, _} | _] -> {{M, F, A}, Where};
                                           [] -> {undefined, []};
                                           MFA -> {MFA, []}
                                       end,
            #{pid => beam_observer_pid:to_binary(Pid),
              name => case Name of [] -> null; _ -> Name end,
              initialCall => beam_observer_format:mfa(InitialCall),
              currentFunction => beam_observer_format:mfa(CurrentFunction),
              reductions => Window,
              reductionsTotal => Reds,
              memory => Memory,
              messageQueueLen => Queue,
              status => Status,
              agent => is_agent_process(Pid, {Name, InitialCall}),
              debugger => beam_observer_debugger:is_debugger(Pid, {Name, InitialCall}, Debugger),
              '$stack' => {Pid, Stack}}
    end.

%% Rows carry their pid and stack until here: the interpreter is asked once
%% for all the rows it holds.
with_holds(Rows) ->
    Holds = beam_observer_debugger:holds([PidStack || #{'$stack' := PidStack} <- Rows]),
    [maps:remove('$stack', Row#{heldByDebugger => maps:get(Pid, Holds, null)})
     || #{'$stack' := {Pid, _}} = Row <- Rows].

%% The agent's own processes are marked so the UI can tell them apart.
-spec is_agent_process(pid(), {atom() | [], term()}) -> boolean().
is_agent_process(Pid, {Name, InitialCall}) ->
    agent_atom(Name) orelse
        case InitialCall of
            {M, _, _} -> agent_atom(M);
            _ -> false
        end orelse beam_observer_registry:is_agent(Pid).

agent_atom(Atom) when is_atom(Atom) ->
    case atom_to_binary(Atom) of
        <<"beam_observer_", _/binary>> -> true;
        _ -> false
    end;
agent_atom(_) -> false.

order_rows(reductions, Rows) -> sort_desc(reductions, Rows);
order_rows(memory, Rows) -> sort_desc(memory, Rows);
order_rows(message_queue_len, Rows) -> sort_desc(messageQueueLen, Rows).

sort_desc(Key, Rows) ->
    lists:sort(fun(A, B) -> maps:get(Key, A) >= maps:get(Key, B) end, Rows).

sort_name(reductions) -> <<"reductions">>;
sort_name(memory) -> <<"memory">>;
sort_name(message_queue_len) -> <<"messageQueueLen">>.
