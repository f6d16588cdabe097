%%% Server side of the WebSocket protocol (RFC 6455) as pure functions:
%%% HTTP upgrade request parsing, the agent's security checks on it,
%%% handshake and error responses, frame decoding/encoding and message
%%% reassembly. No sockets, no processes, so the connection handler
%%% (beam_observer_conn) owns all I/O and timeouts.
%%%
%%% Safe: every decoder takes untrusted bytes and returns `more', `{ok, ...}'
%%% or `{error, ...}' instead of crashing; no atoms are created from input
%%% (the HTTP head is parsed by hand, see parse_request/2); size limits are
%%% enforced before buffering payloads (decode_frame/2 rejects an oversized
%%% frame from its header alone).
%%%
%%% Not done here, so the caller must: run check_request/2 on every request
%%% before answering the upgrade; bound how long it waits for a head or a
%%% frame; validate close frames with parse_close_payload/1; treat any
%%% `{error, Code, _}' from the frame layer by sending encode_close/2 and
%%% closing. No extensions (permessage-deflate) and no subprotocols are
%%% negotiated, which is why any RSV bit is a protocol error.
-module(beam_observer_ws).

-export([parse_request/2, check_request/2, check_upgrade/1, accept_key/1, crypto_available/0,
         handshake_response/1, http_error/2,
         decode_frame/2, encode_frame/2, encode_close/2, parse_close_payload/1,
         new_assembler/1, assemble/2]).

-export_type([request/0, opcode/0, frame/0, assembler/0]).

-type request() :: #{method := binary(), path := binary(),
                     version := binary(), headers := #{binary() => binary()}}.
-type opcode() :: continuation | text | binary | close | ping | pong.
-type frame() :: #{fin := boolean(), opcode := opcode(), payload := binary()}.
-type close_error() :: {error, 1002 | 1007 | 1009, binary()}.

-record(asm, {max :: pos_integer(),
              opcode = none :: none | text | binary,
              size = 0 :: non_neg_integer(),
              parts = [] :: [binary()]}).
-opaque assembler() :: #asm{}.

-define(GUID, <<"258EAFA5-E914-47DA-95CA-C5AB0DC85B11">>).

%%% ------------------------------------------------------------------
%%% HTTP handshake
%%% ------------------------------------------------------------------

%% Hand-parsed rather than via erlang:decode_packet/3: decode_packet returns
%% atoms for well-known methods and header names and several shapes for the
%% request target, and it accepts bare-LF line ends and obsolete line
%% folding, which we would rather reject. A strict split on CRLF is shorter
%% than normalising all of that.
-spec parse_request(binary(), pos_integer()) ->
          more | {ok, request(), Rest :: binary()} | {error, binary()}.
parse_request(Buffer, MaxBytes) ->
    case binary:match(Buffer, <<"\r\n\r\n">>) of
        nomatch when byte_size(Buffer) > MaxBytes ->
            {error, <<"request head too large">>};
        nomatch ->
            more;
        {Pos, 4} when Pos + 4 > MaxBytes ->
            %% Same answer no matter how the bytes were split across reads.
            {error, <<"request head too large">>};
        {Pos, 4} ->
            <<Head:Pos/binary, _:4/binary, Rest/binary>> = Buffer,
            [RequestLine | HeaderLines] = binary:split(Head, <<"\r\n">>, [global]),
            case request_line(RequestLine) of
                {ok, Method, Path, Version} ->
                    case headers(HeaderLines, #{}) of
                        {ok, Headers} ->
                            {ok, #{method => Method, path => Path,
                                   version => Version, headers => Headers},
                             Rest};
                        Error ->
                            Error
                    end;
                Error ->
                    Error
            end
    end.

request_line(Line) ->
    case binary:split(Line, <<" ">>, [global]) of
        [Method, Path, <<"HTTP/", A, ".", B>> = Version]
          when A >= $0, A =< $9, B >= $0, B =< $9 ->
            case is_token(Method) andalso Path =/= <<>> andalso no_ctl(Path) of
                true -> {ok, Method, Path, Version};
                false -> {error, <<"malformed request line">>}
            end;
        _ ->
            {error, <<"malformed request line">>}
    end.

headers([], Acc) ->
    {ok, Acc};
