#include "net/multiaddr/multiaddr.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/hex.hpp"
#include "core/codec/varint.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

// The libp2p specs peer-ids.md Ed25519 test key, as in /work/shared/notes/libp2p-interop.md
// section 4 (vectors computed there with js @multiformats/multiaddr@13).
constexpr const char* kPeerBase58 = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
constexpr const char* kPeerCid = "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6";
constexpr const char* kPeerHex =
    "0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";

// Hex with optional spaces between fields, for readable vectors.
Bytes hex(std::string_view spaced) {
  std::string text;
  for (char c : spaced) {
    if (c != ' ') text += c;
  }
  auto bytes = codec::hex_decode(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : Bytes{};
}

Multiaddr must_parse(std::string_view text) {
  auto address = Multiaddr::parse(text);
  EXPECT_TRUE(address.ok()) << text << ": " << (address.ok() ? "" : address.error().message);
  return address.ok() ? *address : Multiaddr();
}

std::string p2p_text() { return std::string("/p2p/") + kPeerBase58; }
std::string p2p_hex() { return std::string("a50326") + kPeerHex; }

// Byte offsets where each component ends, computed from the components one by one.
std::vector<std::size_t> component_boundaries(const Multiaddr& address) {
  std::vector<std::size_t> ends;
  std::size_t offset = 0;
  for (const MultiaddrComponent& component : address.components()) {
    offset += must_parse(component.to_string()).bytes().size();
    ends.push_back(offset);
  }
  return ends;
}

TEST(MultiaddrProtocols, TableIsSortedUniqueAndMatchesMulticodec) {
  auto table = multiaddr_protocols();
  for (std::size_t i = 1; i < table.size(); ++i) EXPECT_LT(table[i - 1].code, table[i].code) << table[i].name;
  // Spot checks against multiformats/multicodec table.csv.
  EXPECT_EQ(find_multiaddr_protocol("ip4")->code, 0x04u);
  EXPECT_EQ(find_multiaddr_protocol("udp")->code, 0x0111u);
  EXPECT_EQ(find_multiaddr_protocol("p2p")->code, 0x01a5u);
  EXPECT_EQ(find_multiaddr_protocol("ipfs")->code, 0x01a5u);
  EXPECT_EQ(find_multiaddr_protocol("noise")->code, 0x01c6u);
  EXPECT_EQ(find_multiaddr_protocol("certhash")->code, 0x01d2u);
  EXPECT_EQ(find_multiaddr_protocol("webtransport")->code, 0x01d1u);
  EXPECT_EQ(find_multiaddr_protocol("p2p-circuit")->code, 0x0122u);
  EXPECT_EQ(find_multiaddr_protocol(std::uint64_t{0x01dd})->name, "ws");
  EXPECT_EQ(find_multiaddr_protocol("unix"), nullptr);
  EXPECT_EQ(find_multiaddr_protocol(std::uint64_t{0}), nullptr);
}

// Byte-exact encodings from the interop notes (js-multiaddr 13) and the brief.
TEST(Multiaddr, EncodesByteExactVectors) {
  struct Case {
    std::string text;
    std::string hex;
  };
  const std::vector<Case> cases = {
      {"/ip4/127.0.0.1/tcp/4001", "047f000001060fa1"},
      {"/ip4/127.0.0.1/tcp/4002/ws", "047f000001060fa2dd03"},
      {"/ip4/127.0.0.1/tcp/4003/tls/ws", "047f000001060fa3c003dd03"},
      {"/ip4/127.0.0.1/tcp/4003/wss", "047f000001060fa3de03"},
      {"/ip6/::1/udp/4004/quic-v1", "2900000000000000000000000000000001 91020fa4cd03"},
      {"/dns4/localhost/tcp/4002/ws", "36096c6f63616c686f7374060fa2dd03"},
      {"/ip4/127.0.0.1/udp/4005/webrtc-direct/certhash/uEiBmaHqt-GK9d2yPwYuOn44gCJcUhW7iM7OQKlkdDV8pJQ" +
           p2p_text(),
       "047f00000191020fa59802d20322122066687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925" +
           p2p_hex()},
      {"/ip4/127.0.0.1/tcp/4002/ws" + p2p_text() + "/p2p-circuit" + p2p_text(),
       "047f000001060fa2dd03" + p2p_hex() + "a202" + p2p_hex()},
      {p2p_text() + "/p2p-circuit/webrtc" + p2p_text(), p2p_hex() + "a2029902" + p2p_hex()},
  };
  for (const Case& c : cases) {
    const Multiaddr address = must_parse(c.text);
    EXPECT_EQ(codec::hex_encode(address.bytes()), codec::hex_encode(hex(c.hex))) << c.text;
    auto decoded = Multiaddr::from_bytes(hex(c.hex));
    ASSERT_TRUE(decoded.ok()) << c.text << ": " << decoded.error().message;
    EXPECT_EQ(decoded->to_string(), c.text);
    EXPECT_EQ(*decoded, address);
  }
}

TEST(Multiaddr, AcceptsEveryPeerIdSpellingAndPrintsBase58) {
  const Multiaddr from_cid = must_parse(std::string("/p2p/") + kPeerCid);
  const Multiaddr from_ipfs = must_parse(std::string("/ipfs/") + kPeerBase58);
  EXPECT_EQ(from_cid.to_string(), p2p_text());
  EXPECT_EQ(from_ipfs.to_string(), p2p_text());
  EXPECT_EQ(from_cid, from_ipfs);
}

TEST(Multiaddr, CerthashAcceptsAnyMultibaseAndPrintsBase64Url) {
  // The same sha2-256 multihash in base64url, base16 and base32.
  const std::string digest = "122066687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925";
  const Multiaddr url = must_parse("/certhash/uEiBmaHqt-GK9d2yPwYuOn44gCJcUhW7iM7OQKlkdDV8pJQ");
  const Multiaddr base16 = must_parse("/certhash/f" + digest);
  EXPECT_EQ(url, base16);
  EXPECT_EQ(base16.to_string(), "/certhash/uEiBmaHqt-GK9d2yPwYuOn44gCJcUhW7iM7OQKlkdDV8pJQ");
  EXPECT_EQ(codec::hex_encode(url.components()[0].value()), digest);

  // A multibase body that does not decode, and bytes that are no multihash.
  EXPECT_FALSE(Multiaddr::parse("/certhash/uEiBmaHqt-GK9d2yPwYuOn44gCJcUhW7iM7OQKlkdDV8pJ").ok());
  auto not_multihash = Multiaddr::parse("/certhash/f1220aa");
  ASSERT_FALSE(not_multihash.ok());
  EXPECT_NE(not_multihash.error().message.find("multihash"), std::string::npos)
      << not_multihash.error().message;
  auto unknown_base = Multiaddr::parse("/certhash/kabc");
  ASSERT_FALSE(unknown_base.ok());
  EXPECT_EQ(unknown_base.error().code, Errc::kUnsupported);
}

TEST(Multiaddr, ErrorsNameTheOffendingComponent) {
  struct Case {
    const char* text;
    const char* message_prefix;
    Errc code;
  };
  const std::vector<Case> cases = {
      {"/ip4/300.1.1.1", "multiaddr: /ip4/300.1.1.1: invalid IPv4 address", Errc::kInvalidInput},
      {"/ip4/1.2.3.4/tcp/65536", "multiaddr: /tcp/65536: invalid port", Errc::kInvalidInput},
      {"/ip6/1::2::3/tcp/1", "multiaddr: /ip6/1::2::3: invalid IPv6 address", Errc::kInvalidInput},
      {"/ip4/1.2.3.4/tcp", "multiaddr: /tcp: missing value", Errc::kInvalidInput},
      {"/ip4/1.2.3.4/foo/1", "multiaddr: unknown protocol \"foo\"", Errc::kInvalidInput},
      {"/p2p/12D3KooWnotbase58l0", "multiaddr: /p2p/12D3KooWnotbase58l0: ", Errc::kInvalidInput},
      {"ip4/1.2.3.4", "multiaddr: \"ip4/1.2.3.4\" must begin with '/'", Errc::kInvalidInput},
      {"/ip4//tcp/1", "multiaddr: /ip4/: empty value", Errc::kInvalidInput},
  };
  for (const Case& c : cases) {
    auto address = Multiaddr::parse(c.text);
    ASSERT_FALSE(address.ok()) << c.text;
    EXPECT_EQ(address.error().message.rfind(c.message_prefix, 0), 0u)
        << c.text << " -> " << address.error().message;
    EXPECT_EQ(address.error().code, c.code) << c.text;
  }
}

TEST(Multiaddr, BinaryErrorsNameTheComponentAndOffset) {
  auto unknown = Multiaddr::from_bytes(hex("047f000001 00"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "multiaddr: byte 5: unknown protocol code 0x0");

  auto truncated = Multiaddr::from_bytes(hex("047f000001 060f"));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code, Errc::kTruncated);
  EXPECT_EQ(truncated.error().message.rfind("multiaddr: byte 5: /tcp: ", 0), 0u) << truncated.error().message;

  auto bad_peer = Multiaddr::from_bytes(hex("a503 04 00020102"));
  ASSERT_FALSE(bad_peer.ok());
  EXPECT_EQ(bad_peer.error().message.rfind("multiaddr: byte 0: /p2p: ", 0), 0u) << bad_peer.error().message;
}

TEST(Multiaddr, RejectsMalformedBinary) {
  const std::vector<std::string> cases = {
      "",                                   // empty
      "80",                                 // varint cut short
      "8400",                               // non-minimal varint for code 4
      "047f00000106",                       // tcp without its port
      "36 00",                              // zero-length dns name
      "36 05 6162",                         // dns name shorter than announced
      "36 03 612f62",                       // dns name containing '/'
      "a503 00",                            // empty peer ID
      "d203 03 1205aa",                     // certhash multihash too short
      "ff7f",                               // unknown code 0x3fff
      "047f000001 ffffffffffffffffffff01",  // code varint overflows 64 bits
  };
  for (const std::string& text : cases) {
    auto address = Multiaddr::from_bytes(hex(text));
    EXPECT_FALSE(address.ok()) << "accepted " << text;
  }
}

TEST(Multiaddr, TrailingGarbageIsRejected) {
  const Bytes valid = must_parse("/ip4/127.0.0.1/tcp/4001/ws").bytes();
  for (const char* garbage : {"00", "06", "ff", "a503", "a50326", "8001"}) {
    Bytes input = valid;
    const Bytes tail = hex(garbage);
    input.insert(input.end(), tail.begin(), tail.end());
    EXPECT_FALSE(Multiaddr::from_bytes(input).ok()) << "accepted trailing " << garbage;
  }
}

// Every prefix of a valid encoding either fails or ends exactly at a component boundary
// (and then is that prefix of the components): a decoder never invents a component from
// a cut one.
TEST(Multiaddr, EveryTruncationIsRejectedUnlessAtAComponentBoundary) {
  const std::vector<std::string> addresses = {
      "/ip4/127.0.0.1/tcp/4001",
      "/ip6/2001:db8::1/udp/443/quic-v1/webtransport/certhash/"
      "uEiBmaHqt-GK9d2yPwYuOn44gCJcUhW7iM7OQKlkdDV8pJQ" +
          p2p_text(),
      "/dns4/example.com/tcp/443/wss" + p2p_text() + "/p2p-circuit" + p2p_text(),
      "/ip6zone/eth0/ip6/fe80::1/ipcidr/64/dnsaddr/bootstrap.libp2p.io/sni/x.io",
  };
  for (const std::string& text : addresses) {
    const Multiaddr address = must_parse(text);
    const Bytes& bytes = address.bytes();
    const std::vector<std::size_t> ends = component_boundaries(address);
    ASSERT_EQ(ends.back(), bytes.size()) << text;
    std::size_t rejected = 0;
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      auto prefix = Multiaddr::from_bytes(ByteView(bytes).first(length));
      std::size_t boundary = 0;
      while (boundary < ends.size() && ends[boundary] < length) ++boundary;
      const bool at_boundary = length > 0 && boundary < ends.size() && ends[boundary] == length;
      if (!at_boundary) {
        EXPECT_FALSE(prefix.ok()) << text << " cut to " << length << " bytes";
        ++rejected;
        continue;
      }
      ASSERT_TRUE(prefix.ok()) << text << " cut to " << length << ": " << prefix.error().message;
      ASSERT_EQ(prefix->components().size(), boundary + 1);
      for (std::size_t i = 0; i <= boundary; ++i) EXPECT_EQ(prefix->components()[i], address.components()[i]);
    }
    EXPECT_EQ(rejected, bytes.size() - ends.size() + 1) << text;
  }
}

