%%% EUnit tests for beam_observer_ws: the HTTP upgrade, the agent's security
%%% checks on it, frames and message assembly.
-module(beam_observer_ws_tests).

-include_lib("eunit/include/eunit.hrl").

-define(WS, beam_observer_ws).
-define(RFC_KEY, <<"dGhlIHNhbXBsZSBub25jZQ==">>).

%% The opening handshake from RFC 6455 section 1.3.
rfc_request() ->
    <<"GET /chat HTTP/1.1\r\n"
      "Host: server.example.com\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Origin: http://example.com\r\n"
      "Sec-WebSocket-Protocol: chat, superchat\r\n"
      "Sec-WebSocket-Version: 13\r\n"
      "\r\n">>.

request(Headers) ->
    request(<<"GET / HTTP/1.1">>, Headers).

request(Line, Headers) ->
    {ok, Req, <<>>} = ?WS:parse_request(
                         iolist_to_binary([Line, "\r\n", [[H, "\r\n"] || H <- Headers], "\r\n"]),
                         8192),
    Req.

good_headers() ->
    [<<"Host: localhost">>, <<"Upgrade: websocket">>, <<"Connection: Upgrade">>,
     <<"Sec-WebSocket-Key: ", ?RFC_KEY/binary>>, <<"Sec-WebSocket-Version: 13">>].

%%% ------------------------------------------------------------------
%%% HTTP handshake
%%% ------------------------------------------------------------------

%% Value from RFC 6455 section 1.3 (also checked against Python hashlib).
accept_key_rfc_example_test() ->
    ?assertEqual(<<"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=">>, ?WS:accept_key(?RFC_KEY)).

crypto_available_test() ->
    ?assert(?WS:crypto_available()).

parse_rfc_request_test() ->
    Extra = <<129, 128, 1, 2, 3, 4>>,
    {ok, Req, Rest} = ?WS:parse_request(<<(rfc_request())/binary, Extra/binary>>, 4096),
    ?assertEqual(Extra, Rest),
    ?assertEqual(#{method => <<"GET">>, path => <<"/chat">>, version => <<"HTTP/1.1">>,
                   headers => #{<<"host">> => <<"server.example.com">>,
                                <<"upgrade">> => <<"websocket">>,
                                <<"connection">> => <<"Upgrade">>,
                                <<"sec-websocket-key">> => ?RFC_KEY,
                                <<"origin">> => <<"http://example.com">>,
                                <<"sec-websocket-protocol">> => <<"chat, superchat">>,
                                <<"sec-websocket-version">> => <<"13">>}},
                 Req),
    ?assertEqual({ok, ?RFC_KEY}, ?WS:check_upgrade(Req)).

handshake_response_test() ->
    ?assertEqual(<<"HTTP/1.1 101 Switching Protocols\r\n"
                   "Upgrade: websocket\r\n"
                   "Connection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n">>,
                 iolist_to_binary(?WS:handshake_response(?RFC_KEY))).

every_prefix_of_request_test() ->
    Full = <<(rfc_request())/binary, "tail">>,
    Result = ?WS:parse_request(Full, 4096),
    [begin
         Prefix = binary_part(Full, 0, N),
         case ?WS:parse_request(Prefix, 4096) of
             more -> ?assert(N < byte_size(rfc_request()));
             {ok, Req, Rest} ->
                 {ok, Req, FullRest} = Result,
                 ?assertEqual(binary_part(FullRest, 0, byte_size(Rest)), Rest)
         end
     end || N <- lists:seq(0, byte_size(Full))].

header_names_are_case_insensitive_test() ->
    Req = request([<<"HOST: x">>, <<"uPgRaDe: WebSocket">>,
                   <<"CONNECTION: keep-alive, UPGRADE">>,
                   <<"sec-websocket-KEY: ", ?RFC_KEY/binary>>,
                   <<"Sec-Websocket-Version: 13">>]),
    #{headers := H} = Req,
    ?assertEqual(<<"WebSocket">>, maps:get(<<"upgrade">>, H)),
    ?assertEqual({ok, ?RFC_KEY}, ?WS:check_upgrade(Req)).

header_values_trimmed_and_joined_test() ->
    #{headers := H} = request([<<"A: \t one \t">>, <<"B:">>, <<"a:two">>,
                               <<"C:   ">>, <<"X-Obs: caf", 233, "">>]),
    ?assertEqual(<<"one, two">>, maps:get(<<"a">>, H)),
    ?assertEqual(<<>>, maps:get(<<"b">>, H)),
    ?assertEqual(<<>>, maps:get(<<"c">>, H)),
    ?assertEqual(<<"caf", 233>>, maps:get(<<"x-obs">>, H)),
    %% Only the first colon separates name and value.
    #{headers := H2} = request([<<"Host: [::1]:8080">>]),
    ?assertEqual(<<"[::1]:8080">>, maps:get(<<"host">>, H2)).

