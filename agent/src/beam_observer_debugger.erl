%%% The debugger inside the observed node: whose processes are its, and which
%%% of the user's processes it holds.
%%%
%%% A debug session (ElixirLS, OTP's debugger) runs OTP's interpreter `int'
%%% in the very node we observe. Two things follow:
%%% - Its own processes work hard: `dbg_iserver', one *meta* process per
%%%   interpreted process (it evaluates the interpreted code, spawned with an
%%%   anonymous fun, so its initial call reads `erlang:apply/2'), and the
%%%   debug adapter's processes (`Elixir.ElixirLS.*'). While modules are
%%%   interpreted they burn far more reductions than the application; the
%%%   views set them apart, as they do the agent's own processes.
%%% - A process running interpreted code waits in `dbg_debugged' while its
%%%   meta process evaluates for it (or sits at a breakpoint). It handles no
%%%   system message until the interpreted call returns, so asking it for its
%%%   state can only time out: the agent says why at once instead.
%%%
%%% Everything here is read without a message to a user process: the meta
%%% processes are the links of `dbg_iserver' (measured: every meta process is
%%% linked to it), the interpreter's view of a process comes from
%%% `int:snapshot/0', asked only when a process is seen held, in a helper
%%% whose heap and time are bounded.
-module(beam_observer_debugger).

-export([active/0, meta_pids/0, is_debugger/3, held/1, hold/2, holds/1, hold_message/2, pids/0]).
%% Pure parts, exported for tests.
-export([debugger_module/1, callback_of/1, describe/3]).

-define(SNAPSHOT_TIMEOUT_MS, 1000).
%% Words: int:snapshot/0 copies each interpreted process's entry call with its arguments.
-define(SNAPSHOT_MAX_HEAP_WORDS, 4 * 1024 * 1024).

-type hold() :: #{status := binary(),
                  callback := binary() | null,
                  module := atom() | null,
                  line := pos_integer() | null,
                  source := binary() | null}.
-export_type([hold/0]).

%% Is OTP's interpreter running in this node?
-spec active() -> boolean().
active() ->
    is_pid(whereis(dbg_iserver)).

%% The interpreter's server and its meta processes (one per interpreted process).
-spec meta_pids() -> [pid()].
meta_pids() ->
    case whereis(dbg_iserver) of
        undefined -> [];
        Server ->
            Links = erlang:process_info(Server, links),
            %% A signal: it costs the server a reduction (the agent's own effect).
            beam_observer_touch:signalled([Server]),
            case Links of
                {links, Links1} -> [Server | [P || P <- Links1, is_pid(P), node(P) =:= node()]];
                undefined -> []
            end
    end.

%% The debugger's processes that can be found without a sweep: the
%% interpreter's, and the registered ones of the debug adapter.
-spec pids() -> [pid()].
pids() ->
    Named = [whereis(Name) || Name <- erlang:registered(), debugger_module(Name)],
    lists:usort(meta_pids() ++ [P || P <- Named, is_pid(P)]).

%% Does a process belong to the debugger? From its name and (real) initial
%% call, or its membership of the interpreter's meta processes (Metas).
-spec is_debugger(pid(), {atom() | [], term()}, [pid()]) -> boolean().
is_debugger(Pid, {Name, InitialCall}, Metas) ->
    debugger_module(Name) orelse
        case InitialCall of
            {M, _, _} -> debugger_module(M);
            _ -> false
        end orelse lists:member(Pid, Metas).

%% Modules (and registered names) of the debug adapters and of OTP's
%% interpreter. `dbg_debugged' is left out: it runs in the *user's* process
%% while the interpreter holds it.
-spec debugger_module(term()) -> boolean().
debugger_module(Atom) when is_atom(Atom) ->
    case atom_to_binary(Atom) of
        <<"Elixir.ElixirLS.", _/binary>> -> true;
        <<"dbg_debugged">> -> false;
        <<"dbg_", _/binary>> -> true;
        <<"int">> -> true;
        _ -> false
    end;
debugger_module(_) -> false.

%% A process runs interpreted code when dbg_debugged is on its stack: it
%% waits there while its meta process evaluates, and makes the calls into
%% compiled code the meta process asks of it (so the top frame may be any).
-spec held([tuple()]) -> boolean().
held(Stack) ->
    lists:any(fun({M, _, _, _}) -> M =:= dbg_debugged; (_) -> false end, Stack).

%% How the interpreter holds Pid (whose stack is Stack), or null when it does not.
-spec hold(pid(), [tuple()]) -> hold() | null.
hold(Pid, Stack) ->
    maps:get(Pid, holds([{Pid, Stack}]), null).

%% The same for several processes, asking the interpreter once: the held
%% ones only, by pid.
-spec holds([{pid(), [tuple()]}]) -> #{pid() => hold()}.
holds(Stacks) ->
    case [PS || {_, Stack} = PS <- Stacks, held(Stack)] of
        [] -> #{};
        Held ->
            Entries = snapshot_entries(),
            maps:from_list([begin
                                {Status, Info} = maps:get(Pid, Entries, {unknown, none}),
                                {Pid, describe(Status, Info, callback_of(Stack))}
                            end || {Pid, Stack} <- Held])
    end.

-spec describe(atom(), term(), binary() | null) -> hold().
describe(Status, Info, Callback) ->
    {Module, Line} = case {Status, Info} of
                         {break, {M, L}} when is_atom(M), is_integer(L) -> {M, L};
                         _ -> {null, null}
                     end,
    #{status => atom_to_binary(Status),
      callback => Callback,
      module => Module,
      line => Line,
      source => source_of(Module)}.

