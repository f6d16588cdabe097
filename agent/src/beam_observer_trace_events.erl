%%% Trace messages turned into the events a client sees.
%%%
%%% Two steps, so the tracer stays quick while messages arrive: `accept'
%%% keeps a raw event (the terms as the trace message carried them) and
%%% pairs calls with their returns; `format' turns the raw events of a
%%% batch into JSON-ready maps, formatting arguments, results and messages
%%% bounded, on one line (beam_observer_format:line/3: Elixir's `inspect' in
%%% an Elixir node, so fields an application redacts stay hidden).
%%%
%%% Pairing: with return tracing on (`exception_trace' in the match spec),
%%% every traced call is followed by its `return_from' or `exception_from'
%%% in the same process, innermost first. Each process keeps a stack of its
%%% open calls; a return closes the newest open call of the same function,
%%% gets that call's id (`callId') and the time between them (`durationUs').
%%% A call that was dropped (over the rate) stays on the stack so that its
%%% return is recognised, and dropped too.
-module(beam_observer_trace_events).

-export([new/0, call/5, return/6, message/6, open_calls/1, open_calls/2, format/2]).

-define(MAX_STACK, 256).            %% open calls kept per process
-define(MAX_PROCESSES, 10000).      %% processes with open calls
-define(ARG_BYTES, 512).
-define(MAX_ARGS, 16).
-define(VALUE_BYTES, 1024).

-record(pairing, {next_id = 1 :: pos_integer(),
                  stacks = #{} :: #{pid() => [{mfa(), integer(), pos_integer() | dropped}]}}).
-opaque pairing() :: #pairing{}.
-type raw() :: tuple().
-export_type([pairing/0, raw/0]).

-spec new() -> pairing().
new() -> #pairing{}.

%% A call: `Accept' says whether it is delivered (within the limits) or
%% dropped. With `Returns' the call is remembered for its return.
-spec call(pid(), {module(), atom(), list() | arity()}, integer(), {boolean(), boolean()}, pairing()) ->
          {raw() | none, pairing()}.
call(Pid, {M, F, ArgsOrArity}, Ts, {Accept, Returns}, P = #pairing{next_id = Id, stacks = Stacks}) ->
    Arity = case ArgsOrArity of A when is_integer(A) -> A; Args -> length(Args) end,
    Mark = case Accept of true -> Id; false -> dropped end,
    Stacks1 = case Returns of
                  true -> push(Pid, {{M, F, Arity}, Ts, Mark}, Stacks);
                  false -> Stacks
              end,
    case Accept of
        true -> {{call, Id, Pid, {M, F, Arity}, ArgsOrArity, Ts}, P#pairing{next_id = Id + 1, stacks = Stacks1}};
        false -> {none, P#pairing{stacks = Stacks1}}
    end.

push(Pid, Frame, Stacks) ->
    case maps:find(Pid, Stacks) of
        {ok, Frames} when length(Frames) >= ?MAX_STACK -> Stacks;
        {ok, Frames} -> Stacks#{Pid := [Frame | Frames]};
        error when map_size(Stacks) >= ?MAX_PROCESSES -> Stacks;
        error -> Stacks#{Pid => [Frame]}
    end.

%% A return (`return_from') or an exception (`exception_from') of a call.
%% Delivered when its call was; none otherwise.
-spec return(pid(), return | exception, mfa(), term(), integer(), pairing()) -> {raw() | none, pairing()}.
return(Pid, Kind, MFA, Value, Ts, P = #pairing{next_id = Id, stacks = Stacks}) ->
    case pop(MFA, maps:get(Pid, Stacks, [])) of
        none ->
            {none, P};
        {Mark, CallTs, Rest} ->
            Stacks1 = case Rest of
                          [] -> maps:remove(Pid, Stacks);
                          _ -> Stacks#{Pid := Rest}
                      end,
            case Mark of
                dropped -> {none, P#pairing{stacks = Stacks1}};
                CallId -> {{Kind, Id, Pid, MFA, Value, Ts, CallId, Ts - CallTs},
                           P#pairing{next_id = Id + 1, stacks = Stacks1}}
            end
    end.

%% The newest open call of MFA; calls above it (whose returns were lost)
%% are closed with it.
pop(MFA, Frames) ->
    case lists:dropwhile(fun({F, _, _}) -> F =/= MFA end, Frames) of
        [{MFA, Ts, Mark} | Rest] -> {Mark, Ts, Rest};
        [] -> none
    end.

%% A message sent or received by the traced process.
-spec message(pid(), send | 'receive' | send_to_non_existing_process, term(), term(), integer(), pairing()) ->
          {raw(), pairing()}.
message(Pid, Kind, Msg, To, Ts, P = #pairing{next_id = Id}) ->
    {{Kind, Id, Pid, Msg, To, Ts}, P#pairing{next_id = Id + 1}}.

%% Calls of Pid (delivered or not) still waiting for their return.
-spec open_calls(pid(), pairing()) -> non_neg_integer().
open_calls(Pid, #pairing{stacks = Stacks}) ->
    length(maps:get(Pid, Stacks, [])).

%% Delivered calls still waiting for their return.
-spec open_calls(pairing()) -> non_neg_integer().
open_calls(#pairing{stacks = Stacks}) ->
    maps:fold(fun(_, Frames, N) -> N + length([x || {_, _, Id} <- Frames, Id =/= dropped]) end, 0, Stacks).

%%% ------------------------------------------------------------------
%%% Formatting
%%% ------------------------------------------------------------------

-spec format(raw(), elixir | erlang) -> map().
format({call, Id, Pid, MFA, ArgsOrArity, Ts}, Language) ->
    Base = base(Id, call, Pid, Ts),
    case ArgsOrArity of
        Args when is_list(Args) ->
            {Texts, Cut} = args(Args, Language),
            Base#{function => mfa(MFA), args => Texts, truncated => Cut};
        _ ->
            Base#{function => mfa(MFA), args => null, truncated => false}
    end;
format({Kind, Id, Pid, MFA, Value, Ts, CallId, Native}, Language) when Kind =:= return; Kind =:= exception ->
    {Text, Cut} = case Kind of
                      return -> beam_observer_format:line(Value, Language, ?VALUE_BYTES);
                      exception -> exception(Value, Language)
                  end,
    Key = case Kind of return -> result; exception -> exception end,
    (base(Id, Kind, Pid, Ts))#{function => mfa(MFA), Key => Text, callId => CallId,
                               durationUs => erlang:convert_time_unit(Native, native, microsecond),
                               truncated => Cut};
format({Kind, Id, Pid, Msg, To, Ts}, Language) ->
    {Text, Cut} = beam_observer_format:line(Msg, Language, ?VALUE_BYTES),
    Base = (base(Id, kind_name(Kind), Pid, Ts))#{message => Text, truncated => Cut},
    case Kind of
        'receive' -> Base;
        _ -> Base#{to => destination(To)}
    end.

base(Id, Kind, Pid, Ts) ->
    #{id => Id, kind => Kind, pid => beam_observer_pid:to_binary(Pid),
      timeUs => erlang:convert_time_unit(Ts + erlang:time_offset(), native, microsecond)}.

kind_name(send_to_non_existing_process) -> sendToDead;
kind_name(Kind) -> Kind.

args(Args, Language) ->
    Shown = lists:sublist(Args, ?MAX_ARGS),
    Texts = [beam_observer_format:line(A, Language, ?ARG_BYTES) || A <- Shown],
    {[T || {T, _} <- Texts], length(Args) > ?MAX_ARGS orelse lists:any(fun({_, Cut}) -> Cut end, Texts)}.

%% error:badarith, or in Elixir a raised exception as inspect shows it.
exception({Class, Reason}, Language) ->
    {Text, Cut} = beam_observer_format:line(Reason, Language, ?VALUE_BYTES),
    {<<(atom_to_binary(Class))/binary, ": ", Text/binary>>, Cut}.

mfa({M, F, A}) -> #{module => M, function => F, arity => A}.

destination(To) when is_pid(To); is_port(To) -> beam_observer_pid:to_binary(To);
destination(To) when is_atom(To) -> atom_to_binary(To);
destination(To) -> beam_observer_format:short(To).
