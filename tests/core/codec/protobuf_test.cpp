#include "core/codec/protobuf.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/codec/hex.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::codec {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

Bytes from_hex(std::string_view text) {
  auto bytes = hex_decode(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : Bytes{};
}

// Reads every field of `input`, or returns the first error.
Result<std::vector<ProtoField>> read_all(ByteView input) {
  ProtoReader reader(input);
  std::vector<ProtoField> fields;
  while (true) {
    FF_TRY_ASSIGN(std::optional<ProtoField> field, reader.next());
    if (!field) return fields;
    fields.push_back(*field);
  }
}

Error first_error(ByteView input) {
  auto fields = read_all(input);
  EXPECT_FALSE(fields.ok()) << "expected an error for " << hex_encode(input);
  return fields.ok() ? Error{Errc::kNotFound, "no error"} : fields.error();
}

// A message assembled by hand, byte by byte, from the protobuf encoding documentation.
const char* const kHandBuiltMessage =
    "089601"              // field 1, varint 150
    "120774657374696e67"  // field 2, length-delimited "testing"
    "190807060504030201"  // field 3, fixed64 0x0102030405060708
    "2504030201"          // field 4, fixed32 0x01020304
    "2a03019601"          // field 5, packed varints [1, 150]
    "3203089601"          // field 6, nested message {1: 150}
    "3803"                // field 7, sint64 -2 (ZigZag 3)
    "f8ffffff0f01";       // field 536870911 (the largest), varint 1

TEST(ProtoReader, HandBuiltMessageDecodesFieldByField) {
  const Bytes input = from_hex(kHandBuiltMessage);
  ProtoReader reader(input);

  auto f1 = reader.next();
  ASSERT_TRUE(f1.ok() && f1->has_value());
  EXPECT_EQ((*f1)->number, 1u);
  EXPECT_EQ((*f1)->wire_type, WireType::kVarint);
  EXPECT_EQ(*(*f1)->as_uint64(), 150u);

  auto f2 = reader.next();
  ASSERT_TRUE(f2.ok() && f2->has_value());
  EXPECT_EQ((*f2)->number, 2u);
  EXPECT_EQ(*(*f2)->as_string(), "testing");
  // Zero copy: the view points into the input buffer.
  EXPECT_EQ((*f2)->bytes.data(), input.data() + 5);

  auto f3 = reader.next();
  ASSERT_TRUE(f3.ok() && f3->has_value());
  EXPECT_EQ((*f3)->number, 3u);
  EXPECT_EQ(*(*f3)->as_fixed64(), 0x0102030405060708ULL);

  auto f4 = reader.next();
  ASSERT_TRUE(f4.ok() && f4->has_value());
  EXPECT_EQ((*f4)->number, 4u);
  EXPECT_EQ(*(*f4)->as_fixed32(), 0x01020304u);

  auto f5 = reader.next();
  ASSERT_TRUE(f5.ok() && f5->has_value());
  EXPECT_EQ((*f5)->number, 5u);
  PackedVarintReader packed(*(*f5)->as_bytes());
  EXPECT_EQ(**packed.next(), 1u);
  EXPECT_EQ(**packed.next(), 150u);
  auto packed_end = packed.next();
  ASSERT_TRUE(packed_end.ok());
  EXPECT_FALSE(packed_end->has_value());

  auto f6 = reader.next();
  ASSERT_TRUE(f6.ok() && f6->has_value());
  EXPECT_EQ((*f6)->number, 6u);
  ProtoReader nested(*(*f6)->as_bytes());
  auto inner = nested.next();
  ASSERT_TRUE(inner.ok() && inner->has_value());
  EXPECT_EQ((*inner)->number, 1u);
  EXPECT_EQ(*(*inner)->as_uint64(), 150u);
  EXPECT_TRUE(nested.done());

  auto f7 = reader.next();
  ASSERT_TRUE(f7.ok() && f7->has_value());
  EXPECT_EQ((*f7)->number, 7u);
  EXPECT_EQ(*(*f7)->as_sint64(), -2);

  auto f8 = reader.next();
  ASSERT_TRUE(f8.ok() && f8->has_value());
  EXPECT_EQ((*f8)->number, kMaxProtoFieldNumber);
  EXPECT_EQ(*(*f8)->as_bool(), true);

  auto end = reader.next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
  EXPECT_TRUE(reader.done());
}

TEST(ProtoWriter, ReproducesTheHandBuiltMessage) {
  ProtoWriter nested;
  nested.write_uint64(1, 150);
  ProtoWriter writer;
  writer.write_uint64(1, 150);
  writer.write_string(2, "testing");
  writer.write_fixed64(3, 0x0102030405060708ULL);
  writer.write_fixed32(4, 0x01020304);
  const std::uint64_t packed[] = {1, 150};
  writer.write_packed_varints(5, packed);
  writer.write_message(6, nested);
  writer.write_sint64(7, -2);
  writer.write_bool(kMaxProtoFieldNumber, true);
  EXPECT_EQ(hex_encode(writer.bytes()), kHandBuiltMessage);
}

TEST(ProtoReader, Libp2pEd25519PublicKeyFromThePeerIdSpec) {
  // PublicKey { Type = Ed25519 (1), Data = 32 bytes }, the libp2p peer-ids spec test vector.
  const Bytes input = from_hex("080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
  auto fields = read_all(input);
  ASSERT_TRUE(fields.ok()) << fields.error().message;
  ASSERT_EQ(fields->size(), 2u);
  EXPECT_EQ((*fields)[0].number, 1u);
  EXPECT_EQ(*(*fields)[0].as_int32(), 1);
  EXPECT_EQ((*fields)[1].number, 2u);
  EXPECT_EQ(hex_encode(*(*fields)[1].as_bytes()),
            "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
}

TEST(ProtoWriter, NegativeInt32IsSignExtendedToTenBytes) {
  ProtoWriter writer;
  writer.write_int32(1, -1);
  EXPECT_EQ(hex_encode(writer.bytes()), "08ffffffffffffffffff01");
  auto fields = read_all(writer.bytes());
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(*(*fields)[0].as_int32(), -1);
  EXPECT_EQ(*(*fields)[0].as_int64(), -1);
}

TEST(ProtoWriter, SignedAndFloatingKindsRoundTrip) {
  ProtoWriter writer;
  writer.write_sint32(1, std::numeric_limits<std::int32_t>::min());
  writer.write_sfixed32(2, -7);
  writer.write_sfixed64(3, std::numeric_limits<std::int64_t>::min());
  writer.write_double(4, -0.5);
  writer.write_float(5, 3.25f);
  writer.write_uint32(6, std::numeric_limits<std::uint32_t>::max());
  writer.write_enum(7, 3);
  writer.write_int64(8, std::numeric_limits<std::int64_t>::min());
  auto fields = read_all(writer.bytes());
  ASSERT_TRUE(fields.ok()) << fields.error().message;
  ASSERT_EQ(fields->size(), 8u);
  EXPECT_EQ(*(*fields)[0].as_sint32(), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(*(*fields)[1].as_sfixed32(), -7);
  EXPECT_EQ(*(*fields)[2].as_sfixed64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(*(*fields)[3].as_double(), -0.5);
  EXPECT_EQ(*(*fields)[4].as_float(), 3.25f);
  EXPECT_EQ(*(*fields)[5].as_uint32(), std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(*(*fields)[6].as_int32(), 3);
  EXPECT_EQ(*(*fields)[7].as_int64(), std::numeric_limits<std::int64_t>::min());
}

TEST(ProtoWriter, EmptyPackedListWritesNothingButEmptyMessageIsWritten) {
  ProtoWriter writer;
  writer.write_packed_varints(1, std::span<const std::uint64_t>());
  EXPECT_EQ(writer.size(), 0u);
  writer.write_message(2, ProtoWriter());
  EXPECT_EQ(hex_encode(writer.bytes()), "1200");
}

TEST(ProtoWriter, PackedSint64IsZigZagEncoded) {
  ProtoWriter writer;
  const std::int64_t values[] = {0, -1, 1, -64};
  writer.write_packed_sint64(4, values);
  EXPECT_EQ(hex_encode(writer.bytes()), "22040001027f");
}

TEST(ProtoField, AccessorsRejectTheWrongWireType) {
  ProtoWriter writer;
  writer.write_string(1, "text");
  writer.write_uint64(2, 5);
  auto fields = read_all(writer.bytes());
  ASSERT_TRUE(fields.ok());
  const ProtoField& text = (*fields)[0];
  const ProtoField& number = (*fields)[1];
  EXPECT_EQ(text.as_uint64().error().code, Errc::kInvalidInput);
  EXPECT_EQ(text.as_fixed32().error().code, Errc::kInvalidInput);
  EXPECT_EQ(number.as_bytes().error().code, Errc::kInvalidInput);
  EXPECT_EQ(number.as_string().error().code, Errc::kInvalidInput);
  EXPECT_EQ(number.as_double().error().code, Errc::kInvalidInput);
}

TEST(ProtoField, OutOfRangeNarrowingIsAnError) {
  ProtoWriter writer;
  writer.write_uint64(1, std::uint64_t{1} << 32);
  writer.write_int64(2, std::int64_t{1} << 31);
  writer.write_uint64(3, 2);
  writer.write_sint64(4, std::int64_t{-1} << 40);
  auto fields = read_all(writer.bytes());
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ((*fields)[0].as_uint32().error().code, Errc::kInvalidInput);
  EXPECT_EQ((*fields)[1].as_int32().error().code, Errc::kInvalidInput);
  EXPECT_EQ((*fields)[2].as_bool().error().code, Errc::kInvalidInput);
  EXPECT_EQ((*fields)[3].as_sint32().error().code, Errc::kInvalidInput);
}

TEST(ProtoReader, GroupWireTypesAreRejected) {
  EXPECT_EQ(first_error(from_hex("0b")).code, Errc::kInvalidInput);    // field 1, start group
  EXPECT_EQ(first_error(from_hex("0c")).code, Errc::kInvalidInput);    // field 1, end group
  EXPECT_EQ(first_error(from_hex("0b0c")).code, Errc::kInvalidInput);  // an empty group
}

TEST(ProtoReader, UnassignedWireTypesAreRejected) {
  EXPECT_EQ(first_error(from_hex("0e00")).code, Errc::kInvalidInput);  // wire type 6
  EXPECT_EQ(first_error(from_hex("0f00")).code, Errc::kInvalidInput);  // wire type 7
}

TEST(ProtoReader, FieldNumberZeroIsRejected) {
  EXPECT_EQ(first_error(from_hex("0001")).code, Errc::kInvalidInput);
  EXPECT_EQ(first_error(from_hex("0200")).code, Errc::kInvalidInput);
}

TEST(ProtoReader, FieldNumberAbove29BitsIsRejected) {
  // Tag 2^32: field number 2^29, one past the largest.
  EXPECT_EQ(first_error(from_hex("808080801001")).code, Errc::kInvalidInput);
  // A tag using all 64 bits.
  EXPECT_EQ(first_error(from_hex("f8ffffffffffffffff0101")).code, Errc::kInvalidInput);
}

TEST(ProtoReader, LengthBeyondTheInputIsAnError) {
  EXPECT_EQ(first_error(from_hex("120561")).code, Errc::kTruncated);
  // A 2^63 length must not overflow an offset computation.
  EXPECT_EQ(first_error(from_hex("1280808080808080808001")).code, Errc::kTruncated);
  EXPECT_EQ(first_error(from_hex("12ffffffffffffffffff01")).code, Errc::kTruncated);
}

TEST(ProtoReader, OverlongVarintValueIsAnError) {
  EXPECT_EQ(first_error(from_hex("08ffffffffffffffffff02")).code, Errc::kInvalidInput);
  EXPECT_EQ(first_error(from_hex("0880808080808080808080")).code, Errc::kInvalidInput);
}

TEST(ProtoReader, RedundantVarintsAreAcceptedAsProtobufRequires) {
  // Field 1 = 150 with a redundant zero group, and the tag itself padded.
  auto one = read_all(from_hex("8800968100"));
  ASSERT_TRUE(one.ok()) << one.error().message;
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].number, 1u);
  EXPECT_EQ(*(*one)[0].as_uint64(), 150u);
}

TEST(ProtoReader, ErrorIsStickyAndOffsetStopsAtTheBadField) {
  const Bytes input = from_hex(
      "0801"
      "0f00"
      "0802");
  ProtoReader reader(input);
  auto good = reader.next();
  ASSERT_TRUE(good.ok() && good->has_value());
  auto bad = reader.next();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("at byte 2"), std::string::npos) << bad.error().message;
  EXPECT_EQ(reader.offset(), 2u);
  auto again = reader.next();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, bad.error().message);
}

TEST(ProtoReader, EmptyInputIsAnEmptyMessage) {
  ProtoReader reader(ByteView{});
  auto end = reader.next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST(ProtoReader, EveryTruncationIsAnErrorOrAFieldBoundary) {
  const Bytes input = from_hex(kHandBuiltMessage);
  // Offsets where a field ends: cutting there leaves a valid, shorter message.
  std::vector<std::size_t> boundaries{0};
  ProtoReader reader(input);
  while (true) {
    auto field = reader.next();
    ASSERT_TRUE(field.ok());
    if (!field->has_value()) break;
    boundaries.push_back(reader.offset());
  }
  for (std::size_t length = 0; length < input.size(); ++length) {
    auto fields = read_all(ByteView(input).first(length));
    std::size_t boundary_index = 0;
    bool at_boundary = false;
    for (std::size_t i = 0; i < boundaries.size(); ++i) {
      if (boundaries[i] == length) {
        at_boundary = true;
        boundary_index = i;
      }
    }
    if (at_boundary) {
      ASSERT_TRUE(fields.ok()) << "length " << length;
      EXPECT_EQ(fields->size(), boundary_index) << "length " << length;
    } else {
      ASSERT_FALSE(fields.ok()) << "length " << length;
      EXPECT_EQ(fields.error().code, Errc::kTruncated) << "length " << length;
    }
  }
}

TEST(PackedVarintReader, TruncatedPayloadIsAnError) {
  const Bytes payload = from_hex("0196");
  PackedVarintReader reader(payload);
  EXPECT_EQ(**reader.next(), 1u);
  auto bad = reader.next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kTruncated);
}

// One randomly generated field, remembered so the decoded message can be compared.
struct ExpectedField {
  std::uint32_t number;
  WireType type;
  std::uint64_t scalar;
  Bytes bytes;
};

TEST(ProtoWriter, RandomMessagesRoundTrip) {
  for (std::uint64_t seed : property_seeds(20)) {
    Rng rng(seed);
    for (int message = 0; message < 50; ++message) {
      ProtoWriter writer;
      std::vector<ExpectedField> expected;
      const int field_count = static_cast<int>(rng.below(12));
      for (int i = 0; i < field_count; ++i) {
        // Small numbers collide on purpose (repeated fields); large ones test long tags.
        const std::uint32_t number = rng.chance(1, 4)
                                         ? static_cast<std::uint32_t>(1 + rng.below(kMaxProtoFieldNumber))
                                         : static_cast<std::uint32_t>(1 + rng.below(4));
        const std::uint64_t value = rng.next() >> rng.below(64);
        switch (rng.below(4)) {
          case 0:
            writer.write_uint64(number, value);
            expected.push_back({number, WireType::kVarint, value, {}});
            break;
          case 1:
            writer.write_fixed64(number, value);
            expected.push_back({number, WireType::kFixed64, value, {}});
            break;
          case 2:
            writer.write_fixed32(number, static_cast<std::uint32_t>(value));
            expected.push_back({number, WireType::kFixed32, static_cast<std::uint32_t>(value), {}});
            break;
          default: {
            Bytes payload(rng.below(300));
            for (auto& byte : payload) byte = static_cast<std::uint8_t>(rng.next());
            writer.write_bytes(number, payload);
            expected.push_back({number, WireType::kLengthDelimited, 0, payload});
            break;
          }
        }
      }
      auto fields = read_all(writer.bytes());
      ASSERT_TRUE(fields.ok()) << fields.error().message << " " << seed_note(seed);
      ASSERT_EQ(fields->size(), expected.size()) << seed_note(seed);
      for (std::size_t i = 0; i < expected.size(); ++i) {
        const ProtoField& got = (*fields)[i];
        ASSERT_EQ(got.number, expected[i].number) << seed_note(seed);
        ASSERT_EQ(got.wire_type, expected[i].type) << seed_note(seed);
        ASSERT_EQ(got.scalar, expected[i].scalar) << seed_note(seed);
        ASSERT_EQ(Bytes(got.bytes.begin(), got.bytes.end()), expected[i].bytes) << seed_note(seed);
      }
    }
  }
}

TEST(ProtoReader, RandomBytesNeverCrashAndErrorsAreSticky) {
  for (std::uint64_t seed : property_seeds(20)) {
    Rng rng(seed);
    for (int round = 0; round < 200; ++round) {
      Bytes input(rng.below(64));
      for (auto& byte : input) byte = static_cast<std::uint8_t>(rng.next());
      ProtoReader reader(input);
      for (int step = 0; step <= 64; ++step) {
        auto field = reader.next();
        if (!field.ok()) {
          ASSERT_FALSE(reader.next().ok()) << seed_note(seed);
          break;
        }
        if (!field->has_value()) {
          ASSERT_TRUE(reader.done()) << seed_note(seed);
          break;
        }
        ASSERT_LE(reader.offset(), input.size()) << seed_note(seed);
      }
    }
  }
}

#if GTEST_HAS_DEATH_TEST
TEST(ProtoWriterDeathTest, FieldNumberZeroAborts) {
  EXPECT_DEATH(
      {
        ProtoWriter writer;
        writer.write_uint64(0, 1);
      },
      "");
}
#endif

}  // namespace
}  // namespace ff::codec
