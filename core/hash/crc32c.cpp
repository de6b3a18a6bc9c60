// CRC32C dispatch: picks the fastest implementation this build and CPU support, once.
#include "core/hash/crc32c.hpp"

#include "core/hash/crc32c_internal.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace ff::hash {
namespace {

using UpdateFunction = std::uint32_t (*)(std::uint32_t state, const std::uint8_t* data, std::size_t size);

#if defined(__x86_64__)
struct X86Features {
  bool sse42 = false;
  bool pclmul = false;
  bool avx512_vpclmul = false;
};

// CPUID is the one piece of the environment the core reads (ARCHITECTURE.md): it is a
// pure function of the machine, so results stay deterministic for a given CPU.
X86Features detect_x86() {
  X86Features features;
  features.sse42 = __builtin_cpu_supports("sse4.2");
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return features;
  constexpr unsigned kPclmulqdqEcx1 = 1u << 1;
  constexpr unsigned kOsxsaveEcx1 = 1u << 27;
  features.pclmul = features.sse42 && (ecx & kPclmulqdqEcx1) != 0;
  const bool os_saves_extended_state = (ecx & kOsxsaveEcx1) != 0;
  if (!features.pclmul || !os_saves_extended_state || __get_cpuid_max(0, nullptr) < 7) return features;

  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  constexpr unsigned kAvx512fEbx7 = 1u << 16;
  constexpr unsigned kVpclmulqdqEcx7 = 1u << 10;
  const bool cpu_has_instructions = (ebx & kAvx512fEbx7) != 0 && (ecx & kVpclmulqdqEcx7) != 0;
  // The OS must save the AVX-512 registers on context switches: XCR0 bits 1-2 (SSE, AVX)
  // and 5-7 (opmask, upper halves of ZMM0-15, ZMM16-31).
  unsigned xcr0_low = 0, xcr0_high = 0;
  __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
  constexpr unsigned kZmmStateMask = 0xE6;
  features.avx512_vpclmul = cpu_has_instructions && (xcr0_low & kZmmStateMask) == kZmmStateMask;
  return features;
}

const X86Features& x86_features() {
  static const X86Features features = detect_x86();
  return features;
}
#endif

bool path_available(Crc32cPath path) {
  switch (path) {
    case Crc32cPath::kPortable: return true;
#if defined(__x86_64__)
    case Crc32cPath::kSse42: return x86_features().sse42;
    case Crc32cPath::kSse42Pclmul: return x86_features().pclmul;
    case Crc32cPath::kAvx512Vpclmul: return x86_features().avx512_vpclmul;
#else
    case Crc32cPath::kSse42:
    case Crc32cPath::kSse42Pclmul:
    case Crc32cPath::kAvx512Vpclmul: return false;
#endif
#if defined(__aarch64__)
    // The core may not read the environment beyond CPUID, and aarch64 has no user-space
    // CPUID: asking the kernel (getauxval(AT_HWCAP)) is the runtime's business. CMake
    // compiles crc32c_arm.cpp with +crc for every aarch64 target, so we rely on the CRC
    // extension, which ARMv8.1-A made mandatory and every 64-bit ARM core we target
    // (Apple M-series, Cortex-A53 and later, Neoverse, Graviton) implements.
    case Crc32cPath::kArmv8Crc: return internal::armv8_crc_compiled();
#else
    case Crc32cPath::kArmv8Crc: return false;
#endif
  }
  return false;
}

UpdateFunction update_function(Crc32cPath path) {
  if (!path_available(path)) return internal::crc32c_update_portable;
  switch (path) {
    case Crc32cPath::kPortable: return internal::crc32c_update_portable;
#if defined(__x86_64__)
    case Crc32cPath::kSse42: return internal::crc32c_update_sse42;
    case Crc32cPath::kSse42Pclmul: return internal::crc32c_update_sse42_pclmul;
    case Crc32cPath::kAvx512Vpclmul: return internal::crc32c_update_avx512;
#endif
#if defined(__aarch64__)
    case Crc32cPath::kArmv8Crc: return internal::crc32c_update_armv8;
#endif
    default: return internal::crc32c_update_portable;
  }
}

// Fastest first, as bench/bench_crc32c measures on an AMD EPYC (Zen 4) for 1 MiB: about
// 50 GB/s for avx512+vpclmulqdq, 26 for sse4.2+pclmul, 9.5 for sse4.2, 2 for portable.
Crc32cPath choose_path() {
  for (Crc32cPath path :
       {Crc32cPath::kAvx512Vpclmul, Crc32cPath::kSse42Pclmul, Crc32cPath::kSse42, Crc32cPath::kArmv8Crc}) {
    if (path_available(path)) return path;
  }
  return Crc32cPath::kPortable;
}

struct Chosen {
  Crc32cPath path;
  UpdateFunction update;
};

const Chosen& chosen() {
  static const Chosen value = [] {
    const Crc32cPath path = choose_path();
    return Chosen{path, update_function(path)};
  }();
  return value;
}

std::uint32_t extend(UpdateFunction update, std::uint32_t crc, ByteView data) {
  return ~update(~crc, data.data(), data.size());
}

}  // namespace

std::uint32_t crc32c(ByteView data) { return extend(chosen().update, 0, data); }

std::uint32_t crc32c_extend(std::uint32_t crc, ByteView data) { return extend(chosen().update, crc, data); }

const char* crc32c_path_name(Crc32cPath path) {
  switch (path) {
    case Crc32cPath::kPortable: return "portable-slicing-by-8";
    case Crc32cPath::kSse42: return "sse4.2";
    case Crc32cPath::kSse42Pclmul: return "sse4.2+pclmul";
    case Crc32cPath::kAvx512Vpclmul: return "avx512+vpclmulqdq";
    case Crc32cPath::kArmv8Crc: return "armv8-crc";
  }
  return "unknown";
}

bool crc32c_path_available(Crc32cPath path) { return path_available(path); }

Crc32cPath crc32c_chosen_path() { return chosen().path; }

const char* crc32c_path_name() { return crc32c_path_name(chosen().path); }

bool crc32c_hardware_available() { return chosen().path != Crc32cPath::kPortable; }

std::uint32_t crc32c_extend_with(Crc32cPath path, std::uint32_t crc, ByteView data) {
  return extend(update_function(path), crc, data);
}

std::uint32_t crc32c_portable(ByteView data) { return extend(internal::crc32c_update_portable, 0, data); }

std::uint32_t crc32c_portable_extend(std::uint32_t crc, ByteView data) {
  return extend(internal::crc32c_update_portable, crc, data);
}

}  // namespace ff::hash
