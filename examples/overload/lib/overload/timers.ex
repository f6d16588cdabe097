defmodule Overload.Timers do
  @moduledoc """
  Many processes waking on timers together: every millisecond, hundreds of
  processes become runnable at once and do a little work. Expect a long run
  queue at only a few percent utilisation: the post's "high load average,
  moderate CPU". A run queue read once a second misses it; the agent
  averages several readings per interval.
  """
  use Supervisor

  @processes 500

  def start_link, do: Supervisor.start_link(__MODULE__, [], name: __MODULE__)

  @impl true
  def init(_) do
    children = for i <- 1..@processes, do: Supervisor.child_spec({Task, &tick/0}, id: {:tick, i})
    Supervisor.init(children, strategy: :one_for_one)
  end

  @doc false
  def tick do
    # Wake at the next whole millisecond, like the others, then work a little.
    now = System.monotonic_time(:microsecond)
    Process.sleep(div(1000 - rem(now, 1000), 1000) + 1)
    _ = Enum.sum(1..200)
    tick()
  end
end
