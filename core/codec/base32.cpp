#include "core/codec/base32.hpp"

#include <cstdint>
#include <string>

namespace ff::codec {
namespace {

constexpr char kLowerDigits[] = "abcdefghijklmnopqrstuvwxyz234567";
constexpr char kUpperDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int digit_value(char c, LetterCase letters) {
  if (letters == LetterCase::kLower && c >= 'a' && c <= 'z') return c - 'a';
  if (letters == LetterCase::kUpper && c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string base32_encode(ByteView data, LetterCase letters) {
  const char* digits = letters == LetterCase::kLower ? kLowerDigits : kUpperDigits;
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  std::uint32_t accumulator = 0;  // holds at most 12 bits between iterations
  int bit_count = 0;
  for (std::uint8_t byte : data) {
    accumulator = (accumulator << 8) | byte;
    bit_count += 8;
    while (bit_count >= 5) {
      bit_count -= 5;
      out.push_back(digits[(accumulator >> bit_count) & 31]);
    }
    accumulator &= (1u << bit_count) - 1;
  }
  if (bit_count > 0) out.push_back(digits[(accumulator << (5 - bit_count)) & 31]);
  return out;
}

Result<Bytes> base32_decode(std::string_view text, LetterCase letters) {
  Bytes out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t accumulator = 0;
  int bit_count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int value = digit_value(text[i], letters);
    if (value < 0) {
      return make_error(Errc::kInvalidInput, "base32: invalid character at position " + std::to_string(i));
    }
    accumulator = (accumulator << 5) | static_cast<std::uint32_t>(value);
    bit_count += 5;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<std::uint8_t>(accumulator >> bit_count));
      accumulator &= (1u << bit_count) - 1;
    }
  }
  // Valid lengths leave 0-4 unused bits. Five or more leftover bits mean a whole
  // character carried no byte: lengths 1, 3 and 6 (mod 8) are impossible encodings.
  if (bit_count >= 5) {
    return make_error(Errc::kInvalidInput,
                      "base32: length " + std::to_string(text.size()) + " does not encode whole bytes");
  }
  if (accumulator != 0)
    return make_error(Errc::kInvalidInput, "base32: non-zero unused bits in the last character");
  return out;
}

}  // namespace ff::codec
