%%% JSON-RPC methods: parameter checking and dispatch.
%%%
%%% Method names and parameters are matched as binaries and never turned
%%% into atoms. Every method and error code here is documented in
%%% docs/protocol.md and typed in extension/src/protocol/agentProtocol.ts.
-module(beam_observer_rpc).

-include("beam_observer_errors.hrl").

-export([handle/2, handle_local/2, handle_remote/2, subscribe_params/1, cluster_subscription/1]).

-type result() :: {ok, term()} | {error, integer(), binary()}.

-define(METHODS, [<<"initialize">>, <<"cluster/nodes">>, <<"pid/resolve">>,
                  <<"processes/list">>, <<"process/info">>, <<"process/state">>,
                  <<"process/messages">>,
                  %% issue 14: the recorder
                  <<"history/get">>, <<"history/configure">>,
                  %% issue 17: the budget for observing (beam_observer_budget)
                  <<"budget/get">>, <<"budget/set">>]).

%% The rest of the node (issue 12): supervisors, ETS, ports, system, process
%% actions; their parameters and dispatch live in beam_observer_node_rpc.
-define(NODE_METHODS, beam_observer_node_rpc:methods()).

%% A request from a client: run it here or, when it names another node (or a
%% pid of another node), in that node (see beam_observer_cluster).
-spec handle(binary(), term()) -> result().
handle(Method, Params) ->
    case lists:member(Method, ?METHODS) orelse lists:member(Method, ?NODE_METHODS) of
        false ->
            unknown_method(Method);
        true ->
            case beam_observer_cluster:target(Params) of
                {ok, local} -> handle_local(Method, Params);
                {ok, Node} -> forward(Node, Method, Params);
                {error, _, _} = Error -> Error
            end
    end.