request_too_large_test() ->
    Req = rfc_request(),
    Size = byte_size(Req),
    ?assertMatch({ok, _, <<>>}, ?WS:parse_request(Req, Size)),
    ?assertEqual({error, <<"request head too large">>}, ?WS:parse_request(Req, Size - 1)),
    Endless = binary:copy(<<"X-Junk: aaaaaaaaaaaaaaaa\r\n">>, 100),
    ?assertEqual(more, ?WS:parse_request(binary_part(Endless, 0, 1000), 1000)),
    ?assertEqual({error, <<"request head too large">>},
                 ?WS:parse_request(binary_part(Endless, 0, 1001), 1000)).

malformed_requests_test() ->
    Bad = [<<"GET /\r\n\r\n">>,
           <<"GET / HTTP/1.1 extra\r\n\r\n">>,
           <<"GET  / HTTP/1.1\r\n\r\n">>,
           <<"GET / HTTP/1\r\n\r\n">>,
           <<"GET / http/1.1\r\n\r\n">>,
           <<"G(T / HTTP/1.1\r\n\r\n">>,
           <<" / HTTP/1.1\r\n\r\n">>,
           <<"\r\n\r\n">>,
           <<"GET / HTTP/1.1\r\nNoColon\r\n\r\n">>,
           <<"GET / HTTP/1.1\r\nName : value\r\n\r\n">>,
           <<"GET / HTTP/1.1\r\n: value\r\n\r\n">>,
           <<"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n">>,
           <<"GET / HTTP/1.1\r\nA: b\nB: c\r\n\r\n">>,
           <<"GET / HTTP/1.1\r\nA: b", 0, "\r\n\r\n">>,
           <<"GET /", 1, " HTTP/1.1\r\n\r\n">>],
    [?assertMatch({B, {error, R}} when is_binary(R), {B, ?WS:parse_request(B, 4096)})
     || B <- Bad].

parse_request_does_not_create_atoms_test() ->
    Head = fun(N) -> iolist_to_binary(["GET / HTTP/1.1\r\nzz-ws-hdr-", N, ": x\r\n",
                                        "Content-Type: y\r\nzz_ws_meth: z\r\n\r\n"]) end,
    _ = ?WS:parse_request(Head("a"), 4096),
    Before = erlang:system_info(atom_count),
    {ok, _, _} = ?WS:parse_request(Head("b"), 4096),
    ?assertEqual(Before, erlang:system_info(atom_count)).

check_upgrade_errors_test() ->
    Good = good_headers(),
    Without = fun(Prefix) ->
                      [H || H <- Good, binary:longest_common_prefix([H, Prefix]) < byte_size(Prefix)]
              end,
    Replace = fun(Prefix, New) -> Without(Prefix) ++ [New] end,
    ?assertEqual({ok, ?RFC_KEY}, ?WS:check_upgrade(request(Good))),
    ?assertMatch({error, 405, _}, ?WS:check_upgrade(request(<<"POST / HTTP/1.1">>, Good))),
    ?assertMatch({error, 405, _}, ?WS:check_upgrade(request(<<"get / HTTP/1.1">>, Good))),
    ?assertMatch({error, 400, _}, ?WS:check_upgrade(request(<<"GET / HTTP/1.0">>, Good))),
    ?assertEqual({ok, ?RFC_KEY}, ?WS:check_upgrade(request(<<"GET / HTTP/2.0">>, Good))),
    ?assertMatch({error, 426, _}, ?WS:check_upgrade(request(Without(<<"Upgrade">>)))),
    ?assertMatch({error, 426, _}, ?WS:check_upgrade(request(Replace(<<"Upgrade">>, <<"Upgrade: h2c">>)))),
    ?assertMatch({error, 426, _},
                 ?WS:check_upgrade(request(Replace(<<"Upgrade">>, <<"Upgrade: websockets">>)))),
    ?assertEqual({ok, ?RFC_KEY},
                 ?WS:check_upgrade(request(Replace(<<"Upgrade">>, <<"Upgrade: h2c , WEBSOCKET">>)))),
    ?assertMatch({error, 400, _}, ?WS:check_upgrade(request(Without(<<"Connection">>)))),
    ?assertMatch({error, 400, _},
                 ?WS:check_upgrade(request(Replace(<<"Connection">>, <<"Connection: keep-alive">>)))),
    ?assertMatch({error, 400, _},
                 ?WS:check_upgrade(request(Replace(<<"Connection">>, <<"Connection: upgraded">>)))),
    %% A repeated header is as good as a comma-separated one.
    ?assertEqual({ok, ?RFC_KEY},
                 ?WS:check_upgrade(request(Replace(<<"Connection">>, <<"Connection: keep-alive">>)
                                           ++ [<<"connection: upgrade">>]))),
    ?assertMatch({error, 426, _}, ?WS:check_upgrade(request(Without(<<"Sec-WebSocket-Version">>)))),
    ?assertMatch({error, 426, _},
                 ?WS:check_upgrade(request(Replace(<<"Sec-WebSocket-Version">>,
                                                   <<"Sec-WebSocket-Version: 8">>)))),
    ?assertMatch({error, 426, _},
                 ?WS:check_upgrade(request(Good ++ [<<"Sec-WebSocket-Version: 8">>]))),
    ?assertMatch({error, 400, _}, ?WS:check_upgrade(request(Without(<<"Sec-WebSocket-Key">>)))),
    BadKeys = [<<"">>, <<"not base64 at all!!!!!!!">>, base64:encode(<<"fifteen bytes!!">>),
               base64:encode(<<"seventeen bytes!!">>), <<"dGhlIHNhbXBsZSBub25jZQ=">>,
               <<"dGhlIHNhbXBs ZSBub25jZQ=">>],
    [?assertMatch({K, {error, 400, _}},
                  {K, ?WS:check_upgrade(request(Replace(<<"Sec-WebSocket-Key">>,
                                                        <<"Sec-WebSocket-Key: ", K/binary>>)))})
     || K <- BadKeys],
    %% The first failing check wins.
    ?assertMatch({error, 405, _}, ?WS:check_upgrade(request(<<"PUT / HTTP/1.1">>, []))).

