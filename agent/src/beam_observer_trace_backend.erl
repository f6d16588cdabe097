%%% Setting and clearing the runtime's trace settings for one trace session,
%%% in one of two modes:
%%%
%%% - `global' (OTP 25/26, and the tests' Debian OTP 25): trace patterns are
%%%   global to the node and a process has at most one tracer, shared by
%%%   every tool (dbg, recon, redbug, Observer). So this module never takes
%%%   over what another tool set and never clears what it did not set: a
%%%   target process with another tracer is refused (or skipped, for "every
%%%   process"), a function with someone else's pattern or counter is
%%%   refused, and our own patterns carry a match spec no other tool writes
%%%   (an explicit `{message, true}', which changes nothing in the trace
%%%   messages) so that clean-up clears only those. Measured on OTP 25:
%%%   `erlang:trace(P, true, [{tracer, T} | _])' on a process another tracer
%%%   holds fails with badarg; `erlang:trace(existing, false, [{tracer, T} | _])'
%%%   turns off only the processes T traces; `erlang:trace(all, false, ...)'
%%%   and `erlang:trace(new, true, ...)' do not respect another tracer's
%%%   settings for new processes, so `new' is read first and set or cleared
%%%   only when it is free or ours.
%%% - `session' (OTP 27+, `trace:session_create/3'): an isolated session of
%%%   our own, which no other tool sees and which `trace:session_destroy/1'
%%%   clears whole. Written against OTP 27's documentation; the tests run on
%%%   OTP 25, where only `global' exists.
%%%
%%% A plan says what a session sets: patterns (groups of functions, with a
%%% match spec and flags) and process flags (every process, some, or none).
%%% The session process applies it; its watcher (beam_observer_trace_watcher)
%%% holds the same plan and clears it if the session dies.
-module(beam_observer_trace_backend).

-include("beam_observer_errors.hrl").

-export([mode/0, open/1, close/1, claim/2, release/1, set_patterns/1, clear_patterns/1,
         gate/2, pause/2, resume/2, patterns_in_place/1, verify/1, describe_tracer/1]).
%% Exported for tests.
-export([call_ms/2]).

-type backend() :: global | {session, term()}.
-type pattern() :: #{spec := tuple(), mfas := [mfa()], ms := term(), flags := [atom()]}.
-type plan() :: #{backend := backend(), tracer := pid(), patterns := [pattern()],
                  processes := none | all | [pid()], process_flags := [atom()],
                  %% Processes no trace of ours may touch (the agent's own).
                  exclude := [pid()],
                  %% A call trace's bit of the trace control word (its gate), or none.
                  gate := pos_integer() | none}.
-type claim() :: #{traced := non_neg_integer(), skipped := non_neg_integer(), holders := [binary()],
                   newProcesses := boolean()}.
-export_type([backend/0, plan/0, pattern/0]).

-define(HOLDERS_NAMED, 5).

%% Which mode this node offers. OTP 27 added the `trace' module with
%% sessions; a user module of that name on an older OTP must not count.
-spec mode() -> global | session.
mode() ->
    Release = list_to_integer(erlang:system_info(otp_release)),
    case Release >= 27 andalso code:ensure_loaded(trace) =:= {module, trace}
             andalso erlang:function_exported(trace, session_create, 3) of
        true -> session;
        false -> global
    end.

-spec open(pid()) -> backend().
open(Tracer) ->
    case mode() of
        global -> global;
        session -> {session, apply(trace, session_create, [beam_observer, Tracer, []])}
    end.

-spec close(backend()) -> ok.
close(global) -> ok;
close({session, Session}) ->
    _ = catch apply(trace, session_destroy, [Session]),
    ok.

%% The match spec of a call trace of ours, with its gate: while the
%% session's bit of the node's trace control word is set, the second
%% clause matches and `{message, false}' sends nothing. Closing the gate is
%% one atomic write that every traced process sees at its next call:
%% measured on OTP 25 with a traced tight loop on each of 2 schedulers,
%% erlang:trace_pattern/3 took 70-830 ms to return (its code barrier waits
%% for the hot processes), erlang:trace(existing, ...) 4-370 ms, turning
%% off one running process's flags up to 110 ms, each of them with the
%% trace messages piling up meanwhile. The gate's bit also marks the
%% pattern as ours (no other tool writes this match spec).
-spec call_ms(boolean(), pos_integer()) -> list().
call_ms(Returns, Bit) ->
    Open = [{'=:=', {'band', {get_tcw}, Bit}, 0}],
    Actions = case Returns of
                  true -> [{message, true}, {exception_trace}];
                  false -> [{message, true}]
              end,
    [{'_', Open, Actions}, {'_', [], [{message, false}]}].

