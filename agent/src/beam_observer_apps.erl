%%% applications/list: the running applications, each with its description,
%%% version and top supervisor.
%%%
%%% The list comes from the application controller
%%% (`application:which_applications/1', a call it expects, with a
%%% timeout). Each application's master is read from the controller's table
%%% (`application_controller:get_master/1', an ETS read). The top supervisor
%%% is found without a message to anyone: the master is linked to the
%%% process that ran the application's start/2 (`application_master:start_it/4'),
%%% which is linked to the top supervisor that start/2 returned. Reading
%%% links costs those two processes one signal each.
-module(beam_observer_apps).

-include("beam_observer_errors.hrl").

-export([list/1]).

-spec list(pos_integer()) -> {ok, map()} | {error, integer(), binary()}.
list(TimeoutMs) ->
    try application:which_applications(TimeoutMs) of
        Running ->
            Apps = [app(Name, Description, Vsn) || {Name, Description, Vsn} <- Running],
            {ok, #{applications => lists:sort(fun(A, B) -> maps:get(name, A) =< maps:get(name, B) end, Apps)}}
    catch
        exit:{timeout, _} ->
            {error, ?Timeout, <<"the application controller did not answer within ",
                                (integer_to_binary(TimeoutMs))/binary,
                                " ms (an application may be starting or stopping)">>}
    end.

app(Name, Description, Vsn) ->
    Master = case application_controller:get_master(Name) of
                 Pid when is_pid(Pid) -> Pid;
                 _ -> undefined
             end,
    Top = top_supervisor(Master),
    #{name => Name,
      description => text(Description),
      version => text(Vsn),
      master => pid_or_null(Master),
      supervisor => pid_or_null(Top),
      supervisorName => registered_name(Top)}.

%% A library application (stdlib) has a master but no supervisor.
top_supervisor(undefined) -> undefined;
top_supervisor(Master) ->
    case linked(Master) of
        [] -> undefined;
        Links ->
            case [P || P <- Links, erlang:process_info(P, initial_call) =:= {initial_call, {application_master, start_it, 4}}] of
                [Starter | _] ->
                    case linked(Starter) -- [Master] of
                        [Top | _] -> Top;
                        [] -> undefined
                    end;
                [] -> undefined
            end
    end.

linked(Pid) ->
    case erlang:process_info(Pid, links) of
        {links, Links} -> [P || P <- Links, is_pid(P), node(P) =:= node()];
        undefined -> []
    end.

registered_name(Pid) -> beam_observer_pid:registered_name(Pid).

pid_or_null(undefined) -> null;
pid_or_null(Pid) -> beam_observer_pid:to_binary(Pid).

text(Chars) ->
    case unicode:characters_to_binary(Chars) of
        Bin when is_binary(Bin) -> Bin;
        _ -> beam_observer_format:short(Chars)
    end.
