// Internal to core/hash: the CRC32C implementations behind crc32c.hpp's dispatch.
//
// Each update function takes and returns the raw CRC register (already inverted: the
// public functions apply the 0xFFFFFFFF pre- and post-conditioning once). They take a
// pointer and a length rather than ByteView on purpose: crc32c_x86.cpp is compiled with
// -msse4.2 -mpclmul, and any inline function it instantiated from a shared header could be
// the copy the linker keeps for the whole program, putting those instructions on paths
// that never checked the CPU. So the x86 and ARM files include no project headers but this
// one, which declares functions only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ff::hash::internal {

std::uint32_t crc32c_update_portable(std::uint32_t state, const std::uint8_t* data, std::size_t size);

#if defined(__x86_64__)
// Callers check the CPU first (crc32c.cpp): sse42 needs SSE4.2, sse42_pclmul also
// PCLMULQDQ, avx512 also AVX-512F and VPCLMULQDQ with the ZMM state enabled by the OS.
std::uint32_t crc32c_update_sse42(std::uint32_t state, const std::uint8_t* data, std::size_t size);
std::uint32_t crc32c_update_sse42_pclmul(std::uint32_t state, const std::uint8_t* data, std::size_t size);
std::uint32_t crc32c_update_avx512(std::uint32_t state, const std::uint8_t* data, std::size_t size);
#endif

#if defined(__aarch64__)
// True when crc32c_arm.cpp was compiled with the CRC extension (see crc32c.cpp).
bool armv8_crc_compiled();
std::uint32_t crc32c_update_armv8(std::uint32_t state, const std::uint8_t* data, std::size_t size);
#endif

}  // namespace ff::hash::internal
