%%% The parameters of the tracing methods (trace/start, calls/start,
%%% calls/read, calls/stop, modules/loaded): checked once here, with the
%%% limits that keep a trace safe on a busy node.
%%%
%%% Nothing from the client becomes an atom: a module or function name is
%%% looked up with binary_to_existing_atom/1 and must name a module that is
%%% *loaded* (erlang:module_loaded/1 loads nothing) and a function that
%%% module defines (its module_info(functions), exported or not). So an
%%% unknown name is a precise error and nothing is loaded or created on its
%%% account.
-module(beam_observer_trace_params).

-include("beam_observer_errors.hrl").

-export([limits/0, limits_json/0, trace_start/1, counter_start/1, counter_module/1,
         trace_id/1, module_names/1, module/1]).
%% Exported for tests.
-export([groups/1]).

-type mfa_spec() :: {module(), atom(), arity() | '_'} | {module(), '_', '_'}.
-type group() :: #{spec := mfa_spec(), mfas := [mfa()]}.
-type trace_limits() :: #{max_events := pos_integer(), max_per_second := pos_integer(),
                          duration_ms := pos_integer()}.
-type trace_spec() :: #{kind := calls, groups := [group()], targets := all | [pid()],
                        detail := arity | args, returns := boolean(), limits := trace_limits()}
                    | #{kind := messages, pid := pid(), limits := trace_limits()}.
-type error() :: {error, integer(), binary()}.
-export_type([group/0, trace_limits/0, trace_spec/0]).

%% The defaults are small on purpose: a trace someone forgot is cheap.
%% The caps are the most a client may ask for (docs/protocol.md, "Tracing").
-spec limits() -> map().
limits() ->
    #{defaults => #{max_events => 200, max_per_second => 50, duration_ms => 30000},
      caps => #{max_events => 10000, max_per_second => 1000, duration_ms => 600000},
      max_call_entries => 32,            %% entries of `calls'
      max_pids => 100,                   %% entries of `pids'
      max_module_names => 200,           %% names per modules/loaded request
      max_traces_per_connection => 4,
      max_counters_per_connection => 16}.

