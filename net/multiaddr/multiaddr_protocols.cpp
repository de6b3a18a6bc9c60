#include "net/multiaddr/multiaddr_protocols.hpp"

#include <array>

namespace ff::net {
namespace {

using Kind = MultiaddrValueKind;
namespace code = multiaddr_code;

// Sorted by code (checked by a test), so the two lookups stay a short linear scan over a
// table that fits in a few cache lines.
constexpr std::array<MultiaddrProtocol, 29> kProtocols = {{
    {code::kIp4, "ip4", Kind::kIp4},
    {code::kTcp, "tcp", Kind::kPort},
    {code::kDccp, "dccp", Kind::kPort},
    {code::kIp6, "ip6", Kind::kIp6},
    {code::kIp6Zone, "ip6zone", Kind::kName},
    {code::kIpCidr, "ipcidr", Kind::kCidrMask},
    {code::kDns, "dns", Kind::kName},
    {code::kDns4, "dns4", Kind::kName},
    {code::kDns6, "dns6", Kind::kName},
    {code::kDnsAddr, "dnsaddr", Kind::kName},
    {code::kSctp, "sctp", Kind::kPort},
    {code::kUdp, "udp", Kind::kPort},
    {code::kWebRtcDirect, "webrtc-direct", Kind::kNone},
    {code::kWebRtc, "webrtc", Kind::kNone},
    {code::kP2pCircuit, "p2p-circuit", Kind::kNone},
    {code::kUdt, "udt", Kind::kNone},
    {code::kUtp, "utp", Kind::kNone},
    {code::kP2p, "p2p", Kind::kPeerId},
    {code::kHttps, "https", Kind::kNone},
    {code::kTls, "tls", Kind::kNone},
    {code::kSni, "sni", Kind::kName},
    {code::kNoise, "noise", Kind::kNone},
    {code::kQuic, "quic", Kind::kNone},
    {code::kQuicV1, "quic-v1", Kind::kNone},
    {code::kWebTransport, "webtransport", Kind::kNone},
    {code::kCerthash, "certhash", Kind::kCerthash},
    {code::kWs, "ws", Kind::kNone},
    {code::kWss, "wss", Kind::kNone},
    {code::kHttp, "http", Kind::kNone},
}};

}  // namespace

std::span<const MultiaddrProtocol> multiaddr_protocols() { return kProtocols; }

const MultiaddrProtocol* find_multiaddr_protocol(std::uint64_t code) {
  for (const MultiaddrProtocol& protocol : kProtocols) {
    if (protocol.code == code) return &protocol;
  }
  return nullptr;
}

const MultiaddrProtocol* find_multiaddr_protocol(std::string_view name) {
  if (name == "ipfs") name = "p2p";
  for (const MultiaddrProtocol& protocol : kProtocols) {
    if (protocol.name == name) return &protocol;
  }
  return nullptr;
}

}  // namespace ff::net