headers([Line | Lines], Acc) ->
    case binary:split(Line, <<":">>) of
        [Name, Value0] ->
            Value = trim(Value0),
            case is_token(Name) andalso no_ctl(Value) of
                true ->
                    Key = lower(Name),
                    Joined = case Acc of
                                 #{Key := Prev} -> <<Prev/binary, ", ", Value/binary>>;
                                 _ -> Value
                             end,
                    headers(Lines, Acc#{Key => Joined});
                false ->
                    {error, <<"malformed header line">>}
            end;
        _ ->
            {error, <<"malformed header line">>}
    end.

%% RFC 9110 token characters; this also rejects whitespace before the
%% colon and obsolete line folding.
is_token(<<>>) ->
    false;
is_token(Bin) ->
    lists:all(fun is_tchar/1, binary_to_list(Bin)).

is_tchar(C) when C >= $a, C =< $z; C >= $A, C =< $Z; C >= $0, C =< $9 -> true;
is_tchar(C) -> lists:member(C, "!#$%&'*+-.^_`|~").

no_ctl(Bin) ->
    not lists:any(fun(C) -> (C < 16#20 andalso C =/= $\t) orelse C =:= 16#7F end,
                  binary_to_list(Bin)).

%% Header values are bytes from the client, not necessarily UTF-8: the
%% string module raises on invalid UTF-8, so trim/1 and lower/1 work byte
%% by byte.
trim(Bin) ->
    trim_trailing(trim_leading(Bin)).

trim_leading(<<C, R/binary>>) when C =:= $\s; C =:= $\t -> trim_leading(R);
trim_leading(Bin) -> Bin.

trim_trailing(<<>>) ->
    <<>>;
trim_trailing(Bin) ->
    case binary:last(Bin) of
        C when C =:= $\s; C =:= $\t ->
            trim_trailing(binary_part(Bin, 0, byte_size(Bin) - 1));
        _ ->
            Bin
    end.

lower(Bin) ->
    << <<(case C >= $A andalso C =< $Z of true -> C + 32; false -> C end)>>
       || <<C>> <= Bin >>.

%% The agent's checks, in order: no browser origin, a loopback Host, the
%% token, then a well-formed WebSocket upgrade (check_upgrade/1). An
%% unauthenticated client thus learns nothing about the rest.
-spec check_request(request(), #{token := binary(), loopback := boolean(), atom() => term()}) ->
          {ok, ClientKey :: binary()} | {error, 400 | 401 | 403 | 405 | 426, binary()}.
check_request(#{headers := Headers} = Request, #{token := Token, loopback := Loopback}) ->
    case Headers of
        #{<<"origin">> := _} ->
            {error, 403, <<"requests from web pages (with an Origin header) are refused">>};
        #{<<"host">> := Host} ->
            case not Loopback orelse loopback_host(Host) of
                false -> {error, 403, <<"Host must be a loopback name or address">>};
                true -> check_token(Request, Token)
            end;
        _ ->
            {error, 400, <<"missing Host header">>}
    end.

check_token(#{headers := Headers} = Request, Token) ->
    Presented = bearer_token(maps:get(<<"authorization">>, Headers, <<>>)),
    case Presented =/= <<>> andalso token_equal(Presented, Token) of
        true -> check_upgrade(Request);
        false -> {error, 401, <<"missing or wrong token (send Authorization: Bearer <token>)">>}
    end.

%% The token of `Bearer <token>' (scheme in any case, spaces and tabs
%% around the token ignored), or <<>> for any other value.
bearer_token(<<Scheme:6/binary, " ", Token/binary>>) ->
    case lower(Scheme) of
        <<"bearer">> -> trim(Token);
        _ -> <<>>
    end;
bearer_token(_) ->
    <<>>.

%% Constant time whatever the lengths: compare fixed-size digests.
token_equal(A, B) ->
    crypto:hash_equals(crypto:hash(sha256, A), crypto:hash(sha256, B)).

loopback_host(Host) ->
    Name = host_without_port(lower(Host)),
    case Name of
        <<"localhost">> -> true;
        <<"::1">> -> true;
        _ ->
            case inet:parse_ipv4strict_address(binary_to_list(Name)) of
                {ok, {127, _, _, _}} -> true;
                _ -> false
            end
    end.

host_without_port(<<"[", Rest/binary>> = Host) ->
    %% "[::1]" or "[::1]:port", nothing else after the bracket.
    case binary:split(Rest, <<"]">>) of
        [Address, <<>>] -> Address;
        [Address, <<":", Port/binary>>] when Port =/= <<>> ->
            case lists:all(fun(C) -> C >= $0 andalso C =< $9 end, binary_to_list(Port)) of
                true -> Address;
                false -> Host
            end;
        _ -> Host
    end;
host_without_port(Host) ->
    case binary:split(Host, <<":">>, [global]) of
        [Name, _Port] -> Name;
        [Name] -> Name;
        _ -> Host   %% a bare IPv6 address without brackets
    end.

-spec check_upgrade(request()) ->
          {ok, ClientKey :: binary()} | {error, 400 | 405 | 426, binary()}.
check_upgrade(#{method := Method, version := Version, headers := Headers}) ->
    Header = fun(Name) -> maps:get(Name, Headers, <<>>) end,
    Key = Header(<<"sec-websocket-key">>),
    %% In RFC 6455 section 4.2.1 order, so the first failure is reported.
    Checks =
        [{Method =:= <<"GET">>, 405,
          <<"method not allowed: WebSocket upgrade requires GET">>},
         %% parse_request/2 fixed the shape to HTTP/D.D, so byte order is
         %% version order.
         {Version >= <<"HTTP/1.1">>, 400,
          <<"WebSocket upgrade requires HTTP/1.1">>},
         {has_token(Header(<<"upgrade">>), <<"websocket">>), 426,
          <<"not a WebSocket upgrade request">>},
         {has_token(Header(<<"connection">>), <<"upgrade">>), 400,
          <<"Connection header must include Upgrade">>},
         {Header(<<"sec-websocket-version">>) =:= <<"13">>, 426,
          <<"unsupported WebSocket version: only 13 is supported">>},
         {valid_key(Key), 400,
          <<"missing or invalid Sec-WebSocket-Key">>}],
    case [{Status, Reason} || {false, Status, Reason} <- Checks] of
        [] -> {ok, Key};
        [{Status, Reason} | _] -> {error, Status, Reason}
    end.

has_token(Value, Token) ->
    lists:member(Token, [lower(trim(T)) || T <- binary:split(Value, <<",">>, [global])]).

%% The key is 16 random bytes in base64: exactly 24 chars, padded. Both
%% checks are needed because base64:decode/1 skips embedded whitespace.
valid_key(Key) when byte_size(Key) =:= 24 ->
    try base64:decode(Key) of
        Raw -> byte_size(Raw) =:= 16
    catch
        _:_ -> false
    end;
valid_key(_) ->
    false.

-spec accept_key(binary()) -> binary().
accept_key(ClientKey) ->
    base64:encode(crypto:hash(sha, [ClientKey, ?GUID])).

%% crypto is a NIF library: it can be absent (minimal releases) or fail to
%% load (missing libcrypto), in which case accept_key/1 would crash at the
%% first connection. Checking once at startup gives a clear error instead.
-spec crypto_available() -> boolean().
crypto_available() ->
    try crypto:hash(sha, <<>>) of
        Digest -> byte_size(Digest) =:= 20
    catch
        _:_ -> false
    end.

-spec handshake_response(binary()) -> iodata().
handshake_response(ClientKey) ->
    [<<"HTTP/1.1 101 Switching Protocols\r\n"
       "Upgrade: websocket\r\n"
       "Connection: Upgrade\r\n"
       "Sec-WebSocket-Accept: ">>, accept_key(ClientKey), <<"\r\n\r\n">>].

-spec http_error(integer(), binary()) -> iodata().
http_error(Status, Message) ->
    Body = [Message, $\n],
    [<<"HTTP/1.1 ">>, integer_to_binary(Status), $\s, reason_phrase(Status),
     <<"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ">>,
     integer_to_binary(iolist_size(Body)),
     <<"\r\nConnection: close\r\n">>,
     extra_headers(Status),
     <<"\r\n">>, Body].

reason_phrase(400) -> <<"Bad Request">>;
reason_phrase(401) -> <<"Unauthorized">>;
reason_phrase(403) -> <<"Forbidden">>;
reason_phrase(404) -> <<"Not Found">>;
reason_phrase(405) -> <<"Method Not Allowed">>;
reason_phrase(408) -> <<"Request Timeout">>;
reason_phrase(413) -> <<"Content Too Large">>;
reason_phrase(426) -> <<"Upgrade Required">>;
reason_phrase(429) -> <<"Too Many Requests">>;
reason_phrase(503) -> <<"Service Unavailable">>;
reason_phrase(_) -> <<"Error">>.

extra_headers(426) -> <<"Sec-WebSocket-Version: 13\r\n">>;
extra_headers(401) -> <<"WWW-Authenticate: Bearer\r\n">>;
extra_headers(405) -> <<"Allow: GET\r\n">>;
extra_headers(_) -> <<>>.

%%% ------------------------------------------------------------------
%%% Frames
%%% ------------------------------------------------------------------

-spec decode_frame(binary(), non_neg_integer()) ->
          more | {ok, frame(), Rest :: binary()} | {error, 1002 | 1009, binary()}.
decode_frame(<<Fin:1, Rsv:3, Op:4, Masked:1, Len7:7, Rest/binary>>, MaxPayload) ->
    Opcode = opcode(Op),
    IsControl = Op >= 8,
    if
        Rsv =/= 0 -> {error, 1002, <<"reserved bits set">>};
        Opcode =:= undefined -> {error, 1002, <<"unknown opcode">>};
        IsControl, Fin =:= 0 -> {error, 1002, <<"fragmented control frame">>};
        IsControl, Len7 > 125 -> {error, 1002, <<"control frame payload too long">>};
        Masked =:= 0 -> {error, 1002, <<"client frames must be masked">>};
        true -> decode_length(Len7, Rest, #{fin => Fin =:= 1, opcode => Opcode},
                              MaxPayload)
    end;
decode_frame(_, _) ->
    more.

decode_length(126, <<Len:16, Rest/binary>>, Frame, Max) ->
    decode_payload(Len, Rest, Frame, Max);
decode_length(127, <<0:1, Len:63, Rest/binary>>, Frame, Max) ->
    decode_payload(Len, Rest, Frame, Max);
decode_length(127, <<1:1, _:63, _/binary>>, _, _) ->
    {error, 1002, <<"invalid 64-bit payload length">>};
decode_length(Len7, Rest, Frame, Max) when Len7 < 126 ->
    decode_payload(Len7, Rest, Frame, Max);
decode_length(_, _, _, _) ->
    more.

%% The size check comes before waiting for the payload, so a peer cannot
%% make us buffer a huge frame just by announcing it.
decode_payload(Len, _, _, Max) when Len > Max ->
    {error, 1009, <<"message too big">>};
decode_payload(Len, Bin, Frame, _) ->
    case Bin of
        <<Key:4/binary, Payload:Len/binary, Rest/binary>> ->
            {ok, Frame#{payload => unmask(Payload, Key)}, Rest};
        _ ->
            more
    end.

opcode(0) -> continuation;
opcode(1) -> text;
opcode(2) -> binary;
opcode(8) -> close;
opcode(9) -> ping;
opcode(10) -> pong;
opcode(_) -> undefined.

op_code(text) -> 1;
op_code(binary) -> 2;
op_code(close) -> 8;
op_code(ping) -> 9;
op_code(pong) -> 10.

%% XOR a 32-bit word at a time: a binary comprehension over words is far
%% cheaper than one over bytes, and 32-bit values stay small integers.
unmask(Payload, <<K:32>> = Key) ->
    Whole = byte_size(Payload) - byte_size(Payload) rem 4,
    <<Body:Whole/binary, Tail/binary>> = Payload,
    TailBits = bit_size(Tail),
    <<KTail:TailBits, _/bits>> = Key,
    <<T:TailBits>> = Tail,
    << << <<(W bxor K):32>> || <<W:32>> <= Body >>/binary,
       (T bxor KTail):TailBits >>.

%% Control frames over 125 bytes would be rejected by every peer, so
%% building one is a bug in the caller and crashes here.
-spec encode_frame(text | binary | close | ping | pong, iodata()) -> iodata().
encode_frame(Opcode, Payload) ->
    Len = iolist_size(Payload),
    Op = op_code(Opcode),
    case Op >= 8 andalso Len > 125 of
        true -> error({badarg, {control_frame_too_long, Opcode, Len}});
        false -> ok
    end,
    LenBits = if
                  Len < 126 -> <<Len:7>>;
                  Len < 16#10000 -> <<126:7, Len:16>>;
                  true -> <<127:7, Len:64>>
              end,
    [<<1:1, 0:3, Op:4, 0:1, LenBits/bits>>, Payload].

-spec encode_close(0..65535, binary()) -> iodata().
encode_close(Code, Reason) ->
    encode_frame(close, [<<Code:16>>, truncate_utf8(Reason, 123)]).

%% Cut at Max bytes, then back off over continuation bytes (2#10xxxxxx) so
%% a multi-byte character is never split.
truncate_utf8(Bin, Max) when byte_size(Bin) =< Max ->
    Bin;
truncate_utf8(Bin, Max) ->
    truncate_at(Bin, Max).

truncate_at(Bin, 0) ->
    binary_part(Bin, 0, 0);
truncate_at(Bin, N) ->
    case binary:at(Bin, N) of
        C when C band 16#C0 =:= 16#80 -> truncate_at(Bin, N - 1);
        _ -> binary_part(Bin, 0, N)
    end.

-spec parse_close_payload(binary()) ->
          {ok, 1000..4999 | none, binary()} | {error, 1002 | 1007, binary()}.
parse_close_payload(<<>>) ->
    {ok, none, <<>>};
parse_close_payload(<<Code:16, Reason/binary>>) ->
    case valid_close_code(Code) of
        false -> {error, 1002, <<"invalid close code">>};
        true ->
            case valid_utf8(Reason) of
                true -> {ok, Code, Reason};
                false -> {error, 1007, <<"close reason is not valid UTF-8">>}
            end
    end;
parse_close_payload(_) ->
    {error, 1002, <<"close payload of 1 byte">>}.

%% 1004-1006 and 1015 are reserved for local use and must never be sent;
%% 1016-2999 are unassigned; 3000-4999 belong to libraries/applications.
valid_close_code(Code) when Code >= 1000, Code =< 1003 -> true;
valid_close_code(Code) when Code >= 1007, Code =< 1014 -> true;
valid_close_code(Code) when Code >= 3000, Code =< 4999 -> true;
valid_close_code(_) -> false.

%% The unicode BIF runs in C and in linear time; it returns the input
%% unchanged only when every byte is valid UTF-8 (no surrogates, no
%% overlong forms).
valid_utf8(Bin) ->
    is_binary(unicode:characters_to_binary(Bin, utf8, utf8)).

%%% ------------------------------------------------------------------
%%% Message assembly
%%% ------------------------------------------------------------------

-spec new_assembler(pos_integer()) -> assembler().
new_assembler(MaxMessage) when is_integer(MaxMessage), MaxMessage > 0 ->
    #asm{max = MaxMessage}.

-spec assemble(frame(), assembler()) ->
          {message, text | binary, binary(), assembler()}
        | {control, close | ping | pong, binary(), assembler()}
        | {more, assembler()}
        | close_error().
assemble(#{opcode := Op, payload := Payload}, Asm)
  when Op =:= close; Op =:= ping; Op =:= pong ->
    {control, Op, Payload, Asm};
assemble(#{opcode := continuation}, #asm{opcode = none}) ->
    {error, 1002, <<"continuation frame without a message in progress">>};
assemble(#{opcode := continuation, fin := Fin, payload := Payload}, Asm) ->
    append(Fin, Payload, Asm);
assemble(#{opcode := Op, fin := Fin, payload := Payload}, #asm{opcode = none} = Asm) ->
    append(Fin, Payload, Asm#asm{opcode = Op});
assemble(#{}, #asm{}) ->
    {error, 1002, <<"new data frame while a fragmented message is in progress">>}.

append(Fin, Payload, #asm{max = Max, size = Size, parts = Parts} = Asm) ->
    NewSize = Size + byte_size(Payload),
    if
        NewSize > Max ->
            {error, 1009, <<"message too big">>};
        not Fin ->
            {more, Asm#asm{size = NewSize, parts = [Payload | Parts]}};
        true ->
            Message = case Parts of
                          [] -> Payload;
                          _ -> iolist_to_binary(lists:reverse(Parts, [Payload]))
                      end,
            finish(Asm#asm.opcode, Message, Asm#asm{opcode = none, size = 0, parts = []})
    end.

finish(text, Message, Asm) ->
    case valid_utf8(Message) of
        true -> {message, text, Message, Asm};
        false -> {error, 1007, <<"text message is not valid UTF-8">>}
    end;
finish(binary, Message, Asm) ->
    {message, binary, Message, Asm}.
