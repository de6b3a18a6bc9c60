// The libp2p perf protocol, /perf/1.0.0 (libp2p/specs perf/perf.md), written here because
// @libp2p/perf is not on the npm registry this project can reach. On the wire it matches
// js-libp2p's own @libp2p/perf: the client opens a stream, writes the number of bytes it
// wants back as a u64 big-endian, uploads its bytes, and half-closes; the server reads the
// u64, reads to EOF, then (not concurrently) writes that many bytes and half-closes. Both
// sides write in 64 KiB blocks, as js-libp2p does (WRITE_BLOCK_SIZE).
import { sendAll, toBytes } from './streams.mjs';

export const PERF_PROTOCOL = '/perf/1.0.0';
export const PERF_BLOCK_BYTES = 64 * 1024;

// js-libp2p allows 1 inbound and 1 outbound perf stream per connection; we allow a few
// more so back-to-back runs do not race the previous stream's teardown.
const PERF_MAX_STREAMS = 4;

// A remote asks the server for at most this many bytes. The server streams them with
// backpressure (no buffering), so this bounds time, not memory.
export const PERF_MAX_DOWNLOAD_BYTES = 16 * 1024 * 1024 * 1024;

const zeroBlock = new Uint8Array(PERF_BLOCK_BYTES);

/** Sends `count` zero bytes in 64 KiB blocks, honouring backpressure. */
async function sendZeros(stream, count, signal) {
  while (count > 0) {
    const block = count >= PERF_BLOCK_BYTES ? zeroBlock : zeroBlock.subarray(0, count);
    count -= block.byteLength;
    if (!stream.send(block)) {
      await stream.onDrain({ signal });
    }
  }
}

/** Registers the perf server on `node`. */
export async function handlePerf(node, log = () => {}) {
  await node.handle(PERF_PROTOCOL, async (stream) => {
    try {
      // The u64 may arrive split across chunks, so collect its 8 bytes first.
      const header = new Uint8Array(8);
      let headerBytes = 0;
      for await (const chunk of stream) {
        if (headerBytes < 8) {
          const bytes = toBytes(chunk);
          const take = Math.min(8 - headerBytes, bytes.byteLength);
          header.set(bytes.subarray(0, take), headerBytes);
          headerBytes += take;
        }
        // Everything after the header is upload payload: counted by the client, dropped here.
      }
      if (headerBytes < 8) {
        throw new Error('perf: stream ended before the 8-byte length');
      }
      const wanted = new DataView(header.buffer).getBigUint64(0, false);
      if (wanted > BigInt(PERF_MAX_DOWNLOAD_BYTES)) {
        throw new Error(`perf: remote asked for ${wanted} bytes, limit ${PERF_MAX_DOWNLOAD_BYTES}`);
      }
      await sendZeros(stream, Number(wanted));
      await stream.close();
    } catch (err) {
      log(`perf server: ${err.message}`);
      stream.abort(err);
    }
  }, { maxInboundStreams: PERF_MAX_STREAMS, maxOutboundStreams: PERF_MAX_STREAMS });
}

/**
 * One perf request over an existing (or new) connection to `target` (PeerId or
 * Multiaddr): uploads `uploadBytes`, downloads `downloadBytes`. Returns the time from
 * opening the stream to the end of the download in ms, the upload phase's share of it, and
 * the byte counts. Throws if the server sends a different number of bytes.
 */
export async function runPerf(node, target, { uploadBytes, downloadBytes, signal }) {
  const started = performance.now();
  const stream = await node.dialProtocol(target, PERF_PROTOCOL, { signal });
  try {
    const header = new Uint8Array(8);
    new DataView(header.buffer).setBigUint64(0, BigInt(downloadBytes), false);
    await sendAll(stream, header, { signal });
    await sendZeros(stream, uploadBytes, signal);
    await stream.close({ signal });
    const uploaded = performance.now();
    let received = 0;
    for await (const chunk of stream) {
      received += chunk.byteLength;
      if (received > downloadBytes) break;
    }
    const finished = performance.now();
    if (received !== downloadBytes) {
      throw new Error(`perf: expected ${downloadBytes} bytes back, received ${received}`);
    }
    return {
      upload_bytes: uploadBytes,
      download_bytes: downloadBytes,
      ms: finished - started,
      upload_ms: uploaded - started,
    };
  } catch (err) {
    stream.abort(err);
    throw err;
  }
}
