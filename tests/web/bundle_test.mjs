// The esbuild bundle a page loads (build-web/dist/fabric.js: browser build of js-libp2p +
// the inlined wasm core) works on its own: it joins a runtime that listens, as a page joins
// `largo run`, and a change crosses in both directions. Skips when the bundle is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, startNode, waitFor, within } from './lib/harness.mjs';

const bundle = process.env.FF_WEB_BUNDLE ?? path.join(repoRoot, 'build-web/dist/fabric.js');

test('the bundled runtime joins a listening node and syncs both ways', { skip: !existsSync(bundle) && `${bundle} not built` }, async (t) => {
  // The browser build of js-libp2p reads navigator.userAgent; Node 20 has no navigator.
  if (typeof globalThis.navigator === 'undefined') globalThis.navigator = { userAgent: `node/${process.version}` };
  const { startFabric, memoryStorage } = await import(pathToFileURL(bundle).href);
  const server = await startNode({ programId: 'bundle-test', sovereignty: 'authority', listen: ['/ip4/127.0.0.1/tcp/0/ws'] });
  t.after(() => server.stop());
  const page = await startFabric({ programId: 'bundle-test', bootstrap: server.addrs()[0], storage: memoryStorage() });
  t.after(() => page.stop());
  await within(15_000, 'bundle ready', page.ready);
  assert.equal(page.sovereignty, 'citizen');
  await page.counter('hits').increment(2);
  await waitFor('server sees the page write', () => server.counter('hits').value() === 2);
  await server.text('t').insert(0, 'from server');
  await waitFor('page sees the server write', () => page.text('t').value() === 'from server');
});
