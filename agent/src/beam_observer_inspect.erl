%%% Inspecting one process: safe details, its OTP state, a guarded mailbox peek.
%%%
%%% This is the only part of the agent that touches a user process. Every
%%% function here runs in the short-lived worker of one request, so nothing
%%% that arrives late (a reply after a timeout) can reach a long-lived agent
%%% process, and the worker's garbage goes with it.
%%%
%%% State is formatted *inside* the target: `sys:replace_state/3' runs our
%%% fun there, the fun formats the state with bounded limits, sends the text
%%% to the worker and throws, and sys leaves the state unchanged when the fun
%%% throws. The state is never copied out of the process, so a 50 MB state
%%% costs what its bounded text costs. Only processes running a sys-aware
%%% loop (gen_server, gen_statem, gen_event, supervisors...) are asked: a
%%% system message sent to any other process would stay in its mailbox.
%%%
%%% The mailbox is never part of `process/info'; `process/messages' copies
%%% it only when it is shorter than a cap, because copying a large mailbox
%%% can take the node's memory with it (docs/protocol.md).
-module(beam_observer_inspect).

-include("beam_observer_errors.hrl").

-export([info/1, state/2, messages/2]).
%% Exported for tests.
-export([behaviour_of/1]).

-define(DICT_MAX_ENTRIES, 100).
-define(DICT_VALUE_BYTES, 2048).

%%% ------------------------------------------------------------------
%%% process/info
%%% ------------------------------------------------------------------

-spec info(pid()) -> {ok, map()} | {error, integer(), binary()}.
info(Pid) ->
    Items = [registered_name, status, initial_call, current_stacktrace, links, monitors,
             monitored_by, trap_exit, group_leader, heap_size, stack_size, total_heap_size,
             memory, message_queue_len, reductions, garbage_collection, dictionary, priority],
    %% One signal to the target: its reduction is the agent's own (beam_observer_touch).
    beam_observer_touch:signalled([Pid]),
    case erlang:process_info(Pid, Items) of
        undefined -> dead(Pid);
        Info0 ->
            Info = maps:from_list(Info0),
            Dict = maps:get(dictionary, Info),
            Stack = maps:get(current_stacktrace, Info),
            InitialCall = beam_observer_ranking:real_initial_call(maps:get(initial_call, Info), Dict),
            Name = maps:get(registered_name, Info),
            Behaviour = behaviour_of(Stack),
            Gc = maps:get(garbage_collection, Info),
            {ok, #{pid => beam_observer_pid:to_binary(Pid),
                   name => case Name of [] -> null; _ -> Name end,
                   status => maps:get(status, Info),
                   initialCall => beam_observer_format:mfa(InitialCall),
                   currentFunction => case Stack of
                                          [{M, F, A, _} | _] -> beam_observer_format:mfa({M, F, A});
                                          [] -> null
                                      end,
                   stacktrace => [frame(F) || F <- Stack],
                   links => [beam_observer_pid:to_binary(P) || P <- maps:get(links, Info)],
                   monitors => [monitor_entry(M) || M <- maps:get(monitors, Info)],
                   monitoredBy => [monitor_by_entry(P) || P <- maps:get(monitored_by, Info)],
                   trapExit => maps:get(trap_exit, Info),
                   groupLeader => beam_observer_pid:to_binary(maps:get(group_leader, Info)),
                   priority => maps:get(priority, Info),
                   wordSize => erlang:system_info(wordsize),
                   heapSize => maps:get(heap_size, Info),
                   stackSize => maps:get(stack_size, Info),
                   totalHeapSize => maps:get(total_heap_size, Info),
                   memory => maps:get(memory, Info),
                   messageQueueLen => maps:get(message_queue_len, Info),
                   reductions => maps:get(reductions, Info),
                   garbageCollection => gc_settings(Gc),
                   dictionary => dictionary(Dict),
                   otp => #{isOtp => Behaviour =/= null orelse lists:keymember('$initial_call', 1, Dict),
                            behaviour => Behaviour,
                            sysAware => Behaviour =/= null},
                   agent => beam_observer_ranking:is_agent_process(Pid, {Name, InitialCall}),
                   debugger => beam_observer_debugger:is_debugger(Pid, {Name, InitialCall},
                                                                  beam_observer_debugger:meta_pids()),
                   heldByDebugger => beam_observer_debugger:hold(Pid, Stack)}}
    end.

frame({M, F, A, Location}) ->
    Base = beam_observer_format:mfa({M, F, A}),
    Base#{file => case proplists:get_value(file, Location) of
                      undefined -> null;
                      File -> unicode:characters_to_binary(File)
                  end,
          line => proplists:get_value(line, Location, null),
          source => module_source(M)}.

