#include "core/codec/hex.hpp"

#include <string>

namespace ff::codec {
namespace {

// The value of a hex digit, or -1. Case acceptance is decided by the caller.
int digit_value(char c, bool accept_lower, bool accept_upper) {
  if (c >= '0' && c <= '9') return c - '0';
  if (accept_lower && c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (accept_upper && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Bytes> decode(std::string_view text, bool accept_lower, bool accept_upper) {
  if (text.size() % 2 != 0) {
    return make_error(Errc::kInvalidInput, "hex: odd length " + std::to_string(text.size()));
  }
  Bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = digit_value(text[i], accept_lower, accept_upper);
    const int low = digit_value(text[i + 1], accept_lower, accept_upper);
    if (high < 0 || low < 0) {
      const std::size_t bad = high < 0 ? i : i + 1;
      return make_error(Errc::kInvalidInput, "hex: invalid character at position " + std::to_string(bad));
    }
    out.push_back(static_cast<std::uint8_t>((high << 4) | low));
  }
  return out;
}

}  // namespace

std::string hex_encode(ByteView data, LetterCase letters) {
  const char* digits = letters == LetterCase::kLower ? "0123456789abcdef" : "0123456789ABCDEF";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t byte : data) {
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0xf]);
  }
  return out;
}

Result<Bytes> hex_decode(std::string_view text) { return decode(text, true, true); }

Result<Bytes> hex_decode_strict_case(std::string_view text, LetterCase letters) {
  return decode(text, letters == LetterCase::kLower, letters == LetterCase::kUpper);
}

std::string hex_number(std::uint64_t value) {
  static const char kDigits[] = "0123456789abcdef";
  std::string text;
  do {
    text.insert(text.begin(), kDigits[value & 0xf]);
    value >>= 4;
  } while (value != 0);
  return "0x" + text;
}

}  // namespace ff::codec
