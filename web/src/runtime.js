// The browser runtime: drives the IO-free FabricNode (compiled to wasm) with js-libp2p
// (WebSockets, Noise, Yamux, identify, ping, GossipSub) and a storage (localStorage + OPFS
// in a page, memory in tests). docs/browser-api.md is the page-facing contract; this file
// is the loop the "runtimes" paragraph describes: feed inputs, drain poll_effect(),
// carry out each effect, and call handle_timeout at next_timeout_ms().
//
// startFabricWith(createCore, options) takes the Emscripten module factory so the same code
// runs bundled (fabric.js imports the factory) and unbundled in Node tests.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { gossipsub, StrictSign } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { ping } from '@libp2p/ping';
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { encodeFrame, FrameDecoder, FrameError } from './frames.js';
import { emptyValue, HANDLE_CLASSES } from './handles.js';
import { browserStorage, browserStorageAvailable, checkStorage, memoryStorage } from './storage.js';

export const FABRIC_PROTOCOL = '/fabric/1.0.0';

// Bounds (STYLE.md 5). A peer whose frames we cannot write fast enough is disconnected and
// caught up by anti-entropy after it reconnects, rather than buffered without limit.
const MAX_QUEUED_SEND_BYTES = 16 * 1024 * 1024; // per peer
const MAX_PENDING_PUBLISHES = 1024;
// Publishes that reached nobody (GossipSub had not yet learnt a new peer's subscription) are
// kept this long, this many, and sent again when a peer subscribes; otherwise they would
// wait for the next pulse (5 s) to travel.
const MAX_UNSENT_PUBLISHES = 256;
const UNSENT_PUBLISH_MAX_AGE_MS = 30_000;
const RESEND_INTERVAL_MS = 250;
const MAX_EFFECTS_PER_TURN = 10_000; // then yield to the event loop and continue
const MAX_TIMER_DELAY_MS = 2_147_483_647; // setTimeout's limit
const MAX_LISTENERS_PER_EVENT = 1024;
const STREAM_OPEN_TIMEOUT_MS = 10_000;
const DIAL_TIMEOUT_MS = 10_000;
const RECONNECT_INITIAL_MS = 250;
const RECONNECT_MAX_MS = 30_000;
const PING_INTERVAL_MS = 5_000;
const PING_TIMEOUT_MS = 5_000;
const API_TIMEOUT_MS = 5_000;
const JOURNAL_RETRY_INITIAL_MS = 500;
const JOURNAL_RETRY_MAX_MS = 30_000;

const SOVEREIGNTIES = ['authority', 'citizen', 'ephemeral'];
const CORE_EVENTS = {
  peer_joined: 'peer:joined',
  peer_left: 'peer:left',
  peer_stale: 'peer:stale',
  peer_active: 'peer:active',
  object_changed: 'change',
  write_done: 'write',
  warning: 'warning',
  rejected: 'rejected',
};

/** Milliseconds on a clock that never goes backwards and is close to wall time. */
function now() {
  return Math.floor(performance.timeOrigin + performance.now());
}

function toBytes(chunk) {
  return chunk instanceof Uint8Array ? chunk : chunk.subarray();
}

