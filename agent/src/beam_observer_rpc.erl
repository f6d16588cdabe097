%%% JSON-RPC methods: parameter checking and dispatch.
%%%
%%% Method names and parameters are matched as binaries and never turned
%%% into atoms. Every method and error code here is documented in
%%% docs/protocol.md and typed in extension/src/protocol/agentProtocol.ts.
-module(beam_observer_rpc).

-export([handle/2, subscribe_params/1]).

-define(INVALID_PARAMS, -32602).
-define(METHOD_NOT_FOUND, -32601).

-type result() :: {ok, term()} | {error, integer(), binary()}.

-spec handle(binary(), term()) -> result().
handle(<<"initialize">>, _Params) ->
    {ok, initialize()};
handle(<<"processes/list">>, Params) ->
    with_params(Params, fun list_params/1, fun beam_observer_procs:list/1);
handle(<<"process/info">>, Params) ->
    with_params(Params, fun pid_params/1, fun beam_observer_inspect:info/1);
handle(<<"process/state">>, Params) ->
    with_params(Params, fun state_params/1,
                fun({Pid, Timeout}) -> beam_observer_inspect:state(Pid, Timeout) end);
handle(<<"process/messages">>, Params) ->
    with_params(Params, fun messages_params/1,
                fun({Pid, Limit}) -> beam_observer_inspect:messages(Pid, Limit) end);
handle(Method, _Params) ->
    {error, ?METHOD_NOT_FOUND, <<"unknown method: ", (printable(Method))/binary>>}.

with_params(Params, Check, Run) when is_map(Params) ->
    try Check(Params) of
        {error, _, _} = Error -> Error;
        {ok, Args} -> Run(Args)
    catch
        throw:{invalid, Message} -> {error, ?INVALID_PARAMS, Message}
    end;
with_params(_, _, _) ->
    {error, ?INVALID_PARAMS, <<"params must be an object">>}.

-spec subscribe_params(term()) -> {ok, pos_integer()} | {error, integer(), binary()}.
subscribe_params(Params) when is_map(Params) ->
    #{min_interval_ms := Min, max_interval_ms := Max} = beam_observer_config:limits(),
    Default = try beam_observer_config:value(interval_ms) catch _:_ -> 1000 end,
    case maps:get(<<"intervalMs">>, Params, Default) of
        Ms when is_integer(Ms), Ms >= Min, Ms =< Max -> {ok, Ms};
        _ -> {error, ?INVALID_PARAMS, range_message(<<"intervalMs">>, Min, Max)}
    end;
subscribe_params(_) ->
    {error, ?INVALID_PARAMS, <<"params must be an object">>}.

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
      capabilities => [<<"load">>, <<"processes/list">>, <<"process/info">>,
                       <<"process/state">>, <<"process/messages">>],
      limits => #{maxFrameBytes => maps:get(max_frame_bytes, Limits),
                  maxClients => maps:get(max_clients, Limits),
                  maxInflight => maps:get(max_inflight, Limits),
                  ratePerSecond => maps:get(rate_per_second, Limits),
                  maxListLimit => maps:get(max_list_limit, Limits),
                  maxMailboxPeek => maps:get(max_mailbox_peek, Limits),
                  maxMessagesReturned => maps:get(max_messages_returned, Limits),
                  maxStateBytes => maps:get(max_state_bytes, Limits),
                  maxStateTimeoutMs => maps:get(max_state_timeout_ms, Limits)}}.

list_params(P) ->
    #{max_list_limit := MaxLimit} = beam_observer_config:limits(),
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
                 F when is_binary(F), byte_size(F) =< 200 -> F;
                 _ -> invalid(<<"filter must be a string of at most 200 bytes">>)
             end,
    {ok, #{sort_by => SortBy, limit => Limit, filter => Filter}}.

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

printable(Method) when byte_size(Method) > 100 -> <<(binary:part(Method, 0, 100))/binary, "...">>;
printable(Method) -> Method.
