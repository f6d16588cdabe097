%%% Turning terms into bounded text, and small shared conversions.
%%%
%%% Every formatter here is bounded in time and size whatever the term's
%%% size: Elixir's `inspect' with item and printable limits (it honours the
%%% application's Inspect implementations and redactions, so fields marked
%%% secret stay hidden), or `io_lib' with a depth and a character limit.
-module(beam_observer_format).

-export([language/0, elixir_version/0, term/2, short/1, mfa/1, module_name/1]).
%% One-line renderings (trace events).
-export([line/3]).

-type options() :: #{language => elixir | erlang,
                     depth => pos_integer(),       %% io_lib depth
                     limit => pos_integer(),       %% inspect item limit
                     max_bytes => pos_integer(),
                     single_line => boolean()}.    %% no layout newlines (ETS rows)

%% Elixir when Elixir is running in this node: users then read Elixir terms.
-spec language() -> elixir | erlang.
language() ->
    case erlang:module_loaded('Elixir.Kernel') of
        true -> elixir;
        false -> erlang
    end.

-spec elixir_version() -> binary() | null.
elixir_version() ->
    case application:get_key(elixir, vsn) of
        {ok, Vsn} -> list_to_binary(Vsn);
        undefined -> null
    end.

%% Format a term; returns the text and whether it was cut. The flag is true
%% when the text was cut at max_bytes or shows an elision ("..."); a state
%% whose own strings hold "..." reads as truncated too, so it is a hint.
-spec term(term(), options()) -> {binary(), boolean()}.
term(Term, Opts) ->
    Language = maps:get(language, Opts, language()),
    MaxBytes = maps:get(max_bytes, Opts, 256 * 1024),
    Pretty = not maps:get(single_line, Opts, false),
    Text = case Language of
               elixir -> inspect(Term, maps:get(limit, Opts, 50), MaxBytes, Pretty);
               erlang -> io_format(Term, maps:get(depth, Opts, 40), MaxBytes, Pretty)
           end,
    case byte_size(Text) > MaxBytes of
        true -> {utf8_prefix(Text, MaxBytes), true};
        false -> {Text, binary:match(Text, <<"...">>) =/= nomatch}
    end.

inspect(Term, Limit, MaxBytes, Pretty) ->
    try
        'Elixir.Kernel':inspect(Term, [{limit, Limit}, {printable_limit, min(4096, MaxBytes)},
                                       {pretty, Pretty}, {width, 98}])
    catch
        _:_ -> io_format(Term, 40, MaxBytes, Pretty)
    end.

%% ~tP lays a term out over lines of 80 columns; with a line as long as the
%% text may be, it stays on one (strings and binaries still print as such).
io_format(Term, Depth, MaxBytes, true) ->
    unicode:characters_to_binary(io_lib:format("~tP", [Term, Depth], [{chars_limit, MaxBytes}]));
io_format(Term, Depth, MaxBytes, false) ->
    unicode:characters_to_binary(io_lib:format("~*tP", [MaxBytes + 1, Term, Depth], [{chars_limit, MaxBytes}])).

%% A one-line rendering for error messages.
-spec short(term()) -> binary().
short(Term) ->
    unicode:characters_to_binary(io_lib:format("~tP", [Term, 8], [{chars_limit, 300}])).

-spec mfa(term()) -> map() | null.
mfa({M, F, A}) when is_atom(M), is_atom(F), is_integer(A) ->
    #{module => M, function => F, arity => A};
mfa({M, F, Args}) when is_atom(M), is_atom(F), is_list(Args) ->
    #{module => M, function => F, arity => length(Args)};
mfa(_) -> null.

%% A module as its users write it: Elixir modules without their "Elixir." prefix.
-spec module_name(atom()) -> binary().
module_name(Module) ->
    case atom_to_binary(Module) of
        <<"Elixir.", Name/binary>> -> Name;
        Name -> Name
    end.

%% Cut at a character boundary so the text stays valid UTF-8.
utf8_prefix(Bin, Max) ->
    Prefix = binary:part(Bin, 0, Max),
    case unicode:characters_to_binary(Prefix) of
        Valid when is_binary(Valid) -> Valid;
        {incomplete, Valid, _} -> Valid;
        {error, Valid, _} -> Valid
    end.

%% A term on one line, for a table cell (trace events' arguments, results
%% and messages): Elixir's `inspect' without pretty-printing in an Elixir
%% node (so redacted fields stay hidden), `~tP' with a line width no term
%% reaches (so one line) in an Erlang node; cut at MaxBytes. Returns the text and whether it was cut
%% or shows an elision.
-spec line(term(), elixir | erlang, pos_integer()) -> {binary(), boolean()}.
line(Term, Language, MaxBytes) ->
    Text = case Language of
               elixir ->
                   try 'Elixir.Kernel':inspect(Term, [{limit, 20}, {printable_limit, min(1024, MaxBytes)},
                                                      {pretty, false}])
                   catch _:_ -> io_line(Term, MaxBytes)
                   end;
               erlang ->
                   io_line(Term, MaxBytes)
           end,
    case byte_size(Text) > MaxBytes of
        true -> {<<(utf8_prefix(Text, MaxBytes))/binary, "...">>, true};
        false -> {Text, binary:match(Text, <<"...">>) =/= nomatch}
    end.

io_line(Term, MaxBytes) ->
    unicode:characters_to_binary(io_lib:format("~1000000tP", [Term, 12], [{chars_limit, MaxBytes}])).
