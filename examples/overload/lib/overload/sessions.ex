defmodule Overload.Sessions do
  @moduledoc """
  A pool of user sessions under a `DynamicSupervisor`, always running: one
  small GenServer per connected user, started on demand as real pools are.
  The supervision tree shows them a page at a time under
  `Overload.Sessions` (with "N more…"); killing one from BEAM Observer shows
  the supervisor starting it again (its restart type is `:transient`: it is
  restarted after a crash, not after a normal logout).
  """
  use DynamicSupervisor

  @sessions 300

  def start_link(_), do: DynamicSupervisor.start_link(__MODULE__, :ok, name: __MODULE__)

  @impl true
  def init(:ok), do: DynamicSupervisor.init(strategy: :one_for_one, max_restarts: 1000, max_seconds: 1)

  @doc "Log `count` users in (the application does it at boot)."
  def start_sessions(count \\ @sessions) do
    for user <- 1..count do
      {:ok, _} = DynamicSupervisor.start_child(__MODULE__, {Overload.Sessions.Session, user})
    end

    :ok
  end

  defmodule Session do
    @moduledoc "One user's session: who, since when, the last pages seen."
    use GenServer, restart: :transient

    def start_link(user), do: GenServer.start_link(__MODULE__, user)

    @impl true
    def init(user) do
      {:ok, %{user: "user-#{user}", since: DateTime.utc_now(), pages: ["/", "/catalogue/#{rem(user, 40)}"]}}
    end
  end
end