TEST(Multiaddr, TrailingSlashesAreIgnored) {
  EXPECT_EQ(must_parse("/ip4/127.0.0.1/tcp/1234/"), must_parse("/ip4/127.0.0.1/tcp/1234"));
  EXPECT_EQ(must_parse("/ip4/127.0.0.1/tcp/1234//").to_string(), "/ip4/127.0.0.1/tcp/1234");
  EXPECT_FALSE(Multiaddr::parse("/ip4/127.0.0.1//tcp/1234").ok());
  EXPECT_FALSE(Multiaddr::parse("/").ok());
  EXPECT_FALSE(Multiaddr::parse("//").ok());
}

TEST(Multiaddr, EnforcesNamedBounds) {
  std::string many;
  for (std::size_t i = 0; i <= kMaxMultiaddrComponents; ++i) many += "/ws";
  auto too_many = Multiaddr::parse(many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, Errc::kLimitExceeded);
  EXPECT_TRUE(Multiaddr::parse(many.substr(3)).ok());  // exactly kMaxMultiaddrComponents

  Bytes many_bytes;
  for (std::size_t i = 0; i <= kMaxMultiaddrComponents; ++i)
    codec::put_varint(many_bytes, multiaddr_code::kWs);
  auto too_many_bytes = Multiaddr::from_bytes(many_bytes);
  ASSERT_FALSE(too_many_bytes.ok());
  EXPECT_EQ(too_many_bytes.error().code, Errc::kLimitExceeded);

  auto long_text = Multiaddr::parse("/dns/" + std::string(kMaxMultiaddrTextChars, 'a'));
  ASSERT_FALSE(long_text.ok());
  EXPECT_EQ(long_text.error().code, Errc::kLimitExceeded);

  EXPECT_TRUE(Multiaddr::parse("/dns/" + std::string(kMaxMultiaddrNameBytes, 'a')).ok());
  EXPECT_FALSE(Multiaddr::parse("/dns/" + std::string(kMaxMultiaddrNameBytes + 1, 'a')).ok());

  // Five maximal names pass the text bound but not the binary one.
  std::string long_binary;
  for (int i = 0; i < 5; ++i) long_binary += "/dns/" + std::string(kMaxMultiaddrNameBytes, 'a');
  auto over_bytes = Multiaddr::parse(long_binary);
  ASSERT_FALSE(over_bytes.ok());
  EXPECT_EQ(over_bytes.error().code, Errc::kLimitExceeded);

  Bytes oversized(kMaxMultiaddrBytes + 1, 0x04);
  auto oversized_result = Multiaddr::from_bytes(oversized);
  ASSERT_FALSE(oversized_result.ok());
  EXPECT_EQ(oversized_result.error().code, Errc::kLimitExceeded);

  const Multiaddr four = must_parse("/dns/" + std::string(kMaxMultiaddrNameBytes, 'a') + "/dns/" +
                                    std::string(kMaxMultiaddrNameBytes, 'b'));
  auto doubled = four.encapsulate(four);
  ASSERT_FALSE(doubled.ok());
  EXPECT_EQ(doubled.error().code, Errc::kLimitExceeded);
}

