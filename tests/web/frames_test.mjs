// The /fabric/1.0.0 frame codec of the runtime (web/src/frames.js): round trips across
// arbitrary chunk boundaries, and the bounds that keep a hostile peer from growing memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, encodeVarint, FrameDecoder, FrameError } from '../../web/src/frames.js';

function pattern(n, seed) {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

test('frames survive every split of the byte stream into chunks', () => {
  const payloads = [0, 1, 127, 128, 300, 16384, 70000].map((n, i) => pattern(n, i + 1));
  const wire = new Uint8Array(payloads.reduce((n, p) => n + encodeFrame(p).byteLength, 0));
  let offset = 0;
  for (const p of payloads) {
    const f = encodeFrame(p);
    wire.set(f, offset);
    offset += f.byteLength;
  }
  for (const chunkBytes of [1, 2, 3, 7, 128, 4096, wire.byteLength]) {
    const decoder = new FrameDecoder(1 << 20);
    const got = [];
    for (let at = 0; at < wire.byteLength; at += chunkBytes) {
      got.push(...decoder.push(wire.subarray(at, at + chunkBytes)));
    }
    assert.equal(got.length, payloads.length, `chunk size ${chunkBytes}`);
    got.forEach((frame, i) => assert.deepEqual(frame, payloads[i], `frame ${i}, chunk size ${chunkBytes}`));
    assert.equal(decoder.pendingBytes, 0);
  }
});

test('a frame longer than the limit is refused before its payload arrives', () => {
  const decoder = new FrameDecoder(1000);
  assert.throws(() => decoder.push(encodeVarint(1001)), FrameError);
  // Exactly the limit is fine.
  const ok = new FrameDecoder(1000);
  assert.equal(ok.push(encodeFrame(new Uint8Array(1000))).length, 1);
});

test('a length prefix of endless continuation bytes is refused, not buffered', () => {
  const decoder = new FrameDecoder(4 * 1024 * 1024);
  assert.throws(() => decoder.push(new Uint8Array(64).fill(0xff)), FrameError);
});

test('a non-minimal length prefix is refused', () => {
  const decoder = new FrameDecoder(1000);
  assert.throws(() => decoder.push(Uint8Array.from([0x85, 0x00])), FrameError);
});

test('varints match the protobuf encoding', () => {
  assert.deepEqual([...encodeVarint(0)], [0]);
  assert.deepEqual([...encodeVarint(300)], [0xac, 0x02]);
  assert.deepEqual([...encodeVarint(4 * 1024 * 1024)], [0x80, 0x80, 0x80, 0x02]);
  assert.throws(() => encodeVarint(-1), RangeError);
});
