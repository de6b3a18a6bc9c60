// Small helpers over js-libp2p 3.x streams. In 3.x a Stream is no longer a {source, sink}
// duplex: it is an event target with send() (returns false when the write buffer is full;
// wait for 'drain' before sending more), close() (half-close: sends FIN, keeps reading),
// abort(err) (reset) and async iteration over incoming chunks, each a Uint8Array or a
// Uint8ArrayList.

/** Returns a chunk as one Uint8Array (Uint8ArrayList.subarray() copies into one buffer). */
export function toBytes(chunk) {
  return chunk instanceof Uint8Array ? chunk : chunk.subarray();
}

/**
 * Sends `bytes` in blocks of at most `blockBytes`, waiting for 'drain' whenever js-libp2p
 * reports its write buffer full, so the caller never queues more than one block beyond the
 * buffer limit.
 */
export async function sendAll(stream, bytes, { blockBytes = 64 * 1024, signal } = {}) {
  for (let offset = 0; offset < bytes.byteLength; offset += blockBytes) {
    const block = bytes.subarray(offset, Math.min(offset + blockBytes, bytes.byteLength));
    if (!stream.send(block)) {
      await stream.onDrain({ signal });
    }
  }
}

/**
 * Reads the stream to its end (remote FIN) and returns the bytes. Fails once more than
 * `maxBytes` arrive, so a misbehaving remote cannot grow our memory without bound.
 */
export async function readAll(stream, { maxBytes }) {
  const chunks = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = toBytes(chunk);
    total += bytes.byteLength;
    if (total > maxBytes) {
      throw new Error(`stream sent more than ${maxBytes} bytes`);
    }
    chunks.push(bytes);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const bytes of chunks) {
    out.set(bytes, offset);
    offset += bytes.byteLength;
  }
  return out;
}

/** A promise that rejects with a named error after `ms`, and the means to cancel it. */
export function deadline(ms, what) {
  let timer;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref?.();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Runs `fn(signal)` with an AbortSignal that fires after `ms`; rejects on timeout. */
export async function withTimeout(ms, what, fn) {
  const controller = new AbortController();
  const limit = deadline(ms, what);
  limit.promise.catch(() => controller.abort(new Error(`${what} timed out after ${ms} ms`)));
  try {
    return await Promise.race([fn(controller.signal), limit.promise]);
  } finally {
    limit.cancel();
  }
}
