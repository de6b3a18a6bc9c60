// IPv4 and IPv6 addresses in binary (network byte order) and text form, as the ip4 and ip6
// multiaddr components carry them (see docs/wire/multiaddr.md).
//
// Text input: IPv4 is strict dotted decimal (four octets, no leading zeros, as Go's net
// parser has required since Go 1.17: "010" is ambiguous between octal and decimal). IPv6
// accepts every RFC 4291 section 2.2 form: full, "::"-compressed, leading zeros in a group,
// either letter case, and a dotted IPv4 tail ("::ffff:1.2.3.4"). Zones ("fe80::1%eth0") are
// not part of an ip6 value: multiaddrs carry them in a separate ip6zone component.
//
// Text output is canonical: IPv4 plain dotted decimal; IPv6 as RFC 5952 section 4 says
// (lower case, no leading zeros, the longest run of two or more zero groups - the first
// one on a tie - written "::"), and IPv4-mapped addresses (::ffff:0:0/96, the one
// embedding prefix RFC 5952 section 5 recommends mixed notation for) as "::ffff:1.2.3.4",
// which is also what go-multiaddr prints.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ff::net {

inline constexpr std::size_t kIpv4AddressBytes = 4;
inline constexpr std::size_t kIpv6AddressBytes = 16;
// Longest valid text forms: "255.255.255.255" and
// "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" (INET6_ADDRSTRLEN - 1). Longer text is
// rejected before it is scanned.
inline constexpr std::size_t kMaxIpv4TextChars = 15;
inline constexpr std::size_t kMaxIpv6TextChars = 45;

using Ipv4Address = std::array<std::uint8_t, kIpv4AddressBytes>;
using Ipv6Address = std::array<std::uint8_t, kIpv6AddressBytes>;

// kInvalidInput with the message "invalid IPv4 address (<reason>)".
Result<Ipv4Address> parse_ipv4(std::string_view text);
// kInvalidInput with the message "invalid IPv6 address (<reason>)".
Result<Ipv6Address> parse_ipv6(std::string_view text);

std::string format_ipv4(const Ipv4Address& address);
std::string format_ipv6(const Ipv6Address& address);

}  // namespace ff::net
