// Harness for the browser end-to-end tests and the golden benchmark: starts `largo run`
// on free ports in a temp data dir and parses its ready line, talks to its JSON API
// (docs/api.md), launches Debian's headless chromium through playwright-core, opens the
// Studio page and reads/changes shared objects in a tab through window.fabric
// (docs/browser-api.md). Every wait has a time limit and fails with what it last saw;
// every process and temp dir it makes is removed by cleanup(), and processes also on exit.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../../..');
export const LARGO = process.env.FF_LARGO || join(REPO, 'build/bin/largo');
export const WEB_DIST = process.env.FF_WEB_DIST || join(REPO, 'build-web/dist');
export const CHROMIUM = process.env.FF_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 8_000;
const HTTP_TIMEOUT_MS = 10_000;
const PAGE_READY_TIMEOUT_MS = 20_000;
const EVALUATE_TIMEOUT_MS = 10_000;
const UNREACHABLE_READY_WAIT_MS = 5_000;
const MAX_OUTPUT_TAIL_CHARS = 64 * 1024;
const MAX_CONSOLE_LINES = 200;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- cleanup -------------------------------------------------------------------------------

const liveProcesses = new Set();
process.on('exit', () => {
  for (const child of liveProcesses) child.kill('SIGKILL');
});

/** Collects cleanup steps; run() undoes them newest first and never throws. */
export class Cleanup {
  constructor() { this.steps = []; }
  add(what, fn) { this.steps.push({ what, fn }); }
  async run() {
    const errors = [];
    while (this.steps.length) {
      const { what, fn } = this.steps.pop();
      try {
        await Promise.race([fn(), sleep(15_000).then(() => { throw new Error('timed out'); })]);
      } catch (err) {
        errors.push(`${what}: ${err.message ?? err}`);
      }
    }
    if (errors.length) process.stderr.write(`cleanup problems (ignored):\n  ${errors.join('\n  ')}\n`);
  }
}