TEST(Multiaddr, EncapsulateAndDecapsulate) {
  const Multiaddr base = must_parse("/ip4/127.0.0.1/udp/1234");
  auto joined = base.encapsulate(must_parse("/udp/5678"));
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->to_string(), "/ip4/127.0.0.1/udp/1234/udp/5678");
  // The last occurrence is removed, with everything after it.
  EXPECT_EQ(joined->decapsulate(must_parse("/udp/5678")).to_string(), "/ip4/127.0.0.1/udp/1234");
  EXPECT_EQ(joined->decapsulate(must_parse("/udp/1234")).to_string(), "/ip4/127.0.0.1");
  EXPECT_TRUE(joined->decapsulate(must_parse("/ip4/127.0.0.1")).empty());
  EXPECT_EQ(joined->decapsulate(must_parse("/ip4/127.0.0.1")).to_string(), "/");
  // Absent suffix or empty suffix: unchanged.
  EXPECT_EQ(joined->decapsulate(must_parse("/tcp/1")), *joined);
  EXPECT_EQ(joined->decapsulate(Multiaddr()), *joined);
  EXPECT_EQ(base.decapsulate(*joined), base);

  const Multiaddr circuit = must_parse("/ip4/1.2.3.4/tcp/1" + p2p_text() + "/p2p-circuit" + p2p_text());
  EXPECT_EQ(circuit.decapsulate_code(multiaddr_code::kP2p).to_string(),
            "/ip4/1.2.3.4/tcp/1" + p2p_text() + "/p2p-circuit");
  EXPECT_EQ(circuit.decapsulate_code(multiaddr_code::kP2pCircuit).to_string(),
            "/ip4/1.2.3.4/tcp/1" + p2p_text());
  EXPECT_EQ(circuit.decapsulate_code(multiaddr_code::kUdp), circuit);
  EXPECT_TRUE(circuit.has_protocol(multiaddr_code::kP2pCircuit));
  EXPECT_FALSE(circuit.has_protocol(multiaddr_code::kWs));
}

