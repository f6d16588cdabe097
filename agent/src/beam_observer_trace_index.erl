%%% The trace sessions running in this node (traces and call counters), kept
%%% in the agent's registry table: which connection owns each, which
%%% functions its patterns cover and which process is its tracer. Used to
%%% find a session by id or module for its connection, to cap the sessions
%%% per connection, and to name "BEAM Observer trace 3" in an error instead
%%% of a bare pid when a trace of ours holds what another one asks for.
-module(beam_observer_trace_index).

-export([new_id/0, add/2, remove/1, find/2, find_counter/2, owned/1, count/2,
         describe_tracer/1, holder_of_function/1, claim_gate/1, release_gate/1]).

-type kind() :: calls | messages | counter.
-type info() :: #{pid := pid(), owner := pid(), kind := kind(), specs := [tuple()],
                  module => module()}.
-export_type([info/0]).

-spec new_id() -> pos_integer().
new_id() ->
    beam_observer_registry:next_number(trace_session).

-spec add(pos_integer(), info()) -> ok.
add(Id, Info) ->
    beam_observer_registry:put_entry({trace_session, Id}, Info).

-spec remove(pos_integer()) -> ok.
remove(Id) ->
    beam_observer_registry:delete_entry({trace_session, Id}).

%% The session `Id' if the connection Owner started it.
-spec find(pid(), pos_integer()) -> {ok, info()} | none.
find(Owner, Id) ->
    case [I || {Id1, #{owner := O} = I} <- all(), Id1 =:= Id, O =:= Owner] of
        [Info] -> {ok, Info};
        [] -> none
    end.

%% The call counter of Module that the connection Owner started.
-spec find_counter(pid(), module()) -> {ok, pos_integer(), info()} | none.
find_counter(Owner, Module) ->
    case [{Id, I} || {Id, #{owner := O, kind := counter, module := M} = I} <- all(), O =:= Owner, M =:= Module] of
        [{Id, Info} | _] -> {ok, Id, Info};
        [] -> none
    end.

-spec owned(pid()) -> [{pos_integer(), info()}].
owned(Owner) ->
    [E || {_, #{owner := O}} = E <- all(), O =:= Owner].

%% Sessions of a kind (`trace': calls and messages) owned by a connection.
-spec count(pid(), trace | counter) -> non_neg_integer().
count(Owner, trace) -> length([K || {_, #{kind := K}} <- owned(Owner), K =/= counter]);
count(Owner, counter) -> length([K || {_, #{kind := counter = K}} <- owned(Owner)]).

-spec describe_tracer(pid()) -> {ok, binary()} | none.
describe_tracer(Pid) ->
    case [{Id, I} || {Id, #{pid := P} = I} <- all(), P =:= Pid] of
        [{Id, Info} | _] -> {ok, name(Id, Info)};
        [] -> none
    end.

%% Which other session of ours has a pattern on a function, in words
%% (asked by a session about to set its own, already in the index).
-spec holder_of_function(mfa()) -> {ok, binary()} | none.
holder_of_function(MFA) ->
    Self = self(),
    case [{Id, I} || {Id, #{specs := Specs, pid := P} = I} <- all(), P =/= Self,
                     lists:any(fun(S) -> covers(S, MFA) end, Specs)] of
        [{Id, Info} | _] -> {ok, name(Id, Info)};
        [] -> none
    end.

covers({M, F, A}, {M, F1, A1}) -> (F =:= '_' orelse F =:= F1) andalso (A =:= '_' orelse A =:= A1);
covers(_, _) -> false.

name(Id, #{kind := counter, module := M}) ->
    <<"BEAM Observer's call counter of ", (atom_to_binary(M))/binary, " (session ", (integer_to_binary(Id))/binary, ")">>;
name(Id, _) ->
    <<"BEAM Observer trace ", (integer_to_binary(Id))/binary>>.

all() ->
    beam_observer_registry:entries(trace_session).

%% A bit of the trace control word for a call trace's gate (see
%% beam_observer_trace_backend): bits 16 to 31, one per running call trace
%% in the node, taken atomically.
-spec claim_gate(pos_integer()) -> {ok, pos_integer()} | none.
claim_gate(Id) ->
    claim_gate(Id, 16).

claim_gate(_Id, 32) -> none;
claim_gate(Id, N) ->
    Bit = 1 bsl N,
    case beam_observer_registry:claim_entry({trace_gate, Bit}, Id) of
        true -> {ok, Bit};
        false -> claim_gate(Id, N + 1)
    end.

-spec release_gate(pos_integer()) -> ok.
release_gate(Bit) ->
    beam_observer_registry:delete_entry({trace_gate, Bit}).
