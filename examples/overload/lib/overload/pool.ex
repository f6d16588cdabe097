defmodule Overload.Pool do
  @moduledoc """
  A worker pool that is sent the same large, unchanging data with every job,
  next to the fix: a pool that receives the data once. Every message is
  copied into the receiver's heap, so the first pool's workers grow and
  churn (sort by memory: `Overload.Pool.CopyingWorker` processes on top),
  while `Overload.Pool.OnceWorker` processes stay flat. The post's biggest win.
  """
  use Supervisor

  @workers 8

  def start_link, do: Supervisor.start_link(__MODULE__, [], name: __MODULE__)

  @impl true
  def init(_) do
    copying = for i <- 1..@workers, do: Supervisor.child_spec({Overload.Pool.CopyingWorker, i}, id: {:copying, i})
    once = for i <- 1..@workers, do: Supervisor.child_spec({Overload.Pool.OnceWorker, i}, id: {:once, i})
    dispatcher = Supervisor.child_spec({Task, &dispatch/0}, id: :dispatcher)
    Supervisor.init(copying ++ once ++ [dispatcher], strategy: :one_for_all)
  end

  @reference_items 20_000

  @doc "A couple of megabytes of reference data that never changes."
  def reference_data do
    for i <- 1..@reference_items, into: %{}, do: {i, %{id: i, name: "item #{i}", tags: [:a, :b, :c]}}
  end

  @doc false
  def dispatch do
    data = reference_data()
    for i <- 1..@workers, do: GenServer.cast(Overload.Pool.OnceWorker.name(i), {:reference, data})
    dispatch_loop(data, 0)
  end

  defp dispatch_loop(data, n) do
    worker = rem(n, @workers) + 1
    # The mistake: the whole reference data travels with every job.
    GenServer.cast(Overload.Pool.CopyingWorker.name(worker), {:job, n, data})
    # The fix: jobs are small; the data was sent once.
    GenServer.cast(Overload.Pool.OnceWorker.name(worker), {:job, n})
    Process.sleep(50)
    dispatch_loop(data, n + 1)
  end

  defmodule CopyingWorker do
    @moduledoc "Receives the reference data with every job."
    use GenServer
    def name(i), do: :"Elixir.Overload.Pool.CopyingWorker.#{i}"
    def start_link(i), do: GenServer.start_link(__MODULE__, i, name: name(i))
    @impl true
    def init(i), do: {:ok, %{id: i, jobs: 0, last: nil}}
    @impl true
    def handle_cast({:job, n, data}, state), do: {:noreply, %{state | jobs: state.jobs + 1, last: {n, data}}}
  end

  defmodule OnceWorker do
    @moduledoc "Receives the reference data once, then small jobs."
    use GenServer
    @reference_items 20_000
    def name(i), do: :"Elixir.Overload.Pool.OnceWorker.#{i}"
    def start_link(i), do: GenServer.start_link(__MODULE__, i, name: name(i))
    @impl true
    def init(i), do: {:ok, %{id: i, jobs: 0, data: nil}}
    @impl true
    def handle_cast({:reference, data}, state), do: {:noreply, %{state | data: data}}
    def handle_cast({:job, n}, state) do
      # The job reads the reference data it already holds: nothing is copied.
      _item = state.data && Map.get(state.data, rem(n, @reference_items) + 1)
      {:noreply, %{state | jobs: state.jobs + 1}}
    end
  end
end
