// A ByteStream over a plain TCP socket.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first

#include "core/result.hpp"
#include "net/transport/byte_stream.hpp"

namespace ff::net {

// The multiaddr of a TCP endpoint (/ip4|ip6/<addr>/tcp/<port>, plus /ws if `ws`).
Result<Multiaddr> multiaddr_from_endpoint(const boost::asio::ip::tcp::endpoint& endpoint, bool ws);

class TcpStream final : public ByteStream {
 public:
  // Takes a connected socket; sets TCP_NODELAY (libp2p traffic is many small frames).
  explicit TcpStream(boost::asio::ip::tcp::socket socket);

  void async_read_some(boost::asio::mutable_buffer buffer, IoHandler handler) override;
  void async_write(boost::asio::const_buffer buffer, IoHandler handler) override;
  void close() override;

 private:
  boost::asio::ip::tcp::socket socket_;
};

}  // namespace ff::net
