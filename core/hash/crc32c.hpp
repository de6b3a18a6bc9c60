// CRC32C (Castagnoli; reflected polynomial 0x82F63B78), the checksum of our journal
// records (docs/journal-format.md), as in LevelDB, iSCSI (RFC 3720) and ext4.
//
// Several implementations compute the same function; the fastest one the CPU supports is
// chosen once, at first use, by checking CPUID (x86-64) or the compile target (aarch64).
// WebAssembly and other targets use the portable slicing-by-8 tables.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"

namespace ff::hash {

// CRC32C of `data` (initial value and final XOR 0xFFFFFFFF, as every CRC32C user means).
// crc32c(as_bytes("123456789")) == 0xE3069283.
std::uint32_t crc32c(ByteView data);

// CRC32C of A followed by `data`, given crc = crc32c(A): crc32c_extend(crc32c(a), b) ==
// crc32c(a + b), and crc32c_extend(0, data) == crc32c(data).
std::uint32_t crc32c_extend(std::uint32_t crc, ByteView data);

// Masking as LevelDB does for stored CRCs: a CRC of data that itself contains CRCs (a
// record holding another record) is weak, and a stored value that is all zeros or all
// ones looks like a CRC by accident; rotating and adding a constant avoids both.
inline constexpr std::uint32_t kCrc32cMaskDelta = 0xa282ead8u;
inline std::uint32_t mask_crc(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kCrc32cMaskDelta; }
inline std::uint32_t unmask_crc(std::uint32_t masked) {
  const std::uint32_t rotated = masked - kCrc32cMaskDelta;
  return (rotated >> 17) | (rotated << 15);
}

// The implementations, for tests (every path must agree) and the benchmark.
enum class Crc32cPath {
  kPortable,       // slicing-by-8 tables; every target
  kSse42,          // x86-64 crc32 instruction, one stream
  kSse42Pclmul,    // x86-64 crc32 over three interleaved streams, combined with PCLMULQDQ
  kAvx512Vpclmul,  // x86-64 AVX-512 VPCLMULQDQ folding for long inputs, then kSse42Pclmul
  kArmv8Crc,       // aarch64 CRC32C instructions
};
inline constexpr Crc32cPath kAllCrc32cPaths[] = {Crc32cPath::kPortable, Crc32cPath::kSse42,
                                                 Crc32cPath::kSse42Pclmul, Crc32cPath::kAvx512Vpclmul,
                                                 Crc32cPath::kArmv8Crc};

// "portable-slicing-by-8", "sse4.2", "sse4.2+pclmul", "avx512+vpclmulqdq", "armv8-crc".
const char* crc32c_path_name(Crc32cPath path);
// Whether this build and CPU can run `path`.
bool crc32c_path_available(Crc32cPath path);
// The path crc32c() uses.
Crc32cPath crc32c_chosen_path();
// Name of the path crc32c() uses.
const char* crc32c_path_name();
// True when crc32c() uses CPU instructions rather than the portable tables.
bool crc32c_hardware_available();

// crc32c_extend through one given path. A path that is not available falls back to the
// portable one (so calling it is never undefined), which a caller detects with
// crc32c_path_available.
std::uint32_t crc32c_extend_with(Crc32cPath path, std::uint32_t crc, ByteView data);

// The portable implementation, always available.
std::uint32_t crc32c_portable(ByteView data);
std::uint32_t crc32c_portable_extend(std::uint32_t crc, ByteView data);

}  // namespace ff::hash
