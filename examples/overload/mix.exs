defmodule Overload.MixProject do
  use Mix.Project

  # A demo node that reproduces, on demand, what Sequin's engineers hunted
  # with Observer: see README.md beside this file. No Hex dependencies.
  def project do
    [app: :overload, version: "0.1.0", elixir: "~> 1.14", start_permanent: false, deps: []]
  end

  def application do
    [extra_applications: [:logger, :crypto, :public_key], mod: {Overload.Application, []}]
  end
end
