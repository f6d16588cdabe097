defmodule Overload.Sockets do
  @moduledoc """
  A few sockets, always open: a TCP echo server on 127.0.0.1 with four
  clients that send a line every 200 ms and read the echo, one UDP socket
  sending heartbeats, and one client whose server side stops reading: its
  socket's send queue grows to about 1 MB (sort the Ports and Sockets view
  by queued bytes: it leads).
  """
  use Supervisor

  def start_link(_), do: Supervisor.start_link(__MODULE__, :ok, name: __MODULE__)

  @impl true
  def init(:ok) do
    # Small kernel buffers, so that a connection nobody reads backs up in its port within seconds.
    {:ok, listen} = :gen_tcp.listen(0, [:binary, ip: {127, 0, 0, 1}, active: false, reuseaddr: true, recbuf: 8_192])
    {:ok, port} = :inet.port(listen)

    clients =
      for n <- 1..4 do
        Supervisor.child_spec({Overload.Sockets.Client, {port, n}}, id: {:client, n})
      end

    children =
      [{Overload.Sockets.Acceptor, listen}] ++
        clients ++
        [
          Supervisor.child_spec({Overload.Sockets.Client, {port, :stuck}}, id: :stuck_client),
          Overload.Sockets.Heartbeat
        ]

    Supervisor.init(children, strategy: :one_for_one)
  end

  defmodule Acceptor do
    @moduledoc "Accepts connections; each is echoed by a process of its own (the first line 'stuck' stops reading)."
    use Task, restart: :permanent

    def start_link(listen), do: Task.start_link(fn -> accept(listen) end)

    defp accept(listen) do
      {:ok, socket} = :gen_tcp.accept(listen)
      pid = spawn(fn -> receive(do: (:go -> echo(socket))) end)
      :ok = :gen_tcp.controlling_process(socket, pid)
      send(pid, :go)
      accept(listen)
    end

    defp echo(socket) do
      case :gen_tcp.recv(socket, 0) do
        {:ok, "stuck" <> _} -> Process.sleep(:infinity)
        {:ok, data} -> :gen_tcp.send(socket, data) && echo(socket)
        {:error, _} -> :ok
      end
    end
  end

  defmodule Client do
    @moduledoc "Sends a line every 200 ms and reads the echo; the `:stuck` one sends 64 KB chunks nobody reads."
    use GenServer

    def start_link({port, n}), do: GenServer.start_link(__MODULE__, {port, n})

    @impl true
    def init({port, n}) do
      options = [:binary, active: false, send_timeout: 1_000, sndbuf: 8_192, high_watermark: 1_048_576, low_watermark: 524_288]
      {:ok, socket} = :gen_tcp.connect({127, 0, 0, 1}, port, options)
      if n == :stuck, do: :gen_tcp.send(socket, "stuck\n")
      send(self(), :tick)
      {:ok, %{socket: socket, n: n, sent: 0}}
    end

    @impl true
    def handle_info(:tick, %{n: :stuck} = state) do
      # Nobody reads the other end: the kernel buffers fill, then the port's queue. It stops
      # at about 1 MB queued, so a demo left running does not grow for ever.
      {:queue_size, queued} = :erlang.port_info(state.socket, :queue_size)
      if queued < 1_048_576, do: :gen_tcp.send(state.socket, :binary.copy("x", 65_536))
      Process.send_after(self(), :tick, 500)
      {:noreply, %{state | sent: state.sent + 1}}
    end

    def handle_info(:tick, state) do
      line = "order #{state.sent} from client #{state.n}\n"
      :ok = :gen_tcp.send(state.socket, line)
      {:ok, _} = :gen_tcp.recv(state.socket, byte_size(line), 1_000)
      Process.send_after(self(), :tick, 200)
      {:noreply, %{state | sent: state.sent + 1}}
    end
  end

  defmodule Heartbeat do
    @moduledoc "A UDP socket sending a heartbeat to itself every second."
    use GenServer

    def start_link(_), do: GenServer.start_link(__MODULE__, :ok, name: __MODULE__)

    @impl true
    def init(:ok) do
      {:ok, socket} = :gen_udp.open(0, [:binary, ip: {127, 0, 0, 1}, active: true])
      send(self(), :beat)
      {:ok, %{socket: socket, beats: 0}}
    end

    @impl true
    def handle_info(:beat, state) do
      {:ok, port} = :inet.port(state.socket)
      :gen_udp.send(state.socket, {127, 0, 0, 1}, port, "beat #{state.beats}")
      Process.send_after(self(), :beat, 1_000)
      {:noreply, %{state | beats: state.beats + 1}}
    end

    def handle_info({:udp, _, _, _, _}, state), do: {:noreply, state}
  end
end
