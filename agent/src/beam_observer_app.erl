%%% The agent's application callback: a thin shell around the supervisor.
-module(beam_observer_app).
-behaviour(application).

-export([start/2, stop/1]).

start(_Type, _Args) ->
    beam_observer_sup:start_link().

%% The discovery file is removed by the listener's terminate/2, which runs
%% before this, whether the agent is stopped or the VM shuts down normally.
stop(_State) ->
    ok.
