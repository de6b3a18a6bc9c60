// Where a runtime keeps what must survive a reload: its identity (the libp2p private key,
// protobuf-encoded) and its journal (one file in the core journal format,
// docs/journal-format.md). Every storage has the same four-plus-one async methods, so the
// runtime is the same in a page (localStorage + OPFS) and in Node tests (memory):
//
//   loadIdentity()        -> Uint8Array | null
//   saveIdentity(bytes)   -> void
//   readJournal()         -> Uint8Array (empty when there is none)
//   appendJournal(bytes)  -> void, resolved once the bytes are stored
//   truncateJournal(size) -> void (cuts a torn tail found at start)
//
// browserStorage() adds close() (the runtime calls it on stop, before it gives up the Web
// Lock) and journalBackend ('opfs-worker' or 'opfs-main-thread').

import { openWorkerJournal } from './journal-client.js';

const JOURNAL_DIR = 'fabric';

function toBase64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.byteLength; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/**
 * A storage held in memory. Pass the same object to a second runtime to model a reload
 * (tests do: identity and journal survive, as they would in localStorage and OPFS).
 */
export function memoryStorage() {
  let identity = null;
  let journal = new Uint8Array(0);
  return {
    kind: 'memory',
    async loadIdentity() {
      return identity === null ? null : identity.slice();
    },
    async saveIdentity(bytes) {
      identity = bytes.slice();
    },
    async readJournal() {
      return journal.slice();
    },
    async appendJournal(bytes) {
      const next = new Uint8Array(journal.byteLength + bytes.byteLength);
      next.set(journal, 0);
      next.set(bytes, journal.byteLength);
      journal = next;
    },
    async truncateJournal(size) {
      journal = journal.slice(0, Math.min(size, journal.byteLength));
    },
    /** For tests: the journal file's current bytes. */
    journalBytes() {
      return journal.slice();
    },
  };
}

/** Whether this environment has localStorage and OPFS (a page served over http(s)). */
export function browserStorageAvailable() {
  return typeof localStorage !== 'undefined' && typeof navigator !== 'undefined' &&
    typeof navigator.storage?.getDirectory === 'function';
}

/**
 * Whether this page can start the journal worker. Whether the worker gets a sync access
 * handle only the worker can tell: createSyncAccessHandle is not exposed to windows.
 */
function journalWorkerPossible() {
  return typeof Worker === 'function';
}

/** The journal worker's script: next to this module (the bundle's fabric.js). */
function journalWorkerUrl() {
  return new URL('./fabric-journal-worker.js', import.meta.url);
}

/**
 * Main-thread OPFS, for browsers without sync access handles in workers: each append opens
 * a writable stream that keeps the existing data and commits on close(), which copies the
 * whole file, so an append costs O(journal size). The runtime batches every record pending
 * at once into one append.
 */
function mainThreadJournal(dirName, fileName) {
  let fileHandle = null;
  const file = async () => {
    if (fileHandle === null) {
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle(dirName, { create: true });
      fileHandle = await dir.getFileHandle(fileName, { create: true });
    }
    return fileHandle;
  };
  return {
    backend: 'opfs-main-thread',
    async read() {
      const blob = await (await file()).getFile();
      return new Uint8Array(await blob.arrayBuffer());
    },
    async append(bytes) {
      const handle = await file();
      const size = (await handle.getFile()).size;
      const writable = await handle.createWritable({ keepExistingData: true });
      try {
        await writable.write({ type: 'write', position: size, data: bytes });
        await writable.close();
      } catch (err) {
        await writable.abort().catch(() => {});
        throw err;
      }
    },
    async truncate(size) {
      const writable = await (await file()).createWritable({ keepExistingData: true });
      try {
        await writable.truncate(size);
        await writable.close();
      } catch (err) {
        await writable.abort().catch(() => {});
        throw err;
      }
    },
    async size() {
      return (await (await file()).getFile()).size;
    },
    async close() {},
  };
}

