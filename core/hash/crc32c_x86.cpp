// CRC32C on x86-64 with the SSE4.2 crc32 instruction, PCLMULQDQ and (optionally)
// AVX-512 VPCLMULQDQ. core/CMakeLists.txt compiles this file with -msse4.2 -mpclmul; the
// AVX-512 function enables its instruction sets with a target attribute. Nothing here runs
// before crc32c.cpp has checked the CPU.
//
// Notation. The CRC register and all data are bit-reflected: bit i of a 32-bit register is
// the coefficient of x^(31-i), bit i of a 64-bit word the coefficient of x^(63-i), and bit
// 0 of the first byte is the first message bit. With that:
//   crc32_u64(c, d) = C*x^64 + D*x^32            (mod P)
//   clmul(a, b)     = A*B*x                      (64-bit a and b, 128-bit result)
// where the 128-bit result is read with bit i as x^(127-i). A 32-bit value (a register c,
// or a constant k = x^e mod P) in the low half of a 64-bit operand reads as C*x^32; the
// product of two such values fits in the low 64 bits and, read as a 64-bit word, is
// C*K*x. Hence
//   crc32_u64(0, clmul(c, k)) = C*x^(e+33)        (mod P)
// which "shifts" a CRC register over e+33 zero bits without touching them.
#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/hash/crc32c_internal.hpp"

