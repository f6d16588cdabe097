%%% JSON-RPC methods about the rest of the node (beside its processes):
%%% system/info, applications/list, supervisor/children, supervisor/path,
%%% ets/list, ets/rows, ports/list, process/gc and process/kill. Parameter
%%% checking here, the work in one module per concern:
%%% beam_observer_system, _apps, _supervisor, _ets, _ports, _actions.
%%%
%%% beam_observer_rpc routes these methods here after it has picked the node
%%% (a request's `node'); a pid printed for a process of another node is
%%% answered by that node, as for process/info. Names and parameters are
%%% matched as binaries, never turned into atoms (a table name only through
%%% binary_to_existing_atom/1, in beam_observer_ets).
-module(beam_observer_node_rpc).

-include("beam_observer_errors.hrl").

-export([methods/0, capabilities/0, run/2]).

-define(DEFAULT_TIMEOUT_MS, 5000).
-define(MAX_TIMEOUT_MS, 30000).
-define(MAX_CHILDREN_PAGE, 500).
-define(MAX_OFFSET, 100000000).
-define(MAX_ROWS_PAGE, 500).
-define(MAX_LIST_LIMIT, 1000).
-define(MAX_FILTER_BYTES, 200).
-define(MAX_TABLE_TEXT_BYTES, 255).
-define(MAX_CONTINUATION_BYTES, 262144).

-spec methods() -> [binary()].
methods() ->
    [<<"system/info">>, <<"applications/list">>, <<"supervisor/children">>, <<"supervisor/path">>,
     <<"ets/list">>, <<"ets/rows">>, <<"ports/list">>, <<"process/gc">>, <<"process/kill">>].

%% What initialize announces for these methods.
-spec capabilities() -> [binary()].
capabilities() ->
    [<<"system/info">>, <<"applications/list">>, <<"supervisor/children">>, <<"ets">>,
     <<"ports/list">>, <<"process/gc">>, <<"process/kill">>].

