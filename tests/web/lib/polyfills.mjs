// Node 20 gaps that js-libp2p 3.x assumes, filled before any libp2p module loads (import
// this first): tests/support/node20_polyfills.mjs, with a browser-like global WebSocket
// (a late 'error' event is dropped, as a browser does, instead of killing the process).
// `ws` is resolved from web/node_modules, where the runtime's own dependencies live.
import { createRequire } from 'node:module';
import { install } from '../../support/node20_polyfills.mjs';

const require = createRequire(new URL('../../../web/package.json', import.meta.url));
install(require('ws').WebSocket, { browserLikeErrors: true });
