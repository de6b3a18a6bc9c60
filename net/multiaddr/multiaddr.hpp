// Multiaddr (https://github.com/multiformats/multiaddr): a self-describing network address,
// a sequence of protocol components such as /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...
//
//   binary: uvarint(code) || value, per component (value layout per protocol)
//   text:   "/" name ["/" value], per component
//
// Formats, the protocol table, bounds and the compatibility choices: docs/wire/multiaddr.md.
//
// A Multiaddr always holds a validated address: both parsers check every component value
// (IP syntax, port range, peer ID multihash, certhash multihash, ...), reject unknown
// protocols and trailing bytes, and enforce the bounds below. The binary form is the
// canonical one: two Multiaddrs are equal iff their bytes are, and text parsed in any
// accepted spelling ("/ipfs/...", "0:0::1", a CID peer ID, a base32 certhash) prints back
// in one canonical spelling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/identity/peer_id.hpp"
#include "net/multiaddr/multiaddr_protocols.hpp"

namespace ff::net {

// Bounds on addresses we parse (they arrive from peers in Identify, and from users). The
// longest address js-libp2p produces in practice, a relayed WebRTC address with two peer
// IDs and certhashes, is under 200 bytes and 300 characters.
inline constexpr std::size_t kMaxMultiaddrBytes = 1024;
inline constexpr std::size_t kMaxMultiaddrTextChars = 2048;
inline constexpr std::size_t kMaxMultiaddrComponents = 32;
// Longest dns / dns4 / dns6 / dnsaddr / sni / ip6zone value: a DNS name is at most 255
// octets (RFC 1035 section 2.3.4).
inline constexpr std::size_t kMaxMultiaddrNameBytes = 255;

// One component: a protocol from the table and its binary value (empty for kNone).
class MultiaddrComponent {
 public:
  const MultiaddrProtocol& protocol() const { return *protocol_; }
  std::uint64_t code() const { return protocol_->code; }
  std::string_view name() const { return protocol_->name; }
  // The value as carried in the binary form, without its length prefix.
  const Bytes& value() const { return value_; }
  // The value in its canonical text form; empty for protocols without a value.
  std::string value_text() const;
  // "/name" or "/name/value".
  std::string to_string() const;

  friend bool operator==(const MultiaddrComponent& a, const MultiaddrComponent& b) {
    return a.protocol_->code == b.protocol_->code && a.value_ == b.value_;
  }
  friend bool operator!=(const MultiaddrComponent& a, const MultiaddrComponent& b) { return !(a == b); }

 private:
  friend class Multiaddr;
  MultiaddrComponent(const MultiaddrProtocol& protocol, Bytes value)
      : protocol_(&protocol), value_(std::move(value)) {}

  const MultiaddrProtocol* protocol_;  // points into the static protocol table
  Bytes value_;
};

// What a TCP transport needs to dial or describe an address.
struct TcpEndpoint {
  enum class HostKind { kIp4, kIp6, kDns, kDns4, kDns6 };
  HostKind host_kind = HostKind::kIp4;
  // Dotted IPv4, RFC 5952 IPv6 (no brackets) or a DNS name, ready for a resolver.
  std::string host;
  std::uint16_t port = 0;
  // A WebSocket transport: /ws, or /wss or /tls/ws (which both mean WebSocket over TLS).
  bool is_ws = false;
  bool is_secure = false;  // /wss or /tls/ws
  // The trailing /p2p peer, when the address names one.
  std::optional<PeerId> peer_id;

  friend bool operator==(const TcpEndpoint& a, const TcpEndpoint& b) {
    return a.host_kind == b.host_kind && a.host == b.host && a.port == b.port && a.is_ws == b.is_ws &&
           a.is_secure == b.is_secure && a.peer_id == b.peer_id;
  }
  friend bool operator!=(const TcpEndpoint& a, const TcpEndpoint& b) { return !(a == b); }
};

class Multiaddr {
 public:
  // The empty address. Parsers never return it (an empty string or byte sequence is an
  // error, as in go-multiaddr); it is the result of decapsulating everything.
  Multiaddr() = default;

