// The journal framing the wasm core exposes (web/bindings/web_journal.cpp over core/journal)
// and the runtime's use of it: what a runtime persists is recovered by the next one on the
// same storage, with the same identity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreFactory, startNode, waitFor, within } from './lib/harness.mjs';
import { memoryStorage } from '../../web/src/storage.js';

const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);
const cat = (a, b) => {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
};

test('records appended to a new journal are recovered in order', async () => {
  const core = await (await coreFactory())();
  const journal = new core.Journal();
  const opened = journal.open(new Uint8Array(0));
  assert.equal(opened.ok, true, opened.error);
  assert.equal(opened.records.length, 0);
  assert.equal(opened.truncate, false);
  let file = opened.append; // the file header of a new journal
  assert.equal(file.byteLength, 16);
  for (let i = 0; i < 50; i++) {
    const appended = journal.append(enc(`record ${i} `.repeat(i * 40)));
    assert.equal(appended.ok, true, appended.error);
    file = cat(file, appended.append);
  }
  const again = new core.Journal().open(file);
  assert.equal(again.ok, true, again.error);
  assert.equal(again.corruptReports, 0);
  assert.deepEqual(again.records.map(dec), Array.from({ length: 50 }, (_, i) => `record ${i} `.repeat(i * 40)));
});

test('a torn tail is cut off and the records before it are kept', async () => {
  const core = await (await coreFactory())();
  const journal = new core.Journal();
  let file = journal.open(new Uint8Array(0)).append;
  for (const text of ['one', 'two', 'three']) file = cat(file, journal.append(enc(text)).append);
  const torn = file.slice(0, file.byteLength - 2);
  const reopened = new core.Journal().open(torn);
  assert.equal(reopened.ok, true, reopened.error);
  assert.deepEqual(reopened.records.map(dec), ['one', 'two']);
  assert.equal(reopened.truncate, true);
  assert.ok(reopened.truncateBytes < torn.byteLength && reopened.truncateBytes > 16);
});

test('bytes that are not a journal are an error value, not a crash', async () => {
  const core = await (await coreFactory())();
  const result = new core.Journal().open(enc('definitely not a journal file, just text'));
  assert.equal(result.ok, false);
  assert.match(result.code, /invalid input|corruption/);
  // The module still works afterwards.
  assert.equal(new core.Journal().open(new Uint8Array(0)).ok, true);
});

test('a restarted runtime keeps its identity and recovers its writes from the journal', async () => {
  const storage = memoryStorage();
  const first = await startNode({ programId: 'journal-test', storage });
  try {
    const counter = first.counter('clicks');
    await within(5_000, 'counter writes', Promise.all([counter.increment(2), counter.increment(5)]));
    first.text('doc').insert(0, 'hello');
    await waitFor('text write persisted', () => first.metrics().journalAppends >= 2);
    assert.equal(counter.value(), 7);
  } finally {
    await first.stop();
  }
  assert.ok(storage.journalBytes().byteLength > 16, 'the journal holds records');

  const second = await startNode({ programId: 'journal-test', storage });
  try {
    assert.equal(second.peerId, first.peerId);
    assert.equal(second.counter('clicks').value(), 7);
    assert.equal(second.text('doc').value(), 'hello');
    // New writes continue the sequence instead of reusing numbers.
    await within(5_000, 'write after restart', second.counter('clicks').increment(1));
    assert.equal(second.counter('clicks').value(), 8);
  } finally {
    await second.stop();
  }
});

test('an ephemeral runtime writes no journal', async () => {
  const storage = memoryStorage();
  const node = await startNode({ programId: 'journal-test', storage, sovereignty: 'ephemeral' });
  try {
    await within(5_000, 'ephemeral write', node.counter('c').increment(3));
    assert.equal(node.counter('c').value(), 3);
    assert.equal(storage.journalBytes().byteLength, 0);
  } finally {
    await node.stop();
  }
});

// Own writes are published before OPFS flushes them, so a start that follows no clean stop
// writes as a fresh replica (docs/fabric.md "Replica sessions"); a clean stop keeps it.
test('a clean stop keeps the replica; a start after a crash writes as a fresh one', async () => {
  const storage = memoryStorage();
  const first = await startNode({ programId: 'session-test', storage });
  let crashedJournal;
  try {
    await within(5_000, 'first writes', Promise.all([first.counter('c').increment(1), first.counter('c').increment(2)]));
    // The journal as a crash right now would leave it: no Shutdown record at its end.
    crashedJournal = storage.journalBytes();
  } finally {
    await first.stop();
  }

  const second = await startNode({ programId: 'session-test', storage });
  try {
    assert.equal(second.replicaId, first.replicaId, 'a clean stop keeps the replica');
    const write = await within(5_000, 'write after a clean stop', second.counter('c').increment(4));
    assert.equal(write.write.origin, first.replicaId);
    assert.equal(write.write.seq, 3, 'sequence numbers continue');
  } finally {
    await second.stop();
  }

  const crashed = memoryStorage();
  await crashed.saveIdentity(await storage.loadIdentity());
  await crashed.appendJournal(crashedJournal);
  const third = await startNode({ programId: 'session-test', storage: crashed });
  try {
    assert.equal(third.peerId, first.peerId);
    assert.notEqual(third.replicaId, first.replicaId, 'after a crash the node writes as a new replica');
    assert.equal(third.counter('c').value(), 3, 'the old replica’s writes are still there');
    const write = await within(5_000, 'write after a crash', third.counter('c').increment(1));
    assert.equal(write.write.origin, third.replicaId);
    assert.equal(write.write.seq, 1);
    assert.equal(third.counter('c').value(), 4);
  } finally {
    await third.stop();
  }
});
