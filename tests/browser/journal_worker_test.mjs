// The browser journal's two backends in a real chromium (docs/browser-api.md "Storage"):
// a dedicated Worker holding the OPFS file with a sync access handle, and the main-thread
// fallback used when the worker cannot run. Both read and write the same file, the
// Web Lock still keeps a second tab of the profile off it, and a reload with the network
// cut restores what either wrote. Run through run.sh (it checks the prerequisites).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cleanup, isolate, launchPersistent, NativeNode, Tab, tempDir, waitUntil } from './lib/harness.mjs';

const SLOW_MS = 20_000 * Number(process.env.FF_E2E_TIME_SCALE || 1);
const WORKER_SCRIPT = /\/web\/fabric-journal-worker\.js$/;

const storageKind = (tab) => tab.eval(() => window.fabric.storageKind);

test('the journal runs in a worker; the main-thread fallback reads and extends the same file', async (t) => {
  const cleanup = new Cleanup();
  t.after(() => cleanup.run());
  const node = await NativeNode.start({ programId: 'Alpha', dataDir: tempDir(cleanup, 'node') });
  cleanup.add('stop largo', () => node.stop());
  const context = await launchPersistent(cleanup, tempDir(cleanup, 'profile'));

  const tab = await Tab.open(context, node.http, 'Alpha', 'tab');
  assert.equal(await storageKind(tab), 'opfs-worker', `the journal is not in the worker\n${tab.context()}`);
  for (let i = 0; i < 20; i++) await tab.apply('clicks', { kind: 'counter', op: 'increment', amount: 1 });
  await tab.apply('notes', { kind: 'text', op: 'insert', index: 0, text: 'by the worker' });

  // A second tab of the same profile must not touch the file: the Web Lock sends it to memory.
  const second = await Tab.open(context, node.http, 'Alpha', 'second tab', { requireReady: false });
  assert.equal(await storageKind(second), 'memory', 'a second tab shares the journal');
  await second.close();

  // Network cut: what the reloaded tab shows comes from OPFS, read by a new worker.
  await isolate(context);
  await tab.reload({ requireReady: false });
  assert.equal(await storageKind(tab), 'opfs-worker');
  await waitUntil(() => tab.value('counter', 'clicks'), (v) => v === 20, SLOW_MS, 'the counter restored by the worker');
  assert.equal(await tab.value('text', 'notes'), 'by the worker');

  // Without the worker script the page falls back to main-thread OPFS, says so, reads the
  // worker's file and appends to it.
  await context.route(WORKER_SCRIPT, (route) => route.abort());
  await tab.reload({ requireReady: false });
  assert.equal(await storageKind(tab), 'opfs-main-thread', `no fallback without the worker\n${tab.context()}`);
  assert.ok(tab.console.some((line) => /main-thread OPFS/.test(line)), `no warning about the fallback\n${tab.context()}`);
  await waitUntil(() => tab.value('counter', 'clicks'), (v) => v === 20, SLOW_MS, 'the counter restored on the main thread');
  await tab.apply('clicks', { kind: 'counter', op: 'increment', amount: 5 });
  await tab.apply('notes', { kind: 'text', op: 'insert', index: 0, text: 'main thread, then ' });

  // And the worker reads what the fallback appended.
  await context.unroute(WORKER_SCRIPT);
  await tab.reload({ requireReady: false });
  assert.equal(await storageKind(tab), 'opfs-worker');
  await waitUntil(() => tab.value('counter', 'clicks'), (v) => v === 25, SLOW_MS, 'both backends\' writes restored');
  assert.equal(await tab.value('text', 'notes'), 'main thread, then by the worker');
});