/** The worker journal (journal-client.js), or null when this browser cannot run it. */
async function workerJournal(dirName, fileName) {
  if (!journalWorkerPossible()) return null;
  let worker;
  try {
    worker = new Worker(journalWorkerUrl(), { type: 'module', name: `fabric journal ${fileName}` });
  } catch (err) {
    console.warn(`fabric: cannot start the journal worker (${err?.message ?? err})`);
    return null;
  }
  try {
    const journal = await openWorkerJournal(worker, dirName, fileName);
    return {
      backend: 'opfs-worker',
      journal,
      read: () => journal.read(),
      append: (bytes) => journal.append(bytes),
      truncate: (size) => journal.truncate(size),
      size: async () => journal.size,
      close: () => journal.close(),
    };
  } catch (err) {
    if (!err?.unsupported) throw err; // e.g. the file is held elsewhere: not a reason to switch
    console.warn(`fabric: the journal worker cannot run here (${err.message})`);
    return null;
  }
}

/**
 * The page's storage: identity in localStorage under `fabric/<program-id>/identity`
 * (base64 of the protobuf private key), journal in OPFS at `fabric/<program-id>.journal`.
 *
 * The journal lives in a dedicated Worker (fabric-journal-worker.js) that holds the file
 * with a sync access handle: an append is one write + flush of the appended bytes. Where
 * workers or sync access handles are missing, the journal falls back to main-thread OPFS
 * (a warning on the console says so). The file is opened on the first journal call;
 * close() (the runtime calls it on stop) releases it.
 */
export function browserStorage(programId) {
  const identityKey = `fabric/${programId}/identity`;
  const fileName = `${programId}.journal`;
  let opening = null; // promise of the journal backend
  let backendName = null;
  // The file size the journal last confirmed (read, durable append, truncate). When a
  // worker dies mid-append, the file may hold part of a batch nobody was told is stored;
  // the reopen cuts it off, and the runtime appends the batch again.
  let confirmedSize = null;
  let crashed = false;

  const openBackend = async () => {
    const viaWorker = await workerJournal(JOURNAL_DIR, fileName);
    if (viaWorker !== null) return viaWorker;
    console.warn('fabric: the journal uses main-thread OPFS (each append copies the whole file)');
    return mainThreadJournal(JOURNAL_DIR, fileName);
  };

  const journal = () => {
    if (opening !== null) return opening;
    const current = (async () => {
      const backend = await openBackend();
      if (crashed && confirmedSize !== null && (await backend.size()) > confirmedSize) {
        await backend.truncate(confirmedSize);
      }
      crashed = false;
      if (backend.journal) {
        // A worker that dies (crash) is started again by the next call.
        backend.journal.onDead = () => {
          if (opening !== current) return;
          opening = null;
          crashed = true;
        };
      }
      backendName = backend.backend;
      return backend;
    })();
    opening = current;
    current.catch(() => {
      if (opening === current) opening = null; // a failed open is tried again next time
    });
    return current;
  };

  return {
    kind: 'browser',
    /** 'opfs-worker', 'opfs-main-thread', or null before the journal was first opened. */
    get journalBackend() {
      return backendName;
    },
    async loadIdentity() {
      const text = localStorage.getItem(identityKey);
      if (text === null) return null;
      try {
        return fromBase64(text);
      } catch {
        return null; // damaged entry: a fresh identity replaces it
      }
    },
    async saveIdentity(bytes) {
      localStorage.setItem(identityKey, toBase64(bytes));
    },
    async readJournal() {
      const bytes = await (await journal()).read();
      confirmedSize = bytes.byteLength;
      return bytes;
    },
    async appendJournal(bytes) {
      await (await journal()).append(bytes);
      if (confirmedSize !== null) confirmedSize += bytes.byteLength;
    },
    async truncateJournal(size) {
      await (await journal()).truncate(size);
      confirmedSize = size;
    },
    /** Releases the journal file (and ends its worker); a later call opens it again. */
    async close() {
      if (opening === null) return;
      const current = opening;
      opening = null;
      confirmedSize = null; // after close, another tab may own the file
      crashed = false;
      const backend = await current.catch(() => null);
      await backend?.close();
    },
  };
}

/** Checks that `storage` has every method the runtime calls. */
export function checkStorage(storage) {
  for (const name of ['loadIdentity', 'saveIdentity', 'readJournal', 'appendJournal', 'truncateJournal']) {
    if (typeof storage?.[name] !== 'function') {
      throw new TypeError(`storage.${name} must be a function (docs/browser-api.md "Storage")`);
    }
  }
  return storage;
}
