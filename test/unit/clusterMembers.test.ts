import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterMember, mergeListing } from '../../extension/src/nodes/clusterMembers';

const states = (members: Map<string, ClusterMember>) =>
  Object.fromEntries([...members.values()].map((m) => [m.name, m.goneAt === undefined ? m.state : `${m.state}@${m.goneAt}`]));

describe('cluster members', () => {
  it('adds listed nodes, keeps a node that left as gone with the time it left, and brings it back', () => {
    const members = new Map<string, ClusterMember>();
    assert.equal(
      mergeListing(
        members,
        [
          { name: 'b@h', hidden: false },
          { name: 'sh@h', hidden: true },
        ],
        1,
      ),
      true,
    );
    assert.deepEqual(states(members), { 'b@h': 'up', 'sh@h': 'up' });
    assert.equal(members.get('sh@h')!.hidden, true);
    assert.equal(
      mergeListing(
        members,
        [
          { name: 'b@h', hidden: false },
          { name: 'sh@h', hidden: true },
        ],
        2,
      ),
      false,
      'nothing changed',
    );

    members.get('b@h')!.subscribed = true;
    assert.equal(mergeListing(members, [{ name: 'sh@h', hidden: true }], 3), true);
    assert.deepEqual(states(members), { 'b@h': 'gone@3', 'sh@h': 'up' });
    assert.equal(members.get('b@h')!.subscribed, false, 'a gone node has no subscription');
    assert.equal(mergeListing(members, [{ name: 'sh@h', hidden: true }], 4), false);
    assert.equal(members.get('b@h')!.goneAt, 3, 'it left at 3, not at every poll since');

    const history = members.get('b@h')!.history;
    assert.equal(
      mergeListing(
        members,
        [
          { name: 'b@h', hidden: false },
          { name: 'sh@h', hidden: true },
        ],
        5,
      ),
      true,
    );
    assert.deepEqual(states(members), { 'b@h': 'up', 'sh@h': 'up' });
    assert.equal(members.get('b@h')!.history, history, 'a node that comes back keeps its recorded samples');
  });
});
