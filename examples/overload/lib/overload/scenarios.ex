defmodule Overload.Scenarios do
  @moduledoc """
  Switch the demo's load scenarios on and off at runtime, from iex:

      Overload.Scenarios.start(:cpu)
      Overload.Scenarios.stop(:cpu)
      Overload.Scenarios.running()

  Each scenario runs under its own supervisor, so stopping it stops every
  process it started. See README.md for what each one shows.
  """

  @scenarios %{
    cpu: Overload.Cpu,
    rsa: Overload.Rsa,
    timers: Overload.Timers,
    mailbox: Overload.Mailbox,
    pool: Overload.Pool,
    fanout: Overload.Fanout,
    burst: Overload.Burst
  }

  @doc "The scenario names."
  def all, do: Map.keys(@scenarios)

  @doc "Start a scenario (a no-op when it already runs)."
  def start(name) when is_map_key(@scenarios, name) do
    case find(name) do
      nil ->
        spec = %{id: name, start: {@scenarios[name], :start_link, []}, type: :supervisor}
        {:ok, _} = DynamicSupervisor.start_child(Overload.ScenarioSupervisor, spec)
        :ok

      _pid ->
        :ok
    end
  end

  @doc "Stop a scenario and all its processes."
  def stop(name) when is_map_key(@scenarios, name) do
    case find(name) do
      nil -> :ok
      pid -> DynamicSupervisor.terminate_child(Overload.ScenarioSupervisor, pid)
    end
  end

  @doc "Stop every scenario."
  def stop_all, do: Enum.each(all(), &stop/1)

  @doc "The scenarios running now."
  def running, do: Enum.filter(all(), &find/1)

  @doc "Scenario names from a comma-separated list such as \"cpu,timers\"; unknown names are ignored."
  def from_env(text) do
    known = Map.new(all(), &{Atom.to_string(&1), &1})

    text
    |> String.split(",", trim: true)
    |> Enum.map(&String.trim/1)
    |> Enum.flat_map(fn n -> List.wrap(known[n]) end)
  end

  defp find(name), do: Process.whereis(@scenarios[name])
end
