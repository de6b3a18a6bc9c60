// Two (and three) runtimes over real js-libp2p WebSocket connections on loopback: one
// listens like the native node does, the other dials it as a page would. Changes on either
// side reach the other; a restarted peer is redialled and caught up; a peer sending garbage
// on /fabric/1.0.0 is dropped without harming anyone else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startNode, waitFor, within } from './lib/harness.mjs';
import { memoryStorage } from '../../web/src/storage.js';
import { FABRIC_PROTOCOL } from '../../web/src/runtime.js';
import { encodeFrame, encodeVarint } from '../../web/src/frames.js';

const PROGRAM = 'mesh-test';

async function pair(t, { port = 0, serverStorage = memoryStorage() } = {}) {
  const server = await startNode({ programId: PROGRAM, sovereignty: 'authority', storage: serverStorage, listen: [`/ip4/127.0.0.1/tcp/${port}/ws`] });
  t.after(() => server.stop());
  const addr = server.addrs().find((a) => a.includes('/ws'));
  assert.ok(addr, `server listens on ws: ${server.addrs()}`);
  const client = await startNode({ programId: PROGRAM, bootstrap: addr });
  t.after(() => client.stop());
  await within(15_000, 'client ready (hello accepted)', client.ready);
  await waitFor('both see each other', () =>
    client.peers().some((p) => p.peerId === server.peerId) && server.peers().some((p) => p.peerId === client.peerId));
  return { server, client, addr };
}

test('a change on either side is seen on the other, for every object kind', async (t) => {
  const { server, client } = await pair(t);
  const seen = [];
  client.counter('clicks').on('change', (value) => seen.push(value));

  await server.counter('clicks').increment(3);
  await waitFor('client counter = 3', () => client.counter('clicks').value() === 3);
  assert.ok(seen.includes(3), `change listener saw ${JSON.stringify(seen)}`);

  await client.counter('clicks').increment(-1);
  await waitFor('server counter = 2', () => server.counter('clicks').value() === 2);

  await client.set('tags').add('red');
  await server.set('tags').add('blue');
  await waitFor('sets converge', () =>
    JSON.stringify(server.set('tags').values()) === '["blue","red"]' &&
    JSON.stringify(client.set('tags').values()) === '["blue","red"]');

  await client.map('settings').put('theme', 'dark');
  await waitFor('server map', () => server.map('settings').get('theme') === 'dark');
  await server.map('settings').delete('theme');
  await waitFor('client map delete', () => client.map('settings').get('theme') === undefined);

  await client.list('todo').insert(0, 'write tests');
  await waitFor('server list', () => server.list('todo').values()[0] === 'write tests');

  await server.text('doc').insert(0, 'hello');
  await waitFor('client text', () => client.text('doc').value() === 'hello');
  await client.text('doc').insert(5, ' world');
  await waitFor('server text', () => server.text('doc').value() === 'hello world');

  assert.deepEqual(client.state().objects.clicks.value, 2);
  const serverView = client.peers().find((p) => p.peerId === server.peerId);
  assert.equal(serverView.sovereignty, 'authority');
  assert.equal(serverView.stale, false);
  await waitFor('rtt measured', () => typeof client.peers()[0]?.rttMs === 'number');
});

test('a dropped connection is redialled and the peers catch up', async (t) => {
  const port = await freePort();
  const serverStorage = memoryStorage();
  const { server, client } = await pair(t, { port, serverStorage });
  await client.counter('n').increment(1);
  await waitFor('server has 1', () => server.counter('n').value() === 1);

  await server.stop();
  await waitFor('client sees the server leave', () => client.peers().length === 0);
  // Written while disconnected: must reach the server after the reconnect (anti-entropy).
  await client.counter('n').increment(10);

  const restarted = await startNode({ programId: PROGRAM, sovereignty: 'authority', storage: serverStorage, listen: [`/ip4/127.0.0.1/tcp/${port}/ws`] });
  t.after(() => restarted.stop());
  assert.equal(restarted.peerId, server.peerId, 'same identity from the same storage');
  assert.equal(restarted.counter('n').value(), 1, 'server recovered its journal');
  await waitFor('client redialled the restarted server', () => client.peers().some((p) => p.peerId === restarted.peerId), 20_000);
  await waitFor('server caught up with the offline write', () => restarted.counter('n').value() === 11, 20_000);
  await restarted.counter('n').increment(100);
  await waitFor('client sees the new write', () => client.counter('n').value() === 111);
});

test('garbage on the sync topic and on /fabric/1.0.0 harms nobody else', async (t) => {
  const { server, client, addr } = await pair(t);
  const rogue = await startNode({ programId: PROGRAM });
  t.after(() => rogue.stop());
  await rogue.dial(addr);
  await waitFor('rogue connected', () => server.peers().some((p) => p.peerId === rogue.peerId));
  const conn = rogue.libp2p.getConnections().find((c) => c.remotePeer.toString() === server.peerId);
  // Junk on the sync topic (validly signed GossipSub messages, not SyncMessages).
  await waitFor('rogue knows the server subscribes', () =>
    rogue.libp2p.services.pubsub.getSubscribers(rogue.topic).some((p) => p.toString() === server.peerId));
  await rogue.libp2p.services.pubsub.publish(rogue.topic, new TextEncoder().encode('not a SyncMessage'));
  await waitFor('server received the junk message', () => server.metrics().gossipIn >= 1, 10_000);
  await waitFor('server rejected the junk message', () => server.metrics().rejectedInputs >= 1, 10_000);
  // A well-framed DirectMessage of junk on a second /fabric/1.0.0 stream.
  const rejectedBefore = server.metrics().rejectedInputs;
  const junk = await conn.newStream(FABRIC_PROTOCOL);
  junk.send(encodeFrame(Uint8Array.from([0xff, 0xff, 0xff, 0x01, 0x02])));
  await waitFor('server rejected the junk frame', () => server.metrics().rejectedInputs > rejectedBefore, 10_000);
  // A third stream whose first frame announces 1 GiB (the limit is 4 MiB).
  const oversize = await conn.newStream(FABRIC_PROTOCOL);
  oversize.send(encodeVarint(1 << 30));
  await waitFor('server dropped the rogue', () => server.metrics().frameErrors >= 1, 10_000);

  await client.counter('after').increment(4);
  await waitFor('sync still works', () => server.counter('after').value() === 4);
});

test('a burst of writes converges on both sides', async (t) => {
  const { server, client } = await pair(t);
  const writes = [];
  for (let i = 0; i < 500; i++) {
    writes.push(client.counter('burst').increment(1));
    if (i % 5 === 0) writes.push(server.list('log').push(`s${i}`));
  }
  await within(30_000, 'all writes complete', Promise.all(writes));
  await waitFor('server counter = 500', () => server.counter('burst').value() === 500, 30_000);
  await waitFor('client list has 100 items', () => client.list('log').values().length === 100, 30_000);
  assert.deepEqual(client.list('log').values(), server.list('log').values());
});

test('a node of another program id is disconnected and never listed as a peer', async (t) => {
  const { server, addr } = await pair(t);
  const stranger = await startNode({ programId: 'other-program', bootstrap: addr });
  t.after(() => stranger.stop());
  await waitFor('the stranger dialled at least twice (redial after the disconnect)', () => stranger.metrics().dials >= 2, 15_000);
  assert.equal(server.peers().some((p) => p.peerId === stranger.peerId), false);
  assert.equal(stranger.peers().length, 0);
  await server.counter('still').increment(1);
  assert.equal(server.counter('still').value(), 1);
});
