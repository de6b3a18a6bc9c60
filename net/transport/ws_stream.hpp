// A ByteStream over a WebSocket (RFC 6455) as libp2p's /ws transport uses it: every write
// is one binary message, reads return message bytes as they arrive regardless of message
// boundaries (the libp2p layers above frame their own data).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first

#include "core/result.hpp"
#include "net/transport/byte_stream.hpp"

namespace ff::net {

// Largest WebSocket message we accept. js-libp2p sends at most one Noise frame (65535 +
// 2 bytes) per message; this leaves room for peers that batch a few.
inline constexpr std::size_t kMaxWebSocketMessageBytes = 4 * 1024 * 1024;

// Server side: performs the HTTP upgrade on an accepted socket, then calls `done` with the
// stream (or the failure). `timeout` bounds the upgrade.
void websocket_accept(boost::asio::ip::tcp::socket socket, std::chrono::milliseconds timeout,
                      std::function<void(Result<std::unique_ptr<ByteStream>>)> done);

// Client side: performs the HTTP upgrade (Host: `host_header`, path "/") on a connected
// socket, then calls `done`.
void websocket_handshake(boost::asio::ip::tcp::socket socket, const std::string& host_header,
                         std::function<void(Result<std::unique_ptr<ByteStream>>)> done);

}  // namespace ff::net
