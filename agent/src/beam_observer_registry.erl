%%% The agent's shared table, a public ETS table owned by the agent's
%%% supervisor (so it outlives any child's crash). It holds three things:
%%% - which processes are the agent's, with their role: the process views
%%%   mark them, process/state refuses them, and the sampler reports their
%%%   reductions as the agent's cost;
%%% - the running agent's configuration (read through beam_observer_config);
%%% - a counter of the time the agent's work took (busy_us), which every
%%%   load sample reports as the agent's cost in time.
-module(beam_observer_registry).

-export([create/1, config/0, add/2, remove/1, is_agent/1, pids/0, add_busy_us/1, busy_us/0, agent_work/2]).
%% Keyed entries of other parts of the agent (the trace sessions' index).
-export([put_entry/2, claim_entry/2, delete_entry/1, entries/1, next_number/1]).
%% Busy time by kind of periodic work.
-export([add_busy_us/2, busy_us/1]).

-define(TAB, beam_observer_registry).

-spec create(map()) -> ok.
create(Config) ->
    _ = ets:new(?TAB, [named_table, public, set, {write_concurrency, true}]),
    true = ets:insert(?TAB, [{busy_us, 0}, {config, Config}]),
    beam_observer_budget:init().

-spec config() -> map().
config() ->
    ets:lookup_element(?TAB, config, 2).

-spec add(pid(), atom()) -> ok.
add(Pid, Role) ->
    catch ets:insert(?TAB, {Pid, Role}),
    ok.

-spec remove(pid()) -> ok.
remove(Pid) ->
    catch ets:delete(?TAB, Pid),
    ok.

-spec is_agent(pid()) -> boolean().
is_agent(Pid) ->
    try ets:member(?TAB, Pid)
    catch error:badarg -> false
    end.

%% Agent processes that are still alive.
-spec pids() -> [pid()].
pids() ->
    try ets:select(?TAB, [{{'$1', '_'}, [{is_pid, '$1'}], ['$1']}])
    catch error:badarg -> []
    end.

%% Wall time spent in agent work (sampling, sweeps, inspection), accumulated
%% in microseconds. That work is CPU-bound, so this approximates its CPU time.
-spec add_busy_us(integer()) -> ok.
add_busy_us(Us) ->
    catch ets:update_counter(?TAB, busy_us, Us),
    ok.

%% Run Fun in the calling process as agent work: the process is marked as the
%% agent's while it runs (lists show it so, state dumps refuse it), and the
%% time it takes counts in busy_us.
-spec agent_work(atom(), fun(() -> T)) -> T.
agent_work(Role, Fun) ->
    add(self(), Role),
    Start = erlang:monotonic_time(microsecond),
    try
        Fun()
    after
        add_busy_us(erlang:monotonic_time(microsecond) - Start),
        remove(self())
    end.

-spec busy_us() -> non_neg_integer().
busy_us() ->
    try ets:lookup_element(?TAB, busy_us, 2)
    catch error:badarg -> 0
    end.

%%% ------------------------------------------------------------------
%%% Keyed entries: {{Kind, Key}, Value}, for parts of the agent that keep a
%%% small index of their own here (beam_observer_trace_index), so it lives
%%% and dies with the agent like the rest of this table.
%%% ------------------------------------------------------------------

-spec put_entry({atom(), term()}, term()) -> ok.
put_entry({Kind, _} = Key, Value) when is_atom(Kind) ->
    catch ets:insert(?TAB, {Key, Value}),
    ok.

%% Insert only if the key is free: true when this call took it.
-spec claim_entry({atom(), term()}, term()) -> boolean().
claim_entry({Kind, _} = Key, Value) when is_atom(Kind) ->
    try ets:insert_new(?TAB, {Key, Value})
    catch error:badarg -> false
    end.

-spec delete_entry({atom(), term()}) -> ok.
delete_entry(Key) ->
    catch ets:delete(?TAB, Key),
    ok.

%% Every {Key, Value} entry of this kind (empty when the agent is not running).
-spec entries(atom()) -> [{term(), term()}].
entries(Kind) ->
    try ets:select(?TAB, [{{{Kind, '$1'}, '$2'}, [], [{{'$1', '$2'}}]}])
    catch error:badarg -> []
    end.

%% A number that grows by one with every call (1, 2, 3...), per name.
-spec next_number(atom()) -> pos_integer().
next_number(Name) ->
    ets:update_counter(?TAB, {counter, Name}, 1, {{counter, Name}, 0}).

%%% ------------------------------------------------------------------
%%% Busy time by kind of periodic work (the recorder's, the sampler's...)
%%% ------------------------------------------------------------------

%% Periodic work whose time counts in busy_us, and also under its own kind
%% ({busy_us, Kind}), so what each kind costs can be read apart.
-spec add_busy_us(atom(), integer()) -> ok.
add_busy_us(Kind, Us) ->
    add_busy_us(Us),
    catch ets:update_counter(?TAB, {busy_us, Kind}, Us, {{busy_us, Kind}, 0}),
    ok.

-spec busy_us(atom()) -> non_neg_integer().
busy_us(Kind) ->
    try ets:lookup_element(?TAB, {busy_us, Kind}, 2)
    catch error:badarg -> 0
    end.
