// A small HTTP/1.1 server (Boost.Beast) for the node's Studio page and JSON API: one
// io_context thread, keep-alive, bounded request headers and bodies, a bound on open
// connections, an idle timeout, and handlers that may answer later (HttpRespond).
// Beast stays inside http_server.cpp (its headers are slow to compile).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "node/http/http_message.hpp"

namespace boost::asio {
class io_context;
}

namespace ff::node {

struct HttpServerLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_connections = 256;
  std::chrono::milliseconds idle_timeout{60'000};  // no complete request for this long: close
};

class HttpServer {
 public:
  // Binds host:port (0 = any free port) and starts accepting. kIo with the reason (e.g.
  // "cannot listen on 127.0.0.1:7070: Address already in use").
  static Result<std::unique_ptr<HttpServer>> listen(boost::asio::io_context& io, const std::string& host,
                                                    std::uint16_t port, HttpHandler handler,
                                                    HttpServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // Stops accepting and closes every connection; answers still pending are dropped.
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace ff::node
