defmodule Overload.Cpu do
  @moduledoc """
  CPU-bound work in more processes than schedulers: twice as many busy
  loops as online schedulers. Expect utilisation near 100% on every normal
  scheduler and a run queue above half the schedulers (the post's "16
  CPU-intensive processes on 8 cores").
  """
  use Supervisor

  def start_link, do: Supervisor.start_link(__MODULE__, [], name: __MODULE__)

  @impl true
  def init(_) do
    count = 2 * System.schedulers_online()
    children = for i <- 1..count, do: Supervisor.child_spec({Task, &spin/0}, id: {:spin, i})
    Supervisor.init(children, strategy: :one_for_one)
  end

  @doc false
  def spin do
    Enum.reduce(1..100_000, 0, fn i, acc -> rem(acc + i * i, 1_000_003) end)
    spin()
  end
end
