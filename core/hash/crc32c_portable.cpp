// Portable CRC32C: slicing-by-8 (Kounavis and Berry, "A Systematic Approach to Building
// High Performance Software-based CRC Generators", 2005). Eight tables let the loop fold
// eight input bytes per step with independent lookups instead of one dependent lookup per
// byte. The tables are computed at compile time from the polynomial.
#include <array>
#include <cstddef>
#include <cstdint>

#include "core/hash/crc32c_internal.hpp"

namespace ff::hash::internal {
namespace {

constexpr std::uint32_t kPolynomialReflected = 0x82F63B78u;

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

// tables[0][b] is the register after shifting byte b through 8 zero bits; tables[k][b] is
// tables[0][b] advanced through k more zero bytes, i.e. the effect of b seen k bytes
// before the end of an 8-byte group.
constexpr Tables make_tables() {
  Tables tables{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomialReflected : 0);
    tables[0][b] = crc;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::uint32_t b = 0; b < 256; ++b) {
      const std::uint32_t previous = tables[k - 1][b];
      tables[k][b] = (previous >> 8) ^ tables[0][previous & 0xff];
    }
  }
  return tables;
}

constexpr Tables kTables = make_tables();
static_assert(kTables[0][1] == 0xF26B8303u, "CRC32C table entry for byte 0x01");

inline std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

}  // namespace

std::uint32_t crc32c_update_portable(std::uint32_t state, const std::uint8_t* data, std::size_t size) {
  while (size >= 8) {
    const std::uint32_t low = state ^ load_le32(data);
    const std::uint32_t high = load_le32(data + 4);
    state = kTables[7][low & 0xff] ^ kTables[6][(low >> 8) & 0xff] ^ kTables[5][(low >> 16) & 0xff] ^
            kTables[4][low >> 24] ^ kTables[3][high & 0xff] ^ kTables[2][(high >> 8) & 0xff] ^
            kTables[1][(high >> 16) & 0xff] ^ kTables[0][high >> 24];
    data += 8;
    size -= 8;
  }
  while (size > 0) {
    state = (state >> 8) ^ kTables[0][(state ^ *data) & 0xff];
    ++data;
    --size;
  }
  return state;
}

}  // namespace ff::hash::internal