%% Open or close a call trace's gate (its bit of the trace control word;
%% the other bits, whoever uses them, are left as they are).
-spec gate(plan(), open | closed) -> ok.
gate(#{gate := none}, _) -> ok;
gate(#{gate := Bit}, How) ->
    Word = erlang:system_info(trace_control_word),
    New = case How of
              open -> Word band (bnot Bit);
              closed -> Word bor Bit
          end,
    New =/= Word andalso erlang:system_flag(trace_control_word, New),
    ok.

%%% ------------------------------------------------------------------
%%% Process flags
%%% ------------------------------------------------------------------

%% Set the plan's process flags. `strict' (named processes): every one must
%% be free, else nothing is set and the error names the holder. `every'
%% (every process, for a trace): `new' must be free (else refused), and a
%% process another tracer holds is skipped and counted. `lenient' (every
%% process, for call times): the same, but a `new' held by another tracer
%% is left alone too.
-spec claim(plan(), strict | every | lenient) -> {ok, claim()} | {error, integer(), binary()}.
claim(#{processes := none}, _) ->
    {ok, #{traced => 0, skipped => 0, holders => [], newProcesses => false}};
claim(#{backend := {session, S}, processes := Pids, process_flags := Flags, exclude := Exclude}, _) ->
    Targets = case Pids of all -> [all]; _ -> Pids end,
    Traced = lists:sum([apply(trace, process, [S, T, true, Flags]) || T <- Targets]),
    [catch apply(trace, process, [S, P, false, Flags]) || Pids =:= all, P <- Exclude],
    {ok, #{traced => Traced, skipped => 0, holders => [], newProcesses => Pids =:= all}};
claim(#{processes := Pids, process_flags := Flags, tracer := Tracer}, strict) when is_list(Pids) ->
    case [{P, H} || P <- Pids, {tracer, H} <- [erlang:trace_info(P, tracer)], H =/= []] of
        [{P, Holder} | _] ->
            {error, ?AlreadyTraced, held_message(P, Holder)};
        [] ->
            Traced = [P || P <- Pids, set_flags(P, Flags, Tracer)],
            case length(Traced) =:= length(Pids) of
                true -> {ok, #{traced => length(Traced), skipped => 0, holders => [], newProcesses => false}};
                false ->
                    [catch erlang:trace(P, false, Flags) || P <- Traced],
                    {error, ?AlreadyTraced, <<"a process was taken by another tracer, or ended, while the trace started">>}
            end
    end;
claim(#{processes := all, process_flags := Flags, tracer := Tracer, exclude := Exclude}, Policy) ->
    case {erlang:trace_info(new, tracer), Policy} of
        {{tracer, []}, _} -> every(Flags, Tracer, Exclude, true);
        {{tracer, Tracer}, _} -> every(Flags, Tracer, Exclude, true);
        {{tracer, _}, lenient} -> every(Flags, Tracer, Exclude, false);
        {{tracer, Holder}, every} ->
            {error, ?AlreadyTraced,
             <<"every new process is already traced by ", (describe_tracer(Holder))/binary,
               " (on OTP 25 a process has one tracer, and BEAM Observer never takes one over); "
               "stop that trace first, or trace named processes (pids)">>}
    end.

%% Every process at once (erlang:trace(existing, ...), which skips those
%% another tracer holds), after counting those: a sweep setting flags one
%% process at a time would let the first ones flood the tracer with a hot
%% function's calls while it is still busy with the rest.
every(Flags, Tracer, Exclude, SetNew) ->
    Skip = sets:from_list(Exclude, [{version, 2}]),
    Held = [H || P <- erlang:processes(), not sets:is_element(P, Skip),
                 {tracer, H} <- [erlang:trace_info(P, tracer)], H =/= [], H =/= Tracer],
    SetNew andalso erlang:trace(new, true, [{tracer, Tracer} | Flags]),
    Matched = erlang:trace(existing, true, [{tracer, Tracer} | Flags]),
    exclude(Exclude, Flags, Tracer),
    Holders = lists:usort(Held),
    {ok, #{traced => max(0, Matched - length(Held) - length(Exclude)), skipped => length(Held),
           holders => [describe_tracer(H) || H <- lists:sublist(Holders, ?HOLDERS_NAMED)],
           newProcesses => SetNew}}.

%% The agent's own processes are never traced (with the tracer option: a
%% process another tracer holds is not ours to change).
exclude(Pids, Flags, Tracer) ->
    [catch erlang:trace(P, false, [{tracer, Tracer} | Flags]) || P <- Pids],
    ok.

set_flags(P, Flags, Tracer) ->
    try erlang:trace(P, true, [{tracer, Tracer} | Flags]) of
        1 -> true;
        _ -> false
    catch
        error:badarg -> false   %% ended, or taken by another tracer in between
    end.

%% Turn off the flags of every process this session's tracer holds, and
%% `new' if it is ours; nothing another tracer holds.
-spec release(plan()) -> ok.
release(#{backend := {session, S}, processes := Pids, process_flags := Flags}) when Pids =/= none ->
    Targets = case Pids of all -> [all]; _ -> Pids end,
    [catch apply(trace, process, [S, T, false, Flags]) || T <- Targets],
    ok;
release(#{processes := none}) ->
    ok;
release(#{processes := Pids, process_flags := Flags, tracer := Tracer}) ->
    Pids =:= all andalso erlang:trace_info(new, tracer) =:= {tracer, Tracer}
        andalso erlang:trace(new, false, Flags),
    _ = erlang:trace(existing, false, [{tracer, Tracer} | Flags]),
    ok.

%%% ------------------------------------------------------------------
%%% Patterns
%%% ------------------------------------------------------------------

%% Set the plan's patterns, after checking that no function already has a
%% pattern (or counter) of the same kind that someone else set.
-spec set_patterns(plan()) -> {ok, non_neg_integer()} | {error, integer(), binary()}.
set_patterns(#{backend := {session, S}, patterns := Patterns}) ->
    {ok, lists:sum([apply(trace, function, [S, Spec, Ms, Flags])
                    || #{spec := Spec, ms := Ms, flags := Flags} <- Patterns])};
set_patterns(#{backend := global, patterns := Patterns}) ->
    case [{MFA, Flags} || #{mfas := MFAs, flags := Flags} <- Patterns, MFA <- MFAs, taken(MFA, Flags)] of
        [{MFA, Flags} | _] ->
            {error, ?AlreadyTraced, pattern_taken_message(MFA, Flags)};
        [] ->
            {ok, lists:sum([erlang:trace_pattern(Spec, Ms, Flags)
                            || #{spec := Spec, ms := Ms, flags := Flags} <- Patterns])}
    end.

taken(MFA, [local]) -> erlang:trace_info(MFA, traced) =/= {traced, false};
taken(MFA, Counters) -> lists:any(fun(Item) -> element(2, erlang:trace_info(MFA, Item)) =/= false end, Counters).

pattern_taken_message({M, F, A}, Flags) ->
    What = case Flags of
               [local] -> <<"a trace pattern">>;
               _ -> <<"call counting on (cprof, eprof or another tool counting it)">>
           end,
    Who = case beam_observer_trace_index:holder_of_function({M, F, A}) of
              {ok, Name} -> <<" by ", Name/binary>>;
              none -> <<" by another tool (dbg, recon, redbug...)">>
          end,
    <<(atom_to_binary(M))/binary, ":", (atom_to_binary(F))/binary, "/", (integer_to_binary(A))/binary,
      " already has ", What/binary, Who/binary, "; BEAM Observer neither replaces nor clears it. ",
      "Stop that trace first">>.

%% Clear the plan's patterns where they are still ours. Whole groups at
%% once when every function in them is ours (the common case), one by one
%% otherwise, leaving out what another tool set meanwhile.
-spec clear_patterns(plan()) -> ok.
clear_patterns(#{backend := {session, S}, patterns := Patterns}) ->
    [catch apply(trace, function, [S, Spec, false, Flags]) || #{spec := Spec, flags := Flags} <- Patterns],
    ok;
clear_patterns(#{backend := global, patterns := Patterns}) ->
    lists:foreach(fun(P) -> switch(P, false, fun ours/2) end, Patterns).

%% Pause and resume one traced process (a message trace's rate limit, an
%% agent process met in a call trace): its flags.
-spec pause(plan(), pid()) -> ok.
pause(#{backend := {session, S}, process_flags := Flags}, Pid) ->
    _ = catch apply(trace, process, [S, Pid, false, Flags]),
    ok;
pause(#{process_flags := Flags, tracer := Tracer}, Pid) ->
    %% With the tracer option: a process another tracer took meanwhile is left alone.
    _ = catch erlang:trace(Pid, false, [{tracer, Tracer} | Flags]),
    ok.

-spec resume(plan(), pid()) -> boolean().
resume(#{backend := {session, S}, process_flags := Flags}, Pid) ->
    (catch apply(trace, process, [S, Pid, true, Flags])) =:= 1;
resume(#{process_flags := Flags, tracer := Tracer}, Pid) ->
    set_flags(Pid, Flags, Tracer).

switch(#{spec := Spec, mfas := MFAs, flags := Flags} = Pattern, Value, Eligible) ->
    case lists:partition(fun(MFA) -> Eligible(MFA, Pattern) end, MFAs) of
        {_, []} -> erlang:trace_pattern(Spec, Value, Flags);
        {Mine, _} -> [erlang:trace_pattern(MFA, Value, Flags) || MFA <- Mine]
    end.

ours(MFA, #{flags := [local], ms := Ms}) ->
    erlang:trace_info(MFA, match_spec) =:= {match_spec, Ms};
ours(MFA, #{flags := Counters}) ->
    lists:any(fun(Item) -> element(2, erlang:trace_info(MFA, Item)) =/= false end, Counters).

%% Are the patterns still there? A module that is reloaded (recompiled, or
%% interpreted by a debugger) loses them: the trace would go silent.
-spec patterns_in_place(plan()) -> boolean().
patterns_in_place(#{backend := {session, _}}) ->
    true;
patterns_in_place(#{patterns := Patterns}) ->
    lists:all(fun(#{mfas := MFAs} = P) -> MFAs =:= [] orelse lists:any(fun(MFA) -> ours(MFA, P) end, MFAs) end,
              Patterns).

%%% ------------------------------------------------------------------
%%% Verification
%%% ------------------------------------------------------------------

%% After clean-up: nothing of this plan is left (erlang:trace_info/2).
-spec verify(plan()) -> #{verified := boolean(), processesLeft := non_neg_integer(),
                          patternsLeft := non_neg_integer()}.
verify(#{backend := {session, _}} = Plan) ->
    %% A destroyed session holds nothing by construction; the gate is the node's.
    #{verified => gate_open(Plan), processesLeft => 0, patternsLeft => 0};
verify(#{patterns := Patterns, processes := Processes, tracer := Tracer} = Plan) ->
    ProcessesLeft = case Processes of
                        none -> 0;
                        _ ->
                            New = case erlang:trace_info(new, tracer) of {tracer, Tracer} -> 1; _ -> 0 end,
                            New + length([P || P <- erlang:processes(),
                                               erlang:trace_info(P, tracer) =:= {tracer, Tracer}])
                    end,
    PatternsLeft = length([MFA || #{mfas := MFAs} = P <- Patterns, MFA <- MFAs, ours(MFA, P)]),
    #{verified => ProcessesLeft =:= 0 andalso PatternsLeft =:= 0 andalso gate_open(Plan),
      processesLeft => ProcessesLeft, patternsLeft => PatternsLeft}.

gate_open(#{gate := none}) -> true;
gate_open(#{gate := Bit}) -> erlang:system_info(trace_control_word) band Bit =:= 0.

%%% ------------------------------------------------------------------
%%% Naming a tracer
%%% ------------------------------------------------------------------

%% Who holds a process's trace, in words: one of our sessions, or a process
%% with its name or what it runs (dbg's tracer runs dbg:tracer_loop/2).
-spec describe_tracer(term()) -> binary().
describe_tracer(Tracer) when is_pid(Tracer) ->
    case beam_observer_trace_index:describe_tracer(Tracer) of
        {ok, Name} -> Name;
        none ->
            Pid = beam_observer_pid:to_binary(Tracer),
            case erlang:process_info(Tracer, [registered_name, current_function]) of
                [{registered_name, Name}, _] when is_atom(Name) ->
                    <<Pid/binary, " (registered as ", (atom_to_binary(Name))/binary, ")">>;
                [_, {current_function, {M, F, A}}] ->
                    <<"the process ", Pid/binary, " (running ", (atom_to_binary(M))/binary, ":",
                      (atom_to_binary(F))/binary, "/", (integer_to_binary(A))/binary, ")">>;
                _ ->
                    <<"the process ", Pid/binary>>
            end
    end;
describe_tracer(Port) when is_port(Port) ->
    <<"the port ", (beam_observer_pid:to_binary(Port))/binary>>;
describe_tracer({Module, _State}) when is_atom(Module) ->
    <<"the tracer module ", (atom_to_binary(Module))/binary>>;
describe_tracer(Other) ->
    beam_observer_format:short(Other).

held_message(Pid, Holder) ->
    <<"process ", (beam_observer_pid:to_binary(Pid))/binary, " is already traced by ",
      (describe_tracer(Holder))/binary, "; on OTP 25 a process has one tracer, and BEAM Observer never "
      "takes one over. Stop that trace first">>.
