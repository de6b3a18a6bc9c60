#!/usr/bin/env node
// The js-libp2p gossipsub anchor: the figure our native GossipSub is compared against.
// Two js-libp2p 3.x nodes in two processes (a publisher and a receiver, so each has its own
// event loop and core) over TCP on 127.0.0.1, 100-byte messages.
//   latency:    `--count` messages at a steady `--rate` per second; per message, the time
//               from just before publish() to the receiver's 'message' event (timestamp in
//               the payload; the two processes' clocks are aligned over IPC first).
//   throughput: `--throughput-count` messages published as fast as possible with at most
//               `--window` published but not yet received (the receiver acks over IPC).
// Prints one JSON line per mode:
//   {"bench":"gossip","impl":"js-libp2p","mode":"signed","p50_ms":..,"p99_ms":..,"msgs_per_s":..,...}
//
//   node bench/js/gossip_anchor.mjs [--mode signed|unsigned|both] [--count 2000] [--rate 200]
//                                   [--throughput-count 20000] [--window 1000]
// Uses tests/interop's node_modules (run scripts/setup.sh first); needs no network but loopback.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createPeerNode, multiaddr } from '../../tests/interop/lib/node.mjs';

const TOPIC = 'ff-bench';
const MESSAGE_BYTES = 100;
const WARMUP_MESSAGES = 300;
const PHASE_WARMUP = 0;
const PHASE_LATENCY = 1;
const PHASE_THROUGHPUT = 2;
const ACK_EVERY = 100;
const SETUP_TIMEOUT_MS = 20_000;
const PHASE_TIMEOUT_MS = 120_000;

const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function parseArgs(argv) {
  const options = { role: 'publisher', mode: 'both', count: 2000, rate: 200, throughputCount: 20000, window: 1000, sign: true };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case '--role': options.role = value; break;
      case '--mode': options.mode = value; break;
      case '--count': options.count = Number(value); break;
      case '--rate': options.rate = Number(value); break;
      case '--throughput-count': options.throughputCount = Number(value); break;
      case '--window': options.window = Number(value); break;
      case '--sign': options.sign = value === 'true'; break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  if (!['signed', 'unsigned', 'both'].includes(options.mode)) throw new Error('--mode must be signed, unsigned or both');
  if (!(options.count >= 1000)) throw new Error('--count must be at least 1000 (p99 needs the samples)');
  return options;
}

/** Payload: phase (u8), sequence (u32 BE), send time (f64 ms since epoch), zero filler. */
function payload(phase, seq) {
  const bytes = new Uint8Array(MESSAGE_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, phase);
  view.setUint32(1, seq, false);
  view.setFloat64(5, nowMs(), false);
  return bytes;
}

// --- receiver (child process) -------------------------------------------------------

async function receiver(options) {
  const node = await createPeerNode({ listen: ['/ip4/127.0.0.1/tcp/0'], sign: options.sign });
  const pubsub = node.services.pubsub;
  pubsub.subscribe(TOPIC);

  const latencies = new Float64Array(options.count).fill(NaN);
  const received = [0, 0, 0]; // per phase
  const expected = [WARMUP_MESSAGES, options.count, options.throughputCount];

  pubsub.addEventListener('message', (evt) => {
    const at = nowMs();
    const view = new DataView(evt.detail.data.buffer, evt.detail.data.byteOffset, evt.detail.data.byteLength);
    const phase = view.getUint8(0);
    const seq = view.getUint32(1, false);
    if (phase === PHASE_LATENCY && seq < latencies.length) latencies[seq] = at - view.getFloat64(5, false);
    const count = ++received[phase];
    if (phase === PHASE_THROUGHPUT && count % ACK_EVERY === 0) process.send({ type: 'ack', count });
    if (count === expected[phase]) process.send({ type: 'done', phase, count });
  });

  process.on('message', async (message) => {
    switch (message.type) {
      case 'clock': process.send({ type: 'clock', t: nowMs() }); break;
      case 'report': process.send({ type: 'report', latencies: Array.from(latencies), received }); break;
      case 'quit':
        await Promise.race([node.stop(), sleep(3000)]);
        process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0)); // the publisher died
  process.send({ type: 'ready', addr: node.getMultiaddrs()[0].toString(), peerId: node.peerId.toString() });
}

// --- publisher (parent process) ------------------------------------------------------

/** Waits for the first IPC message from `child` that `accept`s, with a time limit. */
function nextMessage(child, accept, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (!accept(message)) return;
      cleanup();
      resolve(message);
    };
    const onExit = () => { cleanup(); reject(new Error(`receiver exited while waiting for ${what}`)); };
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
    const cleanup = () => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit); };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/**
 * The receiver's clock minus ours, from the IPC round trip with the smallest RTT (its
 * reading is taken closest to the midpoint). Both use performance.timeOrigin + now(), so
 * the offset is small; measuring it keeps latencies honest anyway.
 */