%% An absolute path to the module's source, so an editor can open it: stack
%% frames only carry a path relative to where the compiler ran. Prefer the
%% path it was compiled from; when that is gone (OTP built elsewhere, a
%% release), look beside its .beam in ../src.
module_source(M) ->
    Compiled = try proplists:get_value(source, M:module_info(compile))
               catch _:_ -> undefined
               end,
    Beside = case code:which(M) of
                 Beam when is_list(Beam) ->
                     filename:join([filename:dirname(filename:dirname(Beam)), "src",
                                    atom_to_list(M) ++ ".erl"]);
                 _ -> undefined
             end,
    case [P || P <- [Compiled, Beside], is_list(P), filelib:is_regular(P)] of
        [Path | _] -> unicode:characters_to_binary(Path);
        [] when is_list(Compiled) -> unicode:characters_to_binary(Compiled);
        [] -> null
    end.

monitor_entry({process, Pid}) when is_pid(Pid) ->
    #{type => process, pid => beam_observer_pid:to_binary(Pid)};
monitor_entry({process, {Name, Node}}) ->
    #{type => process, name => Name, node => Node};
monitor_entry({port, Port}) when is_port(Port) ->
    #{type => port, port => beam_observer_pid:to_binary(Port)};
monitor_entry({Type, Other}) ->
    #{type => Type, description => beam_observer_format:short(Other)}.

monitor_by_entry(P) when is_pid(P); is_port(P) -> beam_observer_pid:to_binary(P);
monitor_by_entry(Other) -> beam_observer_format:short(Other).

gc_settings(Gc) ->
    maps:from_list([{K, gc_value(V)} || {K, V} <- Gc,
                                        lists:member(K, [min_heap_size, min_bin_vheap_size,
                                                         fullsweep_after, minor_gcs,
                                                         max_heap_size])]).

gc_value(V) when is_map(V) -> maps:map(fun(_, X) -> gc_value(X) end, V);
gc_value(V) when is_integer(V); is_boolean(V) -> V;
gc_value(V) -> beam_observer_format:short(V).

%% The process dictionary, formatted and bounded; proc_lib's bookkeeping
%% ('$ancestors', '$initial_call') is shown too, it answers "who started me".
dictionary(Dict) ->
    Entries = lists:sublist(Dict, ?DICT_MAX_ENTRIES),
    [#{key => element(1, beam_observer_format:term(K, #{max_bytes => 256, depth => 6, limit => 10})),
       value => element(1, beam_observer_format:term(V, #{max_bytes => ?DICT_VALUE_BYTES,
                                                          depth => 12, limit => 20}))}
     || {K, V} <- Entries].

%% Which sys-aware OTP loop the process runs, read from its stack: the
%% behaviour module sits at the bottom of an OTP process's stack whether it is
%% idle in its receive loop or busy in a callback.
-spec behaviour_of([tuple()]) -> binary() | null.
behaviour_of(Stack) ->
    Modules = [M || {M, _, _, _} <- Stack],
    Known = [{gen_server, <<"gen_server">>}, {gen_statem, <<"gen_statem">>},
             {gen_event, <<"gen_event">>}, {gen_fsm, <<"gen_fsm">>}],
    case [Name || {M, Name} <- Known, lists:member(M, Modules)] of
        [Name | _] -> Name;
        [] ->
            case [M || M <- Modules, sys_aware_module(M)] of
                [M | _] -> atom_to_binary(M);
                [] -> null
            end
    end.

%% A module that implements sys's callbacks handles system messages.
sys_aware_module(M) ->
    erlang:function_exported(M, system_continue, 3) andalso
        erlang:function_exported(M, system_terminate, 4).

%%% ------------------------------------------------------------------
%%% process/state
%%% ------------------------------------------------------------------

-spec state(pid(), pos_integer()) -> {ok, map()} | {error, integer(), binary()}.
state(Pid, TimeoutMs) ->
    beam_observer_touch:signalled([Pid]),
    case erlang:process_info(Pid, [current_stacktrace, registered_name, initial_call, dictionary]) of
        undefined -> dead(Pid);
        [{current_stacktrace, Stack}, {registered_name, Name}, {initial_call, Raw},
         {dictionary, Dict}] ->
            InitialCall = beam_observer_ranking:real_initial_call(Raw, Dict),
            case beam_observer_ranking:is_agent_process(Pid, {Name, InitialCall}) of
                true ->
                    {error, ?AgentProcess, <<"process ", (beam_observer_pid:to_binary(Pid))/binary,
                                             " belongs to BEAM Observer's agent; its state is not shown">>};
                false ->
                    case behaviour_of(Stack) of
                        null ->
                            {error, ?NotOtpProcess,
                             <<"process ", (beam_observer_pid:to_binary(Pid))/binary,
                               " is not an OTP process (gen_server, gen_statem, gen_event...) "
                               "and cannot report its state; its info and stack are available">>};
                        Behaviour ->
                            case beam_observer_debugger:hold(Pid, Stack) of
                                null ->
                                    format_state_in_target(Pid, Behaviour, TimeoutMs);
                                Hold ->
                                    %% It handles no system message until the interpreter lets it go.
                                    {error, ?HeldByDebugger, beam_observer_debugger:hold_message(Pid, Hold)}
                            end
                    end
            end
    end.

