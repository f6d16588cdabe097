%%% The agent's supervision tree.
%%%
%%% one_for_all: if the listener or the ranking server dies, the agent
%%% restarts as a whole; after too many restarts the supervisor gives up and
%%% the agent stops, touching nothing else in the node (it is linked to no
%%% user process: beam_observer_agent:start/1 unlinks it from its caller).
-module(beam_observer_sup).
-behaviour(supervisor).

-export([start_link/1, init/1]).

-spec start_link(beam_observer_config:config()) -> supervisor:startlink_ret().
start_link(Config) ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, Config).

-spec init(beam_observer_config:config()) ->
          {ok, {supervisor:sup_flags(), [supervisor:child_spec()]}}.
init(Config) ->
    %% The supervisor owns the registry table (which also holds the
    %% configuration), so both outlive any child crash.
    beam_observer_registry:create(Config),
    beam_observer_touch:create(),
    beam_observer_registry:add(self(), supervisor),
    Ranking = #{id => ranking, start => {beam_observer_ranking, start_link, []}, shutdown => 2000},
    Listener = #{id => listener, start => {beam_observer_listener, start_link, []}, shutdown => 5000},
    %% Records from the start, in a cluster member too (issue 14).
    Recorder = #{id => recorder, start => {beam_observer_recorder, start_link, []}, shutdown => 2000},
    %% A cluster member (started by another node's agent) serves through that
    %% agent and opens no socket of its own.
    Children = case maps:get(listen, Config) of
                   true -> [Ranking, Recorder, Listener];
                   false -> [Ranking, Recorder]
               end,
    {ok, {#{strategy => one_for_all, intensity => 5, period => 60}, Children}}.
