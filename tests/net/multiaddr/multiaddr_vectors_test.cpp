// Published multiaddr test vectors, reproduced as data:
//   [go]  multiformats/go-multiaddr multiaddr_test.go, commit 7fae00ad (2026-02-22):
//         TestConstructFails, the `good` list of TestConstructSucceeds, TestStringToBytes,
//         TestBytesToString, TestRoundTrip, TestIPFSvP2P, TestInvalidP2PAddrBytes,
//         TestInvalidP2PAddrString, TestZone, TestDecapsulate, TestDecapsulateComment, TestDNS.
//   [js]  multiformats/js-multiaddr test/index.spec.ts, commit 35cc0d9d (2026-05-12):
//         describe('variants') (round trips), describe('normalize').
//
// Cases using protocols outside our table (onion, onion3, garlic32, garlic64, unix,
// http-path, memory, p2p-webrtc-star, p2p-webrtc-direct, p2p-websocket-star) are left out
// of the "valid" lists: we reject them as unknown protocols by design (docs/wire/multiaddr.md).
// So are peer IDs written as base36 CIDs ("k2k4r8...", "k51qzi..."), which PeerId::parse
// does not read (kUnsupported). Invalid cases are all kept: each must fail here too.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/hex.hpp"
#include "net/multiaddr/multiaddr.hpp"

