/** Assertions on the agent's JSON-RPC errors, as the extension's client reports them. */
import assert from 'node:assert/strict';
import { agentErrorCode } from '../../extension/src/agent/agentClient';

/** `promise` rejects with the agent error `code`, its message matching `messagePattern` when given. */
export async function rejectsWithCode(promise: Promise<unknown>, code: number, messagePattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(agentErrorCode(error), code, `expected error ${code}, got ${agentErrorCode(error)}: ${error.message}`);
    if (messagePattern) assert.match(error.message, messagePattern);
    return true;
  });
}
