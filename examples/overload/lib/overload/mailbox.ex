defmodule Overload.Mailbox do
  @moduledoc """
  A GenServer whose callers outpace it: producers cast a request every
  millisecond, it needs 5 ms for each. Expect `Overload.Mailbox.Server` at the
  top of the tree sorted by message queue, its queue growing every second
  (the post's "process overwhelmed with requests").
  """
  use Supervisor

  def start_link, do: Supervisor.start_link(__MODULE__, [], name: __MODULE__)

  @impl true
  def init(_) do
    producers = for i <- 1..4, do: Supervisor.child_spec({Task, &produce/0}, id: {:producer, i})
    Supervisor.init([Overload.Mailbox.Server | producers], strategy: :one_for_all)
  end

  @doc false
  def produce do
    GenServer.cast(Overload.Mailbox.Server, {:request, System.monotonic_time()})
    Process.sleep(1)
    produce()
  end

  defmodule Server do
    @moduledoc "The slow server."
    use GenServer

    def start_link(_), do: GenServer.start_link(__MODULE__, 0, name: __MODULE__)

    @impl true
    def init(handled), do: {:ok, handled}

    @impl true
    def handle_cast({:request, _sent_at}, handled) do
      Process.sleep(5)
      {:noreply, handled + 1}
    end
  end
end
