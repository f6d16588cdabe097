%%% Supervisors: one supervisor's children, a page at a time; the chain of
%%% supervisors above a process; the supervisor and restart type of one child.
%%%
%%% Never a message to a process that is not a supervisor. Phoenix
%%% LiveDashboard crashed applications by calling `which_children' on a plain
%%% GenServer (its issue #156): the call lands in handle_call/3, which does
%%% not expect it. So a process is first identified without a message: it
%%% must have been started by proc_lib and carry proc_lib's `$initial_call'
%%% `{supervisor, Callback, 1}' in its dictionary (OTP's supervisor, Elixir's
%%% Supervisor, and Elixir's DynamicSupervisor, which sets it on purpose so
%%% that tools know it). The dictionary is read in a helper whose heap is
%%% capped (beam_observer_bounded): a process with a huge dictionary is not
%%% a supervisor, and it is not copied whole.
%%%
%%% A page is read *inside* the supervisor, as process/state reads a state:
%%% `sys:replace_state/3' runs a fun there that takes the page out of the
%%% supervisor's state, sends it to the request's worker and throws, so the
%%% state is left as it was. `which_children' would build and copy the list
%%% of every child (100,000 tuples for a big pool); the page costs what its
%%% rows cost, plus skipping `offset' entries. The fun knows the state of
%%% OTP's supervisor (a record: children `{Ids, Db}', the dynamic children of
%%% a simple_one_for_one in a map) and of Elixir's DynamicSupervisor (a
%%% struct with a `children' map); it also reads each child's restart type,
%%% which `which_children' does not give. A state it does not recognise (a
%%% future OTP) falls back to `which_children', paged here, restart unknown.
%%%
%%% Every call runs in the request's short-lived worker with a timeout: a
%%% supervisor blocked in a call (starting a child whose init/1 hangs) gives
%%% a Timeout error; its late answer goes to a worker that is gone.
-module(beam_observer_supervisor).

-include("beam_observer_errors.hrl").

-export([children/4, path/2, supervisor_of/2, check/1]).
%% Run inside a supervisor (through sys:replace_state/3); exported for tests.
-export([page_in/3, lookup_in/2]).

-define(DICT_MAX_BYTES, 1024 * 1024).
-define(SMALL_ID_WORDS, 64).
-define(MAX_DEPTH, 32).

-type row() :: {Id :: term(), pid() | restarting | undefined, Type :: atom(),
                Modules :: dynamic | [module()], Restart :: atom() | null}.

%%% ------------------------------------------------------------------
%%% Is it a supervisor?
%%% ------------------------------------------------------------------

%% {ok, Callback} for a supervisor that can be asked now; an error saying
%% why not otherwise. Sends the process nothing.
-spec check(pid()) -> {ok, module()} | {error, integer(), binary()}.
check(Pid) ->
    case erlang:process_info(Pid, [initial_call, current_stacktrace]) of
        undefined ->
            dead(Pid);
        [{initial_call, {proc_lib, init_p, 5}}, {current_stacktrace, Stack}] ->
            case dictionary_initial_call(Pid) of
                {ok, {supervisor, Callback, 1}} when is_atom(Callback) ->
                    case beam_observer_debugger:hold(Pid, Stack) of
                        null -> {ok, Callback};
                        Hold -> {error, ?HeldByDebugger, beam_observer_debugger:hold_message(Pid, Hold)}
                    end;
                {ok, {supervisor_bridge, Callback, 1}} ->
                    not_supervisor(Pid, <<"it is a supervisor_bridge (", (mod(Callback))/binary,
                                          "), which keeps no list of children">>);
                {ok, Other} ->
                    not_supervisor(Pid, <<"it runs ", (initial_call_text(Other))/binary>>);
                none ->
                    not_supervisor(Pid, <<"it was started by proc_lib without a recorded initial call">>);
                dead ->
                    dead(Pid);
                timeout ->
                    {error, ?Timeout, <<"process ", (text(Pid))/binary,
                                        " did not give its process dictionary within 5000 ms">>};
                too_large ->
                    not_supervisor(Pid, <<"its process dictionary is over 1 MB, which no supervisor has">>)
            end;
        [{initial_call, Other}, _] ->
            not_supervisor(Pid, <<"it runs ", (initial_call_text(Other))/binary>>)
    end.

dictionary_initial_call(Pid) ->
    Read = fun() ->
                   case erlang:process_info(Pid, dictionary) of
                       undefined -> dead;
                       {dictionary, Dict} ->
                           case lists:keyfind('$initial_call', 1, Dict) of
                               {_, Call} -> {ok, Call};
                               false -> none
                           end
                   end
           end,
    case beam_observer_bounded:run(Read, ?DICT_MAX_BYTES, 5000) of
        {ok, Answer} -> Answer;
        too_large -> too_large;
        timeout -> timeout;
        {crashed, _, _} -> none
    end.

not_supervisor(Pid, Why) ->
    {error, ?NotSupervisor,
     <<"process ", (text(Pid))/binary, " is not a supervisor (", Why/binary,
       "); only supervisors are asked for their children, so it was sent nothing">>}.

initial_call_text({M, F, A}) when is_atom(M), is_atom(F), is_integer(A) ->
    <<(mod(M))/binary, ":", (atom_to_binary(F))/binary, "/", (integer_to_binary(A))/binary>>;
initial_call_text(Other) ->
    beam_observer_format:short(Other).

%%% ------------------------------------------------------------------
%%% supervisor/children
%%% ------------------------------------------------------------------

-spec children(pid(), non_neg_integer(), pos_integer(), pos_integer()) ->
          {ok, map()} | {error, integer(), binary()}.
children(Sup, Offset, Limit, TimeoutMs) ->
    case check(Sup) of
        {ok, Callback} ->
            case in_supervisor(Sup, fun(State) -> page_in(State, Offset, Limit) end, TimeoutMs) of
                {ok, #{total := Total, rows := Rows, strategy := Strategy}} ->
                    {ok, children_result(Sup, Callback, Strategy, Total, Offset, Rows, <<"state">>)};
                {ok, unknown} ->
                    which_children_page(Sup, Callback, Offset, Limit, TimeoutMs);
                Error ->
                    call_error(Sup, Error, TimeoutMs)
            end;
        Error ->
            Error
    end.

%% The fallback for a supervisor state this module does not know.
which_children_page(Sup, Callback, Offset, Limit, TimeoutMs) ->
    try gen_server:call(Sup, which_children, TimeoutMs) of
        All when is_list(All) ->
            Page = lists:sublist(safe_nthtail(Offset, All), Limit),
            Rows = [{Id, Child, Type, Mods, null} || {Id, Child, Type, Mods} <- Page],
            {ok, children_result(Sup, Callback, null, length(All), Offset, Rows, <<"which_children">>)}
    catch
        exit:{timeout, _} -> call_error(Sup, timeout, TimeoutMs);
        exit:{noproc, _} -> dead(Sup);
        exit:{normal, _} -> dead(Sup);
        exit:{Reason, _} -> call_error(Sup, {exited, Reason}, TimeoutMs)
    end.

children_result(Sup, Callback, Strategy, Total, Offset, Rows, Source) ->
    #{pid => text(Sup),
      name => registered_name(Sup),
      module => mod(Callback),
      strategy => Strategy,
      total => Total,
      offset => Offset,
      children => [child_json(R) || R <- Rows],
      source => Source}.

child_json({Id, Child, Type, Mods, Restart}) ->
    {Pid, Status} = case Child of
                        P when is_pid(P) -> {text(P), <<"running">>};
                        restarting -> {null, <<"restarting">>};
                        _ -> {null, <<"undefined">>}
                    end,
    #{id => id_text(Id),
      pid => Pid,
      status => Status,
      name => case is_pid(Child) of true -> registered_name(Child); false -> null end,
      type => Type,
      restart => Restart,
      modules => case Mods of
                     dynamic -> <<"dynamic">>;
                     L when is_list(L) -> [mod(M) || M <- L, is_atom(M)];
                     _ -> []
                 end}.

%% Children of a simple_one_for_one or DynamicSupervisor have no id.
id_text(undefined) -> null;
id_text({'$formatted', Text}) -> Text;
id_text(Id) -> element(1, beam_observer_format:term(Id, #{max_bytes => 512, depth => 8, limit => 10})).

%%% ------------------------------------------------------------------
%%% Inside the supervisor
%%% ------------------------------------------------------------------

%% The page [Offset, Offset + Limit) of the supervisor's children, read from
%% its state; `unknown' for a state of another shape.
-spec page_in(term(), non_neg_integer(), pos_integer()) ->
          #{total := non_neg_integer(), rows := [row()], strategy := atom()} | unknown.
