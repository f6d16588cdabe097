%%% ETS tables: the list of tables (ets/list) and pages of one table's rows
%%% (ets/rows).
%%%
%%% The list reads, for every table, only what its sort key needs (one
%%% `ets:info/2' item: memory, size or name), keeps the top `limit', and
%%% reads the other items for those rows only; observer_backend reads ten
%%% items of every table.
%%%
%%% Rows are never read with `ets:tab2list/1' (a copy of the whole table):
%%% `ets:select/3' reads one page and returns a continuation, which travels
%%% to the client as opaque text (term_to_binary, base64) and comes back for
%%% the next page (`ets:repair_continuation/2' restores its compiled match
%%% specification). A page costs what its rows cost whatever the table's
%%% size (measured: the select of 100 rows of a 1,000,000-row set or
%%% ordered_set 30-80 us, with their formatting 0.5-0.9 ms, against
%%% 0.8-2.5 s for tab2list). The continuation names the
%%% table by its id, so a table deleted (or deleted and created again under
%%% the same name) between two pages gives a precise error, not another
%%% table's rows.
%%%
%%% The rows are copied out of the table into a helper whose heap is capped
%%% (beam_observer_bounded): one row may be a 100 MB term. Each row is
%%% formatted there with bounded limits (Elixir's `inspect' in Elixir nodes,
%%% so fields marked secret stay hidden) and only the text leaves it.
%%% Private tables cannot be read by another process; the agent's own tables
%%% (its registry holds the agent's token) are not shown.
-module(beam_observer_ets).

-include("beam_observer_errors.hrl").

-export([list/1, rows/3]).
%% Exported for tests.
-export([encode_continuation/2, decode_continuation/1]).

-define(PAGE_HEAP_BYTES, 64 * 1024 * 1024).
-define(PAGE_TEXT_BYTES, 512 * 1024).
-define(MAX_ROW_BYTES, 4096).
-define(MIN_ROW_BYTES, 256).
-define(PAGE_TIMEOUT_MS, 10000).
-define(MATCH_ALL, [{'_', [], ['$_']}]).
-define(CONTINUATION_VERSION, 1).

-type sort_key() :: memory | size | name.

%%% ------------------------------------------------------------------
%%% ets/list
%%% ------------------------------------------------------------------

-spec list(#{sort_by := sort_key(), limit := pos_integer(), filter := binary() | none}) -> {ok, map()}.
list(#{sort_by := SortBy, limit := Limit, filter := Filter}) ->
    Start = erlang:monotonic_time(microsecond),
    {Total, Matched, Top} = top_tables(SortBy, Limit, Filter),
    Rows = [R || T <- Top, (R = table_row(T)) =/= undefined],
    {ok, #{tables => Rows,
           total => Total,
           matched => Matched,
           sortBy => SortBy,
           wordSize => erlang:system_info(wordsize),
           elapsedMs => (erlang:monotonic_time(microsecond) - Start) / 1000}}.

%% One ets:info/2 item per table, folded into the top Limit as it goes.
top_tables(SortBy, Limit, Filter) ->
    Tables = ets:all(),
    {Matched, Top} =
        lists:foldl(fun(T, {N, Acc} = Unchanged) ->
                            case (Filter =:= none orelse matches(Filter, T)) andalso sort_value(SortBy, T) of
                                false -> Unchanged;
                                undefined -> Unchanged;
                                Key -> {N + 1, top_add(SortBy, Key, T, Acc)}
                            end
                    end, {0, top_new(SortBy, Limit)}, Tables),
    {length(Tables), Matched, top_list(SortBy, Top)}.

sort_value(memory, T) -> ets:info(T, memory);
sort_value(size, T) -> ets:info(T, size);
sort_value(name, T) when is_atom(T) -> T;
sort_value(name, T) -> ets:info(T, name).

%% A bounded set of the Limit tables to show: the largest keys by memory
%% or size, the smallest (alphabetical) by name.
direction(name) -> smallest;
direction(_) -> largest.

top_new(_, Limit) -> {0, Limit, gb_sets:empty()}.

top_add(_SortBy, Key, T, {Size, Limit, Set}) when Size < Limit ->
    {Size + 1, Limit, gb_sets:add({Key, T}, Set)};
top_add(SortBy, Key, T, {Size, Limit, Set} = Top) ->
    {Edge, Keeps} = case direction(SortBy) of
                        largest -> Min = gb_sets:smallest(Set), {Min, Key > element(1, Min)};
                        smallest -> Max = gb_sets:largest(Set), {Max, Key < element(1, Max)}
                    end,
    case Keeps of
        true -> {Size, Limit, gb_sets:add({Key, T}, gb_sets:delete(Edge, Set))};
        false -> Top
    end.

top_list(SortBy, {_, _, Set}) ->
    Ordered = [T || {_, T} <- gb_sets:to_list(Set)],
    case direction(SortBy) of
        largest -> lists:reverse(Ordered);
        smallest -> Ordered
    end.

%% Filter: a case-insensitive substring of the table's name or id, or of
%% its owner's registered name.
matches(Filter, T) ->
    case ets:info(T, owner) of
        undefined -> false;
        Owner ->
            Texts = [table_text(T), atom_to_binary(ets:info(T, name)) | case erlang:process_info(Owner, registered_name) of
                                                                             {registered_name, N} -> [atom_to_binary(N)];
                                                                             _ -> []
                                                                         end],
            beam_observer_ranking:matches(Filter, Texts)
    end.

table_row(T) ->
    case ets:info(T) of
        undefined -> undefined;
        Info0 ->
            Info = maps:from_list(Info0),
            Owner = maps:get(owner, Info),
            OwnerName = registered_name(Owner),
            Protection = maps:get(protection, Info),
            Agent = agent_owned(Owner, OwnerName),
            #{id => table_text(T),
              name => maps:get(name, Info),
              named => maps:get(named_table, Info),
              type => maps:get(type, Info),
              protection => Protection,
              owner => beam_observer_pid:to_binary(Owner),
              ownerName => OwnerName,
              heir => case maps:get(heir, Info) of
                          none -> null;
                          Heir when is_pid(Heir) -> beam_observer_pid:to_binary(Heir);
                          _ -> null
                      end,
              size => maps:get(size, Info),
              memory => maps:get(memory, Info) * erlang:system_info(wordsize),
              keypos => maps:get(keypos, Info),
              compressed => maps:get(compressed, Info),
              readable => Protection =/= private andalso not Agent,
              agent => Agent}
    end.

%% How a table is named in the protocol: its name for a named table, the
%% text of its id ("#Ref<0.1.2.3>") otherwise.
table_text(T) when is_atom(T) -> atom_to_binary(T);
table_text(T) -> list_to_binary(erlang:ref_to_list(T)).

registered_name(Pid) -> beam_observer_pid:registered_name(Pid).

agent_owned(Owner, OwnerName) ->
    beam_observer_ranking:is_agent_process(Owner, {case OwnerName of null -> []; N -> N end, undefined}).

%%% ------------------------------------------------------------------
%%% ets/rows
%%% ------------------------------------------------------------------

%% Table is the table's text (name or id); Continuation the text a previous
%% page returned, or none for the first page.
-spec rows(binary(), pos_integer(), binary() | none) -> {ok, map()} | {error, integer(), binary()}.
rows(TableText, Limit, none) ->
    case resolve(TableText) of
        {ok, Tid} ->
            with_readable(TableText, Tid, fun() -> page(TableText, Tid, Limit, first) end);
        Error ->
            Error
    end;
rows(TableText, Limit, ContinuationText) ->
    case decode_continuation(ContinuationText) of
        {ok, Tid, Continuation} ->
            case same_table(TableText, Tid) of
                true ->
                    with_readable(TableText, Tid, fun() -> page(TableText, Tid, Limit, Continuation) end);
                gone ->
                    gone(TableText);
                false ->
                    {error, ?InvalidParams, <<"continuation belongs to another table than ", TableText/binary>>}
            end;
        invalid ->
            {error, ?InvalidParams, <<"continuation is not one this agent returned for a page of a table">>}
    end.

%% The table's id: ets:whereis/1 for a name (an existing atom only), a
%% match against ets:all/0 for the text of an unnamed table's id.
resolve(<<"#Ref<", _/binary>> = Text) ->
    case [T || T <- ets:all(), is_reference(T), table_text(T) =:= Text] of
        [Tid | _] -> {ok, Tid};
        [] -> not_found(Text)
    end;
resolve(Text) ->
    try binary_to_existing_atom(Text) of
        Name ->
            case ets:whereis(Name) of
                undefined -> not_found(Text);
                Tid -> {ok, Tid}
            end
    catch
        error:badarg -> not_found(Text)
    end.

not_found(Text) ->
    {error, ?TableNotFound, <<"no ETS table named ", Text/binary, " (ets/list gives the tables there are)">>}.

%% A continuation names its table by id: the table it was made for must
%% be the one the request names (a named table deleted and created again
%% has a new id).
same_table(Text, Tid) ->
    %% The id of a deleted table, decoded again, is a plain reference: badarg.
    case catch ets:info(Tid, name) of
        {'EXIT', _} -> gone;
        undefined -> gone;
        Name ->
            case ets:info(Tid, named_table) of
                true -> atom_to_binary(Name) =:= Text;
                false -> table_text(Tid) =:= Text
            end
    end.

gone(Text) ->
    {error, ?TableNotFound, <<"ETS table ", Text/binary,
                              " no longer exists (it was deleted since the previous page)">>}.

%% Refuse a private table, or one of the agent's, before copying anything.
with_readable(Text, Tid, Read) ->
    case {ets:info(Tid, protection), ets:info(Tid, owner)} of
        {undefined, _} ->
            gone(Text);
        {Protection, Owner} ->
            OwnerName = registered_name(Owner),
            case agent_owned(Owner, OwnerName) of
                true ->
                    {error, ?AgentTable, <<"ETS table ", Text/binary, " belongs to BEAM Observer's agent "
                                           "(it holds the agent's token); its rows are not shown">>};
                false when Protection =:= private ->
                    {error, ?TableNotReadable,
                     <<"ETS table ", Text/binary, " is private to its owner ", (owner_text(Owner, OwnerName))/binary,
                       ": only that process can read its rows">>};
                false ->
                    Read()
            end
    end.

owner_text(Owner, null) -> beam_observer_pid:to_binary(Owner);
owner_text(Owner, Name) ->
    <<(beam_observer_pid:to_binary(Owner))/binary, " (", (beam_observer_format:module_name(Name))/binary, ")">>.

page(Text, Tid, Limit0, From) ->
    Language = beam_observer_format:language(),
    Size = ets:info(Tid, size),
    %% Rows of a table of big objects: fewer per page, so a page stays near
    %% the helper's heap cap (the average; one huge row is caught by the cap).
    AverageBytes = case Size of
                       0 -> 0;
                       _ -> ets:info(Tid, memory) * erlang:system_info(wordsize) div Size
                   end,
    Limit = max(1, min(Limit0, (?PAGE_HEAP_BYTES div 4) div max(1, AverageBytes))),
    RowBytes = max(?MIN_ROW_BYTES, min(?MAX_ROW_BYTES, ?PAGE_TEXT_BYTES div Limit)),
    Read = fun() ->
                   Result = case From of
                                first -> ets:select(Tid, ?MATCH_ALL, Limit);
                                Continuation -> ets:select(Continuation)
                            end,
                   case Result of
                       '$end_of_table' -> {[], none};
                       {Objects, Next} -> {[row_text(O, Language, RowBytes) || O <- Objects], Next}
                   end
           end,
    case beam_observer_bounded:run(Read, ?PAGE_HEAP_BYTES, ?PAGE_TIMEOUT_MS) of
        {ok, {Rows, Next}} ->
            {ok, #{table => Text,
                   size => Size,
                   rows => Rows,
                   returned => length(Rows),
                   limit => Limit,
                   language => Language,
                   continuation => case Next of
                                       '$end_of_table' -> null;
                                       none -> null;
                                       _ -> encode_continuation(Tid, Next)
                                   end}};
        too_large ->
            {error, ?PageTooLarge,
             <<"a page of ", (integer_to_binary(Limit))/binary, " rows of ETS table ", Text/binary,
               " is over ", (integer_to_binary(?PAGE_HEAP_BYTES div (1024 * 1024)))/binary,
               " MB once copied; ask for fewer rows">>};
        timeout ->
            {error, ?Timeout, <<"reading a page of ETS table ", Text/binary, " took over ",
                                (integer_to_binary(?PAGE_TIMEOUT_MS))/binary, " ms">>};
        {crashed, error, badarg} ->
            {error, ?TableNotFound, <<"ETS table ", Text/binary,
                                      " no longer exists (it was deleted while its page was read)">>};
        {crashed, Class, Reason} ->
            {error, ?InternalError, <<"reading ETS table ", Text/binary, " failed: ",
                                      (beam_observer_format:short({Class, Reason}))/binary>>}
    end.

%% One row, one line (a table reads as one).
row_text(Object, Language, MaxBytes) ->
    {Text, Truncated} = beam_observer_format:term(Object, #{language => Language, max_bytes => MaxBytes,
                                                            depth => 20, limit => 25, single_line => true}),
    #{text => Text, truncated => Truncated}.

