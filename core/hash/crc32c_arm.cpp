// CRC32C with the ARMv8 CRC32 instructions. core/CMakeLists.txt compiles this file with
// -march=armv8-a+crc+crypto on aarch64; crc32c.cpp explains why it is used unchecked.
// Kept deliberately simple (one stream): it cannot be tested on the x86-64 build machine.
#if defined(__aarch64__)

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/hash/crc32c_internal.hpp"

#if defined(__ARM_FEATURE_CRC32) && !defined(__AARCH64EB__)
#include <arm_acle.h>
#define FF_CRC32C_ARMV8 1
#endif

namespace ff::hash::internal {

bool armv8_crc_compiled() {
#if defined(FF_CRC32C_ARMV8)
  return true;
#else
  return false;
#endif
}

std::uint32_t crc32c_update_armv8(std::uint32_t state, const std::uint8_t* data, std::size_t size) {
#if defined(FF_CRC32C_ARMV8)
  while (size >= 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, data, sizeof word);  // little-endian target: byte 0 is processed first
    state = __crc32cd(state, word);
    data += 8;
    size -= 8;
  }
  while (size > 0) {
    state = __crc32cb(state, *data);
    ++data;
    --size;
  }
  return state;
#else
  return crc32c_update_portable(state, data, size);
#endif
}

}  // namespace ff::hash::internal

#endif  // defined(__aarch64__)
