// The multiaddr protocols this build understands: name, multicodec code and how the value
// is encoded. Codes are from multiformats/multicodec table.csv (tag "multiaddr"); the
// table and the value rules are in docs/wire/multiaddr.md. A code or name outside this
// table is an error when parsing, never silently kept: we could not print or check it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace ff::net {

// How a component's value is carried. Fixed-size values are raw bytes; the others are a
// uvarint length followed by that many bytes (never zero of them).
enum class MultiaddrValueKind : std::uint8_t {
  kNone,      // no value: ws, wss, tls, quic-v1, p2p-circuit, ...
  kIp4,       // 4 bytes, text dotted decimal
  kIp6,       // 16 bytes, text RFC 5952
  kPort,      // 2 bytes big-endian, text decimal 0..65535
  kCidrMask,  // 1 byte, text decimal 0..255
  kName,      // length-prefixed bytes, text verbatim: non-empty, no '/', at most kMaxMultiaddrNameBytes
  kPeerId,    // length-prefixed PeerId multihash, text base58btc (input also CIDv1)
  kCerthash,  // length-prefixed multihash, text multibase (output base64url 'u')
};

struct MultiaddrProtocol {
  std::uint64_t code;
  std::string_view name;
  MultiaddrValueKind value_kind;
};

// Multicodec codes of the protocols the rest of net/ refers to by name.
namespace multiaddr_code {
inline constexpr std::uint64_t kIp4 = 0x04;
inline constexpr std::uint64_t kTcp = 0x06;
inline constexpr std::uint64_t kDccp = 0x21;
inline constexpr std::uint64_t kIp6 = 0x29;
inline constexpr std::uint64_t kIp6Zone = 0x2a;
inline constexpr std::uint64_t kIpCidr = 0x2b;
inline constexpr std::uint64_t kDns = 0x35;
inline constexpr std::uint64_t kDns4 = 0x36;
inline constexpr std::uint64_t kDns6 = 0x37;
inline constexpr std::uint64_t kDnsAddr = 0x38;
inline constexpr std::uint64_t kSctp = 0x84;
inline constexpr std::uint64_t kUdp = 0x0111;
inline constexpr std::uint64_t kWebRtcDirect = 0x0118;
inline constexpr std::uint64_t kWebRtc = 0x0119;
inline constexpr std::uint64_t kP2pCircuit = 0x0122;
inline constexpr std::uint64_t kUdt = 0x012d;
inline constexpr std::uint64_t kUtp = 0x012e;
inline constexpr std::uint64_t kP2p = 0x01a5;
inline constexpr std::uint64_t kHttps = 0x01bb;
inline constexpr std::uint64_t kTls = 0x01c0;
inline constexpr std::uint64_t kSni = 0x01c1;
inline constexpr std::uint64_t kNoise = 0x01c6;
inline constexpr std::uint64_t kQuic = 0x01cc;
inline constexpr std::uint64_t kQuicV1 = 0x01cd;
inline constexpr std::uint64_t kWebTransport = 0x01d1;
inline constexpr std::uint64_t kCerthash = 0x01d2;
inline constexpr std::uint64_t kWs = 0x01dd;
inline constexpr std::uint64_t kWss = 0x01de;
inline constexpr std::uint64_t kHttp = 0x01e0;
}  // namespace multiaddr_code

// Every protocol we understand, in code order.
std::span<const MultiaddrProtocol> multiaddr_protocols();

// The protocol with this code, or nullptr.
const MultiaddrProtocol* find_multiaddr_protocol(std::uint64_t code);

// The protocol with this text name, or nullptr. "ipfs" is the legacy name of p2p (same
// code, 421) and is accepted on input; output always says "p2p".
const MultiaddrProtocol* find_multiaddr_protocol(std::string_view name);

}  // namespace ff::net
