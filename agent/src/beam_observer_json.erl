%%% Minimal JSON (RFC 8259) encoder and decoder for the agent's JSON-RPC
%%% traffic. OTP 25 ships no json module and the agent must not pull in
%%% dependencies, so this is hand-written.
%%%
%%% Encoding (`encode/1') accepts maps, lists, binaries (UTF-8 strings),
%%% integers, floats and atoms; `{json, Iodata}' is emitted verbatim so callers
%%% can splice in cached, already-encoded fragments. Anything else (pids,
%%% refs, funs, tuples, improper lists) raises `error({badarg, Term})':
%%% callers must turn such values into strings themselves. Strings are
%%% always emitted as valid JSON: invalid UTF-8 bytes become U+FFFD.
%%%
%%% Unsafe on the encode side: `{json, Iodata}' is trusted and not validated;
%%% charlists are encoded as arrays of numbers (use binaries for text); map
%%% keys `a' and `<<"a">>' in the same map produce a duplicate JSON key;
%%% integer_to_binary/1 is quadratic, so do not encode huge bignums.
%%%
%%% Decoding (`decode/1,2') never raises on any binary input and runs in
%%% linear time. It never creates atoms other than the literals true, false
%%% and null. Objects become maps with binary keys (last duplicate wins).
%%% Decoded strings are fresh binaries, so keeping one does not pin the
%%% whole input message in memory. Two limits guard against hostile input:
%%% `max_depth' (default 64) bounds nesting and `max_integer_digits'
%%% (default 1000) bounds integer literals, because binary_to_integer/1 is
%%% quadratic in the number of digits. Error reasons are short binaries with
%%% 0-based byte offsets.
-module(beam_observer_json).

-export([encode/1, decode/1, decode/2]).

-export_type([decode_opts/0]).

-type decode_opts() :: #{max_depth => pos_integer(),
                         max_integer_digits => pos_integer() | infinity}.

-define(DEFAULT_MAX_DEPTH, 64).
-define(DEFAULT_MAX_INTEGER_DIGITS, 1000).
-define(REPLACEMENT_CHAR, <<16#EF, 16#BF, 16#BD>>).

%% A byte that can appear in a JSON string as-is and is a whole character.
-define(PLAIN(C), C >= 16#20, C < 16#80, C =/= $", C =/= $\\).

%%% ------------------------------------------------------------------
%%% Encoding
%%% ------------------------------------------------------------------

-spec encode(term()) -> iodata().
encode(Bin) when is_binary(Bin) -> string(Bin);
encode(I) when is_integer(I) -> integer_to_binary(I);
encode(F) when is_float(F) -> float_to_binary(F, [short]);
encode(true) -> <<"true">>;
encode(false) -> <<"false">>;
encode(null) -> <<"null">>;
encode(A) when is_atom(A) -> string(atom_to_binary(A, utf8));
encode(M) when is_map(M) -> object(maps:to_list(M));
encode([]) -> <<"[]">>;
encode([H | T]) -> [$[, encode(H) | array_tail(T)];
encode({json, Encoded}) -> Encoded;
encode(Other) -> error({badarg, Other}).

array_tail([]) -> [$]];
array_tail([H | T]) -> [$,, encode(H) | array_tail(T)];
array_tail(Improper) -> error({badarg, Improper}).

object([]) -> <<"{}">>;
object([{K, V} | T]) -> [${, key(K), $:, encode(V) | object_tail(T)].

object_tail([]) -> [$}];
object_tail([{K, V} | T]) -> [$,, key(K), $:, encode(V) | object_tail(T)].

key(K) when is_binary(K) -> string(K);
key(K) when is_atom(K) -> string(atom_to_binary(K, utf8));
key(K) when is_integer(K) -> [$", integer_to_binary(K), $"];
key(K) -> error({badarg, K}).

string(Bin) -> [$", escape(Bin, Bin, 0, 0, []), $"].

%% Walk the string keeping only an offset and a run length, so that runs of
%% bytes needing no escaping are emitted as one sub-binary of the original
%% instead of being rebuilt byte by byte. The 8-byte clause is only a
%% speed-up for the common all-ASCII case (it cuts the calls per byte).
escape(<<A, B, C, D, E, F, G, H, R/binary>>, Orig, Start, Len, Acc)
  when ?PLAIN(A), ?PLAIN(B), ?PLAIN(C), ?PLAIN(D),
       ?PLAIN(E), ?PLAIN(F), ?PLAIN(G), ?PLAIN(H) ->
    escape(R, Orig, Start, Len + 8, Acc);
escape(<<C, R/binary>>, Orig, Start, Len, Acc) when ?PLAIN(C) ->
    escape(R, Orig, Start, Len + 1, Acc);
escape(<<C, R/binary>>, Orig, Start, Len, Acc) when C < 16#80 ->
    Acc1 = [Acc, binary_part(Orig, Start, Len), escape_ascii(C)],
    escape(R, Orig, Start + Len + 1, 0, Acc1);
escape(<<C/utf8, R/binary>>, Orig, Start, Len, Acc)
  when C =:= 16#2028; C =:= 16#2029 ->
    %% Valid JSON, but a line terminator when the text is evaluated as JS.
    Acc1 = [Acc, binary_part(Orig, Start, Len), "\\u", integer_to_list(C, 16)],
    escape(R, Orig, Start + Len + 3, 0, Acc1);
escape(<<C/utf8, R/binary>>, Orig, Start, Len, Acc) ->
    escape(R, Orig, Start, Len + utf8_size(C), Acc);
escape(<<_, R/binary>>, Orig, Start, Len, Acc) ->
    Acc1 = [Acc, binary_part(Orig, Start, Len), ?REPLACEMENT_CHAR],
    escape(R, Orig, Start + Len + 1, 0, Acc1);
escape(<<>>, Orig, 0, _Len, []) ->
    Orig;
escape(<<>>, Orig, Start, Len, Acc) ->
    [Acc, binary_part(Orig, Start, Len)].

escape_ascii($") -> <<"\\\"">>;
escape_ascii($\\) -> <<"\\\\">>;
escape_ascii($\n) -> <<"\\n">>;
escape_ascii($\r) -> <<"\\r">>;
escape_ascii($\t) -> <<"\\t">>;
escape_ascii($\b) -> <<"\\b">>;
escape_ascii($\f) -> <<"\\f">>;
escape_ascii(C) -> [<<"\\u00">>, hex_digit(C bsr 4), hex_digit(C band 15)].

hex_digit(D) when D < 10 -> $0 + D;
hex_digit(D) -> $a + D - 10.

utf8_size(C) when C < 16#800 -> 2;
utf8_size(C) when C < 16#10000 -> 3;
utf8_size(_) -> 4.

%%% ------------------------------------------------------------------
%%% Decoding
%%% ------------------------------------------------------------------

%% Internal errors are thrown as {?MODULE, Kind, RestOfInput}; the byte
%% offset is recovered at the top from the size of the remaining input, so
%% the hot paths never have to carry a position counter. Depth counts down
%% to zero; Lim is the integer digit limit.

-spec decode(binary()) -> {ok, term()} | {error, binary()}.
decode(Bin) ->
    decode(Bin, #{}).

-spec decode(binary(), decode_opts()) -> {ok, term()} | {error, binary()}.
decode(Bin, Opts) when is_binary(Bin), is_map(Opts) ->
    MaxDepth = maps:get(max_depth, Opts, ?DEFAULT_MAX_DEPTH),
    Lim = maps:get(max_integer_digits, Opts, ?DEFAULT_MAX_INTEGER_DIGITS),
    try
        {Value, Rest} = value(Bin, MaxDepth, Lim),
        case skip_ws(Rest) of
            <<>> -> {ok, Value};
            Trailing -> throw({?MODULE, unexpected, Trailing})
        end
    catch
        throw:{?MODULE, Kind, At} ->
            {error, describe(Kind, byte_size(Bin) - byte_size(At), At, MaxDepth)};
        _:_ ->
            {error, <<"internal decoder error">>}
    end;
decode(_, _) ->
    {error, <<"input is not a binary">>}.

skip_ws(<<C, R/binary>>) when C =:= $\s; C =:= $\t; C =:= $\n; C =:= $\r ->
    skip_ws(R);
skip_ws(Bin) ->
    Bin.

value(Bin, Depth, Lim) ->
    case skip_ws(Bin) of
        <<$", R/binary>> -> string_value(R);
        <<${, R/binary>> = At -> object_value(R, enter(Depth, At), Lim);
        <<$[, R/binary>> = At -> array_value(R, enter(Depth, At), Lim);
        <<C, _/binary>> = R when C =:= $-; C >= $0, C =< $9 -> number(R, Lim);
        <<$t, _/binary>> = R -> literal(R, <<"true">>, true);
        <<$f, _/binary>> = R -> literal(R, <<"false">>, false);
        <<$n, _/binary>> = R -> literal(R, <<"null">>, null);
        R -> throw({?MODULE, unexpected, R})
    end.

enter(0, At) -> throw({?MODULE, depth, At});
enter(Depth, _) -> Depth - 1.

literal(Bin, Word, Value) ->
    Size = byte_size(Word),
    case Bin of
        <<Word:Size/binary, R/binary>> -> {Value, R};
        _ -> throw({?MODULE, unexpected, first_mismatch(Bin, Word)})
    end.

first_mismatch(<<C, R/binary>>, <<C, W/binary>>) -> first_mismatch(R, W);
first_mismatch(Bin, _) -> Bin.

array_value(Bin, Depth, Lim) ->
    case skip_ws(Bin) of
        <<$], R/binary>> -> {[], R};
        R -> elements(R, Depth, Lim, [])
    end.

elements(Bin, Depth, Lim, Acc) ->
    {V, R} = value(Bin, Depth, Lim),
    case skip_ws(R) of
        <<$,, R1/binary>> -> elements(R1, Depth, Lim, [V | Acc]);
        <<$], R1/binary>> -> {lists:reverse(Acc, [V]), R1};
        R1 -> throw({?MODULE, unexpected, R1})
    end.

object_value(Bin, Depth, Lim) ->
    case skip_ws(Bin) of
        <<$}, R/binary>> -> {#{}, R};
        R -> members(R, Depth, Lim, #{})
    end.

members(<<$", R/binary>>, Depth, Lim, Acc) ->
    {K, R1} = string_value(R),
    case skip_ws(R1) of
        <<$:, R2/binary>> ->
            {V, R3} = value(R2, Depth, Lim),
            Acc1 = Acc#{K => V},
            case skip_ws(R3) of
                <<$,, R4/binary>> -> members(skip_ws(R4), Depth, Lim, Acc1);
                <<$}, R4/binary>> -> {Acc1, R4};
                R4 -> throw({?MODULE, unexpected, R4})
            end;
        R2 ->
            throw({?MODULE, unexpected, R2})
    end;
members(R, _Depth, _Lim, _Acc) ->
    throw({?MODULE, unexpected, R}).

%% Same run-tracking idea as the encoder: plain runs are cut out of the
%% input in one piece and only escapes are handled individually.
string_value(Bin) ->
    string_run(Bin, Bin, 0, []).

string_run(<<$", R/binary>>, Start, Len, Acc) ->
    Run = binary_part(Start, 0, Len),
    Str = case Acc of
              [] -> binary:copy(Run);
              _ -> iolist_to_binary([Acc, Run])
          end,
    {Str, R};
string_run(<<$\\, R/binary>> = At, Start, Len, Acc) ->
    {Char, R1} = unescape(R, At),
    string_run(R1, R1, 0, [Acc, binary_part(Start, 0, Len), Char]);
string_run(<<A, B, C, D, E, F, G, H, R/binary>>, Start, Len, Acc)
  when ?PLAIN(A), ?PLAIN(B), ?PLAIN(C), ?PLAIN(D),
       ?PLAIN(E), ?PLAIN(F), ?PLAIN(G), ?PLAIN(H) ->
    string_run(R, Start, Len + 8, Acc);
string_run(<<C, R/binary>>, Start, Len, Acc) when C >= 16#20, C < 16#80 ->
    string_run(R, Start, Len + 1, Acc);
string_run(<<C, _/binary>> = At, _, _, _) when C < 16#20 ->
    throw({?MODULE, control_char, At});
string_run(<<C/utf8, R/binary>>, Start, Len, Acc) ->
    string_run(R, Start, Len + utf8_size(C), Acc);
string_run(<<>>, _, _, _) ->
    throw({?MODULE, unexpected, <<>>});
string_run(At, _, _, _) ->
    throw({?MODULE, invalid_utf8, At}).

unescape(<<$", R/binary>>, _) -> {$", R};
unescape(<<$\\, R/binary>>, _) -> {$\\, R};
unescape(<<$/, R/binary>>, _) -> {$/, R};
unescape(<<$b, R/binary>>, _) -> {$\b, R};
unescape(<<$f, R/binary>>, _) -> {$\f, R};
unescape(<<$n, R/binary>>, _) -> {$\n, R};
unescape(<<$r, R/binary>>, _) -> {$\r, R};
unescape(<<$t, R/binary>>, _) -> {$\t, R};
unescape(<<$u, R/binary>>, At) ->
    case hex4(R, At) of
        {Hi, <<"\\u", R1/binary>>} when Hi >= 16#D800, Hi =< 16#DBFF ->
            case hex4(R1, At) of
                {Lo, R2} when Lo >= 16#DC00, Lo =< 16#DFFF ->
                    CP = 16#10000 + ((Hi - 16#D800) bsl 10) + (Lo - 16#DC00),
                    {<<CP/utf8>>, R2};
                _ ->
                    throw({?MODULE, lone_surrogate, At})
            end;
        {CP, _} when CP >= 16#D800, CP =< 16#DFFF ->
            throw({?MODULE, lone_surrogate, At});
        {CP, R1} ->
            {<<CP/utf8>>, R1}
    end;
unescape(<<>>, _) ->
    throw({?MODULE, unexpected, <<>>});
unescape(_, At) ->
    throw({?MODULE, bad_escape, At}).

hex4(<<A, B, C, D, R/binary>>, At) ->
    {(hex(A, At) bsl 12) bor (hex(B, At) bsl 8) bor (hex(C, At) bsl 4)
     bor hex(D, At), R};
hex4(R, At) ->
    %% Fewer than 4 bytes left: the input is truncated, unless a byte that
    %% is already visible shows the escape is bad anyway.
    _ = [hex(X, At) || <<X>> <= R],
    throw({?MODULE, unexpected, <<>>}).

hex(C, _) when C >= $0, C =< $9 -> C - $0;
hex(C, _) when C >= $a, C =< $f -> C - $a + 10;
hex(C, _) when C >= $A, C =< $F -> C - $A + 10;
hex(_, At) -> throw({?MODULE, bad_escape, At}).

%% Numbers are checked against the RFC 8259 grammar by hand, because the
%% BIFs are more lenient (binary_to_float/1 accepts "00.5") and also
%% stricter (it rejects "1e5").
number(Bin, Lim) ->
    {Sign, {IntEnd, AfterInt}} =
        case Bin of
            <<$-, R/binary>> -> {1, int_part(R, 1)};
            _ -> {0, int_part(Bin, 0)}
        end,
    {FracEnd, AfterFrac} = frac_part(AfterInt, IntEnd),
    {End, Rest} = exp_part(AfterFrac, FracEnd),
    <<Lexeme:End/binary, _/binary>> = Bin,
    Value = case End =:= IntEnd of
                true when is_integer(Lim), IntEnd - Sign > Lim ->
                    throw({?MODULE, integer_too_long, Bin});
                true ->
                    binary_to_integer(Lexeme);
                false ->
                    to_float(Lexeme, IntEnd, FracEnd, Bin)
            end,
    {Value, Rest}.

int_part(<<$0, R/binary>>, N) -> {N + 1, R};
int_part(<<C, R/binary>>, N) when C >= $1, C =< $9 -> digits(R, N + 1);
int_part(R, _) -> throw({?MODULE, unexpected, R}).

frac_part(<<$., R/binary>>, N) -> one_or_more_digits(R, N + 1);
frac_part(R, N) -> {N, R}.

exp_part(<<E, S, R/binary>>, N) when (E =:= $e orelse E =:= $E),
                                     (S =:= $+ orelse S =:= $-) ->
    one_or_more_digits(R, N + 2);
exp_part(<<E, R/binary>>, N) when E =:= $e; E =:= $E ->
    one_or_more_digits(R, N + 1);
exp_part(R, N) -> {N, R}.

one_or_more_digits(<<C, R/binary>>, N) when C >= $0, C =< $9 -> digits(R, N + 1);
one_or_more_digits(R, _) -> throw({?MODULE, unexpected, R}).

digits(<<C, R/binary>>, N) when C >= $0, C =< $9 -> digits(R, N + 1);
digits(R, N) -> {N, R}.

to_float(Lexeme, IntEnd, FracEnd, At) ->
    %% binary_to_float/1 insists on a fraction, so supply ".0" when absent.
    Text = case IntEnd =:= FracEnd of
               true ->
                   <<Int:IntEnd/binary, Exp/binary>> = Lexeme,
                   <<Int/binary, ".0", Exp/binary>>;
               false ->
                   Lexeme
           end,
    try binary_to_float(Text)
    catch error:badarg -> throw({?MODULE, out_of_range, At})
    end.

describe(depth, _Pos, _At, Max) ->
    iolist_to_binary(["nesting deeper than ", integer_to_list(Max)]);
describe(unexpected, _Pos, <<>>, _) ->
    <<"unexpected end of input">>;
describe(unexpected, Pos, <<C, _/binary>>, _) when C >= 16#20, C < 16#7F ->
    iolist_to_binary(["unexpected character '", C, "' at byte ",
                      integer_to_list(Pos)]);
describe(unexpected, Pos, <<C, _/binary>>, _) ->
    iolist_to_binary(["unexpected byte 0x", hex_digit(C bsr 4),
                      hex_digit(C band 15), " at byte ", integer_to_list(Pos)]);
describe(Kind, Pos, _At, _) ->
    iolist_to_binary([what(Kind), " at byte ", integer_to_list(Pos)]).

what(invalid_utf8) -> "invalid UTF-8";
what(control_char) -> "unescaped control character in string";
what(bad_escape) -> "invalid escape sequence";
what(lone_surrogate) -> "unpaired surrogate in \\u escape";
what(out_of_range) -> "number out of range";
what(integer_too_long) -> "integer has too many digits".