TEST(Multiaddr, PeerIdIsTheLastP2pUnlessACircuitFollows) {
  const PeerId peer = *PeerId::parse(kPeerBase58);
  EXPECT_EQ(must_parse("/ip4/1.2.3.4/tcp/1" + p2p_text()).peer_id(), peer);
  EXPECT_EQ(must_parse(p2p_text() + "/p2p-circuit" + p2p_text()).peer_id(), peer);
  EXPECT_EQ(must_parse("/ip4/1.2.3.4/tcp/1" + p2p_text() + "/p2p-circuit").peer_id(), std::nullopt);
  EXPECT_EQ(must_parse("/ip4/1.2.3.4/tcp/1").peer_id(), std::nullopt);
  EXPECT_EQ(Multiaddr().peer_id(), std::nullopt);
}

TEST(Multiaddr, ToTcpEndpointReadsTheTransportShapes) {
  const PeerId peer = *PeerId::parse(kPeerBase58);
  struct Case {
    std::string text;
    TcpEndpoint::HostKind kind;
    std::string host;
    std::uint16_t port;
    bool is_ws;
    bool is_secure;
    bool has_peer;
  };
  using Kind = TcpEndpoint::HostKind;
  const std::vector<Case> cases = {
      {"/ip4/127.0.0.1/tcp/4001", Kind::kIp4, "127.0.0.1", 4001, false, false, false},
      {"/ip6/0:0::1/tcp/443/ws", Kind::kIp6, "::1", 443, true, false, false},
      {"/dns4/example.com/tcp/443/wss" + p2p_text(), Kind::kDns4, "example.com", 443, true, true, true},
      {"/dns6/example.com/tcp/443/tls/ws", Kind::kDns6, "example.com", 443, true, true, false},
      {"/dns/localhost/tcp/65535" + p2p_text(), Kind::kDns, "localhost", 65535, false, false, true},
  };
  for (const Case& c : cases) {
    auto endpoint = must_parse(c.text).to_tcp_endpoint();
    ASSERT_TRUE(endpoint.ok()) << c.text << ": " << endpoint.error().message;
    EXPECT_EQ(endpoint->host_kind, c.kind) << c.text;
    EXPECT_EQ(endpoint->host, c.host) << c.text;
    EXPECT_EQ(endpoint->port, c.port) << c.text;
    EXPECT_EQ(endpoint->is_ws, c.is_ws) << c.text;
    EXPECT_EQ(endpoint->is_secure, c.is_secure) << c.text;
    EXPECT_EQ(endpoint->peer_id.has_value(), c.has_peer) << c.text;
    if (c.has_peer) {
      EXPECT_EQ(*endpoint->peer_id, peer);
    }
    // And back: the canonical address ("/tls/ws" becomes "/wss").
    auto back = Multiaddr::from_tcp_endpoint(*endpoint);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back->to_tcp_endpoint(), *endpoint) << c.text;
  }

  for (const std::string& text :
       {std::string("/ip4/1.2.3.4/udp/1"), std::string("/dnsaddr/bootstrap.libp2p.io"), std::string("/tcp/1"),
        std::string("/ip4/1.2.3.4"), std::string("/ip4/1.2.3.4/tcp/1/tls"),
        std::string("/ip4/1.2.3.4/tcp/1/ws/ws"),
        "/ip4/1.2.3.4/tcp/1" + p2p_text() + "/p2p-circuit" + p2p_text(),
        std::string("/ip4/1.2.3.4/tcp/1/tls/sni/x.io/ws")}) {
    auto endpoint = must_parse(text).to_tcp_endpoint();
    ASSERT_FALSE(endpoint.ok()) << "accepted " << text;
    EXPECT_EQ(endpoint.error().code, Errc::kUnsupported) << text;
  }
  auto udp = must_parse("/ip4/1.2.3.4/udp/1").to_tcp_endpoint();
  EXPECT_NE(udp.error().message.find("found /udp/1, expected /tcp/<port>"), std::string::npos)
      << udp.error().message;
}

