%%% Process ranking: the top N processes by reductions, memory or message
%%% queue, in the spirit of Observer's Processes tab and recon's proc_window.
%%%
%%% What a sweep may ask every process is what it costs (the README's
%%% "Performance and safety" has the figures): `reductions' and
%%% `message_queue_len' are read without involving the target; `memory',
%%% `current_function' and friends are answered *by the target* (two context
%%% switches each, queued behind busy schedulers), so they are asked only of
%%% the rows returned. Ranking by memory uses an estimate from
%%% `garbage_collection_info' (heap blocks plus heap fragments, read without a
%%% signal), then the exact `memory' of the candidates decides the order.
%%%
%%% The ranking keeps only the top N in a bounded set while folding over
%%% the pids, so the sweep's garbage does not grow with the node. Reduction
%%% counts of the previous sweep are kept to report the change over the
%%% window, as Observer does; a process new since then counts its total.
%%% They live in a private ETS table, not in the server's heap: one
%%% `ets:update_counter/4' per process reads the previous count and stores
%%% the new one (measured: a map insert and lookup per process cost five
%%% times the process_info call itself), and a table of 100k entries is never
%%% copied by a garbage collection, which would pause the scheduler for
%%% milliseconds. The table also caches resolved proc_lib initial calls.
%%% One server, so sweeps never run concurrently.
-module(beam_observer_ranking).
-behaviour(gen_server).

-export([start_link/0, list/1, real_initial_call/2, is_agent_process/2]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).
%% Pure parts, exported for tests.
-export([top_new/1, top_add/3, top_list/1, matches/2]).

-type sort_key() :: reductions | memory | message_queue_len.
-type request() :: #{sort_by := sort_key(), limit := pos_integer(), filter := binary() | none}.

