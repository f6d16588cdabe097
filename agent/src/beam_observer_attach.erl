%%% Attach over Erlang distribution: the helper node's side.
%%%
%%% The extension cannot speak the distribution protocol, so it starts a
%%% short-lived hidden node with the local `erl':
%%%
%%%   erl -noshell -hidden -dist_listen false -setcookie <placeholder>
%%%       -pa <agent ebin> -run beam_observer_attach main
%%%
%%% This module runs ONLY there; it is never pushed into the nodes it
%%% attaches to (it is not in beam_observer_agent:modules()). The helper
%%% connects to the target, loads the agent's modules into it from binaries
%%% (beam_observer_loader: nothing is installed on the target's disk and the
%%% target is not restarted), starts the agent and reports its endpoint.
%%%
%%% Why these flags: distribution is started at run time (net_kernel:start/2)
%%% because the target decides between short and long names; `-dist_listen
%%% false' means the helper registers nothing in epmd and needs no local epmd
%%% for remote targets; the placeholder cookie stops OTP from reading, or
%%% worse creating, ~/.erlang.cookie. The real cookie arrives on stdin,
%%% because a command line is visible to every user in `ps'.
%%%
%%% Protocol: one JSON request per line on stdin; one reply per request on
%%% stdout, prefixed with ?MARKER so that anything else the VM may print is
%%% ignored. The helper halts on end of input.
%%%   {"op":"attach","node":"foo@vm","cookie":"..."}
%%%   {"op":"attach","name":"foo","host":"localhost","cookie":"..."}
%%%   {"op":"relay","node":"foo@host","cookie":"..."}   (see relay/1)
%%%   {"op":"names","host":"localhost"}
%%% Replies: {"ok":true,...} or {"ok":false,"error":Kind,"message":Sentence}.
-module(beam_observer_attach).

-export([main/0, log/2]).

-define(MARKER, "BEAM_OBSERVER_ATTACH ").
%% A whole request; the extension waits a little longer than this.
-define(REQUEST_TIMEOUT, 15000).
-define(EPMD_TIMEOUT, 5000).
-define(RPC_TIMEOUT, 8000).
%% How long to wait for net_kernel's report after a failed connection.
-define(REPORT_WAIT, 1000).
-define(MIN_OTP, 25).

-type mode() :: shortnames | longnames.
-type target() :: {full, string(), string()} | {bare, string(), string()}.
%% Tells the process waiting for a request's reply what the request is doing
%% (see bounded/1): on timeout, the reply says which step did not finish.
-type progress() :: fun((io:format(), [term()]) -> ok).

%%% ------------------------------------------------------------------
%%% Entry point and request loop
%%% ------------------------------------------------------------------

-spec main() -> no_return().
main() ->
    %% Replies must be the only thing on stdout, and the failed handshakes we
    %% provoke on purpose would otherwise be printed as reports.
    _ = logger:remove_handler(default),
    ok = logger:add_handler(?MODULE, ?MODULE, #{config => #{pid => undefined}}),
    %% A distribution port that swallows packets fails within the request budget.
    ok = application:set_env(kernel, net_setuptime, 5),
    %% Bytes in, bytes out: the JSON is UTF-8 and must pass through untouched.
    ok = io:setopts(standard_io, [binary, {encoding, latin1}]),
    loop().

loop() ->
    case io:get_line(standard_io, "") of
        eof -> halt(0);
        {error, _} -> halt(1);
        Line when is_binary(Line) ->
            case string:trim(Line) of
                <<>> -> ok;
                Request -> reply(bounded(Request))
            end,
            loop()
    end.

reply(Reply) ->
    io:put_chars(standard_io, [?MARKER, beam_observer_json:encode(Reply), $\n]).

%% Every request runs in a process of its own with a deadline, so neither
%% bad input nor a hanging connection can take the helper down or keep the
%% extension waiting. Progress messages say what was being done at timeout.
bounded(Line) ->
    Self = self(),
    Tag = make_ref(),
    {Pid, Ref} = spawn_monitor(fun() -> Self ! {Tag, serve(Line, progress_to(Self))} end),
    wait(Tag, Pid, Ref, <<"starting">>, erlang:monotonic_time(millisecond) + ?REQUEST_TIMEOUT).

%% Called in the request's process: its progress goes to Waiter, in wait/5.
-spec progress_to(pid()) -> progress().
progress_to(Waiter) ->
    RequestProcess = self(),
    fun(Format, Args) ->
            Waiter ! {progress, RequestProcess, unicode:characters_to_binary(io_lib:format(Format, Args))},
            ok
    end.

wait(Tag, Pid, Ref, Step, Deadline) ->
    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
    receive
        {Tag, Reply} ->
            erlang:demonitor(Ref, [flush]),
            Reply;
        {progress, Pid, Next} ->
            wait(Tag, Pid, Ref, Next, Deadline);
        {'DOWN', Ref, process, Pid, Reason} ->
            failure(internal, "the attach helper failed: ~tp", [Reason])
    after Left ->
        exit(Pid, kill),
        receive {'DOWN', Ref, process, Pid, _} -> ok end,
        failure(timeout, "no answer within ~b s while ~ts", [?REQUEST_TIMEOUT div 1000, Step])
    end.

serve(Line, Progress) ->
    try
        case beam_observer_json:decode(Line) of
            {ok, #{<<"op">> := <<"attach">>} = Request} -> attach_request(Request, fun install/2, Progress);
            {ok, #{<<"op">> := <<"relay">>} = Request} -> attach_request(Request, fun relay/2, Progress);
            {ok, #{<<"op">> := <<"names">>} = Request} -> names_request(Request);
            {ok, #{<<"op">> := Op}} -> failure(bad_request, "unknown op ~tp", [Op]);
            {ok, _} -> failure(bad_request, "a request is a JSON object with an \"op\"", []);
            {error, Why} -> failure(bad_request, "the request is not JSON: ~ts", [Why])
        end
    catch
        throw:{failure, Reply} -> Reply;
        Class:Reason:Stack ->
            failure(internal, "the attach helper failed: ~tp:~tp ~tp", [Class, Reason, hd(Stack ++ [[]])])
    end.

%%% ------------------------------------------------------------------
%%% Requests
%%% ------------------------------------------------------------------

names_request(Request) ->
    Host = text(Request, <<"host">>, "localhost"),
    Names = epmd_names(valid_host(Host)),
    #{ok => true, host => bin(Host),
      names => [#{name => bin(Name), port => Port} || {Name, Port} <- Names]}.

%% Then: what to do once connected (install the agent there, or relay to it).
attach_request(Request, Then, Progress) ->
    Target = target(Request),
    Cookie = cookie(Request),
    attach(Target, Cookie, fun(Node) -> Then(Node, Progress) end, Progress).

target(#{<<"node">> := Node}) when is_binary(Node) ->
    case string:split(unicode:characters_to_list(Node), "@") of
        [Alive, Host] when Alive =/= [], Host =/= [] -> {full, valid_alive(Alive), valid_host(Host)};
        _ -> throw_failure(bad_request, "~ts is not a node name (expected name@host)", [Node])
    end;
target(#{<<"name">> := Name} = Request) when is_binary(Name) ->
    case lists:member($@, unicode:characters_to_list(Name)) of
        true -> target(#{<<"node">> => Name});
        false ->
            Host = text(Request, <<"host">>, "localhost"),
            {bare, valid_alive(unicode:characters_to_list(Name)), valid_host(Host)}
    end;
target(_) ->
    throw_failure(bad_request, "an attach request needs \"node\" (name@host) or \"name\" and \"host\"", []).

%% Cookies are atoms, so at most 255 characters.
cookie(#{<<"cookie">> := Cookie}) when is_binary(Cookie), Cookie =/= <<>> ->
    case unicode:characters_to_list(Cookie) of
        Chars when is_list(Chars), length(Chars) =< 255 -> list_to_atom(Chars);
        _ -> throw_failure(bad_request, "the cookie must be UTF-8 text of at most 255 characters", [])
    end;
cookie(_) ->
    throw_failure(bad_request, "an attach request needs a non-empty \"cookie\"", []).

valid_alive(Alive) ->
    case length(Alive) =< 200 andalso lists:all(fun(C) -> C > 32 andalso C =/= $@ end, Alive) of
        true -> Alive;
        false -> throw_failure(bad_request, "~tp is not a valid node name", [Alive])
    end.

valid_host(Host) ->
    case Host =/= [] andalso length(Host) =< 255 andalso lists:all(fun(C) -> C > 32 andalso C < 127 end, Host) of
        true -> Host;
        false -> throw_failure(bad_request, "~tp is not a valid host name", [Host])
    end.

text(Request, Key, Default) ->
    case maps:get(Key, Request, null) of
        null -> Default;
        <<>> -> Default;
        Value when is_binary(Value) -> unicode:characters_to_list(Value);
        Value -> throw_failure(bad_request, "~ts must be a string, not ~tp", [Key, Value])
    end.

%%% ------------------------------------------------------------------
%%% Attaching
%%% ------------------------------------------------------------------

-spec attach(target(), atom(), fun((node()) -> map()), progress()) -> map().
attach(Target, Cookie, Then, Progress) ->
    check_local_release(),
    {_, Alive, Host} = Target,
    %% epmd first: it tells "no such node" and "no epmd" apart, precisely.
    Progress("asking epmd on ~ts for ~ts", [Host, Alive]),
    Names = epmd_names(Host),
    Port = case lists:keyfind(Alive, 1, Names) of
               {_, P} -> P;
               false ->
                   throw_failure(not_found, "no node named ~ts on host ~ts (epmd lists: ~ts)",
                                 [Alive, Host, listing(Names)])
           end,
    connect_any(Then, candidates(Target), Cookie, {Host, Port}, [], [], Progress).

%% Try each candidate name; a node that answers with another name (the
%% handshake says who it is) is retried under that name, once.
connect_any(_Then, [], _Cookie, Epmd, _Tried, Failures, _Progress) ->
    give_up(Epmd, lists:reverse(Failures));
connect_any(Then, [Node | Rest], Cookie, Epmd, Tried, Failures, Progress) ->
    Progress("connecting to ~ts", [Node]),
    case connect(Node, Cookie) of
        ok ->
            Then(Node);
        {error, cookie} ->
            throw_failure(cookie, "~ts is running but refused the cookie (handshake rejected). Use the cookie "
                          "the node was started with (--cookie, RELEASE_COOKIE or its ~~/.erlang.cookie).", [Node]);
        {error, {name_mismatch, Real}} ->
            Next = case lists:member(Real, [Node | Tried]) of
                       true -> Rest;
                       false -> [Real | Rest]
                   end,
            connect_any(Then, Next, Cookie, Epmd, [Node | Tried], [{Node, {name_mismatch, Real}} | Failures], Progress);
        {error, {unreachable, timeout, _} = Reason} ->
            %% Every other name leads to the same port: do not wait for it again.
            give_up(Epmd, lists:reverse(Failures, [{Node, Reason}]));
        {error, Reason} ->
            connect_any(Then, Rest, Cookie, Epmd, [Node | Tried], [{Node, Reason} | Failures], Progress)
    end.

%% The most useful sentence about why no candidate worked.
give_up({Host, Port}, Failures) ->
    case [{N, Real} || {N, {name_mismatch, Real}} <- Failures] of
        [{Asked, Real} | _] ->
            {_, Why} = lists:keyfind(Real, 1, Failures ++ [{Real, not_tried}]),
            throw_failure(name_mismatch,
                          "epmd on ~ts lists the node, but it calls itself ~ts (asked for ~ts), and connecting to "
                          "~ts failed: ~ts. Distribution only connects to a node by its exact name: make its host "
                          "part resolve to this address (e.g. /etc/hosts), or start the node with a name whose "
                          "host is reachable from here.", [Host, Real, Asked, Real, describe(Why)]);
        [] ->
            {_, Why} = lists:last(Failures),
            Kind = case Why of
                       {unreachable, _} -> unreachable;
                       {unreachable, _, _} -> unreachable;
                       {nodistribution, _} -> internal;
                       _ -> handshake
                   end,
            Tried = lists:join(", ", [atom_to_list(N) || {N, _} <- Failures]),
            throw_failure(Kind, "epmd on ~ts lists the node at port ~b, but no connection succeeded (tried ~ts): ~ts",
                          [Host, Port, Tried, describe(Why)])
    end.

describe(not_tried) -> "not tried";
describe({unreachable, Why}) -> Why;
describe({unreachable, timeout, Why}) -> ["the handshake timed out; ", Why];
describe({handshake, Reason}) -> io_lib:format("the handshake failed (~tp)", [Reason]);
describe({name_mismatch, Real}) -> io_lib:format("the node calls itself ~ts", [Real]);
describe({nodistribution, Reason}) -> io_lib:format("the helper could not start distribution (~tp)", [Reason]);
describe(Other) -> io_lib:format("~tp", [Other]).

%% Names to try for a target, most likely first. For a bare name on this
%% machine: the short name, then the long ones a node here may have.
-spec candidates(target()) -> [node()].
candidates({full, Alive, Host}) ->
    [node_name(Alive, Host)];
candidates({bare, Alive, Host}) ->
    {Short, Fqdn} = own_hostnames(),
    Hosts = case is_local(Host, Short, Fqdn) of
                true -> [Short] ++ [Fqdn || is_dotted(Fqdn)] ++ ["127.0.0.1", "localhost"];
                false -> [Host] ++ [hd(string:split(Host, ".")) || is_dotted(Host), not is_address(Host)]
            end,
    lists:uniq([node_name(Alive, H) || H <- Hosts]).

%% inet_tcp_dist refuses, before any packet is sent, a dotted host in short
%% names mode and an undotted one (other than an IP address) in long names
%% mode; a long-named node on an undotted host (foo@localhost) accepts a
%% short-named peer. So one mode per name is enough.
-spec name_mode(node()) -> mode().
name_mode(Node) ->
    [_, Host] = string:split(atom_to_list(Node), "@"),
    case is_dotted(Host) orelse is_address(Host) of
        true -> longnames;
        false -> shortnames
    end.

node_name(Alive, Host) -> list_to_atom(Alive ++ "@" ++ Host).

is_local(Host, Short, Fqdn) ->
    lists:member(string:lowercase(Host), ["localhost", "127.0.0.1", "::1", string:lowercase(Short), string:lowercase(Fqdn)]).

own_hostnames() ->
    {ok, Name} = inet:gethostname(),
    Short = hd(string:split(Name, ".")),
    Fqdn = case net_adm:localhost() of
               Dotted when is_list(Dotted) -> case is_dotted(Dotted) of true -> Dotted; false -> Name end;
               _ -> Name
           end,
    {Short, Fqdn}.

is_dotted(Host) -> lists:member($., Host) andalso not is_address(Host).

is_address(Host) -> element(1, inet:parse_address(Host)) =:= ok.

%%% ------------------------------------------------------------------
%%% Distribution
%%% ------------------------------------------------------------------

connect(Node, Cookie) ->
    case ensure_distribution(name_mode(Node)) of
        ok ->
            true = erlang:set_cookie(Cookie),
            true = erlang:set_cookie(Node, Cookie),
            flush_reports(),
            logger:update_handler_config(?MODULE, config, #{pid => self()}),
            try net_kernel:connect_node(Node) of
                true -> ok;
                _ -> {error, why_not(Node, undefined, erlang:monotonic_time(millisecond) + ?REPORT_WAIT)}
            after
                logger:update_handler_config(?MODULE, config, #{pid => undefined})
            end;
        Error ->
            Error
    end.

%% connect_node/1 only says false. With net_kernel:verbose(1), net_kernel
%% reports why the connection process exited; measured on OTP 25:
%%   {recv_challenge_ack_failed, {error, closed}}: the target checked our
%%     challenge reply and closed: a cookie mismatch;
%%   {recv_challenge_failed, no_node, "foo@vm"}: the node behind that port
%%     has another name (wrong host part, or short vs long names);
%%   setup_timer_timeout: no handshake within net_setuptime (a port that
%%     accepts and stays silent, or drops packets);
%%   shutdown: the name is illegal in our mode, the port refuses, or the
%%     host does not resolve.
%% The report does not name the node, but one connection is set up at a
%% time and its nodedown report closes the sequence.
why_not(Node, Reason, Deadline) ->
    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
    receive
        {?MODULE, {'EXIT', _, Exit}} -> why_not(Node, Exit, Deadline);
        {?MODULE, {net_kernel, _, nodedown, Node}} -> classify(Node, Reason)
    after Left ->
        classify(Node, Reason)
    end.

classify(_, {recv_challenge_ack_failed, _}) -> cookie;
classify(_, {recv_challenge_failed, no_node, Real}) when is_list(Real) ->
    try list_to_atom(Real) of
        RealNode -> {name_mismatch, RealNode}
    catch
        error:_ -> {handshake, no_node}
    end;
classify(Node, setup_timer_timeout) -> {unreachable, timeout, probe(Node)};
classify(Node, shutdown) -> {unreachable, probe(Node)};
classify(Node, undefined) -> {unreachable, probe(Node)};
classify(_, Other) -> {handshake, Other}.

%% After a bare `shutdown', say what a plain TCP connection to the node's
%% distribution port meets: that is what a firewall or a container's
%% unpublished port looks like.
probe(Node) ->
    [_, Host] = string:split(atom_to_list(Node), "@"),
    case with_timeout(fun() -> inet:getaddr(Host, inet) end, ?EPMD_TIMEOUT) of
        {ok, {ok, _}} -> probe_port(Node);
        {ok, {error, Why}} -> io_lib:format("cannot resolve host ~ts (~ts)", [Host, inet:format_error(Why)]);
        _ -> io_lib:format("cannot resolve host ~ts (no answer)", [Host])
    end.

