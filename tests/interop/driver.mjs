// Test driver for peers that speak the `largo p2p` JSON-lines protocol (README.md): spawns
// a peer process (js_peer.mjs, or a `largo` binary), keeps its events in a bounded buffer,
// waits for events with hard timeouts, sends commands, and kills every peer it started
// when the test ends or the process exits. Nothing here waits without a time limit.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitLines } from './lib/lines.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const JS_PEER = join(here, 'js_peer.mjs');

// Bounds. A peer that prints more than this many events keeps only the newest; a wait
// that would need a dropped event fails instead of silently missing it.
const MAX_EVENTS = 50_000;
const MAX_EVENT_LINE_BYTES = 16 * 1024 * 1024;
const MAX_STDERR_TAIL_CHARS = 64 * 1024;
const DEFAULT_START_TIMEOUT_MS = 15_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_STOP_TIMEOUT_MS = 6_000;

const live = new Set(); // every Peer not yet exited

// Last resort: whatever way this process ends, no peer outlives it.
process.on('exit', () => {
  for (const peer of live) peer.child.kill('SIGKILL');
});

/**
 * Which implementation plays test side `side` ('A', 'B', 'C'...): the environment variable
 * FF_PEER_<side> (a `largo` binary, or a .mjs/.js peer script), else js_peer.mjs.
 */
export function implForSide(side) {
  return process.env[`FF_PEER_${side}`] || 'js';
}

/** The command line that runs `impl` with the `largo p2p` flags `args`. */
export function peerCommand(impl, args) {
  if (impl === 'js' || impl == null) return [process.execPath, [JS_PEER, ...args]];
  if (/\.m?js$/.test(impl)) return [process.execPath, [impl, ...args]];
  return [impl, ['p2p', ...args]]; // a largo binary
}

