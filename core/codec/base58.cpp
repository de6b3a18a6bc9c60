#include "core/codec/base58.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ff::codec {
namespace {

constexpr char kDigits[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

constexpr std::uint8_t kInvalid = 0xff;

// Character -> digit value, kInvalid outside the alphabet. Built at compile time.
constexpr std::array<std::uint8_t, 256> build_values() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (int i = 0; i < 58; ++i) table[static_cast<unsigned char>(kDigits[i])] = static_cast<std::uint8_t>(i);
  return table;
}

constexpr std::array<std::uint8_t, 256> kValues = build_values();

// Encoding works on limbs of 58^5 so one 64-bit multiply-add moves five base-58 digits.
constexpr std::uint32_t kLimbBase = 58u * 58u * 58u * 58u * 58u;  // 656356768 < 2^32
constexpr int kDigitsPerLimb = 5;

}  // namespace

std::string base58_encode(ByteView data) {
  std::size_t leading_zeros = 0;
  while (leading_zeros < data.size() && data[leading_zeros] == 0) ++leading_zeros;

  // The number, little-endian limbs of base 58^5.
  std::vector<std::uint32_t> limbs;
  limbs.reserve((data.size() - leading_zeros) * 138 / 100 / kDigitsPerLimb + 2);
  for (std::size_t i = leading_zeros; i < data.size(); ++i) {
    std::uint64_t carry = data[i];
    for (std::uint32_t& limb : limbs) {
      const std::uint64_t value = (std::uint64_t{limb} << 8) + carry;
      limb = static_cast<std::uint32_t>(value % kLimbBase);
      carry = value / kLimbBase;
    }
    while (carry > 0) {
      limbs.push_back(static_cast<std::uint32_t>(carry % kLimbBase));
      carry /= kLimbBase;
    }
  }

  // Digits, least significant first, then drop the top limb's leading zero digits.
  std::string reversed;
  reversed.reserve(limbs.size() * kDigitsPerLimb);
  for (std::uint32_t limb : limbs) {
    for (int d = 0; d < kDigitsPerLimb; ++d) {
      reversed.push_back(kDigits[limb % 58]);
      limb /= 58;
    }
  }
  while (!reversed.empty() && reversed.back() == '1') reversed.pop_back();

  std::string out(leading_zeros, '1');
  out.append(reversed.rbegin(), reversed.rend());
  return out;
}

Result<Bytes> base58_decode(std::string_view text) {
  if (text.size() > kMaxBase58DecodeChars) {
    return make_error(Errc::kLimitExceeded, "base58: " + std::to_string(text.size()) +
                                                " characters exceed the limit of " +
                                                std::to_string(kMaxBase58DecodeChars));
  }
  std::size_t leading_ones = 0;
  while (leading_ones < text.size() && text[leading_ones] == '1') ++leading_ones;

  // The number, little-endian 32-bit limbs.
  std::vector<std::uint32_t> limbs;
  limbs.reserve(text.size() * 733 / 1000 / 4 + 2);
  for (std::size_t i = leading_ones; i < text.size(); ++i) {
    const std::uint8_t value = kValues[static_cast<unsigned char>(text[i])];
    if (value == kInvalid) {
      return make_error(Errc::kInvalidInput, "base58: invalid character at position " + std::to_string(i));
    }
    std::uint64_t carry = value;
    for (std::uint32_t& limb : limbs) {
      const std::uint64_t product = std::uint64_t{limb} * 58 + carry;
      limb = static_cast<std::uint32_t>(product);
      carry = product >> 32;
    }
    if (carry > 0) limbs.push_back(static_cast<std::uint32_t>(carry));
  }

  Bytes reversed;
  reversed.reserve(limbs.size() * 4);
  for (std::uint32_t limb : limbs) {
    for (int b = 0; b < 4; ++b) reversed.push_back(static_cast<std::uint8_t>(limb >> (8 * b)));
  }
  while (!reversed.empty() && reversed.back() == 0) reversed.pop_back();

  Bytes out(leading_ones, 0);
  out.insert(out.end(), reversed.rbegin(), reversed.rend());
  return out;
}

}  // namespace ff::codec