http_error_test() ->
    Resp = iolist_to_binary(?WS:http_error(403, <<"origin not allowed">>)),
    {Status, Headers, Body} = split_response(Resp),
    ?assertEqual(<<"HTTP/1.1 403 Forbidden">>, Status),
    ?assertEqual(<<"origin not allowed\n">>, Body),
    ?assertEqual(integer_to_binary(byte_size(Body)), proplists:get_value(<<"Content-Length">>, Headers)),
    ?assertEqual(<<"text/plain; charset=utf-8">>, proplists:get_value(<<"Content-Type">>, Headers)),
    ?assertEqual(<<"close">>, proplists:get_value(<<"Connection">>, Headers)),
    Phrases = [{400, <<"Bad Request">>}, {401, <<"Unauthorized">>}, {403, <<"Forbidden">>},
               {404, <<"Not Found">>}, {405, <<"Method Not Allowed">>},
               {408, <<"Request Timeout">>}, {413, <<"Content Too Large">>},
               {426, <<"Upgrade Required">>}, {429, <<"Too Many Requests">>},
               {503, <<"Service Unavailable">>}, {418, <<"Error">>}, {500, <<"Error">>}],
    [begin
         {S, _, _} = split_response(iolist_to_binary(?WS:http_error(Code, <<"m">>))),
         ?assertEqual(<<"HTTP/1.1 ", (integer_to_binary(Code))/binary, " ", Phrase/binary>>, S)
     end || {Code, Phrase} <- Phrases],
    {_, H426, _} = split_response(iolist_to_binary(?WS:http_error(426, <<"x">>))),
    ?assertEqual(<<"13">>, proplists:get_value(<<"Sec-WebSocket-Version">>, H426)),
    {_, H401, _} = split_response(iolist_to_binary(?WS:http_error(401, <<"x">>))),
    ?assertEqual(<<"Bearer">>, proplists:get_value(<<"WWW-Authenticate">>, H401)),
    %% Content-Length counts bytes, not characters.
    {_, HU, BU} = split_response(iolist_to_binary(?WS:http_error(400, <<"é😀"/utf8>>))),
    ?assertEqual(<<"7">>, proplists:get_value(<<"Content-Length">>, HU)),
    ?assertEqual(<<"é😀\n"/utf8>>, BU).

split_response(Resp) ->
    [Head, Body] = binary:split(Resp, <<"\r\n\r\n">>),
    [Status | Lines] = binary:split(Head, <<"\r\n">>, [global]),
    Headers = [list_to_tuple(binary:split(L, <<": ">>)) || L <- Lines],
    {Status, Headers, Body}.

%%% ------------------------------------------------------------------
%%% The agent's security checks (check_request/2)
%%% ------------------------------------------------------------------

-define(TOKEN, <<"secret-token-0123456789">>).

%% A request that passes every check, with Headers changed.
checked_request(Headers) ->
    Base = #{<<"host">> => <<"127.0.0.1:4000">>, <<"upgrade">> => <<"websocket">>,
             <<"connection">> => <<"Upgrade">>, <<"sec-websocket-version">> => <<"13">>,
             <<"sec-websocket-key">> => ?RFC_KEY,
             <<"authorization">> => <<"Bearer ", ?TOKEN/binary>>},
    #{method => <<"GET">>, path => <<"/">>, version => <<"HTTP/1.1">>,
      headers => maps:merge(Base, Headers)}.

loopback_config() -> #{token => ?TOKEN, loopback => true}.

