%%% Helper loaded into the node of test/bench/node-bench.ts (the rest of the
%%% node, issue 12). It starts the agent, builds what each case needs (10,000
%%% ETS tables, a 1,000,000-row table, a supervisor of 100,000 children,
%%% 5,000 open sockets) and measures, in the node:
%%% - the agent's own work for a request (beam_observer_rpc:handle_local/2,
%%%   no JSON, no socket), and
%%% - the baselines: OTP's observer_backend (get_table_list/2,
%%%   get_port_list/0, sys_info/0, get_table/3), ets:tab2list/1 and
%%%   supervisor:which_children/1, each finished into the same answer the
%%%   agent gives (the top 200 sorted, the first page formatted);
%%% each in a fresh process, with the node's memory watched every
%%% millisecond and read again right after the call (the copy is still in
%%% that process's heap then).
%%%
%%% Commands arrive as lines on standard input; each answer is one line
%%% "NBENCH <json>" on standard output. Benchmark-only; never shipped.
-module(node_bench).
-behaviour(supervisor).

-export([main/0, init/1, start_idle/0, idle/0]).

-define(PREFIX, "NBENCH ").
-define(TOP, 200).
-define(PAGE, 100).

main() ->
    {ok, Agent} = beam_observer_agent:start(),
    reply(Agent#{osPid => list_to_integer(os:getpid())}),
    command_loop().

command_loop() ->
    case io:get_line("") of
        eof -> halt(0);
        {error, _} -> halt(0);
        Line ->
            Answer = try command(string:lexemes(string:trim(Line), " "))
                     catch Class:Reason:Stack ->
                             #{error => iolist_to_binary(io_lib:format("~p:~p ~P", [Class, Reason, Stack, 20]))}
                     end,
            reply(Answer),
            command_loop()
    end.

%%% ------------------------------------------------------------------
%%% Building the cases
%%% ------------------------------------------------------------------

command(["tables", N]) ->
    tables(list_to_integer(N));
command(["rows", Type, N]) ->
    rows(list_to_atom(Type), list_to_integer(N));
command(["pool", N]) ->
    pool(list_to_integer(N));
command(["sockets", N]) ->
    sockets(list_to_integer(N));
command(["memory"]) ->
    #{total => erlang:memory(total), ets => erlang:memory(ets), processes => erlang:memory(processes)};
%% ours <method> <params as JSON>: the agent's work for one request, in the node.
command(["ours", Method | Json]) ->
    {ok, Params} = beam_observer_json:decode(list_to_binary(lists:join(" ", Json))),
    measure(fun() ->
                    {ok, _} = beam_observer_rpc:handle_local(list_to_binary(Method), Params),
                    ok
            end);
command(["baseline" | What]) ->
    measure(baseline(What));
command(["watch_start"]) ->
    watch_start();
command(["watch_stop"]) ->
    watch_stop();
command(Other) ->
    #{error => iolist_to_binary(["unknown command: ", lists:join(" ", Other)])}.

%% N tables of 0 to 99 small rows, owned by one idle process.
tables(N) ->
    Owner = spawn(fun() ->
                          [begin
                               T = ets:new(bench_table, [public]),
                               ets:insert(T, [{K, K} || K <- lists:seq(1, I rem 100)])
                           end || I <- lists:seq(1, N)],
                          receive never -> ok end
                  end),
    wait_count(fun() -> length([T || T <- ets:all(), ets:info(T, owner) =:= Owner]) end, N),
    #{tables => erlang:system_info(ets_count)}.

%% One table of N rows like an application's cache: {Key, Binary, {Key, Double}}.
rows(Type, N) ->
    Self = self(),
    Name = list_to_atom("bench_rows_" ++ atom_to_list(Type) ++ "_" ++ integer_to_list(N)),
    spawn(fun() ->
                  T = ets:new(Name, [named_table, public, Type]),
                  insert_rows(T, 1, N),
                  Self ! {rows, Name},
                  receive never -> ok end
          end),
    receive {rows, Name} -> ok end,
    garbage_collect(),
    #{table => Name, size => ets:info(Name, size),
      memory => ets:info(Name, memory) * erlang:system_info(wordsize)}.

insert_rows(_, K, N) when K > N -> ok;
insert_rows(T, K, N) ->
    Last = min(N, K + 9999),
    ets:insert(T, [{I, <<"value-", (integer_to_binary(I))/binary>>, {I, 2 * I}} || I <- lists:seq(K, Last)]),
    insert_rows(T, Last + 1, N).

%% A simple_one_for_one supervisor of N hibernating children.
pool(N) ->
    {ok, Sup} = supervisor:start_link({local, bench_pool}, ?MODULE, pool),
    unlink(Sup),
    [{ok, _} = supervisor:start_child(Sup, []) || _ <- lists:seq(1, N)],
    garbage_collect(),
    #{pid => list_to_binary(pid_to_list(Sup)), children => N}.

init(pool) ->
    {ok, {#{strategy => simple_one_for_one, intensity => 10, period => 1},
          [#{id => idle, start => {?MODULE, start_idle, []}}]}}.

start_idle() ->
    {ok, proc_lib:spawn_link(?MODULE, idle, [])}.

idle() ->
    erlang:hibernate(?MODULE, idle, []).

%% N sockets: N div 2 connected pairs on loopback, owned by one process; a
%% few hundred of them carry a little data, so their byte counts differ.
sockets(N) ->
    Self = self(),
    spawn(fun() ->
                  {ok, Listen} = gen_tcp:listen(0, [binary, {ip, {127, 0, 0, 1}}, {active, false}, {backlog, 1024}]),
                  {ok, Port} = inet:port(Listen),
                  Pairs = [begin
                               {ok, C} = gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {active, false}]),
                               {ok, S} = gen_tcp:accept(Listen),
                               {C, S}
                           end || _ <- lists:seq(1, N div 2)],
                  [begin ok = gen_tcp:send(C, binary:copy(<<"x">>, I)), {ok, _} = gen_tcp:recv(S, I) end
                   || {I, {C, S}} <- lists:zip(lists:seq(1, length(Pairs)), Pairs), I rem 10 =:= 0],
                  Self ! sockets_ready,
                  receive never -> ok end
          end),
    receive sockets_ready -> ok after 120000 -> error(sockets_not_ready) end,
    #{ports => erlang:system_info(port_count)}.

wait_count(Count, N) ->
    case Count() >= N of
        true -> ok;
        false -> timer:sleep(10), wait_count(Count, N)
    end.

%%% ------------------------------------------------------------------
%%% Baselines, each finished into the answer the agent gives
%%% ------------------------------------------------------------------

%% Observer's table list, sorted by memory, the top 200.
baseline(["get_table_list"]) ->
    fun() ->
            All = observer_backend:get_table_list(ets, [{unread_hidden, false}, {sys_hidden, false}]),
            Sorted = lists:sort(fun(A, B) -> proplists:get_value(memory, A) >= proplists:get_value(memory, B) end, All),
            length(lists:sublist(Sorted, ?TOP))
    end;
%% A naive viewer: the whole table copied, the first page formatted.
baseline(["tab2list", Table]) ->
    T = list_to_existing_atom(Table),
    fun() -> format_page(lists:sublist(ets:tab2list(T), ?PAGE)) end;
%% Observer's Table Viewer: get_table/3 streams chunks of 20,000 bytes' worth
%% of rows to the caller; the time to its first chunk, formatted.
baseline(["get_table", Table]) ->
    T = list_to_existing_atom(Table),
    fun() ->
            Pid = observer_backend:get_table(self(), T, ets),
            receive {Pid, Rows} when is_list(Rows) -> unlink(Pid), exit(Pid, kill), format_page(lists:sublist(Rows, ?PAGE)) end
    end;
%% What opening a table in Observer's Table Viewer costs in all: get_table/3
%% keeps sending chunks until the end of the table (the viewer holds them all).
baseline(["get_table_all", Table]) ->
    T = list_to_existing_atom(Table),
    fun() ->
            Pid = observer_backend:get_table(self(), T, ets),
            receive_all(Pid, [])
    end;
%% What Observer's Applications tab (appmon_info) and LiveDashboard call.
baseline(["which_children", Name]) ->
    Sup = whereis(list_to_existing_atom(Name)),
    fun() ->
            Counts = supervisor:count_children(Sup),
            Page = lists:sublist(supervisor:which_children(Sup), ?PAGE),
            {length(Page), Counts}
    end;
%% Observer's Ports tab, sorted by bytes in, the top 200.
baseline(["get_port_list"]) ->
    fun() ->
            All = observer_backend:get_port_list(),
            Sorted = lists:sort(fun(A, B) -> proplists:get_value(input, A) >= proplists:get_value(input, B) end, All),
            length(lists:sublist(Sorted, ?TOP))
    end;
baseline(["sys_info"]) ->
    fun() -> length(observer_backend:sys_info()) end.

receive_all(Pid, Chunks) ->
    receive
        {Pid, '$end_of_table'} -> length(lists:append(Chunks));
        {Pid, Rows} when is_list(Rows) -> receive_all(Pid, [Rows | Chunks])
    after 60000 -> timeout
    end.

format_page(Rows) ->
    [io_lib:format("~tP", [R, 20], [{chars_limit, 4096}]) || R <- Rows].

%%% ------------------------------------------------------------------
%%% Measuring
%%% ------------------------------------------------------------------

%% Run Work in a fresh process; its time, and the node's memory above the
%% baseline at its peak (the watcher's readings, and the reading right after
%% the call, while its copy is still in the process's heap).
measure(Work) ->
    garbage_collect(),
    Base = erlang:memory(total),
    watch_start(),
    {Pid, Ref} = spawn_monitor(fun() ->
                                       {Us, _} = timer:tc(Work),
                                       After = erlang:memory(total),
                                       exit({done, Us, After})
                               end),
    receive
        {'DOWN', Ref, process, Pid, {done, Us, After}} ->
            #{peak := Peak} = watch_stop(),
            #{us => Us, peakBytes => max(Peak, After) - Base};
        {'DOWN', Ref, process, Pid, Other} ->
            _ = watch_stop(),
            #{error => iolist_to_binary(io_lib:format("~P", [Other, 20]))}
    after 120000 ->
            exit(Pid, kill),
            _ = watch_stop(),
            #{error => <<"timed out">>}
    end.

watch_start() ->
    _ = watch_stop(),
    Base = erlang:memory(total),
    Pid = spawn(fun() -> watch(Base, Base) end),
    register(nbench_watcher, Pid),
    #{baseline => Base}.

watch_stop() ->
    case whereis(nbench_watcher) of
        undefined -> #{peak => erlang:memory(total), baseline => erlang:memory(total)};
        Pid ->
            Ref = monitor(process, Pid),
            Pid ! {stop, self()},
            receive
                {watched, Base, Peak} ->
                    demonitor(Ref, [flush]),
                    #{baseline => Base, peak => Peak}
            end
    end.

watch(Base, Peak) ->
    receive
        {stop, From} ->
            unregister(nbench_watcher),
            From ! {watched, Base, max(Peak, erlang:memory(total))}
    after 1 ->
            watch(Base, max(Peak, erlang:memory(total)))
    end.

reply(Map) ->
    io:put_chars([?PREFIX, beam_observer_json:encode(Map), $\n]).