async function clockOffsetMs(child) {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 50; i++) {
    const sent = nowMs();
    child.send({ type: 'clock' });
    const reply = await nextMessage(child, (m) => m.type === 'clock', 2000, 'clock reply');
    const back = nowMs();
    if (back - sent < best.rtt) best = { rtt: back - sent, offset: reply.t - (sent + back) / 2 };
  }
  return best.offset;
}

function percentile(sorted, p) {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

async function runMode(options, sign) {
  const child = fork(fileURLToPath(import.meta.url), [
    '--role', 'receiver', '--sign', String(sign), '--count', String(options.count),
    '--throughput-count', String(options.throughputCount),
  ], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const node = await createPeerNode({ sign });
  try {
    const ready = await nextMessage(child, (m) => m.type === 'ready', SETUP_TIMEOUT_MS, 'receiver ready');
    const pubsub = node.services.pubsub;
    pubsub.subscribe(TOPIC);
    await node.dial(multiaddr(ready.addr));
    // Publishing throws until the receiver's SUBSCRIBE has arrived.
    const setupDeadline = Date.now() + SETUP_TIMEOUT_MS;
    while (!pubsub.getSubscribers(TOPIC).some((p) => p.toString() === ready.peerId)) {
      if (Date.now() > setupDeadline) throw new Error('receiver never subscribed');
      await sleep(20);
    }
    const offset = await clockOffsetMs(child);

    // Warm-up (JIT, stream buffers), not measured.
    const warm = nextMessage(child, (m) => m.type === 'done' && m.phase === PHASE_WARMUP, PHASE_TIMEOUT_MS, 'warm-up');
    for (let seq = 0; seq < WARMUP_MESSAGES; seq++) await pubsub.publish(TOPIC, payload(PHASE_WARMUP, seq));
    await warm;

    // Latency at a steady rate: message `seq` is due at start + seq / rate.
    const latencyDone = nextMessage(child, (m) => m.type === 'done' && m.phase === PHASE_LATENCY, PHASE_TIMEOUT_MS, 'latency phase');
    const intervalMs = 1000 / options.rate;
    const start = performance.now();
    for (let seq = 0; seq < options.count; seq++) {
      const wait = start + seq * intervalMs - performance.now();
      if (wait > 1) await sleep(wait);
      await pubsub.publish(TOPIC, payload(PHASE_LATENCY, seq));
    }
    await latencyDone;

    // Throughput with at most `window` messages in flight.
    let acked = 0;
    let wakeOnAck = null;
    const onAck = (m) => {
      if (m.type !== 'ack') return;
      acked = m.count;
      wakeOnAck?.();
    };
    child.on('message', onAck);
    const throughputDone = nextMessage(child, (m) => m.type === 'done' && m.phase === PHASE_THROUGHPUT, PHASE_TIMEOUT_MS, 'throughput phase');
    const throughputStart = performance.now();
    for (let seq = 0; seq < options.throughputCount; seq++) {
      while (seq - acked >= options.window) {
        await new Promise((resolve) => { wakeOnAck = resolve; });
      }
      await pubsub.publish(TOPIC, payload(PHASE_THROUGHPUT, seq));
    }
    await throughputDone;
    const throughputSeconds = (performance.now() - throughputStart) / 1000;
    child.off('message', onAck);

    child.send({ type: 'report' });
    const report = await nextMessage(child, (m) => m.type === 'report', 10_000, 'report');
    const latencies = report.latencies.filter((x) => x !== null && !Number.isNaN(x)).map((x) => x - offset).sort((x, y) => x - y);
    if (latencies.length !== options.count) throw new Error(`only ${latencies.length}/${options.count} latency samples`);
    const mean = latencies.reduce((s, x) => s + x, 0) / latencies.length;
    return {
      bench: 'gossip',
      impl: 'js-libp2p',
      mode: sign ? 'signed' : 'unsigned',
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      msgs_per_s: Math.round(options.throughputCount / throughputSeconds),
      mean_ms: round(mean),
      max_ms: round(latencies[latencies.length - 1]),
      latency_messages: options.count,
      rate_per_s: options.rate,
      throughput_messages: options.throughputCount,
      window: options.window,
      message_bytes: MESSAGE_BYTES,
      clock_offset_ms: round(offset),
      node: process.version,
      // Other work on the machine shows up in the tail latencies; keep the context.
      loadavg_1m: round(loadavg()[0]),
    };
  } finally {
    if (child.connected) child.send({ type: 'quit' });
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(6000)]);
    clearTimeout(killer);
    await Promise.race([node.stop(), sleep(3000)]);
  }
}

const round = (x) => Math.round(x * 1000) / 1000;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.role === 'receiver') return receiver(options);
  const modes = options.mode === 'both' ? [true, false] : [options.mode === 'signed'];
  for (const sign of modes) {
    process.stdout.write(`${JSON.stringify(await runMode(options, sign))}\n`);
  }
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`gossip_anchor: ${err.stack ?? err}\n`);
  process.exit(1);
});
