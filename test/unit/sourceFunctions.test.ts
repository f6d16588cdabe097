/** The source scanner behind the tracing CodeLens: modules, functions, arities, heads. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { displayName, languageOf, parseFunctionName, parseSource } from '../../extension/src/shared/sourceFunctions';

const ELIXIR = `defmodule Shop.Cart do
  @moduledoc "A cart. def fake(x), do: x"
  alias Shop.Item

  defstruct [:items, :customer]

  # def commented(x), do: x
  def total(%__MODULE__{items: items}), do: Enum.sum(Enum.map(items, & &1.price))

  def add(cart, item, qty \\\\ 1)

  def add(cart, %Item{} = item, qty) when qty > 0 do
    %{cart | items: [item | cart.items]}
  end

  def add(cart, _item, _qty), do: cart

  defp discount_rate("SAVE10"), do: 0.1
  defp discount_rate("SAVE20"), do: 0.2

  def empty?, do: true

  def long(
        a,
        {b, c},
        "x, y"
      ) do
    {a, b, c}
  end

  defmodule Totals do
    def compute(list) do
      Enum.sum(list)
    end
  end

  def after_nested(x) do
    x
  end
end

defmodule Other do
  def zero do
    0
  end
end
`;

const ERLANG = `%%% A module.
-module(shop_cart).
-export([total/1, add/3]).

%% total(Cart) -> the sum.
total(#{items := Items}) ->
    lists:sum([P || #{price := P} <- Items]).

add(Cart, Item, Qty) when Qty > 0 ->
    Cart#{items => [Item | maps:get(items, Cart)]};
add(Cart, _Item, _Qty) ->
    Cart.

'quoted name'(X) -> X.

multi(A,
      {B, C}) ->
    {A, B, C}.

rate("SAVE10") -> 0.1;
rate("100%") -> 1.0; % a comment (with a paren
rate(_) -> 0.
`;

describe('the source scanner', () => {
  it('reads Elixir modules (nested by indentation), functions, arities and heads', () => {
    const file = parseSource(ELIXIR, 'elixir');
    assert.deepEqual(file.modules, ['Elixir.Shop.Cart', 'Elixir.Shop.Cart.Totals', 'Elixir.Other']);
    const table = file.functions.map((f) => `${f.module} ${f.name}/${f.arities.join(',')} @${f.line}${f.private ? ' private' : ''}`);
    assert.deepEqual(table, [
      'Elixir.Shop.Cart total/1 @7',
      'Elixir.Shop.Cart add/2,3 @9',
      'Elixir.Shop.Cart discount_rate/1 @17 private',
      'Elixir.Shop.Cart empty?/0 @20',
      'Elixir.Shop.Cart long/3 @22',
      'Elixir.Shop.Cart.Totals compute/1 @31',
      'Elixir.Shop.Cart after_nested/1 @36',
      'Elixir.Other zero/0 @42',
    ]);
    const long = file.functions.find((f) => f.name === 'long')!;
    assert.deepEqual(long.headEnd, { line: 26, character: ELIXIR.split('\n')[26].length });
    const total = file.functions.find((f) => f.name === 'total')!;
    assert.deepEqual(total.headEnd, { line: 7, character: ELIXIR.split('\n')[7].length });
  });

  it('reads Erlang functions: clauses of one name and arity are one function', () => {
    const file = parseSource(ERLANG, 'erlang');
    assert.deepEqual(file.modules, ['shop_cart']);
    assert.deepEqual(
      file.functions.map((f) => `${f.name}/${f.arities.join(',')} @${f.line}`),
      ['total/1 @5', 'add/3 @8', 'quoted name/1 @13', 'multi/2 @15', 'rate/1 @19'],
    );
    assert.deepEqual(file.functions.find((f) => f.name === 'multi')!.headEnd, { line: 16, character: '      {B, C}) ->'.length });
  });

  it('finds nothing outside a module', () => {
    assert.deepEqual(parseSource('def f(x), do: x\n', 'elixir').functions, []);
    assert.deepEqual(parseSource('f(X) -> X.\n', 'erlang').functions, []);
  });

  it('knows the languages by file name', () => {
    assert.equal(languageOf('/a/b/cart.ex'), 'elixir');
    assert.equal(languageOf('test.exs'), 'elixir');
    assert.equal(languageOf('shop_cart.erl'), 'erlang');
    assert.equal(languageOf('shop.hrl'), undefined);
  });

  it('reads and writes function names as users type them', () => {
    assert.deepEqual(parseFunctionName('Shop.Cart.total/1'), { module: 'Elixir.Shop.Cart', function: 'total', arity: 1 });
    assert.deepEqual(parseFunctionName('Elixir.Shop.Cart.empty?'), { module: 'Elixir.Shop.Cart', function: 'empty?' });
    assert.deepEqual(parseFunctionName('Shop.Cart'), { module: 'Elixir.Shop.Cart' });
    assert.deepEqual(parseFunctionName('shop_cart:add/3'), { module: 'shop_cart', function: 'add', arity: 3 });
    assert.deepEqual(parseFunctionName(':lists'), { module: 'lists' });
    assert.equal(parseFunctionName('not a function'), undefined);
    assert.equal(displayName('Elixir.Shop.Cart', 'total', 1), 'Shop.Cart.total/1');
    assert.equal(displayName('shop_cart', 'add'), 'shop_cart:add');
  });
});