%% Table rows: {Pid, Reductions, Generation, InitialCall | undefined}; rows of
%% processes not seen in the latest sweep (a generation behind) are deleted.
-record(state, {table :: ets:tid(),
                generation = 0 :: non_neg_integer(),
                prev_time :: integer() | undefined}).

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
    {ok, #state{table = ets:new(beam_observer_prev, [set, private])}}.

%% The time is accounted to the agent by the request's worker, not here.
-spec handle_call({list, request()}, gen_server:from(), #state{}) -> {reply, {ok, map()}, #state{}}.
handle_call({list, Request}, _From, State) ->
    Start = erlang:monotonic_time(microsecond),
    {Result, State1} = sweep(Request, State),
    Us = erlang:monotonic_time(microsecond) - Start,
    {reply, {ok, Result#{sweepMs => round(Us / 100) / 10}}, State1}.

-spec handle_cast(term(), #state{}) -> {noreply, #state{}}.
handle_cast(_Msg, State) -> {noreply, State}.

-spec handle_info(term(), #state{}) -> {noreply, #state{}}.
handle_info(_Msg, State) -> {noreply, State}.

%%% ------------------------------------------------------------------
%%% The sweep
%%% ------------------------------------------------------------------

sweep(#{sort_by := SortBy, limit := Limit, filter := Filter},
      State = #state{table = Tab, generation = Gen0, prev_time = PrevTime}) ->
    Now = erlang:monotonic_time(millisecond),
    Gen = Gen0 + 1,
    Items = sweep_items(SortBy, Filter),
    %% Memory candidates are over-selected: the estimate only approximates `memory'.
    Keep = case SortBy of memory -> Limit * 2; _ -> Limit end,
    Fold = fun(Pid, Acc = {Top, Scanned}) ->
                   case erlang:process_info(Pid, Items) of
                       undefined -> Acc;
                       [{reductions, Reds} | _] = Info ->
                           Window = window_reductions(Tab, Pid, Reds, Gen),
                           case Filter =:= none orelse matches(Filter, filter_texts(Tab, Pid, Info)) of
                               true ->
                                   Key = sort_value(SortBy, Info, Window),
                                   {top_add(Key, {Pid, Window}, Top), Scanned + 1};
                               false ->
                                   {Top, Scanned + 1}
                           end
                   end
           end,
    {Top, Scanned} = fold_processes(Fold, {top_new(Keep), 0}),
    %% Processes gone since the previous sweep; select_delete yields, so a
    %% large table does not block the scheduler.
    _ = ets:select_delete(Tab, [{{'_', '_', '$1', '_'}, [{'=/=', '$1', Gen}], [true]}]),
    Debugger = beam_observer_debugger:meta_pids(),
    Rows0 = [row(Pid, Window, Tab, Debugger) || {_, {Pid, Window}} <- top_list(Top)],
    Rows = with_holds(lists:sublist(order_rows(SortBy, [R || R <- Rows0, R =/= undefined]), Limit)),
    Result = #{rows => Rows,
               scanned => Scanned,
               total => erlang:system_info(process_count),
               sortBy => sort_name(SortBy),
               windowMs => case PrevTime of undefined -> null; _ -> Now - PrevTime end},
    {Result, State#state{generation = Gen, prev_time = Now}}.

%% Fold over every process without holding the list of all pids in this
%% long-lived server: at 1M processes that list is 16 MB, and collecting it
%% in this heap paused a scheduler for up to 25 ms. A short-lived feeder takes
%% erlang:processes() into a heap sized for it up front, so it never
%% garbage-collects, and hands it over in chunks, one at a time.
-define(CHUNK, 10000).

fold_processes(Fun, Acc0) ->
    Count = erlang:system_info(process_count),
    %% Two words a pid for the list, two for the chunks cut from it, and slack
    %% for processes born meanwhile.
    Words = 4 * (Count + Count div 4) + 4096,
    Self = self(),
    Ref = make_ref(),
    {Feeder, Monitor} = spawn_opt(fun() -> feed(Self, Ref, erlang:processes()) end,
                                  [monitor, {min_heap_size, Words}]),
    fold_chunks(Fun, Acc0, Ref, Feeder, Monitor).

fold_chunks(Fun, Acc, Ref, Feeder, Monitor) ->
    receive
        {Ref, done} ->
            erlang:demonitor(Monitor, [flush]),
            Acc;
        {Ref, Chunk} ->
            Acc1 = lists:foldl(Fun, Acc, Chunk),
            Feeder ! {Ref, more},
            fold_chunks(Fun, Acc1, Ref, Feeder, Monitor);
        {'DOWN', Monitor, process, Feeder, _} ->
            %% The feeder was killed: rank what was seen.
            Acc
    end.

feed(Sweeper, Ref, Pids) ->
    Watch = erlang:monitor(process, Sweeper),
    feed_chunks(Sweeper, Ref, Watch, Pids).

feed_chunks(Sweeper, Ref, _Watch, []) ->
    Sweeper ! {Ref, done};
feed_chunks(Sweeper, Ref, Watch, Pids) ->
    {Chunk, Rest} = take(Pids, ?CHUNK, self(), []),
    Sweeper ! {Ref, Chunk},
    receive
        {Ref, more} -> feed_chunks(Sweeper, Ref, Watch, Rest);
        {'DOWN', Watch, process, _, _} -> ok
    end.

%% The feeder is gone by the time rows are read: it leaves itself out.
take(Rest, 0, _Self, Chunk) -> {Chunk, Rest};
take([], _, _Self, Chunk) -> {Chunk, []};
take([Self | Rest], N, Self, Chunk) -> take(Rest, N, Self, Chunk);
take([Pid | Rest], N, Self, Chunk) -> take(Rest, N - 1, Self, [Pid | Chunk]).

sweep_items(SortBy, Filter) ->
    Base = case SortBy of
               reductions -> [reductions];
               message_queue_len -> [reductions, message_queue_len];
               memory -> [reductions, garbage_collection_info]
           end,
    case Filter of
        none -> Base;
        _ -> Base ++ [registered_name, initial_call]
    end.

%% Reductions since the previous sweep, recording the new count and this
%% sweep's generation in one table operation. A process new since then
%% (inserted with 0) counts its total.
window_reductions(Tab, Pid, Reds, Gen) ->
    %% {Pos, 0, -1, Value} always sets Value: the old value plus 0 exceeds -1.
    [Old, _, _] = ets:update_counter(Tab, Pid, [{2, 0}, {2, 0, -1, Reds}, {3, 0, -1, Gen}],
                                     {Pid, 0, 0, undefined}),
    case Old =< Reds of
        true -> Reds - Old;
        false -> Reds
    end.

sort_value(reductions, _Info, Window) ->
    Window;
sort_value(message_queue_len, Info, _Window) ->
    {message_queue_len, Len} = lists:keyfind(message_queue_len, 1, Info),
    Len;
sort_value(memory, Info, _Window) ->
    {garbage_collection_info, Gc} = lists:keyfind(garbage_collection_info, 1, Info),
    Words = proplists:get_value(heap_block_size, Gc, 0)
        + proplists:get_value(old_heap_block_size, Gc, 0)
        + proplists:get_value(mbuf_size, Gc, 0),
    Words * erlang:system_info(wordsize).

%% What a filter is matched against: the pid, the registered name and the
%% initial call (the real one for proc_lib processes).
filter_texts(Tab, Pid, Info) ->
    Name = case lists:keyfind(registered_name, 1, Info) of
               {registered_name, N} when is_atom(N), N =/= [] -> [atom_to_binary(N)];
               _ -> []
           end,
    {initial_call, Raw} = lists:keyfind(initial_call, 1, Info),
    [beam_observer_pid:to_binary(Pid), mfa_text(initial_call(Tab, Pid, Raw)) | Name].

%% The real initial call of a row (real_initial_call/2). Reading a
%% process's dictionary costs it a signal, so the answer is cached in the
%% table (an initial call never changes).
initial_call(Tab, Pid, {proc_lib, _, _} = Raw) ->
    case ets:lookup_element(Tab, Pid, 4) of
        undefined ->
            Resolved = case erlang:process_info(Pid, dictionary) of
                           {dictionary, Dictionary} -> real_initial_call(Raw, Dictionary);
                           undefined -> Raw
                       end,
            ets:update_element(Tab, Pid, {4, Resolved}),
            Resolved;
        Cached ->
            Cached
    end;
initial_call(_Tab, _Pid, Raw) ->
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

mfa_text({M, F, A}) -> mfa_text(M, F, A);
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

%% Debugger: the interpreter's processes ([] when it does not run). While it
%% runs, the current stack replaces the current function (same cost: one
%% signal to the target), as it tells whether the interpreter holds the process.
row(Pid, Window, Tab, Debugger) ->
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
            InitialCall = initial_call(Tab, Pid, Raw),
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

%%% ------------------------------------------------------------------
%%% A bounded "top K" set
%%% ------------------------------------------------------------------

-spec top_new(pos_integer()) -> {non_neg_integer(), pos_integer(), gb_sets:set()}.
top_new(K) -> {0, K, gb_sets:empty()}.

-spec top_add(number(), term(), Top) -> Top when Top :: {non_neg_integer(), pos_integer(), gb_sets:set()}.
top_add(Key, Pid, {Size, K, Set}) when Size < K ->
    {Size + 1, K, gb_sets:add({Key, Pid}, Set)};
top_add(Key, Pid, Top = {Size, K, Set}) ->
    {MinKey, _} = Smallest = gb_sets:smallest(Set),
    case Key > MinKey of
        true -> {Size, K, gb_sets:add({Key, Pid}, gb_sets:delete(Smallest, Set))};
        false -> Top
    end.

%% Largest first.
-spec top_list({non_neg_integer(), pos_integer(), gb_sets:set()}) -> [{number(), term()}].
top_list({_, _, Set}) -> lists:reverse(gb_sets:to_list(Set)).