format_state_in_target(Pid, Behaviour, TimeoutMs) ->
    Self = self(),
    Tag = make_ref(),
    Language = beam_observer_format:language(),
    #{max_state_bytes := MaxBytes} = beam_observer_config:limits(),
    %% Runs in the target: format, send out, throw so sys keeps the state as it was.
    Format = fun(State) ->
                     Result = try beam_observer_format:term(State, #{language => Language,
                                                                  max_bytes => MaxBytes})
                              catch C:R -> {format_failed, C, R}
                              end,
                     Self ! {Tag, Result},
                     throw(Tag)
             end,
    Start = erlang:monotonic_time(microsecond),
    Outcome = try sys:replace_state(Pid, Format, TimeoutMs) of
                  %% The fun never ran: a gen_event with no handler has no state to show.
                  Returned -> {unchanged, Returned}
              catch
                  error:{callback_failed, _, {throw, Tag}} -> formatted;
                  error:{callback_failed, _, F} -> {failed, F};
                  exit:{timeout, _} -> timeout;
                  exit:{noproc, _} -> noproc;
                  exit:{normal, _} -> noproc;
                  exit:{E, _} -> {exited, E}
              end,
    Result = fun(Text, Truncated) ->
                     #{pid => beam_observer_pid:to_binary(Pid),
                       behaviour => Behaviour,
                       language => Language,
                       text => Text,
                       truncated => Truncated,
                       bytes => byte_size(Text),
                       elapsedMs => (erlang:monotonic_time(microsecond) - Start) div 1000}
             end,
    case Outcome of
        formatted ->
            receive
                {Tag, {Text, Truncated}} ->
                    {ok, Result(Text, Truncated)};
                {Tag, {format_failed, FormatClass, FormatReason}} ->
                    {error, ?InternalError, <<"formatting the state failed: ",
                                              (beam_observer_format:short({FormatClass, FormatReason}))/binary>>}
            after 0 ->
                {error, ?InternalError, <<"the state was formatted but not received">>}
            end;
        timeout ->
            {error, ?Timeout, <<"process ", (beam_observer_pid:to_binary(Pid))/binary,
                                " did not answer within ", (integer_to_binary(TimeoutMs))/binary,
                                " ms (it may be busy in a callback or blocked in a call)">>};
        noproc ->
            dead(Pid);
        {unchanged, State} ->
            {Text, Truncated} = beam_observer_format:term(State, #{language => Language,
                                                                      max_bytes => MaxBytes}),
            {ok, Result(Text, Truncated)};
        {failed, Failure} ->
            {error, ?InternalError, <<"the process could not report its state: ",
                                      (beam_observer_format:short(Failure))/binary>>};
        {exited, ExitReason} ->
            {error, ?ProcessNotFound, <<"process ", (beam_observer_pid:to_binary(Pid))/binary,
                                        " exited while reporting its state: ",
                                        (beam_observer_format:short(ExitReason))/binary>>}
    end.

%%% ------------------------------------------------------------------
%%% process/messages
%%% ------------------------------------------------------------------

-spec messages(pid(), pos_integer()) -> {ok, map()} | {error, integer(), binary()}.
messages(Pid, Limit) ->
    #{max_mailbox_peek := Cap} = beam_observer_config:limits(),
    case erlang:process_info(Pid, message_queue_len) of
        undefined -> dead(Pid);
        {message_queue_len, Len} when Len > Cap ->
            {error, ?MailboxTooLarge,
             <<"process ", (beam_observer_pid:to_binary(Pid))/binary, " has ",
               (integer_to_binary(Len))/binary, " queued messages; peeking is refused above ",
               (integer_to_binary(Cap))/binary, " because OTP can only copy the whole mailbox, "
               "which can exhaust the node's memory">>};
        {message_queue_len, _} ->
            %% Bound this worker's heap in case the messages are huge terms.
            erlang:process_flag(max_heap_size, #{size => 64 * 1024 * 1024 div erlang:system_info(wordsize),
                                                 kill => true, error_logger => false}),
            beam_observer_touch:signalled([Pid]),
            case erlang:process_info(Pid, messages) of
                undefined -> dead(Pid);
                {messages, Messages} ->
                    Shown = lists:sublist(Messages, Limit),
                    {ok, #{pid => beam_observer_pid:to_binary(Pid),
                           total => length(Messages),
                           language => beam_observer_format:language(),
                           messages => [message_text(M) || M <- Shown]}}
            end
    end.

message_text(M) ->
    {Text, Truncated} = beam_observer_format:term(M, #{max_bytes => 4096, depth => 20, limit => 25}),
    #{text => Text, truncated => Truncated}.

dead(Pid) ->
    {error, ?ProcessNotFound, <<"process ", (beam_observer_pid:to_binary(Pid))/binary, " is not alive">>}.
