%%% BEAM Observer agent: the public entry points.
%%%
%%% The agent runs inside the node it observes. Its supervisor is a
%%% *temporary* child of kernel's `kernel_safe_sup' (the supervisor OTP keeps
%%% for processes that may fail without consequence), so:
%%% - nothing the agent runs is linked to a user process, and the
%%%   short-lived process that started it (a shell, a debugger's evaluation)
%%%   may exit;
%%% - a crash of the agent is never restarted into a loop and never takes the
%%%   node or a user process with it;
%%% - a normal VM shutdown (init:stop/0, System.stop/0) shuts it down in
%%%   order, which removes its discovery file.
%%% It is deliberately not an OTP application: it needs no `.app' file, works
%%% the same whether its modules came from a directory (`code:add_patha/1')
%%% or were pushed as binaries (`code:load_binary/3'), and starting or
%%% stopping it logs nothing in the user's console.
%%%
%%% start/0,1 and stop/0 are what the extension (or a user in a shell) calls.
%%% autostart/0 is what `-s beam_observer_agent autostart` in ERL_AFLAGS calls.
-module(beam_observer_agent).

-export([start/0, start/1, start_member/0, stop/0, autostart/0, status/0, version/0, modules/0]).

-define(VERSION, <<"0.1.0">>).

-type options() :: #{port => inet:port_number(),
                     bind => inet:ip_address() | string(),
                     token => binary() | string(),
                     interval_ms => pos_integer(),
                     discovery => boolean()}.
-export_type([options/0]).

%% Start the agent with default options (ephemeral port on 127.0.0.1).
-spec start() -> {ok, #{port := inet:port_number(), token := binary()}} | {error, term()}.
start() ->
    start(#{}).

%% Start the agent. A second start returns the running agent's port and token.
-spec start(options()) -> {ok, #{port := inet:port_number(), token := binary()}} | {error, term()}.
start(Opts) when is_map(Opts) ->
    case status() of
        {running, Info} -> {ok, Info};
        stopped ->
            %% Running as a cluster member only (no listener): become a full agent.
            is_pid(whereis(beam_observer_sup)) andalso stop(),
            do_start(Opts)
    end.

%% Run as a member of a cluster observed through another node's agent
%% (see beam_observer_cluster and beam_observer_loader): the ranking server
%% and registry, no listener and no discovery file. Does nothing when the
%% agent already runs.
-spec start_member() -> ok | {error, term()}.
start_member() ->
    case whereis(beam_observer_sup) of
        Pid when is_pid(Pid) -> ok;
        undefined ->
            {ok, Config} = beam_observer_config:normalise(#{listen => false, discovery => false}),
            start_supervisor(Config)
    end.

do_start(Opts) ->
    case beam_observer_ws:crypto_available() of
        false ->
            {error, <<"BEAM Observer needs OTP's crypto application (SHA-1 for the "
                      "WebSocket handshake), and it is not available in this node">>};
        true ->
            case beam_observer_config:normalise(Opts) of
                {ok, Config} ->
                    %% Every module now, not when first called: the node pays
                    %% for loading them (and their atoms) once, at start.
                    _ = code:ensure_modules_loaded(modules()),
                    %% OTP 25 makes some 300 atoms on the first erlang:memory/0
                    %% in a node: the recorder's first moment would, a second
                    %% later; at start, they are plainly the agent's.
                    _ = erlang:memory(),
                    case start_supervisor(Config) of
                        ok -> status_or_error();
                        Error -> Error
                    end;
                {error, _} = Error -> Error
            end
    end.

start_supervisor(Config) ->
    Spec = #{id => beam_observer_sup,
             start => {beam_observer_sup, start_link, [Config]},
             restart => temporary,
             shutdown => infinity,
             type => supervisor},
    case supervisor:start_child(kernel_safe_sup, Spec) of
        {ok, _} -> ok;
        {error, {already_started, _}} -> ok;
        {error, {shutdown, {failed_to_start_child, _, Reason}}} -> {error, Reason};
        {error, Reason} -> {error, Reason}
    end.

%% The listener opened its socket during the supervisor's start, so the
%% agent is reachable as soon as this returns.
status_or_error() ->
    case status() of
        {running, Info} -> {ok, Info};
        stopped -> {error, <<"the agent started but its listener is not running">>}
    end.

%% Stop the agent and remove its discovery file.
-spec stop() -> ok.
stop() ->
    _ = supervisor:terminate_child(kernel_safe_sup, beam_observer_sup),
    ok.

%% Port and token of the running agent, or `stopped'.
-spec status() -> {running, #{port := inet:port_number(), token := binary()}} | stopped.
status() ->
    try beam_observer_listener:endpoint() of
        {ok, Info} -> {running, Info};
        _ -> stopped
    catch
        exit:_ -> stopped
    end.

%% Called through `-s beam_observer_agent autostart' in ERL_AFLAGS.
%%
%% Does nothing unless BEAM_OBSERVER_AUTOSTART=1. It returns at once and
%% starts the agent from a process of its own after a short delay, so that
%% boot is not slowed and short-lived VMs (mix compile, escripts, the
%% launcher's helper VMs) exit before the agent ever opens a socket.
%% It never prints: failures are reported through `logger' at debug level.
-spec autostart() -> ok.
autostart() ->
    case os:getenv("BEAM_OBSERVER_AUTOSTART") of
        "1" ->
            Delay = env_integer("BEAM_OBSERVER_AUTOSTART_DELAY_MS", 300),
            Opts = autostart_options(),
            _ = spawn(fun() -> delayed_start(Delay, Opts) end),
            ok;
        _ ->
            ok
    end.

delayed_start(Delay, Opts) ->
    timer:sleep(Delay),
    case start(Opts) of
        {ok, _} -> ok;
        {error, Reason} ->
            logger:debug("BEAM Observer agent did not autostart: ~tp", [Reason])
    end.

autostart_options() ->
    case env_integer("BEAM_OBSERVER_PORT", 0) of
        0 -> #{};
        Port -> #{port => Port}
    end.

env_integer(Name, Default) ->
    case os:getenv(Name) of
        false -> Default;
        Text ->
            try list_to_integer(Text) of
                N when N >= 0 -> N;
                _ -> Default
            catch
                error:badarg -> Default
            end
    end.

%% The agent's version, as reported by `initialize'.
-spec version() -> binary().
version() -> ?VERSION.

%% Every module of the agent, in load order, for loaders that push binaries
%% (beam_observer_loader). AGENT_MODULES in extension/src/attach/debugSessions.ts
%% names the same modules (test/unit/attach.test.ts checks it).
-spec modules() -> [module()].
modules() ->
    [beam_observer_json, beam_observer_ws, beam_observer_config, beam_observer_format,
     beam_observer_pid, beam_observer_registry, beam_observer_budget, beam_observer_discovery,
     beam_observer_debugger, beam_observer_sampler, beam_observer_touch, beam_observer_sweep,
     beam_observer_ranking, beam_observer_recorder, beam_observer_inspect,
     beam_observer_loader, beam_observer_cluster, beam_observer_cluster_load,
     beam_observer_bounded, beam_observer_supervisor, beam_observer_apps, beam_observer_ets,
     beam_observer_ports, beam_observer_system, beam_observer_actions, beam_observer_node_rpc,
     beam_observer_trace_params, beam_observer_trace_index, beam_observer_trace_backend,
     beam_observer_trace_events, beam_observer_trace_counts, beam_observer_trace_watcher,
     beam_observer_trace_session, beam_observer_trace_rpc,
     beam_observer_rpc,
     beam_observer_conn, beam_observer_listener, beam_observer_sup, beam_observer_agent].
