%%% Discovery files: how the extension finds agents it did not start itself.
%%%
%%% On start the agent writes `<dir>/<os_pid>.json' (mode 0600, in a 0700
%%% directory, because it holds the token). `<dir>' is $BEAM_OBSERVER_DIR,
%%% else `<temp dir>/beam-observer-<user>'. The extension computes the same
%%% directory (docs/protocol.md, "Discovery"). A VM that ends with halt/0
%%% cannot remove its file, so every start also prunes files whose OS
%%% process is gone (on Linux, where /proc tells).
-module(beam_observer_discovery).

-export([dir/0, file/0, write/1, remove/0, prune/1, user_name/0]).

-spec dir() -> file:filename().
dir() ->
    case os:getenv("BEAM_OBSERVER_DIR") of
        Dir when is_list(Dir), Dir =/= "" -> Dir;
        _ -> filename:join(temp_dir(), "beam-observer-" ++ user_name())
    end.

-spec file() -> file:filename().
file() ->
    filename:join(dir(), os:getpid() ++ ".json").

%% Same order as Node's os.tmpdir() on Unix.
temp_dir() ->
    first_env(["TMPDIR", "TMP", "TEMP"], "/tmp").

-spec user_name() -> string().
user_name() ->
    case first_env(["USER", "LOGNAME", "USERNAME"], undefined) of
        undefined -> passwd_name();
        Name -> Name
    end.

first_env([], Default) -> Default;
first_env([Name | Rest], Default) ->
    case os:getenv(Name) of
        Value when is_list(Value), Value =/= "" -> string:trim(Value, trailing, "/");
        _ -> first_env(Rest, Default)
    end.

%% Without USER (containers, CI), look the uid up as getpwuid would.
passwd_name() ->
    try
        {ok, Status} = file:read_file("/proc/self/status"),
        {match, [Uid]} = re:run(Status, "^Uid:\\s+(\\d+)", [multiline, {capture, all_but_first, list}]),
        {ok, Passwd} = file:read_file("/etc/passwd"),
        {match, [Name]} = re:run(Passwd, "^([^:\\n]+):[^:]*:" ++ Uid ++ ":",
                                 [multiline, {capture, all_but_first, list}]),
        Name
    catch
        _:_ -> "unknown"
    end.

%% Write the file atomically: a reader never sees half a file or a file
%% that is readable by other users.
-spec write(map()) -> ok | {error, term()}.
write(Info) ->
    Dir = dir(),
    Path = file(),
    Tmp = Path ++ ".tmp",
    try
        ok = ensure_private_dir(Dir),
        prune(Dir),
        ok = file:write_file(Tmp, <<>>),
        ok = file:change_mode(Tmp, 8#600),
        ok = file:write_file(Tmp, [beam_observer_json:encode(Info), $\n]),
        ok = file:rename(Tmp, Path)
    catch
        error:{badmatch, {error, Reason}} ->
            _ = file:delete(Tmp),
            {error, {discovery_file, Path, Reason}}
    end.

ensure_private_dir(Dir) ->
    case file:make_dir(Dir) of
        ok -> file:change_mode(Dir, 8#700);
        {error, eexist} -> ok;
        {error, enoent} ->
            ok = filelib:ensure_dir(filename:join(Dir, "x")),
            file:change_mode(Dir, 8#700);
        Error -> Error
    end.

-spec remove() -> ok.
remove() ->
    _ = file:delete(file()),
    ok.

%% Remove discovery files whose OS process no longer exists.
-spec prune(file:filename()) -> ok.
prune(Dir) ->
    case filelib:is_dir("/proc/self") of
        false -> ok;
        true ->
            Files = filelib:wildcard("*.json", Dir),
            [file:delete(filename:join(Dir, F)) || F <- Files, stale(F)],
            ok
    end.

stale(FileName) ->
    OsPid = filename:basename(FileName, ".json"),
    case string:to_integer(OsPid) of
        {N, ""} when is_integer(N) -> not running(OsPid);
        _ -> false
    end.

%% A process that exists and is not a zombie: a VM killed but not yet reaped
%% by its parent (a debugger's child) still has its /proc entry.
running(OsPid) ->
    case file:read_file("/proc/" ++ OsPid ++ "/stat") of
        {ok, Stat} -> not lists:member(process_state(Stat), [<<"Z">>, <<"X">>]);
        {error, _} -> false
    end.

%% The state field follows the command name, which is in parentheses and may hold any byte.
process_state(Stat) ->
    case binary:matches(Stat, <<") ">>) of
        [] -> <<>>;
        Matches ->
            {Pos, Len} = lists:last(Matches),
            binary:part(Stat, Pos + Len, min(1, byte_size(Stat) - Pos - Len))
    end.