page_in(State, Offset, Limit) ->
    case layout(State) of
        {dynamic, Strategy, Children} ->
            {Total, Entries} = map_page(Children, Offset, Limit),
            #{strategy => Strategy, total => Total, rows => [dynamic_row(P, V) || {P, V} <- Entries]};
        {simple, Template, Dynamics} ->
            {Total, Entries} = map_page(Dynamics, Offset, Limit),
            #{strategy => simple_one_for_one, total => Total,
              rows => [simple_row(Key, Template) || {Key, _} <- Entries]};
        {static, Strategy, Ids, Db} ->
            Page = lists:sublist(safe_nthtail(Offset, Ids), Limit),
            #{strategy => Strategy, total => length(Ids),
              rows => [static_row(Id, maps:get(Id, Db)) || Id <- Page]};
        unknown ->
            unknown
    end.

%% The row of one child, found by its pid; `missing' when it is not a child.
-spec lookup_in(term(), pid()) -> {found, row()} | missing | unknown.
lookup_in(State, Pid) ->
    case layout(State) of
        {dynamic, _, Children} ->
            case maps:find(Pid, Children) of
                {ok, Value} -> {found, dynamic_row(Pid, Value)};
                error -> missing
            end;
        {simple, Template, Dynamics} ->
            case is_map_key(Pid, Dynamics) of
                true -> {found, simple_row(Pid, Template)};
                false -> missing
            end;
        {static, _, Ids, Db} ->
            case [Id || Id <- Ids, element(2, maps:get(Id, Db)) =:= Pid] of
                [Id | _] -> {found, static_row(Id, maps:get(Id, Db))};
                [] -> missing
            end;
        unknown ->
            unknown
    end.

%% Elixir's DynamicSupervisor: a struct whose `children' map holds, for each
%% child pid, {MFA, Restart, Shutdown, Type, Modules} or {restarting, That}.
layout(#{'__struct__' := 'Elixir.DynamicSupervisor', children := Children, strategy := Strategy})
  when is_map(Children) ->
    {dynamic, Strategy, Children};
%% OTP's supervisor: #state{name, strategy, children = {Ids, Db}, dynamics, ...};
%% Db maps each id to a #child{} record (pid second, id third, restart type
%% fifth, child type and modules last, since OTP 21).
layout(State) when is_tuple(State), tuple_size(State) >= 5, element(1, State) =:= state ->
    case {element(3, State), element(4, State), element(5, State)} of
        {simple_one_for_one, {[Id], Db}, {Kind, Dynamics}}
          when is_map(Db), is_map(Dynamics), (Kind =:= maps orelse Kind =:= mapsets) ->
            case maps:get(Id, Db, undefined) of
                Child when is_tuple(Child), tuple_size(Child) >= 8, element(1, Child) =:= child ->
                    {simple, Child, Dynamics};
                _ -> unknown
            end;
        {Strategy, {Ids, Db}, _} when is_atom(Strategy), Strategy =/= simple_one_for_one,
                                      is_list(Ids), is_map(Db) ->
            case lists:all(fun(Id) -> is_child(maps:get(Id, Db, undefined)) end, Ids) of
                true -> {static, Strategy, Ids, Db};
                false -> unknown
            end;
        _ ->
            unknown
    end;
