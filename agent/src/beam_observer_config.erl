%%% Validated agent configuration and the limits that protect the node.
%%%
%%% Options come from start/1 (a user or the extension), so they are checked
%%% here once; every other module reads the resulting map through current/0 and value/1.
-module(beam_observer_config).

-export([normalise/1, current/0, value/1, limits/0, loopback/1]).

-type config() :: #{port := inet:port_number(),
                    bind := inet:ip_address(),
                    token := binary(),
                    interval_ms := pos_integer(),
                    discovery := boolean(),
                    listen := boolean(),
                    loopback := boolean()}.
-export_type([config/0]).

%% Limits are fixed, documented in docs/protocol.md; `initialize' reports
%% those a client must respect. Messages that state a limit are built from
%% these figures, so a figure changes in one place.
-spec limits() -> #{atom() => number() | {number(), number()}}.
limits() ->
    #{max_frame_bytes => 1024 * 1024,     %% a request never needs more
      max_clients => 8,                   %% authenticated clients beyond this get HTTP 503
      max_pending_handshakes => 32,       %% unauthenticated sockets beyond this get HTTP 503
      max_inflight => 8,                  %% concurrent requests per connection
      rate_per_second => 100,             %% sustained requests per connection
      rate_burst => 200,
      request_timeout_ms => 60000,        %% a request still running then is killed
      max_load_subscriptions => 32,       %% load samplers per connection, one per node
      max_cluster_members => 256,         %% members of one cluster/subscribe
      handshake_timeout_ms => 5000,       %% slowloris protection
      max_request_head_bytes => 8192,
      max_list_limit => 1000,             %% rows in processes/list
      max_filter_bytes => 200,            %% processes/list filter
      max_mailbox_peek => 10000,          %% queue length above which a peek is refused
      max_messages_returned => 100,
      state_timeout_ms => 5000,           %% default for process/state
      max_state_timeout_ms => 30000,
      max_state_bytes => 256 * 1024,      %% formatted state text is cut here
      remote_call_timeout_ms => 15000,    %% a request run in another node of the cluster
      min_interval_ms => 100,
      max_interval_ms => 60000,
      %% The recorder (issue 14): defaults, then the bounds history/configure accepts.
      history_window_s => 600,
      history_top_n => 20,
      history_interval_ms => 1000,
      max_history_bytes => 8 * 1024 * 1024,
      history_window_s_range => {60, 3600},
      history_top_n_range => {1, 100},
      history_interval_ms_range => {1000, 60000},
      history_bytes_range => {64 * 1024, 8 * 1024 * 1024},
      %% The budget for observing (issue 17): the agent's periodic work, as a
      %% share of one scheduler; budget/set accepts this range.
      budget_share => 0.02,
      budget_share_range => {0.001, 0.5}}.

-spec normalise(map()) -> {ok, config()} | {error, binary()}.
normalise(Opts) ->
    try
        Bind = bind(maps:get(bind, Opts, {127, 0, 0, 1})),
        Config = #{port => port(maps:get(port, Opts, 0)),
                   bind => Bind,
                   token => token(maps:get(token, Opts, undefined)),
                   interval_ms => interval(maps:get(interval_ms, Opts, 1000)),
                   discovery => boolean(discovery, maps:get(discovery, Opts, true)),
                   listen => boolean(listen, maps:get(listen, Opts, true)),
                   loopback => loopback(Bind)},
        {ok, Config}
    catch
        throw:{bad_option, Message} -> {error, Message}
    end.

%% The running agent's configuration (set by beam_observer_agent:start/1).
-spec current() -> config().
current() ->
    beam_observer_registry:config().

-spec value(atom()) -> term().
value(Key) -> maps:get(Key, current()).

port(P) when is_integer(P), P >= 0, P =< 65535 -> P;
port(_) -> throw({bad_option, <<"port must be an integer from 0 to 65535">>}).

bind(Address) when is_tuple(Address) ->
    case inet:ntoa(Address) of
        {error, _} -> throw({bad_option, <<"bind must be an IP address">>});
        _ -> Address
    end;
bind(Text) when is_list(Text); is_binary(Text) ->
    case inet:parse_address(unicode:characters_to_list(Text)) of
        {ok, Address} -> Address;
        {error, _} -> throw({bad_option, <<"bind must be an IP address such as \"127.0.0.1\"">>})
    end;
bind(_) -> throw({bad_option, <<"bind must be an IP address">>}).

token(undefined) ->
    base64url(crypto:strong_rand_bytes(32));
token(Text) when is_list(Text) -> token(unicode:characters_to_binary(Text));
token(Token) when is_binary(Token), byte_size(Token) >= 16, byte_size(Token) =< 256 -> Token;
token(_) -> throw({bad_option, <<"token must be a string of 16 to 256 bytes">>}).

interval(Ms) ->
    #{min_interval_ms := Min, max_interval_ms := Max} = limits(),
    case is_integer(Ms) andalso Ms >= Min andalso Ms =< Max of
        true -> Ms;
        false -> throw({bad_option, <<"interval_ms must be an integer from ", (integer_to_binary(Min))/binary,
                                      " to ", (integer_to_binary(Max))/binary>>})
    end.

boolean(_, B) when is_boolean(B) -> B;
boolean(Name, _) ->
    throw({bad_option, <<(atom_to_binary(Name))/binary, " must be true or false">>}).

-spec loopback(inet:ip_address()) -> boolean().
loopback({127, _, _, _}) -> true;
loopback({0, 0, 0, 0, 0, 0, 0, 1}) -> true;
loopback(_) -> false.

%% URL-safe base64 without padding: safe in headers, URLs and file names.
base64url(Bytes) ->
    << <<(url_char(C))>> || <<C>> <= base64:encode(Bytes), C =/= $= >>.

url_char($+) -> $-;
url_char($/) -> $_;
url_char(C) -> C.
