#include "net/identity/peer_id.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <unordered_set>

#include "core/codec/hex.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

Bytes hex(std::string_view text) { return codec::hex_decode(text).value(); }
std::string hex(ByteView bytes) { return codec::hex_encode(bytes); }

// The Ed25519 public key of the libp2p specs' peer-ids.md test vectors, and the peer ID
// js-libp2p (@libp2p/peer-id 6) derives from it (shared/notes/libp2p-interop.md section 4).
constexpr const char* kSpecEd25519Public =
    "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
constexpr const char* kSpecPeerIdHex =
    "0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
constexpr const char* kSpecPeerIdBase58 = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
constexpr const char* kSpecPeerIdCid = "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6";

// The RSA public key of the same test vectors: 298 bytes encoded, so it is hashed.
constexpr const char* kSpecRsaPublic =
    "080012a60430820222300d06092a864886f70d01010105000382020f003082020a0282020100e1beab071d08200bde24eef00d04"
    "9449b07770"
    "ff9910257b2d7d5dda242ce8f0e2f12e1af4b32d9efd2c090f66b0f29986dbb645dae9880089704a94e5066d594162ae6ee8892e"
    "6ec70701"
    "db0a6c445c04778eb3de1293aa1a23c3825b85c6620a2bc3f82f9b0c309bc0ab3aeb1873282bebd3da03c33e76c21e9beb172fd4"
    "4c9e43be"
    "32e2c99827033cf8d0f0c606f4579326c930eb4e854395ad941256542c793902185153c474bed109d6ff5141ebf9cd256cf58893"
    "a37f8372"
    "9f97e7cb435ec679d2e33901d27bb35aa0d7e20561da08885ef0abbf8e2fb48d6a5487047a9ecb1ad41fa7ed84f6e3e8ecd5d98b"
    "3982d2a9"
    "01b4454991766da295ab78822add5612a2df83bcee814cf50973e80d7ef38111b1bd87da2ae92438a2c8cbcc70b31ee319939a3b"
    "9c761dbc"
    "13b5c086d6b64bf7ae7dacc14622375d92a8ff9af7eb962162bbddebf90acb32adb5e4e4029f1c96019949ecfbfeffd7ac1e3fbc"
    "c6b6168c3"
    "4be3d5a2e5999fcbb39bba7adbca78eab09b9bc39f7fa4b93411f4cc175e70c0a083e96bfaefb04a9580b4753c1738a6a760ae1a"
    "fd851a1a"
    "4bdad231cf56e9284d832483df215a46c1c21bdf0c6cfe951c18f1ee4078c79c13d63edb6e14feaeffabc90ad317e4875fe64810"
    "1b086409"
    "7e998f0ca3025ef9638cd2b0caecd3770ab54a1d9c6ca959b0f5dcbc90caeefc4135baca6fd475224269bbe1b0203010001";
// sha2-256 multihash of kSpecRsaPublic, computed independently (Python hashlib + base58).
constexpr const char* kSpecRsaPeerIdBase58 = "QmaeANgBs1DTSxWSrPPtobgQuxW8XTfsS4ydbK4rCHzqxG";

// peer-ids.md "Decoding" examples: one sha256 peer ID in both text forms, and an Ed25519 one.
constexpr const char* kSpecExampleCid = "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe";
constexpr const char* kSpecExampleBase58 = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
constexpr const char* kSpecExampleEd25519 = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

TEST(PeerId, SpecEd25519KeyGivesTheKnownIdInAllForms) {
  const PublicKey key = PublicKey::decode(hex(kSpecEd25519Public)).value();
  const PeerId id = PeerId::from_public_key(key);
  EXPECT_EQ(hex(id.bytes()), kSpecPeerIdHex);
  EXPECT_EQ(id.to_base58(), kSpecPeerIdBase58);
  EXPECT_EQ(id.to_string(), kSpecPeerIdBase58);
  EXPECT_EQ(id.to_cid(), kSpecPeerIdCid);
  EXPECT_TRUE(id.has_inline_key());
  EXPECT_TRUE(id.matches(key));
}

