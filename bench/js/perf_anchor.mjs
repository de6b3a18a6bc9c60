#!/usr/bin/env node
// The js-libp2p perf anchor: /perf/1.0.0 (libp2p/specs perf/perf.md) between two js-libp2p
// 3.x nodes in two processes over TCP on 127.0.0.1 (Noise + Yamux, one connection, one
// stream per run), measured the way libp2p/test-plans does it: an upload run (send N bytes,
// receive 0) and a download run (send 0, receive N), each timed from opening the stream to
// the end of the response. The connection is opened (and warmed up with a 16 MiB run in
// each direction) before timing. @libp2p/perf is not on the registry we reach, so both ends
// use tests/interop/lib/perf.mjs, which follows js-libp2p's implementation (64 KiB writes).
// Prints one JSON line:
//   {"bench":"perf","impl":"js-libp2p","upload_mb_per_s":..,"download_mb_per_s":..,...}
// (MB = 10^6 bytes.)
//
//   node bench/js/perf_anchor.mjs [--bytes 268435456] [--runs 3]
// With --runs N each direction is measured N times and the median is reported.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createPeerNode, multiaddr } from '../../tests/interop/lib/node.mjs';
import { runPerf } from '../../tests/interop/lib/perf.mjs';

const WARMUP_BYTES = 16 * 1024 * 1024;
const SETUP_TIMEOUT_MS = 20_000;
const RUN_TIMEOUT_MS = 120_000;

function parseArgs(argv) {
  const options = { role: 'client', bytes: 256 * 1024 * 1024, runs: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case '--role': options.role = value; break;
      case '--bytes': options.bytes = Number(value); break;
      case '--runs': options.runs = Number(value); break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  if (!(options.bytes > 0 && options.runs >= 1)) throw new Error('--bytes and --runs must be positive');
  return options;
}

async function server() {
  const node = await createPeerNode({ listen: ['/ip4/127.0.0.1/tcp/0'] });
  process.on('message', async (message) => {
    if (message.type === 'quit') {
      await Promise.race([node.stop(), new Promise((resolve) => setTimeout(resolve, 3000))]);
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0)); // the client died
  process.send({ type: 'ready', addr: node.getMultiaddrs()[0].toString() });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (x) => Math.round(x * 10) / 10;

async function client(options) {
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const node = await createPeerNode();
  try {
    const ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('perf server did not start')), SETUP_TIMEOUT_MS);
      child.once('message', (m) => { clearTimeout(timer); resolve(m); });
      child.once('exit', () => reject(new Error('perf server exited')));
    });
    const connection = await node.dial(multiaddr(ready.addr));
    const target = connection.remotePeer;
    const run = (uploadBytes, downloadBytes) =>
      runPerf(node, target, { uploadBytes, downloadBytes, signal: AbortSignal.timeout(RUN_TIMEOUT_MS) });

    await run(WARMUP_BYTES, 0);
    await run(0, WARMUP_BYTES);
    const upload = [];
    const download = [];
    for (let i = 0; i < options.runs; i++) {
      upload.push(options.bytes / 1e6 / ((await run(options.bytes, 0)).ms / 1000));
      download.push(options.bytes / 1e6 / ((await run(0, options.bytes)).ms / 1000));
    }
    const up = median(upload);
    const down = median(download);
    return {
      bench: 'perf',
      impl: 'js-libp2p',
      upload_mb_per_s: round(up),
      download_mb_per_s: round(down),
      upload_gbit_per_s: Math.round(up * 8) / 1000,
      download_gbit_per_s: Math.round(down * 8) / 1000,
      bytes: options.bytes,
      runs: options.runs,
      upload_runs_mb_per_s: upload.map(round),
      download_runs_mb_per_s: download.map(round),
      transport: 'tcp+noise+yamux',
      node: process.version,
      loadavg_1m: Math.round(loadavg()[0] * 100) / 100,
    };
  } finally {
    if (child.connected) child.send({ type: 'quit' });
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await new Promise((resolve) => (child.exitCode != null ? resolve() : child.once('exit', resolve)));
    clearTimeout(killer);
    await Promise.race([node.stop(), new Promise((resolve) => setTimeout(resolve, 3000))]);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.role === 'server') return server();
  process.stdout.write(`${JSON.stringify(await client(options))}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`perf_anchor: ${err.stack ?? err}\n`);
  process.exit(1);
});
