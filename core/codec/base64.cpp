#include "core/codec/base64.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace ff::codec {
namespace {

constexpr char kStandardDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t kInvalid = 0xff;

// Character -> 6-bit value for one alphabet, kInvalid elsewhere. Built at compile time.
constexpr std::array<std::uint8_t, 256> reverse_table(const char* digits) {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(digits[i])] = static_cast<std::uint8_t>(i);
  return table;
}

constexpr std::array<std::uint8_t, 256> kStandardValues = reverse_table(kStandardDigits);
constexpr std::array<std::uint8_t, 256> kUrlValues = reverse_table(kUrlDigits);

Error invalid(const std::string& what) { return make_error(Errc::kInvalidInput, "base64: " + what); }

}  // namespace

std::string base64_encode(ByteView data, Base64Alphabet alphabet, Base64Padding padding) {
  const char* digits = alphabet == Base64Alphabet::kStandard ? kStandardDigits : kUrlDigits;
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t group =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(digits[(group >> 18) & 63]);
    out.push_back(digits[(group >> 12) & 63]);
    out.push_back(digits[(group >> 6) & 63]);
    out.push_back(digits[group & 63]);
  }
  const std::size_t tail = data.size() - i;
  if (tail == 0) return out;
  std::uint32_t group = std::uint32_t{data[i]} << 16;
  if (tail == 2) group |= std::uint32_t{data[i + 1]} << 8;
  out.push_back(digits[(group >> 18) & 63]);
  out.push_back(digits[(group >> 12) & 63]);
  if (tail == 2) out.push_back(digits[(group >> 6) & 63]);
  if (padding == Base64Padding::kPadded) out.append(tail == 1 ? "==" : "=");
  return out;
}

Result<Bytes> base64_decode(std::string_view text, Base64Alphabet alphabet, Base64Padding padding) {
  const std::array<std::uint8_t, 256>& values =
      alphabet == Base64Alphabet::kStandard ? kStandardValues : kUrlValues;

  std::size_t data_chars = text.size();
  if (padding == Base64Padding::kPadded) {
    if (text.size() % 4 != 0)
      return invalid("padded text length " + std::to_string(text.size()) + " is not a multiple of 4");
    // At most two '=' and only at the very end; any other '=' fails the alphabet check below.
    if (data_chars > 0 && text[data_chars - 1] == '=') --data_chars;
    if (data_chars > 0 && text[data_chars - 1] == '=') --data_chars;
    // "xx==" and "xxx=" are the only padded tails; "x===" or "====" leave a lone char or
    // a '=' that the alphabet check rejects.
  }
  if (data_chars % 4 == 1) return invalid("length leaves a single character in the last group");

  Bytes out;
  out.reserve(data_chars / 4 * 3 + 2);
  std::uint32_t accumulator = 0;
  int pending_chars = 0;
  for (std::size_t i = 0; i < data_chars; ++i) {
    const std::uint8_t value = values[static_cast<unsigned char>(text[i])];
    if (value == kInvalid) return invalid("invalid character at position " + std::to_string(i));
    accumulator = (accumulator << 6) | static_cast<std::uint32_t>(value);
    if (++pending_chars == 4) {
      out.push_back(static_cast<std::uint8_t>(accumulator >> 16));
      out.push_back(static_cast<std::uint8_t>(accumulator >> 8));
      out.push_back(static_cast<std::uint8_t>(accumulator));
      accumulator = 0;
      pending_chars = 0;
    }
  }
  // A tail of 2 chars carries 12 bits for 1 byte, 3 chars carry 18 bits for 2 bytes; the
  // unused low bits must be zero or two texts would decode to the same bytes.
  if (pending_chars == 2) {
    if ((accumulator & 0xf) != 0) return invalid("non-zero unused bits in the last character");
    out.push_back(static_cast<std::uint8_t>(accumulator >> 4));
  } else if (pending_chars == 3) {
    if ((accumulator & 0x3) != 0) return invalid("non-zero unused bits in the last character");
    out.push_back(static_cast<std::uint8_t>(accumulator >> 10));
    out.push_back(static_cast<std::uint8_t>(accumulator >> 2));
  }
  return out;
}

}  // namespace ff::codec
