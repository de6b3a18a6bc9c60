// Types of the Fluid Fabric browser runtime, /web/fabric.js (docs/browser-api.md).
//
//   import { startFabric } from '/web/fabric.js';
//   const fabric = await startFabric({ programId: 'Alpha' });
//   fabric.counter('clicks').on('change', (n) => render(n));
//   await fabric.counter('clicks').increment();

export type Sovereignty = 'authority' | 'citizen' | 'ephemeral';
export type ObjectKind = 'counter' | 'set' | 'map' | 'list' | 'text';
/** 'local' | 'quorum(N)' | 'strict_quorum(N)' | 'leader' */
export type Durability = string;

/** Where identity and journal live. Every method may reject (the runtime retries appends). */
export interface FabricStorage {
  /** The libp2p PrivateKey protobuf, or null when there is none yet. */
  loadIdentity(): Promise<Uint8Array | null>;
  saveIdentity(bytes: Uint8Array): Promise<void>;
  /** The whole journal file (docs/journal-format.md); empty when there is none. */
  readJournal(): Promise<Uint8Array>;
  /** Appends bytes; resolves once they are stored (the runtime then counts them durable). */
  appendJournal(bytes: Uint8Array): Promise<void>;
  /** Cuts the journal file to `size` bytes (a torn tail found at start). */
  truncateJournal(size: number): Promise<void>;
}

export interface StartOptions {
  /** 1..64 bytes of [A-Za-z0-9._-]. */
  programId: string;
  /**
   * Multiaddrs to dial (with /p2p/<id>), e.g. '/ip4/127.0.0.1/tcp/7072/ws/p2p/12D3KooW...'.
   * Default: the page's ?peer= parameter, else the ws_addrs of GET /api/node on the page's
   * origin. Redialled with backoff (0.25 s doubling to 30 s) whenever the connection is lost.
   */
  bootstrap?: string | string[];
  /** URL of the node's /api/node to discover addresses from; false: never ask. */
  api?: string | false;
  /** Default 'citizen'. 'ephemeral' keeps no journal. */
  sovereignty?: Sovereignty;
  /**
   * 'browser' (localStorage + OPFS), 'memory', 'auto' (default: browser when available and
   * working, else memory), or an object of your own. A second tab of the same program gets
   * memory storage and a fresh identity (Web Lock `fabric/<program-id>/storage`).
   */
  storage?: 'auto' | 'browser' | 'memory' | FabricStorage;
  /** Multiaddrs to listen on (Node only, e.g. '/ip4/127.0.0.1/tcp/0/ws'; pages cannot listen). */
  listen?: string[];
  /** Receives diagnostic lines (also emitted as 'warning' events). */
  log?: (line: string) => void;
}

export interface PeerView {
  peerId: string;
  sovereignty: Sovereignty;
  /** Round trip of the last libp2p ping (every 5 s), or null before the first answer. */
  rttMs: number | null;
  /** A Citizen/Ephemeral that missed 3 pulses. */
  stale: boolean;
  agent: string;
  /** 16 hex digits. */
  replicaId: string;
  capabilityTier: number;
}

export interface WriteId {
  /** Origin replica, 16 hex digits. */
  origin: string;
  seq: number;
}

export interface WriteResult {
  write: WriteId;
  ok: boolean;
  /** Authority acks counted (self included). */
  acks: number;
  /** Completed under Quorum(N) with fewer than N Authorities reachable. */
  degraded: boolean;
  code?: string;
  error?: string;
}

/**
 * A write: the local value has changed when the call returns; the promise resolves when the
 * write completed per the object's durability (Local: in the journal) and rejects with a
 * FabricError if it failed. Ignoring it is safe (no unhandled rejection).
 */
export type Write = Promise<WriteResult>;

export interface ObjectHandle<V> {
  readonly name: string;
  readonly kind: ObjectKind;
  policy: Durability;
  value(): V;
  /** After every change (local, remote, catch-up). Returns an unsubscribe function. */
  on(event: 'change', cb: (value: V) => void): () => void;
  off(event: 'change', cb: (value: V) => void): void;
}

export interface Counter extends ObjectHandle<number> {
  increment(amount?: number): Write;
  decrement(amount?: number): Write;
}

export interface FabricSet extends ObjectHandle<string[]> {
  add(value: string): Write;
  remove(value: string): Write;
  /** Sorted. */
  values(): string[];
  has(value: string): boolean;
}

