#include "core/hash/sha256.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/codec/hex.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::hash {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

std::string hex(const Sha256Digest& digest) { return codec::hex_encode(digest); }

// FIPS 180-4 examples (NIST "SHA256.pdf", "SHA2_Additional.pdf").
TEST(Sha256, Fips180OneBlockMessageAbc) {
  EXPECT_EQ(hex(sha256(as_bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, Fips180TwoBlockMessage448Bits) {
  EXPECT_EQ(hex(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, Message896Bits) {
  EXPECT_EQ(hex(sha256(as_bytes(
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopq"
                "rlmnopqrsmnopqrstnopqrstu"))),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, EmptyMessage) {
  EXPECT_EQ(hex(sha256(ByteView{})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, OneMillionLetterA) {
  const std::string million(1000000, 'a');
  EXPECT_EQ(hex(sha256(as_bytes(million))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // The same message fed in 1000 uneven pieces.
  Sha256 hasher;
  std::size_t offset = 0;
  for (std::size_t piece = 1; offset < million.size(); ++piece) {
    const std::size_t length = std::min(piece * 7 % 1500, million.size() - offset);
    hasher.update(as_bytes(std::string_view(million).substr(offset, length)));
    offset += length;
  }
  EXPECT_EQ(hex(hasher.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PaddingBoundaryLengths) {
  // 55 bytes fit the length in the same block; 56 need a second block; 64 a full block.
  EXPECT_EQ(hex(sha256(as_bytes(std::string(55, 'a')))),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(hex(sha256(as_bytes(std::string(56, 'a')))),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(hex(sha256(as_bytes(std::string(64, 'a')))),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST(Sha256, SplittingAtEveryOffsetGivesTheSameDigest) {
  for (std::uint64_t seed : property_seeds(3)) {
    Rng rng(seed);
    Bytes message(300);
    for (auto& byte : message) byte = static_cast<std::uint8_t>(rng.next());
    const Sha256Digest whole = sha256(message);
    for (std::size_t split = 0; split <= message.size(); ++split) {
      Sha256 hasher;
      hasher.update(ByteView(message).first(split));
      hasher.update(ByteView(message).subspan(split));
      ASSERT_EQ(hasher.finish(), whole) << "split at " << split << " " << seed_note(seed);
    }
    // Two splits, so a middle piece shorter than a block lands at every buffer offset.
    for (std::size_t first = 0; first <= 130; ++first) {
      for (std::size_t second = first; second <= first + 70; ++second) {
        Sha256 hasher;
        hasher.update(ByteView(message).first(first));
        hasher.update(ByteView(message).subspan(first, second - first));
        hasher.update(ByteView(message).subspan(second));
        ASSERT_EQ(hasher.finish(), whole) << first << "/" << second << " " << seed_note(seed);
      }
    }
  }
}

TEST(Sha256, FinishResetsForTheNextMessage) {
  Sha256 hasher;
  hasher.update(as_bytes("something else"));
  (void)hasher.finish();
  hasher.update(as_bytes("abc"));
  EXPECT_EQ(hex(hasher.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(hasher.finish()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace ff::hash
