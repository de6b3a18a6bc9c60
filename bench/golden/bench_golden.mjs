#!/usr/bin/env node
// The golden benchmark (issue 4): change propagation latency between `largo run` and a
// headless chromium tab on its Studio page, over loopback, each way; and in the same run the
// js-libp2p <-> js-libp2p GossipSub latency anchor (bench/js/gossip_anchor.mjs, run as is).
//
//   native_to_tab: the benchmark POSTs `increment 1` to /api/state/bench_n2t at a steady rate;
//                  a change listener in the page records when each value first shows there.
//                  Latency = page time of first sight - send time (just before the POST). It
//                  includes the HTTP request (the node publishes a write when it is made,
//                  before its journal sync: docs/fabric.md "Replica sessions").
//   tab_to_native: the page increments bench_t2n through window.fabric at a steady rate and
//                  records each send time; the benchmark keeps one GET /api/state/bench_t2n
//                  ?after=V&wait_ms=W waiting at the node, which answers as soon as the object
//                  changes (docs/api.md "Waiting for a change"), and takes, for each value, the
//                  arrival of the first answer that shows it: an upper bound, too high by one
//                  HTTP response's trip. (Polling back to back instead would keep one of the
//                  two cores busy and slow the tab and the node down.)
// Both also report `local_commit_p50/p99_ms`: how long the writer's own commit took (the
// POST's duration; the increment() promise in the page), i.e. when a `local` write
// completes. Propagation no longer waits for it (docs/fabric.md "Replica sessions").
// Clock domains: the page's times are performance.timeOrigin + performance.now() in chromium,
// ours the same in Node. Their offset is measured (page.evaluate round trips, the one with
// the smallest RTT, its reading taken at the midpoint) and removed; `clock_rtt_ms` bounds it.
// Values skipped between two sightings (two changes in one delivery) get the later sighting.
//
// Prints one JSON line per measurement:
//   {"bench":"golden","direction":"native_to_tab","p50_ms":..,"p99_ms":..,"n":1000,...}
//   {"bench":"golden","direction":"tab_to_native",...}
//   {"bench":"golden","direction":"js_libp2p_anchor",...}  (from gossip_anchor.mjs, signed)
//
//   node bench/golden/bench_golden.mjs [--count 1000] [--rate 100] [--warmup 100] [--no-anchor]
//                                      [--page /studio]   (another page of the node's that sets
//                                      window.fabric, to tell the Studio's rendering cost apart)
// Needs build/bin/largo, build-web/dist (scripts/build.sh web), /usr/bin/chromium and the
// node_modules of tests/browser and tests/interop (scripts/setup.sh); see scripts/bench-golden.sh.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cleanup, launchBrowser, NativeNode, sleep, Tab, tempDir, waitUntil } from '../../tests/browser/lib/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ANCHOR = join(here, '../js/gossip_anchor.mjs');
const CONNECT_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 30_000;
const ANCHOR_TIMEOUT_MS = 300_000;
const CLOCK_SAMPLES = 60;
const WATCH_WAIT_MS = 2_000;

const nowMs = () => performance.timeOrigin + performance.now();
const round = (x) => Math.round(x * 1000) / 1000;

function parseArgs(argv) {
  const options = { count: 1000, rate: 100, warmup: 100, anchor: true, page: '/studio' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--no-anchor') { options.anchor = false; continue; }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case '--count': options.count = Number(value); break;
      case '--rate': options.rate = Number(value); break;
      case '--warmup': options.warmup = Number(value); break;
      case '--page': options.page = value; break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  if (!(options.count >= 1000)) throw new Error('--count must be at least 1000 (p99 needs the samples)');
  if (!(options.rate > 0 && options.rate <= 1000)) throw new Error('--rate must be in (0, 1000] changes per second');
  if (!(options.warmup >= 0)) throw new Error('--warmup must be >= 0');
  return options;
}

function percentile(sorted, p) {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

function summary(direction, latencies, extra) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return {
    bench: 'golden',
    direction,
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    n: sorted.length,
    mean_ms: round(mean),
    min_ms: round(sorted[0]),
    max_ms: round(sorted[sorted.length - 1]),
    ...extra,
    loadavg_1m: round(loadavg()[0]),
  };
}

/** Page clock minus ours, from the evaluate round trip with the smallest RTT. */
async function clockOffset(tab) {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < CLOCK_SAMPLES; i++) {
    const sent = nowMs();
    const pageTime = await tab.page.evaluate(() => performance.timeOrigin + performance.now());
    const back = nowMs();
    if (back - sent < best.rtt) best = { rtt: back - sent, offset: pageTime - (sent + back) / 2 };
  }
  return best;
}

/** For values from..to, the first sighting time of a value >= it, from [[value, time]...] in order. */
function firstSightings(sightings, from, to) {
  const out = new Map();
  let j = 0;
  for (let v = from; v <= to; v++) {
    while (j < sightings.length && sightings[j][0] < v) j++;
    if (j < sightings.length) out.set(v, sightings[j][1]);
  }
  return out;
}