function concat(parts) {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

function randomHex64() {
  const bytes = new Uint8Array(8);
  for (;;) {
    globalThis.crypto.getRandomValues(bytes);
    if (bytes.some((b) => b !== 0)) break;
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** An Error carrying the core's error code ("kInvalidInput", ...). */
export class FabricError extends Error {
  constructor(result, context) {
    super(`${context}: ${result.error}`);
    this.name = 'FabricError';
    this.code = result.code;
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/**
 * Rewrites an address the native node advertises into one this page can dial: a wildcard
 * (0.0.0.0, ::) becomes the page's own host, and so does loopback (docs/api.md: the node
 * reports 0.0.0.0 listeners as 127.0.0.1) when the page itself came from another host.
 */
export function dialableAddr(addr, pageHost) {
  const wildcard = /^\/ip[46]\/(0\.0\.0\.0|::)\//.test(addr);
  const loopback = /^\/ip4\/127\.\d+\.\d+\.\d+\/|^\/ip6\/::1\//.test(addr);
  if (!wildcard && !(loopback && pageHost && !LOOPBACK_HOST.test(pageHost))) return addr;
  const rest = addr.replace(/^\/ip[46]\/[^/]+/, '');
  if (!pageHost || LOOPBACK_HOST.test(pageHost)) return `/ip4/127.0.0.1${rest}`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(pageHost)) return `/ip4/${pageHost}${rest}`;
  if (pageHost.startsWith('[')) return `/ip6/${pageHost.slice(1, -1)}${rest}`;
  return `/dns4/${pageHost}${rest}`;
}

/** The PeerId text of a multiaddr's last /p2p/ component, or null. */
export function peerIdOfAddr(addr) {
  const match = /\/p2p\/([^/]+)\/?$/.exec(String(addr));
  return match ? match[1] : null;
}

/** Per remote peer: its connections, our outbound /fabric/1.0.0 stream and send queue. */
class PeerSession {
  constructor(peer, peerId) {
    this.peer = peer;
    this.peerId = peerId;
    this.connections = new Set();
    this.stream = null;
    this.streamConnection = null;
    this.opening = false;
    this.queue = [];
    this.queuedBytes = 0;
    this.writing = false;
    this.rttMs = null;
    this.pinging = false;
  }
}

class Fabric {
  #core;
  #node;
  #journal;
  #storage;
  #libp2p;
  #topic;
  #options;
  #stopped = false;
  #nodeShutDown = false;
  #stopController = new AbortController();
  #listeners = new Map(); // event -> Set(cb)
  #objectListeners = new Map(); // object name -> Set(cb)
  #handles = new Map(); // name -> handle
  #pendingWrites = new Map(); // "origin:seq" -> {resolve, reject}
  #sessions = new Map(); // peer id text -> PeerSession
  #pumping = false;
  #pumpScheduled = false;
  #timer = null;
  #timerAt = -1;
  #journalQueue = []; // {ticket, bytes} written by the core's journal, not yet stored
  #journalFlushing = false;
  #journalBroken = null;
  #publishChain = Promise.resolve();
  #publishPending = 0;
  #unsent = []; // {data, at}
  #resendTimer = null;
  #joined = false;
  #pingTimer = null;
  #connectionWaiters = new Set();
  #status = { state: 'starting' };
  #release; // gives up the page's claim on the program's browser storage
  #readyResolve;
  #counters = {
    framesIn: 0,
    framesOut: 0,
    frameErrors: 0,
    gossipIn: 0,
    publishes: 0,
    publishErrors: 0,
    publishesDropped: 0,
    publishesUnsent: 0,
    sendDropped: 0,
    journalAppends: 0,
    journalErrors: 0,
    listenerErrors: 0,
    restoreErrors: 0,
    dials: 0,
    dialErrors: 0,
  };

  constructor({ core, node, journal, storage, topic, options, peerId, replicaId, release }) {
    this.#release = release;
    this.#core = core;
    this.#node = node;
    this.#journal = journal;
    this.#storage = storage;
    this.#topic = topic;
    this.#options = options;
    this.programId = options.programId;
    this.sovereignty = options.sovereignty;
    this.peerId = peerId;
    this.replicaId = replicaId;
    this.topic = topic;
    // Where the journal is kept: 'opfs-worker', 'opfs-main-thread', 'memory' or 'custom'.
    this.storageKind = storage.kind === 'browser' ? storage.journalBackend ?? 'custom' : storage.kind === 'memory' ? 'memory' : 'custom';
    this.ready = new Promise((resolve) => {
      this.#readyResolve = resolve;
    });
  }

  // ---------------------------------------------------------------- public API

  /** Hello-accepted peers: [{peerId, sovereignty, rttMs, stale, agent, replicaId}]. */
  peers() {
    return this.#node.peers().map((info) => {
      const session = this.#sessions.get(info.peerId);
      return {
        peerId: info.peerId,
        sovereignty: info.sovereignty,
        rttMs: session?.rttMs ?? null,
        stale: info.stale,
        agent: info.agent,
        replicaId: info.replicaId,
        capabilityTier: info.capabilityTier,
      };
    });
  }

  counter(name, options) {
    return this.#handle(name, 'counter', options);
  }
  set(name, options) {
    return this.#handle(name, 'set', options);
  }
  map(name, options) {
    return this.#handle(name, 'map', options);
  }
  list(name, options) {
    return this.#handle(name, 'list', options);
  }
  text(name, options) {
    return this.#handle(name, 'text', options);
  }

  /** [{name, kind, policy, value}] */
  objects() {
    return this.#node.objects().map((o) => ({ name: o.name, kind: o.kind, policy: o.policy, value: JSON.parse(o.valueJson) }));
  }

  /** The whole state as the native GET /api/state returns it. */
  state() {
    return JSON.parse(this.#node.stateJson());
  }

  metrics() {
    return { ...this.#node.metrics(), ...this.#counters, journalBytesStored: this.#journal?.fileBytes() ?? 0 };
  }

  /** Connection status: {state: 'starting'|'connecting'|'connected'|'offline'|'stopped', ...}. */
  status() {
    return { ...this.#status };
  }

  /** The underlying js-libp2p node (for diagnostics and tests; do not stop it directly). */
  get libp2p() {
    return this.#libp2p;
  }

  /** Our listening addresses (empty in a page: browsers only dial). */
  addrs() {
    return this.#libp2p.getMultiaddrs().map(String);
  }

  /** Dials `addr` (a multiaddr with /p2p/<id>) once; rejects on failure. */
  async dial(addr) {
    await this.#libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) });
  }

  /**
   * Events: 'change' {object}, 'peer:joined' {peer, sovereignty}, 'peer:left' {peer},
   * 'peer:stale' {peer}, 'peer:active' {peer}, 'write' {write, ok, error, acks, degraded},
   * 'warning' {text, object, peer}, 'rejected' {peer, text}, 'status' {state, ...},
   * 'event' (every core event as it came). Returns an unsubscribe function.
   */
  on(event, cb) {
    if (typeof cb !== 'function') throw new TypeError('listener must be a function');
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    if (set.size >= MAX_LISTENERS_PER_EVENT) throw new RangeError(`too many "${event}" listeners`);
    set.add(cb);
    return () => this.off(event, cb);
  }

  off(event, cb) {
    this.#listeners.get(event)?.delete(cb);
  }

  /** Stops networking and timers; pending writes reject. The journal keeps what was stored. */
  async stop() {
    if (this.#stopped) return;
    this.#shutdownNode();
    // The Shutdown record must reach OPFS for the next start to keep this replica.
    for (let i = 0; i < 200 && (this.#journalQueue.length > 0 || this.#journalFlushing); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    this.#stopped = true;
    this.#stopController.abort();
    clearTimeout(this.#timer);
    clearInterval(this.#pingTimer);
    clearTimeout(this.#resendTimer);
    this.#wakeConnectionWaiters();
    for (const { reject } of this.#pendingWrites.values()) reject(new Error('fabric stopped'));
    this.#pendingWrites.clear();
    this.#setStatus({ state: 'stopped' });
    await this.#libp2p.stop().catch(() => {});
    // Let a journal write in flight finish so a test can reopen the same storage.
    for (let i = 0; i < 100 && this.#journalFlushing; i++) await new Promise((r) => setTimeout(r, 10));
    await this.#release();
  }

  // A clean stop of the core: it journals a Shutdown record and takes no more input.
  #shutdownNode() {
    if (this.#nodeShutDown) return;
    this.#nodeShutDown = true;
    this.#node.shutdown(now());
    this.#pump();
  }

  // ---------------------------------------------------------------- startup

  async _start(libp2pOptions) {
    this.#libp2p = await createLibp2p(libp2pOptions);
    const libp2p = this.#libp2p;
    await libp2p.handle(FABRIC_PROTOCOL, (stream, connection) => this.#readInbound(stream, connection), {
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
    });
    libp2p.addEventListener('connection:open', (evt) => this.#onConnectionOpen(evt.detail));
    libp2p.addEventListener('connection:close', (evt) => this.#onConnectionClose(evt.detail));
    const pubsub = libp2p.services.pubsub;
    pubsub.addEventListener('gossipsub:message', (evt) => this.#onGossip(evt.detail));
    pubsub.addEventListener('subscription-change', (evt) => this.#onSubscriptionChange(evt.detail));
    pubsub.subscribe(this.#topic);
    this.#pingTimer = setInterval(() => this.#pingAll(), PING_INTERVAL_MS);
    // A page going away (not into the back/forward cache) is a stop: its Shutdown record may
    // still reach OPFS. If it does not, the next start writes as a fresh replica: safe too.
    if (typeof globalThis.addEventListener === 'function') {
      globalThis.addEventListener('pagehide', (event) => {
        if (!event.persisted) this.#shutdownNode();
      });
    }
    this.#pump();
    // A bug in the loop must not leave the page offline for good: restart it, slowly.
    const connect = () =>
      this.#connectLoop().catch((err) => {
        this.#warn(`connect loop failed: ${err?.message ?? err}; restarting`);
        if (!this.#stopped) setTimeout(connect, RECONNECT_MAX_MS);
      });
    connect();
  }

  // ---------------------------------------------------------------- effects

  #pump() {
    if (this.#pumping || this.#stopped) return; // the outer loop drains what we added
    this.#pumping = true;
    try {
      for (let n = 0; ; n++) {
        if (n >= MAX_EFFECTS_PER_TURN) {
          this.#schedulePump();
          break;
        }
        const effect = this.#node.pollEffect();
        if (effect === null) break;
        try {
          this.#carryOut(effect);
        } catch (err) {
          this.#warn(`effect ${effect.type} failed: ${err?.message ?? err}`);
        }
      }
    } finally {
      this.#pumping = false;
    }
    this.#scheduleTimer();
  }

  #schedulePump() {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setTimeout(() => {
      this.#pumpScheduled = false;
      this.#pump();
    }, 0);
  }

  #scheduleTimer() {
    if (this.#stopped) return;
    const next = this.#node.nextTimeoutMs();
    if (next < 0) {
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#timerAt = -1;
      return;
    }
    if (this.#timer !== null && this.#timerAt === next) return;
    clearTimeout(this.#timer);
    this.#timerAt = next;
    const delay = Math.min(Math.max(0, next - now()), MAX_TIMER_DELAY_MS);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = -1;
      if (this.#stopped) return;
      this.#node.handleTimeout(now());
      this.#pump();
    }, delay);
  }

  #carryOut(effect) {
    switch (effect.type) {
      case 'send': return this.#send(effect.peer, effect.frame);
      case 'publish': return this.#publish(effect.data);
      case 'persist': return this.#persist(effect.ticket, effect.record);
      case 'disconnect': return this.#disconnect(effect.peer, effect.reason);
      case 'event': return this.#onCoreEvent(effect);
      default: return this.#warn(`unknown effect ${effect.type}`);
    }
  }

  #onCoreEvent(event) {
    this.#emit('event', event);
    const name = CORE_EVENTS[event.kind];
    switch (event.kind) {
      case 'object_changed': {
        this.#emit('change', { object: event.object });
        const listeners = this.#objectListeners.get(event.object);
        if (listeners && listeners.size > 0) {
          const handle = this.#handles.get(event.object);
          const value = this.#value(event.object, handle?.kind);
          for (const cb of [...listeners]) this.#call(cb, value);
        }
        return;
      }
      case 'write_done': {
        const key = `${event.write.origin}:${event.write.seq}`;
        const pending = this.#pendingWrites.get(key);
        const result = { write: event.write, ok: event.ok, acks: event.acks, degraded: event.degraded };
        if (!event.ok) Object.assign(result, { code: event.code, error: event.error });
        if (pending) {
          this.#pendingWrites.delete(key);
          if (event.ok) pending.resolve(result);
          else pending.reject(new FabricError(event, 'write failed'));
        }
        this.#emit('write', result);
        return;
      }
      case 'peer_joined':
        this.#emit(name, { peer: event.peer, sovereignty: event.text });
        this.#joined = true;
        this.#checkReady();
        return;
      default:
        this.#emit(name ?? event.kind, { peer: event.peer, object: event.object, text: event.text });
    }
  }

  // ---------------------------------------------------------------- direct streams

  #session(connection) {
    const peer = connection.remotePeer.toString();
    let session = this.#sessions.get(peer);
    if (!session) {
      session = new PeerSession(peer, connection.remotePeer);
      this.#sessions.set(peer, session);
      session.connections.add(connection);
      this.#node.peerConnected(peer, now());
      this.#pump();
      this.#pingPeer(session);
    } else {
      session.connections.add(connection);
    }
    return session;
  }

  #onConnectionOpen(connection) {
    if (this.#stopped) return;
    const session = this.#session(connection);
    this.#setStatus({ state: 'connected', peers: this.#sessions.size });
    this.#openOutbound(session);
  }

  #onConnectionClose(connection) {
    const peer = connection.remotePeer.toString();
    const session = this.#sessions.get(peer);
    this.#wakeConnectionWaiters();
    if (!session) return;
    session.connections.delete(connection);
    if (session.streamConnection === connection) {
      session.stream = null;
      session.streamConnection = null;
    }
    if (session.connections.size === 0) {
      this.#sessions.delete(peer);
      session.queue = [];
      session.queuedBytes = 0;
      if (!this.#stopped) {
        this.#node.peerDisconnected(peer, now());
        this.#pump();
        if (this.#sessions.size === 0) this.#setStatus({ state: 'connecting' });
      }
    } else {
      this.#openOutbound(session);
    }
  }

  async #openOutbound(session) {
    if (session.stream || session.opening || this.#stopped) return;
    const connection = [...session.connections].find((c) => c.status === 'open');
    if (!connection) return;
    session.opening = true;
    try {
      const stream = await connection.newStream(FABRIC_PROTOCOL, { signal: AbortSignal.timeout(STREAM_OPEN_TIMEOUT_MS) });
      if (this.#sessions.get(session.peer) !== session || !session.connections.has(connection)) {
        stream.abort(new Error('connection went away'));
        return;
      }
      session.stream = stream;
      session.streamConnection = connection;
      stream.addEventListener('close', () => {
        if (session.stream !== stream) return;
        session.stream = null;
        session.streamConnection = null;
        // Frames may have been lost with the stream; the peer's view of our protocol
        // state is now unknown, so start over with a fresh connection (Hello + catch-up).
        if (!this.#stopped && connection.status === 'open') {
          this.#warn(`fabric stream to ${session.peer} closed; reconnecting`);
          connection.close().catch(() => connection.abort(new Error('fabric stream closed')));
        }
      });
      this.#flush(session);
    } catch (err) {
      if (this.#stopped) return;
      this.#warn(`cannot open ${FABRIC_PROTOCOL} to ${session.peer}: ${err?.message ?? err}`);
      connection.abort(err instanceof Error ? err : new Error(String(err)));
    } finally {
      session.opening = false;
    }
  }

  #send(peer, frame) {
    const session = this.#sessions.get(peer);
    if (!session) {
      this.#counters.sendDropped++;
      return;
    }
    if (session.queuedBytes + frame.byteLength > MAX_QUEUED_SEND_BYTES) {
      this.#counters.sendDropped++;
      this.#warn(`send queue to ${peer} is full; disconnecting it`);
      this.#hangUp(session, 'send queue full');
      return;
    }
    session.queue.push(frame);
    session.queuedBytes += frame.byteLength;
    this.#flush(session);
  }

  async #flush(session) {
    if (session.writing || !session.stream) return;
    session.writing = true;
    const stream = session.stream;
    try {
      while (session.queue.length > 0 && session.stream === stream) {
        const frame = session.queue.shift();
        session.queuedBytes -= frame.byteLength;
        this.#counters.framesOut++;
        if (!stream.send(encodeFrame(frame))) {
          await stream.onDrain({ signal: this.#stopController.signal });
        }
      }
    } catch (err) {
      if (!this.#stopped) {
        this.#warn(`writing to ${session.peer} failed: ${err?.message ?? err}`);
        stream.abort(err instanceof Error ? err : new Error(String(err)));
      }
    } finally {
      session.writing = false;
    }
    // A frame queued while we awaited drain on a replaced stream.
    if (session.queue.length > 0 && session.stream && session.stream !== stream) this.#flush(session);
  }

  async #readInbound(stream, connection) {
    if (this.#stopped || connection.status !== 'open') {
      stream.abort(new Error('connection is closing'));
      return;
    }
    const session = this.#session(connection);
    const decoder = new FrameDecoder(this.#core.maxDirectFrameBytes);
    try {
      for await (const chunk of stream) {
        if (this.#stopped) break;
        for (const frame of decoder.push(toBytes(chunk))) {
          this.#counters.framesIn++;
          this.#node.handleDirect(session.peer, frame, now());
          this.#pump();
        }
      }
    } catch (err) {
      if (this.#stopped) return;
      if (!(err instanceof FrameError)) return; // reset or closed: connection:close follows
      this.#counters.frameErrors++;
      this.#warn(`bad ${FABRIC_PROTOCOL} stream from ${session.peer}: ${err.message}`);
      stream.abort(err);
      connection.abort(new Error(`fabric protocol error: ${err.message}`));
    }
  }

  #disconnect(peer, reason) {
    const session = this.#sessions.get(peer);
    this.#warn(`disconnecting ${peer}: ${reason}`);
    if (session) this.#hangUp(session, reason);
    else this.#libp2p.hangUp(peerIdFromString(peer)).catch(() => {});
  }

  #hangUp(session, reason) {
    for (const connection of session.connections) {
      connection.close().catch(() => connection.abort(new Error(reason)));
    }
  }

  // ---------------------------------------------------------------- gossip

  #onGossip({ msg, propagationSource }) {
    if (this.#stopped || msg.topic !== this.#topic) return;
    if (msg.data.byteLength > this.#core.maxGossipMessageBytes) {
      this.#counters.frameErrors++;
      return;
    }
    this.#counters.gossipIn++;
    this.#node.handleGossip(propagationSource.toString(), msg.data, now());
    this.#pump();
  }

  // Ready = a peer accepted our Hello and GossipSub knows a subscriber of our topic, so a
  // write made now travels at once.
  #checkReady() {
    if (this.#joined && this.#libp2p.services.pubsub.getSubscribers(this.#topic).length > 0) this.#readyResolve(this);
  }

  #onSubscriptionChange({ subscriptions }) {
    if (this.#stopped || !subscriptions.some((s) => s.topic === this.#topic && s.subscribe)) return;
    this.#checkReady();
    // After the subscription is recorded (this event fires while it is being processed).
    this.#scheduleResend(0);
  }

  // Publishes again what reached nobody: GossipSub may know a peer's subscription before
  // its outbound stream to that peer is open. Retried every 250 ms for up to 30 s per
  // message, and at once when a peer subscribes.
  #scheduleResend(delayMs) {
    if (this.#resendTimer !== null) {
      if (delayMs > 0) return;
      clearTimeout(this.#resendTimer);
    }
    this.#resendTimer = setTimeout(() => {
      this.#resendTimer = null;
      if (this.#stopped) return;
      const cutoff = now() - UNSENT_PUBLISH_MAX_AGE_MS;
      const resend = this.#unsent.filter((u) => u.at >= cutoff);
      this.#unsent = [];
      for (const { data, at } of resend) this.#publish(data, at);
    }, delayMs);
  }

  #publish(data, firstAt = now()) {
    if (this.#publishPending >= MAX_PENDING_PUBLISHES) {
      // Anti-entropy (pulses) delivers what a dropped publish would have.
      this.#counters.publishesDropped++;
      return;
    }
    this.#publishPending++;
    const pubsub = this.#libp2p.services.pubsub;
    this.#publishChain = this.#publishChain
      .then(() => (this.#stopped ? null : pubsub.publish(this.#topic, data)))
      .then((result) => {
        this.#counters.publishes++;
        if (result && result.recipients.length === 0 && this.#sessions.size > 0) {
          this.#counters.publishesUnsent++;
          this.#unsent.push({ data, at: firstAt });
          if (this.#unsent.length > MAX_UNSENT_PUBLISHES) this.#unsent.shift();
          this.#scheduleResend(RESEND_INTERVAL_MS);
        }
      })
      .catch((err) => {
        this.#counters.publishErrors++;
        if (!this.#stopped) this.#warn(`publish failed: ${err?.message ?? err}`);
      })
      .finally(() => {
        this.#publishPending--;
      });
  }

  // ---------------------------------------------------------------- journal

  #persist(ticket, record) {
    if (this.#journalBroken) return; // writes stay pending; the warning said why
    const appended = this.#journal.append(record);
    if (!appended.ok) {
      this.#journalBroken = appended.error;
      this.#warn(`journal append failed (${appended.code}): ${appended.error}; writes can no longer complete`);
      return;
    }
    this.#journalQueue.push({ ticket, truncate: appended.truncate ? appended.truncateBytes : -1, bytes: appended.append });
    this.#flushJournal();
  }

  async #flushJournal() {
    if (this.#journalFlushing) return;
    this.#journalFlushing = true;
    let retryMs = JOURNAL_RETRY_INITIAL_MS;
    try {
      while (this.#journalQueue.length > 0 && !this.#stopped) {
        // Everything pending goes in one append (one OPFS commit); a truncate (never after
        // start, but the journal may ask) ends a batch.
        let end = 0;
        while (end < this.#journalQueue.length && (end === 0 || this.#journalQueue[end].truncate < 0)) end++;
        const batch = this.#journalQueue.slice(0, end);
        try {
          if (batch[0].truncate >= 0) await this.#storage.truncateJournal(batch[0].truncate);
          await this.#storage.appendJournal(concat(batch.map((b) => b.bytes)));
        } catch (err) {
          this.#counters.journalErrors++;
          this.#warn(`journal write failed: ${err?.message ?? err}; retrying in ${retryMs} ms`);
          await sleep(retryMs, this.#stopController.signal);
          retryMs = Math.min(retryMs * 2, JOURNAL_RETRY_MAX_MS);
          continue;
        }
        retryMs = JOURNAL_RETRY_INITIAL_MS;
        this.#journalQueue.splice(0, end);
        this.#counters.journalAppends++;
        if (this.#stopped) break;
        this.#node.persisted(batch[batch.length - 1].ticket, now());
        this.#pump();
      }
    } finally {
      this.#journalFlushing = false;
    }
  }

  // ---------------------------------------------------------------- objects

  #handle(name, kind, options = {}) {
    const existing = this.#handles.get(name);
    if (existing && existing.kind === kind && options.durability === undefined) return existing;
    const mounted = this.#node.mount(name, kind, options.durability ?? existing?.policy ?? 'local');
    if (!mounted.ok) throw new FabricError(mounted, `${kind}("${name}")`);
    const handle = existing && existing.kind === kind ? existing : new HANDLE_CLASSES[kind](this.#handleHost, name, kind);
    handle.policy = options.durability ?? existing?.policy ?? 'local';
    this.#handles.set(name, handle);
    this.#pump();
    return handle;
  }

  #value(name, kind) {
    const result = this.#node.objectJson(name);
    if (!result.ok) return emptyValue(kind);
    return JSON.parse(result.json);
  }

  #write(kind, action, object, { amount = 0, key = '', value = '', index = 0, count = 0 }) {
    if (this.#stopped) throw new Error('fabric stopped');
    const result = this.#node.apply(kind, action, object, amount, key, value, index, count, now());
    if (!result.ok) throw new FabricError(result, `${kind} ${action} on "${object}"`);
    const id = `${result.write.origin}:${result.write.seq}`;
    const done = new Promise((resolve, reject) => this.#pendingWrites.set(id, { resolve, reject }));
    done.catch(() => {}); // a page that ignores a write's outcome must not see unhandled rejections
    this.#pump();
    return done;
  }

  #handleHost = {
    value: (name, kind) => this.#value(name, kind),
    write: (kind, action, object, fields) => this.#write(kind, action, object, fields),
    listen: (name, cb) => {
      if (typeof cb !== 'function') throw new TypeError('listener must be a function');
      let set = this.#objectListeners.get(name);
      if (!set) this.#objectListeners.set(name, (set = new Set()));
      if (set.size >= MAX_LISTENERS_PER_EVENT) throw new RangeError(`too many listeners on "${name}"`);
      set.add(cb);
      return () => set.delete(cb);
    },
    unlisten: (name, cb) => this.#objectListeners.get(name)?.delete(cb),
  };

  // ---------------------------------------------------------------- connecting

  // Dials the bootstrap peer (from options, ?peer=, or GET /api/node) and redials with
  // exponential backoff whenever no connection to it is left.
  async #connectLoop() {
    const signal = this.#stopController.signal;
    let delay = RECONNECT_INITIAL_MS;
    if (!this.#options.bootstrap.length && !this.#options.api) {
      this.#setStatus({ state: 'offline', reason: 'no bootstrap peer configured' });
      this.#readyResolve(this);
      return;
    }
    while (!this.#stopped) {
      let addrs = this.#options.bootstrap;
      if (addrs.length === 0) {
        try {
          addrs = await this.#fetchApiAddrs();
        } catch (err) {
          this.#setStatus({ state: 'connecting', error: `GET ${this.#options.api}: ${err?.message ?? err}`, retryInMs: delay });
          await sleep(delay + Math.random() * delay * 0.2, signal);
          delay = Math.min(delay * 2, RECONNECT_MAX_MS);
          continue;
        }
      }
      let connected = null;
      let lastError = null;
      for (const addr of addrs) {
        if (this.#stopped) return;
        const target = multiaddr(addr);
        const peerText = peerIdOfAddr(addr);
        if (peerText && this.#libp2p.getConnections(peerIdFromString(peerText)).length > 0) {
          connected = peerText;
          break;
        }
        this.#setStatus({ state: 'connecting', addr });
        this.#counters.dials++;
        try {
          const connection = await this.#libp2p.dial(target, { signal: AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) });
          connected = connection.remotePeer.toString();
          break;
        } catch (err) {
          this.#counters.dialErrors++;
          lastError = `${addr}: ${err?.message ?? err}`;
        }
      }
      if (this.#stopped) return;
      if (connected === null) {
        this.#setStatus({ state: 'connecting', error: lastError ?? 'no address to dial', retryInMs: delay });
        await sleep(delay + Math.random() * delay * 0.2, signal);
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
        continue;
      }
      delay = RECONNECT_INITIAL_MS;
      const peerId = peerIdFromString(connected);
      while (!this.#stopped && this.#libp2p.getConnections(peerId).length > 0) {
        await new Promise((resolve) => this.#connectionWaiters.add(resolve));
      }
    }
  }

  async #fetchApiAddrs() {
    const response = await fetch(this.#options.api, { signal: AbortSignal.timeout(API_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const info = await response.json();
    if (info.program_id !== undefined && info.program_id !== this.programId) {
      this.#warn(`the node at ${this.#options.api} runs program "${info.program_id}", not "${this.programId}"`);
    }
    const addrs = Array.isArray(info.ws_addrs) ? info.ws_addrs.filter((a) => typeof a === 'string') : [];
    if (addrs.length === 0) throw new Error('no ws_addrs');
    const host = typeof location !== 'undefined' ? location.hostname : '';
    return addrs.map((a) => dialableAddr(a, host));
  }

  #wakeConnectionWaiters() {
    const waiters = [...this.#connectionWaiters];
    this.#connectionWaiters.clear();
    for (const wake of waiters) wake();
  }

  // ---------------------------------------------------------------- ping

  #pingAll() {
    for (const session of this.#sessions.values()) this.#pingPeer(session);
  }

  async #pingPeer(session) {
    if (session.pinging || this.#stopped) return;
    session.pinging = true;
    try {
      const started = performance.now();
      await this.#libp2p.services.ping.ping(session.peerId, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
      session.rttMs = performance.now() - started;
    } catch {
      // The peer may not speak ping yet (still identifying) or be gone; keep the last value.
    } finally {
      session.pinging = false;
    }
  }

  // ---------------------------------------------------------------- events

  #emit(event, detail) {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const cb of [...set]) this.#call(cb, detail);
  }

  #call(cb, detail) {
    try {
      cb(detail);
    } catch (err) {
      this.#counters.listenerErrors++;
      console.error('fabric: listener threw', err);
    }
  }

  #warn(text) {
    this.#emit('warning', { text });
    if (this.#options.log) this.#options.log(text);
  }

  #setStatus(status) {
    this.#status = status;
    this.#emit('status', { ...status });
  }

  // Restores the journal; called before networking starts.
  _restore(records) {
    for (const record of records) {
      const restored = this.#node.restore(record);
      if (!restored.ok) {
        this.#counters.restoreErrors++;
        this.#warn(`journal record not restored (${restored.code}): ${restored.error}`);
      }
    }
    this.#node.restored(now());
    this.replicaId = this.#node.replicaId(); // the session's replica, fresh after an unclean stop
  }
}

/**
 * Claims the program's browser storage for this page with a Web Lock, held until stop() or
 * the page goes away. Two tabs sharing one identity would be one replica writing the same
 * sequence numbers twice, and would append to one OPFS file at once; so a second tab gets
 * false and runs on memory storage (a fresh identity) instead.
 */
async function claimBrowserStorage(programId) {
  if (typeof navigator === 'undefined' || typeof navigator.locks?.request !== 'function') {
    return { claimed: true, release: () => {} };
  }
  let release = () => {};
  const held = new Promise((resolve) => {
    release = resolve;
  });
  const claimed = await new Promise((resolve) => {
    navigator.locks
      .request(`fabric/${programId}/storage`, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        return lock === null ? undefined : held;
      })
      .catch(() => resolve(true)); // locks unusable (e.g. opaque origin): nothing to guard
  });
  return { claimed, release: () => release() };
}

/** Resolves the `storage` option into a storage object (see storage.js). */
async function chooseStorage(choice, options) {
  const log = options.log ?? (() => {});
  if (choice !== undefined && typeof choice === 'object' && choice !== null) {
    return { storage: checkStorage(choice), release: () => {} };
  }
  const wanted = choice === undefined || choice === 'auto' ? (browserStorageAvailable() ? 'browser' : 'memory') : choice;
  if (wanted === 'memory') return { storage: memoryStorage(), release: () => {} };
  if (wanted !== 'browser') throw new TypeError(`startFabric: storage must be 'auto', 'browser', 'memory' or an object`);
  const { claimed, release } = await claimBrowserStorage(options.programId);
  if (!claimed) {
    log(`another tab holds the storage of "${options.programId}"; this tab uses a fresh in-memory identity`);
    return { storage: memoryStorage(), release };
  }
  const storage = browserStorage(options.programId);
  // The journal file (and its worker) go before the lock: the next owner must find it free.
  const closeAndRelease = async () => {
    await storage.close().catch(() => {});
    release();
  };
  try {
    // Probe both halves now: a browser without usable OPFS (private mode, quota) should
    // still get a working node, only without persistence.
    await storage.loadIdentity();
    await storage.readJournal();
    return { storage, release: closeAndRelease };
  } catch (err) {
    await storage.close().catch(() => {});
    if (choice === 'browser') {
      release();
      throw err;
    }
    log(`browser storage unavailable (${err?.message ?? err}); using memory`);
    return { storage: memoryStorage(), release };
  }
}

function normaliseOptions(options, location) {
  if (typeof options?.programId !== 'string') throw new TypeError('startFabric: programId (string) is required');
  const sovereignty = options.sovereignty ?? 'citizen';
  if (!SOVEREIGNTIES.includes(sovereignty)) {
    throw new TypeError(`startFabric: sovereignty must be one of ${SOVEREIGNTIES.join(', ')}`);
  }
  let bootstrap = options.bootstrap ?? [];
  if (typeof bootstrap === 'string') bootstrap = [bootstrap];
  let api = options.api ?? null;
  const browserPage = location && /^https?:$/.test(location.protocol);
  if (bootstrap.length === 0 && browserPage) {
    const peer = new URLSearchParams(location.search).get('peer');
    if (peer) bootstrap = [peer];
    else if (api === null) api = new URL('/api/node', location.origin).toString();
  }
  if (api === false) api = null;
  for (const addr of bootstrap) multiaddr(addr); // throws on a malformed address
  return {
    programId: options.programId,
    sovereignty,
    bootstrap,
    api,
    listen: options.listen ?? [],
    log: options.log ?? null,
  };
}

/**
 * Starts a runtime (docs/browser-api.md). `createCore` is the Emscripten module factory of
 * the wasm build's bin/fabric_core.mjs.
 */
export async function startFabricWith(createCore, rawOptions = {}) {
  const pageLocation = typeof location !== 'undefined' ? location : null;
  const options = normaliseOptions(rawOptions, pageLocation);
  const core = await createCore();
  const topic = core.syncTopic(options.programId);
  if (!topic.ok) throw new FabricError(topic, 'startFabric: programId');

  const { storage, release } = await chooseStorage(rawOptions.storage, options);
  try {
    return await startOnStorage(core, topic.topic, options, storage, release);
  } catch (err) {
    await release(); // the next start (a retry, another tab) must find the storage free
    throw err;
  }
}

async function startOnStorage(core, topic, options, storage, release) {
  // Identity: the same PeerId across reloads (the journal's replica id derives from it).
  let privateKey = null;
  const savedKey = await storage.loadIdentity();
  if (savedKey !== null) {
    try {
      privateKey = privateKeyFromProtobuf(savedKey);
    } catch (err) {
      options.log?.(`stored identity unreadable (${err.message}); creating a new one`);
    }
  }
  if (privateKey === null) {
    privateKey = await generateKeyPair('Ed25519');
    await storage.saveIdentity(privateKeyToProtobuf(privateKey));
  }
  const peerId = peerIdFromPrivateKey(privateKey).toString();

  const node = new core.FabricNode();
  const ephemeral = options.sovereignty === 'ephemeral';
  const init = node.init({
    programId: options.programId,
    peerId,
    sovereignty: options.sovereignty,
    agent: 'fluid-fabric-web/0.1',
    // Ephemeral nodes keep no journal, so a restart must not reuse their sequence numbers;
    // journalled ones write as a fresh replica after a start that followed no clean stop
    // (own writes are published before OPFS has flushed them).
    ...(ephemeral ? { replicaId: randomHex64() } : { freshReplicaId: randomHex64() }),
  });
  if (!init.ok) throw new FabricError(init, 'startFabric');

  let journal = null;
  let records = [];
  if (!ephemeral) {
    journal = new core.Journal();
    const opened = journal.open(await storage.readJournal());
    if (!opened.ok) throw new FabricError(opened, 'startFabric: journal');
    if (opened.corruptReports > 0) options.log?.(`journal: skipped corruption: ${opened.corruption}`);
    if (opened.truncate) await storage.truncateJournal(opened.truncateBytes);
    if (opened.append.byteLength > 0) await storage.appendJournal(opened.append);
    records = opened.records;
  }

  const fabric = new Fabric({ core, node, journal, storage, topic, options, peerId, replicaId: init.replicaId, release });
  fabric._restore(records);
  await fabric._start({
    privateKey,
    addresses: { listen: options.listen },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Browsers' default gater refuses loopback and private addresses, and the native node
    // of the golden test is on 127.0.0.1.
    connectionGater: { denyDialMultiaddr: async () => false },
    connectionManager: {
      allow: ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128'],
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictSign,
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        scoreParams: { IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']) },
      }),
    },
  });
  return fabric;
}
