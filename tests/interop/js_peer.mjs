#!/usr/bin/env node
// A js-libp2p 3.x peer that speaks the same JSON-lines protocol and flags as `largo p2p`,
// so the interop tests can drive either one. The protocol (events on stdout, commands on
// stdin, one JSON object per line) is specified in README.md beside this file.
//
//   node js_peer.mjs [--listen MULTIADDR]... [--dial MULTIADDR] [--topic NAME]...
//                    [--key FILE] [--no-sign]
//
// Diagnostics go to stderr; stdout carries only protocol lines.
import './lib/polyfills.mjs';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { createPeerNode, loadOrCreateKey } from './lib/node.mjs';
import { runEcho } from './lib/echo.mjs';
import { splitLines } from './lib/lines.mjs';
import { runPerf } from './lib/perf.mjs';
import { withTimeout } from './lib/streams.mjs';

// Bounds (STYLE.md §5): a command line longer than this is refused, not buffered.
const MAX_COMMAND_LINE_BYTES = 16 * 1024 * 1024;
// Per-command time limits, so a stuck remote never leaves a command pending forever.
const DIAL_TIMEOUT_MS = 15_000;
const PING_TIMEOUT_MS = 10_000;
const ECHO_TIMEOUT_MS = 60_000;
const PERF_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 5_000;

const USAGE = `usage: js_peer.mjs [--listen MULTIADDR]... [--dial MULTIADDR] [--topic NAME]...
                   [--key FILE] [--no-sign]
Speaks the largo p2p JSON-lines protocol (tests/interop/README.md) on stdin/stdout.`;

function parseArgs(argv) {
  const options = { listen: [], dial: [], topics: [], key: null, sign: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--listen': options.listen.push(value()); break;
      case '--dial': options.dial.push(value()); break;
      case '--topic': options.topics.push(value()); break;
      case '--key': options.key = value(); break;
      case '--no-sign': options.sign = false; break;
      case '--help': case '-h': process.stdout.write(`${USAGE}\n`); process.exit(0); break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  return options;
}

/** Writes one protocol line. stdout is a pipe, and pipe writes are synchronous on Linux. */
function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function log(message) {
  process.stderr.write(`[js_peer ${process.pid}] ${message}\n`);
}

const toB64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromB64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));

/** A command's `peer` field: a peer id, or a multiaddr (ending in /p2p/<id> or not). */
function parseTarget(text) {
  if (typeof text !== 'string' || text.length === 0) throw new Error('missing "peer"');
  return text.startsWith('/') ? multiaddr(text) : peerIdFromString(text);
}