check_request_test_() ->
    Check = fun(H) -> ?WS:check_request(checked_request(H), loopback_config()) end,
    [?_assertEqual({ok, ?RFC_KEY}, Check(#{})),
     ?_assertMatch({ok, _}, Check(#{<<"host">> => <<"localhost">>})),
     ?_assertMatch({ok, _}, Check(#{<<"host">> => <<"[::1]:80">>})),
     ?_assertMatch({ok, _}, Check(#{<<"authorization">> => <<"bearer ", ?TOKEN/binary>>})),
     ?_assertMatch({ok, _}, Check(#{<<"authorization">> => <<"Bearer \t ", ?TOKEN/binary, " ">>})),
     ?_assertMatch({error, 403, _}, Check(#{<<"origin">> => <<"https://evil.example">>})),
     ?_assertMatch({error, 403, _}, Check(#{<<"host">> => <<"evil.example:4000">>})),
     ?_assertMatch({error, 403, _}, Check(#{<<"host">> => <<"127.0.0.1.evil.example">>})),
     ?_assertMatch({error, 403, _}, Check(#{<<"host">> => <<"[::1]evil.example.com">>})),
     ?_assertMatch({error, 403, _}, Check(#{<<"host">> => <<"[::1]:80x">>})),
     ?_assertMatch({error, 401, _}, Check(#{<<"authorization">> => <<"Bearer wrong">>})),
     ?_assertMatch({error, 401, _}, Check(#{<<"authorization">> => <<"Basic c2VjcmV0">>})),
     ?_assertMatch({error, 401, _}, Check(#{<<"authorization">> => <<>>})),
     ?_assertMatch({error, 426, _}, Check(#{<<"upgrade">> => <<"h2c">>}))].

%% Origin, then Host, then the token, then the upgrade: an unauthenticated
%% client learns nothing about the rest.
check_request_order_test() ->
    Check = fun(H) -> ?WS:check_request(checked_request(H), loopback_config()) end,
    Wrong = #{<<"origin">> => <<"https://evil.example">>, <<"host">> => <<"evil.example">>,
              <<"authorization">> => <<"Bearer wrong">>, <<"upgrade">> => <<"h2c">>},
    ?assertMatch({error, 403, <<"requests from web pages", _/binary>>}, Check(Wrong)),
    ?assertMatch({error, 403, <<"Host must be", _/binary>>}, Check(maps:remove(<<"origin">>, Wrong))),
    ?assertMatch({error, 401, _}, Check(maps:without([<<"origin">>, <<"host">>], Wrong))),
    ?assertMatch({error, 426, _}, Check(#{<<"upgrade">> => <<"h2c">>})).

missing_host_is_a_bad_request_test() ->
    #{headers := H} = R = checked_request(#{}),
    ?assertEqual({error, 400, <<"missing Host header">>},
                 ?WS:check_request(R#{headers := maps:remove(<<"host">>, H)}, loopback_config())).

any_host_when_bound_beyond_loopback_test() ->
    ?assertMatch({ok, _}, ?WS:check_request(checked_request(#{<<"host">> => <<"10.0.0.5:4000">>}),
                                            #{token => ?TOKEN, loopback => false})).

%% Header bytes need not be UTF-8: the checks must answer, never crash.
invalid_utf8_headers_are_refused_not_crashed_test_() ->
    Check = fun(H) -> ?WS:check_request(checked_request(H), loopback_config()) end,
    [?_assertMatch({error, 403, _}, Check(#{<<"host">> => <<255>>})),
     ?_assertMatch({error, 403, _}, Check(#{<<"host">> => <<"evil", 255>>})),
     ?_assertMatch({error, 401, _}, Check(#{<<"authorization">> => <<255, "earer x">>})),
     ?_assertMatch({error, 401, _}, Check(#{<<"authorization">> => <<"Bearer ", 255>>}))].

%%% ------------------------------------------------------------------
%%% Frames
%%% ------------------------------------------------------------------

%% Builds a frame the way a browser would: masked with Key. LenMode picks
%% the length encoding so non-minimal encodings can be produced as well.
client_frame(Fin, Op, Payload) ->
    client_frame(Fin, 0, Op, Payload, <<16#37, 16#fa, 16#21, 16#3d>>, minimal).

client_frame(Fin, Rsv, Op, Payload, Key, LenMode) ->
    Len = byte_size(Payload),
    LenBits = case LenMode of
                  minimal when Len < 126 -> <<Len:7>>;
                  minimal when Len < 65536 -> <<126:7, Len:16>>;
                  minimal -> <<127:7, Len:64>>;
                  bits16 -> <<126:7, Len:16>>;
                  bits64 -> <<127:7, Len:64>>
              end,
    <<Fin:1, Rsv:3, Op:4, 1:1, LenBits/bits, Key/binary, (naive_mask(Payload, Key))/binary>>.

naive_mask(Payload, Key) ->
    list_to_binary([B bxor binary:at(Key, I rem 4)
                    || {I, B} <- lists:zip(lists:seq(0, byte_size(Payload) - 1),
                                           binary_to_list(Payload))]).

%% Turns a server frame into the masked form a client would send.
mask_server_frame(Frame, Key) ->
    <<Head:8, 0:1, Len7:7, Rest/binary>> = iolist_to_binary(Frame),
    ExtSize = case Len7 of 126 -> 2; 127 -> 8; _ -> 0 end,
    <<Ext:ExtSize/binary, Payload/binary>> = Rest,
    <<Head:8, 1:1, Len7:7, Ext/binary, Key/binary, (naive_mask(Payload, Key))/binary>>.

payload(N) -> list_to_binary([I rem 251 || I <- lists:seq(1, N)]).

decode_lengths_test() ->
    [begin
         P = payload(N),
         ?assertEqual({N, {ok, #{fin => true, opcode => binary, payload => P}, <<"rest">>}},
                      {N, ?WS:decode_frame(<<(client_frame(1, 2, P))/binary, "rest">>, 1 bsl 20)})
     end || N <- [0, 1, 2, 3, 4, 5, 7, 125, 126, 127, 65535, 65536, 70001]].

decode_frame_flags_test() ->
    ?assertEqual({ok, #{fin => false, opcode => text, payload => <<"hi">>}, <<>>},
                 ?WS:decode_frame(client_frame(0, 1, <<"hi">>), 100)),
    ?assertEqual({ok, #{fin => true, opcode => continuation, payload => <<"x">>}, <<>>},
                 ?WS:decode_frame(client_frame(1, 0, <<"x">>), 100)),
    [?assertMatch({ok, #{opcode := Name}, <<>>}, ?WS:decode_frame(client_frame(1, Op, <<"p">>), 100))
     || {Op, Name} <- [{8, close}, {9, ping}, {10, pong}]].

non_minimal_lengths_accepted_test() ->
    Key = <<1, 2, 3, 4>>,
    [?assertMatch({ok, #{payload := <<"hello">>}, <<>>},
                  ?WS:decode_frame(client_frame(1, 0, 1, <<"hello">>, Key, Mode), 100))
     || Mode <- [bits16, bits64]].

unmasked_frame_rejected_test() ->
    ?assertMatch({error, 1002, _}, ?WS:decode_frame(<<16#81, 2, "hi">>, 100)),
    ?assertMatch({error, 1002, _}, ?WS:decode_frame(<<16#81, 2>>, 100)).

rsv_bits_rejected_test() ->
    [?assertMatch({error, 1002, _},
                  ?WS:decode_frame(client_frame(1, Rsv, 1, <<"x">>, <<0, 0, 0, 0>>, minimal), 100))
     || Rsv <- [1, 2, 4, 7]].

unknown_opcodes_rejected_test() ->
    [?assertMatch({Op, {error, 1002, _}}, {Op, ?WS:decode_frame(client_frame(1, Op, <<"x">>), 100)})
     || Op <- [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]].

control_frame_rules_test() ->
    [begin
         ?assertMatch({error, 1002, _}, ?WS:decode_frame(client_frame(0, Op, <<"x">>), 1000)),
         ?assertMatch({error, 1002, _}, ?WS:decode_frame(client_frame(1, Op, payload(126)), 1000)),
         %% Known from the first two bytes, before any length or payload.
         ?assertMatch({error, 1002, _},
                      ?WS:decode_frame(binary_part(client_frame(1, Op, payload(126)), 0, 2), 1000)),
         ?assertMatch({ok, _, <<>>}, ?WS:decode_frame(client_frame(1, Op, payload(125)), 1000))
     end || Op <- [8, 9, 10]].

msb_of_64bit_length_rejected_test() ->
    ?assertMatch({error, 1002, _},
                 ?WS:decode_frame(<<16#82, 16#FF, 1:1, 5:63, 1, 2, 3, 4, "hello">>, 100)).

oversized_payload_rejected_from_header_test() ->
    Header7 = <<16#82, (128 bor 100)>>,
    Header16 = <<16#82, (128 bor 126), 1000:16>>,
    Header64 = <<16#82, (128 bor 127), (1 bsl 40):64>>,
    ?assertEqual({error, 1009, <<"message too big">>}, ?WS:decode_frame(Header7, 99)),
    ?assertEqual({error, 1009, <<"message too big">>}, ?WS:decode_frame(Header16, 999)),
    ?assertEqual({error, 1009, <<"message too big">>}, ?WS:decode_frame(Header64, 1 bsl 30)),
    ?assertEqual({error, 1009, <<"message too big">>},
                 ?WS:decode_frame(<<16#82, (128 bor 1), 0, 0, 0, 0, 0>>, 0)),
    %% At the limit it is just incomplete.
    ?assertEqual(more, ?WS:decode_frame(Header16, 1000)),
    ?assertMatch({ok, #{payload := <<>>}, <<>>}, ?WS:decode_frame(client_frame(1, 2, <<>>), 0)).

incomplete_frames_test() ->
    Frame = client_frame(1, 1, payload(300)),
    [?assertEqual({N, more}, {N, ?WS:decode_frame(binary_part(Frame, 0, N), 1000)})
     || N <- lists:seq(0, byte_size(Frame) - 1)].

unmask_matches_naive_test() ->
    Key = <<16#ff, 16#00, 16#a5, 16#5a>>,
    [begin
         P = crypto:strong_rand_bytes(N),
         F = client_frame(1, 0, 2, P, Key, minimal),
         ?assertMatch({ok, #{payload := P}, <<>>}, ?WS:decode_frame(F, 100000))
     end || N <- lists:seq(0, 40) ++ [1023, 4097, 65537]].

two_frames_every_split_point_test() ->
    F1 = client_frame(0, 1, <<"héllo "/utf8>>),
    F2 = client_frame(1, 9, <<"ping!">>),
    F3 = client_frame(1, 0, payload(130)),
    Stream = <<F1/binary, F2/binary, F3/binary>>,
    Expected = decode_stream([Stream]),
    ?assertEqual(3, length(Expected)),
    [?assertEqual(Expected, decode_stream([binary_part(Stream, 0, N),
                                           binary_part(Stream, N, byte_size(Stream) - N)]))
     || N <- lists:seq(0, byte_size(Stream))],
    ?assertEqual(Expected, decode_stream([<<B>> || <<B>> <= Stream])).

%% Feeds chunks as a socket would deliver them, decoding greedily.
decode_stream(Chunks) ->
    {Frames, <<>>} = lists:foldl(fun(Chunk, {Acc, Buf}) -> drain(<<Buf/binary, Chunk/binary>>, Acc) end,
                                 {[], <<>>}, Chunks),
    lists:reverse(Frames).

drain(Buf, Acc) ->
    case ?WS:decode_frame(Buf, 1000) of
        more -> {Acc, Buf};
        {ok, Frame, Rest} -> drain(Rest, [Frame | Acc])
    end.

encode_frame_lengths_test() ->
    ?assertEqual(<<16#81, 2, "hi">>, iolist_to_binary(?WS:encode_frame(text, <<"hi">>))),
    ?assertEqual(<<16#82, 0>>, iolist_to_binary(?WS:encode_frame(binary, []))),
    ?assertEqual(<<16#89, 1, "p">>, iolist_to_binary(?WS:encode_frame(ping, "p"))),
    ?assertEqual(<<16#8A, 0>>, iolist_to_binary(?WS:encode_frame(pong, <<>>))),
    ?assertMatch(<<16#81, 125, _:125/binary>>,
                 iolist_to_binary(?WS:encode_frame(text, payload(125)))),
    ?assertMatch(<<16#81, 126, 126:16, _:126/binary>>,
                 iolist_to_binary(?WS:encode_frame(text, payload(126)))),
    ?assertMatch(<<16#82, 126, 65535:16, _:65535/binary>>,
                 iolist_to_binary(?WS:encode_frame(binary, payload(65535)))),
    ?assertMatch(<<16#82, 127, 65536:64, _:65536/binary>>,
                 iolist_to_binary(?WS:encode_frame(binary, payload(65536)))),
    ?assertError({badarg, _}, ?WS:encode_frame(ping, payload(126))),
    ?assertError({badarg, _}, ?WS:encode_frame(close, payload(126))).

encode_decode_roundtrip_test() ->
    Key = <<9, 8, 7, 6>>,
    [begin
         P = payload(N),
         Masked = mask_server_frame(?WS:encode_frame(Op, [P]), Key),
         ?assertEqual({ok, #{fin => true, opcode => Op, payload => P}, <<>>},
                      ?WS:decode_frame(Masked, 1 bsl 20))
     end || {Op, N} <- [{text, 0}, {text, 5}, {binary, 125}, {binary, 126}, {text, 65535},
                        {binary, 65536}, {binary, 100000}, {ping, 125}, {pong, 3}, {close, 2}]].

encode_close_test() ->
    ?assertEqual(<<16#88, 2, 1000:16>>, iolist_to_binary(?WS:encode_close(1000, <<>>))),
    ?assertEqual(<<16#88, 5, 1001:16, "bye">>, iolist_to_binary(?WS:encode_close(1001, <<"bye">>))),
    Long = binary:copy(<<"a">>, 200),
    <<16#88, 125, 1009:16, R1/binary>> = iolist_to_binary(?WS:encode_close(1009, Long)),
    ?assertEqual(123, byte_size(R1)),
    %% 122 ASCII bytes then a 2-byte character: it must not be cut in half.
    Split = <<(binary:copy(<<"a">>, 122))/binary, "é"/utf8>>,
    <<16#88, 124, _:16, R2/binary>> = iolist_to_binary(?WS:encode_close(1011, Split)),
    ?assertEqual(binary:copy(<<"a">>, 122), R2),
    Emoji = binary:copy(<<"😀"/utf8>>, 40),
    <<16#88, _, _:16, R3/binary>> = iolist_to_binary(?WS:encode_close(1000, Emoji)),
    ?assertEqual(binary:copy(<<"😀"/utf8>>, 30), R3),
    ?assertEqual({ok, 1011, R2}, ?WS:parse_close_payload(<<1011:16, R2/binary>>)).

parse_close_payload_test() ->
    ?assertEqual({ok, none, <<>>}, ?WS:parse_close_payload(<<>>)),
    ?assertMatch({error, 1002, _}, ?WS:parse_close_payload(<<3>>)),
    ?assertEqual({ok, 1000, <<>>}, ?WS:parse_close_payload(<<1000:16>>)),
    ?assertEqual({ok, 1001, <<"going away"/utf8>>}, ?WS:parse_close_payload(<<1001:16, "going away">>)),
    ?assertEqual({ok, 4000, <<"é😀"/utf8>>}, ?WS:parse_close_payload(<<4000:16, "é😀"/utf8>>)),
    [?assertMatch({C, {ok, C, <<>>}}, {C, ?WS:parse_close_payload(<<C:16>>)})
     || C <- [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
              3000, 3999, 4000, 4999]],
    [?assertMatch({C, {error, 1002, _}}, {C, ?WS:parse_close_payload(<<C:16>>)})
     || C <- [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]],
    [?assertMatch({error, 1007, _}, ?WS:parse_close_payload(<<1000:16, Bad/binary>>))
     || Bad <- [<<255>>, <<"ok", 16#C3>>, <<16#ED, 16#A0, 16#80>>, <<16#C0, 16#80>>]].

%%% ------------------------------------------------------------------
%%% Message assembly
%%% ------------------------------------------------------------------

frame(Fin, Op, Payload) -> #{fin => Fin, opcode => Op, payload => Payload}.

feed(Frames, Asm) ->
    lists:foldl(fun(F, {Out, A}) ->
                        case ?WS:assemble(F, A) of
                            {more, A1} -> {Out, A1};
                            {message, Type, P, A1} -> {Out ++ [{message, Type, P}], A1};
                            {control, Type, P, A1} -> {Out ++ [{control, Type, P}], A1};
                            {error, _, _} = E -> {Out ++ [E], A}
                        end
                end, {[], Asm}, Frames).

unfragmented_messages_test() ->
    Asm = ?WS:new_assembler(100),
    ?assertMatch({message, text, <<"hi">>, _}, ?WS:assemble(frame(true, text, <<"hi">>), Asm)),
    ?assertMatch({message, text, <<>>, _}, ?WS:assemble(frame(true, text, <<>>), Asm)),
    ?assertMatch({message, binary, <<255>>, _}, ?WS:assemble(frame(true, binary, <<255>>), Asm)).

fragmented_with_interleaved_ping_test() ->
    Frames = [frame(false, text, <<"Hel">>),
              frame(true, ping, <<"p1">>),
              frame(false, continuation, <<"lo ", 16#C3>>),
              frame(true, pong, <<>>),
              frame(true, continuation, <<16#A9, "!">>),
              frame(true, binary, <<1, 2>>),
              frame(false, binary, <<3>>),
              frame(true, close, <<1000:16>>),
              frame(true, continuation, <<4>>)],
    {Out, _} = feed(Frames, ?WS:new_assembler(100)),
    %% The UTF-8 character split across fragments is fine once reassembled.
    ?assertEqual([{control, ping, <<"p1">>},
                  {control, pong, <<>>},
                  {message, text, <<"Hello é!"/utf8>>},
                  {message, binary, <<1, 2>>},
                  {control, close, <<1000:16>>},
                  {message, binary, <<3, 4>>}],
                 Out).

continuation_without_start_test() ->
    ?assertMatch({error, 1002, _},
                 ?WS:assemble(frame(true, continuation, <<"x">>), ?WS:new_assembler(10))),
    ?assertMatch({error, 1002, _},
                 ?WS:assemble(frame(false, continuation, <<"x">>), ?WS:new_assembler(10))),
    {[{message, text, <<"a">>}, Err], _} =
        feed([frame(true, text, <<"a">>), frame(true, continuation, <<"b">>)], ?WS:new_assembler(10)),
    ?assertMatch({error, 1002, _}, Err).

new_message_during_fragment_test() ->
    [begin
         {[Err], _} = feed([frame(false, text, <<"a">>), frame(Fin, Op, <<"b">>)], ?WS:new_assembler(10)),
         ?assertMatch({error, 1002, _}, Err)
     end || Op <- [text, binary], Fin <- [true, false]].

message_size_limit_test() ->
    Asm = ?WS:new_assembler(10),
    ?assertMatch({message, binary, <<_:10/binary>>, _}, ?WS:assemble(frame(true, binary, payload(10)), Asm)),
    ?assertMatch({error, 1009, _}, ?WS:assemble(frame(true, binary, payload(11)), Asm)),
    {Ok, _} = feed([frame(false, text, <<"12345">>), frame(true, continuation, <<"67890">>)], Asm),
    ?assertEqual([{message, text, <<"1234567890">>}], Ok),
    {TooBig, _} = feed([frame(false, text, <<"12345">>), frame(false, continuation, <<"6789">>),
                        frame(true, continuation, <<"01">>)], Asm),
    ?assertMatch([{error, 1009, _}], TooBig),
    %% Control frames do not count towards the message size.
    {WithPing, _} = feed([frame(false, binary, payload(9)), frame(true, ping, payload(100)),
                          frame(true, continuation, <<0>>)], Asm),
    ?assertMatch([{control, ping, _}, {message, binary, <<_:10/binary>>}], WithPing).

invalid_utf8_text_test() ->
    Asm = ?WS:new_assembler(100),
    [?assertMatch({error, 1007, _}, ?WS:assemble(frame(true, text, Bad), Asm))
     || Bad <- [<<255>>, <<"abc", 16#C3>>, <<16#ED, 16#A0, 16#80>>, <<16#C0, 16#AF>>,
                <<16#F4, 16#90, 16#80, 16#80>>]],
    {Out, _} = feed([frame(false, text, <<"ok">>), frame(true, continuation, <<16#C3>>)], Asm),
    ?assertMatch([{error, 1007, _}], Out),
    ?assertMatch({message, binary, <<255>>, _}, ?WS:assemble(frame(true, binary, <<255>>), Asm)).

assembler_resets_after_message_test() ->
    {Out, _} = feed([frame(false, binary, <<1>>), frame(true, continuation, <<2>>),
                     frame(false, text, <<"a">>), frame(true, continuation, <<"b">>),
                     frame(true, text, <<"c">>)],
                    ?WS:new_assembler(3)),
    ?assertEqual([{message, binary, <<1, 2>>}, {message, text, <<"ab">>}, {message, text, <<"c">>}], Out).

%%% ------------------------------------------------------------------
%%% Fuzzing
%%% ------------------------------------------------------------------

random_buffers_never_crash_test() ->
    rand:seed(exsss, {17, 42, 99}),
    [begin
         Buf = random_buffer(),
         Max = rand:uniform(200),
         Frames = decode_all(Buf, Max, []),
         lists:foldl(fun(F, Asm) -> assemble_checked(F, Asm) end, ?WS:new_assembler(Max), Frames)
     end || _ <- lists:seq(1, 4000)].

random_buffer() ->
    case rand:uniform(3) of
        1 -> rand:bytes(rand:uniform(64) - 1);
        %% A plausible header makes it past the first checks more often.
        _ ->
            Fin = rand:uniform(2) - 1,
            Op = lists:nth(rand:uniform(7), [0, 1, 2, 8, 9, 10, rand:uniform(16) - 1]),
            Body = rand:bytes(rand:uniform(140) - 1),
            <<Fin:1, 0:3, Op:4, 1:1, (min(byte_size(Body), 127)):7, Body/binary>>
    end.

decode_all(Buf, Max, Acc) ->
    case ?WS:decode_frame(Buf, Max) of
        more -> lists:reverse(Acc);
        {error, C, R} when (C =:= 1002 orelse C =:= 1009), is_binary(R) -> lists:reverse(Acc);
        {ok, #{fin := F, opcode := O, payload := P} = Frame, Rest}
          when is_boolean(F), is_atom(O), is_binary(P), byte_size(Rest) < byte_size(Buf) ->
            decode_all(Rest, Max, [Frame | Acc])
    end.

assemble_checked(_, error) ->
    error;
assemble_checked(Frame, Asm) ->
    case ?WS:assemble(Frame, Asm) of
        {more, A} -> A;
        {message, T, P, A} when (T =:= text orelse T =:= binary), is_binary(P) -> A;
        {control, close, P, A} ->
            case ?WS:parse_close_payload(P) of
                {ok, _, R} when is_binary(R) -> A;
                {error, C, R} when (C =:= 1002 orelse C =:= 1007), is_binary(R) -> A
            end;
        {control, T, P, A} when (T =:= ping orelse T =:= pong), is_binary(P) -> A;
        {error, C, R} when (C =:= 1002 orelse C =:= 1007 orelse C =:= 1009), is_binary(R) -> error
    end.

random_requests_never_crash_test() ->
    rand:seed(exsss, {5, 6, 7}),
    Pieces = [<<"GET">>, <<" ">>, <<"/">>, <<"HTTP/1.1">>, <<"\r\n">>, <<":">>, <<"Upgrade">>,
              <<"websocket">>, <<",">>, <<"\t">>, <<"\n">>, <<"\r">>, <<0>>, <<255>>, <<"x">>],
    [begin
         Buf = iolist_to_binary([lists:nth(rand:uniform(length(Pieces)), Pieces)
                                 || _ <- lists:seq(1, rand:uniform(40))]),
         case ?WS:parse_request(Buf, 100) of
             more -> ok;
             {error, R} when is_binary(R) -> ok;
             {ok, Req, Rest} when is_binary(Rest) ->
                 case ?WS:check_upgrade(Req) of
                     {ok, K} when is_binary(K) -> ok;
                     {error, S, R} when is_integer(S), is_binary(R) -> ok
                 end
         end
     end || _ <- lists:seq(1, 3000)].
