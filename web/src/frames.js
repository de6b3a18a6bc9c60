// /fabric/1.0.0 framing (docs/wire/fabric.proto, /work docs/fabric.md): every frame is an
// unsigned LEB128 varint length followed by that many bytes (one DirectMessage). The decoder
// is bounded: a length above maxFrameBytes, or a varint longer than needed to express it, is
// a protocol error the caller answers by dropping the stream, never by buffering more.

/** Encodes `value` (a non-negative safe integer) as an unsigned varint. */
export function encodeVarint(value) {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint: bad value ${value}`);
  const out = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** One frame ready to write: varint(length) || payload, in a single buffer. */
export function encodeFrame(payload) {
  const prefix = encodeVarint(payload.byteLength);
  const out = new Uint8Array(prefix.byteLength + payload.byteLength);
  out.set(prefix, 0);
  out.set(payload, prefix.byteLength);
  return out;
}

export class FrameError extends Error {
  constructor(message) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * Incremental decoder. push(chunk) returns the frames completed by that chunk (copies, so
 * they outlive the stream's buffers) and throws FrameError on a malformed prefix. Memory is
 * bounded by maxFrameBytes plus one chunk.
 */
export class FrameDecoder {
  constructor(maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
    // Longest varint a legal length needs; a longer run of continuation bytes is an error.
    this.maxPrefixBytes = encodeVarint(maxFrameBytes).byteLength;
    this.chunks = [];
    this.buffered = 0;
    this.need = -1; // payload length of the frame being read, -1 while reading the prefix
  }

  push(chunk) {
    const frames = [];
    if (chunk.byteLength === 0) return frames;
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    for (;;) {
      if (this.need < 0) {
        const prefix = this.#readPrefix();
        if (prefix === null) break;
        this.need = prefix;
      }
      if (this.buffered < this.need) break;
      frames.push(this.#take(this.need));
      this.need = -1;
    }
    return frames;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pendingBytes() {
    return this.buffered;
  }

  // Reads the length prefix if complete, consuming it; null when more bytes are needed.
  #readPrefix() {
    let value = 0;
    let scale = 1;
    let index = 0;
    for (const chunk of this.chunks) {
      for (let i = 0; i < chunk.byteLength; i++) {
        const byte = chunk[i];
        value += (byte & 0x7f) * scale;
        scale *= 0x80;
        index++;
        if ((byte & 0x80) === 0) {
          if (value > this.maxFrameBytes) {
            throw new FrameError(`frame of ${value} bytes exceeds the limit of ${this.maxFrameBytes}`);
          }
          if (index > 1 && byte === 0) throw new FrameError('frame length is not minimally encoded');
          this.#take(index);
          return value;
        }
        if (index >= this.maxPrefixBytes) {
          throw new FrameError(`frame length prefix longer than ${this.maxPrefixBytes} bytes`);
        }
      }
    }
    return null;
  }

  // Removes and returns the first `n` buffered bytes (n <= buffered).
  #take(n) {
    const out = new Uint8Array(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.chunks[0];
      const want = n - offset;
      if (chunk.byteLength <= want) {
        out.set(chunk, offset);
        offset += chunk.byteLength;
        this.chunks.shift();
      } else {
        out.set(chunk.subarray(0, want), offset);
        this.chunks[0] = chunk.subarray(want);
        offset += want;
      }
    }
    this.buffered -= n;
    return out;
  }
}
