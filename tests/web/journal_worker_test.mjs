// The OPFS journal worker (web/src/journal-worker.js) and its page-side client
// (web/src/journal-client.js), wired through a MessageChannel in Node, over a fake OPFS
// whose sync access handles keep bytes in memory, count flushes and fail on request.
// Chromium runs the same code for real in tests/browser (reload restores from OPFS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openWorkerJournal } from '../../web/src/journal-client.js';
import { serveJournal } from '../../web/src/journal-worker.js';
import { browserStorage } from '../../web/src/storage.js';
import { startNode, waitFor, within } from './lib/harness.mjs';

const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);

/**
 * One file of the fake OPFS. `failFlush` fails the next flush; `shortWrite` makes the next
 * write store half its bytes; `fullDisk` makes writes store nothing.
 */
class FakeFile {
  bytes = new Uint8Array(0);
  held = false;
  writes = 0;
  flushes = 0;
  failFlush = false;
  shortWrite = false;
  fullDisk = false;
  crashOnWrite = null; // (handle) => void: the worker dies in the middle of a write
}

class FakeSyncAccessHandle {
  #file;
  #closed = false;
  constructor(file) {
    this.#file = file;
    file.held = true;
  }
  #check() {
    if (this.#closed) throw new DOMException('handle closed', 'InvalidStateError');
  }
  /** What a worker's death does to its handle: gone, file released, nothing more written. */
  kill() {
    this.close();
  }
  getSize() {
    this.#check();
    return this.#file.bytes.byteLength;
  }
  read(view, { at }) {
    this.#check();
    const part = this.#file.bytes.subarray(at, at + view.byteLength);
    view.set(part);
    return part.byteLength;
  }
  write(view, { at }) {
    this.#check();
    const file = this.#file;
    file.writes++;
    // A short write stores part of the bytes and says so.
    const length = file.shortWrite ? Math.floor(view.byteLength / 2) : file.fullDisk ? 0 : view.byteLength;
    file.shortWrite = false;
    const end = Math.max(file.bytes.byteLength, at + length);
    const next = new Uint8Array(end);
    next.set(file.bytes, 0);
    next.set(view.subarray(0, length), at);
    file.bytes = next;
    if (file.crashOnWrite) {
      const crash = file.crashOnWrite;
      file.crashOnWrite = null;
      crash(this);
      throw new Error('worker died');
    }
    return length;
  }
  truncate(size) {
    this.#check();
    const next = new Uint8Array(size);
    next.set(this.#file.bytes.subarray(0, size));
    this.#file.bytes = next;
  }
  flush() {
    this.#check();
    if (this.#file.failFlush) {
      this.#file.failFlush = false;
      throw new DOMException('disk went away', 'InvalidStateError');
    }
    this.#file.flushes++;
  }
  close() {
    if (!this.#closed) this.#file.held = false;
    this.#closed = true;
  }
}

class FakeFileHandle {
  constructor(file, { sync = true } = {}) {
    this.file = file;
    if (sync) {
      this.createSyncAccessHandle = async () => {
        if (file.held) throw new DOMException('another handle holds the file', 'NoModificationAllowedError');
        return new FakeSyncAccessHandle(file);
      };
    }
  }
}

class FakeDirectory {
  constructor({ sync = true } = {}) {
    this.sync = sync;
    this.dirs = new Map();
    this.files = new Map();
  }
  async getDirectoryHandle(name, { create = false } = {}) {
    if (!this.dirs.has(name)) {
      if (!create) throw new DOMException(name, 'NotFoundError');
      this.dirs.set(name, new FakeDirectory({ sync: this.sync }));
    }
    return this.dirs.get(name);
  }
  async getFileHandle(name, { create = false } = {}) {
    if (!this.files.has(name)) {
      if (!create) throw new DOMException(name, 'NotFoundError');
      this.files.set(name, new FakeFile());
    }
    return new FakeFileHandle(this.files.get(name), { sync: this.sync });
  }
  file(dir, name) {
    return this.dirs.get(dir)?.files.get(name);
  }
}

/**
 * A "worker" serving `root`: the client's end of a MessageChannel, with terminate(). The
 * test closes it through t.after so Node can exit.
 */
function fakeWorker(t, root) {
  const { port1, port2 } = new MessageChannel();
  serveJournal(port2, async () => root);
  port1.terminate = () => {
    port1.close();
    port2.close();
  };
  t.after(() => port1.terminate());
  return port1;
}

const QUICK_RETRY = { retryTotalMs: 200, retryIntervalMs: 10 };

test('appends made in one task become one write and one flush, in order', async (t) => {
  const root = new FakeDirectory();
  const journal = await openWorkerJournal(fakeWorker(t, root), 'fabric', 'a.journal');
  const file = root.file('fabric', 'a.journal');
  const mine = enc('one ');
  await Promise.all([journal.append(mine), journal.append(enc('two ')), journal.append(enc('three'))]);
  assert.equal(file.writes, 1, 'one write for the whole task');
  assert.equal(file.flushes, 1, 'one flush for the whole task');
  assert.equal(dec(file.bytes), 'one two three');
  assert.equal(dec(mine), 'one ', "the caller's bytes are copied, not transferred away");
  await journal.append(enc(' four'));
  assert.equal(file.flushes, 2, 'a later task is a new flush');
  assert.equal(dec(await journal.read()), 'one two three four');
});

test('a failed flush cuts the file back, rejects the batch, and a retry lands once', async (t) => {
  const root = new FakeDirectory();
  const journal = await openWorkerJournal(fakeWorker(t, root), 'fabric', 'b.journal');
  const file = root.file('fabric', 'b.journal');
  await journal.append(enc('kept|'));
  file.failFlush = true;
  const results = await Promise.allSettled([journal.append(enc('lost-1|')), journal.append(enc('lost-2|'))]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.match(results[0].reason.message, /disk went away/);
  assert.equal(dec(file.bytes), 'kept|', 'nothing of the failed batch stays in the file');
  await journal.append(enc('lost-1|lost-2|')); // what the runtime does: the same bytes again
  assert.equal(dec(await journal.read()), 'kept|lost-1|lost-2|');
});

test('a short write is continued; a write that stores nothing fails and leaves the file as it was', async (t) => {
  const root = new FakeDirectory();
  const journal = await openWorkerJournal(fakeWorker(t, root), 'fabric', 'c.journal');
  const file = root.file('fabric', 'c.journal');
  await journal.append(enc('header'));
  file.shortWrite = true;
  await journal.append(enc('0123456789'));
  assert.equal(dec(file.bytes), 'header0123456789', 'the rest is written after a short write');
  file.fullDisk = true;
  file.shortWrite = true; // half is stored, then nothing: the half must go again
  await assert.rejects(journal.append(enc('abcdefgh')), { name: 'QuotaExceededError' });
  assert.equal(dec(file.bytes), 'header0123456789');
  file.fullDisk = false;
  await journal.append(enc('+more'));
  assert.equal(dec(file.bytes), 'header0123456789+more');
});

test('a truncate comes after the appends made before it and cuts the file durably', async (t) => {
  const root = new FakeDirectory();
  const journal = await openWorkerJournal(fakeWorker(t, root), 'fabric', 'd.journal');
  const file = root.file('fabric', 'd.journal');
  const appended = journal.append(enc('0123456789'));
  await journal.truncate(4);
  await appended;
  assert.equal(dec(file.bytes), '0123');
  const flushes = file.flushes;
  await journal.append(enc('abc'));
  assert.equal(dec(await journal.read()), '0123abc', 'appends go to the new end');
  assert.equal(file.flushes, flushes + 1);
});

test('close releases the file, so the next journal (a reload) opens it and reads it all', async (t) => {
  const root = new FakeDirectory();
  const first = await openWorkerJournal(fakeWorker(t, root), 'fabric', 'e.journal');
  await first.append(enc('survives'));
  await first.close();
  await assert.rejects(first.append(enc('x')), /journal closed/);
  const second = await openWorkerJournal(fakeWorker(t, root), 'fabric', 'e.journal');
  assert.equal(dec(await second.read()), 'survives');
});

test('open waits for a file another context still holds, and fails when it stays held', async (t) => {
  const root = new FakeDirectory();
  const holder = await openWorkerJournal(fakeWorker(t, root), 'fabric', 'f.journal');
  // Held for good: the open fails with the browser's error, not as "unsupported" (falling
  // back to main-thread OPFS would not help: the file is still held).
  const failed = await openWorkerJournal(fakeWorker(t, root), 'fabric', 'f.journal', { retry: QUICK_RETRY }).catch((err) => err);
  assert.equal(failed.name, 'NoModificationAllowedError');
  assert.equal(failed.unsupported, false);
  // Released while the next one waits (a reload: the old page's worker goes away late).
  const waiting = openWorkerJournal(fakeWorker(t, root), 'fabric', 'f.journal', { retry: { retryTotalMs: 5000, retryIntervalMs: 10 } });
  setTimeout(() => holder.close(), 50);
  const next = await waiting;
  await next.append(enc('mine now'));
  assert.equal(dec(root.file('fabric', 'f.journal').bytes), 'mine now');
});

test('a browser without sync access handles is reported as unsupported', async (t) => {
  const failed = await openWorkerJournal(fakeWorker(t, new FakeDirectory({ sync: false })), 'fabric', 'g.journal').catch((e) => e);
  assert.ok(failed instanceof Error);
  assert.equal(failed.unsupported, true, failed.message);
  const noOpfs = new MessageChannel();
  serveJournal(noOpfs.port2, async () => {
    throw new TypeError('navigator.storage.getDirectory is not a function');
  });
  noOpfs.port1.terminate = () => {
    noOpfs.port1.close();
    noOpfs.port2.close();
  };
  t.after(() => noOpfs.port1.terminate());
  const failedRoot = await openWorkerJournal(noOpfs.port1, 'fabric', 'g.journal').catch((e) => e);
  assert.equal(failedRoot.unsupported, true, failedRoot.message);
});

test('a worker that fails to load is unsupported; one that dies later fails its requests', async () => {
  const broken = { postMessage() {}, terminate() {} };
  const opening = openWorkerJournal(broken, 'fabric', 'h.journal');
  broken.onerror({ message: 'script 404', preventDefault() {} });
  const failed = await opening.catch((e) => e);
  assert.equal(failed.unsupported, true);
  assert.match(failed.message, /script 404/);

  // Dies after the open: pending and later requests reject, and onDead is told.
  let answer;
  const flaky = {
    postMessage(message) {
      if (message.op === 'open') queueMicrotask(() => flaky.onmessage({ data: { id: message.id, ok: true, size: 0 } }));
      else answer = message;
    },
    terminate() {},
  };
  const journal = await openWorkerJournal(flaky, 'fabric', 'h.journal');
  let deadWith = null;
  journal.onDead = (err) => (deadWith = err);
  const pending = journal.append(enc('never'));
  await waitFor('the append reached the worker', () => answer?.op === 'append');
  flaky.onerror({ message: 'worker crashed' });
  await assert.rejects(pending, /worker crashed/);
  await assert.rejects(journal.append(enc('after')), /worker crashed/);
  assert.match(deadWith?.message ?? '', /worker crashed/);
  assert.equal(deadWith.unsupported, false, 'a crash after open is not a reason to change backend');
});

test('a runtime on the worker journal recovers its writes after a restart', async (t) => {
  const root = new FakeDirectory();
  const identity = { bytes: null };
  const storageOn = (journal) => ({
    loadIdentity: async () => identity.bytes,
    saveIdentity: async (bytes) => (identity.bytes = bytes.slice()),
    readJournal: () => journal.read(),
    appendJournal: (bytes) => journal.append(bytes),
    truncateJournal: (size) => journal.truncate(size),
  });
  const firstJournal = await openWorkerJournal(fakeWorker(t, root), 'fabric', 'run.journal');
  const first = await startNode({ programId: 'worker-journal', storage: storageOn(firstJournal) });
  try {
    const counter = first.counter('clicks');
    await within(5_000, 'counter writes', Promise.all([counter.increment(2), counter.increment(5)]));
    await within(5_000, 'text write', first.text('doc').insert(0, 'hello'));
  } finally {
    await first.stop();
    await firstJournal.close();
  }
  const file = root.file('fabric', 'run.journal');
  assert.ok(file.bytes.byteLength > 16 && file.flushes >= 2, `journal: ${file.bytes.byteLength} bytes, ${file.flushes} flushes`);

  const secondJournal = await openWorkerJournal(fakeWorker(t, root), 'fabric', 'run.journal');
  const second = await startNode({ programId: 'worker-journal', storage: storageOn(secondJournal) });
  try {
    assert.equal(second.peerId, first.peerId);
    assert.equal(second.counter('clicks').value(), 7);
    assert.equal(second.text('doc').value(), 'hello');
    await within(5_000, 'write after restart', second.counter('clicks').increment(1));
    assert.equal(second.counter('clicks').value(), 8);
  } finally {
    await second.stop();
    await secondJournal.close();
  }
});

test('browserStorage: a worker that dies mid-append is replaced and its partial bytes cut off', async (t) => {
  // The page globals browserStorage uses, faked: localStorage, and a Worker that serves the
  // fake OPFS in this thread.
  const root = new FakeDirectory();
  const workers = [];
  class FakeWorker {
    constructor(url, options) {
      assert.match(String(url), /fabric-journal-worker\.js$/);
      assert.equal(options.type, 'module');
      const { port1, port2 } = new MessageChannel();
      serveJournal(port2, async () => root);
      this.port1 = port1;
      this.port2 = port2;
      workers.push(this);
    }
    set onmessage(cb) {
      this.port1.onmessage = cb;
    }
    postMessage(message, transfer) {
      this.port1.postMessage(message, transfer);
    }
    terminate() {
      this.port1.close();
      this.port2.close();
    }
  }
  const saved = { Worker: globalThis.Worker, localStorage: globalThis.localStorage };
  const items = new Map();
  globalThis.Worker = FakeWorker;
  globalThis.localStorage = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, String(v)) };
  t.after(() => {
    for (const w of workers) w.terminate();
    Object.assign(globalThis, saved);
  });

  const storage = browserStorage('crashy');
  assert.equal(storage.journalBackend, null);
  await storage.saveIdentity(enc('key bytes'));
  assert.equal(dec(await storage.loadIdentity()), 'key bytes');
  assert.equal((await storage.readJournal()).byteLength, 0);
  assert.equal(storage.journalBackend, 'opfs-worker');
  await storage.appendJournal(enc('first|'));

  const file = root.file('fabric', 'crashy.journal');
  file.shortWrite = true; // half of the batch reaches the file...
  file.crashOnWrite = (handle) => {
    handle.kill(); // ...then the worker is gone
    workers.at(-1).onerror({ message: 'worker crashed', preventDefault() {} });
  };
  await assert.rejects(storage.appendJournal(enc('second|')), /worker crashed/);
  assert.equal(dec(file.bytes), 'first|sec', 'the dead worker left part of its batch');

  // The runtime appends the same bytes again: a new worker opens, cuts the file back to what
  // was confirmed, and appends.
  await storage.appendJournal(enc('second|'));
  assert.equal(workers.length, 2, 'a new worker was started');
  assert.equal(dec(file.bytes), 'first|second|');
  assert.equal(dec(await storage.readJournal()), 'first|second|');

  await storage.close();
  assert.equal(file.held, false, 'close released the file');
});