layout(_) ->
    unknown.

is_child(C) -> is_tuple(C) andalso tuple_size(C) >= 8 andalso element(1, C) =:= child.

dynamic_row(Pid, {restarting, Spec}) ->
    setelement(2, dynamic_row(Pid, Spec), restarting);
dynamic_row(Pid, {_MFA, Restart, _Shutdown, Type, Modules}) ->
    {undefined, Pid, Type, Modules, Restart};
dynamic_row(Pid, _Other) ->
    {undefined, Pid, worker, [], null}.

simple_row(Key, Template) ->
    Child = case Key of
                {restarting, _} -> restarting;
                Pid -> Pid
            end,
    {undefined, Child, element(tuple_size(Template) - 1, Template),
     element(tuple_size(Template), Template), element(5, Template)}.

static_row(Id, Child) ->
    Pid = case element(2, Child) of
              P when is_pid(P) -> P;
              {restarting, _} -> restarting;
              _ -> undefined
          end,
    {small_id(Id), Pid, element(tuple_size(Child) - 1, Child), element(tuple_size(Child), Child),
     element(5, Child)}.

%% Ids are copied out as they are, unless large: those are formatted here.
small_id(Id) ->
    case erts_debug:flat_size(Id) =< ?SMALL_ID_WORDS of
        true -> Id;
        false -> {'$formatted', element(1, beam_observer_format:term(Id, #{max_bytes => 512, depth => 8,
                                                                          limit => 10}))}
    end.

