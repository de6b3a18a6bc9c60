// The golden test's two sides without a browser: `largo run --mode server` (the native
// node) and a runtime joining it the way the Studio page does, by GET /api/node on the
// node's HTTP port. A change made on either side (runtime handle, native JSON API) is seen
// on the other. Uses $FF_LARGO, else build/bin/largo; skips when that has no working `run`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, startNode, waitFor, within } from './lib/harness.mjs';

const largo = process.env.FF_LARGO ?? path.join(repoRoot, 'build/bin/largo');
const PROGRAM = 'WebLargo';

function largoRunMissing() {
  if (!existsSync(largo)) return `${largo} not built (set FF_LARGO)`;
  const help = spawnSync(largo, ['run', '--help'], { encoding: 'utf8', timeout: 10_000 });
  if (help.status !== 0 || !help.stdout.includes('--ws-port')) return `${largo} has no working "run"`;
  return false;
}

/** Starts largo run on free ports; resolves with {http, ready, stop}. */
async function startLargo(t) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ff-web-largo-'));
  const child = spawn(largo, ['run', '--id', PROGRAM, '--mode', 'server', '--http-port', '0', '--tcp-port', '0',
    '--ws-port', '0', '--listen-host', '127.0.0.1', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
    if (process.env.FF_WEB_VERBOSE) process.stderr.write(chunk);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(async () => {
    child.kill('SIGTERM');
    await within(10_000, 'largo exit', exited).catch(() => child.kill('SIGKILL'));
    rmSync(dataDir, { recursive: true, force: true });
  });
  const ready = await within(20_000, 'largo ready line', new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        try {
          resolve(JSON.parse(buffered.slice(0, newline)));
        } catch (err) {
          reject(new Error(`first stdout line is not JSON: ${buffered.slice(0, newline)}`));
        }
      }
    });
    exited.then(({ code }) => reject(new Error(`largo exited (${code}) before ready: ${stderr}`)));
  }));
  assert.equal(ready.event, 'ready');
  return ready;
}

async function api(base, method, route, body) {
  const response = await fetch(new URL(route, base), {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${route}: HTTP ${response.status} ${text}`);
  return JSON.parse(text);
}

test('a runtime joins largo run via /api/node and changes cross both ways', { skip: largoRunMissing() }, async (t) => {
  const ready = await startLargo(t);
  const fabric = await startNode({ programId: PROGRAM, api: new URL('/api/node', ready.http).toString() });
  t.after(() => fabric.stop());
  await within(20_000, 'runtime ready (hello with largo accepted)', fabric.ready);
  const native = fabric.peers().find((p) => p.peerId === ready.peer_id);
  assert.ok(native, `largo among peers: ${JSON.stringify(fabric.peers())}`);
  assert.equal(native.sovereignty, 'authority');

  // Native -> runtime.
  await api(ready.http, 'POST', '/api/state/clicks', { kind: 'counter', op: 'increment', amount: 3 });
  await waitFor('runtime sees the native increment', () => fabric.counter('clicks').value() === 3);
  await api(ready.http, 'POST', '/api/state/doc', { kind: 'text', op: 'insert', index: 0, text: 'native' });
  await waitFor('runtime sees the native text', () => fabric.text('doc').value() === 'native');

  // Runtime -> native.
  await fabric.counter('clicks').increment(4);
  await fabric.map('settings').put('theme', 'dark');
  await waitFor('largo sees the runtime increment', async () => (await api(ready.http, 'GET', '/api/state/clicks')) === 7);
  await waitFor('largo sees the runtime map', async () => (await api(ready.http, 'GET', '/api/state/settings')).theme === 'dark');

  const peers = await api(ready.http, 'GET', '/api/peers');
  assert.ok(peers.peers.some((p) => p.peer === fabric.peerId && p.sovereignty === 'citizen'), JSON.stringify(peers));
});