export class Peer {
  constructor(name, impl, child) {
    this.name = name;
    this.impl = impl;
    this.child = child;
    this.peerId = null;
    this.addrs = [];
    this.events = [];       // newest MAX_EVENTS events; events[i] has sequence firstSeq + i
    this.firstSeq = 0;
    this.invalidLines = []; // stdout lines that were not JSON objects (at most 20 kept)
    this.stderrTail = '';
    this.exitStatus = null; // {code, signal} once exited
    this.waiters = new Set();
    this.nextId = 1;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        live.delete(this);
        for (const waiter of this.waiters) waiter.onExit();
        resolve(this.exitStatus);
      });
    });
    splitLines(child.stdout, {
      maxLineBytes: MAX_EVENT_LINE_BYTES,
      onLine: (line) => this.#onLine(line),
      onOverflow: (bytes) => this.#invalid(`<line of ${bytes} bytes dropped>`),
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      if (process.env.FF_INTEROP_VERBOSE) process.stderr.write(`[${this.name}] ${text}`);
      this.stderrTail = (this.stderrTail + text).slice(-MAX_STDERR_TAIL_CHARS);
    });
    // Writing to a peer that died raises EPIPE on stdin; its exit is reported instead.
    child.stdin.on('error', () => {});
  }

  get nextSeq() { return this.firstSeq + this.events.length; }

  /** The sequence number the next event will get; pass as `since` to ignore older ones. */
  mark() { return this.nextSeq; }

  #invalid(line) {
    if (this.invalidLines.length < 20) this.invalidLines.push(line);
  }

  #onLine(line) {
    if (line.trim() === '') return;
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      this.#invalid(line);
      return;
    }
    if (event === null || typeof event !== 'object' || typeof event.event !== 'string') {
      this.#invalid(line);
      return;
    }
    const seq = this.nextSeq;
    this.events.push(event);
    if (this.events.length > MAX_EVENTS * 1.25) {
      const drop = this.events.length - MAX_EVENTS;
      this.events.splice(0, drop);
      this.firstSeq += drop;
    }
    for (const waiter of this.waiters) waiter.onEvent(event, seq);
  }

  /** Writes one command line. */
  send(command) {
    if (this.exitStatus != null) throw new Error(`${this.name}: cannot send ${command.cmd}, peer exited`);
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  #context() {
    const recent = this.events.slice(-8).map((e) => JSON.stringify(e).slice(0, 300)).join('\n    ');
    const exit = this.exitStatus ? `exited (code ${this.exitStatus.code}, signal ${this.exitStatus.signal})` : 'running';
    return `${this.name} [${this.impl}] ${exit}\n  last events:\n    ${recent || '(none)'}\n` +
      `  stderr tail:\n${this.stderrTail.slice(-3000) || '(empty)'}`;
  }

  /**
   * Collects `count` events matching `predicate` from sequence `since` on (default: every
   * event still buffered), waiting at most `timeoutMs`. Rejects on timeout, on peer exit,
   * or if events from `since` were already dropped from the bounded buffer.
   */
  waitForCount(predicate, count, timeoutMs, { since = this.firstSeq, what = 'events' } = {}) {
    if (since < this.firstSeq) {
      return Promise.reject(new Error(`${this.name}: events since ${since} were dropped (buffer bound ${MAX_EVENTS})`));
    }
    const found = [];
    for (let i = since - this.firstSeq; i < this.events.length && found.length < count; i++) {
      if (predicate(this.events[i])) found.push(this.events[i]);
    }
    if (found.length >= count) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        onEvent: (event) => {
          if (!predicate(event)) return;
          found.push(event);
          if (found.length >= count) finish(null);
        },
        onExit: () => finish(new Error(`${this.name}: peer exited while waiting for ${what} ` +
          `(${found.length}/${count})\n${this.#context()}`)),
      };
      const timer = setTimeout(() => finish(new Error(`${this.name}: timed out after ${timeoutMs} ms ` +
        `waiting for ${what} (${found.length}/${count})\n${this.#context()}`)), timeoutMs);
      const finish = (err) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err) reject(err); else resolve(found);
      };
      this.waiters.add(waiter);
      if (this.exitStatus != null) waiter.onExit();
    });
  }

  /** The first event matching `predicate` (see waitForCount). */
  async waitFor(predicate, timeoutMs, options = {}) {
    const [event] = await this.waitForCount(predicate, 1, timeoutMs, options);
    return event;
  }

  /** All buffered events from `since` on that match `predicate`. */
  eventsSince(since, predicate = () => true) {
    if (since < this.firstSeq) throw new Error(`${this.name}: events since ${since} were dropped`);
    return this.events.slice(since - this.firstSeq).filter(predicate);
  }

  /**
   * Sends `command` with a fresh `id` and waits for the reply carrying that id. Resolves
   * with the reply event; rejects if the reply is an `error` event or does not come.
   */
  async request(command, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
    const id = `${this.name}-${this.nextId++}`;
    const since = this.mark();
    this.send({ ...command, id });
    const event = await this.waitFor((e) => e.id === id, timeoutMs, { since, what: `reply to ${command.cmd}` });
    if (event.event === 'error') throw new Error(`${this.name}: ${command.cmd} failed: ${event.error}`);
    return event;
  }

  /**
   * Sends all `commands` at once (pipelined, each with a fresh `id`) and waits for every
   * reply. Resolves with the replies in command order; rejects on the first `error` reply
   * or if they do not all arrive within `timeoutMs`.
   */
  async requestMany(commands, timeoutMs) {
    const base = `${this.name}-${this.nextId++}-`;
    const since = this.mark();
    const lines = commands.map((command, i) => `${JSON.stringify({ ...command, id: `${base}${i}` })}\n`);
    // One write per batch of lines keeps a 1000-command burst cheap.
    for (let i = 0; i < lines.length; i += 256) this.child.stdin.write(lines.slice(i, i + 256).join(''));
    const isOurs = (e) => typeof e.id === 'string' && e.id.startsWith(base);
    const replies = await this.waitForCount(isOurs, commands.length, timeoutMs, { since, what: `${commands.length} replies` });
    const failed = replies.find((e) => e.event === 'error');
    if (failed) throw new Error(`${this.name}: ${failed.cmd} failed: ${failed.error}`);
    const ordered = new Array(commands.length);
    for (const reply of replies) ordered[Number(reply.id.slice(base.length))] = reply;
    return ordered;
  }

  /**
   * This peer's listen address for `transport` ('tcp' or 'ws'), with /p2p/<id> appended
   * if the peer printed it without.
   */
  addr(transport = 'tcp') {
    const isWs = (a) => /\/ws(\/|$)/.test(a);
    const found = this.addrs.find((a) => a.includes('/tcp/') && (transport === 'ws' ? isWs(a) : !isWs(a)));
    if (found == null) throw new Error(`${this.name}: no ${transport} listen address in ${JSON.stringify(this.addrs)}`);
    return found.includes('/p2p/') ? found : `${found}/p2p/${this.peerId}`;
  }

  /** Asks the peer to quit; kills it if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
    if (this.exitStatus != null) return this.exitStatus;
    try {
      this.send({ cmd: 'quit' });
      this.child.stdin.end();
    } catch { /* already gone */ }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const status = await this.exited;
    clearTimeout(timer);
    return status;
  }

  kill() {
    if (this.exitStatus == null) this.child.kill('SIGKILL');
  }
}

/**
 * Starts a peer and waits for its `listening` event.
 *   name   label used in errors and request ids
 *   impl   'js' (default), a .mjs path, or a largo binary path (see implForSide)
 *   args   `largo p2p` flags, e.g. ['--listen', '/ip4/127.0.0.1/tcp/0']
 */
export async function spawnPeer({ name, impl = 'js', args = [], startTimeoutMs = DEFAULT_START_TIMEOUT_MS, env = {} }) {
  const [command, argv] = peerCommand(impl, args);
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const peer = new Peer(name, impl, child);
  live.add(peer);
  child.on('error', (err) => { peer.stderrTail += `\nspawn error: ${err.message}`; });
  try {
    const listening = await peer.waitFor((e) => e.event === 'listening', startTimeoutMs, { what: 'listening' });
    peer.peerId = listening.peer_id;
    peer.addrs = listening.addrs ?? [];
  } catch (err) {
    peer.kill();
    throw err;
  }
  return peer;
}

/** Stops every peer still running (for test `after`/`afterEach` hooks). */
export async function stopAll(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
  await Promise.all([...live].map((peer) => peer.stop(timeoutMs)));
}

/** Polls `check()` (sync or async) until it returns a truthy value; fails after `timeoutMs`. */
export async function until(check, timeoutMs, { intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}