%% The entries [Offset, Offset + Limit) of a map, in its iteration order
%% (the order which_children lists them in), without building the whole list.
map_page(Map, Offset, Limit) ->
    Iterator = skip(maps:iterator(Map), Offset),
    {map_size(Map), take(Iterator, Limit, [])}.

skip(Iterator, 0) -> Iterator;
skip(Iterator, N) ->
    case maps:next(Iterator) of
        none -> none;
        {_, _, Next} -> skip(Next, N - 1)
    end.

take(none, _, Acc) -> lists:reverse(Acc);
take(_, 0, Acc) -> lists:reverse(Acc);
take(Iterator, N, Acc) ->
    case maps:next(Iterator) of
        none -> lists:reverse(Acc);
        {K, V, Next} -> take(Next, N - 1, [{K, V} | Acc])
    end.

safe_nthtail(N, List) when N >= length(List) -> [];
safe_nthtail(N, List) -> lists:nthtail(N, List).

%% Run Work(State) inside the supervisor; the state stays as it was.
in_supervisor(Sup, Work, TimeoutMs) ->
    Self = self(),
    Tag = make_ref(),
    Fun = fun(State) ->
                  Self ! {Tag, try {ok, Work(State)} catch C:R -> {failed, C, R} end},
                  throw(Tag)
          end,
    try sys:replace_state(Sup, Fun, TimeoutMs) of
        _ -> {ok, unknown}
    catch
        error:{callback_failed, _, {throw, Tag}} ->
            receive {Tag, Result} -> Result after 0 -> {failed, error, lost} end;
        error:{callback_failed, _, Failure} -> {failed, error, Failure};
        exit:{timeout, _} -> timeout;
        exit:{noproc, _} -> noproc;
        exit:{normal, _} -> noproc;
        exit:{Reason, _} -> {exited, Reason}
    end.

call_error(Sup, timeout, TimeoutMs) ->
    {error, ?Timeout, <<"supervisor ", (text(Sup))/binary, " did not answer within ",
                        (integer_to_binary(TimeoutMs))/binary,
                        " ms (it may be blocked starting or stopping a child)">>};
call_error(Sup, noproc, _) ->
    dead(Sup);
call_error(Sup, {exited, Reason}, _) ->
    {error, ?ProcessNotFound, <<"supervisor ", (text(Sup))/binary, " exited while answering: ",
                                (beam_observer_format:short(Reason))/binary>>};
call_error(Sup, {failed, Class, Reason}, _) ->
    {error, ?InternalError, <<"reading the children of ", (text(Sup))/binary, " failed: ",
                              (beam_observer_format:short({Class, Reason}))/binary>>}.

%%% ------------------------------------------------------------------
%%% Who supervises a process
%%% ------------------------------------------------------------------

