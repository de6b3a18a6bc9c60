#include "core/hash/crc32c.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/hex.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::hash {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

std::vector<Crc32cPath> available_paths() {
  std::vector<Crc32cPath> paths;
  for (Crc32cPath path : kAllCrc32cPaths) {
    if (crc32c_path_available(path)) paths.push_back(path);
  }
  return paths;
}

Bytes random_bytes(Rng& rng, std::size_t size) {
  Bytes bytes(size);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(rng.next());
  return bytes;
}

struct Vector {
  const char* name;
  Bytes data;
  std::uint32_t expected;
};

std::vector<Vector> known_vectors() {
  Bytes ascending(32), descending(32);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<std::uint8_t>(i);
    descending[i] = static_cast<std::uint8_t>(31 - i);
  }
  // RFC 3720 B.4: a 48-byte iSCSI SCSI Read (10) command PDU.
  const Bytes iscsi_read = *codec::hex_decode(
      "01c00000000000000000000000000000"
      "14000000000004000000001400000018"
      "28000000000000000200000000000000");
  return {
      {"32 zero bytes", Bytes(32, 0x00), 0x8A9136AAu},
      {"32 0xFF bytes", Bytes(32, 0xFF), 0x62A8AB43u},
      {"0..31 ascending", ascending, 0x46DD794Eu},
      {"31..0 descending", descending, 0x113FDB5Cu},
      {"iSCSI read command", iscsi_read, 0xD9963A56u},
      {"123456789", to_bytes("123456789"), 0xE3069283u},
      {"empty", Bytes{}, 0x00000000u},
  };
}

TEST(Crc32c, Rfc3720AndCheckVectorsOnEveryPath) {
  for (const Vector& v : known_vectors()) {
    EXPECT_EQ(crc32c(v.data), v.expected) << v.name;
    EXPECT_EQ(crc32c_portable(v.data), v.expected) << v.name;
    for (Crc32cPath path : available_paths()) {
      EXPECT_EQ(crc32c_extend_with(path, 0, v.data), v.expected)
          << v.name << " via " << crc32c_path_name(path);
    }
  }
}

TEST(Crc32c, ChosenPathIsAvailableAndNamed) {
  EXPECT_TRUE(crc32c_path_available(crc32c_chosen_path()));
  EXPECT_STREQ(crc32c_path_name(), crc32c_path_name(crc32c_chosen_path()));
  EXPECT_EQ(crc32c_hardware_available(), crc32c_chosen_path() != Crc32cPath::kPortable);
#if defined(__EMSCRIPTEN__)
  EXPECT_EQ(crc32c_chosen_path(), Crc32cPath::kPortable);
#endif
}

TEST(Crc32c, EveryPathMatchesPortableForEveryLengthUpTo4096AndEveryMisalignment) {
  Rng rng(property_seeds(1)[0]);
  const Bytes buffer = random_bytes(rng, 4096 + 64);
  for (Crc32cPath path : available_paths()) {
    for (std::size_t misalignment : {0, 1, 3, 7, 13}) {
      for (std::size_t length = 0; length <= 4096; ++length) {
        const ByteView data = ByteView(buffer).subspan(misalignment, length);
        ASSERT_EQ(crc32c_extend_with(path, 0, data), crc32c_portable(data))
            << crc32c_path_name(path) << " length " << length << " misalignment " << misalignment;
      }
    }
  }
}

TEST(Crc32c, EveryPathMatchesPortableOnRandomLengthsUpTo2MiB) {
  for (std::uint64_t seed : property_seeds(4)) {
    Rng rng(seed);
    for (int round = 0; round < 4; ++round) {
      const std::size_t length = rng.below(2 * 1024 * 1024 + 1);
      const std::size_t misalignment = rng.below(64);
      const Bytes buffer = random_bytes(rng, length + misalignment);
      const ByteView data = ByteView(buffer).subspan(misalignment);
      const std::uint32_t start = static_cast<std::uint32_t>(rng.next());
      const std::uint32_t expected = crc32c_portable_extend(start, data);
      for (Crc32cPath path : available_paths()) {
        ASSERT_EQ(crc32c_extend_with(path, start, data), expected)
            << crc32c_path_name(path) << " length " << length << " " << seed_note(seed);
      }
    }
  }
}

TEST(Crc32c, ExtendingInPiecesEqualsTheWhole) {
  for (std::uint64_t seed : property_seeds(10)) {
    Rng rng(seed);
    const Bytes data = random_bytes(rng, rng.below(20000));
    const std::uint32_t whole = crc32c(data);
    for (int round = 0; round < 20; ++round) {
      const std::size_t split = rng.below(data.size() + 1);
      const ByteView a = ByteView(data).first(split);
      const ByteView b = ByteView(data).subspan(split);
      ASSERT_EQ(crc32c_extend(crc32c(a), b), whole) << "split " << split << " " << seed_note(seed);
      ASSERT_EQ(crc32c_portable_extend(crc32c_portable(a), b), whole) << seed_note(seed);
      for (Crc32cPath path : available_paths()) {
        ASSERT_EQ(crc32c_extend_with(path, crc32c_extend_with(path, 0, a), b), whole)
            << crc32c_path_name(path) << " " << seed_note(seed);
      }
    }
    EXPECT_EQ(crc32c_extend(0, data), whole);
  }
}

TEST(Crc32c, LongRunsOfZerosAndOnesMatchPortable) {
  // Structured inputs catch folding constants that random data might average out.
  for (std::uint8_t fill : {std::uint8_t{0x00}, std::uint8_t{0xFF}}) {
    const Bytes data(100000, fill);
    for (Crc32cPath path : available_paths()) {
      EXPECT_EQ(crc32c_extend_with(path, 0, data), crc32c_portable(data)) << crc32c_path_name(path);
    }
  }
}

TEST(Crc32c, MaskRoundTripsAndChangesTheValue) {
  for (std::uint32_t crc : {0u, 1u, 0xFFFFFFFFu, 0xE3069283u, 0x8A9136AAu, 0xa282ead8u}) {
    EXPECT_EQ(unmask_crc(mask_crc(crc)), crc);
    EXPECT_NE(mask_crc(crc), crc);
    EXPECT_NE(mask_crc(mask_crc(crc)), mask_crc(crc));
  }
  Rng rng(property_seeds(1)[0]);
  for (int i = 0; i < 10000; ++i) {
    const auto crc = static_cast<std::uint32_t>(rng.next());
    ASSERT_EQ(unmask_crc(mask_crc(crc)), crc);
    ASSERT_NE(mask_crc(crc), crc);
  }
}

TEST(Crc32c, MaskMatchesLevelDbDefinition) {
  // LevelDB crc32c::Mask: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
  EXPECT_EQ(mask_crc(0), 0xa282ead8u);
  EXPECT_EQ(mask_crc(0x00008000u), 0xa282ead9u);  // bit 15 rotates to bit 0
  EXPECT_EQ(mask_crc(0xE3069283u), ((0xE3069283u >> 15) | (0xE3069283u << 17)) + 0xa282ead8u);
}

}  // namespace
}  // namespace ff::hash
