defmodule Overload.Rsa do
  @moduledoc """
  RSA key generation in a loop, as in the post. On current OTP it runs on
  *dirty* CPU schedulers: the normal schedulers look idle while the OS shows
  the VM at full CPU. Expect the dirty CPU line high and normal ones low.
  """
  use Supervisor

  def start_link, do: Supervisor.start_link(__MODULE__, [], name: __MODULE__)

  @impl true
  def init(_) do
    count = 2 * :erlang.system_info(:dirty_cpu_schedulers_online)
    children = for i <- 1..count, do: Supervisor.child_spec({Task, &generate/0}, id: {:rsa, i})
    Supervisor.init(children, strategy: :one_for_one)
  end

  @doc false
  def generate do
    :public_key.generate_key({:rsa, 2048, 65537})
    generate()
  end
end