TEST(PeerId, BothTextFormsParseToTheSameId) {
  auto from_base58 = PeerId::parse(kSpecPeerIdBase58);
  auto from_cid = PeerId::parse(kSpecPeerIdCid);
  ASSERT_TRUE(from_base58.ok()) << from_base58.error().message;
  ASSERT_TRUE(from_cid.ok()) << from_cid.error().message;
  EXPECT_EQ(*from_base58, *from_cid);
  EXPECT_EQ(hex(from_base58->bytes()), kSpecPeerIdHex);

  auto example_cid = PeerId::parse(kSpecExampleCid);
  auto example_base58 = PeerId::parse(kSpecExampleBase58);
  ASSERT_TRUE(example_cid.ok()) << example_cid.error().message;
  ASSERT_TRUE(example_base58.ok()) << example_base58.error().message;
  EXPECT_EQ(*example_cid, *example_base58);
  EXPECT_EQ(example_cid->to_cid(), kSpecExampleCid);
  EXPECT_EQ(example_base58->to_base58(), kSpecExampleBase58);
}

TEST(PeerId, UpperCaseBase32CidParses) {
  // Multibase 'B' is the same CID in upper-case base32.
  std::string upper = "B";
  for (char c : std::string(kSpecPeerIdCid).substr(1)) upper += static_cast<char>(std::toupper(c));
  auto id = PeerId::parse(upper);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->to_base58(), kSpecPeerIdBase58);
}

TEST(PeerId, InlineKeyIsExtracted) {
  auto id = PeerId::parse(kSpecPeerIdBase58).value();
  auto key = id.public_key();
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(hex(key->encode()), kSpecEd25519Public);

  auto example = PeerId::parse(kSpecExampleEd25519).value();
  auto example_key = example.public_key();
  ASSERT_TRUE(example_key.ok());
  EXPECT_EQ(PeerId::from_public_key(*example_key), example);
}

TEST(PeerId, LongKeysAreHashedAndHaveNoInlineKey) {
  auto id = PeerId::from_encoded_public_key(hex(kSpecRsaPublic));
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->to_base58(), kSpecRsaPeerIdBase58);
  EXPECT_EQ(id->bytes().size(), 34u);
  EXPECT_FALSE(id->has_inline_key());
  EXPECT_EQ(id->public_key().error().code, Errc::kNotFound);
  auto parsed = PeerId::parse(kSpecRsaPeerIdBase58);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, *id);
}

TEST(PeerId, EncodedKeyOfASupportedTypeMustBeValid) {
  auto short_key = PeerId::from_encoded_public_key(hex("08011209fef10e42d402000000"));
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().code, Errc::kInvalidInput);
}

TEST(PeerId, InlineKeyOfUnsupportedTypeIsAValidIdButNotAUsableKey) {
  // The spec's secp256k1 key encodes to 37 bytes, so it is inlined.
  auto id = PeerId::from_encoded_public_key(
      hex("08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99"));
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->has_inline_key());
  auto reparsed = PeerId::parse(id->to_base58());
  ASSERT_TRUE(reparsed.ok()) << reparsed.error().message;
  EXPECT_EQ(*reparsed, *id);
  EXPECT_EQ(id->public_key().error().code, Errc::kUnsupported);
}

TEST(PeerId, FromBytesRejectsInvalidMultihashes) {
  const std::string key = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
  struct Case {
    std::string name;
    std::string hex;
    Errc code;
  };
  const std::vector<Case> cases = {
      {"empty", "", Errc::kTruncated},
      {"code only", "00", Errc::kTruncated},
      {"sha1 code", "1114" + std::string(40, '0'), Errc::kInvalidInput},
      {"sha2-512 code", "1340" + std::string(128, '0'), Errc::kInvalidInput},
      {"identity, length too long", "0025" + key, Errc::kTruncated},
      {"identity, trailing byte", "0024" + key + "00", Errc::kInvalidInput},
      {"identity over 42 bytes", "002b" + std::string(86, '0'), Errc::kInvalidInput},
      {"identity digest not a key", "0004deadbeef", Errc::kInvalidInput},
      {"identity, non-canonical key",
       "0025"
       "08011220" +
           key.substr(8) + "1800",
       Errc::kInvalidInput},
      // Found by fuzz_peer_id: an inlined Ed25519 key of 9 bytes is not a key.
      {"identity, short Ed25519 key",
       "000d"
       "08011209"
       "fef10e42d402000000",
       Errc::kInvalidInput},
      {"sha256 of 31 bytes", "121f" + std::string(62, '0'), Errc::kInvalidInput},
      {"sha256 truncated", "1220" + std::string(62, '0'), Errc::kTruncated},
      {"non-minimal code varint",
       "8000"
       "24" +
           key,
       Errc::kInvalidInput},
  };
  for (const Case& c : cases) {
    auto id = PeerId::from_bytes(hex(c.hex));
    ASSERT_FALSE(id.ok()) << c.name;
    EXPECT_EQ(id.error().code, c.code) << c.name << ": " << id.error().message;
  }
  EXPECT_TRUE(PeerId::from_bytes(hex("0024" + key)).ok());
  EXPECT_TRUE(PeerId::from_bytes(hex("1220" + std::string(64, '0'))).ok());
}

