// The page-facing API of one runtime without peers (docs/browser-api.md): handle values and
// change events, write results, errors as FabricError without side effects, listeners that
// throw, and option validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, within } from './lib/harness.mjs';
import { FabricError } from '../../web/src/runtime.js';

test('handles read, write and report changes', async (t) => {
  const fabric = await startNode({ programId: 'api-test' });
  t.after(() => fabric.stop());
  await within(1_000, 'ready without peers', fabric.ready);
  assert.equal(fabric.sovereignty, 'citizen');
  assert.equal(fabric.topic, 'fabric/api-test/sync');
  assert.match(fabric.replicaId, /^[0-9a-f]{16}$/);
  assert.equal(fabric.status().state, 'offline');

  const list = fabric.list('todo');
  assert.deepEqual(list.values(), []);
  const changes = [];
  const unsubscribe = list.on('change', (value) => changes.push(value));
  const result = await within(5_000, 'list write', list.push('a'));
  assert.equal(result.ok, true);
  assert.equal(result.write.origin, fabric.replicaId);
  assert.equal(result.write.seq, 1);
  await list.insert(0, 'b');
  assert.deepEqual(list.values(), ['b', 'a']);
  assert.deepEqual(changes, [['a'], ['b', 'a']]);
  unsubscribe();
  await list.erase(0);
  assert.equal(changes.length, 2, 'no change after unsubscribing');
  assert.deepEqual(list.values(), ['a']);

  const map = fabric.map('m');
  await map.set('k', 1);
  assert.equal(map.get('k'), '1');
  assert.deepEqual(map.entries(), [['k', '1']]);
  const set = fabric.set('s');
  await set.add('x');
  assert.equal(set.has('x'), true);
  const text = fabric.text('t');
  await text.insert(0, 'héllo');
  await text.erase(1, 1);
  assert.equal(text.value(), 'hllo');

  assert.deepEqual(fabric.objects().map((o) => o.name).sort(), ['m', 's', 't', 'todo']);
  assert.deepEqual(fabric.state().objects.m, { kind: 'map', policy: 'local', value: { k: '1' } });
});

test('invalid writes throw FabricError and change nothing', async (t) => {
  const fabric = await startNode({ programId: 'api-test' });
  t.after(() => fabric.stop());
  const list = fabric.list('l');
  await list.push('only');
  assert.throws(() => list.erase(5, 1), (err) => err instanceof FabricError && err.code === 'invalid input');
  assert.throws(() => list.insert(-1, 'x'), RangeError);
  assert.deepEqual(list.values(), ['only']);
  // The same name as another kind.
  assert.throws(() => fabric.counter('l'), FabricError);
  assert.throws(() => fabric.counter('/bad name/'), FabricError);
  assert.throws(() => fabric.counter('c').increment(1.5), RangeError);
});

test('a listener that throws does not stop the runtime', async (t) => {
  const fabric = await startNode({ programId: 'api-test' });
  t.after(() => fabric.stop());
  const counter = fabric.counter('c');
  const seen = [];
  const originalError = console.error;
  console.error = () => {};
  t.after(() => {
    console.error = originalError;
  });
  counter.on('change', () => {
    throw new Error('listener bug');
  });
  counter.on('change', (value) => seen.push(value));
  await counter.increment(2);
  await counter.increment(3);
  assert.deepEqual(seen, [2, 5]);
  assert.equal(fabric.metrics().listenerErrors, 2);
});

test('bad options are refused before anything starts', async () => {
  await assert.rejects(startNode({ programId: 'has space' }), FabricError);
  await assert.rejects(startNode({}), TypeError);
  await assert.rejects(startNode({ programId: 'ok', sovereignty: 'king' }), TypeError);
  await assert.rejects(startNode({ programId: 'ok', bootstrap: 'not a multiaddr' }));
  await assert.rejects(startNode({ programId: 'ok', storage: { loadIdentity() {} } }), TypeError);
});

test('advertised addresses are made dialable from the page host', async () => {
  const { dialableAddr } = await import('../../web/src/runtime.js');
  const id = '/ws/p2p/12D3KooWExample';
  assert.equal(dialableAddr(`/ip4/0.0.0.0/tcp/7072${id}`, 'localhost'), `/ip4/127.0.0.1/tcp/7072${id}`);
  assert.equal(dialableAddr(`/ip4/0.0.0.0/tcp/7072${id}`, '192.168.1.20'), `/ip4/192.168.1.20/tcp/7072${id}`);
  assert.equal(dialableAddr(`/ip4/127.0.0.1/tcp/7072${id}`, '192.168.1.20'), `/ip4/192.168.1.20/tcp/7072${id}`);
  assert.equal(dialableAddr(`/ip4/127.0.0.1/tcp/7072${id}`, '127.0.0.1'), `/ip4/127.0.0.1/tcp/7072${id}`);
  assert.equal(dialableAddr(`/ip4/0.0.0.0/tcp/7072${id}`, 'node.example'), `/dns4/node.example/tcp/7072${id}`);
  assert.equal(dialableAddr(`/ip4/10.0.0.5/tcp/7072${id}`, 'node.example'), `/ip4/10.0.0.5/tcp/7072${id}`);
});