async function nativeToTab(node, tab, options, clock) {
  const name = 'bench_n2t';
  await tab.eval((n) => {
    const f = window.fabric;
    const counter = f.counter(n);
    const sightings = [];
    window.__benchN2T = sightings;
    const onChange = () => {
      const t = performance.timeOrigin + performance.now();
      const v = Number(counter.value());
      if (sightings.length === 0 || v > sightings[sightings.length - 1][0]) sightings.push([v, t]);
    };
    if (typeof counter.on === 'function') counter.on('change', onChange);
    else f.on('change', onChange);
  }, name);

  const total = options.warmup + options.count;
  const sends = new Float64Array(total + 1);
  const commits = []; // POST durations: the node's local commit (journal) + HTTP
  const intervalMs = 1000 / options.rate;
  const start = performance.now();
  for (let k = 1; k <= total; k++) {
    const wait = start + (k - 1) * intervalMs - performance.now();
    if (wait > 1) await sleep(wait);
    sends[k] = nowMs();
    await node.apply(name, { kind: 'counter', op: 'increment', amount: 1 });
    if (k > options.warmup) commits.push(nowMs() - sends[k]);
  }
  await waitUntil(() => tab.eval(() => window.__benchN2T.at(-1)?.[0] ?? 0), (v) => v >= total, DRAIN_TIMEOUT_MS,
    `the tab to see all ${total} native changes`, 50);
  const sightings = await tab.eval(() => window.__benchN2T, undefined, 30_000);
  const seen = firstSightings(sightings, options.warmup + 1, total);
  const latencies = [];
  for (let k = options.warmup + 1; k <= total; k++) latencies.push(seen.get(k) - clock.offset - sends[k]);
  const sortedCommits = commits.sort((a, b) => a - b);
  return summary('native_to_tab', latencies, { rate_per_s: options.rate, clock_offset_ms: round(clock.offset), clock_rtt_ms: round(clock.rtt),
    local_commit_p50_ms: round(percentile(sortedCommits, 50)), local_commit_p99_ms: round(percentile(sortedCommits, 99)) });
}

async function tabToNative(node, tab, options, clock) {
  const name = 'bench_t2n';
  const total = options.warmup + options.count;
  const sightings = [];
  let answers = 0;
  let polling = true;
  const poller = (async () => {
    let last = 0;
    let version = 0;
    while (polling) {
      const answer = await node.watch(name, version, WATCH_WAIT_MS);
      const back = nowMs();
      answers++;
      version = answer.version;
      const value = answer.value;
      if (typeof value === 'number' && value > last) {
        last = value;
        // The answer's arrival: an upper bound (the node answers when it applies the
        // change), so the figure never flatters.
        sightings.push([value, back]);
        if (value >= total) return;
      }
    }
  })();
  const intervalMs = 1000 / options.rate;
  const { times: sends, commits } = await tab.eval(async ([n, count, interval]) => {
    const counter = window.fabric.counter(n);
    const times = [0];
    const commits = []; // increment() promise durations: the tab's local commit (OPFS journal)
    const start = performance.now();
    for (let k = 1; k <= count; k++) {
      const wait = start + (k - 1) * interval - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const t = performance.timeOrigin + performance.now();
      times.push(t);
      const pending = counter.increment(1);
      if (pending && typeof pending.then === 'function') {
        pending.then(() => commits.push(performance.timeOrigin + performance.now() - t), () => {});
      }
    }
    return { times, commits };
  }, [name, total, intervalMs], total * intervalMs + 60_000);
  await Promise.race([poller, sleep(DRAIN_TIMEOUT_MS)]);
  polling = false;
  await poller;
  const seen = firstSightings(sightings, options.warmup + 1, total);
  if (seen.size < options.count) throw new Error(`the node saw only ${seen.size}/${options.count} of the tab's changes`);
  const latencies = [];
  for (let k = options.warmup + 1; k <= total; k++) latencies.push(seen.get(k) - (sends[k] - clock.offset));
  return summary('tab_to_native', latencies, { rate_per_s: options.rate, clock_offset_ms: round(clock.offset), clock_rtt_ms: round(clock.rtt),
    watch_answers: answers,
    ...(commits.length ? { local_commit_p50_ms: round(percentile(commits.sort((a, b) => a - b), 50)),
      local_commit_p99_ms: round(percentile(commits, 99)) } : {}) });
}

/** Runs gossip_anchor.mjs (signed, as the fabric uses StrictSign) and returns its JSON line. */
function anchor(options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ANCHOR, '--mode', 'signed', '--count', String(options.count), '--rate', '200',
      '--throughput-count', '2000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => { out += text; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('gossip_anchor.mjs timed out')); }, ANCHOR_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) return reject(new Error(`gossip_anchor.mjs exited ${code}: ${out.slice(-500)}`));
      resolve(JSON.parse(line));
    });
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const cleanup = new Cleanup();
  try {
    const node = await NativeNode.start({ programId: 'GoldenBench', dataDir: tempDir(cleanup, 'bench-node') });
    cleanup.add('stop largo', () => node.stop());
    const browser = await launchBrowser(cleanup);
    const tab = await Tab.open(await browser.newContext(), node.http, 'GoldenBench', 'bench tab', { path: options.page });
    await waitUntil(() => tab.peerIds(), (ids) => ids.includes(node.peerId), CONNECT_TIMEOUT_MS, 'the tab connected to the node', 50);
    // The offset is measured again before each direction, so a drift between the two
    // clocks over the run shows up in clock_offset_ms instead of in the latencies.
    process.stdout.write(`${JSON.stringify(await nativeToTab(node, tab, options, await clockOffset(tab)))}\n`);
    process.stdout.write(`${JSON.stringify(await tabToNative(node, tab, options, await clockOffset(tab)))}\n`);
  } finally {
    await cleanup.run();
  }
  if (options.anchor) {
    const a = await anchor(options);
    process.stdout.write(`${JSON.stringify({ bench: 'golden', direction: 'js_libp2p_anchor', p50_ms: a.p50_ms, p99_ms: a.p99_ms,
      n: a.latency_messages, mean_ms: a.mean_ms, max_ms: a.max_ms, rate_per_s: a.rate_per_s, mode: a.mode,
      clock_offset_ms: a.clock_offset_ms, loadavg_1m: a.loadavg_1m })}\n`);
  }
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench_golden: ${err.stack ?? err}\n`);
  process.exit(1);
});
