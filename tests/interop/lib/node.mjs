// The js-libp2p 3.x node used by js_peer.mjs and the JS anchor benchmarks: TCP and
// WebSockets, Noise, Yamux, identify (+ push), ping, gossipsub, and our test protocols
// (echo, perf). Apart from the loopback settings marked below, everything is js-libp2p's
// default, because the point is to test our native node against what js-libp2p really
// does (its connection monitor pings every 10 s, identify runs on every connection,
// yamux pings on connect, gossipsub signs and floods its own messages...).
import './polyfills.mjs';
import { readFile, writeFile } from 'node:fs/promises';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { gossipsub, StrictNoSign, StrictSign } from '@libp2p/gossipsub';
import { identify, identifyPush } from '@libp2p/identify';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { webSockets } from '@libp2p/websockets';
import { createLibp2p } from 'libp2p';
import { multiaddr } from '@multiformats/multiaddr';
import { handleEcho } from './echo.mjs';
import { handlePerf } from './perf.mjs';

// For callers outside tests/interop (bench/js), which cannot resolve our node_modules.
export { multiaddr };

/**
 * Loads the identity from `keyFile` (the libp2p PrivateKey protobuf, raw bytes: for
 * Ed25519 `08 01 12 40 <32-byte seed> <32-byte public key>`; the same format as
 * `largo p2p --key`, go-libp2p and js-libp2p), creating the file with a fresh Ed25519
 * key if it does not exist. Without a file, returns a fresh key.
 */
export async function loadOrCreateKey(keyFile) {
  if (keyFile == null) {
    return generateKeyPair('Ed25519');
  }
  try {
    return privateKeyFromProtobuf(new Uint8Array(await readFile(keyFile)));
  } catch (err) {
    if (err.code !== 'ENOENT') {
      throw new Error(`cannot read key file ${keyFile}: ${err.message}`);
    }
  }
  const key = await generateKeyPair('Ed25519');
  await writeFile(keyFile, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' });
  return key;
}

/**
 * Creates and starts a node.
 *   listen      multiaddrs to listen on, e.g. ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws']
 *   privateKey  from loadOrCreateKey(); a fresh Ed25519 key if absent
 *   sign        true: gossipsub StrictSign (js default); false: StrictNoSign
 *   gossip      extra gossipsub options, merged over ours
 *   log         function(string) for diagnostics (stderr in js_peer)
 */
export async function createPeerNode({ listen = [], privateKey, sign = true, gossip = {}, log = () => {} } = {}) {
  const node = await createLibp2p({
    privateKey: privateKey ?? await generateKeyPair('Ed25519'),
    addresses: { listen },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      // Loopback: js-libp2p's inbound rate limiter accepts only 5 connections per second
      // per remote host (and 10 pending), so tests that open many connections from
      // 127.0.0.1 get refused. Hosts on the allow list skip both checks and are never
      // pruned.
      allow: ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128'],
      inboundConnectionThreshold: 1000,
      maxIncomingPendingConnections: 1000,
    },
    // In Node the default gater already allows everything; the browser's denies /ws and
    // private addresses. Spelled out so this config also works where that default differs.
    connectionGater: { denyDialMultiaddr: async () => false },
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: sign ? StrictSign : StrictNoSign,
        // All test peers share 127.0.0.1; past 10 peers per IP the P6 colocation penalty
        // would graylist them.
        scoreParams: { IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']) },
        ...gossip,
      }),
    },
  });
  await handleEcho(node, log);
  await handlePerf(node, log);
  return node;
}
