%%% Running a piece of work that copies data of unknown size (a page of ETS
%%% rows, a process dictionary) in a helper process whose heap is capped.
%%%
%%% Copying a term out of a table or another process cannot be bounded
%%% beforehand: one ETS row or one dictionary entry may be a 100 MB list.
%%% So the copy is made in a fresh process started with `max_heap_size':
%%% past the cap the runtime kills it, its heap goes with it, and the caller
%%% gets `too_large' instead of the node paying for the copy any longer.
%%% Only what the work returns (bounded text, a few small terms) reaches
%%% the caller. Shared by beam_observer_ets and beam_observer_supervisor.
-module(beam_observer_bounded).

-export([run/3]).

%% Run Fun in a helper whose heap may not exceed MaxBytes, for at most
%% TimeoutMs. Fun's exceptions come back as {crashed, Class, Reason}.
-spec run(fun(() -> T), pos_integer(), pos_integer()) ->
          {ok, T} | too_large | timeout | {crashed, atom(), term()}.
run(Fun, MaxBytes, TimeoutMs) ->
    Words = MaxBytes div erlang:system_info(wordsize),
    Tag = make_ref(),
    {Pid, Monitor} =
        spawn_opt(fun() ->
                          Result = try {ok, Fun()}
                                   catch Class:Reason -> {crashed, Class, Reason}
                                   end,
                          exit({Tag, Result})
                  end,
                  [monitor, {max_heap_size, #{size => Words, kill => true, error_logger => false}}]),
    %% The helper counts as the agent's (lists mark it, its time is the agent's).
    beam_observer_registry:add(Pid, worker),
    try
        receive
            {'DOWN', Monitor, process, Pid, {Tag, Result}} -> Result;
            {'DOWN', Monitor, process, Pid, killed} -> too_large;
            {'DOWN', Monitor, process, Pid, Other} -> {crashed, exit, Other}
        after TimeoutMs ->
                exit(Pid, kill),
                receive {'DOWN', Monitor, process, Pid, _} -> ok end,
                timeout
        end
    after
        beam_observer_registry:remove(Pid)
    end.
