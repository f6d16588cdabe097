%%% One sweep over every process of the node, against a *baseline*: what
%%% each process's reductions (and a memory estimate) were at the previous
%%% sweep of the same owner. It yields the top K processes by reductions
%%% over the window, by a memory estimate and by message queue, and becomes
%%% the next baseline. The ranking server (processes/list) and the recorder
%%% (history) each own one.
%%%
%%% Where the time goes (measured at 100,000 idle processes, OTP 25; the
%%% README's "Performance and safety" has the benchmark): process_info(P,
%%% [reductions]) for every process is 14 ms; keeping the previous count in
%%% an ETS row per process (one ets:update_counter/4 each, as this agent did
%%% before) added 40 ms, three times the reading itself;
%%% garbage_collection_info (the memory estimate) is 117 ms, eight times
%%% `reductions'; `memory' (a signal the target answers) 240 ms. So:
%%% - the baseline is not a row per process: erlang:processes/0 lists pids
%%%   in ascending order, so the previous sweep is kept in that order, in
%%%   chunks of up to 10,000 processes, {{Gen, N}, Pids, Data}: two tuples,
%%%   the pids and three small integers per process (reductions, old heap
%%%   words, count of minor collections). A sweep walks the current pids and
%%%   the baseline side by side (a merge), copying one chunk out of the table
%%%   per 10,000 processes. Survivors match, a pid below the cursor is new, a
%%%   baseline pid passed over is gone. 32 bytes per process in the table,
%%%   against 80 for the rows.
%%% - memory is estimated from the young heap (`heap_size', cheap) plus the
%%%   old heap and heap fragments, which change only when the process
%%%   collects garbage: they are read again (garbage_collection_info) only
%%%   for a process that ran since *and* whose count of minor collections
%%%   changed (`garbage_collection', 0.35 µs, read only for processes that
%%%   ran or are new); a count of 0 means no old heap at all. On an idle
%%%   node almost none ran.
%%% - a process that did not run since the baseline and ranks below a full
%%%   top K keeps its entry without any other work (idle/6): one reading.
%%% - the top K keep their smallest key at hand, so the common case (a
%%%   process below it) is one comparison.
%%%
%%% Reductions are corrected for the agent's own reads (beam_observer_touch):
%%% each signalling read the agent made of a process since the baseline
%%% costs it one reduction, which is subtracted.
%%%
%%% Chunks of the current pids come from a short-lived feeder that holds the
%%% list erlang:processes() returns in a heap sized for it up front, so the
%%% long-lived sweeping process never holds (nor garbage-collects) the whole
%%% list: at 1M processes that list is 16 MB, and collecting it paused a
%%% scheduler for up to 25 ms.
-module(beam_observer_sweep).

-export([new/1, walk/2, window_ms/1, gc_words/1]).
%% Pure parts, exported for tests.
-export([top_new/1, top_add/3, top_list/1]).

-export_type([baseline/0, spec/0, found/0]).

