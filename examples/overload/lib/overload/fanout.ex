defmodule Overload.Fanout do
  @moduledoc """
  The post's Appendix B: one hot operation parallelised over many processes
  (as Flow would) finishes faster but starves the rest of the system. Here
  the operation runs as 64 parallel tasks, over and over. Watch
  `Overload.Probe`'s state: its timer lateness climbs while this runs.
  """
  use Supervisor

  def start_link, do: Supervisor.start_link(__MODULE__, [], name: __MODULE__)

  @impl true
  def init(_) do
    Supervisor.init([Supervisor.child_spec({Task, &loop/0}, id: :fanout)], strategy: :one_for_one)
  end

  @doc false
  def loop do
    1..64
    |> Task.async_stream(fn chunk -> Enum.reduce(1..200_000, chunk, fn i, acc -> rem(acc + i, 999_983) end) end,
      max_concurrency: 64, timeout: :infinity)
    |> Stream.run()

    loop()
  end
end
