#include "net/transport/transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>

#include "net/transport/tcp_stream.hpp"
#include "net/transport/ws_stream.hpp"

namespace ff::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Transport::Listener : std::enable_shared_from_this<Transport::Listener> {
  Listener(asio::io_context& io, bool ws, AcceptHandler handler)
      : acceptor(io), is_ws(ws), on_accept(std::move(handler)) {}

  void accept_next() {
    acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
      if (!self->acceptor.is_open()) return;
      if (!ec) self->hand_over(std::move(socket));
      // Errors such as EMFILE are transient for a listener: keep accepting.
      self->accept_next();
    });
  }

  void hand_over(tcp::socket socket) {
    if (!is_ws) {
      on_accept(std::make_unique<TcpStream>(std::move(socket)));
      return;
    }
    websocket_accept(std::move(socket), kWebSocketAcceptTimeout,
                     [self = shared_from_this()](Result<std::unique_ptr<ByteStream>> stream) {
                       if (stream.ok() && self->acceptor.is_open()) self->on_accept(std::move(*stream));
                     });
  }

  tcp::acceptor acceptor;
  bool is_ws;
  AcceptHandler on_accept;
};

Transport::~Transport() { close_listeners(); }

Result<Multiaddr> Transport::listen(const Multiaddr& addr, AcceptHandler on_accept) {
  FF_TRY_ASSIGN(TcpEndpoint endpoint, addr.to_tcp_endpoint());
  if (endpoint.host_kind != TcpEndpoint::HostKind::kIp4 &&
      endpoint.host_kind != TcpEndpoint::HostKind::kIp6) {
    return make_error(Errc::kUnsupported,
                      "listen: only /ip4 and /ip6 addresses can be listened on: " + addr.to_string());
  }
  if (endpoint.is_secure)
    return make_error(Errc::kUnsupported, "listen: /wss is not supported: " + addr.to_string());
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(endpoint.host, ec);
  if (ec) return make_error(Errc::kInvalidInput, "listen: bad address " + endpoint.host);
  auto listener = std::make_shared<Listener>(io_, endpoint.is_ws, std::move(on_accept));
  const tcp::endpoint bind_to(ip, endpoint.port);
  listener->acceptor.open(bind_to.protocol(), ec);
  if (!ec) listener->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) listener->acceptor.bind(bind_to, ec);
  if (!ec) listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error(Errc::kIo, "listen on " + addr.to_string() + ": " + ec.message());
  auto bound = listener->acceptor.local_endpoint(ec);
  if (ec) return make_error(Errc::kIo, "listen: " + ec.message());
  FF_TRY_ASSIGN(Multiaddr actual, multiaddr_from_endpoint(bound, endpoint.is_ws));
  listener->accept_next();
  listeners_.push_back(std::move(listener));
  return actual;
}

namespace {

// One dial in flight: resolve, connect, optional WebSocket upgrade, under one deadline.
struct DialAttempt : std::enable_shared_from_this<DialAttempt> {
  DialAttempt(asio::io_context& io, Transport::DialHandler h)
      : resolver(io), socket(io), timer(io), handler(std::move(h)) {}

  void finish(Result<std::unique_ptr<ByteStream>> result) {
    if (done) return;
    done = true;
    timer.cancel();
    handler(std::move(result));
  }
  void fail(const std::string& message) {
    boost::system::error_code ignored;
    socket.close(ignored);
    resolver.cancel();
    finish(make_error(Errc::kIo, message));
  }

  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer timer;
  Transport::DialHandler handler;
  bool done = false;
};

}  // namespace

void Transport::dial(const Multiaddr& addr, DialHandler handler) {
  auto endpoint = addr.to_tcp_endpoint();
  if (!endpoint.ok()) {
    asio::post(io_, [handler = std::move(handler), error = endpoint.error()] { handler(error); });
    return;
  }
  if (endpoint->is_secure) {
    asio::post(io_, [handler = std::move(handler), text = addr.to_string()] {
      handler(make_error(Errc::kUnsupported, "dial: /wss is not supported: " + text));
    });
    return;
  }
  auto attempt = std::make_shared<DialAttempt>(io_, std::move(handler));
  const std::string what = addr.to_string();
  attempt->timer.expires_after(kTransportDialTimeout);
  attempt->timer.async_wait([attempt, what](boost::system::error_code ec) {
    if (!ec) attempt->fail("dial " + what + ": timed out");
  });
  auto flags = tcp::resolver::numeric_service;
  tcp protocol = tcp::v4();
  switch (endpoint->host_kind) {
    case TcpEndpoint::HostKind::kIp4: flags |= tcp::resolver::numeric_host; break;
    case TcpEndpoint::HostKind::kIp6:
      flags |= tcp::resolver::numeric_host;
      protocol = tcp::v6();
      break;
    case TcpEndpoint::HostKind::kDns6: protocol = tcp::v6(); break;
    default: break;
  }
  const bool any_family = endpoint->host_kind == TcpEndpoint::HostKind::kDns;
  const bool is_ws = endpoint->is_ws;
  const std::string host_header =
      (endpoint->host_kind == TcpEndpoint::HostKind::kIp6 ? "[" + endpoint->host + "]" : endpoint->host) +
      ":" + std::to_string(endpoint->port);
  auto on_resolved = [attempt, what, is_ws, host_header](boost::system::error_code ec,
                                                         const tcp::resolver::results_type& results) {
    if (attempt->done) return;
    if (ec) return attempt->fail("dial " + what + ": resolve: " + ec.message());
    asio::async_connect(
        attempt->socket, results,
        [attempt, what, is_ws, host_header](boost::system::error_code ec, const tcp::endpoint&) {
          if (attempt->done) return;
          if (ec) return attempt->fail("dial " + what + ": connect: " + ec.message());
          if (!is_ws) {
            attempt->finish(
                std::unique_ptr<ByteStream>(std::make_unique<TcpStream>(std::move(attempt->socket))));
            return;
          }
          websocket_handshake(
              std::move(attempt->socket), host_header,
              [attempt](Result<std::unique_ptr<ByteStream>> stream) { attempt->finish(std::move(stream)); });
        });
  };
  const std::string port = std::to_string(endpoint->port);
  if (any_family) {
    attempt->resolver.async_resolve(endpoint->host, port, flags, std::move(on_resolved));
  } else {
    attempt->resolver.async_resolve(protocol, endpoint->host, port, flags, std::move(on_resolved));
  }
}

void Transport::close_listeners() {
  for (auto& listener : listeners_) {
    boost::system::error_code ignored;
    listener->acceptor.close(ignored);
  }
  listeners_.clear();
}

}  // namespace ff::net