-define(CHUNK, 10000).
%% Up to this many processes the sweeping process takes erlang:processes()
%% itself; beyond, a feeder hands it over in chunks.
-define(DIRECT, 50000).
-define(UNKNOWN, 16#FFFFFFFF).      %% old heap not read yet
-define(MAX_WORDS, 16#FFFFFFFE).
-define(DIRTY, 16#80000000).        %% ran since its old heap was read
-define(MINOR_MASK, 16#7FFFFFFF).
%% A queued message costs at least its envelope and a small term (words):
%% enough to make a long mailbox a memory candidate; its exact `memory'
%% decides.
-define(MESSAGE_WORDS, 10).

-record(baseline, {table :: ets:tid(),
                   gen = 0 :: non_neg_integer(),
                   chunks = 0 :: non_neg_integer(),
                   time :: integer() | undefined,
                   owner :: atom(),
                   %% Processes in the baseline.
                   size = 0 :: non_neg_integer()}).
-opaque baseline() :: #baseline{}.

-type mode() :: reductions | message_queue_len | memory | all.
%% keep: how many to keep per key (memory: candidates); filter: a predicate
%% over a process's pid and its info (registered_name and initial_call are
%% then read too).
-type spec() :: #{mode := mode(),
                  keep := pos_integer(),
                  filter := none | fun((pid(), [{atom(), term()}]) -> boolean())}.
-type top() :: {non_neg_integer(), pos_integer(), term(), gb_sets:set()}.
%% What a sweep found: the top lists (largest first) of {Key, {Pid, Window}},
%% Window being the process's reductions since the baseline.
-type found() :: #{reductions := [{number(), {pid(), non_neg_integer()}}],
                   memory := [{number(), {pid(), non_neg_integer()}}],
                   message_queue_len := [{number(), {pid(), non_neg_integer()}}],
                   scanned := non_neg_integer(),
                   %% Of those, how many the baseline held (the others were new to it).
                   known := non_neg_integer(),
                   gone := [pid()],
                   window_ms := non_neg_integer() | null}.

%% A fresh baseline, in an ETS table owned by the caller. Owner names the
%% caller's ledger of the agent's own reads (beam_observer_touch).
-spec new(atom()) -> baseline().
new(Owner) ->
    beam_observer_touch:open(Owner),
    #baseline{table = ets:new(beam_observer_baseline, [set, private]), owner = Owner}.

%% Milliseconds since the baseline was taken (null before the first sweep).
-spec window_ms(baseline()) -> non_neg_integer() | null.
window_ms(#baseline{time = undefined}) -> null;
window_ms(#baseline{time = T}) -> erlang:monotonic_time(millisecond) - T.

%% Sweep every process; return what was found and the next baseline.
-spec walk(baseline(), spec()) -> {found(), baseline()}.
walk(B = #baseline{table = Tab, gen = Gen, chunks = Chunks, time = PrevTime, owner = Owner, size = PrevSize},
     #{mode := Mode, keep := Keep, filter := Filter}) ->
    Now = erlang:monotonic_time(millisecond),
    Adjust = case beam_observer_touch:drain(Owner) of
                 A when map_size(A) =:= 0 -> none;
                 A -> A
             end,
    Ctx = {Mode, items(Mode, Filter), Filter, Adjust, Keep, erlang:system_info(wordsize)},
    Tops0 = {top_new(Keep), top_new(Keep), top_new(Keep)},
    Src = [{Gen, N} || N <- lists:seq(1, Chunks)],
    Acc0 = {{}, {}, 1, 0, Src, Tops0, 0, []},
    NewGen = Gen + 1,
    {T, _, I, Size, Rest, {TopR, TopM, TopQ}, Scanned, Gone0, NewChunks} =
        fold_chunks(fun(Pids, {T, D, I, Size, Src1, Tops, Scanned, Gone}, N) ->
                            {T1, D1, I1, Size1, Src2, Out, Tops1, Scanned1, Gone1} =
                                loop(Pids, T, D, I, Size, Src1, Tab, Ctx, [], Tops, Scanned, Gone),
                            true = ets:insert(Tab, {{NewGen, N}, list_to_tuple(Pids), list_to_tuple(Out)}),
                            {T1, D1, I1, Size1, Src2, Tops1, Scanned1, Gone1}
                    end, Acc0),
    %% Whatever the baseline held beyond the last current pid is gone too.
    Gone = rest_gone(Gone0, T, I, Size, Rest, Tab),
    beam_observer_touch:forget(Gone),
    _ = [ets:delete(Tab, {Gen, N}) || N <- lists:seq(1, Chunks)],
    Found = #{reductions => top_list(TopR), memory => top_list(TopM),
              message_queue_len => top_list(TopQ), scanned => Scanned, gone => Gone,
              known => max(0, min(Scanned, PrevSize - length(Gone))),
              window_ms => case PrevTime of undefined -> null; _ -> Now - PrevTime end},
    {Found, B#baseline{gen = NewGen, chunks = NewChunks, time = Now, size = Scanned}}.

%% The pids of the baseline the walk did not reach (every current pid was
%% below them) are gone.
rest_gone(Gone, T, I, Size, Rest, Tab) ->
    InChunk = [element(J, T) || J <- lists:seq(I, Size)],
    Later = [P || Key <- Rest, {_, Pids, _} <- ets:lookup(Tab, Key), P <- tuple_to_list(Pids)],
    InChunk ++ Later ++ Gone.

items(Mode, Filter) ->
    Base = case Mode of
               reductions -> [reductions];
               message_queue_len -> [reductions, message_queue_len];
               _ -> [reductions, message_queue_len, heap_size]
           end,
    case Filter of
        none -> Base;
        _ -> Base ++ [registered_name, initial_call]
    end.

%%% ------------------------------------------------------------------
%%% The merge of one chunk of current pids with the baseline
%%% ------------------------------------------------------------------

%% T, D: the baseline chunk at the cursor (pids, data), I the cursor in it,
%% Size its length; Src the baseline chunks not yet read. Out: this chunk's
%% data for the next baseline.
loop([], T, D, I, Size, Src, _Tab, _Ctx, Out, Tops, Scanned, Gone) ->
    {T, D, I, Size, Src, Out, Tops, Scanned, Gone};
loop([P | Ps] = All, T, D, I, Size, Src, Tab, Ctx, Out, Tops, Scanned, Gone) when I =< Size ->
    Q = element(I, T),
    if
        Q =:= P ->
            %% D holds the chunk's entries last process first, three each.
            K = 3 * (Size - I),
            R0 = element(K + 3, D),
            G0 = element(K + 2, D),
            M0 = element(K + 1, D),
            case idle(P, R0, G0, M0, Ctx, Tops) of
                true ->
                    %% It did not run and ranks below the top K: its entry as it was.
                    loop(Ps, T, D, I + 1, Size, Src, Tab, Ctx, [M0, G0, R0 | Out], Tops, Scanned + 1, Gone);
                false ->
                    {Out1, Tops1, Scanned1} = visit(P, R0, G0, M0, Ctx, Out, Tops, Scanned),
                    loop(Ps, T, D, I + 1, Size, Src, Tab, Ctx, Out1, Tops1, Scanned1, Gone)
            end;
        Q < P ->
            loop(All, T, D, I + 1, Size, Src, Tab, Ctx, Out, Tops, Scanned, [Q | Gone]);
        true ->
            {Out1, Tops1, Scanned1} = visit(P, new, ?UNKNOWN, 0, Ctx, Out, Tops, Scanned),
            loop(Ps, T, D, I, Size, Src, Tab, Ctx, Out1, Tops1, Scanned1, Gone)
    end;
loop(All, _T, _D, _I, _Size, [Key | Src], Tab, Ctx, Out, Tops, Scanned, Gone) ->
    case ets:lookup(Tab, Key) of
        [{_, T, D}] -> loop(All, T, D, 1, tuple_size(T), Src, Tab, Ctx, Out, Tops, Scanned, Gone);
        [] -> loop(All, {}, {}, 1, 0, Src, Tab, Ctx, Out, Tops, Scanned, Gone)
    end;
loop([P | Ps], T, D, I, Size, [], Tab, Ctx, Out, Tops, Scanned, Gone) ->
    %% The baseline is exhausted: every pid from here on is new.
    {Out1, Tops1, Scanned1} = visit(P, new, ?UNKNOWN, 0, Ctx, Out, Tops, Scanned),
    loop(Ps, T, D, I, Size, [], Tab, Ctx, Out1, Tops1, Scanned1, Gone).

%% The common case, made cheap: with no filter, a process that has not run
%% since the baseline (its count of reductions has not moved) and ranks
%% below a full top K keeps its entry as it was: one reading, no allocation.
%% By reductions it ranks 0; by queue, its length; by memory, its young heap
%% (read now) plus the old heap known from the baseline (unchanged, as it
%% has not run) and its queue.
idle(P, R0, _G0, _M0, {reductions, _, none, _, _, _}, {{K, K, _, _}, _, _}) ->
    case erlang:process_info(P, reductions) of
        {reductions, R0} -> true;
        _ -> false
    end;
idle(P, R0, _G0, _M0, {message_queue_len, _, none, _, _, _}, {_, _, {K, K, Min, _}}) ->
    case erlang:process_info(P, [reductions, message_queue_len]) of
        [{reductions, R0}, {message_queue_len, Len}] -> Len =< Min;
        _ -> false
    end;
idle(P, R0, G0, M0, {memory, _, none, _, _, WordSize}, {_, {K, K, Min, _}, _}) ->
    case G0 =/= ?UNKNOWN andalso M0 band ?DIRTY =:= 0 andalso
        erlang:process_info(P, [reductions, message_queue_len, heap_size]) of
        [{reductions, R0}, {message_queue_len, Len}, {heap_size, Young}] ->
            (Young + G0 + Len * ?MESSAGE_WORDS) * WordSize =< Min;
        _ -> false
    end;
idle(P, R0, G0, M0, {all, _, none, _, _, WordSize}, {_, {K, K, Min, _}, _}) ->
    %% The recorder: neither in the reductions nor the queue lists (it did
    %% not run, its queue is empty), and below the memory list.
    case G0 =/= ?UNKNOWN andalso M0 band ?DIRTY =:= 0 andalso
        erlang:process_info(P, [reductions, message_queue_len, heap_size]) of
        [{reductions, R0}, {message_queue_len, 0}, {heap_size, Young}] -> (Young + G0) * WordSize =< Min;
        _ -> false
    end;
idle(_P, _R0, _G0, _M0, _Ctx, _Tops) ->
    false.

%% One process: read it, rank it, record it for the next baseline. R0, G0
%% and M0 are its entry in the baseline (R0 `new' when it was not there).
visit(P, R0, G0, M0, {Mode, Items, Filter, Adjust, _Keep, WordSize}, Out, {TopR, TopM, TopQ} = Tops, Scanned) ->
    case erlang:process_info(P, Items) of
        undefined ->
            %% Gone since the feeder listed it: the next sweep will not find it.
            {[0, ?UNKNOWN, 0 | Out], Tops, Scanned};
        [{reductions, R} | Rest] = Info ->
            Window = adjusted(P, window(R0, R), Adjust),
            case Filter =:= none orelse Filter(P, Info) of
                false ->
                    {[dirty(R0, R, M0), G0, R | Out], Tops, Scanned + 1};
                true when Mode =:= reductions ->
                    {[dirty(R0, R, M0), G0, R | Out],
                     {top_add(Window, {P, Window}, TopR), TopM, TopQ}, Scanned + 1};
                true when Mode =:= message_queue_len ->
                    [{message_queue_len, Len} | _] = Rest,
                    {[dirty(R0, R, M0), G0, R | Out],
                     {TopR, TopM, top_add(Len, {P, Window}, TopQ)}, Scanned + 1};
                true ->
                    [{message_queue_len, Len}, {heap_size, Young} | _] = Rest,
                    {G, M} = old_words(P, R0 =:= R, G0, M0),
                    Estimate = (Young + G + Len * ?MESSAGE_WORDS) * WordSize,
                    TopM1 = top_add(Estimate, {P, Window}, TopM),
                    Out1 = [M, G, R | Out],
                    case Mode of
                        memory ->
                            {Out1, {TopR, TopM1, TopQ}, Scanned + 1};
                        all ->
                            %% Only processes that ran, or have a queue, rank by those keys.
                            TopR1 = case Window > 0 of true -> top_add(Window, {P, Window}, TopR); false -> TopR end,
                            TopQ1 = case Len > 0 of true -> top_add(Len, {P, Window}, TopQ); false -> TopQ end,
                            {Out1, {TopR1, TopM1, TopQ1}, Scanned + 1}
                    end
            end
    end.

%% Reductions since the baseline; a process new since then counts its total.
window(new, R) -> R;
window(R0, R) when R >= R0 -> R - R0;
window(_, R) -> R.

%% Less the reductions the agent's own reads cost the process.
adjusted(_P, 0, _Adjust) -> 0;
adjusted(_P, Window, none) -> Window;
adjusted(P, Window, Adjust) ->
    case Adjust of
        #{P := Reads} -> max(0, Window - Reads);
        _ -> Window
    end.

%% A sweep that does not read the memory estimate marks a process that ran
%% since (its old heap may have changed), for the next one that does.
dirty(R, R, M) -> M;
dirty(_, _, M) -> M bor ?DIRTY.

%% The old heap and heap fragments of a process (words), and its count of
%% minor collections then (M). They change only when it collects garbage:
%% not when it did not run (Same, and not marked dirty since); not when
%% its count of minor collections since the last full sweep is the same
%% (a full sweep resets it to 0, from a count that was at least 1 when there
%% was an old heap). Only otherwise is garbage_collection_info read (1.2 µs,
%% eight times the cheap items; `garbage_collection', with the count, 0.35).
old_words(_P, true, G0, M0) when G0 =/= ?UNKNOWN, M0 band ?DIRTY =:= 0 ->
    {G0, M0};
old_words(P, _Same, G0, M0) ->
    case minor_gcs(P) of
        M0 when G0 =/= ?UNKNOWN -> {G0, M0};
        M when M0 band ?DIRTY =/= 0, M =:= M0 band (bnot ?DIRTY), G0 =/= ?UNKNOWN -> {G0, M};
        %% No minor collection since its last full sweep (or ever): no old
        %% heap (a minor collection makes it, a full sweep frees it). A
        %% process new to the baseline is most often such a one.
        0 -> {0, 0};
        M -> {gc_old_words(P), M}
    end.

minor_gcs(P) ->
    case erlang:process_info(P, garbage_collection) of
        {garbage_collection, Gc} ->
            case lists:keyfind(minor_gcs, 1, Gc) of
                {_, N} when is_integer(N) -> N band ?MINOR_MASK;
                _ -> 0
            end;
        undefined -> 0
    end.

%% Old heap block and heap fragments, in words, read without a signal
%% (garbage_collection_info); 0 for a process gone meanwhile.
gc_old_words(P) ->
    case erlang:process_info(P, garbage_collection_info) of
        {garbage_collection_info, Gc} ->
            min(?MAX_WORDS, gc_item(old_heap_block_size, Gc) + gc_item(mbuf_size, Gc));
        undefined -> 0
    end.

%% The heap blocks and heap fragments of a process, in words.
-spec gc_words(pid()) -> non_neg_integer().
gc_words(P) ->
    case erlang:process_info(P, garbage_collection_info) of
        {garbage_collection_info, Gc} ->
            gc_item(heap_block_size, Gc) + gc_item(old_heap_block_size, Gc) + gc_item(mbuf_size, Gc);
        undefined -> 0
    end.

gc_item(Key, Gc) ->
    case lists:keyfind(Key, 1, Gc) of
        {_, N} when is_integer(N) -> N;
        _ -> 0
    end.

%%% ------------------------------------------------------------------
%%% The current pids, in chunks, in ascending order
%%% ------------------------------------------------------------------

%% Fun(Chunk, Acc, N) for each chunk N = 1, 2...; returns the last Acc with
%% the number of chunks appended to it.
fold_chunks(Fun, Acc0) ->
    case erlang:system_info(process_count) of
        Count when Count =< ?DIRECT ->
            direct_chunks(Fun, Acc0, 0, ascending(erlang:processes()));
        Count ->
            fed_chunks(Fun, Acc0, Count)
    end.

%% Few processes: the list is small enough for this process to hold (at
%% 50,000, 100,000 words), and handing it over would cost more than it saves.
direct_chunks(_Fun, Acc, N, []) ->
    erlang:append_element(Acc, N);
direct_chunks(Fun, Acc, N, Pids) ->
    {Chunk, Rest} = case length(Pids) > ?CHUNK of
                        true -> lists:split(?CHUNK, Pids);
                        false -> {Pids, []}
                    end,
    direct_chunks(Fun, Fun(Chunk, Acc, N + 1), N + 1, Rest).

fed_chunks(Fun, Acc0, Count) ->
    %% Two words a pid for the list, four for the chunks cut from it (taken,
    %% then put in order), and slack for processes born meanwhile.
    Words = 6 * (Count + Count div 4) + 4096,
    Self = self(),
    Ref = make_ref(),
    {Feeder, Monitor} = spawn_opt(fun() -> feed(Self, Ref, ascending(erlang:processes())) end,
                                  [monitor, {min_heap_size, Words}]),
    fold_chunks(Fun, Acc0, 0, Ref, Feeder, Monitor).

fold_chunks(Fun, Acc, N, Ref, Feeder, Monitor) ->
    receive
        {Ref, done} ->
            erlang:demonitor(Monitor, [flush]),
            erlang:append_element(Acc, N);
        {Ref, Chunk} ->
            Acc1 = Fun(Chunk, Acc, N + 1),
            Feeder ! {Ref, more},
            fold_chunks(Fun, Acc1, N + 1, Ref, Feeder, Monitor);
        {'DOWN', Monitor, process, Feeder, _} ->
            %% The feeder was killed: what was seen is the baseline.
            erlang:append_element(Acc, N)
    end.

%% erlang:processes/0 lists pids in ascending order (the process table's);
%% the merge depends on it, so anything else is sorted first.
ascending([]) -> [];
ascending([First | Rest] = Pids) ->
    case sorted(First, Rest) of
        true -> Pids;
        false -> lists:sort(Pids)
    end.

sorted(_, []) -> true;
sorted(A, [B | Rest]) when A < B -> sorted(B, Rest);
sorted(_, _) -> false.

feed(Sweeper, Ref, Pids) ->
    Watch = erlang:monitor(process, Sweeper),
    feed_chunks(Sweeper, Ref, Watch, Pids).

feed_chunks(Sweeper, Ref, _Watch, []) ->
    Sweeper ! {Ref, done};
feed_chunks(Sweeper, Ref, Watch, Pids) ->
    {Chunk, Rest} = take(Pids, ?CHUNK, self(), []),
    Sweeper ! {Ref, lists:reverse(Chunk)},
    receive
        {Ref, more} -> feed_chunks(Sweeper, Ref, Watch, Rest);
        {'DOWN', Watch, process, _, _} -> ok
    end.

%% The feeder is gone by the time rows are read: it leaves itself out.
take(Rest, 0, _Self, Chunk) -> {Chunk, Rest};
take([], _, _Self, Chunk) -> {Chunk, []};
take([Self | Rest], N, Self, Chunk) -> take(Rest, N, Self, Chunk);
take([Pid | Rest], N, Self, Chunk) -> take(Rest, N - 1, Self, [Pid | Chunk]).

%%% ------------------------------------------------------------------
%%% A bounded "top K" set that keeps its smallest key at hand
%%% ------------------------------------------------------------------

-spec top_new(pos_integer()) -> top().
top_new(K) -> {0, K, none, gb_sets:empty()}.

-spec top_add(number(), term(), top()) -> top().
top_add(Key, Value, {Size, K, _, Set}) when Size < K ->
    Set1 = gb_sets:add({Key, Value}, Set),
    Min = case Size + 1 =:= K of
              true -> element(1, gb_sets:smallest(Set1));
              false -> none
          end,
    {Size + 1, K, Min, Set1};
top_add(Key, Value, {K, K, Min, Set}) when Key > Min ->
    {_, Set1} = gb_sets:take_smallest(Set),
    Set2 = gb_sets:add({Key, Value}, Set1),
    {K, K, element(1, gb_sets:smallest(Set2)), Set2};
top_add(_Key, _Value, Top) ->
    Top.

%% Largest first.
-spec top_list(top()) -> [{number(), term()}].
top_list({_, _, _, Set}) -> lists:reverse(gb_sets:to_list(Set)).
