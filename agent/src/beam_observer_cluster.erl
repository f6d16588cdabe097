%%% The cluster: serving the other nodes this node is connected to.
%%%
%%% A request may name another node (`"node": "b@host"'), or carry a pid that
%%% this node printed for a process of another node ("<9003.50.0>"). Either
%%% way the agent runs the request *in that node* through `erpc', after
%%% loading itself there on demand (beam_observer_loader): its modules are
%%% pushed with code:load_binary/3 and started as a cluster member (the
%%% ranking server and registry, no listener, no discovery file). Nothing is
%%% installed on disk there and nothing there is restarted.
%%%
%%% Node names arrive as text and are matched against the names this node is
%%% connected to, or that the nodes it is connected to list (it then connects
%%% to that node), so a request can never create an atom or reach a node
%%% outside the cluster.
-module(beam_observer_cluster).

-include("beam_observer_errors.hrl").

-export([target/1, call/4, nodes/0, ensure_member/1, start_sampler/4]).

%% Which node a request's `node' parameter names: `local' for this node (or
%% no parameter), else a connected node.
-spec target(term()) -> {ok, local | node()} | {error, integer(), binary()}.
target(Params) when is_map(Params) ->
    case maps:get(<<"node">>, Params, null) of
        null -> {ok, local};
        Name when is_binary(Name), byte_size(Name) =< 255 ->
            case Name =:= atom_to_binary(node()) of
                true -> {ok, local};
                false -> connected(Name)
            end;
        _ -> {error, ?InvalidParams, <<"node must be a node name such as \"app@host\"">>}
    end;
target(_) ->
    {ok, local}.

connected(Name) ->
    case [N || N <- erlang:nodes(connected), atom_to_binary(N) =:= Name] of
        [Node | _] -> {ok, Node};
        [] -> via_peer(Name)
    end.

%% A node that a node this one is connected to lists in its nodes(): connect
%% to it, as Observer's Nodes menu does. This is how a relay, connected to
%% one node of a cluster, reaches the rest. Only a name that is already an
%% atom here can qualify (so no atom is made), and only one a peer lists.
via_peer(Name) ->
    try binary_to_existing_atom(Name) of
        Node ->
            Answers = erpc:multicall(erlang:nodes(connected), erlang, nodes, [], 2000),
            Listed = lists:any(fun({ok, Nodes}) -> lists:member(Node, Nodes); (_) -> false end, Answers),
            case Listed andalso net_kernel:connect_node(Node) of
                true -> {ok, Node};
                _ -> {error, ?NodeNotConnected, not_connected_message(Name)}
            end
    catch
        error:badarg -> {error, ?NodeNotConnected, not_connected_message(Name)}
    end.

not_connected_message(Name) ->
    Known = case erlang:nodes() of
                [] -> <<"it is connected to no other node">>;
                Nodes -> <<"it is connected to ", (join([atom_to_binary(N) || N <- Nodes]))/binary>>
            end,
    <<"node ", Name/binary, " is not connected to ", (atom_to_binary(node()))/binary,
      " (", Known/binary, ")">>.

%% Run beam_observer_rpc:handle_remote(Method, Params) in Node.
-spec call(node(), binary(), map(), pos_integer()) -> {ok, term()} | {error, integer(), binary()}.
call(Node, Method, Params, TimeoutMs) ->
    case ensure_member(Node) of
        ok ->
            try erpc:call(Node, beam_observer_rpc, handle_remote, [Method, Params], TimeoutMs)
            catch
                error:{erpc, timeout} ->
                    {error, ?Timeout, <<(atom_to_binary(Node))/binary, " did not answer within ",
                                        (integer_to_binary(TimeoutMs))/binary, " ms">>};
                error:{erpc, noconnection} -> {error, ?NodeNotConnected, left(Node)};
                Class:Reason -> {error, ?InternalError, remote_crash(Node, Class, Reason)}
            end;
        {error, _, _} = Error ->
            Error
    end.

left(Node) ->
    <<"node ", (atom_to_binary(Node))/binary, " left the cluster (its connection to ",
      (atom_to_binary(node()))/binary, " closed)">>.

remote_crash(Node, Class, Reason) ->
    <<"the request failed in ", (atom_to_binary(Node))/binary, ": ",
      (beam_observer_format:short({Class, Reason}))/binary>>.

%% This node and every node it is connected to. Hidden nodes (remote shells,
%% our own attach helper) are listed apart: they run no user code worth
%% observing, but a user may still want to see them.
-spec nodes() -> map().
nodes() ->
    Visible = [#{name => N, hidden => false} || N <- lists:sort(erlang:nodes(visible))],
    Hidden = [#{name => N, hidden => true} || N <- lists:sort(erlang:nodes(hidden))],
    #{node => node(), nodes => [#{name => node(), hidden => false} | Visible ++ Hidden]}.

%% Make sure Node runs this agent (same version) as a cluster member.
-spec ensure_member(node()) -> ok | {error, integer(), binary()}.
ensure_member(Node) ->
    TimeoutMs = remote_call_timeout_ms(),
    Remote = fun(M, F, A) -> erpc:call(Node, M, F, A, TimeoutMs) end,
    try
        case beam_observer_loader:ensure_member(Remote) of
            ok -> ok;
            {error, Failure} -> unavailable(Node, member_failure(Failure))
        end
    catch
        error:{erpc, noconnection} -> {error, ?NodeNotConnected, left(Node)};
        error:{erpc, timeout} ->
            unavailable(Node, <<"it did not answer within ", (integer_to_binary(TimeoutMs div 1000))/binary, " s">>);
        error:{exception, undef, _} ->
            unavailable(Node, <<"its OTP release lacks what the agent needs (OTP 25 or later)">>);
        Class:Reason -> unavailable(Node, beam_observer_format:short({Class, Reason}))
    end.

member_failure({other_version, Theirs}) ->
    <<"it runs BEAM Observer agent ", Theirs/binary, " and this agent is ", (beam_observer_agent:version())/binary,
      "; stop the agent there (beam_observer_agent:stop()) and try again">>;
member_failure({load_failed, Module, Reason}) ->
    <<"loading ", (atom_to_binary(Module))/binary, " failed: ", (beam_observer_format:short(Reason))/binary>>;
member_failure({no_object_code, Module}) ->
    <<"this node has no copy of ", (atom_to_binary(Module))/binary, "'s object code to send">>.

unavailable(Node, Why) ->
    {error, ?AgentUnavailable,
     <<"could not load the agent into ", (atom_to_binary(Node))/binary, ": ", Why/binary>>}.

remote_call_timeout_ms() ->
    #{remote_call_timeout_ms := TimeoutMs} = beam_observer_config:limits(),
    TimeoutMs.

%% A load sampler running in Node and reporting to Conn (a connection
%% process here). Linked to Conn: the sampler ends with the connection, and
%% the connection hears `noconnection' when Node goes away.
-spec start_sampler(node(), pid(), pos_integer(), beam_observer_sampler:delivery()) ->
          {ok, pid()} | {error, integer(), binary()}.
start_sampler(Node, Conn, IntervalMs, Delivery) ->
    case ensure_member(Node) of
        ok ->
            try erpc:call(Node, beam_observer_sampler, start_linked, [Conn, IntervalMs, Delivery], remote_call_timeout_ms()) of
                Pid when is_pid(Pid) -> {ok, Pid}
            catch
                error:{erpc, noconnection} -> {error, ?NodeNotConnected, left(Node)};
                Class:Reason -> {error, ?InternalError, remote_crash(Node, Class, Reason)}
            end;
        Error ->
            Error
    end.

join([]) -> <<>>;
join([First | Rest]) -> iolist_to_binary([First | [[<<", ">>, N] || N <- Rest]]).
