// The page side of the OPFS journal worker (journal-worker.js has the worker side and the
// message protocol). Requests go out in order and the worker answers them in order; the
// ArrayBuffers cross by transfer, not by copy.
//
// Appends made in the same task are sent as one request, so they cost one write + flush
// in the worker; each caller's promise resolves when that flush is done.

const OPEN_TIMEOUT_MS = 10_000; // the worker retries a held file for 5 s of it
const CLOSE_TIMEOUT_MS = 2_000; // then the worker is terminated anyway (that releases the file too)
const MAX_PENDING_REQUESTS = 4096;

function concat(parts) {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

function replyError(reply) {
  const err = new Error(`journal worker: ${reply.message}`);
  err.name = reply.name ?? 'Error';
  err.unsupported = Boolean(reply.unsupported);
  return err;
}

function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`journal worker: ${what} timed out after ${ms} ms`), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * A journal file served by a worker. `worker` is a Worker (or anything with postMessage,
 * onmessage, onerror and terminate: tests pass a MessagePort). Use openWorkerJournal().
 */
export class WorkerJournal {
  #worker;
  #pending = new Map(); // id -> {resolve, reject}
  #nextId = 1;
  #batch = null; // {parts, waiters}: appends of the current task, not sent yet
  #dead = null; // the Error that ended this worker
  #opened = false;
  #size = 0; // the file's size as of the last reply
  /** Called once when the worker dies (crash, load failure, close). */
  onDead = null;

  constructor(worker) {
    this.#worker = worker;
    worker.onmessage = (event) => this.#onReply(event.data);
    worker.onerror = (event) => {
      event?.preventDefault?.();
      const detail = event?.message ? `: ${event.message}` : '';
      // Before the file is open this means the worker cannot run here at all (the script
      // did not load, workers are forbidden): the page falls back to main-thread OPFS.
      this.#die(Object.assign(new Error(`journal worker failed${detail}`), { unsupported: !this.#opened }));
    };
    worker.onmessageerror = () => this.#die(new Error('journal worker: a reply could not be read'));
  }

  get alive() {
    return this.#dead === null;
  }

  /** The file's size in bytes as the worker last reported it (open, append, truncate). */
  get size() {
    return this.#size;
  }

  /** Opens `<OPFS root>/<dir>/<name>` in the worker; rejects on failure or timeout. */
  async open(dir, name, { timeoutMs = OPEN_TIMEOUT_MS, retry } = {}) {
    const reply = await withTimeout(this.#request('open', { dir, name, ...(retry ? { retry } : {}) }), timeoutMs, 'open');
    this.#opened = true;
    this.#size = reply.size;
    return reply.size;
  }

  /** The whole file. */
  async read() {
    this.#sendBatch();
    const reply = await this.#request('read');
    return new Uint8Array(reply.bytes);
  }

  /** Resolves once `bytes` are in the file and flushed. The bytes are copied at once. */
  append(bytes) {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#batch === null) {
      this.#batch = { parts: [], waiters: [] };
      queueMicrotask(() => this.#sendBatch());
    }
    const batch = this.#batch;
    batch.parts.push(bytes.slice()); // the caller may reuse its buffer; this copy we transfer
    return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  async truncate(size) {
    this.#sendBatch(); // appends made before the truncate go first
    const reply = await this.#request('truncate', { size });
    this.#size = reply.size;
  }

  /** Flushes pending appends, closes the file and ends the worker. */
  async close() {
    if (this.#dead) return;
    this.#sendBatch();
    try {
      await withTimeout(this.#request('close'), CLOSE_TIMEOUT_MS, 'close');
    } catch {
      // Terminating below releases the file as well.
    }
    this.#die(new Error('journal closed'));
  }

  #sendBatch() {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    const bytes = batch.parts.length === 1 ? batch.parts[0] : concat(batch.parts);
    this.#request('append', { bytes: bytes.buffer }, [bytes.buffer]).then(
      (reply) => {
        this.#size = reply.size;
        batch.waiters.forEach((w) => w.resolve());
      },
      (err) => batch.waiters.forEach((w) => w.reject(err)),
    );
  }

  #request(op, fields = {}, transfer = []) {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#pending.size >= MAX_PENDING_REQUESTS) {
      return Promise.reject(new RangeError(`journal worker: more than ${MAX_PENDING_REQUESTS} requests in flight`));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.#worker.postMessage({ id, op, ...fields }, transfer);
      } catch (err) {
        this.#pending.delete(id);
        reject(err);
      }
    });
  }

  #onReply(reply) {
    const waiter = this.#pending.get(reply?.id);
    if (!waiter) return;
    this.#pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply);
    else waiter.reject(replyError(reply));
  }

  #die(err) {
    if (this.#dead) return;
    this.#dead = err;
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
    if (this.#batch !== null) {
      for (const { reject } of this.#batch.waiters) reject(err);
      this.#batch = null;
    }
    try {
      this.#worker.terminate();
    } catch {
      // already gone
    }
    this.onDead?.(err);
  }
}

/**
 * Starts the journal in `worker` and opens `<dir>/<name>` there. Rejects (and terminates
 * the worker) when it cannot; `error.unsupported` says the browser lacks what the worker
 * needs, so main-thread OPFS is the way left.
 */
export async function openWorkerJournal(worker, dir, name, options) {
  const journal = new WorkerJournal(worker);
  try {
    await journal.open(dir, name, options);
  } catch (err) {
    journal.onDead = null;
    journal.close().catch(() => {});
    if (err?.name === 'TimeoutError') err.unsupported = true; // a worker that never answers
    throw err;
  }
  return journal;
}
