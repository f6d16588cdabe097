%%% EUnit tests for beam_observer_json.
-module(beam_observer_json_tests).

-include_lib("eunit/include/eunit.hrl").

-define(J, beam_observer_json).

enc(T) -> iolist_to_binary(?J:encode(T)).
dec(B) -> ?J:decode(B).

%%% ------------------------------------------------------------------
%%% Encoding
%%% ------------------------------------------------------------------

encode_scalars_test() ->
    ?assertEqual(<<"true">>, enc(true)),
    ?assertEqual(<<"false">>, enc(false)),
    ?assertEqual(<<"null">>, enc(null)),
    ?assertEqual(<<"\"undefined\"">>, enc(undefined)),
    ?assertEqual(<<"\"hello world\"">>, enc('hello world')),
    ?assertEqual(<<"0">>, enc(0)),
    ?assertEqual(<<"-42">>, enc(-42)),
    ?assertEqual(<<"123456789012345678901234567890">>,
                 enc(123456789012345678901234567890)),
    ?assertEqual(<<"\"\"">>, enc(<<>>)),
    ?assertEqual(<<"[]">>, enc([])),
    ?assertEqual(<<"{}">>, enc(#{})).

encode_floats_shortest_test() ->
    ?assertEqual(<<"0.1">>, enc(0.1)),
    ?assertEqual(<<"1.0">>, enc(1.0)),
    ?assertEqual(<<"-2.5">>, enc(-2.5)),
    ?assertEqual(<<"1.0e300">>, enc(1.0e300)),
    ?assertEqual(<<"5.0e-324">>, enc(5.0e-324)),
    [?assertEqual({ok, F}, dec(enc(F)))
     || F <- [0.1, 1/3, 1.7976931348623157e308, 2.2250738585072014e-308, -1.5e-10]].

encode_containers_test() ->
    ?assertEqual(<<"[1,\"a\",[true,null],{}]">>, enc([1, <<"a">>, [true, null], #{}])),
    ?assertEqual(<<"{\"a\":1}">>, enc(#{a => 1})),
    ?assertEqual(<<"{\"k\":[]}">>, enc(#{<<"k">> => []})),
    ?assertEqual(<<"{\"7\":\"x\"}">>, enc(#{7 => x})),
    ?assertEqual(<<"{\"-7\":1}">>, enc(#{-7 => 1})),
    ?assertEqual({ok, #{<<"a">> => 1, <<"b">> => [1, 2], <<"3">> => #{}}},
                 dec(enc(#{a => 1, <<"b">> => [1, 2], 3 => #{}}))).

encode_preencoded_test() ->
    Cached = <<"{\"big\":[1,2,3]}">>,
    ?assertEqual(<<"[{\"big\":[1,2,3]},[\"x\",{\"y\":1}]]">>,
                 enc([{json, Cached}, {json, [<<"[\"x\",">>, "{\"y\":1}]"]}])),
    ?assertEqual(<<"{\"c\":{\"big\":[1,2,3]}}">>, enc(#{c => {json, Cached}})).

encode_badarg_test() ->
    Pid = self(),
    Ref = make_ref(),
    Fun = fun() -> ok end,
    ?assertError({badarg, Pid}, ?J:encode(Pid)),
    ?assertError({badarg, Ref}, ?J:encode([1, Ref])),
    ?assertError({badarg, Fun}, ?J:encode(#{f => Fun})),
    ?assertError({badarg, {a, b}}, ?J:encode({a, b})),
    ?assertError({badarg, {1.5, x}}, ?J:encode(#{k => {1.5, x}})),
    ?assertError({badarg, 3}, ?J:encode([1, 2 | 3])),
    ?assertError({badarg, {k}}, ?J:encode(#{{k} => 1})),
    ?assertError({badarg, 1.5}, ?J:encode(#{1.5 => 1})),
    ?assertError({badarg, <<1:3>>}, ?J:encode(<<1:3>>)).

encode_escapes_test() ->
    ?assertEqual(<<"\"\\\"\"">>, enc(<<"\"">>)),
    ?assertEqual(<<"\"\\\\\"">>, enc(<<"\\">>)),
    ?assertEqual(<<"\"\\n\\r\\t\\b\\f\"">>, enc(<<"\n\r\t\b\f">>)),
    ?assertEqual(<<"\"\\u0000\\u0001\\u001f\\u000b\"">>, enc(<<0, 1, 31, 11>>)),
    %% '/' and DEL need no escaping.
    ?assertEqual(<<"\"a/b", 127, "\"">>, enc(<<"a/b", 127>>)),
    ?assertEqual(<<"\"x\\u2028y\\u2029z\"">>, enc(<<"x", 16#2028/utf8, "y", 16#2029/utf8, "z">>)),
    ?assertEqual(<<"{\"a\\\"b\":1}">>, enc(#{<<"a\"b">> => 1})),
    AllControl = list_to_binary(lists:seq(0, 31)),
    ?assertEqual({ok, AllControl}, dec(enc(AllControl))).

encode_unicode_test() ->
    S = <<"héllo wörld € 😀 漢字"/utf8>>,
    %% Valid non-ASCII text is copied through unescaped.
    ?assertEqual(<<$", S/binary, $">>, enc(S)),
    ?assertEqual({ok, S}, dec(enc(S))).

encode_invalid_utf8_test() ->
    FFFD = <<16#FFFD/utf8>>,
    Cases = [{<<"a", 255, "b">>, <<"a", FFFD/binary, "b">>},
             {<<16#C3>>, FFFD},
             {<<16#E2, 16#82>>, <<FFFD/binary, FFFD/binary>>},
             {<<16#C0, 16#80>>, <<FFFD/binary, FFFD/binary>>},
             {<<16#ED, 16#A0, 16#80>>, binary:copy(FFFD, 3)},
             {<<16#F4, 16#90, 16#80, 16#80>>, binary:copy(FFFD, 4)},
             {<<"ok", 16#80, "\n">>, <<"ok", FFFD/binary, "\\n">>}],
    [begin
         ?assertEqual(<<$", Want/binary, $">>, enc(In)),
         ?assertMatch({ok, _}, dec(enc(In)))
     end || {In, Want} <- Cases],
    ?assertMatch({ok, #{}}, dec(enc(#{<<255>> => <<254>>}))).

%%% ------------------------------------------------------------------
%%% Decoding: values
%%% ------------------------------------------------------------------

decode_literals_test() ->
    ?assertEqual({ok, true}, dec(<<"true">>)),
    ?assertEqual({ok, false}, dec(<<"false">>)),
    ?assertEqual({ok, null}, dec(<<"null">>)),
    ?assertMatch({error, _}, dec(<<"True">>)),
    ?assertMatch({error, _}, dec(<<"nul">>)),
    ?assertMatch({error, _}, dec(<<"nulll">>)),
    ?assertMatch({error, _}, dec(<<"undefined">>)).

decode_valid_numbers_test() ->
    Cases = [{<<"0">>, 0}, {<<"-0">>, 0}, {<<"1">>, 1}, {<<"-1">>, -1},
             {<<"1234567890">>, 1234567890},
             {<<"123456789012345678901234567890">>, 123456789012345678901234567890},
             {<<"-123456789012345678901234567890">>, -123456789012345678901234567890},
             {<<"0.5">>, 0.5}, {<<"-0.5">>, -0.5}, {<<"1.25">>, 1.25},
             {<<"0.0">>, 0.0}, {<<"10.010">>, 10.01},
             {<<"1e5">>, 1.0e5}, {<<"1E5">>, 1.0e5}, {<<"1e+5">>, 1.0e5},
             {<<"1e-5">>, 1.0e-5}, {<<"-1E-5">>, -1.0e-5},
             {<<"1.5e10">>, 1.5e10}, {<<"0e0">>, 0.0}, {<<"0E+0">>, 0.0},
             {<<"-0.0e-0">>, 0.0}, {<<"1e007">>, 1.0e7},
             {<<"1.7976931348623157e308">>, 1.7976931348623157e308},
             {<<"5e-324">>, 5.0e-324},
             %% Underflow rounds to zero, as in every JSON parser.
             {<<"1e-400">>, 0.0}],
    [?assertEqual({B, {ok, V}}, {B, dec(B)}) || {B, V} <- Cases],
    %% Exponent form is always a float, a plain integer never is.
    ?assert(is_float(element(2, dec(<<"1e2">>)))),
    ?assert(is_integer(element(2, dec(<<"100">>)))).

decode_invalid_numbers_test() ->
    Bad = [<<"01">>, <<"-01">>, <<"00">>, <<"+1">>, <<".5">>, <<"-.5">>,
           <<"1.">>, <<"1.e5">>, <<"1e">>, <<"1e+">>, <<"1e-">>, <<"1E+-1">>,
           <<"-">>, <<"--1">>, <<"- 1">>, <<"0x10">>, <<"1.5.5">>, <<"1..5">>,
           <<"Infinity">>, <<"-Infinity">>, <<"NaN">>, <<"1e5.5">>,
           <<"1_000">>, <<"١"/utf8>>,
           <<"1e400">>, <<"-1e400">>, <<"1.8e308">>],
    [?assertMatch({B, {error, _}}, {B, dec(B)}) || B <- Bad],
    ?assertEqual({error, <<"number out of range at byte 1">>}, dec(<<"[1e400]">>)),
    ?assertEqual({error, <<"unexpected character '1' at byte 1">>}, dec(<<"01">>)),
    ?assertEqual({error, <<"unexpected character '+' at byte 0">>}, dec(<<"+1">>)).

decode_integer_digit_limit_test() ->
    D1000 = binary:copy(<<"9">>, 1000),
    D1001 = <<D1000/binary, "9">>,
    ?assertEqual({ok, binary_to_integer(D1000)}, dec(D1000)),
    ?assertEqual({ok, -binary_to_integer(D1000)}, dec(<<"-", D1000/binary>>)),
    ?assertEqual({error, <<"integer has too many digits at byte 1">>},
                 dec(<<"[", D1001/binary, "]">>)),
    ?assertEqual({ok, binary_to_integer(D1001)},
                 ?J:decode(D1001, #{max_integer_digits => infinity})),
    ?assertMatch({error, _}, ?J:decode(<<"12345">>, #{max_integer_digits => 4})),
    %% The limit is about integers; long floats are cheap to convert.
    ?assertMatch({ok, F} when is_float(F), dec(<<"0.", D1001/binary>>)).

decode_strings_test() ->
    ?assertEqual({ok, <<>>}, dec(<<"\"\"">>)),
    ?assertEqual({ok, <<"abc">>}, dec(<<"\"abc\"">>)),
    ?assertEqual({ok, <<"\"\\/\b\f\n\r\t">>},
                 dec(<<"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"">>)),
    ?assertEqual({ok, <<0>>}, dec(<<"\"\\u0000\"">>)),
    ?assertEqual({ok, <<"é"/utf8>>}, dec(<<"\"\\u00e9\"">>)),
    ?assertEqual({ok, <<"é"/utf8>>}, dec(<<"\"\\u00E9\"">>)),
    ?assertEqual({ok, <<16#2028/utf8>>}, dec(<<"\"\\u2028\"">>)),
    ?assertEqual({ok, <<16#FFFF/utf8>>}, dec(<<"\"\\uffff\"">>)),
    ?assertEqual({ok, <<"😀"/utf8>>}, dec(<<"\"\\ud83d\\ude00\"">>)),
    ?assertEqual({ok, <<"😀"/utf8>>}, dec(<<"\"\\uD83D\\uDE00\"">>)),
    ?assertEqual({ok, <<16#10FFFF/utf8>>}, dec(<<"\"\\udbff\\udfff\"">>)),
    ?assertEqual({ok, <<"a😀b€"/utf8>>}, dec(<<"\"a😀b€\""/utf8>>)),
    ?assertEqual({ok, <<"x", 127, "y">>}, dec(<<"\"x", 127, "y\"">>)),
    ?assertEqual({ok, <<"a\nb\"c">>}, dec(<<"\"a\\nb\\\"c\"">>)).

decode_bad_strings_test() ->
    Bad = [<<"\"abc">>, <<"\"\\">>, <<"\"\\x\"">>, <<"\"\\U00e9\"">>,
           <<"\"\\u00g9\"">>, <<"\"\\u00e\"">>, <<"\"\\u\"">>, <<"\"\\'\"">>,
           <<"\"\\ud800\"">>, <<"\"\\udc00\"">>, <<"\"\\ud83dx\"">>,
           <<"\"\\ud83d\\u0041\"">>, <<"\"\\ud83d\\ud83d\"">>, <<"\"\\ud83d\\\"">>,
           <<"\"a\nb\"">>, <<"\"a\tb\"">>, <<"\"", 0, "\"">>, <<"\"", 31, "\"">>,
           <<"'single'">>],
    [?assertMatch({B, {error, _}}, {B, dec(B)}) || B <- Bad],
    ?assertEqual({error, <<"unescaped control character in string at byte 2">>},
                 dec(<<"\"a\nb\"">>)),
    ?assertEqual({error, <<"unpaired surrogate in \\u escape at byte 1">>},
                 dec(<<"\"\\ud800\"">>)),
    ?assertEqual({error, <<"invalid escape sequence at byte 2">>}, dec(<<"\"a\\qb\"">>)).

decode_invalid_utf8_test() ->
    Bad = [<<"\"", 255, "\"">>, <<"\"", 16#C3, "\"">>, <<"\"", 16#C0, 16#80, "\"">>,
           <<"\"", 16#E0, 16#80, 16#80, "\"">>, <<"\"", 16#ED, 16#A0, 16#80, "\"">>,
           <<"\"", 16#F4, 16#90, 16#80, 16#80, "\"">>, <<"\"", 16#80, "\"">>,
           <<"\"", 16#E2, 16#82>>, <<255>>, <<"[1,", 16#C3, 16#A9, "]">>],
    [?assertMatch({B, {error, _}}, {B, dec(B)}) || B <- Bad],
    ?assertEqual({error, <<"invalid UTF-8 at byte 6">>},
                 dec(<<"[\"ab", 16#C3, 16#A9, 255, "\"]">>)),
    ?assertEqual({error, <<"unexpected byte 0xff at byte 0">>}, dec(<<255>>)).

decode_objects_test() ->
    ?assertEqual({ok, #{}}, dec(<<"{}">>)),
    ?assertEqual({ok, #{<<"a">> => 1, <<"b">> => [true, #{<<"c">> => null}]}},
                 dec(<<"{\"a\":1,\"b\":[true,{\"c\":null}]}">>)),
    ?assertEqual({ok, #{<<"é😀"/utf8>> => <<"\n">>}}, dec(<<"{\"\\u00e9\\ud83d\\ude00\":\"\\n\"}">>)),
    Bad = [<<"{">>, <<"{\"a\"}">>, <<"{\"a\":}">>, <<"{\"a\":1,}">>, <<"{,}">>,
           <<"{a:1}">>, <<"{1:1}">>, <<"{\"a\" 1}">>, <<"{\"a\":1 \"b\":2}">>,
           <<"{\"a\":1]">>, <<"{'a':1}">>],
    [?assertMatch({B, {error, _}}, {B, dec(B)}) || B <- Bad].

decode_arrays_test() ->
    ?assertEqual({ok, []}, dec(<<"[]">>)),
    ?assertEqual({ok, [[]]}, dec(<<"[[]]">>)),
    ?assertEqual({ok, [1, 2.5, <<"x">>, null]}, dec(<<"[1,2.5,\"x\",null]">>)),
    Bad = [<<"[">>, <<"[1">>, <<"[1,">>, <<"[1,]">>, <<"[,1]">>, <<"[1 2]">>,
           <<"[1}">>, <<"]">>, <<"[1]]">>],
    [?assertMatch({B, {error, _}}, {B, dec(B)}) || B <- Bad].

decode_duplicate_keys_last_wins_test() ->
    ?assertEqual({ok, #{<<"a">> => 3, <<"b">> => 2}},
                 dec(<<"{\"a\":1,\"b\":2,\"a\":3}">>)),
    %% Escaped and literal spellings of the same key are the same key.
    ?assertEqual({ok, #{<<"a">> => 2}}, dec(<<"{\"a\":1,\"\\u0061\":2}">>)).

decode_whitespace_test() ->
    Doc = <<" \t\r\n{ \"a\" \n:\r[ 1 ,\t2 ] , \"b\" : true }\n\t \r">>,
    ?assertEqual({ok, #{<<"a">> => [1, 2], <<"b">> => true}}, dec(Doc)),
    %% Only the four RFC 8259 whitespace bytes count.
    NotWs = [<<"\f1">>, <<"\v1">>, <<"1", 16#C2, 16#A0>>, <<16#EF, 16#BB, 16#BF, "1">>,
             <<"[1,", 16#E2, 16#80, 16#A8, "2]">>, <<0, "1">>],
    [?assertMatch({B, {error, _}}, {B, dec(B)}) || B <- NotWs].

decode_trailing_garbage_test() ->
    [?assertMatch({B, {error, _}}, {B, dec(B)})
     || B <- [<<"1 2">>, <<"{}x">>, <<"[] []">>, <<"true false">>, <<"\"a\"\"b\"">>,
              <<"null,">>, <<"1 ", 0>>]],
    ?assertEqual({error, <<"unexpected character 'x' at byte 3">>}, dec(<<"{} x">>)).

decode_empty_input_test() ->
    ?assertEqual({error, <<"unexpected end of input">>}, dec(<<>>)),
    ?assertEqual({error, <<"unexpected end of input">>}, dec(<<" \n\t\r ">>)).

decode_not_binary_test() ->
    ?assertMatch({error, B} when is_binary(B), ?J:decode("[]")),
    ?assertMatch({error, B} when is_binary(B), ?J:decode(undefined)).

decode_depth_limit_test() ->
    Nest = fun(N) -> <<(binary:copy(<<"[">>, N))/binary, (binary:copy(<<"]">>, N))/binary>> end,
    ?assertMatch({ok, _}, dec(Nest(64))),
    ?assertEqual({error, <<"nesting deeper than 64">>}, dec(Nest(65))),
    ?assertMatch({ok, [[[]]]}, ?J:decode(Nest(3), #{max_depth => 3})),
    ?assertEqual({error, <<"nesting deeper than 2">>}, ?J:decode(Nest(3), #{max_depth => 2})),
    Obj = fun Obj(0) -> <<"1">>; Obj(N) -> <<"{\"k\":", (Obj(N - 1))/binary, "}">> end,
    ?assertMatch({ok, _}, dec(Obj(64))),
    ?assertEqual({error, <<"nesting deeper than 64">>}, dec(Obj(65))),
    %% Mixed containers count together, and a hostile depth fails fast.
    ?assertEqual({error, <<"nesting deeper than 64">>},
                 dec(binary:copy(<<"[{\"a\":">>, 40))),
    ?assertEqual({error, <<"nesting deeper than 64">>}, dec(binary:copy(<<"[">>, 1000000))).

decode_big_inputs_are_linear_test_() ->
    %% A quadratic implementation would not finish these within the timeout.
    {timeout, 20,
     fun() ->
             Esc = binary:copy(<<"ab\\n\\u00e9😀"/utf8>>, 100000),
             {ok, S} = dec(<<"\"", Esc/binary, "\"">>),
             ?assertEqual(100000 * 9, byte_size(S)),
             Arr = iolist_to_binary(["[", lists:join(",", lists:duplicate(200000, "1")), "]"]),
             {ok, L} = dec(Arr),
             ?assertEqual(200000, length(L)),
             Keys = [integer_to_binary(I) || I <- lists:seq(1, 50000)],
             {ok, M} = dec(enc(maps:from_list([{K, K} || K <- Keys]))),
             ?assertEqual(50000, map_size(M))
     end}.

decode_does_not_create_atoms_test() ->
    Doc = <<"{\"zz_json_not_an_atom_1\":[\"zz_json_not_an_atom_2\",true,null]}">>,
    _ = dec(Doc),
    Before = erlang:system_info(atom_count),
    _ = dec(<<"{\"zz_json_not_an_atom_3\":\"zz_json_not_an_atom_4\"}">>),
    ?assertEqual(Before, erlang:system_info(atom_count)).

decoded_strings_do_not_pin_input_test() ->
    Big = <<"[\"", (binary:copy(<<"x">>, 1000))/binary, "\",\"short\"]">>,
    {ok, [Long, Short]} = dec(Big),
    ?assertEqual(1000, binary:referenced_byte_size(Long)),
    ?assertEqual(5, binary:referenced_byte_size(Short)).

%%% ------------------------------------------------------------------
%%% Robustness
%%% ------------------------------------------------------------------

every_prefix_is_handled_test() ->
    Doc = enc(#{<<"jsonrpc">> => <<"2.0">>, <<"id">> => 12,
                <<"params">> => [true, false, null, -1.5e-3, 0, <<"é\n😀\"\\"/utf8>>,
                                 #{<<"nested">> => [[], #{}, 123456789012345678901234]}],
                <<"esc">> => <<"\\u and \\ud83d \t", 16#2028/utf8>>}),
    Full = dec(Doc),
    ?assertMatch({ok, _}, Full),
    Spaced = <<" ", Doc/binary, " ">>,
    [check_result(binary_part(Spaced, 0, N)) || N <- lists:seq(0, byte_size(Spaced))],
    ?assertEqual(Full, dec(Spaced)),
    %% Cutting inside a number can still leave a valid (shorter) document.
    ?assertEqual({ok, 12}, dec(binary_part(<<"123">>, 0, 2))).

roundtrip_random_terms_test() ->
    rand:seed(exsss, {2024, 7, 11}),
    [begin
         T = gen_term(4),
         Want = normalise(T),
         ?assertEqual({T, {ok, Want}}, {T, dec(enc(T))})
     end || _ <- lists:seq(1, 3000)].

random_bytes_never_crash_test() ->
    rand:seed(exsss, {1, 2, 3}),
    Alphabet = <<"{}[]:,\"\\/ \t\r\n0123456789+-.eEtrufalsn", 16#C3, 16#A9, 255>>,
    [begin
         Len = rand:uniform(48) - 1,
         Bytes = case I rem 2 of
                     0 -> rand:bytes(Len);
                     1 -> << <<(binary:at(Alphabet, rand:uniform(byte_size(Alphabet)) - 1))>>
                            || _ <- lists:seq(1, Len) >>
                 end,
         check_result(Bytes)
     end || I <- lists:seq(1, 4000)].

mutated_documents_never_crash_test() ->
    rand:seed(exsss, {4, 5, 6}),
    [begin
         Doc = enc(gen_term(3)),
         check_result(mutate(Doc))
     end || _ <- lists:seq(1, 2000)].

check_result(Bytes) ->
    case dec(Bytes) of
        {ok, _} -> ok;
        {error, Reason} when is_binary(Reason),
                             Reason =/= <<"internal decoder error">> -> ok;
        Other -> ?assertEqual({Bytes, expected_ok_or_error}, {Bytes, Other})
    end.

mutate(<<>>) ->
    <<>>;
mutate(Doc) ->
    Pos = rand:uniform(byte_size(Doc)) - 1,
    <<Before:Pos/binary, Old, After/binary>> = Doc,
    New = rand:uniform(256) - 1,
    case rand:uniform(3) of
        1 -> <<Before/binary, New, After/binary>>;
        2 -> <<Before/binary, After/binary>>;
        3 -> <<Before/binary, New, Old, After/binary>>
    end.

%%% ------------------------------------------------------------------
%%% Random term generation
%%% ------------------------------------------------------------------

gen_term(0) ->
    gen_scalar();
gen_term(Depth) ->
    case rand:uniform(10) of
        1 -> [gen_term(Depth - 1) || _ <- lists:seq(1, rand:uniform(5) - 1)];
        2 -> gen_map(Depth - 1);
        _ -> gen_scalar()
    end.

gen_map(Depth) ->
    %% Keys that normalise to the same binary (a, <<"a">>) would make the
    %% encoder emit a duplicate key, so keep only the first of each.
    Pairs = [{gen_key(), gen_term(Depth)} || _ <- lists:seq(1, rand:uniform(6) - 1)],
    {Map, _} = lists:foldl(
                 fun({K, V}, {M, Seen}) ->
                         NK = norm_key(K),
                         case maps:is_key(NK, Seen) of
                             true -> {M, Seen};
                             false -> {M#{K => V}, Seen#{NK => true}}
                         end
                 end, {#{}, #{}}, Pairs),
    Map.

gen_key() ->
    case rand:uniform(3) of
        1 -> gen_string();
        2 -> lists:nth(rand:uniform(4), [id, method, params, 'a b']);
        3 -> rand:uniform(2000) - 1000
    end.

gen_scalar() ->
    case rand:uniform(9) of
        1 -> rand:uniform(1000) - 500;
        2 -> (rand:uniform(1 bsl 62) - (1 bsl 61)) * (rand:uniform(1 bsl 80));
        3 -> (rand:uniform() - 0.5) * math:pow(10, rand:uniform(600) - 300);
        4 -> float(rand:uniform(100));
        5 -> lists:nth(rand:uniform(6), [true, false, null, ok, error, 'Élan']);
        _ -> gen_string()
    end.

gen_string() ->
    Chars = [gen_char() || _ <- lists:seq(1, rand:uniform(12) - 1)],
    unicode:characters_to_binary(Chars).

gen_char() ->
    case rand:uniform(8) of
        1 -> rand:uniform(32) - 1;
        2 -> lists:nth(rand:uniform(5), [$", $\\, $/, 16#2028, 16#2029]);
        3 -> 16#80 + rand:uniform(16#700);
        4 -> 16#E000 + rand:uniform(16#1FF);
        5 -> 16#10000 + rand:uniform(16#FFFFF) - 1;
        _ -> 16#20 + rand:uniform(95) - 1
    end.

normalise(M) when is_map(M) ->
    maps:from_list([{norm_key(K), normalise(V)} || {K, V} <- maps:to_list(M)]);
normalise(L) when is_list(L) -> [normalise(X) || X <- L];
normalise(A) when is_atom(A), A =/= true, A =/= false, A =/= null -> atom_to_binary(A, utf8);
normalise(X) -> X.

norm_key(K) when is_atom(K) -> atom_to_binary(K, utf8);
norm_key(K) when is_integer(K) -> integer_to_binary(K);
norm_key(K) -> K.