  // Parses the text form. Errors name the offending component, e.g.
  //   "multiaddr: /ip4/300.1.1.1: invalid IPv4 address (octet 300 is above 255)".
  // kInvalidInput for malformed text (no leading '/', unknown protocol name, missing or
  // invalid value, empty address); kLimitExceeded above kMaxMultiaddrTextChars,
  // kMaxMultiaddrBytes or kMaxMultiaddrComponents; kUnsupported for a peer ID or certhash
  // in a multibase this build cannot read (base36 'k', ...). Trailing slashes are ignored
  // ("/ip4/1.2.3.4/" is "/ip4/1.2.3.4"), as go-multiaddr does.
  static Result<Multiaddr> parse(std::string_view text);

  // Parses the binary form. kTruncated if the input ends inside a component, kInvalidInput
  // for an unknown protocol code, a non-minimal varint, a zero length or an invalid value;
  // kLimitExceeded above kMaxMultiaddrBytes or kMaxMultiaddrComponents.
  static Result<Multiaddr> from_bytes(ByteView bytes);

  // The address of a TCP endpoint: host component, /tcp/port, then /ws, /wss or /tls/ws
  // as the flags say, then /p2p if peer_id is set. kInvalidInput for a host that does not
  // parse as its kind says.
  static Result<Multiaddr> from_tcp_endpoint(const TcpEndpoint& endpoint);

  const Bytes& bytes() const { return bytes_; }
  std::string to_string() const;  // "/" for the empty address
  const std::vector<MultiaddrComponent>& components() const { return components_; }
  bool empty() const { return components_.empty(); }

  // This address followed by `inner` (e.g. /ip4/1.2.3.4/tcp/1 + /p2p/Qm...).
  // kLimitExceeded if the result would exceed the byte or component bound.
  Result<Multiaddr> encapsulate(const Multiaddr& inner) const;

  // Removes the last occurrence of `suffix` (as a whole sequence of components) and
  // everything after it; returns the address unchanged if `suffix` does not occur or is
  // empty. /ip4/1.2.3.4/udp/1/quic-v1 minus /udp/1 is /ip4/1.2.3.4 (go-multiaddr's rule).
  Multiaddr decapsulate(const Multiaddr& suffix) const;

  // Removes the last component with this code and everything after it; unchanged if
  // there is none (js-multiaddr decapsulateCode).
  Multiaddr decapsulate_code(std::uint64_t code) const;

  // True if some component has this code.
  bool has_protocol(std::uint64_t code) const;

  // The peer this address reaches: the value of the last /p2p component, unless a
  // /p2p-circuit follows it (then the address names a relay reservation, not a peer, and
  // the answer is std::nullopt). std::nullopt when there is no /p2p.
  std::optional<PeerId> peer_id() const;

  // Reads <ip4|ip6|dns|dns4|dns6>/tcp/<port>[/ws|/wss|/tls/ws][/p2p/<id>]. kUnsupported,
  // naming the first component that does not fit, for anything else (udp, p2p-circuit,
  // dnsaddr which needs a TXT lookup first, ...).
  Result<TcpEndpoint> to_tcp_endpoint() const;

  friend bool operator==(const Multiaddr& a, const Multiaddr& b) { return a.bytes_ == b.bytes_; }
  friend bool operator!=(const Multiaddr& a, const Multiaddr& b) { return !(a == b); }
  // Byte-wise order of the binary form, for ordered containers.
  friend bool operator<(const Multiaddr& a, const Multiaddr& b) {
    return as_chars(a.bytes_) < as_chars(b.bytes_);
  }

 private:
  // Builds from already validated components (prefixes and concatenations of valid
  // addresses).
  static Multiaddr from_components(std::vector<MultiaddrComponent> components);

  Bytes bytes_;
  std::vector<MultiaddrComponent> components_;
};

}  // namespace ff::net
