#include "node/http/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <optional>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first

namespace ff::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session;

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, HttpHandler handler, HttpServerLimits limits)
      : acceptor(io), handler(std::move(handler)), limits(limits) {}

  void accept();
  void stop();

  tcp::acceptor acceptor;
  HttpHandler handler;
  HttpServerLimits limits;
  std::uint16_t port = 0;
  bool stopped = false;
  std::uint64_t next_session = 0;
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server, std::uint64_t id)
      : stream_(std::move(socket)), server_(std::move(server)), id_(id) {}

  void start() { read(); }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.max_header_bytes));
    parser_->body_limit(server_->limits.max_body_bytes);
    stream_.expires_after(server_->limits.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) return reject(413, "request body too large\n");
    if (ec == http::error::header_limit) return reject(431, "request header too large\n");
    if (ec == http::error::end_of_stream || ec) return finish();
    auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.body = std::move(message.body());
    keep_alive_ = message.keep_alive();
    head_ = message.method() == http::verb::head;
    version_ = message.version();
    stream_.expires_never();  // the handler is bounded by its own timeouts
    auto self = shared_from_this();
    auto answered = std::make_shared<bool>(false);
    server_->handler(request, [self, answered](HttpResponse response) {
      if (*answered) return;
      *answered = true;
      self->write(std::move(response));
    });
  }

  void reject(int status, const char* text) {
    keep_alive_ = false;
    head_ = false;
    version_ = 11;
    HttpResponse response;
    response.status = status;
    response.body = text;
    write(std::move(response));
  }

  void write(HttpResponse response) {
    if (server_->stopped) return;
    auto message = std::make_shared<http::response<http::string_body>>();
    message->version(version_);
    message->result(static_cast<unsigned>(response.status));
    message->set(http::field::server, "largo");
    message->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) message->set(name, value);
    message->keep_alive(keep_alive_);
    const std::size_t body_bytes = response.body.size();
    if (!head_) message->body() = std::move(response.body);
    message->prepare_payload();
    if (head_) message->content_length(body_bytes);
    stream_.expires_after(server_->limits.idle_timeout);
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                        if (ec || !message->keep_alive()) return self->finish();
                        self->read();
                      });
  }

  void finish() {
    close();
    server_->sessions.erase(id_);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::Impl> server_;
  std::uint64_t id_;
  bool keep_alive_ = true;
  bool head_ = false;
  unsigned version_ = 11;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      if (self->sessions.size() >= self->limits.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // over the bound: refuse rather than queue
      } else {
        const std::uint64_t id = self->next_session++;
        auto session = std::make_shared<Session>(std::move(socket), self, id);
        self->sessions[id] = session;
        session->start();
      }
    }
    self->accept();
  });
}

void HttpServer::Impl::stop() {
  if (stopped) return;
  stopped = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  auto open = std::move(sessions);
  sessions.clear();
  for (auto& [id, weak] : open) {
    if (auto session = weak.lock()) session->close();
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::listen(asio::io_context& io, const std::string& host,
                                                       std::uint16_t port, HttpHandler handler,
                                                       HttpServerLimits limits) {
  auto impl = std::make_shared<Impl>(io, std::move(handler), limits);
  const std::string where = host + ":" + std::to_string(port);
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return make_error(Errc::kInvalidInput, "HTTP host " + host + " is not an IP address");
  const tcp::endpoint endpoint(address, port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error(Errc::kIo, "cannot listen for HTTP on " + where + ": " + ec.message());
  impl->port = impl->acceptor.local_endpoint().port();
  impl->accept();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() { stop(); }

std::uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::stop() { impl_->stop(); }

}  // namespace ff::node
