%%% PIDs as they travel in the protocol: the node's own text form "<0.123.0>".
%%%
%%% Parsing never creates atoms. A pid whose first number is not 0 belongs
%%% to another node: that number identifies the node *as seen from the node
%%% that printed it* (it differs from node to node), so it is resolved here,
%%% in the node that is asked, and refused when this node is not connected
%%% to a node with that number.
-module(beam_observer_pid).

-include("beam_observer_errors.hrl").

-export([parse/1, to_binary/1, registered_name/1]).

-spec parse(term()) -> {ok, pid()} | {error, integer(), binary()}.
parse(Text) when is_binary(Text), byte_size(Text) =< 64 ->
    Plain = case Text of
                <<"#PID", Rest/binary>> -> Rest;   %% Elixir's inspect form
                _ -> Text
            end,
    case re:run(Plain, <<"^<(\\d{1,10})\\.(\\d{1,10})\\.(\\d{1,10})>$">>,
                [{capture, all_but_first, list}]) of
        {match, [Node, Number, Serial]} ->
            %% By value: "<00.1.0>" is node 0 too.
            case list_to_integer(Node) of
                0 ->
                    try {ok, list_to_pid("<0." ++ Number ++ "." ++ Serial ++ ">")}
                    catch error:badarg -> invalid(Text)
                    end;
                Index ->
                    try list_to_pid("<" ++ Node ++ "." ++ Number ++ "." ++ Serial ++ ">") of
                        %% OTP also maps some non-zero numbers to this node itself (measured:
                        %% <3.Y.Z> in a node without distribution); it prints its own pids
                        %% with 0, so no text it printed reads like that: refuse it.
                        Pid when node(Pid) =:= node() -> other_node(Text, Index);
                        Pid -> {ok, Pid}
                    catch error:badarg ->
                        other_node(Text, Index)
                    end
            end;
        nomatch ->
            invalid(Text)
    end;
parse(Text) when is_binary(Text) ->
    invalid(<<(binary:part(Text, 0, 64))/binary, "...">>);
parse(_) ->
    {error, ?InvalidParams, <<"pid must be a string such as \"<0.123.0>\"">>}.

other_node(Text, Index) ->
    {error, ?OtherNodePid,
     <<"pid ", Text/binary, " belongs to another node (node number ",
       (integer_to_binary(Index))/binary, " as seen from the node that printed it), "
       "and ", (atom_to_binary(node()))/binary, " is connected to no node with that number; "
       "ask the node that printed it (the request's \"node\" parameter)">>}.

invalid(Text) ->
    {error, ?InvalidParams, <<"not a pid: \"", Text/binary, "\" (expected the form \"<0.123.0>\")">>}.

-spec to_binary(pid() | port()) -> binary().
to_binary(Pid) when is_pid(Pid) -> list_to_binary(pid_to_list(Pid));
to_binary(Port) when is_port(Port) -> list_to_binary(port_to_list(Port)).

%% A process's registered name, or null (not registered, or not alive). The
%% name is a process_info item the runtime answers without the process.
-spec registered_name(pid() | undefined) -> atom() | null.
registered_name(undefined) -> null;
registered_name(Pid) ->
    case erlang:process_info(Pid, registered_name) of
        {registered_name, Name} when is_atom(Name) -> Name;
        _ -> null
    end.
