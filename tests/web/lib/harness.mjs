// Shared helpers for the runtime tests: the wasm core, runtimes with in-memory storage,
// free ports, and bounded waits (every wait has a limit and says what it waited for).
import './polyfills.mjs';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { startFabricWith } from '../../../web/src/runtime.js';
import { memoryStorage } from '../../../web/src/storage.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The Emscripten factory: $FF_WEB_CORE, else build-wasm/bin/fabric_core.mjs. */
export async function coreFactory() {
  const file = process.env.FF_WEB_CORE ?? path.join(repoRoot, 'build-wasm/bin/fabric_core.mjs');
  const module = await import(pathToFileURL(file).href);
  return module.default;
}

/** Starts a runtime with memory storage (unless given) and no page-derived options. */
export async function startNode(options) {
  const factory = await coreFactory();
  return startFabricWith(factory, { storage: memoryStorage(), api: false, ...options });
}

/** Resolves with a port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 25 ms until it returns a truthy value; fails after `timeoutMs`. */
export async function waitFor(what, check, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last?.message ?? JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Rejects after `ms` unless `promise` settles first. */
export function within(ms, what, promise) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}
