// Node 20 gaps that js-libp2p 3.x assumes, filled before any libp2p module loads (import
// this first). The same three as tests/interop/lib/polyfills.mjs, which explains them:
// Promise.withResolvers, a global WebSocket (the `ws` client; js-libp2p dials with the
// global and listens with `ws`), and close(1006) mapped to terminate(). One more: a `ws`
// client is a Node EventEmitter, so an 'error' emitted after js-libp2p removed its listeners
// (a dial aborted by stop() whose connect then fails) becomes an uncaught exception and
// kills the test process; a browser's WebSocket just drops such an event. The global class
// here keeps one no-op 'error' listener so Node behaves like the browser.
// `ws` is resolved from web/node_modules, where the runtime's own dependencies live.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../../web/package.json', import.meta.url));
const { WebSocket: WsWebSocket } = require('ws');

if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

const originalClose = WsWebSocket.prototype.close;
WsWebSocket.prototype.close = function close(code, reason) {
  if (code === 1006) {
    this.terminate();
    return;
  }
  return originalClose.call(this, code, reason);
};

class BrowserLikeWebSocket extends WsWebSocket {
  constructor(...args) {
    super(...args);
    this.on('error', () => {});
  }
}

if (typeof globalThis.WebSocket === 'undefined') {
  globalThis.WebSocket = BrowserLikeWebSocket;
}
