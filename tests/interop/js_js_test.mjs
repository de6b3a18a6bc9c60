// Interop tests over the `largo p2p` JSON-lines protocol (README.md). Every side defaults
// to js_peer.mjs (js-libp2p 3.x); point a side at our native node to test it against
// js-libp2p, e.g.
//
//   FF_PEER_A=build/cli/largo node --test tests/interop/js_js_test.mjs
//
// runs `largo p2p` as side A: the dialer in half the connection tests and the listener in
// the other half (TCP and WS), a gossipsub publisher and receiver, echo and perf client and
// server, the writer and the reader of a key file, and an end of the A–B–C line.
// FF_PEER_B=... makes it the middle of the line, which has to forward. The tests assert
// only what the README protocol promises, so they hold for any implementation of it.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromString } from '@libp2p/peer-id';
import { implForSide, spawnPeer, stopAll, until } from './driver.mjs';

const IMPL = { A: implForSide('A'), B: implForSide('B'), C: implForSide('C') };

const LISTEN_TCP_WS = ['--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws'];
const CONNECT_TIMEOUT_MS = 15_000;
const EVENT_TIMEOUT_MS = 10_000;
const IDENTIFY_PROTOCOL = '/ipfs/id/1.0.0';
const PING_PROTOCOL = '/ipfs/ping/1.0.0';
const ECHO_PROTOCOL = '/ff-test/echo/1.0.0';

const b64 = (text) => Buffer.from(text).toString('base64');
const unb64 = (text) => Buffer.from(text, 'base64').toString();

function spawnSide(side, extraArgs = []) {
  return spawnPeer({ name: side, impl: IMPL[side], args: [...LISTEN_TCP_WS, ...extraArgs] });
}

/** The protobuf-encoded Ed25519 public key of a peer id, hex (`08 01 12 20 <32 B>`). */
function publicKeyProtobufHex(peerIdText) {
  return `08011220${Buffer.from(peerIdFromString(peerIdText).publicKey.raw).toString('hex')}`;
}

/** `dialer` dials `listener` over `transport`; asserts both ends report the connection. */
async function connect(dialer, listener, transport) {
  const dialerSince = dialer.mark();
  const listenerSince = listener.mark();
  const reply = await dialer.request({ cmd: 'dial', addr: listener.addr(transport) }, CONNECT_TIMEOUT_MS);
  assert.equal(reply.event, 'ok');
  const out = await dialer.waitFor((e) => e.event === 'connected' && e.peer === listener.peerId,
    EVENT_TIMEOUT_MS, { since: dialerSince, what: 'connected (dialer)' });
  const into = await listener.waitFor((e) => e.event === 'connected' && e.peer === dialer.peerId,
    EVENT_TIMEOUT_MS, { since: listenerSince, what: 'connected (listener)' });
  return { out, into };
}

/** Asserts a peer's stdout carried nothing but JSON event lines. */
function assertCleanStdout(...peers) {
  for (const peer of peers) assert.deepEqual(peer.invalidLines, [], `${peer.name} printed non-JSON lines`);
}

/**
 * Has `publisher` publish `count` messages on `topic` and waits until `receiver` got all of
 * them; asserts none lost, none duplicated, and the signing fields (author, 8-byte seqno,
 * JS message id) are right.
 */
