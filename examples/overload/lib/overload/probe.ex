defmodule Overload.Probe do
  @moduledoc """
  An unrelated part of the system: every 100 ms it does a fixed piece of
  work and records how long that took, and how late its timer fired. Its
  state (inspect it in BEAM Observer) shows what a scenario does to everyone
  else: under `fanout` the same work takes many times longer, because 64
  tasks now share the schedulers with it (the post's Appendix B).
  """
  use GenServer

  @period 100

  def start_link(_), do: GenServer.start_link(__MODULE__, nil, name: __MODULE__)

  @impl true
  def init(_) do
    Process.send_after(self(), :tick, @period)
    {:ok, %{expected_at: now() + @period, late_ms_last: 0, work_ms_last: 0, work_ms_max_last_10: 0, recent_work_ms: []}}
  end

  @impl true
  def handle_info(:tick, state) do
    late = max(0, now() - state.expected_at)
    {micros, _} = :timer.tc(fn -> Enum.reduce(1..100_000, 0, fn i, acc -> rem(acc + i, 65_521) end) end)
    work = div(micros, 1000)
    recent = Enum.take([work | state.recent_work_ms], 10)
    Process.send_after(self(), :tick, @period)

    {:noreply,
     %{state | expected_at: now() + @period, late_ms_last: late, work_ms_last: work,
       work_ms_max_last_10: Enum.max(recent), recent_work_ms: recent}}
  end

  defp now, do: System.monotonic_time(:millisecond)
end
