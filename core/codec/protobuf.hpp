// The protobuf wire format (proto2/proto3 encoding), written and read by hand: our own
// messages and the libp2p ones (PublicKey, Identify, GossipSub RPC, ...) are real protobuf,
// schemas in docs/wire/*.proto. The supported subset is described in docs/codec.md.
//
// Writing: build a message field by field with ProtoWriter; a nested message is written
// into its own ProtoWriter first and then added as a length-delimited field.
//
// Reading: ProtoReader walks the fields of one message in wire order and hands each out
// as a ProtoField whose bytes are a view into the input (zero copy). It does not know any
// schema: the caller switches on the field number, takes the fields it knows (checking the
// wire type through the ProtoField accessors) and ignores the rest, which is how protobuf
// skips unknown fields. Nested messages are read by a new ProtoReader over the field's
// bytes; the caller bounds the depth (kMaxProtoNestingDepth).
//
// Malformed input is always an error value: group wire types (3, 4), the unassigned wire
// types (6, 7), field number 0 or above kMaxProtoFieldNumber, a length that runs past the
// input, and input that ends inside a field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::codec {

// The wire types we speak. Groups (3 and 4) are deprecated and never used by libp2p or
// by us, so the reader rejects them instead of skipping them.
enum class WireType : std::uint8_t {
  kVarint = 0,           // int32, int64, uint32, uint64, sint32, sint64, bool, enum
  kFixed64 = 1,          // fixed64, sfixed64, double (little-endian)
  kLengthDelimited = 2,  // bytes, string, nested messages, packed repeated scalars
  kFixed32 = 5,          // fixed32, sfixed32, float (little-endian)
};

const char* wire_type_name(WireType type);

// Field numbers are 29 bits wide (the tag is number << 3 | wire type, a 32-bit value).
inline constexpr std::uint32_t kMaxProtoFieldNumber = (1u << 29) - 1;

// Recommended bound on how deep a caller recurses into nested messages of remote input.
// Our schemas nest at most 4 levels; protobuf's reference parser defaults to 100.
inline constexpr int kMaxProtoNestingDepth = 32;

// Builds one message. Every write_* appends a field (tag then value) in call order.
// A field number outside [1, kMaxProtoFieldNumber] is a programming error (numbers come
// from schemas, not from input) and aborts, in release builds too.
class ProtoWriter {
 public:
  // Low level: a tag, then the raw value the wire type announces.
  void write_tag(std::uint32_t field_number, WireType type);

  // Varint fields. int64 and int32 use two's complement, so negative values take ten
  // bytes (protobuf sign-extends int32 to 64 bits); sint* use ZigZag and stay short.
  void write_uint64(std::uint32_t field_number, std::uint64_t value);
  void write_uint32(std::uint32_t field_number, std::uint32_t value) { write_uint64(field_number, value); }
  void write_int64(std::uint32_t field_number, std::int64_t value) {
    write_uint64(field_number, static_cast<std::uint64_t>(value));
  }
  void write_int32(std::uint32_t field_number, std::int32_t value) { write_int64(field_number, value); }
  void write_sint64(std::uint32_t field_number, std::int64_t value);
  void write_sint32(std::uint32_t field_number, std::int32_t value) { write_sint64(field_number, value); }
  void write_bool(std::uint32_t field_number, bool value) { write_uint64(field_number, value ? 1 : 0); }
  // Enums are int32 on the wire.
  void write_enum(std::uint32_t field_number, std::int32_t value) { write_int32(field_number, value); }

  // Fixed-width fields, little-endian.
  void write_fixed64(std::uint32_t field_number, std::uint64_t value);
  void write_fixed32(std::uint32_t field_number, std::uint32_t value);
  void write_sfixed64(std::uint32_t field_number, std::int64_t value) {
    write_fixed64(field_number, static_cast<std::uint64_t>(value));
  }
  void write_sfixed32(std::uint32_t field_number, std::int32_t value) {
    write_fixed32(field_number, static_cast<std::uint32_t>(value));
  }
  void write_double(std::uint32_t field_number, double value);
  void write_float(std::uint32_t field_number, float value);