TEST(PeerId, ParseRejectsBadText) {
  const std::string valid = kSpecPeerIdBase58;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"base58 with 0", "12D3KooW0tg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"},
      {"base58 with l", "12D3KooWltg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"},
      {"base58 truncated", valid.substr(0, valid.size() - 1)},
      {"base58 extended", valid + "1"},
      {"unknown text", "hello"},
      {"CIDv1 of another codec (dag-pb 0x70)", "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"},
      {"CID with bad base32", "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt1"},
      {"overlong text", std::string(kMaxPeerIdTextChars + 1, '1')},
  };
  for (const auto& [name, text] : cases) {
    auto id = PeerId::parse(text);
    EXPECT_FALSE(id.ok()) << name << " parsed as " << (id.ok() ? id->to_base58() : "");
  }
  // Flipping any one character of a valid ID yields an error or another ID, never this one.
  for (std::size_t i = 0; i < valid.size(); ++i) {
    std::string text = valid;
    text[i] = text[i] == 'x' ? 'y' : 'x';
    auto id = PeerId::parse(text);
    if (id.ok()) {
      EXPECT_NE(id->to_base58(), valid) << "position " << i;
    }
  }
}

TEST(PeerId, RandomKeysRoundTripThroughBothTextForms) {
  for (std::uint64_t seed : testing::property_seeds(32)) {
    Rng rng(seed);
    Bytes seed_bytes(32);
    for (auto& byte : seed_bytes) byte = static_cast<std::uint8_t>(rng.next());
    const PrivateKey key(Ed25519KeyPair::from_seed(seed_bytes).value());
    const PeerId id = PeerId::from_public_key(key.public_key());
    ASSERT_EQ(id.to_base58().substr(0, 8), "12D3KooW") << testing::seed_note(seed);
    auto via_base58 = PeerId::parse(id.to_base58());
    auto via_cid = PeerId::parse(id.to_cid());
    auto via_bytes = PeerId::from_bytes(id.bytes());
    ASSERT_TRUE(via_base58.ok() && via_cid.ok() && via_bytes.ok()) << testing::seed_note(seed);
    EXPECT_EQ(*via_base58, id) << testing::seed_note(seed);
    EXPECT_EQ(*via_cid, id) << testing::seed_note(seed);
    EXPECT_EQ(*via_bytes, id) << testing::seed_note(seed);
    EXPECT_EQ(via_base58->public_key().value(), key.public_key()) << testing::seed_note(seed);
  }
}

TEST(PeerId, EqualityHashAndOrderFollowTheBytes) {
  const PeerId a = PeerId::parse(kSpecPeerIdBase58).value();
  const PeerId b = PeerId::parse(kSpecExampleEd25519).value();
  const PeerId a_again = PeerId::parse(kSpecPeerIdCid).value();
  EXPECT_EQ(a, a_again);
  EXPECT_NE(a, b);
  EXPECT_EQ(std::hash<PeerId>{}(a), std::hash<PeerId>{}(a_again));
  std::unordered_set<PeerId> set{a, b, a_again};
  EXPECT_EQ(set.size(), 2u);
  std::map<PeerId, int> ordered{{a, 1}, {b, 2}};
  EXPECT_EQ(ordered.size(), 2u);
  EXPECT_TRUE((a < b) != (b < a));
  EXPECT_FALSE(a < a_again);
  // Bytes compare unsigned: 0x7f sorts before 0x80.
  const PeerId low = PeerId::from_bytes(hex("1220"
                                            "7f" +
                                            std::string(62, '0')))
                         .value();
  const PeerId high = PeerId::from_bytes(hex("1220"
                                             "80" +
                                             std::string(62, '0')))
                          .value();
  EXPECT_TRUE(low < high);
  EXPECT_FALSE(high < low);
}

}  // namespace
}  // namespace ff::net