async function publishAndReceive({ publisher, receiver, topic, count, label, signed = true, timeoutMs = 30_000 }) {
  const since = receiver.mark();
  const commands = Array.from({ length: count }, (_, n) =>
    ({ cmd: 'publish', topic, data_b64: b64(`${label}:${n}`) }));
  const replies = await publisher.requestMany(commands, timeoutMs);
  assert.ok(replies.every((r) => r.event === 'ok'));
  const isOurs = (e) => e.event === 'message' && e.topic === topic && unb64(e.data_b64).startsWith(`${label}:`);
  await receiver.waitForCount(isOurs, count, timeoutMs, { since, what: `${count} ${label} messages` });
  // Give duplicates a moment to show up before counting.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const messages = receiver.eventsSince(since, isOurs);
  const seen = new Map();
  for (const message of messages) {
    const n = Number(unb64(message.data_b64).slice(label.length + 1));
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  assert.equal(messages.length, count, `${label}: ${messages.length} deliveries for ${count} messages (duplicates?)`);
  for (let n = 0; n < count; n++) assert.equal(seen.get(n), 1, `${label}:${n} delivered ${seen.get(n) ?? 0} times`);
  for (const message of messages) {
    if (signed) {
      assert.equal(message.from, publisher.peerId);
      assert.match(message.seqno, /^[0-9a-f]{16}$/);
      // js-libp2p's default message id under StrictSign: protobuf(public key) || seqno.
      assert.equal(message.msg_id, publicKeyProtobufHex(publisher.peerId) + message.seqno);
    } else {
      assert.equal(message.from ?? null, null);
      // Under StrictNoSign the id is the SHA-256 digest of the data (raw 32 bytes).
      assert.equal(message.msg_id, createHash('sha256').update(Buffer.from(message.data_b64, 'base64')).digest('hex'));
    }
  }
  assert.equal(new Set(messages.map((m) => m.msg_id)).size, count, 'message ids are unique');
  return messages;
}

/** Waits until `peer` has seen `other` subscribe to `topic`. */
function subscribedBy(peer, other, topic) {
  return peer.waitFor((e) => e.event === 'subscription' && e.peer === other.peerId && e.topic === topic && e.subscribed,
    EVENT_TIMEOUT_MS, { what: `${other.name}'s subscription to ${topic}` });
}

after(() => stopAll());

describe('connect, identify, ping', () => {
  afterEach(() => stopAll());

  for (const transport of ['tcp', 'ws']) {
    for (const [dialerSide, listenerSide] of [['A', 'B'], ['B', 'A']]) {
      test(`${dialerSide} dials ${listenerSide} over ${transport}`, { timeout: 30_000 }, async () => {
        const [dialer, listener] = await Promise.all([spawnSide(dialerSide), spawnSide(listenerSide)]);
        const { out, into } = await connect(dialer, listener, transport);
        const wsAddr = /\/ws(\/|$)/;
        assert.equal(wsAddr.test(out.addr), transport === 'ws', `dialer's connection addr ${out.addr}`);
        assert.equal(out.direction, 'outbound');
        assert.equal(into.direction, 'inbound');
        assert.match(into.addr, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+/);

        // Identify runs on every new connection, both ways.
        for (const [self, other] of [[dialer, listener], [listener, dialer]]) {
          const id = await self.waitFor((e) => e.event === 'identify' && e.peer === other.peerId,
            EVENT_TIMEOUT_MS, { what: `identify of ${other.name}` });
          for (const protocol of [IDENTIFY_PROTOCOL, PING_PROTOCOL, ECHO_PROTOCOL]) {
            assert.ok(id.protocols.includes(protocol), `${other.name} identify lacks ${protocol}: ${id.protocols}`);
          }
          assert.ok(id.protocols.some((p) => p.startsWith('/meshsub/')), `${other.name} offers no gossipsub`);
          assert.equal(typeof id.agent, 'string');
          assert.ok(id.agent.length > 0, 'agent version is empty');
          assert.ok(id.listen_addrs.length > 0, 'no listen addrs');
          for (const addr of id.listen_addrs) assert.match(addr, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+/);
          // The peer we dialled is listening on the port we dialled.
          if (other === listener) {
            const port = listener.addr(transport).match(/\/tcp\/(\d+)/)[1];
            assert.ok(id.listen_addrs.some((a) => a.includes(`/tcp/${port}`)), `listen_addrs ${id.listen_addrs} lack port ${port}`);
          }
          // What `other` saw of `self`'s address: loopback, and over the same transport.
          assert.match(id.observed_addr ?? '', /^\/ip4\/127\.0\.0\.1\/tcp\/\d+/, 'observed_addr');
          assert.equal(wsAddr.test(id.observed_addr), transport === 'ws', `observed_addr ${id.observed_addr}`);
        }

        // Ping both ways.
        for (const [self, other] of [[dialer, listener], [listener, dialer]]) {
          const pong = await self.request({ cmd: 'ping', peer: other.peerId }, EVENT_TIMEOUT_MS);
          assert.equal(pong.event, 'pong');
          assert.equal(pong.peer, other.peerId);
          assert.ok(pong.rtt_ms >= 0 && pong.rtt_ms < 2000, `rtt_ms ${pong.rtt_ms}`);
        }

        const peers = await dialer.request({ cmd: 'peers' });
        assert.ok(peers.peers.includes(listener.peerId));
        assertCleanStdout(dialer, listener);
      });
    }
  }
});

describe('A–B over TCP: gossipsub, echo, liveness', () => {
  const topic = 'ff-interop';
  let a;
  let b;
  let connectedAt;

  before(async () => {
    // A subscribes by flag, B by command: both paths must work.
    [a, b] = await Promise.all([spawnSide('A', ['--topic', topic]), spawnSide('B')]);
    await b.request({ cmd: 'subscribe', topic });
    await connect(a, b, 'tcp');
    connectedAt = Date.now();
    await Promise.all([subscribedBy(a, b, topic), subscribedBy(b, a, topic)]);
  });
  after(() => stopAll());

  test('1000 signed messages each way, none lost or duplicated', { timeout: 40_000 }, async () => {
    await Promise.all([
      publishAndReceive({ publisher: a, receiver: b, topic, count: 1000, label: 'a2b' }),
      publishAndReceive({ publisher: b, receiver: a, topic, count: 1000, label: 'b2a' }),
    ]);
  });

  test('echo: 8 streams x 1 MiB each way, bytes intact', { timeout: 40_000 }, async () => {
    const [ab, ba] = await Promise.all([
      a.request({ cmd: 'echo', peer: b.peerId, streams: 8, bytes: 1 << 20 }, 30_000),
      b.request({ cmd: 'echo', peer: a.peerId, streams: 8, bytes: 1 << 20 }, 30_000),
    ]);
    for (const result of [ab, ba]) {
      assert.equal(result.event, 'echo');
      assert.equal(result.streams, 8);
      assert.equal(result.bytes, 1 << 20);
    }
  });

  test('perf: 4 MiB up and 4 MiB down, each way', { timeout: 30_000 }, async () => {
    for (const [self, other] of [[a, b], [b, a]]) {
      const result = await self.request({ cmd: 'perf', peer: other.peerId, upload_bytes: 4 << 20, download_bytes: 4 << 20 }, 20_000);
      assert.equal(result.event, 'perf');
      assert.equal(result.upload_bytes, 4 << 20);
      assert.equal(result.download_bytes, 4 << 20);
    }
  });

  test('the connection outlives js-libp2p\'s 10 s connection-monitor ping', { timeout: 20_000 }, async () => {
    const waitMs = 11_500 - (Date.now() - connectedAt);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    for (const [self, other] of [[a, b], [b, a]]) {
      assert.deepEqual(self.eventsSince(self.firstSeq, (e) => e.event === 'disconnected'), [],
        `${self.name} lost a connection`);
      const { peers } = await self.request({ cmd: 'peers' });
      assert.ok(peers.includes(other.peerId), `${self.name} no longer connected to ${other.name}`);
    }
  });

  test('hangup is seen by the other side; quit exits 0', { timeout: 20_000 }, async () => {
    const since = b.mark();
    await a.request({ cmd: 'hangup', peer: b.peerId });
    await b.waitFor((e) => e.event === 'disconnected' && e.peer === a.peerId, EVENT_TIMEOUT_MS,
      { since, what: 'disconnected' });
    assertCleanStdout(a, b);
    const [exitA, exitB] = await Promise.all([a.stop(), b.stop()]);
    assert.deepEqual(exitA, { code: 0, signal: null });
    assert.deepEqual(exitB, { code: 0, signal: null });
  });
});

describe('identity key file', () => {
  after(() => stopAll());

  // The key file is the libp2p PrivateKey protobuf, so it moves between implementations:
  // each side must derive the same peer id from a file the other one wrote. Both
  // directions run at once to save a round of process start-ups.
  test('key files written by js-libp2p and by side A load in the other', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-interop-key-'));
    try {
      const start = (who, keyFile) => spawnPeer({
        name: who, impl: who === 'js' ? 'js' : IMPL[who],
        args: ['--listen', '/ip4/127.0.0.1/tcp/0', '--key', keyFile],
      });
      const cross = async (writer, reader) => {
        const keyFile = join(dir, `written-by-${writer}.key`);
        const first = await start(writer, keyFile);
        await first.stop();
        const key = readFileSync(keyFile);
        assert.equal(key.length, 68, `${writer}: an Ed25519 PrivateKey protobuf is 68 bytes`);
        assert.equal(key.subarray(0, 4).toString('hex'), '08011240', `${writer}: key file header`);
        const second = await start(reader, keyFile);
        assert.equal(second.peerId, first.peerId, `${reader} derives another peer id from ${writer}'s key`);
      };
      await Promise.all([cross('js', 'A'), cross('A', 'js')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unsigned gossipsub (--no-sign on both sides)', () => {
  after(() => stopAll());

  test('100 StrictNoSign messages A to B', { timeout: 30_000 }, async () => {
    const topic = 'ff-unsigned';
    const [a, b] = await Promise.all([
      spawnSide('A', ['--no-sign', '--topic', topic]),
      spawnSide('B', ['--no-sign', '--topic', topic]),
    ]);
    await connect(b, a, 'tcp');
    await Promise.all([subscribedBy(a, b, topic), subscribedBy(b, a, topic)]);
    await publishAndReceive({ publisher: a, receiver: b, topic, count: 100, label: 'unsigned', signed: false });
  });
});

describe('three-node line A–B–C', () => {
  after(() => stopAll());

  test('B forwards between A and C, who are not connected', { timeout: 40_000 }, async () => {
    const topic = 'ff-line';
    const [a, b, c] = await Promise.all([
      spawnSide('A', ['--topic', topic]),
      spawnSide('B', ['--topic', topic]),
      spawnSide('C', ['--topic', topic]),
    ]);
    await connect(a, b, 'tcp');
    await connect(c, b, 'ws'); // the second hop over WebSockets
    await Promise.all([subscribedBy(b, a, topic), subscribedBy(b, c, topic), subscribedBy(a, b, topic), subscribedBy(c, b, topic)]);
    // B forwards only to its mesh for the topic, so wait until both ends are in it.
    await until(async () => {
      const stats = await b.request({ cmd: 'stats' });
      const mesh = stats.mesh?.[topic] ?? [];
      return mesh.includes(a.peerId) && mesh.includes(c.peerId);
    }, 10_000, { what: 'A and C in B\'s mesh' });

    const [fromA, fromC] = await Promise.all([
      publishAndReceive({ publisher: a, receiver: c, topic, count: 200, label: 'a2c' }),
      publishAndReceive({ publisher: c, receiver: a, topic, count: 200, label: 'c2a' }),
    ]);
    for (const message of fromA) assert.equal(message.via, b.peerId, 'A\'s messages reach C through B');
    for (const message of fromC) assert.equal(message.via, b.peerId, 'C\'s messages reach A through B');
    // B, in the middle, saw both streams too.
    const atB = b.eventsSince(b.firstSeq, (e) => e.event === 'message');
    assert.equal(atB.length, 400);
    const { peers } = await a.request({ cmd: 'peers' });
    assert.ok(!peers.includes(c.peerId), 'A and C must not be directly connected');
    assertCleanStdout(a, b, c);
  });
});