%% What initialize reports under traceLimits.
-spec limits_json() -> map().
limits_json() ->
    #{defaults := D, caps := C} = limits(),
    Json = fun(#{max_events := E, max_per_second := R, duration_ms := Ms}) ->
                   #{maxEvents => E, maxPerSecond => R, durationMs => Ms}
           end,
    #{defaults => Json(D), caps => Json(C)}.

%%% ------------------------------------------------------------------
%%% trace/start
%%% ------------------------------------------------------------------

-spec trace_start(term()) -> {ok, trace_spec()} | error().
trace_start(P) when is_map(P) ->
    try
        Limits = trace_limits(maps:get(<<"limits">>, P, #{})),
        case {maps:get(<<"messages">>, P, null), maps:get(<<"calls">>, P, null)} of
            {null, null} ->
                invalid(<<"give calls (the functions to trace) or messages (the process whose messages to trace)">>);
            {null, Calls} ->
                calls_spec(P, Calls, Limits);
            {Messages, Empty} when Empty =:= null; Empty =:= [] ->
                {ok, #{kind => messages, pid => messages_pid(Messages), limits => Limits}};
            _ ->
                invalid(<<"give either calls or messages, not both: a trace follows calls or one process's messages">>)
        end
    catch
        throw:{invalid, Message} -> {error, ?InvalidParams, Message};
        throw:{error, Code, Message} -> {error, Code, Message}
    end;
trace_start(_) ->
    {error, ?InvalidParams, <<"params must be an object">>}.

calls_spec(P, Calls, Limits) ->
    #{max_call_entries := MaxEntries} = limits(),
    case is_list(Calls) andalso length(Calls) >= 1 andalso length(Calls) =< MaxEntries of
        true -> ok;
        false -> invalid(<<"calls must be a list of 1 to ", (integer_to_binary(MaxEntries))/binary,
                           " entries {module, function?, arity?}">>)
    end,
    Entries = [call_entry(C) || C <- Calls],
    Detail = case maps:get(<<"detail">>, P, <<"arity">>) of
                 <<"arity">> -> arity;
                 <<"args">> -> args;
                 _ -> invalid(<<"detail must be \"arity\" or \"args\"">>)
             end,
    Returns = case maps:get(<<"returns">>, P, false) of
                  B when is_boolean(B) -> B;
                  _ -> invalid(<<"returns must be true or false">>)
              end,
    {ok, #{kind => calls, groups => groups(Entries), targets => targets(maps:get(<<"pids">>, P, null)),
           detail => Detail, returns => Returns, limits => Limits}}.

%% One entry of `calls': {Module, Function | '_', Arity | '_', [mfa()]},
%% the last being the functions of the module it names.
call_entry(#{<<"module">> := Name} = C) ->
    Module = module(Name),
    Functions = Module:module_info(functions),
    whole_module_allowed(Module, maps:get(<<"function">>, C, null)),
    case {maps:get(<<"function">>, C, null), maps:get(<<"arity">>, C, null)} of
        {null, null} ->
            %% The whole module: its own functions, not the ones the compiler
            %% generates for funs and comprehensions ('-main/0-fun-0-').
            {Module, '_', '_', [{Module, F, A} || {F, A} <- Functions, not generated(F)]};
        {null, _} ->
            invalid(<<"arity needs a function">>);
        {FName, Arity} when is_binary(FName) ->
            Function = function(Module, FName, Functions),
            case Arity of
                null ->
                    {Module, Function, '_', [{Module, F, A} || {F, A} <- Functions, F =:= Function]};
                N when is_integer(N), N >= 0, N =< 255 ->
                    case lists:member({Function, N}, Functions) of
                        true -> {Module, Function, N, [{Module, Function, N}]};
                        false -> no_function(Module, FName, Arity, Functions)
                    end;
                _ ->
                    invalid(<<"arity must be an integer from 0 to 255">>)
            end;
        _ ->
            invalid(<<"function must be a string">>)
    end;
call_entry(_) ->
    invalid(<<"each entry of calls must be an object {module, function?, arity?}">>).

%% Every call of every function of a preloaded module (erlang, prim_*...)
%% would trace the runtime under the agent itself: name the function.
whole_module_allowed(Module, null) ->
    case lists:member(Module, erlang:pre_loaded()) of
        true ->
            throw({error, ?NotTraceable,
                   <<(atom_to_binary(Module))/binary, " is part of the runtime: trace one of its functions, "
                     "not the whole module">>});
        false -> ok
    end;
whole_module_allowed(_, _) -> ok.

%% Entries grouped by module so that overlapping ones set one pattern: a
%% whole module covers its functions, a function without arity its arities.
-spec groups([{module(), atom(), arity() | '_', [mfa()]}]) -> [group()].
groups(Entries) ->
    Modules = lists:usort([M || {M, _, _, _} <- Entries]),
    lists:append([module_groups([E || {M1, _, _, _} = E <- Entries, M1 =:= M]) || M <- Modules]).

module_groups(Entries) ->
    case [E || {_, '_', _, _} = E <- Entries] of
        [{M, '_', '_', MFAs} | _] ->
            [#{spec => {M, '_', '_'}, mfas => MFAs}];
        [] ->
            AnyArity = lists:usort([F || {_, F, '_', _} <- Entries]),
            Whole = [#{spec => {M, F, '_'}, mfas => MFAs} || {M, F, '_', MFAs} <- lists:ukeysort(2, [E || {_, _, '_', _} = E <- Entries])],
            Single = lists:usort([{M, F, A} || {M, F, A, _} <- Entries, A =/= '_', not lists:member(F, AnyArity)]),
            Whole ++ [#{spec => MFA, mfas => [MFA]} || MFA <- Single]
    end.

targets(null) -> all;
targets(Pids) when is_list(Pids) ->
    #{max_pids := Max} = limits(),
    case length(Pids) >= 1 andalso length(Pids) =< Max of
        true -> lists:usort([traceable_pid(P) || P <- Pids]);
        false -> invalid(<<"pids must be a list of 1 to ", (integer_to_binary(Max))/binary,
                           " pids (or left out: every process)">>)
    end;
targets(_) ->
    invalid(<<"pids must be a list of pids such as \"<0.123.0>\"">>).

messages_pid(#{<<"pid">> := Text}) -> traceable_pid(Text);
messages_pid(_) -> invalid(<<"messages must be an object {pid}">>).

%% A live local process that is not the agent's own.
traceable_pid(Text) ->
    case beam_observer_pid:parse(Text) of
        {ok, Pid} when node(Pid) =/= node() ->
            throw({error, ?TraceOnOtherNode,
                   <<"process ", Text/binary, " runs in ", (atom_to_binary(node(Pid)))/binary,
                     ": a trace runs in the node whose agent you are connected to (",
                     (atom_to_binary(node()))/binary, ")">>});
        {ok, Pid} ->
            case {is_process_alive(Pid), beam_observer_registry:is_agent(Pid)} of
                {false, _} ->
                    throw({error, ?ProcessNotFound, <<"process ", Text/binary, " is not alive">>});
                {true, true} ->
                    throw({error, ?AgentProcess,
                           <<"process ", Text/binary, " belongs to BEAM Observer's agent; it is not traced">>});
                {true, false} ->
                    Pid
            end;
        {error, Code, Message} ->
            throw({error, Code, Message})
    end.

trace_limits(L) when is_map(L) ->
    #{defaults := D, caps := C} = limits(),
    #{max_events => limit(L, <<"maxEvents">>, max_events, D, C),
      max_per_second => limit(L, <<"maxPerSecond">>, max_per_second, D, C),
      duration_ms => limit(L, <<"durationMs">>, duration_ms, D, C)};
trace_limits(_) ->
    invalid(<<"limits must be an object {maxEvents?, maxPerSecond?, durationMs?}">>).

limit(L, Name, Key, Defaults, Caps) ->
    Cap = maps:get(Key, Caps),
    case maps:get(Name, L, maps:get(Key, Defaults)) of
        N when is_integer(N), N >= 1, N =< Cap -> N;
        _ -> invalid(<<"limits.", Name/binary, " must be an integer from 1 to ", (integer_to_binary(Cap))/binary>>)
    end.

%%% ------------------------------------------------------------------
%%% calls/start, calls/read, calls/stop, trace/stop, modules/loaded
%%% ------------------------------------------------------------------

-spec counter_start(term()) -> {ok, #{module := module(), time := boolean()}} | error().
counter_start(P) ->
    case counter_module(P) of
        {ok, Module} ->
            case maps:get(<<"time">>, P, false) of
                T when is_boolean(T) -> {ok, #{module => Module, time => T}};
                _ -> {error, ?InvalidParams, <<"time must be true or false">>}
            end;
        Error -> Error
    end.

-spec counter_module(term()) -> {ok, module()} | error().
counter_module(#{<<"module">> := Name}) ->
    try {ok, module(Name)}
    catch
        throw:{invalid, Message} -> {error, ?InvalidParams, Message};
        throw:{error, Code, Message} -> {error, Code, Message}
    end;
counter_module(_) ->
    {error, ?InvalidParams, <<"module must be a module name such as \"Elixir.MyApp.Worker\" or \"my_module\"">>}.

-spec trace_id(term()) -> {ok, pos_integer()} | error().
trace_id(#{<<"traceId">> := Id}) when is_integer(Id), Id >= 1 -> {ok, Id};
trace_id(_) -> {error, ?InvalidParams, <<"traceId must be the positive integer trace/start returned">>}.

%% modules/loaded: which of these names are loaded modules. Names that are
%% no atom are simply not loaded.
-spec module_names(term()) -> {ok, [binary()]} | error().
module_names(#{<<"modules">> := Names}) when is_list(Names) ->
    #{max_module_names := Max} = limits(),
    case length(Names) =< Max andalso lists:all(fun(N) -> is_binary(N) andalso byte_size(N) =< 255 end, Names) of
        true -> {ok, Names};
        false -> {error, ?InvalidParams, <<"modules must be a list of at most ", (integer_to_binary(Max))/binary,
                                           " module names">>}
    end;
module_names(_) ->
    {error, ?InvalidParams, <<"modules must be a list of module names">>}.

%% A loaded module that is not the agent's own, by name.
-spec module(term()) -> module().
module(Name) when is_binary(Name), byte_size(Name) >= 1, byte_size(Name) =< 255 ->
    Module = try binary_to_existing_atom(Name)
             catch error:badarg -> not_loaded(Name)
             end,
    case erlang:module_loaded(Module) of
        false -> not_loaded(Name);
        true -> ok
    end,
    case lists:member(Module, beam_observer_agent:modules()) of
        true -> throw({error, ?NotTraceable, <<Name/binary, " is part of BEAM Observer's agent, which does not trace itself">>});
        false -> Module
    end;
module(_) ->
    invalid(<<"module must be a module name such as \"Elixir.MyApp.Worker\" or \"my_module\"">>).

not_loaded(Name) ->
    throw({error, ?ModuleNotLoaded,
           <<"module ", Name/binary, " is not loaded in ", (atom_to_binary(node()))/binary,
             " (BEAM Observer loads nothing on a trace's account: run code that uses it, then trace)">>}).

function(Module, FName, Functions) ->
    try binary_to_existing_atom(FName) of
        F ->
            case lists:keymember(F, 1, Functions) of
                true -> F;
                false -> no_function(Module, FName, null, Functions)
            end
    catch
        error:badarg -> no_function(Module, FName, null, Functions)
    end.

no_function(Module, FName, Arity, Functions) ->
    Wanted = case Arity of
                 null -> FName;
                 _ -> <<FName/binary, "/", (integer_to_binary(Arity))/binary>>
             end,
    Same = [A || {F, A} <- Functions, atom_to_binary(F) =:= FName],
    Hint = case Same of
               [] -> <<>>;
               _ -> <<" (it defines ", FName/binary, " with arity ",
                      (join([integer_to_binary(A) || A <- lists:usort(Same)]))/binary, ")">>
           end,
    throw({error, ?FunctionNotFound,
           <<(atom_to_binary(Module))/binary, " defines no function ", Wanted/binary, Hint/binary>>}).

generated(F) ->
    case atom_to_binary(F) of
        <<"-", _/binary>> -> true;
        _ -> false
    end.

join([]) -> <<>>;
join([First | Rest]) -> iolist_to_binary([First | [[<<", ">>, X] || X <- Rest]]).

invalid(Message) -> throw({invalid, Message}).