%% The supervisor of Pid and Pid's row in it: {ok, Supervisor, Row}, or
%% `none' with why (its parent is no supervisor, or does not list it).
-spec supervisor_of(pid(), pos_integer()) ->
          {ok, pid(), map()} | {none, binary()} | {error, integer(), binary()}.
supervisor_of(Pid, TimeoutMs) ->
    case erlang:process_info(Pid, parent) of
        undefined -> dead(Pid);
        {parent, Parent} when is_pid(Parent), node(Parent) =:= node() ->
            case check(Parent) of
                {ok, _} -> listed_by(Parent, Pid, TimeoutMs);
                {error, ?NotSupervisor, _} ->
                    {none, <<"its parent ", (describe(Parent))/binary, " is not a supervisor">>};
                {error, ?ProcessNotFound, _} ->
                    {none, <<"its parent ", (text(Parent))/binary, " is no longer alive">>};
                Error -> Error
            end;
        {parent, _} ->
            {none, <<"it has no parent process">>}
    end.

listed_by(Sup, Pid, TimeoutMs) ->
    case in_supervisor(Sup, fun(State) -> lookup_in(State, Pid) end, TimeoutMs) of
        {ok, {found, Row}} -> {ok, Sup, child_json(Row)};
        {ok, missing} -> {none, not_listed(Sup)};
        {ok, unknown} ->
            try gen_server:call(Sup, which_children, TimeoutMs) of
                All ->
                    case [{Id, P, T, M, null} || {Id, P, T, M} <- All, P =:= Pid] of
                        [Row | _] -> {ok, Sup, child_json(Row)};
                        [] -> {none, not_listed(Sup)}
                    end
            catch
                exit:{timeout, _} -> call_error(Sup, timeout, TimeoutMs);
                exit:_ -> dead(Sup)
            end;
        Error ->
            call_error(Sup, Error, TimeoutMs)
    end.

not_listed(Sup) ->
    <<"its parent, supervisor ", (describe(Sup))/binary, ", does not list it as a child">>.

%% supervisor/path: the supervisors from the application's top supervisor
%% down to Pid, each with its id, restart type and child type in the one
%% above; `application' from the group leader (an ETS read, no message).
-spec path(pid(), pos_integer()) -> {ok, map()} | {error, integer(), binary()}.
path(Pid, TimeoutMs) ->
    case erlang:is_process_alive(Pid) of
        false -> dead(Pid);
        true ->
            Deadline = erlang:monotonic_time(millisecond) + TimeoutMs,
            case climb(Pid, Deadline, ?MAX_DEPTH, []) of
                {ok, Path, Why} ->
                    {ok, #{pid => text(Pid),
                           application => application_of(Pid),
                           supervised => length(Path) > 1,
                           why => Why,
                           path => Path}};
                Error ->
                    Error
            end
    end.

climb(Pid, Deadline, Depth, Below) ->
    Remaining = max(1, Deadline - erlang:monotonic_time(millisecond)),
    Self = fun(Row) -> entry(Pid, Row) end,
    case Depth =:= 0 orelse supervisor_of(Pid, Remaining) of
        true -> {ok, [Self(null) | Below], null};
        {ok, Sup, Row} -> climb(Sup, Deadline, Depth - 1, [Self(Row) | Below]);
        {none, Why} when Below =:= [] -> {ok, [Self(null)], Why};
        {none, _} -> {ok, [Self(null) | Below], null};
        {error, ?ProcessNotFound, _} when Below =/= [] -> {ok, [Self(null) | Below], null};
        Error -> Error
    end.

%% One step of the path: the process, and how the supervisor above it lists it.
entry(Pid, Row) ->
    Base = #{pid => text(Pid), name => registered_name(Pid),
             supervisor => check_quietly(Pid)},
    case Row of
        null -> Base#{id => null, restart => null, type => null};
        #{id := Id, restart := Restart, type := Type} -> Base#{id => Id, restart => Restart, type => Type}
    end.

check_quietly(Pid) ->
    case check(Pid) of
        {ok, _} -> true;
        _ -> false
    end.

%%% ------------------------------------------------------------------
%%% Small shared pieces
%%% ------------------------------------------------------------------

application_of(Pid) ->
    case application:get_application(Pid) of
        {ok, App} -> App;
        undefined -> null
    end.

describe(Pid) ->
    case registered_name(Pid) of
        null -> text(Pid);
        Name -> <<(text(Pid))/binary, " (", (mod(Name))/binary, ")">>
    end.

registered_name(Pid) -> beam_observer_pid:registered_name(Pid).

mod(M) -> beam_observer_format:module_name(M).

text(Pid) -> beam_observer_pid:to_binary(Pid).

dead(Pid) ->
    {error, ?ProcessNotFound, <<"process ", (text(Pid))/binary, " is not alive">>}.
