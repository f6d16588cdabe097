%%% Guarded actions on one process: garbage-collect it (process/gc) and kill
%%% it (process/kill).
%%%
%%% A kill is refused for the agent's own processes and for the processes the
%%% runtime cannot lose (init, the code server, the application controller,
%%% kernel's supervisors, the group leaders of standard I/O, logger...), with
%%% the reason. The answer says who restarts the process: its supervisor and
%%% the restart type it has there, read inside the supervisor
%%% (beam_observer_supervisor), or nobody; with `dryRun' nothing is killed,
%%% so a client can ask that before it asks the user to confirm.
-module(beam_observer_actions).

-include("beam_observer_errors.hrl").

-export([gc/2, kill/4]).
%% Exported for tests.
-export([refusal/1]).

-define(EXIT_WAIT_MS, 5000).
-define(RESTART_WAIT_MS, 2000).

%%% ------------------------------------------------------------------
%%% process/gc
%%% ------------------------------------------------------------------

%% The collection is asked asynchronously and awaited with a timeout, so a
%% process with a huge heap cannot hold the request beyond it.
-spec gc(pid(), pos_integer()) -> {ok, map()} | {error, integer(), binary()}.
gc(Pid, TimeoutMs) ->
    case erlang:process_info(Pid, memory) of
        undefined -> dead(Pid);
        {memory, Before} ->
            Ref = make_ref(),
            Start = erlang:monotonic_time(microsecond),
            erlang:garbage_collect(Pid, [{async, Ref}]),
            receive
                {garbage_collect, Ref, true} ->
                    case erlang:process_info(Pid, memory) of
                        undefined -> dead(Pid);
                        {memory, After} ->
                            {ok, #{pid => text(Pid), memoryBefore => Before, memoryAfter => After,
                                   freed => Before - After,
                                   elapsedMs => (erlang:monotonic_time(microsecond) - Start) / 1000}}
                    end;
                {garbage_collect, Ref, false} ->
                    dead(Pid)
            after TimeoutMs ->
                    {error, ?Timeout, <<"process ", (text(Pid))/binary, " did not finish collecting its garbage within ",
                                        (integer_to_binary(TimeoutMs))/binary, " ms">>}
            end
    end.

%%% ------------------------------------------------------------------
%%% process/kill
%%% ------------------------------------------------------------------

-spec kill(pid(), kill | shutdown, boolean(), pos_integer()) -> {ok, map()} | {error, integer(), binary()}.
kill(Pid, Reason, DryRun, TimeoutMs) ->
    case refusal(Pid) of
        {refused, Code, Message} ->
            {error, Code, Message};
        dead ->
            dead(Pid);
        ok ->
            case restarter(Pid, TimeoutMs) of
                {error, _, _} = Error ->
                    Error;
                Restarter when DryRun ->
                    {ok, answer(Pid, Reason, Restarter, #{killed => false, dryRun => true})};
                Restarter ->
                    {ok, answer(Pid, Reason, Restarter, kill_and_watch(Pid, Reason, Restarter))}
            end
    end.

%% Who restarts Pid: its supervisor, with the row that lists it there.
%% A supervisor that does not answer in time leaves the kill possible, with
%% who restarts the process unknown.
restarter(Pid, TimeoutMs) ->
    case beam_observer_supervisor:supervisor_of(Pid, TimeoutMs) of
        {ok, Sup, Row} -> {supervised, Sup, Row};
        {none, Why} -> {unsupervised, Why};
        {error, ?NotSupervisor, _} -> {unsupervised, <<"its parent is not a supervisor">>};
        {error, ?Timeout, Why} -> {unknown, Why};
        {error, _, _} = Error -> Error
    end.

answer(Pid, Reason, Restarter, Outcome) ->
    Base = #{pid => text(Pid), reason => Reason, application => application_of(Pid)},
    Who = case Restarter of
              {supervised, Sup, Row} ->
                  #{supervisor => #{pid => text(Sup), name => registered_name(Sup),
                                    childId => maps:get(id, Row), restart => maps:get(restart, Row),
                                    type => maps:get(type, Row)},
                    restartedBy => restarted_by(maps:get(restart, Row), Reason),
                    unsupervisedBecause => null};
              {unsupervised, Why} ->
                  #{supervisor => null, restartedBy => nobody, unsupervisedBecause => Why};
              {unknown, Why} ->
                  #{supervisor => null, restartedBy => unknown, unsupervisedBecause => Why}
          end,
    maps:merge(maps:merge(Base, Who), Outcome).

%% What the supervisor does when the child exits with Reason (OTP's rules):
%% a permanent child is always restarted; a transient one unless it exits
%% normally or with shutdown; a temporary one never.
restarted_by(permanent, _) -> supervisor;
restarted_by(transient, kill) -> supervisor;
restarted_by(transient, shutdown) -> nobody;
restarted_by(temporary, _) -> nobody;
restarted_by(_, _) -> unknown.

%% Kill, wait for the exit, and for a child with an id, wait for its
%% supervisor to start it again.
kill_and_watch(Pid, Reason, Restarter) ->
    Monitor = erlang:monitor(process, Pid),
    exit(Pid, Reason),
    receive
        {'DOWN', Monitor, process, Pid, ExitReason} ->
            #{killed => true, exited => true, exitReason => beam_observer_format:short(ExitReason),
              restartedAs => restarted_as(Restarter)}
    after ?EXIT_WAIT_MS ->
            erlang:demonitor(Monitor, [flush]),
            %% A process that traps exits may ignore shutdown.
            #{killed => true, exited => false, exitReason => null, restartedAs => null}
    end.

restarted_as({supervised, Sup, #{id := Id}}) when Id =/= null ->
    Deadline = erlang:monotonic_time(millisecond) + ?RESTART_WAIT_MS,
    wait_restart(Sup, Id, Deadline);
restarted_as(_) ->
    null.

%% Children are read a page at a time; a supervisor with static children has few.
wait_restart(Sup, Id, Deadline) ->
    Found = case beam_observer_supervisor:children(Sup, 0, 500, 1000) of
                {ok, #{children := Children}} ->
                    [P || #{id := I, pid := P} <- Children, I =:= Id, P =/= null];
                _ -> []
            end,
    case Found of
        [NewPid | _] -> NewPid;
        [] ->
            case erlang:monotonic_time(millisecond) < Deadline of
                true -> timer:sleep(50), wait_restart(Sup, Id, Deadline);
                false -> null
            end
    end.

%%% ------------------------------------------------------------------
%%% What may not be killed
%%% ------------------------------------------------------------------

%% ok, dead, or {refused, Code, Message} saying why.
-spec refusal(pid()) -> ok | dead | {refused, integer(), binary()}.
refusal(Pid) ->
    case erlang:process_info(Pid, [registered_name, initial_call]) of
        undefined ->
            dead;
        [{registered_name, Name0}, {initial_call, InitialCall}] ->
            Name = case Name0 of [] -> undefined; _ -> Name0 end,
            case beam_observer_ranking:is_agent_process(Pid, {Name0, InitialCall}) of
                true ->
                    {refused, ?AgentProcess, <<"process ", (text(Pid))/binary,
                                               " belongs to BEAM Observer's agent; it is not killed from the agent">>};
                false ->
                    case vital(Pid, Name, InitialCall) of
                        false -> ok;
                        Why -> {refused, ?VitalProcess,
                                <<"process ", (text(Pid))/binary, (name_suffix(Name))/binary,
                                  " is not killed: ", Why/binary>>}
                    end
            end
    end.

%% Why the runtime cannot lose the process, or false.
vital(_Pid, init, _) ->
    <<"it is init, which boots and stops the node; killing it halts the node">>;
vital(_Pid, Name, _) when Name =:= erl_prim_loader; Name =:= code_server; Name =:= erts_code_purger ->
    <<"it loads the node's code; without it no module can be loaded">>;
vital(_Pid, application_controller, _) ->
    <<"it is the application controller; killing it halts the node">>;
vital(_Pid, Name, _) when Name =:= user; Name =:= user_drv; Name =:= standard_error;
                             Name =:= standard_error_sup ->
    <<"it is a group leader of the node's standard I/O; output and the shell would be lost">>;
vital(_Pid, Name, _) when Name =:= logger; Name =:= logger_sup; Name =:= logger_proxy;
                             Name =:= logger_handler_watcher ->
    <<"it is part of logger; the node's log output would be lost">>;
vital(Pid, Name, InitialCall) ->
    case is_runtime_system_process(Name, InitialCall) of
        true -> <<"it is one of the runtime's own system processes">>;
        false ->
            case application_master_of(Pid) of
                {ok, App} ->
                    <<"it is the application master of ", (atom_to_binary(App))/binary,
                      "; stop the application with application:stop/1 instead">>;
                none ->
                    case application:get_application(Pid) of
                        {ok, kernel} ->
                            <<"it is ", (kernel_role(Name))/binary,
                              " of the kernel application, which the node depends on">>;
                        _ -> false
                    end
            end
    end.

is_runtime_system_process(Name, InitialCall) ->
    prefixed(Name, <<"erts_">>) orelse
        case InitialCall of
            {M, _, _} -> prefixed(M, <<"erts_">>);
            _ -> false
        end.

prefixed(Atom, Prefix) when is_atom(Atom) ->
    Size = byte_size(Prefix),
    case atom_to_binary(Atom) of
        <<Prefix:Size/binary, _/binary>> -> true;
        _ -> false
    end;
prefixed(_, _) -> false.

application_master_of(Pid) ->
    case [App || {App, Master} <- masters(), Master =:= Pid] of
        [App | _] -> {ok, App};
        [] -> none
    end.

masters() ->
    try ets:match(ac_tab, {{application_master, '$1'}, '$2'}) of
        Rows -> [{App, Master} || [App, Master] <- Rows]
    catch
        error:badarg -> []
    end.

kernel_role(undefined) -> <<"a process">>;
kernel_role(Name) -> atom_to_binary(Name).

%%% ------------------------------------------------------------------

application_of(Pid) ->
    case application:get_application(Pid) of
        {ok, App} -> App;
        undefined -> null
    end.

registered_name(Pid) -> beam_observer_pid:registered_name(Pid).

name_suffix(undefined) -> <<>>;
name_suffix(Name) -> <<" (", (beam_observer_format:module_name(Name))/binary, ")">>.

text(Pid) -> beam_observer_pid:to_binary(Pid).

dead(Pid) ->
    {error, ?ProcessNotFound, <<"process ", (text(Pid))/binary, " is not alive">>}.
