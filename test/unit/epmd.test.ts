import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EPMD_PORT, epmdPort, parseNamesReply } from '../../extension/src/attach/epmd';
import { helperArgs, helperEnv, helperOutputTail, needsIpv6, parseReplyLine } from '../../extension/src/attach/distributionHelper';
import { REPLY_MARKER } from '../../extension/src/protocol/attachHelperProtocol';

/** A NAMES_REQ reply as epmd sends it: its port (4 bytes), then text. */
function reply(port: number, text: string): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(port);
  return Buffer.concat([head, Buffer.from(text, 'utf8')]);
}

describe('epmd NAMES reply', () => {
  it("reads epmd's port and every node with its port", () => {
    const parsed = parseNamesReply(reply(4369, 'name app at port 41234\nname rabbit at port 25672\n'));
    assert.equal(parsed.epmdPort, 4369);
    assert.deepEqual(parsed.nodes, [
      { name: 'app', port: 41234 },
      { name: 'rabbit', port: 25672 },
    ]);
  });

  it('accepts an empty list and skips lines that are not node entries', () => {
    assert.deepEqual(parseNamesReply(reply(4369, '')).nodes, []);
    const parsed = parseNamesReply(reply(5000, 'garbage\nname ok_1 at port 1\r\nname  at port 2\nname x at port\n'));
    assert.equal(parsed.epmdPort, 5000);
    assert.deepEqual(parsed.nodes, [{ name: 'ok_1', port: 1 }]);
  });

  it("refuses a reply too short to hold epmd's port", () => {
    assert.throws(() => parseNamesReply(Buffer.from([0, 0])), /expected at least 4/);
  });

  it('uses ERL_EPMD_PORT like erl does', () => {
    assert.equal(epmdPort({}), EPMD_PORT);
    assert.equal(epmdPort({ ERL_EPMD_PORT: '4400' }), 4400);
    assert.equal(epmdPort({ ERL_EPMD_PORT: 'x' }), EPMD_PORT);
  });
});

describe('attach helper plumbing', () => {
  it('reads only marked reply lines', () => {
    assert.deepEqual(parseReplyLine(`${REPLY_MARKER}{"ok":true,"port":1}`), { ok: true, port: 1 });
    assert.equal(parseReplyLine('{"ok":true}'), undefined, 'unmarked output is ignored');
    assert.equal(parseReplyLine(`${REPLY_MARKER}not json`), undefined);
    assert.equal(parseReplyLine(`${REPLY_MARKER}[1]`), undefined);
  });

  it("keeps secrets and user flags off the helper's command line and environment", () => {
    const args = helperArgs('/x/ebin');
    assert.ok(args.includes('-hidden') && args.includes('-noshell'));
    assert.deepEqual(args.slice(args.indexOf('-run')), ['-run', 'beam_observer_attach', 'main']);
    assert.equal(args[args.indexOf('-pa') + 1], '/x/ebin');
    const env = helperEnv({ ERL_AFLAGS: '-sname x', ERL_ZFLAGS: '-s y', ERL_FLAGS: 'z', BEAM_OBSERVER_AUTOSTART: '1', HOME: '/h' }, 4400);
    assert.deepEqual(env, { HOME: '/h', ERL_EPMD_PORT: '4400', ERL_CRASH_DUMP_BYTES: '0' });
  });

  it('blanks the cookie out of what the helper printed before it goes into an error message', () => {
    const crash = '{"init terminating in do_boot",{function_clause,[{beam_observer_attach,connect,[\'shop@vm\',"s3cret_cookie"],[]}]}}';
    const tail = helperOutputTail(`${crash}\n`, 's3cret_cookie');
    assert.doesNotMatch(tail, /s3cret_cookie/);
    assert.match(tail, /connect,\['shop@vm',"<cookie>"\]/);
    assert.equal(helperOutputTail('   ', 'x'), '');
    assert.equal(helperOutputTail('a'.repeat(700), undefined).length, 2 + 600, 'the last 600 characters');
  });

  it('uses IPv6 distribution only for an IPv6 address or a name with no IPv4 address', async () => {
    const resolver = (table: Record<string, (4 | 6)[]>) => async (host: string, family: 4 | 6) => {
      if (!(table[host] ?? []).includes(family)) throw new Error('ENOTFOUND');
      return {};
    };
    const lookup = resolver({ 'dual.example': [4, 6], 'v6only.internal': [6], 'v4only.example': [4] });
    assert.equal(await needsIpv6('::1', lookup), true);
    assert.equal(await needsIpv6('fdaa:0:1::3', lookup), true);
    assert.equal(await needsIpv6('127.0.0.1', lookup), false);
    assert.equal(await needsIpv6('v6only.internal', lookup), true);
    assert.equal(await needsIpv6('dual.example', lookup), false, 'an inet6_tcp node on a dual-stack host listens on IPv4 too');
    assert.equal(await needsIpv6('v4only.example', lookup), false);
    assert.equal(await needsIpv6('nowhere.example', lookup), false, 'unresolvable: the default, whose error says so');
    assert.deepEqual(helperArgs('/e', true).slice(5, 8), ['beam_observer_placeholder', '-proto_dist', 'inet6_tcp']);
    assert.ok(!helperArgs('/e').includes('-proto_dist'));
  });
});
