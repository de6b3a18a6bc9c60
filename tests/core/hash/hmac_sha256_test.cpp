#include "core/hash/hmac_sha256.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/hex.hpp"

namespace ff::hash {
namespace {

Bytes repeat(std::uint8_t byte, std::size_t count) { return Bytes(count, byte); }

std::string hex(ByteView bytes) { return codec::hex_encode(bytes); }

struct Rfc4231Case {
  const char* name;
  Bytes key;
  Bytes data;
  const char* expected;  // full 32-byte tag, or a prefix for the truncated case 5
};

// RFC 4231 section 4, test cases 1-7.
std::vector<Rfc4231Case> rfc4231_cases() {
  Bytes key_1_to_25;
  for (std::uint8_t i = 1; i <= 25; ++i) key_1_to_25.push_back(i);
  return {
      {"1: 20-byte key", repeat(0x0b, 20), to_bytes("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"2: key shorter than the tag", to_bytes("Jefe"), to_bytes("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"3: 50 bytes of 0xdd", repeat(0xaa, 20), repeat(0xdd, 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"4: 25-byte key", key_1_to_25, repeat(0xcd, 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"5: truncated to 128 bits", repeat(0x0c, 20), to_bytes("Test With Truncation"),
       "a3b6167473100ee06e0c796c2955552b"},
      {"6: 131-byte key, hashed first", repeat(0xaa, 131),
       to_bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"7: 131-byte key and long data", repeat(0xaa, 131),
       to_bytes(
           "This is a test using a larger than block-size key and a larger than block-size data. The key "
           "needs to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
}

TEST(HmacSha256, Rfc4231TestCases) {
  for (const Rfc4231Case& c : rfc4231_cases()) {
    const HmacSha256Tag tag = hmac_sha256(c.key, c.data);
    const std::string expected = c.expected;
    EXPECT_EQ(hex(ByteView(tag).first(expected.size() / 2)), expected) << c.name;
  }
}

TEST(HmacSha256, TruncatedCaseFiveDiffersInTheDroppedHalfToo) {
  // Case 5 gives only the first 128 bits; check we did not compute a tag whose first half
  // merely happens to match (the full tag's second half is fixed by the first anyway, but
  // a zeroed or repeated second half would be a bug).
  const HmacSha256Tag tag = hmac_sha256(repeat(0x0c, 20), to_bytes("Test With Truncation"));
  EXPECT_NE(hex(ByteView(tag).subspan(16)), "a3b6167473100ee06e0c796c2955552b");
  EXPECT_NE(hex(ByteView(tag).subspan(16)), std::string(32, '0'));
}

TEST(HmacSha256, IncrementalMatchesOneShotAndRestarts) {
  for (const Rfc4231Case& c : rfc4231_cases()) {
    HmacSha256 mac(c.key);
    for (std::size_t split = 0; split <= c.data.size(); split += 3) {
      mac.update(ByteView(c.data).first(split));
      mac.update(ByteView(c.data).subspan(split));
      EXPECT_EQ(mac.finish(), hmac_sha256(c.key, c.data)) << c.name << " split " << split;
    }
  }
}

TEST(HmacSha256, KeyOfExactlyOneBlockIsNotHashed) {
  // A 64-byte key is used as is; hashing it would give the tag of sha256(key) instead.
  const Bytes key = repeat(0x61, 64);
  const Sha256Digest hashed_key = sha256(key);
  EXPECT_NE(hmac_sha256(key, to_bytes("m")), hmac_sha256(hashed_key, to_bytes("m")));
  // A 65-byte key is hashed, so it equals the MAC under its digest.
  const Bytes long_key = repeat(0x61, 65);
  EXPECT_EQ(hmac_sha256(long_key, to_bytes("m")), hmac_sha256(sha256(long_key), to_bytes("m")));
}

TEST(HmacSha256, TagsEqualComparesEveryByte) {
  HmacSha256Tag a = hmac_sha256(to_bytes("k"), to_bytes("m"));
  HmacSha256Tag b = a;
  EXPECT_TRUE(tags_equal(a, b));
  b[31] ^= 1;
  EXPECT_FALSE(tags_equal(a, b));
  b = a;
  b[0] ^= 0x80;
  EXPECT_FALSE(tags_equal(a, b));
}

}  // namespace
}  // namespace ff::hash
