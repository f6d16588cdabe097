defmodule Overload.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    children = [
      {DynamicSupervisor, name: Overload.ScenarioSupervisor, strategy: :one_for_one},
      Overload.BigState,
      Overload.Probe,
      # What the supervision tree, ETS, ports and system views show (always running).
      Overload.Sessions,
      Overload.Cache,
      Overload.Sockets,
      # Orders placed several times a second: something to trace and count (BEAM Observer's tracing).
      Overload.Shopper
    ]

    result = Supervisor.start_link(children, strategy: :one_for_one, name: Overload.Supervisor)
    :ok = Overload.Sessions.start_sessions()
    # OVERLOAD_SCENARIOS=cpu,timers starts scenarios at boot (the demo command uses it).
    for name <- Overload.Scenarios.from_env(System.get_env("OVERLOAD_SCENARIOS", "")) do
      Overload.Scenarios.start(name)
    end

    result
  end
end