%%% ------------------------------------------------------------------
%%% Continuations
%%% ------------------------------------------------------------------

%% Opaque to clients: URL-safe base64 of {Version, Tid, Continuation}.
-spec encode_continuation(ets:tid(), term()) -> binary().
encode_continuation(Tid, Continuation) ->
    Bin = term_to_binary({?CONTINUATION_VERSION, Tid, Continuation}, [compressed]),
    << <<(url_char(C))>> || <<C>> <= base64:encode(Bin), C =/= $= >>.

%% Decoded without creating atoms ([safe]); the match specification
%% (compiled, so lost in transit) is put back with repair_continuation/2.
-spec decode_continuation(binary()) -> {ok, ets:tid(), term()} | invalid.
decode_continuation(Text) when is_binary(Text) ->
    try
        Padded = pad(<< <<(plain_char(C))>> || <<C>> <= Text >>),
        case binary_to_term(base64:decode(Padded), [safe]) of
            {?CONTINUATION_VERSION, Tid, Continuation} when is_reference(Tid), is_tuple(Continuation),
                                                            element(1, Continuation) =:= Tid ->
                {ok, Tid, ets:repair_continuation(Continuation, ?MATCH_ALL)};
            _ ->
                invalid
        end
    catch
        _:_ -> invalid
    end;
decode_continuation(_) ->
    invalid.

url_char($+) -> $-;
url_char($/) -> $_;
url_char(C) -> C.

plain_char($-) -> $+;
plain_char($_) -> $/;
plain_char(C) -> C.

pad(B) ->
    case byte_size(B) rem 4 of
        0 -> B;
        N -> <<B/binary, (binary:copy(<<"=">>, 4 - N))/binary>>
    end.
