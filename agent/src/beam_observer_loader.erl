%%% Loading this agent into another node, checking the version that node
%%% runs and starting the agent there: the one module that knows how.
%%%
%%% Modules travel as binaries (code:load_binary/3), in the order
%%% beam_observer_agent:modules() gives: nothing is written to the node's
%%% disk and nothing there is restarted. Two callers, two policies:
%%% - beam_observer_cluster, in an agent serving its cluster, wants a
%%%   *cluster member* of this version (ensure_member/1): a node without the
%%%   agent gets every module; a node with it keeps it, and is refused
%%%   unless it is this version, running or not.
%%% - beam_observer_attach, in the helper VM of Attach to Node, wants a
%%%   *full agent* (listener, discovery file) (ensure_started/2): a running
%%%   agent of this version is reused and one of another version refused
%%%   (its users may be connected to it); otherwise the modules the node
%%%   lacks or runs another build of are pushed (a development build changes
%%%   its code, not its version) and the agent is started.
%%%
%%% How the node is reached belongs to the caller: every call goes through
%%% Remote(Module, Function, Args), which runs the call in that node. Its
%%% transport failures (the node left, it did not answer) are raised or
%%% thrown by Remote and pass through here untouched, so that each caller
%%% reports them in its own terms; what this module decides is returned as
%%% `{error, failure()}'.
-module(beam_observer_loader).

-export([ensure_member/1, ensure_started/2]).
-export_type([remote/0, failure/0]).

-type remote() :: fun((module(), atom(), [term()]) -> term()).
-type endpoint() :: #{port := inet:port_number(), token := binary()}.
-type failure() :: {other_version, Theirs :: term()}
                 | {other_version, Theirs :: term(), endpoint()}
                 | {no_object_code, module()}
                 | {load_failed, module(), Reason :: term()}
                 | {start_failed, Reason :: term()}.

%% The module whose presence and version stand for the whole agent.
-define(AGENT, beam_observer_agent).

%%% ------------------------------------------------------------------
%%% A cluster member
%%% ------------------------------------------------------------------

%% Make the node run this agent's version as a cluster member: its ranking
%% server and registry, no listener, no discovery file.
-spec ensure_member(remote()) -> ok | {error, failure()}.
ensure_member(Remote) ->
    case push_unless_loaded(Remote) of
        ok -> start_member(Remote);
        {error, _} = Error -> Error
    end.

push_unless_loaded(Remote) ->
    case Remote(code, is_loaded, [?AGENT]) of
        {file, _} -> ok;
        false -> push(Remote, beam_observer_agent:modules())
    end.

start_member(Remote) ->
    Ours = beam_observer_agent:version(),
    case Remote(?AGENT, version, []) of
        Ours ->
            %% start_member/0 answers ok or {error, _}; an error is raised
            %% here as a badmatch, and the caller reports it as it reports
            %% any call that failed in the node.
            ok = Remote(?AGENT, start_member, []);
        Theirs ->
            {error, {other_version, Theirs}}
    end.

%%% ------------------------------------------------------------------
%%% A full agent
%%% ------------------------------------------------------------------

%% Make the node run a full agent of this version. Progress(Step) is called
%% before each step that takes time (`pushing', `starting'), so that a
%% caller with a deadline can say what it was waiting for.
-spec ensure_started(remote(), fun((pushing | starting) -> term())) ->
          {ok, #{pushed := non_neg_integer(), endpoint := endpoint(), reused := boolean()}}
        | {error, failure()}.
ensure_started(Remote, Progress) ->
    case Remote(erlang, module_loaded, [?AGENT]) andalso Remote(?AGENT, status, []) of
        {running, Endpoint} -> reuse(Remote, Endpoint);
        _ -> push_and_start(Remote, Progress)
    end.

reuse(Remote, Endpoint) ->
    Ours = beam_observer_agent:version(),
    %% An agent that cannot say its version (one older than version/0) is another version.
    case catch Remote(?AGENT, version, []) of
        Ours -> {ok, #{pushed => 0, endpoint => Endpoint, reused => true}};
        Theirs -> {error, {other_version, Theirs, Endpoint}}
    end.

push_and_start(Remote, Progress) ->
    Progress(pushing),
    Stale = stale_modules(Remote),
    case push(Remote, Stale) of
        ok ->
            Progress(starting),
            case Remote(?AGENT, start, [#{}]) of
                {ok, Endpoint} -> {ok, #{pushed => length(Stale), endpoint => Endpoint, reused => false}};
                {error, Reason} -> {error, {start_failed, Reason}}
            end;
        {error, _} = Error ->
            Error
    end.

%% The agent's modules that the node has not loaded, or runs another build of.
stale_modules(Remote) ->
    [M || M <- beam_observer_agent:modules(), not same_code(Remote, M)].

same_code(Remote, Module) ->
    Remote(erlang, module_loaded, [Module]) andalso
        Remote(Module, module_info, [md5]) =:= Module:module_info(md5).

%%% ------------------------------------------------------------------
%%% Pushing modules
%%% ------------------------------------------------------------------

%% In modules() order: a module is only called once those it uses are loaded.
push(_Remote, []) ->
    ok;
push(Remote, [Module | Rest]) ->
    case load(Remote, Module) of
        ok -> push(Remote, Rest);
        {error, _} = Error -> Error
    end.

load(Remote, Module) ->
    case object_code(Module) of
        {ok, Binary, File} ->
            case Remote(code, load_binary, [Module, File, Binary]) of
                {module, Module} -> ok;
                {error, Reason} -> {error, {load_failed, Module, Reason}}
            end;
        error ->
            {error, {no_object_code, Module}}
    end.

%% The object code of a module of ours: from the code path, or from the file
%% it was loaded from when a loader pushed it here as a binary (a cluster
%% member that forwards a request to a third node).
object_code(Module) ->
    case code:get_object_code(Module) of
        {Module, Binary, File} -> {ok, Binary, File};
        error -> object_code_from_file(code:which(Module))
    end.

object_code_from_file(File) when is_list(File) ->
    case file:read_file(File) of
        {ok, Binary} -> {ok, Binary, File};
        {error, _} -> error
    end;
object_code_from_file(_NotAFile) ->
    error.
