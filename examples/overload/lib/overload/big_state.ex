defmodule Overload.BigState do
  @moduledoc """
  A GenServer holding tens of megabytes of state, always running. Its state
  dump in BEAM Observer must stay fast and bounded: the agent formats it
  inside the process with limits, and never copies it out.
  """
  use GenServer

  defmodule Catalogue do
    @moduledoc "The state. The API key is marked secret: Elixir's inspect, and so BEAM Observer, hides it."
    @derive {Inspect, except: [:api_key]}
    defstruct [:rows, :loaded_at, :api_key]
  end

  def start_link(_), do: GenServer.start_link(__MODULE__, 200_000, name: __MODULE__)

  @impl true
  def init(rows) do
    table = for i <- 1..rows, do: %{id: i, sku: "SKU-#{i}", price: i * 3, stock: rem(i, 97)}
    {:ok, %Catalogue{rows: table, loaded_at: DateTime.utc_now(), api_key: "sk_live_demo_only"}}
  end
end
