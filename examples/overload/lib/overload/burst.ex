defmodule Overload.Burst do
  @moduledoc """
  A burst every minute: `Overload.Burst.Spike`, a short-lived process,
  starts one worker per online scheduler, burns every scheduler for a few
  seconds and exits with its workers. Between bursts nothing of it is left:
  the process tree never shows it, the charts show a spike. Rewinding is the
  only way to see who it was: click the spike on a load chart.

  `OVERLOAD_BURST_EVERY_MS` (default 60000), `OVERLOAD_BURST_MS` (4000) and
  `OVERLOAD_BURST_FIRST_MS` (the first burst, default one period) set the
  timing; the end-to-end test shortens them.
  """
  use Supervisor

  def start_link, do: Supervisor.start_link(__MODULE__, [], name: __MODULE__)

  @impl true
  def init(_) do
    Supervisor.init([Overload.Burst.Clock], strategy: :one_for_one)
  end

  @doc false
  def setting(name, default) do
    case Integer.parse(System.get_env(name, "")) do
      {ms, ""} when ms >= 0 -> ms
      _ -> default
    end
  end
end

defmodule Overload.Burst.Clock do
  @moduledoc false
  # Starts a spike every period; the spike is not linked to it (it exits on its own).
  use GenServer

  def start_link(_), do: GenServer.start_link(__MODULE__, [], name: __MODULE__)

  @impl true
  def init(_) do
    every = Overload.Burst.setting("OVERLOAD_BURST_EVERY_MS", 60_000)
    Process.send_after(self(), :burst, Overload.Burst.setting("OVERLOAD_BURST_FIRST_MS", every))
    {:ok, %{every: every, burn_ms: Overload.Burst.setting("OVERLOAD_BURST_MS", 4_000)}}
  end

  @impl true
  def handle_info(:burst, state) do
    {:ok, _} = Task.start(Overload.Burst.Spike, :run, [state.burn_ms])
    Process.send_after(self(), :burst, state.every)
    {:noreply, state}
  end
end

defmodule Overload.Burst.Spike do
  @moduledoc """
  One burst: registered as `Overload.Burst.Spike` while it lives, it burns a
  scheduler itself and starts a worker (`burn/1`) for each other one; all of
  them exit after `ms` milliseconds.
  """

  def run(ms) do
    Process.register(self(), __MODULE__)
    deadline = System.monotonic_time(:millisecond) + ms
    workers = for _ <- 2..System.schedulers_online()//1, do: Task.async(__MODULE__, :burn, [deadline])
    burn(deadline)
    Task.await_many(workers, ms + 5_000)
    :ok
  end

  @doc false
  def burn(deadline), do: burn(deadline, 0)

  defp burn(deadline, n) do
    if rem(n, 10_000) == 0 and System.monotonic_time(:millisecond) >= deadline do
      :ok
    else
      burn(deadline, n + 1)
    end
  end
end