function describeConnection(connection) {
  return {
    peer: connection.remotePeer.toString(),
    addr: connection.remoteAddr.toString(),
    direction: connection.direction,
  };
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`js_peer: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }

  const node = await createPeerNode({
    listen: options.listen,
    privateKey: await loadOrCreateKey(options.key),
    sign: options.sign,
    log,
  });
  const pubsub = node.services.pubsub;
  const counters = { messages_received: 0, messages_published: 0, publish_errors: 0 };

  node.addEventListener('connection:open', (evt) => {
    emit({ event: 'connected', ...describeConnection(evt.detail) });
  });
  node.addEventListener('connection:close', (evt) => {
    emit({ event: 'disconnected', ...describeConnection(evt.detail) });
  });
  node.addEventListener('peer:identify', (evt) => {
    const result = evt.detail;
    emit({
      event: 'identify',
      peer: result.peerId.toString(),
      protocols: [...result.protocols].sort(),
      listen_addrs: result.listenAddrs.map(String),
      observed_addr: result.observedAddr?.toString() ?? null,
      agent: result.agentVersion ?? null,
      protocol_version: result.protocolVersion ?? null,
    });
  });
  pubsub.addEventListener('gossipsub:message', (evt) => {
    const { msg, msgId, propagationSource } = evt.detail;
    counters.messages_received++;
    emit({
      event: 'message',
      topic: msg.topic,
      // Unsigned (StrictNoSign) messages carry no author.
      from: msg.type === 'signed' ? msg.from.toString() : null,
      data_b64: toB64(msg.data),
      seqno: msg.type === 'signed' ? msg.sequenceNumber.toString(16).padStart(16, '0') : null,
      msg_id: Buffer.from(msgId, 'base64').toString('hex'),
      via: propagationSource.toString(),
    });
  });
  pubsub.addEventListener('subscription-change', (evt) => {
    for (const { topic, subscribe } of evt.detail.subscriptions) {
      emit({ event: 'subscription', peer: evt.detail.peerId.toString(), topic, subscribed: subscribe });
    }
  });

  for (const topic of options.topics) {
    pubsub.subscribe(topic);
  }

  // Replies carry the command's `id` (when it had one) so a driver can match them up.
  const reply = (command, event) => emit(command.id === undefined ? event : { ...event, id: command.id });
  const ok = (command, extra = {}) => reply(command, { event: 'ok', cmd: command.cmd, ...extra });

  // Publishes run one after another so messages leave in the order they were commanded.
  let publishChain = Promise.resolve();

  const handlers = {
    async dial(command) {
      const connection = await withTimeout(DIAL_TIMEOUT_MS, 'dial', (signal) =>
        node.dial(multiaddr(command.addr), { signal }));
      ok(command, describeConnection(connection));
    },
    async hangup(command) {
      await node.hangUp(parseTarget(command.peer));
      ok(command);
    },
    async subscribe(command) {
      pubsub.subscribe(command.topic);
      ok(command, { topic: command.topic });
    },
    async unsubscribe(command) {
      pubsub.unsubscribe(command.topic);
      ok(command, { topic: command.topic });
    },
    publish(command) {
      const data = fromB64(command.data_b64 ?? '');
      const run = async () => {
        try {
          const result = await pubsub.publish(command.topic, data);
          counters.messages_published++;
          ok(command, { topic: command.topic, recipients: result.recipients.length });
        } catch (err) {
          counters.publish_errors++;
          throw err;
        }
      };
      const done = publishChain.then(run);
      publishChain = done.catch(() => {});
      return done;
    },
    async ping(command) {
      const target = parseTarget(command.peer);
      const started = performance.now();
      await withTimeout(PING_TIMEOUT_MS, 'ping', (signal) => node.services.ping.ping(target, { signal }));
      // js-libp2p's own rtt is whole milliseconds (Date.now()); ours is the fractional time
      // of the whole ping, including opening the stream on the existing connection.
      reply(command, { event: 'pong', peer: command.peer, rtt_ms: performance.now() - started });
    },
    async peers(command) {
      reply(command, {
        event: 'peers',
        peers: node.getPeers().map(String),
        connections: node.getConnections().map(describeConnection),
      });
    },
    async echo(command) {
      const result = await withTimeout(ECHO_TIMEOUT_MS, 'echo', (signal) => runEcho(node, parseTarget(command.peer), {
        streams: command.streams ?? 1,
        bytes: command.bytes ?? 1024,
        signal,
      }));
      reply(command, { event: 'echo', peer: command.peer, ...result });
    },
    async perf(command) {
      const result = await withTimeout(PERF_TIMEOUT_MS, 'perf', (signal) => runPerf(node, parseTarget(command.peer), {
        uploadBytes: command.upload_bytes ?? 0,
        downloadBytes: command.download_bytes ?? 0,
        signal,
      }));
      reply(command, { event: 'perf', peer: command.peer, ...result });
    },
    async stats(command) {
      const topics = pubsub.getTopics();
      const perTopic = (fn) => Object.fromEntries(topics.map((t) => [t, fn(t).map(String)]));
      reply(command, {
        event: 'stats',
        peer_id: node.peerId.toString(),
        connections: node.getConnections().length,
        peers: node.getPeers().length,
        streams: node.getConnections().reduce((n, c) => n + c.streams.length, 0),
        topics,
        subscribers: perTopic((t) => pubsub.getSubscribers(t)),
        mesh: perTopic((t) => pubsub.getMeshPeers(t)),
        ...counters,
      });
    },
    async quit(command) {
      ok(command);
      await shutdown(0);
    },
  };

  let stopping = false;
  async function shutdown(code) {
    if (stopping) return;
    stopping = true;
    const forced = setTimeout(() => {
      log(`node.stop() did not finish in ${STOP_TIMEOUT_MS} ms; exiting anyway`);
      process.exit(code);
    }, STOP_TIMEOUT_MS);
    try {
      await node.stop();
    } catch (err) {
      log(`stop: ${err.message}`);
    }
    clearTimeout(forced);
    process.exit(code);
  }

  function dispatch(line) {
    if (line.trim() === '') return;
    let command;
    try {
      command = JSON.parse(line);
    } catch {
      emit({ event: 'error', cmd: null, error: 'command is not valid JSON' });
      return;
    }
    const handler = typeof command?.cmd === 'string' && Object.hasOwn(handlers, command.cmd) ? handlers[command.cmd] : null;
    if (handler == null) {
      reply(command ?? {}, { event: 'error', cmd: command?.cmd ?? null, error: `unknown command ${JSON.stringify(command?.cmd)}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(command))
      .catch((err) => reply(command, { event: 'error', cmd: command.cmd, error: err.message ?? String(err) }));
  }

  // The driver closed our stdout (it died): nobody is listening, so leave.
  process.stdout.on('error', () => process.exit(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));
  // js-libp2p occasionally rejects a promise nobody awaits (e.g. a stream aborted while a
  // write was pending). That is js-libp2p's business, not a reason to kill the peer.
  process.on('unhandledRejection', (err) => log(`unhandled rejection: ${err?.stack ?? err}`));

  emit({ event: 'listening', peer_id: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) });

  for (const addr of options.dial) {
    dispatch(JSON.stringify({ cmd: 'dial', addr }));
  }

  splitLines(process.stdin, {
    maxLineBytes: MAX_COMMAND_LINE_BYTES,
    onLine: dispatch,
    onOverflow: (bytes) => emit({ event: 'error', cmd: null, error: `command line of ${bytes} bytes refused (limit ${MAX_COMMAND_LINE_BYTES})` }),
    onEnd: () => shutdown(0), // stdin EOF: the driver went away
  });
}

main().catch((err) => {
  process.stderr.write(`js_peer: ${err.stack ?? err}\n`);
  process.exit(1);
});
