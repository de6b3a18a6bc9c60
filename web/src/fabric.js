// The browser runtime's entry point, bundled by scripts/build-web.sh into
// build-web/dist/fabric.js (served by `largo run` as /web/fabric.js):
//
//   import { startFabric } from '/web/fabric.js';
//   window.fabric = await startFabric({ programId: 'Alpha' });
//
// 'fluid-fabric-core' is the Emscripten module factory (build-wasm/bin/fabric_core.mjs,
// wasm inlined); the bundler resolves it by alias. docs/browser-api.md has the API.
import createFabricCore from 'fluid-fabric-core';
import { startFabricWith } from './runtime.js';

export { FABRIC_PROTOCOL, FabricError, dialableAddr } from './runtime.js';
export { memoryStorage, browserStorage } from './storage.js';

/** Starts a Fluid Fabric node in this page (docs/browser-api.md). */
export function startFabric(options) {
  return startFabricWith(createFabricCore, options);
}