namespace ff::net {
namespace {

Bytes hex(std::string_view text) {
  auto bytes = codec::hex_decode(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : Bytes{};
}

// [go] TestConstructFails (the long garlic64 strings are shortened to their first one; all
// fail here as an unknown protocol anyway).
const std::vector<std::string> kGoInvalid = {
    "/ip4",
    "/ip4/::1",
    "/ip4/fdpsofodsajfdoisa",
    "/ip4/::/ipcidr/256",
    "/ip6/::/ipcidr/1026",
    "/ip6",
    "/ip6zone",
    "/ip6zone/",
    "/ip6zone//ip6/fe80::1",
    "/udp",
    "/tcp",
    "/sctp",
    "/udp/65536",
    "/tcp/65536",
    "/quic/65536",
    "/quic-v1/65536",
    "/onion/9imaq4ygg2iegci7:80",
    "/onion/aaimaq4ygg2iegci7:80",
    "/onion/timaq4ygg2iegci7:0",
    "/onion/timaq4ygg2iegci7:-1",
    "/onion/timaq4ygg2iegci7",
    "/onion/timaq4ygg2iegci@:666",
    "/onion3/9ww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd:80",
    "/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd7:80",
    "/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd:0",
    "/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd:-1",
    "/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd",
    "/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyy@:666",
    "/garlic64/"
    "jT~IyXaoauTni6N4517EG8mrFUKpy0IlgZh-EY9csMAk82Odatmzr~YTZy8Hv7u~wvkg75EFNOyqb~nAPg-khyp2TS~ObUz8WlqYAM2"
    "VlEzJ7wJB91P-cUlKF18zSzVoJFmsrcQHZCirSbWoOknS6iNmsGRh5KVZsBEfp1Dg3gwTipTRIx7Vl5Vy~1OSKQVjYiGZS9q8RL0MF~"
    "7xFiKxZD"
    "LbPxk0AK9TzGGqm~wMTI2HS0Gm4Ycy8LYPVmLvGonIBYndg2bJC7WLuF6tVjVquiokSVDKFwq70BCUU5AU-EvdOD5KEOAM7mPfw-"
    "gJUG4tm1Ttvc"
    "obrObqoRnmhXPTBTN5H7qDD12AvlwFGnfAlBXjuP4xOUAISL5SRLiulrsMSiT4GcugSI80mF6sdB0zWRgL1yyvoVWeTBn1TqjO27alr9"
    "5DGTluuS"
    "qrNAxgpQzCKEWAyzrQkBfo2avGAmmz2NaHaAvYbOg0QSJz1PLjv2jdPW~ofiQmrGWM1cd~1cCqAAAA7:80",
    "/garlic32/566niximlxdzpanmn4qouucvua3k7neniwss47li5r6ugoertzu",
    "/garlic32/566niximlxdzpanmn4qouucvua3k7neniwss47li5r6ugoertzu77",
    "/garlic32/566niximlxdzpanmn4qouucvua3k7neniwss47li5r6ugoertzu:80",
    "/garlic32/566niximlxdzpanmn4qouucvua3k7neniwss47li5r6ugoertzuq:-1",
    "/garlic32/566niximlxdzpanmn4qouucvua3k7neniwss47li5r6ugoertzu@",
    "/udp/1234/sctp",
    "/udp/1234/udt/1234",
    "/udp/1234/utp/1234",
    "/ip4/127.0.0.1/udp/jfodsajfidosajfoidsa",
    "/ip4/127.0.0.1/udp",
    "/ip4/127.0.0.1/tcp/jfodsajfidosajfoidsa",
    "/ip4/127.0.0.1/tcp",
    "/ip4/127.0.0.1/quic/1234",
    "/ip4/127.0.0.1/quic-v1/1234",
    "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash",
    "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/b2uaraocy6yrdblb4sfptaddgimjmmp",
    "/ip4/127.0.0.1/ipfs",
    "/ip4/127.0.0.1/ipfs/tcp",
    "/ip4/127.0.0.1/p2p",
    "/ip4/127.0.0.1/p2p/tcp",
    "/unix",
    "/ip4/1.2.3.4/tcp/80/unix",
    "/ip4/1.2.3.4/tcp/-1",
    "/ip4/127.0.0.1/tcp/9090/http/p2p-webcrt-direct",
    "/memory/92233720368547758081",
    "/",
    "",
    "/p2p/QmxoHT6iViN5xAjoz1VZ553cL31U9F94ht3QvWR1FrEbZY",  // sha256 multihash with digest len > 32
    // [go] TestInvalidP2PAddrString (its fourth case is computed at run time in Go).
    "/p2p/k2k4r8oqamigqdo6o7hsbfwd45y70oyynp98usk7zmyfrzpqxh1pohl-",
    "/p2p/?unknownmultibase",
    "/p2p/k2jmtxwoe2phm1hbqp0e7nufqf6umvuu2e9qd7ana7h411a0haqj6i2z",
};

// [go] the `good` list, minus the cases named in the file comment.
const std::vector<std::string> kGoValid = {
    "/ip4/1.2.3.4",
    "/ip4/0.0.0.0",
    "/ip4/192.0.2.0/ipcidr/24",
    "/ip6/::1",
    "/ip6/2601:9:4f81:9700:803e:ca65:66e8:c21",
    "/ip6/2601:9:4f81:9700:803e:ca65:66e8:c21/udp/1234/quic",
    "/ip6/2601:9:4f81:9700:803e:ca65:66e8:c21/udp/1234/quic-v1",
    "/ip6/2001:db8::/ipcidr/32",
    "/ip6zone/x/ip6/fe80::1",
    "/ip6zone/x%y/ip6/fe80::1",
    "/ip6zone/x%y/ip6/::",
    "/ip6zone/x/ip6/fe80::1/udp/1234/quic",
    "/ip6zone/x/ip6/fe80::1/udp/1234/quic-v1",
    "/udp/0",
    "/tcp/0",
    "/sctp/0",
    "/udp/1234",
    "/tcp/1234",
    "/sctp/1234",
    "/udp/65535",
    "/tcp/65535",
    "/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
    "/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
    "/p2p/bafzbeigvf25ytwc3akrijfecaotc74udrhcxzh2cx3we5qqnw5vgrei4bm",
    "/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV",
    "/p2p/bafzaajaiaejcalj543iwv2d7pkjt7ykvefrkfu7qjfi6sduakhso4lay6abn2d5u",
    "/udp/1234/sctp/1234",
    "/udp/1234/udt",
    "/udp/1234/utp",
    "/tcp/1234/http",
    "/tcp/1234/tls/http",
    "/tcp/1234/https",
    "/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/tcp/1234",
    "/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/tcp/1234",
    "/ip4/127.0.0.1/udp/1234",
    "/ip4/127.0.0.1/udp/0",
    "/ip4/127.0.0.1/tcp/1234",
    "/ip4/127.0.0.1/tcp/1234/",
    "/ip4/127.0.0.1/udp/1234/quic",
    "/ip4/127.0.0.1/udp/1234/quic-v1",
    "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport",
    "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/b2uaraocy6yrdblb4sfptaddgimjmmpy",
    "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/b2uaraocy6yrdblb4sfptaddgimjmmpy/certhash/"
    "zQmbWTwYGcmdyK9CYfNBcfs9nhZs17a6FQ4Y8oea278xx41",
    "/ip4/127.0.0.1/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
    "/ip4/127.0.0.1/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/tcp/1234",
    "/ip4/127.0.0.1/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
    "/ip4/127.0.0.1/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/tcp/1234",
    "/ip4/127.0.0.1/tcp/127/ws",
    "/ip4/127.0.0.1/tcp/127/tls",
    "/ip4/127.0.0.1/tcp/127/tls/ws",
    "/ip4/127.0.0.1/tcp/127/noise",
    "/ip4/127.0.0.1/tcp/127/wss",
    "/ip4/127.0.0.1/tcp/127/webrtc-direct",
    "/ip4/127.0.0.1/tcp/127/webrtc",
};

TEST(MultiaddrVectors, GoInvalidStringsAreRejected) {
  for (const std::string& text : kGoInvalid) {
    EXPECT_FALSE(Multiaddr::parse(text).ok()) << "accepted " << text;
  }
}

TEST(MultiaddrVectors, GoValidStringsParseAndRoundTrip) {
  for (const std::string& text : kGoValid) {
    auto address = Multiaddr::parse(text);
    ASSERT_TRUE(address.ok()) << text << ": " << address.error().message;
    auto from_bytes = Multiaddr::from_bytes(address->bytes());
    ASSERT_TRUE(from_bytes.ok()) << text << ": " << from_bytes.error().message;
    EXPECT_EQ(*from_bytes, *address) << text;
    auto from_text = Multiaddr::parse(address->to_string());
    ASSERT_TRUE(from_text.ok()) << address->to_string();
    EXPECT_EQ(*from_text, *address) << text;
  }
}

// [go] TestStringToBytes / TestBytesToString (ip cases), TestZone, TestBinaryRepresentation.
TEST(MultiaddrVectors, GoBinaryVectors) {
  struct Case {
    const char* text;
    const char* hex;
  };
  for (const Case& c : std::vector<Case>{
           {"/ip4/127.0.0.1/udp/1234", "047f000001910204d2"},
           {"/ip4/127.0.0.1/tcp/4321", "047f0000010610e1"},
           {"/ip4/127.0.0.1/udp/1234/ip4/127.0.0.1/tcp/4321", "047f000001910204d2047f0000010610e1"},
           {"/ip6zone/eth0/ip6/::1", "2a04657468302900000000000000000000000000000001"},
       }) {
    auto address = Multiaddr::parse(c.text);
    ASSERT_TRUE(address.ok()) << c.text;
    EXPECT_EQ(codec::hex_encode(address->bytes()), c.hex) << c.text;
    auto decoded = Multiaddr::from_bytes(hex(c.hex));
    ASSERT_TRUE(decoded.ok()) << c.text;
    EXPECT_EQ(decoded->to_string(), c.text);
  }
}

// [go] TestRoundTrip (cases in our protocol set) and TestIPFSvP2P.
TEST(MultiaddrVectors, GoTextRoundTrips) {
  for (const char* text : {
           "/ip6/::ffff:127.0.0.1/tcp/111",
           "/ip4/127.0.0.1/tcp/123",
           "/ip4/127.0.0.1/tcp/123/tls",
           "/ip4/127.0.0.1/udp/123",
           "/ip4/127.0.0.1/udp/123/ip6/::",
           "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/"
           "uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
           "/p2p/QmbHVEEepCi7rn7VL7Exxpd2Ci9NNB6ifvqwhsrbRMgQFP",
       }) {
    auto address = Multiaddr::parse(text);
    ASSERT_TRUE(address.ok()) << text << ": " << address.error().message;
    EXPECT_EQ(address->to_string(), text);
  }
  for (const char* text : {"/p2p/QmbHVEEepCi7rn7VL7Exxpd2Ci9NNB6ifvqwhsrbRMgQFP",
                           "/ipfs/QmbHVEEepCi7rn7VL7Exxpd2Ci9NNB6ifvqwhsrbRMgQFP"}) {
    EXPECT_EQ(Multiaddr::parse(text)->to_string(), "/p2p/QmbHVEEepCi7rn7VL7Exxpd2Ci9NNB6ifvqwhsrbRMgQFP");
  }
}

// [go] TestInvalidP2PAddrBytes: a sha2-256 multihash announcing 33 digest bytes.
TEST(MultiaddrVectors, GoInvalidP2pBytesAreRejected) {
  EXPECT_FALSE(
      Multiaddr::from_bytes(hex("a503221221c05877cbae039d70a5e600ea02c6f9f2942439285c9e344e26f8d280c850fad6"))
          .ok());
}

// [go] TestDNS: the bytes "7*000...0" are dns6 with a 42-character name.
TEST(MultiaddrVectors, GoDnsBytesRoundTrip) {
  const std::string raw = "7*000000000000000000000000000000000000000000";
  auto address = Multiaddr::from_bytes(as_bytes(raw));
  ASSERT_TRUE(address.ok()) << address.error().message;
  EXPECT_EQ(address->to_string(), "/dns6/" + std::string(42, '0'));
  EXPECT_EQ(*Multiaddr::parse(address->to_string()), *address);
}

// [go] TestDecapsulate and TestDecapsulateComment; "" stands for the empty result.
TEST(MultiaddrVectors, GoDecapsulate) {
  struct Case {
    const char* left;
    const char* right;
    const char* expected;
  };
  for (const Case& c : std::vector<Case>{
           {"/ip4/1.2.3.4/tcp/1234", "/ip4/1.2.3.4", ""},
           {"/ip4/1.2.3.4", "/ip4/1.2.3.4/tcp/1234", "/ip4/1.2.3.4"},
           {"/ip4/1.2.3.5/tcp/1234", "/ip4/5.3.2.1", "/ip4/1.2.3.5/tcp/1234"},
           {"/ip4/1.2.3.5/udp/1234/quic-v1", "/udp/1234", "/ip4/1.2.3.5"},
           {"/ip4/1.2.3.6/udp/1234/quic-v1", "/udp/1234/quic-v1", "/ip4/1.2.3.6"},
           {"/ip4/1.2.3.7/tcp/1234", "/ws", "/ip4/1.2.3.7/tcp/1234"},
           {"/dnsaddr/wss.com/tcp/4001", "/ws", "/dnsaddr/wss.com/tcp/4001"},
           {"/dnsaddr/wss.com/tcp/4001/ws", "/wss", "/dnsaddr/wss.com/tcp/4001/ws"},
           {"/dnsaddr/wss.com/ws", "/wss", "/dnsaddr/wss.com/ws"},
           {"/dnsaddr/wss.com/ws", "/dnsaddr/wss.com", ""},
           {"/dnsaddr/wss.com/tcp/4001/wss", "/wss", "/dnsaddr/wss.com/tcp/4001"},
           {"/ip4/1.2.3.4/tcp/80", "/tcp/80", "/ip4/1.2.3.4"},
           {"/ip4/1.2.3.4/tcp/80", "/udp/80", "/ip4/1.2.3.4/tcp/80"},
           {"/ip4/1.2.3.4/tcp/80", "/ip4/1.2.3.4", ""},
       }) {
    const Multiaddr result = Multiaddr::parse(c.left)->decapsulate(*Multiaddr::parse(c.right));
    if (std::string(c.expected).empty()) {
      EXPECT_TRUE(result.empty()) << c.left << " - " << c.right << " = " << result.to_string();
    } else {
      EXPECT_EQ(result.to_string(), c.expected) << c.left << " - " << c.right;
    }
  }
}

// [js] describe('variants'): each round-trips through text and bytes ("/ipfs/" prints as
// "/p2p/").
TEST(MultiaddrVectors, JsVariantsRoundTrip) {
  for (std::string text : {
           "/ip4/127.0.0.1",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095",
           "/ip4/127.0.0.1/tcp/5000",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/tcp/5000",
           "/ip4/127.0.0.1/udp/5000",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/udp/5000",
           "/ip4/127.0.0.1/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/tcp/1234",
           "/ip4/127.0.0.1/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/tcp/1234",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/"
           "tcp/1234",
           "/ip6zone/x/ip6/fe80::1",
           "/ip4/127.0.0.1/udp/5000/utp",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/udp/5000/utp",
           "/ip4/127.0.0.1/tcp/8000/http",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/tcp/8000/http",
           "/ip4/127.0.0.1/tcp/8000/https",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/tcp/8000/https",
           "/ip4/127.0.0.1/tcp/8000/ws",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/tcp/8000/ws",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/tcp/8000/ws/ipfs/"
           "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/tcp/8000/ws/p2p/"
           "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/udp/4001/quic/ipfs/"
           "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/udp/4001/quic/p2p/"
           "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/udp/4001/quic-v1/ipfs/"
           "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/udp/4001/quic-v1/p2p/"
           "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/udp/4001/quic-v1/webtransport",
           "/ip4/1.2.3.4/udp/4001/quic-v1/webtransport",
           "/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/certhash/"
           "uEiAkH5a4DPGKUuOBjYw0CgwjvcJCJMD2K_1aluKR_tpevQ/certhash/"
           "uEiAfbgiymPP2_nX7Dgir8B4QkksjHp2lVuJZz0F79Be9JA/p2p/"
           "12D3KooWBdmLJjhpgJ9KZgLM3f894ff9xyBfPvPjFNn7MKJpyrC2",
           "/ip6zone/x/ip6/fe80::1/udp/1234/quic",
           "/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
           "/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
           "/ip4/127.0.0.1/tcp/9090/tls/ws",
           "/ip4/127.0.0.1/tcp/9090/tls/sni/example.com/ws",
           "/p2p-circuit/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
           "/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/p2p-circuit",
           "/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/p2p-circuit",
       }) {
    std::string expected = text;
    if (expected.find("/ipfs/") != std::string::npos) expected.replace(expected.find("/ipfs/"), 6, "/p2p/");
    auto address = Multiaddr::parse(text);
    ASSERT_TRUE(address.ok()) << text << ": " << address.error().message;
    EXPECT_EQ(address->to_string(), expected);
    auto from_bytes = Multiaddr::from_bytes(address->bytes());
    ASSERT_TRUE(from_bytes.ok()) << text;
    EXPECT_EQ(from_bytes->to_string(), expected);
  }
}

// [js] describe('normalize').
TEST(MultiaddrVectors, JsNormalize) {
  struct Case {
    const char* input;
    const char* output;
  };
  for (const Case& c : std::vector<Case>{
           {"/ip6/0001:08a0:00c5:4201:3ac9:86ff:fe31:0709", "/ip6/1:8a0:c5:4201:3ac9:86ff:fe31:709"},
           {"/ip6/0000:0000:0000:0000:0000:0000:0000:0001", "/ip6/::1"},
           {"/ip6/::00:0:000:0:001", "/ip6/::1"},
           {"/ip6/::101.45.75.219/tcp/9090", "/ip6/::652d:4bdb/tcp/9090"},
           {"/ip6/::1.45.5.219/tcp/9090", "/ip6/::12d:5db/tcp/9090"},
           {"/ip6/0:00:0000:0002:0000:059c:0a24:0801/tcp/64142", "/ip6/::2:0:59c:a24:801/tcp/64142"},
       }) {
    auto address = Multiaddr::parse(c.input);
    ASSERT_TRUE(address.ok()) << c.input << ": " << address.error().message;
    EXPECT_EQ(address->to_string(), c.output);
  }
  // The last [js] normalize case writes the peer as a sha2-256 CIDv1; we print every peer ID
  // in base58btc (as go-multiaddr does), so only the /ipfs -> /p2p part is compared.
  auto cid = Multiaddr::parse("/ipfs/bafzbeidt255unskpefjmqb2rc27vjuyxopkxgaylxij6pw35hhys4vnyp4");
  ASSERT_TRUE(cid.ok()) << cid.error().message;
  EXPECT_EQ(cid->to_string().rfind("/p2p/Qm", 0), 0u) << cid->to_string();
}

}  // namespace
}  // namespace ff::net
