defmodule Overload.Probe do
  @moduledoc """
  An unrelated process that wants to run every 10 ms and records how late it
  wakes. Its state (inspect it in BEAM Observer) shows what overload does to
  the rest of the system: lateness climbs when a scenario starves it.
  """
  use GenServer

  @period 10

  def start_link(_), do: GenServer.start_link(__MODULE__, nil, name: __MODULE__)

  @impl true
  def init(_) do
    Process.send_after(self(), :tick, @period)
    {:ok, %{expected_at: now() + @period, late_ms_last: 0, late_ms_max_last_100: 0, window: []}}
  end

  @impl true
  def handle_info(:tick, state) do
    late = max(0, now() - state.expected_at)
    window = Enum.take([late | state.window], 100)
    Process.send_after(self(), :tick, @period)
    {:noreply, %{state | expected_at: now() + @period, late_ms_last: late, late_ms_max_last_100: Enum.max(window), window: window}}
  end

  defp now, do: System.monotonic_time(:millisecond)
end
