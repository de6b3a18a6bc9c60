// Node 20 gaps that js-libp2p 3.x assumes are filled (tests/support/node20_polyfills.mjs
// says which and why). Import this module before anything from libp2p: ES modules evaluate
// their imports in order, so a first-line `import './lib/polyfills.mjs'` runs before any
// libp2p module body.
import { WebSocket as WsWebSocket } from 'ws';
import { install } from '../../support/node20_polyfills.mjs';

install(WsWebSocket);
