defmodule Overload.Cache do
  @moduledoc """
  A large ETS cache, always running: 100,000 customers in a public `set`
  (`:overload_customers`, about 40 MB), a protected `ordered_set` of daily
  totals and a private index only this process can read. BEAM Observer's
  ETS view lists them by memory; "Show Table Contents" reads the customers a
  page at a time, and each customer's API token stays hidden (the struct
  derives `Inspect` without it), as in a state dump.
  """
  use GenServer

  defmodule Customer do
    @moduledoc "A cached customer. The API token is marked secret."
    @derive {Inspect, except: [:api_token]}
    defstruct [:id, :name, :plan, :country, :api_token]
  end

  @customers 100_000
  @plans [:free, :team, :enterprise]
  @countries ["FR", "DE", "US", "JP", "BR", "IN"]

  def start_link(_), do: GenServer.start_link(__MODULE__, @customers, name: __MODULE__)

  @impl true
  def init(count) do
    customers = :ets.new(:overload_customers, [:named_table, :public, :set, read_concurrency: true])

    for id <- 1..count do
      customer = %Customer{
        id: id,
        name: "Customer #{id}",
        plan: Enum.at(@plans, rem(id, 3)),
        country: Enum.at(@countries, rem(id, 6)),
        api_token: "tok_#{:erlang.phash2({id, :secret}, 1_000_000_000)}"
      }

      :ets.insert(customers, {id, customer})
    end

    totals = :ets.new(:overload_daily_totals, [:named_table, :protected, :ordered_set])
    for day <- 1..365, do: :ets.insert(totals, {Date.add(~D[2025-01-01], day - 1), day * 1_000, rem(day * 37, 500)})
    index = :ets.new(:overload_customer_index, [:private, :set])
    for id <- 1..1_000, do: :ets.insert(index, {"Customer #{id}", id})
    {:ok, %{customers: customers, totals: totals, index: index}}
  end
end
