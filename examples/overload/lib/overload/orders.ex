defmodule Overload.Orders do
  @moduledoc """
  A small order book that `Overload.Shopper` calls several times a second,
  always running: functions to trace and count from their CodeLens in BEAM
  Observer. An order carries its customer's card token, which the
  application marks secret: a traced argument hides it, as a state dump does.
  """

  defmodule Order do
    @moduledoc "An order. The card token is secret: Elixir's inspect, and so a trace, hides it."
    @derive {Inspect, except: [:card_token]}
    defstruct [:id, :customer, :items, :card_token]
  end

  @doc "A new order for a customer, with a few items."
  def new(id, customer) do
    items = for n <- 1..rem(id, 4) + 1, do: {"SKU-#{n}", rem(id + n, 3) + 1, 250 * n}
    %Order{id: id, customer: customer, items: items, card_token: "tok_demo_#{id}"}
  end

  @doc "The order's total, in cents."
  def total(%Order{items: items}) do
    Enum.reduce(items, 0, fn {_sku, qty, price}, acc -> acc + qty * price end)
  end

  @doc "The total after a discount code; an unknown code raises."
  def apply_discount(%Order{} = order, code) do
    round(total(order) * (1 - discount_rate(code)))
  end

  defp discount_rate("SAVE10"), do: 0.10
  defp discount_rate("SAVE20"), do: 0.20
  defp discount_rate(code), do: raise(ArgumentError, "unknown discount code #{inspect(code)}")
end

defmodule Overload.Shopper do
  @moduledoc """
  Places an order every 100 ms: totals it, and every fifth one applies a
  discount code, one of which is unknown (its ArgumentError is rescued). A
  steady, modest load for BEAM Observer's tracing: about 10 calls of
  `Overload.Orders.total/1` a second, and an exception now and then.
  """
  use GenServer

  @period 100
  @codes ["SAVE10", "SAVE20", "WELCOME"]

  def start_link(_), do: GenServer.start_link(__MODULE__, 0, name: __MODULE__)

  @impl true
  def init(n) do
    Process.send_after(self(), :shop, @period)
    {:ok, n}
  end

  @impl true
  def handle_info(:shop, n) do
    order = Overload.Orders.new(n, "customer-#{rem(n, 7)}")
    _ = Overload.Orders.total(order)

    if rem(n, 5) == 0 do
      code = Enum.at(@codes, rem(div(n, 5), length(@codes)))

      try do
        Overload.Orders.apply_discount(order, code)
      rescue
        ArgumentError -> :unknown_code
      end
    end

    Process.send_after(self(), :shop, @period)
    {:noreply, n + 1}
  end
end
