#include "net/transport/tcp_stream.hpp"

#include <boost/asio/write.hpp>

namespace ff::net {

Result<Multiaddr> multiaddr_from_endpoint(const boost::asio::ip::tcp::endpoint& endpoint, bool ws) {
  TcpEndpoint tcp;
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  tcp.host_kind = address.is_v4() ? TcpEndpoint::HostKind::kIp4 : TcpEndpoint::HostKind::kIp6;
  tcp.host = address.to_string();
  tcp.port = endpoint.port();
  tcp.is_ws = ws;
  return Multiaddr::from_tcp_endpoint(tcp);
}

TcpStream::TcpStream(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
  boost::system::error_code ignored;
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  if (auto local = socket_.local_endpoint(ignored); !ignored) {
    if (auto addr = multiaddr_from_endpoint(local, false)) local_addr_ = *addr;
  }
  if (auto remote = socket_.remote_endpoint(ignored); !ignored) {
    if (auto addr = multiaddr_from_endpoint(remote, false)) remote_addr_ = *addr;
  }
}

void TcpStream::async_read_some(boost::asio::mutable_buffer buffer, IoHandler handler) {
  socket_.async_read_some(buffer, std::move(handler));
}

void TcpStream::async_write(boost::asio::const_buffer buffer, IoHandler handler) {
  boost::asio::async_write(socket_, buffer, std::move(handler));
}

void TcpStream::close() {
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace ff::net
