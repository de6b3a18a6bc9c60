// TCP and WebSocket (`/ws`, binary frames) listening and dialling, addressed by multiaddr:
//   /ip4|ip6/<host>/tcp/<port>[/ws]   listen (port 0: any free port)
//   /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/ws][/p2p/<id>]   dial
// Secure WebSocket (/wss, /tls/ws) is not supported yet (kUnsupported). The transport only
// moves bytes: the libp2p upgrade (multistream-select, Noise, Yamux) is net/swarm's.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first
#include <vector>

#include "core/result.hpp"
#include "net/multiaddr/multiaddr.hpp"
#include "net/transport/byte_stream.hpp"

namespace ff::net {

// How long a dial may take: TCP connect plus, for /ws, the HTTP upgrade (js-libp2p allows 6 s
// per address and 10 s per dial).
inline constexpr std::chrono::milliseconds kTransportDialTimeout{10'000};
// How long an accepted WebSocket connection may take to send its HTTP upgrade request.
inline constexpr std::chrono::milliseconds kWebSocketAcceptTimeout{10'000};

class Transport {
 public:
  using AcceptHandler = std::function<void(std::unique_ptr<ByteStream>)>;
  using DialHandler = std::function<void(Result<std::unique_ptr<ByteStream>>)>;

  explicit Transport(boost::asio::io_context& io) : io_(io) {}
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Starts listening and returns the address actually bound (the real port). Accepted
  // streams go to `on_accept` (WebSocket ones after their upgrade). kInvalidInput or
  // kUnsupported for an address we cannot listen on, kIo if binding fails.
  Result<Multiaddr> listen(const Multiaddr& addr, AcceptHandler on_accept);

  // Connects to `addr`; `handler` runs once with the stream or the reason it failed
  // (kUnsupported address, kIo for resolve/connect/upgrade failure or timeout).
  void dial(const Multiaddr& addr, DialHandler handler);

  // Stops every listener (accepted streams are not affected).
  void close_listeners();

 private:
  struct Listener;
  boost::asio::io_context& io_;
  std::vector<std::shared_ptr<Listener>> listeners_;
};

}  // namespace ff::net
