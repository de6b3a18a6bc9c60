#include "net/multiaddr/ip_address.hpp"

#include <vector>

namespace ff::net {
namespace {

Error ipv4_error(const std::string& reason) {
  return make_error(Errc::kInvalidInput, "invalid IPv4 address (" + reason + ")");
}

Error ipv6_error(const std::string& reason) {
  return make_error(Errc::kInvalidInput, "invalid IPv6 address (" + reason + ")");
}

// Built by appending: g++ 12 reports a false -Wrestrict on `"'" + std::string(...)` at -O3.
std::string not_a_digit(char c, const char* kind) {
  std::string reason = "'";
  reason += c;
  reason += "' is not a ";
  reason += kind;
  return reason;
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits `text` at every `separator`; empty pieces are kept so callers can reject them.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      pieces.push_back(text.substr(start));
      return pieces;
    }
    pieces.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// Parses the groups on one side of "::" (or of the whole address when there is none).
// A dotted IPv4 tail is allowed only as the last piece of the whole address
// (`may_end_in_ipv4`) and yields two groups.
Status parse_ipv6_groups(std::string_view side, bool may_end_in_ipv4, std::vector<std::uint16_t>& groups) {
  if (side.empty()) return {};
  const std::vector<std::string_view> pieces = split(side, ':');
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const std::string_view piece = pieces[i];
    if (piece.find('.') != std::string_view::npos) {
      if (!may_end_in_ipv4 || i + 1 != pieces.size()) {
        return ipv6_error("a dotted IPv4 part may only end the address");
      }
      Result<Ipv4Address> tail = parse_ipv4(piece);
      if (!tail.ok()) return ipv6_error("bad IPv4 tail \"" + std::string(piece) + "\"");
      groups.push_back(static_cast<std::uint16_t>(((*tail)[0] << 8) | (*tail)[1]));
      groups.push_back(static_cast<std::uint16_t>(((*tail)[2] << 8) | (*tail)[3]));
      continue;
    }
    if (piece.empty()) return ipv6_error("empty group");
    if (piece.size() > 4)
      return ipv6_error("group \"" + std::string(piece) + "\" has more than 4 hex digits");
    unsigned value = 0;
    for (char c : piece) {
      const int digit = hex_digit_value(c);
      if (digit < 0) return ipv6_error(not_a_digit(c, "hex digit"));
      value = (value << 4) | static_cast<unsigned>(digit);
    }
    groups.push_back(static_cast<std::uint16_t>(value));
  }
  return {};
}

}  // namespace

Result<Ipv4Address> parse_ipv4(std::string_view text) {
  if (text.empty()) return ipv4_error("empty");
  if (text.size() > kMaxIpv4TextChars) return ipv4_error("too long");
  const std::vector<std::string_view> octets = split(text, '.');
  if (octets.size() != 4) return ipv4_error("expected 4 dot-separated octets");
  Ipv4Address address{};
  for (std::size_t i = 0; i < octets.size(); ++i) {
    const std::string_view octet = octets[i];
    if (octet.empty() || octet.size() > 3) return ipv4_error("octet \"" + std::string(octet) + "\"");
    unsigned value = 0;
    for (char c : octet) {
      if (c < '0' || c > '9') return ipv4_error(not_a_digit(c, "decimal digit"));
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (octet.size() > 1 && octet[0] == '0') {
      return ipv4_error("octet \"" + std::string(octet) + "\" has a leading zero");
    }
    if (value > 255) return ipv4_error("octet " + std::to_string(value) + " is above 255");
    address[i] = static_cast<std::uint8_t>(value);
  }
  return address;
}

Result<Ipv6Address> parse_ipv6(std::string_view text) {
  if (text.empty()) return ipv6_error("empty");
  if (text.size() > kMaxIpv6TextChars) return ipv6_error("too long");
  std::vector<std::uint16_t> head;
  std::vector<std::uint16_t> tail;
  const std::size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    FF_TRY(parse_ipv6_groups(text, true, head));
    if (head.size() != 8) return ipv6_error("expected 8 groups, found " + std::to_string(head.size()));
  } else {
    if (text.find("::", gap + 1) != std::string_view::npos) return ipv6_error("more than one \"::\"");
    const std::string_view before = text.substr(0, gap);
    const std::string_view after = text.substr(gap + 2);
    FF_TRY(parse_ipv6_groups(before, false, head));
    FF_TRY(parse_ipv6_groups(after, true, tail));
    // "::" stands for at least one zero group (RFC 4291 section 2.2).
    if (head.size() + tail.size() > 7) return ipv6_error("\"::\" with 8 groups besides it");
  }
  Ipv6Address address{};
  std::size_t group_index = 0;
  auto put = [&address](std::size_t index, std::uint16_t group) {
    address[2 * index] = static_cast<std::uint8_t>(group >> 8);
    address[2 * index + 1] = static_cast<std::uint8_t>(group & 0xff);
  };
  for (std::uint16_t group : head) put(group_index++, group);
  group_index = 8 - tail.size();
  for (std::uint16_t group : tail) put(group_index++, group);
  return address;
}

std::string format_ipv4(const Ipv4Address& address) {
  std::string text;
  for (std::size_t i = 0; i < address.size(); ++i) {
    if (i != 0) text += '.';
    text += std::to_string(address[i]);
  }
  return text;
}

std::string format_ipv6(const Ipv6Address& address) {
  std::uint16_t groups[8];
  for (std::size_t i = 0; i < 8; ++i) {
    groups[i] = static_cast<std::uint16_t>((address[2 * i] << 8) | address[2 * i + 1]);
  }

  // IPv4-mapped: 0:0:0:0:0:ffff:a.b.c.d.
  bool mapped = groups[5] == 0xffff;
  for (std::size_t i = 0; i < 5; ++i) mapped = mapped && groups[i] == 0;
  const std::size_t hex_groups = mapped ? 6 : 8;

  // The longest run of zero groups of length >= 2; the first on a tie (RFC 5952 4.2.3).
  std::size_t best_start = hex_groups;
  std::size_t best_length = 0;
  for (std::size_t i = 0; i < hex_groups;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < hex_groups && groups[end] == 0) ++end;
    if (end - i > best_length) {
      best_start = i;
      best_length = end - i;
    }
    i = end;
  }
  if (best_length < 2) best_start = hex_groups;

  static const char kDigits[] = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < hex_groups;) {
    if (i == best_start) {
      text += "::";
      i += best_length;
      continue;
    }
    if (!text.empty() && text.back() != ':') text += ':';
    const std::uint16_t group = groups[i];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned digit = (group >> shift) & 0xf;
      if (digit != 0 || started || shift == 0) {
        text += kDigits[digit];
        started = true;
      }
    }
    ++i;
  }
  if (mapped) {
    if (text.back() != ':') text += ':';
    text += format_ipv4({address[12], address[13], address[14], address[15]});
  }
  return text;
}

}  // namespace ff::net