TEST(Multiaddr, FromTcpEndpointValidatesTheHost) {
  TcpEndpoint endpoint;
  endpoint.host = "1.2.3.256";
  EXPECT_FALSE(Multiaddr::from_tcp_endpoint(endpoint).ok());
  endpoint.host_kind = TcpEndpoint::HostKind::kDns;
  endpoint.host = "a/b";
  EXPECT_FALSE(Multiaddr::from_tcp_endpoint(endpoint).ok());
  endpoint.host = "example.com";
  endpoint.port = 80;
  EXPECT_EQ(Multiaddr::from_tcp_endpoint(endpoint)->to_string(), "/dns/example.com/tcp/80");
  endpoint.is_secure = true;  // TLS without WebSocket is not a transport we describe
  EXPECT_FALSE(Multiaddr::from_tcp_endpoint(endpoint).ok());
}

// Random component sequences drawn from the whole table: binary and text round trip, and
// a second encoding is byte-identical.
TEST(Multiaddr, RandomAddressesRoundTrip) {
  const std::vector<std::string> values_ip4 = {"0.0.0.0", "127.0.0.1", "255.255.255.255", "10.1.2.3"};
  const std::vector<std::string> values_ip6 = {"::", "::1", "fe80::1", "2001:db8::ff00:42:8329",
                                               "::ffff:1.2.3.4"};
  const std::vector<std::string> values_name = {"localhost", "example.com", "x", "bootstrap.libp2p.io",
                                                "a%b"};
  for (std::uint64_t seed : property_seeds(32)) {
    Rng rng(seed);
    for (int round = 0; round < 50; ++round) {
      std::string text;
      // Appends "/piece" (built by appending: g++ 12 misreports "/" + std::string at -O3).
      auto add = [&text](std::string_view piece) {
        text += '/';
        text += piece;
      };
      const std::size_t count = 1 + rng.below(8);
      for (std::size_t i = 0; i < count; ++i) {
        const auto table = multiaddr_protocols();
        const MultiaddrProtocol& protocol = table[rng.below(table.size())];
        add(protocol.name);
        switch (protocol.value_kind) {
          case MultiaddrValueKind::kNone: break;
          case MultiaddrValueKind::kIp4: add(values_ip4[rng.below(values_ip4.size())]); break;
          case MultiaddrValueKind::kIp6: add(values_ip6[rng.below(values_ip6.size())]); break;
          case MultiaddrValueKind::kPort: add(std::to_string(rng.below(65536))); break;
          case MultiaddrValueKind::kCidrMask: add(std::to_string(rng.below(256))); break;
          case MultiaddrValueKind::kName: add(values_name[rng.below(values_name.size())]); break;
          case MultiaddrValueKind::kPeerId: add(rng.chance(1, 2) ? kPeerBase58 : kPeerCid); break;
          case MultiaddrValueKind::kCerthash: add("uEiBmaHqt-GK9d2yPwYuOn44gCJcUhW7iM7OQKlkdDV8pJQ"); break;
        }
      }
      auto address = Multiaddr::parse(text);
      ASSERT_TRUE(address.ok()) << text << ": " << address.error().message << seed_note(seed);
      EXPECT_EQ(address->components().size(), count) << text << seed_note(seed);
      auto from_bytes = Multiaddr::from_bytes(address->bytes());
      ASSERT_TRUE(from_bytes.ok()) << text << seed_note(seed);
      EXPECT_EQ(*from_bytes, *address) << seed_note(seed);
      auto from_text = Multiaddr::parse(address->to_string());
      ASSERT_TRUE(from_text.ok()) << address->to_string() << seed_note(seed);
      EXPECT_EQ(from_text->bytes(), address->bytes()) << seed_note(seed);
      EXPECT_EQ(from_text->to_string(), address->to_string()) << seed_note(seed);
    }
  }
}

}  // namespace
}  // namespace ff::net