probe_port(Node) ->
    [Alive, Host] = string:split(atom_to_list(Node), "@"),
    case with_timeout(fun() -> erl_epmd:port_please(Alive, Host, ?EPMD_TIMEOUT) end, ?EPMD_TIMEOUT + 500) of
        {ok, {port, Port, _}} ->
            case gen_tcp:connect(Host, Port, [], 3000) of
                {ok, Socket} ->
                    gen_tcp:close(Socket),
                    io_lib:format("~ts:~b accepts connections but the handshake did not start (TLS or custom "
                                  "distribution?)", [Host, Port]);
                {error, econnrefused} -> io_lib:format("~ts:~b refused the connection", [Host, Port]);
                {error, timeout} -> io_lib:format("~ts:~b did not answer within 3 s (firewall, or a port not "
                                                  "published?)", [Host, Port]);
                {error, Why} -> io_lib:format("cannot connect to ~ts:~b (~ts)", [Host, Port, inet:format_error(Why)])
            end;
        {ok, noport} -> io_lib:format("epmd on ~ts does not list ~ts", [Host, Alive]);
        {ok, Other} -> io_lib:format("epmd on ~ts: ~tp", [Host, Other]);
        timeout -> io_lib:format("epmd on ~ts did not answer", [Host])
    end.