namespace ff::hash::internal {
namespace {

constexpr std::uint32_t kPolynomialReflected = 0x82F63B78u;

// a*b mod P for reflected 32-bit values (bit 31 is x^0).
constexpr std::uint32_t multiply_mod_p(std::uint32_t a, std::uint32_t b) {
  std::uint32_t product = 0;
  for (int degree = 0; degree < 32; ++degree) {
    if (a & (0x80000000u >> degree)) product ^= b;
    b = (b >> 1) ^ ((b & 1) ? kPolynomialReflected : 0);  // b *= x
  }
  return product;
}

// x^n mod P, reflected.
constexpr std::uint32_t x_pow_mod_p(std::uint64_t n) {
  std::uint32_t result = 0x80000000u;  // x^0
  std::uint32_t base = 0x40000000u;    // x^1
  while (n > 0) {
    if (n & 1) result = multiply_mod_p(result, base);
    base = multiply_mod_p(base, base);
    n >>= 1;
  }
  return result;
}
static_assert(x_pow_mod_p(32) == kPolynomialReflected, "x^32 = P - x^32 mod P");

inline std::uint64_t load_u64(const std::uint8_t* p) {
  std::uint64_t value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

std::uint32_t serial(std::uint32_t state, const std::uint8_t* data, std::size_t size) {
  std::uint64_t crc = state;
  while (size >= 8) {
    crc = _mm_crc32_u64(crc, load_u64(data));
    data += 8;
    size -= 8;
  }
  auto crc32 = static_cast<std::uint32_t>(crc);
  while (size > 0) {
    crc32 = _mm_crc32_u8(crc32, *data);
    ++data;
    --size;
  }
  return crc32;
}

// Three streams of kStreamBytes each: the crc32 instruction has a latency of three cycles
// and a throughput of one per cycle, so one dependent chain uses a third of the unit. All
// three streams start from zero and are merged with carry-less multiplies: the incoming
// register is shifted over the whole block, stream A over the 2*kStreamBytes after it,
// stream B over kStreamBytes, and stream C is already in place. Starting every stream from
// zero keeps the merge (about 10 cycles of latency) off the crc32 chains of the next block.
template <std::size_t kStreamBytes>
struct ThreeWay {
  static_assert(kStreamBytes % 8 == 0 && kStreamBytes >= 8);
  static constexpr std::uint64_t kShiftOne = x_pow_mod_p(8 * kStreamBytes - 33);
  static constexpr std::uint64_t kShiftTwo = x_pow_mod_p(16 * kStreamBytes - 33);
  static constexpr std::uint64_t kShiftThree = x_pow_mod_p(24 * kStreamBytes - 33);

  static std::uint32_t run(std::uint32_t state, const std::uint8_t*& data, std::size_t& size) {
    const __m128i shift_state_and_a =
        _mm_set_epi64x(static_cast<long long>(kShiftTwo), static_cast<long long>(kShiftThree));
    const __m128i shift_b = _mm_cvtsi64_si128(static_cast<long long>(kShiftOne));
    while (size >= 3 * kStreamBytes) {
      std::uint64_t crc_a = 0;
      std::uint64_t crc_b = 0;
      std::uint64_t crc_c = 0;
      const std::uint8_t* a = data;
      const std::uint8_t* b = data + kStreamBytes;
      const std::uint8_t* c = data + 2 * kStreamBytes;
      for (std::size_t i = 0; i < kStreamBytes; i += 8) {
        crc_a = _mm_crc32_u64(crc_a, load_u64(a + i));
        crc_b = _mm_crc32_u64(crc_b, load_u64(b + i));
        crc_c = _mm_crc32_u64(crc_c, load_u64(c + i));
      }
      // The three 64-bit products are added (XOR) before one crc32 reduces them all.
      const __m128i state_and_a =
          _mm_set_epi64x(static_cast<long long>(crc_a), static_cast<long long>(state));
      const __m128i product_state = _mm_clmulepi64_si128(state_and_a, shift_state_and_a, 0x00);
      const __m128i product_a = _mm_clmulepi64_si128(state_and_a, shift_state_and_a, 0x11);
      const __m128i product_b =
          _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(crc_b)), shift_b, 0x00);
      const __m128i sum = _mm_xor_si128(_mm_xor_si128(product_state, product_a), product_b);
      const auto shifted = static_cast<std::uint64_t>(_mm_cvtsi128_si64(sum));
      state = static_cast<std::uint32_t>(crc_c ^ _mm_crc32_u64(0, shifted));
      data += 3 * kStreamBytes;
      size -= 3 * kStreamBytes;
    }
    return state;
  }
};

// Block sizes: long blocks amortise the merge over 4 KiB per stream; the shorter tiers
// keep three streams busy for inputs down to a few hundred bytes.
constexpr std::size_t kLongStreamBytes = 4096;
constexpr std::size_t kMediumStreamBytes = 512;
constexpr std::size_t kShortStreamBytes = 64;

// ---- AVX-512 VPCLMULQDQ folding ----
//
// Folding (Gopal et al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ",
// Intel 2009) keeps the message as 128-bit lanes reduced only modulo P: a lane A that sits
// N bits before the lane Y it is folded into becomes A*x^N, computed from its two halves
// as A_lo*x^(N+64) + A_hi*x^N with two carry-less multiplies. With the constant convention
// above, clmul(A_lo, x^(N+31)) = A_lo*x^(N+64) and clmul(A_hi, x^(N-33)) = A_hi*x^N.
struct FoldConstants {
  std::uint64_t low;   // multiplies the low 64 bits of a lane
  std::uint64_t high;  // multiplies the high 64 bits
};
constexpr FoldConstants fold_constants(std::uint64_t distance_bits) {
  return FoldConstants{x_pow_mod_p(distance_bits + 31), x_pow_mod_p(distance_bits - 33)};
}

constexpr std::size_t kAvx512BlockBytes = 256;  // four 512-bit registers per loop step
// From 512 bytes on, folding beats three crc32 streams despite its fixed cost (about 40
// cycles of setup and final reduction): 28 against 19 GB/s at 512 bytes on Zen 4. CPUs
// with VPCLMULQDQ (Ice Lake and later, Zen 4) barely lower their clock for 512-bit work.
constexpr std::size_t kAvx512MinBytes = 512;

__attribute__((target("avx512f,vpclmulqdq"))) inline __m512i fold_512(__m512i lanes, __m512i constants,
                                                                      __m512i next) {
  const __m512i low = _mm512_clmulepi64_epi128(lanes, constants, 0x00);
  const __m512i high = _mm512_clmulepi64_epi128(lanes, constants, 0x11);
  return _mm512_ternarylogic_epi64(low, high, next, 0x96);  // low ^ high ^ next
}

// The masked ("maskz") forms of broadcast and extract: GCC 12 warns that the unmasked
// ones read an uninitialised register (they pass _mm512_undefined as the merge source).
__attribute__((target("avx512f"))) inline __m512i broadcast_lane(__m128i lane) {
  return _mm512_maskz_broadcast_i32x4(0xFFFF, lane);
}
template <int kLane>
__attribute__((target("avx512f"))) inline __m128i extract_lane(__m512i lanes) {
  return _mm512_maskz_extracti32x4_epi32(0xF, lanes, kLane);
}

inline __m128i fold_128(__m128i lane, __m128i constants, __m128i next) {
  const __m128i low = _mm_clmulepi64_si128(lane, constants, 0x00);
  const __m128i high = _mm_clmulepi64_si128(lane, constants, 0x11);
  return _mm_xor_si128(_mm_xor_si128(low, high), next);
}

inline __m128i constants_128(FoldConstants k) {
  return _mm_set_epi64x(static_cast<long long>(k.high), static_cast<long long>(k.low));
}

// Folds `block_count` >= 1 blocks of kAvx512BlockBytes and returns the CRC register.
__attribute__((target("avx512f,vpclmulqdq"))) std::uint32_t fold_avx512(std::uint32_t state,
                                                                        const std::uint8_t* data,
                                                                        std::size_t block_count) {
  __m512i x0 = _mm512_loadu_si512(data);
  __m512i x1 = _mm512_loadu_si512(data + 64);
  __m512i x2 = _mm512_loadu_si512(data + 128);
  __m512i x3 = _mm512_loadu_si512(data + 192);
  // The incoming register is XORed into the first 32 message bits (see crc32c.cpp's
  // conditioning: a register S before a message M is the same as S added to M's start).
  x0 = _mm512_xor_si512(
      x0, _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<int>(state)));
  data += kAvx512BlockBytes;

