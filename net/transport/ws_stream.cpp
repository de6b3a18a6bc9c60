#include "net/transport/ws_stream.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket.hpp>

#include "net/transport/tcp_stream.hpp"

namespace ff::net {
namespace {

namespace websocket = boost::beast::websocket;
using WsSocket = websocket::stream<boost::asio::ip::tcp::socket>;

class WsStream final : public ByteStream {
 public:
  explicit WsStream(std::shared_ptr<WsSocket> ws) : ws_(std::move(ws)) {
    boost::system::error_code ignored;
    auto& socket = ws_->next_layer();
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    if (auto local = socket.local_endpoint(ignored); !ignored) {
      if (auto addr = multiaddr_from_endpoint(local, true)) local_addr_ = *addr;
    }
    if (auto remote = socket.remote_endpoint(ignored); !ignored) {
      if (auto addr = multiaddr_from_endpoint(remote, true)) remote_addr_ = *addr;
    }
  }

  void async_read_some(boost::asio::mutable_buffer buffer, IoHandler handler) override {
    ws_->async_read_some(buffer, std::move(handler));
  }
  void async_write(boost::asio::const_buffer buffer, IoHandler handler) override {
    ws_->async_write(buffer, std::move(handler));
  }
  void close() override {
    // Abrupt: libp2p closes the muxer (GoAway) before this, so no WebSocket close
    // handshake is needed, and the peer sees EOF at once.
    boost::system::error_code ignored;
    ws_->next_layer().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    ws_->next_layer().close(ignored);
  }

 private:
  std::shared_ptr<WsSocket> ws_;
};

void configure(WsSocket& ws, boost::beast::role_type role) {
  ws.binary(true);
  ws.read_message_max(kMaxWebSocketMessageBytes);
  auto timeouts = websocket::stream_base::timeout::suggested(role);
  // libp2p keeps connections alive itself (yamux and ping); Beast's idle timeout stays off.
  timeouts.idle_timeout = websocket::stream_base::none();
  ws.set_option(timeouts);
}

}  // namespace

void websocket_accept(boost::asio::ip::tcp::socket socket, std::chrono::milliseconds timeout,
                      std::function<void(Result<std::unique_ptr<ByteStream>>)> done) {
  auto ws = std::make_shared<WsSocket>(std::move(socket));
  configure(*ws, boost::beast::role_type::server);
  auto timer = std::make_shared<boost::asio::steady_timer>(ws->get_executor(), timeout);
  timer->async_wait([weak = std::weak_ptr<WsSocket>(ws)](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the upgrade finished first
    if (auto socket = weak.lock()) {
      boost::system::error_code ignored;
      socket->next_layer().close(ignored);
    }
  });
  ws->async_accept([ws, timer, done = std::move(done)](boost::system::error_code ec) mutable {
    timer->cancel();
    if (ec) {
      done(make_error(Errc::kIo, "websocket upgrade failed: " + ec.message()));
      return;
    }
    done(std::unique_ptr<ByteStream>(std::make_unique<WsStream>(std::move(ws))));
  });
}

void websocket_handshake(boost::asio::ip::tcp::socket socket, const std::string& host_header,
                         std::function<void(Result<std::unique_ptr<ByteStream>>)> done) {
  auto ws = std::make_shared<WsSocket>(std::move(socket));
  configure(*ws, boost::beast::role_type::client);
  ws->async_handshake(host_header, "/", [ws, done = std::move(done)](boost::system::error_code ec) mutable {
    if (ec) {
      done(make_error(Errc::kIo, "websocket handshake failed: " + ec.message()));
      return;
    }
    done(std::unique_ptr<ByteStream>(std::make_unique<WsStream>(std::move(ws))));
  });
}

}  // namespace ff::net