ensure_distribution(Mode) ->
    case net_kernel:longnames() of
        true when Mode =:= longnames -> ok;
        false when Mode =:= shortnames -> ok;
        ignored -> start_distribution(Mode);
        _ ->
            _ = net_kernel:stop(),
            start_distribution(Mode)
    end.

start_distribution(Mode) ->
    Base = "beam_observer_attach_" ++ os:getpid(),
    Name = case Mode of
               shortnames -> list_to_atom(Base);
               %% A long name needs a dotted host; the name is only a label
               %% for the target (the helper does not listen).
               longnames ->
                   {_, Fqdn} = own_hostnames(),
                   list_to_atom(Base ++ "@" ++ case is_dotted(Fqdn) of true -> Fqdn; false -> "127.0.0.1" end)
           end,
    try net_kernel:start(Name, #{name_domain => Mode, hidden => true}) of
        {ok, _} ->
            net_kernel:verbose(1),
            ok;
        {error, Reason} ->
            {error, {nodistribution, Reason}}
    catch
        _:Reason -> {error, {nodistribution, Reason}}
    end.

flush_reports() ->
    receive {?MODULE, _} -> flush_reports() after 0 -> ok end.

%% logger handler callback: forward net_kernel's verbose reports to the
%% process that is connecting (if any); everything else is dropped.
-spec log(logger:log_event(), logger:handler_config()) -> ok.
log(#{msg := {report, #{report := {net_kernel, Report}}}}, #{config := #{pid := Pid}}) when is_pid(Pid) ->
    Pid ! {?MODULE, Report},
    ok;
log(_, _) ->
    ok.

%%% ------------------------------------------------------------------
%%% epmd
%%% ------------------------------------------------------------------

%% erl_epmd:names/1 has no timeout of its own, and resolves a host name as
%% IPv4 only: an IPv6 address (or a name with only an IPv6 address, as on
%% IPv6-only networks) is handed to it as an address tuple.
epmd_names(Host) ->
    case with_timeout(fun() -> erl_epmd:names(epmd_address(Host)) end, ?EPMD_TIMEOUT) of
        {ok, {ok, Names}} -> Names;
        {ok, {error, address}} ->
            throw_failure(no_epmd, "no epmd on ~ts:~b (connection refused): no Erlang node with a name runs there, "
                          "or the port is not reachable from here", [Host, epmd_port()]);
        {ok, {error, nxdomain}} -> throw_failure(no_epmd, "cannot resolve host ~ts", [Host]);
        {ok, {error, Reason}} -> throw_failure(no_epmd, "cannot reach epmd on ~ts:~b (~tp)", [Host, epmd_port(), Reason]);
        {ok, Other} -> throw_failure(no_epmd, "unexpected answer from epmd on ~ts: ~tp", [Host, Other]);
        timeout -> throw_failure(no_epmd, "epmd on ~ts:~b did not answer within ~b s",
                                 [Host, epmd_port(), ?EPMD_TIMEOUT div 1000])
    end.

epmd_address(Host) ->
    case inet:parse_address(Host) of
        {ok, Address} -> Address;
        {error, _} ->
            case inet:getaddr(Host, inet) of
                {ok, Address4} -> Address4;
                {error, _} ->
                    case inet:getaddr(Host, inet6) of
                        {ok, Address6} -> Address6;
                        {error, _} -> Host   % erl_epmd says why (nxdomain)
                    end
            end
    end.

%% The port erl_epmd uses (ERL_EPMD_PORT becomes -epmd_port), for messages.
epmd_port() ->
    case init:get_argument(epmd_port) of
        {ok, [[Port | _] | _]} -> list_to_integer(Port);
        _ -> 4369
    end.

listing([]) -> "none";
listing(Names) -> lists:join(", ", [Name || {Name, _} <- Names]).

%%% ------------------------------------------------------------------
%%% Loading and starting the agent in the target
%%% ------------------------------------------------------------------

install(Node, Progress) ->
    try
        Release = otp_release(Node),
        {Pushed, Endpoint, Reused} = ensure_agent(Node, Progress),
        #{port := Port, token := Token} = Endpoint,
        OsPid = list_to_integer(remote(Node, os, getpid, [])),
        #{ok => true, node => atom_to_binary(Node, utf8), port => Port, token => Token,
          osPid => OsPid, otpRelease => bin(Release), pushed => Pushed, reused => Reused,
          mode => name_mode(Node), agentVersion => beam_observer_agent:version(),
          discovery => discovery(Node)}
    after
        %% The agent needs no distribution; leave the target as we found it.
        erlang:disconnect_node(Node)
    end.

%% Relay: for a node whose agent VS Code cannot reach (another host, a
%% container), this helper stays up as the node the extension talks to. The
%% target runs the agent as a cluster member (no listener); the helper runs
%% a full agent on this machine's loopback, which serves the target through
%% Erlang distribution exactly as an agent serves any node of its cluster
%% (beam_observer_cluster). The helper ends when the extension closes its
%% standard input, and with it the connection to the target.
relay(Node, Progress) ->
    Release = otp_release(Node),
    Loaded = remote(Node, erlang, module_loaded, [beam_observer_agent]),
    Progress("loading the agent into ~ts", [Node]),
    case beam_observer_cluster:ensure_member(Node) of
        ok -> ok;
        {error, _, Message} -> throw_failure(agent_failed, "~ts", [Message])
    end,
    Progress("starting the relay's own agent", []),
    case beam_observer_agent:start(#{discovery => false}) of
        {ok, #{port := Port, token := Token}} ->
            #{ok => true, relay => true, node => atom_to_binary(Node, utf8), port => Port, token => Token,
              osPid => list_to_integer(os:getpid()), otpRelease => bin(Release),
              pushed => case Loaded of true -> 0; false -> length(beam_observer_agent:modules()) end,
              reused => Loaded, mode => name_mode(Node), agentVersion => beam_observer_agent:version(),
              discovery => null};
        {error, Reason} ->
            throw_failure(agent_failed, "the relay's own agent did not start: ~tp", [Reason])
    end.

%% rpc, not erpc: it works with every OTP release, even those we refuse.
otp_release(Node) ->
    case rpc:call(Node, erlang, system_info, [otp_release], ?RPC_TIMEOUT) of
        Release when is_list(Release) ->
            case string:to_integer(Release) of
                {N, _} when is_integer(N), N >= ?MIN_OTP -> Release;
                _ -> throw_failure(old_otp, "~ts runs OTP ~ts; the BEAM Observer agent needs OTP ~b or later",
                                   [Node, Release, ?MIN_OTP])
            end;
        {badrpc, Reason} ->
            throw_failure(unreachable, "connected to ~ts, but it did not answer (~tp)", [Node, Reason])
    end.

%% Reuse a running agent of our version; refuse to replace another version
%% under its users' feet; otherwise push the modules that differ and start
%% (beam_observer_loader:ensure_started/2).
ensure_agent(Node, Progress) ->
    Remote = fun(M, F, A) -> remote(Node, M, F, A) end,
    Step = fun(pushing) -> Progress("loading the agent into ~ts", [Node]);
              (starting) -> Progress("starting the agent in ~ts", [Node])
           end,
    case beam_observer_loader:ensure_started(Remote, Step) of
        {ok, #{pushed := Pushed, endpoint := Endpoint, reused := Reused}} -> {Pushed, Endpoint, Reused};
        {error, Failure} -> throw({failure, agent_failure(Node, Failure)})
    end.

agent_failure(Node, {other_version, Theirs, Endpoint}) ->
    failure(agent_version,
            "~ts already runs BEAM Observer agent ~ts (this extension's is ~ts). Connect to "
            "it with \"Connect to Agent...\" (port ~b), or stop it in the node "
            "(beam_observer_agent:stop()) and attach again.",
            [Node, version_text(Theirs), beam_observer_agent:version(), maps:get(port, Endpoint)]);
agent_failure(Node, {load_failed, Module, Reason}) ->
    failure(agent_failed, "cannot load ~ts into ~ts: ~tp", [Module, Node, Reason]);
agent_failure(Node, {no_object_code, Module}) ->
    failure(agent_failed, "cannot load ~ts into ~ts: ~tp", [Module, Node, no_object_code]);
agent_failure(Node, {start_failed, Reason}) ->
    failure(agent_failed, "the agent did not start in ~ts: ~tp", [Node, Reason]).

version_text(V) when is_binary(V) -> V;
version_text(_) -> <<"of an unknown version">>.

%% The agent's discovery file as the extension would read it, so that the
%% node it attaches to is the one the discovery watcher will see (same key).
discovery(Node) ->
    try
        Path = remote(Node, beam_observer_discovery, file, []),
        {ok, Text} = remote(Node, file, read_file, [Path]),
        {ok, #{} = Map} = beam_observer_json:decode(Text),
        Map
    catch
        _:_ -> null
    end.

remote(Node, M, F, A) ->
    try
        erpc:call(Node, M, F, A, ?RPC_TIMEOUT)
    catch
        error:{erpc, Reason} ->
            throw_failure(unreachable, "lost ~ts while calling ~ts:~ts (~tp)", [Node, M, F, Reason]);
        Class:{exception, Reason, _} ->
            throw_failure(agent_failed, "~ts:~ts failed in ~ts: ~tp:~tp", [M, F, Node, Class, Reason]);
        Class:Reason ->
            throw_failure(agent_failed, "~ts:~ts failed in ~ts: ~tp:~tp", [M, F, Node, Class, Reason])
    end.

%%% ------------------------------------------------------------------
%%% Helpers
%%% ------------------------------------------------------------------

check_local_release() ->
    case string:to_integer(erlang:system_info(otp_release)) of
        {N, _} when is_integer(N), N >= ?MIN_OTP -> ok;
        _ -> throw_failure(old_otp, "the local Erlang (OTP ~ts) is too old to attach: OTP ~b or later is needed",
                           [erlang:system_info(otp_release), ?MIN_OTP])
    end.

with_timeout(Fun, Timeout) ->
    Tag = make_ref(),
    Self = self(),
    {Pid, Ref} = spawn_monitor(fun() -> Self ! {Tag, Fun()} end),
    receive
        {Tag, Result} ->
            erlang:demonitor(Ref, [flush]),
            {ok, Result};
        {'DOWN', Ref, process, Pid, Reason} ->
            {ok, {error, Reason}}
    after Timeout ->
        exit(Pid, kill),
        erlang:demonitor(Ref, [flush]),
        timeout
    end.

-spec throw_failure(atom(), io:format(), [term()]) -> no_return().
throw_failure(Kind, Format, Args) ->
    throw({failure, failure(Kind, Format, Args)}).

failure(Kind, Format, Args) ->
    Message = try io_lib:format(Format, Args) of
                  Text -> unicode:characters_to_binary(Text)
              catch
                  _:_ -> iolist_to_binary(io_lib:format("~p ~p", [Format, Args]))
              end,
    #{ok => false, error => Kind, message => Message}.

bin(Text) when is_binary(Text) -> Text;
bin(Text) -> unicode:characters_to_binary(Text).
