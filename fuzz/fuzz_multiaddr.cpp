// Fuzzes multiaddr parsing, binary and text: never crash, and every accepted address
// round-trips exactly (bytes -> address -> bytes is the identity; text -> address -> text
// -> address gives the same bytes; the canonical text is a fixed point). The helpers a
// transport calls on parsed addresses (to_tcp_endpoint, peer_id, decapsulate) run on
// everything accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "net/multiaddr/multiaddr.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void check_address(const ff::net::Multiaddr& address) {
  check(!address.empty());
  check(address.bytes().size() <= ff::net::kMaxMultiaddrBytes);
  check(address.components().size() <= ff::net::kMaxMultiaddrComponents);

  auto from_bytes = ff::net::Multiaddr::from_bytes(address.bytes());
  check(from_bytes.ok() && *from_bytes == address);

  const std::string text = address.to_string();
  auto from_text = ff::net::Multiaddr::parse(text);
  check(from_text.ok() && *from_text == address);
  check(from_text->to_string() == text);

  // Each component alone is a valid address, and together they are the whole.
  ff::net::Multiaddr rebuilt;
  for (const ff::net::MultiaddrComponent& component : address.components()) {
    auto single = ff::net::Multiaddr::parse(component.to_string());
    check(single.ok());
    auto joined = rebuilt.encapsulate(*single);
    check(joined.ok());
    rebuilt = std::move(joined).value();
  }
  check(rebuilt == address);

  // Removing the last component leaves the rest.
  auto last = ff::net::Multiaddr::parse(address.components().back().to_string());
  const ff::net::Multiaddr rest = address.decapsulate(*last);
  check(rest.components().size() < address.components().size());

  auto endpoint = address.to_tcp_endpoint();
  if (endpoint.ok()) {
    auto back = ff::net::Multiaddr::from_tcp_endpoint(*endpoint);
    check(back.ok());
    auto again = back->to_tcp_endpoint();
    check(again.ok() && *again == *endpoint);
  }
  (void)address.peer_id();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ff::ByteView input(data, size);

  auto from_bytes = ff::net::Multiaddr::from_bytes(input);
  if (from_bytes.ok()) {
    check(from_bytes->bytes() == ff::Bytes(input.begin(), input.end()));
    check_address(*from_bytes);
  }

  auto from_text = ff::net::Multiaddr::parse(ff::as_chars(input));
  if (from_text.ok()) check_address(*from_text);
  return 0;
}
