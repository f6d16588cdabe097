%%% The tracing methods: trace/start, trace/stop, calls/start, calls/read,
%%% calls/stop and modules/loaded (docs/protocol.md, "Tracing").
%%%
%%% Unlike the other methods, these belong to a connection: a trace sends
%%% its events to the connection that started it and ends when that
%%% connection closes, and only that connection can stop it or read its
%%% counters. So the connection process dispatches them here with its own
%%% pid. Tracing runs in the node of the agent the client is connected to.
-module(beam_observer_trace_rpc).

-include("beam_observer_errors.hrl").

-export([methods/0, handle/3]).

-spec methods() -> [binary()].
methods() ->
    [<<"trace/start">>, <<"trace/stop">>, <<"calls/start">>, <<"calls/read">>, <<"calls/stop">>,
     <<"modules/loaded">>].

%% A request of the connection Conn.
-spec handle(pid(), binary(), term()) -> {ok, map()} | {error, integer(), binary()}.
handle(Conn, Method, Params) when is_map(Params) ->
    case beam_observer_cluster:target(Params) of
        {ok, local} ->
            case run(Conn, Method, Params) of
                {ok, Result} -> {ok, Result#{node => node()}};
                Error -> Error
            end;
        {ok, Node} ->
            {error, ?TraceOnOtherNode,
             <<"tracing runs in the node whose agent you are connected to (", (atom_to_binary(node()))/binary,
               "); to trace ", (atom_to_binary(Node))/binary, ", attach to it">>};
        Error ->
            Error
    end;
handle(_Conn, _Method, _Params) ->
    {error, ?InvalidParams, <<"params must be an object">>}.

run(Conn, <<"trace/start">>, Params) ->
    #{max_traces_per_connection := Max} = beam_observer_trace_params:limits(),
    case beam_observer_trace_index:count(Conn, trace) >= Max of
        true -> too_many(<<"traces">>, Max);
        false ->
            case beam_observer_trace_params:trace_start(Params) of
                {ok, Spec} -> beam_observer_trace_session:start(Conn, Spec);
                Error -> Error
            end
    end;
run(Conn, <<"trace/stop">>, Params) ->
    case beam_observer_trace_params:trace_id(Params) of
        {ok, Id} ->
            case beam_observer_trace_index:find(Conn, Id) of
                {ok, #{pid := Session, kind := Kind}} when Kind =/= counter ->
                    beam_observer_trace_session:stop(Session, stopped);
                _ ->
                    {error, ?TraceNotFound, <<"no trace ", (integer_to_binary(Id))/binary,
                                              " runs for this connection (it has ended, or another client started it)">>}
            end;
        Error -> Error
    end;
run(Conn, <<"calls/start">>, Params) ->
    case beam_observer_trace_params:counter_start(Params) of
        {ok, #{module := Module} = Spec} ->
            %% Starting again starts over (with or without times).
            Again = case beam_observer_trace_index:find_counter(Conn, Module) of
                        {ok, _, #{pid := Old}} -> beam_observer_trace_session:stop(Old, stopped), true;
                        none -> false
                    end,
            #{max_counters_per_connection := Max} = beam_observer_trace_params:limits(),
            case not Again andalso beam_observer_trace_index:count(Conn, counter) >= Max of
                true -> too_many(<<"call counters">>, Max);
                false -> beam_observer_trace_session:start(Conn, Spec#{kind => counter})
            end;
        Error -> Error
    end;
run(Conn, <<"calls/read">>, Params) ->
    with_counter(Conn, Params, fun beam_observer_trace_session:read/1);
run(Conn, <<"calls/stop">>, Params) ->
    with_counter(Conn, Params, fun(Session) -> beam_observer_trace_session:stop(Session, stopped) end);
run(_Conn, <<"modules/loaded">>, Params) ->
    case beam_observer_trace_params:module_names(Params) of
        {ok, Names} -> {ok, #{modules => [N || N <- Names, loaded(N)]}};
        Error -> Error
    end.

with_counter(Conn, Params, Then) ->
    case beam_observer_trace_params:counter_module(Params) of
        {ok, Module} ->
            case beam_observer_trace_index:find_counter(Conn, Module) of
                {ok, _Id, #{pid := Session}} -> Then(Session);
                none -> {error, ?TraceNotFound, <<"calls of ", (atom_to_binary(Module))/binary,
                                                  " are not being counted for this connection">>}
            end;
        Error -> Error
    end.

loaded(Name) ->
    try erlang:module_loaded(binary_to_existing_atom(Name))
    catch error:badarg -> false
    end.

too_many(What, Max) ->
    {error, ?TooManyTraces, <<"at most ", (integer_to_binary(Max))/binary, " ", What/binary,
                              " run at once per connection; stop one first">>}.
