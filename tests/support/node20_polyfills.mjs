// Node 20 gaps that js-libp2p 3.x assumes, filled by install() before any libp2p module
// loads. The importing module (tests/interop/lib/polyfills.mjs, tests/web/lib/polyfills.mjs)
// passes the `ws` WebSocket class from its own node_modules and must itself be imported
// first: ES modules evaluate their imports in order.
//
// 1. Promise.withResolvers (ES2024, Node 22+). js-libp2p 3.x calls it throughout
//    (@libp2p/ping, @libp2p/utils streams, yamux, mortice, it-queue, ...).
// 2. A global WebSocket (Node 22+; Node 20 only behind --experimental-websocket).
//    @libp2p/websockets 10.x *listens* with the `ws` package (its listener.js imports
//    `ws` and adapts each server-side socket), but it *dials* with `new WebSocket(uri)`,
//    the global, so without one every /ws dial fails with "WebSocket is not defined".
//    The `ws` client class is what it expects: it has addEventListener (with {once}),
//    binaryType = 'arraybuffer', bufferedAmount and CloseEvent.wasClean.
// 3. WebSocket.close(1006). @libp2p/websockets' sendReset() (called when a connection is
//    aborted) does `websocket.close(1006)`. 1006 is a reserved code that must never be
//    sent: `ws` throws a TypeError (so does a browser's WebSocket), js-libp2p catches and
//    logs it, and the socket is left open. We map close(1006) to terminate() (an abrupt TCP
//    close), which is what "reset" means; set FF_WS_FAITHFUL_RESET=1 to keep the unpatched
//    behaviour (socket left open) when a test wants to see exactly what a browser does.
// 4. With `browserLikeErrors`: a `ws` client is a Node EventEmitter, so an 'error' emitted
//    after js-libp2p removed its listeners (a dial aborted by stop() whose connect then
//    fails) becomes an uncaught exception and kills the test process; a browser's
//    WebSocket just drops such an event. The global class then keeps one no-op 'error'
//    listener so Node behaves like the browser.
export function install(WsWebSocket, { browserLikeErrors = false } = {}) {
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

  if (process.env.FF_WS_FAITHFUL_RESET !== '1') {
    const originalClose = WsWebSocket.prototype.close;
    WsWebSocket.prototype.close = function close(code, reason) {
      if (code === 1006) {
        this.terminate();
        return;
      }
      return originalClose.call(this, code, reason);
    };
  }

  if (typeof globalThis.WebSocket === 'undefined') {
    globalThis.WebSocket = browserLikeErrors
      ? class BrowserLikeWebSocket extends WsWebSocket {
          constructor(...args) {
            super(...args);
            this.on('error', () => {});
          }
        }
      : WsWebSocket;
  }
}
