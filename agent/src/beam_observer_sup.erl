%%% The agent's supervision tree.
%%%
%%% one_for_all: the listener publishes the port and token that the process
%%% registry and the ranking server are reached through; if either dies the
%%% agent restarts as a whole, and after too many restarts the (temporary)
%%% application stops without touching anything else in the node.
-module(beam_observer_sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    %% The supervisor owns the registry table, so it outlives any child crash.
    beam_observer_registry:create(),
    beam_observer_registry:add(self(), supervisor),
    Children =
        [#{id => procs, start => {beam_observer_procs, start_link, []},
           shutdown => 2000},
         #{id => listener, start => {beam_observer_listener, start_link, []},
           shutdown => 5000}],
    {ok, {#{strategy => one_for_all, intensity => 5, period => 60}, Children}}.