%% Run a request in this node (beam_observer_rpc has resolved `node').
-spec run(binary(), term()) -> {ok, term()} | {error, integer(), binary()}.
run(Method, Params) when Params =:= undefined; Params =:= null ->
    run(Method, #{});
run(_Method, Params) when not is_map(Params) ->
    {error, ?InvalidParams, <<"params must be an object">>};
run(<<"system/info">>, _Params) ->
    beam_observer_system:info();
run(<<"applications/list">>, Params) ->
    checked(Params, fun(P) -> timeout_param(P) end, fun beam_observer_apps:list/1);
run(<<"supervisor/children">> = Method, Params) ->
    with_pid(Method, Params,
             fun(P) -> {integer_param(P, <<"offset">>, 0, 0, ?MAX_OFFSET),
                        integer_param(P, <<"limit">>, 100, 1, ?MAX_CHILDREN_PAGE), timeout_param(P)} end,
             fun(Pid, {Offset, Limit, Timeout}) -> beam_observer_supervisor:children(Pid, Offset, Limit, Timeout) end);
run(<<"supervisor/path">> = Method, Params) ->
    with_pid(Method, Params, fun timeout_param/1,
             fun(Pid, Timeout) -> beam_observer_supervisor:path(Pid, Timeout) end);
run(<<"ets/list">>, Params) ->
    checked(Params,
            fun(P) -> #{sort_by => enum_param(P, <<"sortBy">>, memory, [{<<"memory">>, memory}, {<<"size">>, size},
                                                                       {<<"name">>, name}]),
                        limit => integer_param(P, <<"limit">>, 200, 1, ?MAX_LIST_LIMIT),
                        filter => filter_param(P)} end,
            fun beam_observer_ets:list/1);
run(<<"ets/rows">>, Params) ->
    checked(Params,
            fun(P) -> {table_param(P), integer_param(P, <<"limit">>, 100, 1, ?MAX_ROWS_PAGE), continuation_param(P)} end,
            fun({Table, Limit, Continuation}) -> beam_observer_ets:rows(Table, Limit, Continuation) end);
run(<<"ports/list">>, Params) ->
    checked(Params,
            fun(P) -> #{sort_by => enum_param(P, <<"sortBy">>, input,
                                              [{<<"input">>, input}, {<<"output">>, output},
                                               {<<"queueSize">>, queue_size}, {<<"memory">>, memory}]),
                        limit => integer_param(P, <<"limit">>, 200, 1, ?MAX_LIST_LIMIT),
                        filter => filter_param(P)} end,
            fun beam_observer_ports:list/1);
run(<<"process/gc">> = Method, Params) ->
    with_pid(Method, Params, fun timeout_param/1, fun beam_observer_actions:gc/2);
run(<<"process/kill">> = Method, Params) ->
    with_pid(Method, Params,
             fun(P) -> {enum_param(P, <<"reason">>, kill, [{<<"kill">>, kill}, {<<"shutdown">>, shutdown}]),
                        boolean_param(P, <<"dryRun">>, false), timeout_param(P)} end,
             fun(Pid, {Reason, DryRun, Timeout}) -> beam_observer_actions:kill(Pid, Reason, DryRun, Timeout) end);
run(Method, _Params) ->
    {error, ?MethodNotFound, <<"unknown method: ", Method/binary>>}.

%%% ------------------------------------------------------------------
%%% Parameters
%%% ------------------------------------------------------------------

checked(Params, Check, Run) ->
    try Check(Params) of
        Args -> Run(Args)
    catch
        throw:{invalid, Message} -> {error, ?InvalidParams, Message}
    end.

%% A pid of this node runs here; a pid this node printed for a process of
%% another node of the cluster runs there, in that node's own form.
with_pid(Method, Params, Check, Run) ->
    case beam_observer_pid:parse(maps:get(<<"pid">>, Params, null)) of
        {ok, Pid} when node(Pid) =/= node() ->
            Timeout = try timeout_param(Params) catch throw:_ -> ?DEFAULT_TIMEOUT_MS end,
            beam_observer_cluster:call(node(Pid), Method,
                                       maps:remove(<<"node">>, Params#{<<"pid">> => local_form(Pid)}),
                                       Timeout + 10000);
        {ok, Pid} ->
            checked(Params, Check, fun(Args) -> Run(Pid, Args) end);
        {error, _, _} = Error ->
            Error
    end.

%% "<0.Y.Z>": how the pid's own node prints it.
local_form(Pid) ->
    [_, Number, Serial] = string:lexemes(string:trim(pid_to_list(Pid), both, "<>"), "."),
    list_to_binary(["<0.", Number, ".", Serial, ">"]).

timeout_param(P) ->
    integer_param(P, <<"timeoutMs">>, ?DEFAULT_TIMEOUT_MS, 1, ?MAX_TIMEOUT_MS).

integer_param(P, Name, Default, Min, Max) ->
    case maps:get(Name, P, Default) of
        N when is_integer(N), N >= Min, N =< Max -> N;
        _ -> invalid(<<Name/binary, " must be an integer from ", (integer_to_binary(Min))/binary,
                       " to ", (integer_to_binary(Max))/binary>>)
    end.

boolean_param(P, Name, Default) ->
    case maps:get(Name, P, Default) of
        B when is_boolean(B) -> B;
        _ -> invalid(<<Name/binary, " must be true or false">>)
    end.

%% One of a fixed set of texts, each mapped to an atom written here.
enum_param(P, Name, Default, Choices) ->
    case maps:get(Name, P, null) of
        null -> Default;
        Text ->
            case lists:keyfind(Text, 1, Choices) of
                {_, Value} -> Value;
                false ->
                    Names = [<<"\"", C/binary, "\"">> || {C, _} <- Choices],
                    invalid(<<Name/binary, " must be one of ", (join(Names))/binary>>)
            end
    end.

filter_param(P) ->
    case maps:get(<<"filter">>, P, null) of
        null -> none;
        <<>> -> none;
        F when is_binary(F), byte_size(F) =< ?MAX_FILTER_BYTES -> F;
        _ -> invalid(<<"filter must be a string of at most ", (integer_to_binary(?MAX_FILTER_BYTES))/binary,
                       " bytes">>)
    end.

table_param(P) ->
    case maps:get(<<"table">>, P, null) of
        T when is_binary(T), byte_size(T) > 0, byte_size(T) =< ?MAX_TABLE_TEXT_BYTES -> T;
        _ -> invalid(<<"table must be a table's name or id as ets/list gives it (a string of 1 to ",
                       (integer_to_binary(?MAX_TABLE_TEXT_BYTES))/binary, " bytes)">>)
    end.

continuation_param(P) ->
    case maps:get(<<"continuation">>, P, null) of
        null -> none;
        C when is_binary(C), byte_size(C) > 0, byte_size(C) =< ?MAX_CONTINUATION_BYTES -> C;
        _ -> invalid(<<"continuation must be the string a previous page returned">>)
    end.

invalid(Message) -> throw({invalid, Message}).

join([]) -> <<>>;
join([First | Rest]) -> iolist_to_binary([First | [[<<", ">>, N] || N <- Rest]]).
