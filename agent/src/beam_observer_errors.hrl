%%% The JSON-RPC error codes the agent answers with: one macro per code,
%%% named as in ErrorCodes of extension/src/protocol/agentProtocol.ts and
%%% listed in docs/protocol.md ("Errors"). test/unit/agentContract.test.ts
%%% reads this file and fails when the two lists differ in a name or a number.
%%%
%%% It lives beside the sources rather than in an include/ directory: the
%%% extension ships and installs agent/src as it is (the agent shows its own
%%% modules' source in stack frames from there), and erlc finds a header next
%%% to the module that includes it, so those sources compile with no -I.

%% JSON-RPC 2.0's own codes.
-define(ParseError, -32700).
-define(InvalidRequest, -32600).
-define(MethodNotFound, -32601).
-define(InvalidParams, -32602).
-define(InternalError, -32603).

%% The agent's own codes, from -32001.
-define(ProcessNotFound, -32001).
-define(NotOtpProcess, -32002).
-define(Timeout, -32003).
-define(MailboxTooLarge, -32004).
-define(AgentProcess, -32005).
-define(OtherNodePid, -32006).
-define(RateLimited, -32007).
-define(TooManyInflight, -32008).
-define(NodeNotConnected, -32009).
-define(AgentUnavailable, -32010).
-define(HeldByDebugger, -32011).

%% The rest of the node (issue 12): supervisors, ETS tables, process actions.
-define(NotSupervisor, -32020).
-define(TableNotFound, -32021).
-define(TableNotReadable, -32022).
-define(VitalProcess, -32023).
-define(PageTooLarge, -32024).
-define(AgentTable, -32025).
%% Tracing (issue 13): trace/start, trace/stop, calls/*, modules/loaded.
-define(TraceNotFound, -32030).
-define(ModuleNotLoaded, -32031).
-define(FunctionNotFound, -32032).
-define(AlreadyTraced, -32033).
-define(TooManyTraces, -32034).
-define(NotTraceable, -32035).
-define(TraceOnOtherNode, -32036).
%% issue 14: the recorder (-32040..-32049).
-define(HistoryUnavailable, -32040).

%% The budget for observing (issue 17).
-define(BudgetExceeded, -32060).
