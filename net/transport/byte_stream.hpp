// A connected, reliable, ordered byte stream (a TCP socket, or a WebSocket carrying binary
// frames) as the swarm sees it before any libp2p upgrade. Everything runs on one
// boost::asio::io_context; handlers are invoked on it, never inline from the call.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <functional>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first

#include "net/multiaddr/multiaddr.hpp"

namespace ff::net {

class ByteStream {
 public:
  using IoHandler = std::function<void(boost::system::error_code, std::size_t)>;

  virtual ~ByteStream() = default;

  // Reads at least one byte into `buffer` (which must stay valid until the handler runs).
  // One read at a time.
  virtual void async_read_some(boost::asio::mutable_buffer buffer, IoHandler handler) = 0;
  // Writes every byte of `buffer` (valid until the handler runs). One write at a time.
  virtual void async_write(boost::asio::const_buffer buffer, IoHandler handler) = 0;
  // Closes at once; pending operations complete with an error. Repeating it is harmless.
  virtual void close() = 0;

  // Our end and the peer's end, as multiaddrs (with /ws for WebSocket streams).
  const Multiaddr& local_addr() const { return local_addr_; }
  const Multiaddr& remote_addr() const { return remote_addr_; }

 protected:
  Multiaddr local_addr_;
  Multiaddr remote_addr_;
};

}  // namespace ff::net