export function tempDir(cleanup, prefix) {
  const dir = mkdtempSync(join(tmpdir(), `ff-${prefix}-`));
  cleanup.add(`remove ${dir}`, async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---- waiting ------------------------------------------------------------------------------

/**
 * Polls `probe` (sync or async) every `intervalMs` until `accept(value)` is true; resolves with
 * the value. Rejects after `timeoutMs` with `what`, the last value seen and the last error,
 * or at once when `probe` throws an error marked `fatal` (waiting longer cannot help).
 */
export async function waitUntil(probe, accept, timeoutMs, what, intervalMs = 25) {
  const deadline = performance.now() + timeoutMs;
  let last;
  let lastError = null;
  for (;;) {
    try {
      last = await probe();
      lastError = null;
      if (accept(last)) return last;
    } catch (err) {
      if (err.fatal) throw err;
      lastError = err;
    }
    if (performance.now() >= deadline) {
      const seen = lastError ? `last error: ${lastError.message ?? lastError}` : `last seen: ${describe(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${seen}`);
    }
    await sleep(intervalMs);
  }
}

export function describe(value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
}

/** JSON with sorted keys: equal values print equally. */
export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A set's value compares as a sorted list; others as they are. */
export function normalizeValue(kind, value) {
  if (kind === 'set' && Array.isArray(value)) return [...value].map(String).sort();
  return value;
}

// ---- the native node ------------------------------------------------------------------------

function portOf(url) {
  return Number(new URL(url).port);
}

/** The TCP port of the first address in `addrs` that matches (`ws`: ending in /ws). */
function tcpPortOf(addrs, ws) {
  for (const addr of addrs ?? []) {
    const m = /\/tcp\/(\d+)(\/ws)?/.exec(addr);
    if (m && Boolean(m[2]) === ws && Number(m[1]) > 0) return Number(m[1]);
  }
  return 0;
}

export class NativeNode {
  /**
   * Starts `largo run --id <programId> --mode server` with `dataDir` and ports (0 = any free
   * port) and waits for its ready line.
   */
  static async start({ programId, dataDir, httpPort = 0, tcpPort = 0, wsPort = 0, name = 'largo', extraArgs = [] }) {
    const args = ['run', '--id', programId, '--mode', 'server', '--data-dir', dataDir,
      '--http-port', String(httpPort), '--tcp-port', String(tcpPort), '--ws-port', String(wsPort), ...extraArgs];
    if (process.env.FF_WEB_DIST) args.push('--web-root', WEB_DIST);
    const node = new NativeNode(name, programId, dataDir, args);
    await node.#waitReady();
    return node;
  }

  constructor(name, programId, dataDir, args) {
    this.name = name;
    this.programId = programId;
    this.dataDir = dataDir;
    this.args = args;
    this.output = '';
    this.exitStatus = null;
    this.child = spawn(LARGO, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    liveProcesses.add(this.child);
    this.exited = new Promise((resolveExit) => {
      this.child.on('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        liveProcesses.delete(this.child);
        resolveExit(this.exitStatus);
      });
      this.child.on('error', (err) => {
        this.exitStatus = { code: null, signal: null, error: err.message };
        liveProcesses.delete(this.child);
        resolveExit(this.exitStatus);
      });
    });
    this.lines = [];
    let partial = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (text) => {
      this.#record(text);
      partial += text;
      let nl;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl).trim();
        partial = partial.slice(nl + 1);
        if (line.startsWith('{')) {
          try {
            this.lines.push(JSON.parse(line));
          } catch {
            // Not a JSON line (the invite box, logs): kept in the output tail only.
          }
        }
      }
      if (partial.length > MAX_OUTPUT_TAIL_CHARS) partial = '';
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text) => this.#record(text));
  }

  #record(text) {
    if (process.env.FF_E2E_VERBOSE) process.stderr.write(`[${this.name}] ${text}`);
    this.output = (this.output + text).slice(-MAX_OUTPUT_TAIL_CHARS);
  }

  context() {
    const exit = this.exitStatus ? `exited ${JSON.stringify(this.exitStatus)}` : 'running';
    return `${this.name} (${LARGO} ${this.args.join(' ')}) ${exit}; output tail:\n${this.output.slice(-3000) || '(empty)'}`;
  }

  async #waitReady() {
    const ready = await waitUntil(() => {
      if (this.exitStatus) throw Object.assign(new Error(`${this.name} exited before its ready line`), { fatal: true });
      return this.lines.find((l) => l.event === 'ready');
    }, (l) => l != null, START_TIMEOUT_MS, `${this.name}'s ready line`, 20).catch((err) => {
      throw new Error(`${err.message}\n${this.context()}`);
    });
    if (typeof ready.http !== 'string' || typeof ready.peer_id !== 'string') {
      throw new Error(`${this.name}: ready line lacks http/peer_id: ${JSON.stringify(ready)}`);
    }
    this.readyLine = ready;
    this.peerId = ready.peer_id;
    this.http = ready.http.replace(/\/$/, '');
    this.addrs = ready.addrs ?? [];
    this.httpPort = portOf(this.http);
    this.tcpPort = tcpPortOf(this.addrs, false);
    this.wsPort = tcpPortOf(this.addrs, true);
    if (!this.wsPort || !this.tcpPort) {
      // The ready line may list only some addresses; /api/node has them all.
      const info = await this.get('/api/node');
      this.tcpPort ||= tcpPortOf(info.addrs, false);
      this.wsPort ||= tcpPortOf([...(info.ws_addrs ?? []), ...(info.addrs ?? [])], true);
    }
  }

  /** Stops with SIGTERM (a clean shutdown), SIGKILL after STOP_TIMEOUT_MS. */
  async stop() {
    if (this.exitStatus) return this.exitStatus;
    this.child.kill('SIGTERM');
    const status = await Promise.race([this.exited, sleep(STOP_TIMEOUT_MS).then(() => null)]);
    if (status) return status;
    this.child.kill('SIGKILL');
    await Promise.race([this.exited, sleep(STOP_TIMEOUT_MS)]);
    throw new Error(`${this.name} ignored SIGTERM for ${STOP_TIMEOUT_MS} ms (killed)\n${this.context()}`);
  }

  /** Starts the same node again: same data dir, same ports. */
  restart(name = `${this.name}'`) {
    return NativeNode.start({ programId: this.programId, dataDir: this.dataDir, httpPort: this.httpPort,
      tcpPort: this.tcpPort, wsPort: this.wsPort, name });
  }

  async request(method, path, body) {
    const response = await fetch(`${this.http}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  }

  async get(path) {
    const r = await this.request('GET', path);
    if (r.status !== 200 || r.json === undefined) throw new Error(`${this.name}: GET ${path} -> ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }

  /** POST /api/state/NAME with a JSON op; throws unless the write completed (200, ok). */
  async apply(name, op) {
    const r = await this.request('POST', `/api/state/${encodeURIComponent(name)}`, op);
    if (r.status !== 200 || !r.json?.ok) throw new Error(`${this.name}: POST /api/state/${name} ${JSON.stringify(op)} -> ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }

  /** An object's value, or undefined when the node does not have it (404). */
  async value(name) {
    const r = await this.request('GET', `/api/state/${encodeURIComponent(name)}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`${this.name}: GET /api/state/${name} -> ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }

  /**
   * GET /api/state/NAME?after=V&wait_ms=W (docs/api.md "Waiting for a change"): answers at
   * the object's first change after version V, or after W ms. {value (undefined when the
   * node does not have it), version}.
   */
  async watch(name, after, waitMs) {
    const path = `/api/state/${encodeURIComponent(name)}?after=${after}&wait_ms=${waitMs}`;
    const response = await fetch(`${this.http}${path}`, { signal: AbortSignal.timeout(waitMs + HTTP_TIMEOUT_MS) });
    const text = await response.text();
    const version = Number(response.headers.get('x-fabric-version') ?? 0);
    if (response.status === 404) return { value: undefined, version };
    if (response.status !== 200) throw new Error(`${this.name}: GET ${path} -> ${response.status} ${text.slice(0, 300)}`);
    return { value: JSON.parse(text), version };
  }

  /** {name: {kind, value}} of every object. */
  async objects() {
    const state = await this.get('/api/state');
    const out = {};
    for (const [name, o] of Object.entries(state.objects ?? {})) out[name] = { kind: o.kind, value: normalizeValue(o.kind, o.value) };
    return out;
  }

  /** Peer ids the node has accepted (hello done), from GET /api/peers. */
  async peerIds() {
    const peers = await this.get('/api/peers');
    const list = Array.isArray(peers) ? peers : peers.peers ?? [];
    return list.map((p) => (typeof p === 'string' ? p : p.peer ?? p.peer_id ?? p.peerId ?? p.id));
  }

  async peers() {
    const peers = await this.get('/api/peers');
    return Array.isArray(peers) ? peers : peers.peers ?? [];
  }
}

// ---- the browser ----------------------------------------------------------------------------

const launchOptions = () => ({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });

/** A headless chromium (each newContext() is a fresh profile: its own localStorage/OPFS). */
export async function launchBrowser(cleanup) {
  const browser = await chromium.launch(launchOptions());
  cleanup.add('close chromium', () => browser.close());
  return browser;
}

/** A persistent profile in `profileDir`: localStorage and OPFS survive page reloads and reopens. */
export async function launchPersistent(cleanup, profileDir) {
  const context = await chromium.launchPersistentContext(profileDir, launchOptions());
  cleanup.add('close persistent chromium', () => context.close());
  return context;
}

/** One Studio tab; collects the page's console errors and crashes for failure messages. */
export class Tab {
  constructor(page, name) {
    this.page = page;
    this.name = name;
    this.console = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning' || process.env.FF_E2E_VERBOSE) this.#note(`console.${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.#note(`pageerror: ${err.message}`));
    page.on('crash', () => this.#note('page crashed'));
  }

  #note(line) {
    if (process.env.FF_E2E_VERBOSE) process.stderr.write(`[${this.name}] ${line}\n`);
    this.console.push(line);
    if (this.console.length > MAX_CONSOLE_LINES) this.console.shift();
  }

  context() {
    return `${this.name} (${this.page.url()}); console:\n  ${this.console.slice(-20).join('\n  ') || '(nothing)'}`;
  }

  /** Opens `<http>/studio?id=<programId>` and waits for window.fabric and its `ready`. */
  /**
   * `requireReady: false` (a tab that cannot reach any peer): waits for window.fabric, then
   * for `ready` only briefly, in case the runtime resolves it only once connected.
   */
  static async open(context, http, programId, name = 'tab', { requireReady = true, path = '/studio' } = {}) {
    const page = await context.newPage();
    const tab = new Tab(page, name);
    await tab.goto(http, programId, { requireReady, path });
    return tab;
  }

  /** `path`: the page to open (default the Studio); it must set window.fabric as the Studio does. */
  async goto(http, programId, { requireReady = true, path = '/studio' } = {}) {
    this.openedAt = performance.now();
    await this.page.goto(`${http}${path}?id=${encodeURIComponent(programId)}`, { timeout: PAGE_READY_TIMEOUT_MS });
    await this.waitReady(requireReady);
  }

  async reload({ requireReady = true } = {}) {
    this.openedAt = performance.now();
    await this.page.reload({ timeout: PAGE_READY_TIMEOUT_MS });
    await this.waitReady(requireReady);
  }

  async waitReady(requireReady = true) {
    try {
      await this.page.waitForFunction(() => window.fabric != null, null, { timeout: PAGE_READY_TIMEOUT_MS, polling: 20 });
      if (!requireReady) {
        await this.eval(() => window.fabric.ready.then(() => true), undefined, UNREACHABLE_READY_WAIT_MS).catch(() => false);
        return;
      }
      await this.eval(() => window.fabric.ready.then(() => true), undefined, PAGE_READY_TIMEOUT_MS);
    } catch (err) {
      const banner = await this.page.locator('[data-testid=error]').textContent({ timeout: 1000 }).catch(() => '');
      throw new Error(`${this.name}: window.fabric never became ready: ${err.message}\nerror banner: ${banner || '(none)'}\n${this.context()}`);
    }
  }

  /** page.evaluate with a time limit. */
  async eval(fn, arg, timeoutMs = EVALUATE_TIMEOUT_MS) {
    let timer;
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name}: evaluate timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.page.evaluate(fn, arg), limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  peerId() { return this.eval(() => window.fabric.peerId); }

  /** Peer ids this tab is connected to (hello done), from window.fabric.peers(). */
  peerIds() {
    return this.eval(() => (window.fabric.peers() ?? []).map((p) => (typeof p === 'string' ? p : p.peer ?? p.peerId ?? p.peer_id ?? p.id)).map(String));
  }

  peers() { return this.eval(() => JSON.parse(JSON.stringify(window.fabric.peers() ?? []))); }

  /** The value of object `name` of `kind`, read through its typed handle. */
  value(kind, name) {
    return this.eval(([k, n]) => {
      const f = window.fabric;
      switch (k) {
        case 'counter': return Number(f.counter(n).value());
        case 'set': return [...f.set(n).values()].map(String).sort();
        case 'map': {
          const m = f.map(n);
          const e = m.entries();
          return e instanceof Map || Array.isArray(e) ? Object.fromEntries(e) : { ...e };
        }
        case 'list': return [...f.list(n).values()].map(String);
        case 'text': return String(f.text(n).value());
        default: throw new Error(`unknown kind ${k}`);
      }
    }, [kind, name]);
  }

  /**
   * Applies one op given in the API's JSON form (docs/api.md) through window.fabric; waits for
   * the returned promise, if any (the write's completion), with a time limit.
   */
  apply(name, op) {
    return this.eval(async ([n, o]) => {
      const f = window.fabric;
      let result;
      switch (`${o.kind}.${o.op}`) {
        case 'counter.increment': result = f.counter(n).increment(o.amount ?? 1); break;
        case 'set.add': result = f.set(n).add(o.value); break;
        case 'set.remove': result = f.set(n).remove(o.value); break;
        case 'map.put': { const m = f.map(n); result = (m.put ?? m.set).call(m, o.key, o.value); break; }
        case 'map.delete': result = f.map(n).delete(o.key); break;
        case 'list.insert': result = f.list(n).insert(o.index, o.value); break;
        case 'list.erase': result = f.list(n).erase(o.index, o.count ?? 1); break;
        case 'text.insert': result = f.text(n).insert(o.index, o.text); break;
        case 'text.erase': result = f.text(n).erase(o.index, o.count ?? 1); break;
        default: throw new Error(`unknown op ${o.kind}.${o.op}`);
      }
      await result;
      return true;
    }, [name, op]);
  }

  /** Names of the objects the tab knows, from its listing (objects()/state()), sorted. */
  objectNames() {
    return this.eval(async () => {
      const f = window.fabric;
      let listing = typeof f.objects === 'function' ? await f.objects() : typeof f.state === 'function' ? await f.state() : null;
      if (typeof listing === 'string') listing = JSON.parse(listing);
      if (listing && !Array.isArray(listing) && listing.objects) listing = listing.objects;
      if (listing == null) return null;
      return (Array.isArray(listing) ? listing.map((o) => String(o.name)) : Object.keys(listing)).sort();
    });
  }

  /** The value the Studio page shows for `name` (its data-value JSON), or undefined if no card. */
  async shownValue(name) {
    const card = this.page.locator(`[data-testid=object][data-object="${name.replace(/"/g, '\\"')}"] [data-testid=object-value]`);
    if ((await card.count()) === 0) return undefined;
    const json = await card.first().getAttribute('data-value', { timeout: 1000 });
    return json == null ? undefined : JSON.parse(json);
  }

  close() { return this.page.close(); }
}

/**
 * Cuts `context` off the network except the page's own files and /api/node: every WebSocket
 * (the libp2p transport) is closed at once and every other request fails. What a tab shows
 * then can only come from its own storage.
 */
export async function isolate(context) {
  await context.routeWebSocket(/.*/, (ws) => ws.close());
  await context.route((url) => !/^\/(studio|web\/|api\/node$)/.test(url.pathname), (route) => route.abort());
}