%% Which OTP callback the process is in, from the behaviour's frames below
%% the interpreter's (the interpreted module's own frames are not on the
%% process's stack: its meta process evaluates them).
-spec callback_of([tuple()]) -> binary() | null.
callback_of(Stack) ->
    Known = [{{gen_server, init_it}, <<"init/1">>},
             {{gen_server, try_handle_call}, <<"handle_call/3">>},
             {{gen_server, try_handle_continue}, <<"handle_continue/2">>},
             {{gen_server, try_dispatch}, <<"handle_cast/2 or handle_info/2">>},
             {{gen_server, try_terminate}, <<"terminate/2">>},
             {{gen_statem, init_it}, <<"init/1">>},
             {{gen_statem, loop_state_callback}, <<"a state callback">>},
             {{gen_event, server_update}, <<"an event handler callback">>},
             {{proc_lib, init_p_do_apply}, null}],
    Frames = [{M, F} || {M, F, _, _} <- Stack],
    case [Name || {MF, Name} <- Known, lists:member(MF, Frames), Name =/= null] of
        [Name | _] -> Name;
        [] -> null
    end.

%% The error message for a state request to a held process.
-spec hold_message(pid(), hold()) -> binary().
hold_message(Pid, #{status := Status, callback := Callback} = Hold) ->
    Who = <<"process ", (beam_observer_pid:to_binary(Pid))/binary>>,
    In = case Callback of
             null -> <<>>;
             _ -> <<" in ", Callback/binary>>
         end,
    case Status of
        <<"break">> ->
            <<Who/binary, " is paused at a breakpoint", (where(Hold))/binary, In/binary,
              ": the debugger holds it, and its state can be read once it continues">>;
        <<"waiting">> ->
            <<Who/binary, " is waiting in a receive of interpreted code", In/binary,
              ": the debugger runs it, and it cannot report its state until that code returns">>;
        _ ->
            Until = case Callback of
                        null -> <<"the interpreted call returns">>;
                        _ -> <<Callback/binary, " returns">>
                    end,
            <<Who/binary, " is running interpreted code", In/binary,
              ": the debugger interprets its module (far slower than compiled code), and it cannot "
              "report its state until ", Until/binary>>
    end.

where(#{module := null}) -> <<>>;
where(#{module := Module, line := Line, source := Source}) ->
    File = case Source of
               null -> beam_observer_format:module_name(Module);
               _ -> filename:basename(Source)
           end,
    <<" (", File/binary, ":", (integer_to_binary(Line))/binary, ")">>.

source_of(null) -> null;
source_of(Module) ->
    try proplists:get_value(source, Module:module_info(compile)) of
        Path when is_list(Path) -> unicode:characters_to_binary(Path);
        _ -> null
    catch
        _:_ -> null
    end.

%% The interpreter's status of each process it knows: idle, running,
%% waiting, break (with {Module, Line}), exit. Empty when it does not answer
%% in time or its answer is too big: int:snapshot/0 is asked in a helper,
%% and a late or huge answer dies with it.
snapshot_entries() ->
    case active() andalso code:is_loaded(int) =/= false of
        false -> #{};
        true ->
            Self = self(),
            Ref = make_ref(),
            {Helper, Monitor} =
                spawn_opt(fun() ->
                                  Self ! {Ref, maps:from_list([{P, {S, I}} || {P, _Call, S, I} <- int:snapshot()])}
                          end,
                          [monitor, {max_heap_size, #{size => ?SNAPSHOT_MAX_HEAP_WORDS, kill => true,
                                                      error_logger => false}}]),
            receive
                {Ref, Entries} ->
                    erlang:demonitor(Monitor, [flush]),
                    Entries;
                {'DOWN', Monitor, process, Helper, _} ->
                    #{}
            after ?SNAPSHOT_TIMEOUT_MS ->
                exit(Helper, kill),
                erlang:demonitor(Monitor, [flush]),
                receive {Ref, _} -> ok after 0 -> ok end,
                #{}
            end
    end.