  // Length-delimited fields: a varint length, then the bytes.
  void write_bytes(std::uint32_t field_number, ByteView value);
  void write_string(std::uint32_t field_number, std::string_view value) {
    write_bytes(field_number, as_bytes(value));
  }
  // A nested message built in its own writer. An empty nested message is still written
  // (a present-but-empty submessage differs from an absent one).
  void write_message(std::uint32_t field_number, const ProtoWriter& message) {
    write_bytes(field_number, message.bytes());
  }
  // A packed repeated varint field (uint64/uint32/int64/bool/enum values already widened
  // to 64 bits). Writes nothing for an empty list, as protobuf encoders do. Readers must
  // accept both packed and unpacked repeated fields (see PackedVarintReader).
  void write_packed_varints(std::uint32_t field_number, std::span<const std::uint64_t> values);
  // The same for sint64 values (each ZigZag-encoded).
  void write_packed_sint64(std::uint32_t field_number, std::span<const std::int64_t> values);

  // Appends bytes that are already an encoded message (or fields of one): concatenating
  // two encoded messages merges them, as protobuf defines.
  void append_encoded(ByteView encoded) { out_.insert(out_.end(), encoded.begin(), encoded.end()); }

  const Bytes& bytes() const { return out_; }
  Bytes take() { return std::move(out_); }
  std::size_t size() const { return out_.size(); }
  void clear() { out_.clear(); }

 private:
  Bytes out_;
};

// One field as read from the wire. `bytes` views the reader's input: it stays valid only
// as long as that input does. The accessors check the wire type (kInvalidInput on a
// mismatch, so a peer cannot make us read a string as an integer) and convert the value.
struct ProtoField {
  std::uint32_t number = 0;
  WireType wire_type = WireType::kVarint;
  // The decoded varint, or the raw little-endian bits of a fixed32/fixed64; 0 for
  // length-delimited fields.
  std::uint64_t scalar = 0;
  // The payload of a length-delimited field; empty for the other wire types.
  ByteView bytes;

  Status expect(WireType type) const;

  Result<std::uint64_t> as_uint64() const;
  // kInvalidInput if the value does not fit in 32 bits (protobuf would truncate it; a
  // value that does not fit is a broken encoder or a hostile one).
  Result<std::uint32_t> as_uint32() const;
  Result<std::int64_t> as_int64() const;
  // Accepts the sign-extended ten-byte form of a negative int32; kInvalidInput if the
  // value is outside the int32 range.
  Result<std::int32_t> as_int32() const;
  Result<std::int64_t> as_sint64() const;
  Result<std::int32_t> as_sint32() const;
  // Only 0 and 1 are accepted: every encoder writes those, and anything else is not a
  // value our own writer could have produced.
  Result<bool> as_bool() const;
  Result<std::uint64_t> as_fixed64() const;
  Result<std::uint32_t> as_fixed32() const;
  Result<std::int64_t> as_sfixed64() const;
  Result<std::int32_t> as_sfixed32() const;
  Result<double> as_double() const;
  Result<float> as_float() const;
  // Views into the input; no copy. Strings are not checked for UTF-8 here: the caller
  // that needs text validates it.
  Result<ByteView> as_bytes() const;
  Result<std::string_view> as_string() const;
};

// Reads the fields of one message in order:
//
//   ProtoReader reader(input);
//   while (true) {
//     FF_TRY_ASSIGN(std::optional<ProtoField> field, reader.next());
//     if (!field) break;                       // clean end of the message
//     switch (field->number) {
//       case 1: { FF_TRY_ASSIGN(key, field->as_bytes()); break; }
//       default: break;                        // unknown field: skipped
//     }
//   }
//
// The first error is sticky: every later next() returns it again, so a caller that
// forgets to stop cannot read fields past corruption.
class ProtoReader {
 public:
  explicit ProtoReader(ByteView input) : input_(input) {}

  // The next field, std::nullopt at the end of the input, or an error: kTruncated when
  // the input ends inside a tag, value or length-delimited payload; kInvalidInput for a
  // bad wire type, field number or varint.
  Result<std::optional<ProtoField>> next();

  std::size_t offset() const { return offset_; }
  bool done() const { return offset_ == input_.size(); }

 private:
  ByteView input_;
  std::size_t offset_ = 0;
  std::optional<Error> failure_;
};

// Iterates the values of a packed repeated varint field (the payload of a
// length-delimited field). An unpacked repeated field arrives instead as several
// kVarint fields with the same number; a reader of repeated scalars accepts both.
class PackedVarintReader {
 public:
  explicit PackedVarintReader(ByteView payload) : payload_(payload) {}
  // The next value, std::nullopt at the end, or an error (truncated or invalid varint).
  Result<std::optional<std::uint64_t>> next();

 private:
  ByteView payload_;
  std::size_t offset_ = 0;
};

}  // namespace ff::codec