  constexpr FoldConstants k2048 = fold_constants(8 * kAvx512BlockBytes);
  const __m512i fold_block = broadcast_lane(constants_128(k2048));
  for (std::size_t block = 1; block < block_count; ++block) {
    x0 = fold_512(x0, fold_block, _mm512_loadu_si512(data));
    x1 = fold_512(x1, fold_block, _mm512_loadu_si512(data + 64));
    x2 = fold_512(x2, fold_block, _mm512_loadu_si512(data + 128));
    x3 = fold_512(x3, fold_block, _mm512_loadu_si512(data + 192));
    data += kAvx512BlockBytes;
  }

  // Four registers into one: each is 512 bits before the next.
  constexpr FoldConstants k512 = fold_constants(512);
  const __m512i fold_register = broadcast_lane(constants_128(k512));
  x1 = fold_512(x0, fold_register, x1);
  x2 = fold_512(x1, fold_register, x2);
  x3 = fold_512(x2, fold_register, x3);

  // Four lanes into one: lane i is 128*(3-i) bits before lane 3.
  __m128i lane = extract_lane<3>(x3);
  lane = fold_128(extract_lane<2>(x3), constants_128(fold_constants(128)), lane);
  lane = fold_128(extract_lane<1>(x3), constants_128(fold_constants(256)), lane);
  lane = fold_128(extract_lane<0>(x3), constants_128(fold_constants(384)), lane);

  // The register after a 128-bit lane L that ends the message is L*x^32 mod P: two crc32
  // steps, since crc32_u64(crc32_u64(0, lo), hi) = (L_lo*x^64 + L_hi)*x^32.
  const auto low = static_cast<std::uint64_t>(_mm_cvtsi128_si64(lane));
  const auto high = static_cast<std::uint64_t>(_mm_extract_epi64(lane, 1));
  return static_cast<std::uint32_t>(_mm_crc32_u64(_mm_crc32_u64(0, low), high));
}

}  // namespace

std::uint32_t crc32c_update_sse42(std::uint32_t state, const std::uint8_t* data, std::size_t size) {
  return serial(state, data, size);
}

std::uint32_t crc32c_update_sse42_pclmul(std::uint32_t state, const std::uint8_t* data, std::size_t size) {
  if (size >= 3 * kShortStreamBytes) {
    state = ThreeWay<kLongStreamBytes>::run(state, data, size);
    state = ThreeWay<kMediumStreamBytes>::run(state, data, size);
    state = ThreeWay<kShortStreamBytes>::run(state, data, size);
  }
  return serial(state, data, size);
}

std::uint32_t crc32c_update_avx512(std::uint32_t state, const std::uint8_t* data, std::size_t size) {
  if (size >= kAvx512MinBytes) {
    const std::size_t block_count = size / kAvx512BlockBytes;
    state = fold_avx512(state, data, block_count);
    data += block_count * kAvx512BlockBytes;
    size -= block_count * kAvx512BlockBytes;
  }
  return crc32c_update_sse42_pclmul(state, data, size);
}

}  // namespace ff::hash::internal

#endif  // defined(__x86_64__)
