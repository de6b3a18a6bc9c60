// The /ff-test/echo/1.0.0 protocol: a test-only protocol for checking stream multiplexing,
// flow control and half-close. The responder writes back every byte it reads, in order, as
// it arrives; when the initiator half-closes (FIN), the responder finishes writing and
// half-closes too. The initiator sends a known pattern, closes its write side, and checks
// that exactly the same bytes come back.
import { sendAll, toBytes, readAll } from './streams.mjs';

export const ECHO_PROTOCOL = '/ff-test/echo/1.0.0';

/** Per-connection stream limits for echo; the default 32 would cap `streams` in tests. */
export const ECHO_MAX_STREAMS = 256;

/** Largest echo a single stream may request: bounds what readAll() buffers. */
export const ECHO_MAX_STREAM_BYTES = 64 * 1024 * 1024;

/** Registers the responder on `node`. */
export async function handleEcho(node, log = () => {}) {
  await node.handle(ECHO_PROTOCOL, async (stream) => {
    try {
      for await (const chunk of stream) {
        // Backpressure: stop reading until our writes have drained, so a fast sender
        // cannot grow our write buffer (yamux flow control then pushes back on it).
        if (!stream.send(toBytes(chunk))) {
          await stream.onDrain();
        }
      }
      await stream.close();
    } catch (err) {
      log(`echo responder: ${err.message}`);
      stream.abort(err);
    }
  }, { maxInboundStreams: ECHO_MAX_STREAMS, maxOutboundStreams: ECHO_MAX_STREAMS });
}

/**
 * Deterministic, stream-specific bytes (xorshift32 seeded by the stream index), so a
 * muxer that swapped data between streams or reordered it is caught.
 */
export function echoPattern(streamIndex, byteCount) {
  const out = new Uint8Array(byteCount);
  let state = (0x9e3779b9 ^ (streamIndex + 1) * 0x85ebca6b) >>> 0 || 1;
  for (let i = 0; i < byteCount; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}

function firstDifference(a, b) {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return i;
  }
  return a.byteLength === b.byteLength ? -1 : n;
}

/**
 * Opens `streams` concurrent echo streams to `peerId`, each carrying `bytes` bytes, and
 * checks every byte comes back. Returns {streams, bytes, ms}; throws on any mismatch with
 * the stream index and the first differing offset.
 */
export async function runEcho(node, peerId, { streams, bytes, signal }) {
  if (!(streams >= 1 && streams <= ECHO_MAX_STREAMS)) {
    throw new Error(`streams must be 1..${ECHO_MAX_STREAMS}`);
  }
  if (!(bytes >= 0 && bytes <= ECHO_MAX_STREAM_BYTES)) {
    throw new Error(`bytes must be 0..${ECHO_MAX_STREAM_BYTES}`);
  }
  const started = performance.now();
  const one = async (index) => {
    const expected = echoPattern(index, bytes);
    const stream = await node.dialProtocol(peerId, ECHO_PROTOCOL, { signal });
    try {
      // Read concurrently with writing: the echo responder blocks once our receive window
      // is full, so writing everything before reading would deadlock beyond 256 KiB.
      const received = readAll(stream, { maxBytes: bytes });
      await sendAll(stream, expected, { signal });
      await stream.close({ signal });
      const actual = await received;
      const at = firstDifference(expected, actual);
      if (at !== -1) {
        throw new Error(`echo stream ${index}: ${actual.byteLength}/${bytes} bytes back, ` +
          `first difference at offset ${at}`);
      }
    } catch (err) {
      stream.abort(err);
      throw err;
    }
  };
  await Promise.all(Array.from({ length: streams }, (_, i) => one(i)));
  return { streams, bytes, ms: performance.now() - started };
}