export interface FabricMap extends ObjectHandle<Record<string, string>> {
  put(key: string, value: string): Write;
  set(key: string, value: string): Write;
  delete(key: string): Write;
  get(key: string): string | undefined;
  /** Sorted by key. */
  entries(): [string, string][];
}

export interface FabricList extends ObjectHandle<string[]> {
  /** Inserts before `index` (0..length). */
  insert(index: number, value: string): Write;
  push(value: string): Write;
  erase(index: number, count?: number): Write;
  values(): string[];
}

export interface FabricText extends ObjectHandle<string> {
  /** Inserts before code point `index`. */
  insert(index: number, text: string): Write;
  /** Erases `count` code points from `index`. */
  erase(index: number, count?: number): Write;
}

export interface HandleOptions {
  /** Mounts the object with this policy (for this node's writes). Default 'local'. */
  durability?: Durability;
}

export type FabricStatus =
  | { state: 'starting' | 'stopped' }
  | { state: 'connecting'; addr?: string; error?: string; retryInMs?: number }
  | { state: 'connected'; peers: number }
  | { state: 'offline'; reason: string };

export interface FabricEvents {
  change: { object: string };
  'peer:joined': { peer: string; sovereignty: Sovereignty };
  'peer:left': { peer: string };
  'peer:stale': { peer: string };
  'peer:active': { peer: string };
  write: WriteResult;
  warning: { text: string; object?: string; peer?: string };
  rejected: { peer: string; text: string };
  status: FabricStatus;
  /** Every core event as it came: {type: 'event', kind: 'peer_joined' | 'object_changed' | ..., ...}. */
  event: { type: 'event'; kind: string; peer: string; object: string; text: string; [key: string]: unknown };
}

export interface ObjectView {
  name: string;
  kind: ObjectKind;
  policy: Durability;
  value: unknown;
}

export interface Fabric {
  readonly programId: string;
  readonly peerId: string;
  readonly sovereignty: Sovereignty;
  /** 16 hex digits. */
  readonly replicaId: string;
  /** 'fabric/<program-id>/sync' */
  readonly topic: string;
  /** Where the journal is kept (docs/browser-api.md "Storage"). */
  readonly storageKind: 'opfs-worker' | 'opfs-main-thread' | 'memory' | 'custom';
  /**
   * Resolves when a peer accepted our Hello and GossipSub knows a subscriber of our topic (a
   * write made then travels at once), or at once when there is nothing to dial.
   */
  readonly ready: Promise<Fabric>;
  /** The js-libp2p node, for diagnostics. */
  readonly libp2p: unknown;

  peers(): PeerView[];
  counter(name: string, options?: HandleOptions): Counter;
  set(name: string, options?: HandleOptions): FabricSet;
  map(name: string, options?: HandleOptions): FabricMap;
  list(name: string, options?: HandleOptions): FabricList;
  text(name: string, options?: HandleOptions): FabricText;
  objects(): ObjectView[];
  /** As GET /api/state of the native node. */
  state(): { program_id: string; peer_id: string; sovereignty: Sovereignty; objects: Record<string, { kind: ObjectKind; policy: Durability; value: unknown }> };
  metrics(): Record<string, number>;
  status(): FabricStatus;
  addrs(): string[];
  dial(addr: string): Promise<void>;
  on<E extends keyof FabricEvents>(event: E, cb: (detail: FabricEvents[E]) => void): () => void;
  off<E extends keyof FabricEvents>(event: E, cb: (detail: FabricEvents[E]) => void): void;
  stop(): Promise<void>;
}

export declare function startFabric(options: StartOptions): Promise<Fabric>;
export declare function memoryStorage(): FabricStorage & { journalBytes(): Uint8Array };
/**
 * localStorage identity + OPFS journal held by a worker (`fabric-journal-worker.js`, next to
 * fabric.js), or main-thread OPFS where the worker cannot run. close() releases the file.
 */
export declare function browserStorage(programId: string): FabricStorage & {
  readonly kind: 'browser';
  /** 'opfs-worker' | 'opfs-main-thread', null until the journal was first opened. */
  readonly journalBackend: 'opfs-worker' | 'opfs-main-thread' | null;
  close(): Promise<void>;
};
/** Rewrites a 0.0.0.0/:: listen address into one dialable from a page on `pageHost`. */
export declare function dialableAddr(addr: string, pageHost: string): string;
export declare const FABRIC_PROTOCOL: '/fabric/1.0.0';

export declare class FabricError extends Error {
  /** The core's error code: 'invalid input', 'limit exceeded', 'unavailable', ... */
  readonly code: string;
}
