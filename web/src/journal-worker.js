// The worker side of the OPFS journal (docs/browser-api.md "Storage"): a dedicated Worker
// holds the journal file open with a FileSystemSyncAccessHandle, which only workers get,
// and serves the page's requests over postMessage. An append is one `write(bytes, {at:
// size})` plus one `flush()`, so its cost is the bytes appended, not the file's size (the
// main-thread fallback copies the whole file per commit).
//
// Protocol (one request at a time is handled, in the order they arrive):
//   {id, op: 'open', dir, name}   -> {id, ok, size}       opens (creates) <root>/<dir>/<name>
//   {id, op: 'read'}              -> {id, ok, bytes}      the whole file (ArrayBuffer, transferred)
//   {id, op: 'append', bytes}     -> {id, ok, size}       bytes: an ArrayBuffer; durable on reply
//   {id, op: 'truncate', size}    -> {id, ok, size}       durable on reply
//   {id, op: 'close'}             -> {id, ok}             releases the file
// A failure replies {id, ok: false, name, message, unsupported}: `unsupported` means this
// browser has no sync access handles (the page then falls back to main-thread OPFS).
//
// fabric-journal-worker.js is the entry the bundle builds; serveJournal takes the port and
// the OPFS root as arguments so Node tests can drive it with fakes.

// How long to wait for a sync handle another context still holds: after a reload the old
// page's worker may not have released it yet. The Web Lock keeps live tabs apart, so a
// holder that lasts longer than this is a real conflict and the open fails.
const OPEN_RETRY_TOTAL_MS = 5_000;
const OPEN_RETRY_INTERVAL_MS = 50;

function failure(id, err, unsupported = false) {
  return {
    id,
    ok: false,
    name: err?.name ?? 'Error',
    message: err?.message ?? String(err),
    unsupported,
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One journal file held through a sync access handle. */
export class SyncJournalFile {
  #handle;
  #size;

  constructor(handle) {
    this.#handle = handle;
    this.#size = handle.getSize();
  }

  /**
   * Opens `<root>/<dir>/<name>` (creating both) with a sync access handle. Retries while
   * another context holds one (NoModificationAllowedError), up to `retryTotalMs`.
   */
  static async open(root, dir, name, { retryTotalMs = OPEN_RETRY_TOTAL_MS, retryIntervalMs = OPEN_RETRY_INTERVAL_MS } = {}) {
    const folder = await root.getDirectoryHandle(dir, { create: true });
    const file = await folder.getFileHandle(name, { create: true });
    if (typeof file.createSyncAccessHandle !== 'function') {
      throw Object.assign(new Error('FileSystemFileHandle.createSyncAccessHandle is not available'), { unsupported: true });
    }
    const deadline = Date.now() + retryTotalMs;
    for (;;) {
      try {
        return new SyncJournalFile(await file.createSyncAccessHandle());
      } catch (err) {
        if (err?.name !== 'NoModificationAllowedError' || Date.now() >= deadline) throw err;
        await sleep(retryIntervalMs);
      }
    }
  }

  get size() {
    return this.#size;
  }

  /** The whole file. */
  read() {
    const size = this.#handle.getSize();
    const bytes = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const n = this.#handle.read(bytes.subarray(offset), { at: offset });
      if (n <= 0) break; // shorter than getSize() said: return what is there
      offset += n;
    }
    return offset === size ? bytes : bytes.slice(0, offset);
  }

  /**
   * Appends and flushes. On any failure the file is cut back to its previous size, so a
   * retried append does not land after a partial copy of itself.
   */
  append(bytes) {
    const at = this.#size;
    try {
      let offset = 0;
      while (offset < bytes.byteLength) {
        const n = this.#handle.write(bytes.subarray(offset), { at: at + offset });
        if (n <= 0) throw Object.assign(new Error(`short write: ${offset} of ${bytes.byteLength} bytes`), { name: 'QuotaExceededError' });
        offset += n;
      }
      this.#handle.flush();
    } catch (err) {
      try {
        this.#handle.truncate(at);
        this.#handle.flush();
      } catch {
        // The next append writes at `at` again, over whatever is left.
      }
      throw err;
    }
    this.#size = at + bytes.byteLength;
    return this.#size;
  }

  truncate(size) {
    this.#handle.truncate(size);
    this.#handle.flush();
    this.#size = this.#handle.getSize();
    return this.#size;
  }

  close() {
    this.#handle.close();
  }
}

/**
 * Serves the protocol above on `port` (the worker's global scope, or a MessagePort in
 * tests). `getRoot()` gives the OPFS root directory handle. Returns nothing; runs until
 * the port goes away.
 */
export function serveJournal(port, getRoot) {
  let file = null;
  let queue = Promise.resolve();

  async function handle(message) {
    const { id, op } = message ?? {};
    try {
      switch (op) {
        case 'open': {
          if (file !== null) throw new Error('journal already open');
          let root;
          try {
            root = await getRoot();
          } catch (err) {
            return { reply: failure(id, err, true) };
          }
          try {
            file = await SyncJournalFile.open(root, String(message.dir), String(message.name), message.retry ?? {});
          } catch (err) {
            return { reply: failure(id, err, Boolean(err?.unsupported)) };
          }
          return { reply: { id, ok: true, size: file.size } };
        }
        case 'read': {
          const bytes = openFile().read();
          return { reply: { id, ok: true, bytes: bytes.buffer }, transfer: [bytes.buffer] };
        }
        case 'append': {
          if (!(message.bytes instanceof ArrayBuffer)) throw new TypeError('append: bytes must be an ArrayBuffer');
          return { reply: { id, ok: true, size: openFile().append(new Uint8Array(message.bytes)) } };
        }
        case 'truncate': {
          const size = message.size;
          if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`truncate: bad size ${size}`);
          return { reply: { id, ok: true, size: openFile().truncate(size) } };
        }
        case 'close': {
          if (file !== null) file.close();
          file = null;
          return { reply: { id, ok: true } };
        }
        default:
          throw new Error(`unknown request ${JSON.stringify(op)}`);
      }
    } catch (err) {
      return { reply: failure(id, err) };
    }
  }

  function openFile() {
    if (file === null) throw new Error('journal not open');
    return file;
  }

  port.onmessage = (event) => {
    // Open is async (directory handles); later requests wait for it, so every request sees
    // the effects of those before it.
    queue = queue.then(async () => {
      const { reply, transfer = [] } = await handle(event.data);
      port.postMessage(reply, transfer);
    }).catch(() => {}); // a reply that cannot be posted must not stop the requests after it
  };
}