%% Run a request in this node. Results name the node that answered them.
-spec handle_local(binary(), term()) -> result().
handle_local(Method, Params) ->
    case run(Method, Params) of
        {ok, Result} when is_map(Result) -> {ok, maps:merge(#{node => node()}, Result)};
        Other -> Other
    end.

%% In a cluster member, a request of another node's agent (through erpc):
%% the process erpc runs it in counts as the agent's own, so it is marked in
%% process lists and its time shows in the agent's cost.
-spec handle_remote(binary(), term()) -> result().
handle_remote(Method, Params) ->
    beam_observer_registry:agent_work(worker, fun() -> handle_local(Method, Params) end).

run(<<"initialize">>, _Params) ->
    {ok, initialize()};
run(<<"cluster/nodes">>, _Params) ->
    {ok, beam_observer_cluster:nodes()};
run(<<"pid/resolve">>, Params) ->
    with_params(Params, fun pid_params/1, fun resolve/1);
run(<<"processes/list">>, Params) ->
    with_params(Params, fun list_params/1, fun beam_observer_ranking:list/1);
run(<<"process/info">>, Params) ->
    with_pid(<<"process/info">>, Params, fun pid_params/1, fun beam_observer_inspect:info/1);
run(<<"process/state">>, Params) ->
    with_pid(<<"process/state">>, Params, fun state_params/1,
             fun({Pid, Timeout}) -> beam_observer_inspect:state(Pid, Timeout) end);
run(<<"process/messages">>, Params) ->
    with_pid(<<"process/messages">>, Params, fun messages_params/1,
             fun({Pid, Limit}) -> beam_observer_inspect:messages(Pid, Limit) end);
%% The recorder's history (beam_observer_recorder).
run(<<"history/get">>, Params) ->
    with_params(Params, fun history_params/1,
                fun({Since, Until}) -> with_recorder(fun() -> beam_observer_recorder:history(Since, Until) end) end);
run(<<"history/configure">>, Params) ->
    with_params(Params, fun configure_params/1,
                fun(Changes) -> with_recorder(fun() -> history_configure(Changes) end) end);
%% The node's budget for observing, shared by every client (beam_observer_budget).
run(<<"budget/get">>, _Params) ->
    {ok, budget_status()};
run(<<"budget/set">>, Params) ->
    with_params(Params, fun budget_params/1,
                fun(Share) -> beam_observer_budget:set_share(Share), {ok, budget_status()} end);
run(Method, Params) ->
    case lists:member(Method, ?NODE_METHODS) of
        true -> beam_observer_node_rpc:run(Method, Params);
        false -> unknown_method(Method)
    end.

%% A pid this node printed for a process of another node runs there, with
%% the pid in that node's own form.
with_pid(Method, Params, Check, Run) ->
    case is_map(Params) andalso pid_params(Params) of
        {ok, Pid} when node(Pid) =/= node() ->
            forward(node(Pid), Method, Params#{<<"pid">> => local_form(Pid)});
        _ ->
            with_params(Params, Check, Run)
    end.

resolve(Pid) ->
    {ok, #{pid => local_form(Pid), node => node(Pid), printedBy => node()}}.

%% "<0.Y.Z>": how the pid's own node prints it.
local_form(Pid) ->
    [_, Number, Serial] = string:lexemes(string:trim(pid_to_list(Pid), both, "<>"), "."),
    list_to_binary(["<0.", Number, ".", Serial, ">"]).

forward(Node, Method, Params) ->
    %% Only maps get here: a request without an object for params runs locally.
    beam_observer_cluster:call(Node, Method, maps:remove(<<"node">>, Params), forward_timeout(Method, Params)).

%% process/state waits for the process as long as its timeoutMs says, and
%% the call to its node 5 s more; anything else gets the usual remote call time.
forward_timeout(<<"process/state">>, Params) when is_map(Params) ->
    #{max_state_timeout_ms := MaxStateTimeout, remote_call_timeout_ms := Default} = beam_observer_config:limits(),
    case maps:get(<<"timeoutMs">>, Params, 0) of
        T when is_integer(T), T > 0, T =< MaxStateTimeout -> T + 5000;
        _ -> Default
    end;
forward_timeout(_Method, _Params) ->
    #{remote_call_timeout_ms := Default} = beam_observer_config:limits(),
    Default.

with_params(Params, Check, Run) when is_map(Params) ->
    try Check(Params) of
        {error, _, _} = Error -> Error;
        {ok, Args} -> Run(Args)
    catch
        throw:{invalid, Message} -> {error, ?InvalidParams, Message}
    end;
with_params(_, _, _) ->
    {error, ?InvalidParams, <<"params must be an object">>}.

-spec subscribe_params(term()) -> {ok, pos_integer()} | {error, integer(), binary()}.
subscribe_params(Params) when is_map(Params) ->
    #{min_interval_ms := Min, max_interval_ms := Max} = beam_observer_config:limits(),
    Default = try beam_observer_config:value(interval_ms) catch _:_ -> 1000 end,
    case maps:get(<<"intervalMs">>, Params, Default) of
        Ms when is_integer(Ms), Ms >= Min, Ms =< Max -> {ok, Ms};
        _ -> {error, ?InvalidParams, range_message(<<"intervalMs">>, Min, Max)}
    end;
subscribe_params(_) ->
    {error, ?InvalidParams, <<"params must be an object">>}.

%% cluster/subscribe's params: the interval, and the members named, each
%% resolved to a node this node is connected to (or refused, with why).
-spec cluster_subscription(term()) ->
          {ok, pos_integer(), [node()], [map()]} | {error, integer(), binary()}.
cluster_subscription(Params) ->
    #{max_cluster_members := Max} = beam_observer_config:limits(),
    case subscribe_params(Params) of
        {ok, IntervalMs} ->
            case maps:get(<<"nodes">>, Params, null) of
                Names when is_list(Names), length(Names) =< Max ->
                    case lists:all(fun is_binary/1, Names) of
                        true -> resolve_members(IntervalMs, lists:usort(Names));
                        false -> {error, ?InvalidParams, <<"nodes must be a list of node names">>}
                    end;
                _ ->
                    {error, ?InvalidParams, <<"nodes must be a list of at most ",
                                              (integer_to_binary(Max))/binary, " node names">>}
            end;
        Error ->
            Error
    end.

resolve_members(IntervalMs, Names) ->
    Resolved = [{Name, beam_observer_cluster:target(#{<<"node">> => Name})} || Name <- Names],
    Nodes = [Node || {_, {ok, Node}} <- Resolved, Node =/= local],
    Refused = [#{node => Name, code => Code, message => Message} || {Name, {error, Code, Message}} <- Resolved]
        ++ [#{node => Name, code => ?InvalidParams,
              message => <<"this is the agent's own node: subscribe to it with load/subscribe">>}
            || {Name, {ok, local}} <- Resolved],
    {ok, IntervalMs, Nodes, Refused}.

initialize() ->
    Limits = beam_observer_config:limits(),
    #{node => node(),
      otpRelease => list_to_binary(erlang:system_info(otp_release)),
      ertsVersion => list_to_binary(erlang:system_info(version)),
      elixirVersion => beam_observer_format:elixir_version(),
      language => beam_observer_format:language(),
      schedulers => #{total => erlang:system_info(schedulers),
                      online => erlang:system_info(schedulers_online),
                      dirtyCpu => erlang:system_info(dirty_cpu_schedulers),
                      dirtyCpuOnline => erlang:system_info(dirty_cpu_schedulers_online),
                      dirtyIo => erlang:system_info(dirty_io_schedulers)},
      processLimit => erlang:system_info(process_limit),
      osPid => list_to_integer(os:getpid()),
      wordSize => erlang:system_info(wordsize),
      agentVersion => beam_observer_agent:version(),
      capabilities => [<<"load">>, <<"cluster/subscribe">>, <<"processes/list">>, <<"process/info">>,
                       <<"process/state">>, <<"process/messages">>, <<"cluster">>,
                       %% Tracing (beam_observer_trace_rpc).
                       <<"trace">>, <<"calls">>,
                       %% The recorder (beam_observer_recorder).
                       <<"history">>,
                       %% The budget for observing (beam_observer_budget).
                       <<"budget">>]
                      ++ beam_observer_node_rpc:capabilities(),
      traceLimits => beam_observer_trace_params:limits_json(),
      budget => budget_status(),
      limits => #{maxFrameBytes => maps:get(max_frame_bytes, Limits),
                  maxClients => maps:get(max_clients, Limits),
                  maxInflight => maps:get(max_inflight, Limits),
                  ratePerSecond => maps:get(rate_per_second, Limits),
                  maxListLimit => maps:get(max_list_limit, Limits),
                  maxMailboxPeek => maps:get(max_mailbox_peek, Limits),
                  maxMessagesReturned => maps:get(max_messages_returned, Limits),
                  maxStateBytes => maps:get(max_state_bytes, Limits),
                  maxStateTimeoutMs => maps:get(max_state_timeout_ms, Limits),
                  rateBurst => maps:get(rate_burst, Limits),
                  maxLoadSubscriptions => maps:get(max_load_subscriptions, Limits),
                  maxClusterMembers => maps:get(max_cluster_members, Limits)}}.

list_params(P) ->
    #{max_list_limit := MaxLimit, max_filter_bytes := MaxFilter} = beam_observer_config:limits(),
    SortBy = case maps:get(<<"sortBy">>, P, <<"reductions">>) of
                 <<"reductions">> -> reductions;
                 <<"memory">> -> memory;
                 <<"messageQueueLen">> -> message_queue_len;
                 _ -> invalid(<<"sortBy must be \"reductions\", \"memory\" or \"messageQueueLen\"">>)
             end,
    Limit = integer_param(P, <<"limit">>, 200, 1, MaxLimit),
    Filter = case maps:get(<<"filter">>, P, null) of
                 null -> none;
                 <<>> -> none;
                 F when is_binary(F), byte_size(F) =< MaxFilter -> F;
                 _ -> invalid(<<"filter must be a string of at most ", (integer_to_binary(MaxFilter))/binary, " bytes">>)
             end,
    %% The budget (beam_observer_budget): a periodic refresh may be answered
    %% from the last sweep; an explicit one (a user's click) runs at once.
    Refresh = case maps:get(<<"refresh">>, P, <<"periodic">>) of
                  <<"periodic">> -> periodic;
                  <<"explicit">> -> explicit;
                  _ -> invalid(<<"refresh must be \"periodic\" or \"explicit\"">>)
              end,
    {ok, #{sort_by => SortBy, limit => Limit, filter => Filter, refresh => Refresh}}.

pid_params(P) ->
    beam_observer_pid:parse(maps:get(<<"pid">>, P, null)).

state_params(P) ->
    #{state_timeout_ms := Default, max_state_timeout_ms := Max} = beam_observer_config:limits(),
    case pid_params(P) of
        {ok, Pid} -> {ok, {Pid, integer_param(P, <<"timeoutMs">>, Default, 1, Max)}};
        Error -> Error
    end.

messages_params(P) ->
    #{max_messages_returned := Max} = beam_observer_config:limits(),
    case pid_params(P) of
        {ok, Pid} -> {ok, {Pid, integer_param(P, <<"limit">>, 20, 1, Max)}};
        Error -> Error
    end.

integer_param(P, Name, Default, Min, Max) ->
    case maps:get(Name, P, Default) of
        N when is_integer(N), N >= Min, N =< Max -> N;
        _ -> invalid(range_message(Name, Min, Max))
    end.

range_message(Name, Min, Max) ->
    <<Name/binary, " must be an integer from ", (integer_to_binary(Min))/binary,
      " to ", (integer_to_binary(Max))/binary>>.

invalid(Message) -> throw({invalid, Message}).

%%% issue 14: history/get and history/configure parameters

%% Milliseconds since the epoch; both optional, since =< until.
history_params(P) ->
    Max = 1 bsl 53,
    Since = integer_param(P, <<"since">>, 0, 0, Max),
    Until = integer_param(P, <<"until">>, Max, 0, Max),
    case Since =< Until of
        true -> {ok, {Since, Until}};
        false -> invalid(<<"since must not be after until">>)
    end.

%% Any of windowS, topN, intervalMs, maxBytes, each within its range; at least one.
configure_params(P) ->
    Limits = beam_observer_config:limits(),
    Fields = [{<<"windowS">>, window_s, history_window_s_range},
              {<<"topN">>, top_n, history_top_n_range},
              {<<"intervalMs">>, interval_ms, history_interval_ms_range},
              {<<"maxBytes">>, max_bytes, history_bytes_range}],
    Changes = maps:from_list([{Key, integer_param(P, Name, 0, Min, Max)}
                              || {Name, Key, Range} <- Fields, is_map_key(Name, P),
                                 {Min, Max} <- [maps:get(Range, Limits)]]),
    case map_size(Changes) of
        0 -> invalid(<<"give at least one of windowS, topN, intervalMs, maxBytes">>);
        _ -> {ok, Changes}
    end.

%%% issue 17: budget/set parameters

%% share: a number within budget_share_range.
budget_params(P) ->
    {Min, Max} = maps:get(budget_share_range, beam_observer_config:limits()),
    case maps:get(<<"share">>, P, null) of
        S when is_number(S), S >= Min, S =< Max -> {ok, float(S)};
        _ -> invalid(iolist_to_binary(io_lib:format("share must be a number from ~s to ~s (a share of one scheduler: "
                                                    "0.02 is 2%)", [number_text(Min), number_text(Max)])))
    end.

number_text(N) -> float_to_list(float(N), [{decimals, 4}, compact]).

%% The budget with its range and what each kind of work has cost since the agent started.
budget_status() ->
    {Min, Max} = maps:get(budget_share_range, beam_observer_config:limits()),
    (beam_observer_budget:status())#{
        range => [Min, Max],
        byKindUs => maps:from_list([{Kind, beam_observer_registry:busy_us(Kind)}
                                    || Kind <- beam_observer_budget:kinds()]),
        busyUs => beam_observer_registry:busy_us()}.

%% The recorder restarts with the agent; between, it cannot answer.
with_recorder(Fun) ->
    try Fun()
    catch
        exit:{noproc, _} ->
            {error, ?HistoryUnavailable, <<"the recorder is not running in ", (atom_to_binary(node()))/binary,
                                           " (it starts again with the agent)">>};
        error:badarg ->
            {error, ?HistoryUnavailable, <<"the recorder is not running in ", (atom_to_binary(node()))/binary,
                                           " (it starts again with the agent)">>}
    end.

history_configure(Changes) ->
    {ok, _} = beam_observer_recorder:configure(Changes),
    {ok, beam_observer_recorder:settings()}.

unknown_method(Method) ->
    {error, ?MethodNotFound, <<"unknown method: ", (printable(Method))/binary>>}.

printable(Method) when byte_size(Method) > 100 -> <<(binary:part(Method, 0, 100))/binary, "...">>;
printable(Method) -> Method.
