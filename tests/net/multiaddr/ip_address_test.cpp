#include "net/multiaddr/ip_address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

Ipv6Address ipv6(std::initializer_list<std::uint16_t> groups) {
  Ipv6Address address{};
  std::size_t i = 0;
  for (std::uint16_t group : groups) {
    address[2 * i] = static_cast<std::uint8_t>(group >> 8);
    address[2 * i + 1] = static_cast<std::uint8_t>(group & 0xff);
    ++i;
  }
  return address;
}

TEST(Ipv4Address, ParsesDottedDecimal) {
  auto address = parse_ipv4("192.0.2.255");
  ASSERT_TRUE(address.ok()) << address.error().message;
  EXPECT_EQ(*address, (Ipv4Address{192, 0, 2, 255}));
  EXPECT_EQ(format_ipv4(*address), "192.0.2.255");
  EXPECT_EQ(format_ipv4({0, 0, 0, 0}), "0.0.0.0");
}

TEST(Ipv4Address, RejectsMalformedText) {
  for (const char* text :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "300.1.1.1", "1.2.3.-4", "1..2.3", "1.2.3.4.", ".1.2.3",
        "01.2.3.4", "1.2.3.00", "1.2.3.4 ", "a.b.c.d", "1234.1.1.1", "::1", "1.2.3.4444"}) {
    auto address = parse_ipv4(text);
    EXPECT_FALSE(address.ok()) << "accepted \"" << text << "\"";
    if (!address.ok()) {
      EXPECT_EQ(address.error().message.rfind("invalid IPv4 address", 0), 0u) << text;
    }
  }
  EXPECT_NE(parse_ipv4("300.1.1.1").error().message.find("300 is above 255"), std::string::npos);
}

// RFC 5952 section 4 canonical forms, and the mixed notation of section 5 for
// IPv4-mapped addresses.
TEST(Ipv6Address, FormatsCanonicallyPerRfc5952) {
  struct Case {
    Ipv6Address address;
    const char* text;
  };
  const std::vector<Case> cases = {
      {ipv6({0, 0, 0, 0, 0, 0, 0, 0}), "::"},
      {ipv6({0, 0, 0, 0, 0, 0, 0, 1}), "::1"},
      {ipv6({1, 0, 0, 0, 0, 0, 0, 0}), "1::"},
      {ipv6({0x2001, 0xdb8, 0, 0, 0, 0, 2, 1}), "2001:db8::2:1"},         // 4.2.1 longest run
      {ipv6({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}), "2001:db8:0:1:1:1:1:1"},  // 4.2.2 no "::" for one group
      {ipv6({0x2001, 0, 0, 1, 0, 0, 0, 1}), "2001:0:0:1::1"},             // 4.2.3 longest wins
      {ipv6({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}), "2001:db8::1:0:0:1"},     // 4.2.3 first on a tie
      {ipv6({0x2001, 0xdb8, 0xaaaa, 0xbbbb, 0xcccc, 0xdddd, 0xeeee, 0xaaaa}),
       "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"},
      {ipv6({0xfe80, 0, 0, 0, 0x8cb1, 0x25ff, 0xfec5, 0x28e3}), "fe80::8cb1:25ff:fec5:28e3"},
      {ipv6({0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001}), "::ffff:127.0.0.1"},  // section 5, mapped
      {ipv6({0, 0, 0, 0, 0, 0, 0x652d, 0x4bdb}), "::652d:4bdb"},            // compatible: hex only
      {ipv6({0, 0, 0, 0, 0xffff, 0, 0x0102, 0x0304}), "::ffff:0:102:304"},  // translated: hex only
  };
  for (const Case& c : cases) {
    EXPECT_EQ(format_ipv6(c.address), c.text);
    auto parsed = parse_ipv6(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, c.address) << c.text;
  }
}

TEST(Ipv6Address, ParsesEveryRfc4291Form) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  const std::vector<Case> cases = {
      {"0000:0000:0000:0000:0000:0000:0000:0001", "::1"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"::00:0:000:0:001", "::1"},
      {"2001:DB8::1", "2001:db8::1"},
      {"2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"},
      {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
      {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
      {"::1.2.3.4", "::102:304"},
      {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
      {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
      {"0:0:0:0:0:ffff:10.0.0.1", "::ffff:10.0.0.1"},
  };
  for (const Case& c : cases) {
    auto parsed = parse_ipv6(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error().message;
    EXPECT_EQ(format_ipv6(*parsed), c.canonical) << c.text;
  }
}

TEST(Ipv6Address, RejectsMalformedText) {
  for (const char* text : {"",
                           ":",
                           ":::",
                           "1:::2",
                           "1::2::3",
                           ":1:2:3:4:5:6:7",
                           "1:2:3:4:5:6:7:",
                           "1:2:3:4:5:6:7",
                           "1:2:3:4:5:6:7:8:9",
                           "1:2:3:4:5:6:7:8::",
                           "::1:2:3:4:5:6:7:8",
                           "12345::",
                           "g::",
                           "1.2.3.4",
                           "1.2.3.4::",
                           "::1.2.3.4:5",
                           "::1.2.3",
                           "::256.1.1.1",
                           "fe80::1%eth0",
                           " ::1",
                           "1:2:3:4:5:6:7:1.2.3.4",
                           "0000:0000:0000:0000:0000:0000:0000:0000:0000"}) {
    auto parsed = parse_ipv6(text);
    EXPECT_FALSE(parsed.ok()) << "accepted \"" << text << "\"";
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().message.rfind("invalid IPv6 address", 0), 0u) << text;
    }
  }
}

// Random addresses with many zero groups (so "::" placement and ties are exercised) print
// canonically and parse back to themselves.
TEST(Ipv6Address, RandomAddressesRoundTrip) {
  for (std::uint64_t seed : property_seeds(64)) {
    Rng rng(seed);
    for (int round = 0; round < 200; ++round) {
      Ipv6Address address{};
      for (std::size_t group = 0; group < 8; ++group) {
        if (rng.chance(1, 2)) continue;  // leave zero
        const std::uint16_t value =
            static_cast<std::uint16_t>(rng.chance(1, 3) ? rng.below(16) : rng.below(65536));
        address[2 * group] = static_cast<std::uint8_t>(value >> 8);
        address[2 * group + 1] = static_cast<std::uint8_t>(value & 0xff);
      }
      const std::string text = format_ipv6(address);
      auto parsed = parse_ipv6(text);
      ASSERT_TRUE(parsed.ok()) << text << seed_note(seed);
      EXPECT_EQ(*parsed, address) << text << seed_note(seed);
      EXPECT_EQ(text.find(":::"), std::string::npos) << text << seed_note(seed);
      EXPECT_LE(text.size(), kMaxIpv6TextChars) << seed_note(seed);
    }
  }
}

}  // namespace
}  // namespace ff::net
