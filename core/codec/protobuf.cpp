#include "core/codec/protobuf.hpp"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "core/codec/varint.hpp"

namespace ff::codec {
namespace {

void put_fixed(Bytes& out, std::uint64_t value, int byte_count) {
  for (int i = 0; i < byte_count; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint64_t get_fixed(ByteView input, int byte_count) {
  std::uint64_t value = 0;
  for (int i = 0; i < byte_count; ++i) value |= static_cast<std::uint64_t>(input[i]) << (8 * i);
  return value;
}

Error field_error(Errc code, std::size_t offset, const std::string& what) {
  return make_error(code, "protobuf: " + what + " at byte " + std::to_string(offset));
}

}  // namespace

const char* wire_type_name(WireType type) {
  switch (type) {
    case WireType::kVarint: return "varint";
    case WireType::kFixed64: return "fixed64";
    case WireType::kLengthDelimited: return "length-delimited";
    case WireType::kFixed32: return "fixed32";
  }
  return "unknown";
}

// ---- ProtoWriter ----

void ProtoWriter::write_tag(std::uint32_t field_number, WireType type) {
  // Field numbers are compile-time constants of a schema; a bad one is a bug in our code
  // and must not silently produce a message no peer can read.
  if (field_number == 0 || field_number > kMaxProtoFieldNumber) std::abort();
  put_varint(out_, (static_cast<std::uint64_t>(field_number) << 3) | static_cast<std::uint64_t>(type));
}

void ProtoWriter::write_uint64(std::uint32_t field_number, std::uint64_t value) {
  write_tag(field_number, WireType::kVarint);
  put_varint(out_, value);
}

void ProtoWriter::write_sint64(std::uint32_t field_number, std::int64_t value) {
  write_uint64(field_number, zigzag_encode(value));
}

void ProtoWriter::write_fixed64(std::uint32_t field_number, std::uint64_t value) {
  write_tag(field_number, WireType::kFixed64);
  put_fixed(out_, value, 8);
}

void ProtoWriter::write_fixed32(std::uint32_t field_number, std::uint32_t value) {
  write_tag(field_number, WireType::kFixed32);
  put_fixed(out_, value, 4);
}

void ProtoWriter::write_double(std::uint32_t field_number, double value) {
  static_assert(sizeof(double) == 8 && std::numeric_limits<double>::is_iec559);
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  write_fixed64(field_number, bits);
}

void ProtoWriter::write_float(std::uint32_t field_number, float value) {
  static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559);
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  write_fixed32(field_number, bits);
}

void ProtoWriter::write_bytes(std::uint32_t field_number, ByteView value) {
  write_tag(field_number, WireType::kLengthDelimited);
  put_varint(out_, value.size());
  out_.insert(out_.end(), value.begin(), value.end());
}

void ProtoWriter::write_packed_varints(std::uint32_t field_number, std::span<const std::uint64_t> values) {
  if (values.empty()) return;
  std::size_t payload_bytes = 0;
  for (std::uint64_t value : values) payload_bytes += varint_size(value);
  write_tag(field_number, WireType::kLengthDelimited);
  put_varint(out_, payload_bytes);
  for (std::uint64_t value : values) put_varint(out_, value);
}

void ProtoWriter::write_packed_sint64(std::uint32_t field_number, std::span<const std::int64_t> values) {
  if (values.empty()) return;
  std::size_t payload_bytes = 0;
  for (std::int64_t value : values) payload_bytes += varint_size(zigzag_encode(value));
  write_tag(field_number, WireType::kLengthDelimited);
  put_varint(out_, payload_bytes);
  for (std::int64_t value : values) put_varint(out_, zigzag_encode(value));
}

// ---- ProtoField ----

Status ProtoField::expect(WireType type) const {
  if (wire_type == type) return {};
  return make_error(Errc::kInvalidInput, "protobuf: field " + std::to_string(number) + " has wire type " +
                                             wire_type_name(wire_type) + ", expected " +
                                             wire_type_name(type));
}

Result<std::uint64_t> ProtoField::as_uint64() const {
  FF_TRY(expect(WireType::kVarint));
  return scalar;
}

Result<std::uint32_t> ProtoField::as_uint32() const {
  FF_TRY(expect(WireType::kVarint));
  if (scalar > std::numeric_limits<std::uint32_t>::max()) {
    return make_error(Errc::kInvalidInput,
                      "protobuf: field " + std::to_string(number) + " value does not fit in uint32");
  }
  return static_cast<std::uint32_t>(scalar);
}

Result<std::int64_t> ProtoField::as_int64() const {
  FF_TRY(expect(WireType::kVarint));
  return static_cast<std::int64_t>(scalar);
}

Result<std::int32_t> ProtoField::as_int32() const {
  FF_TRY(expect(WireType::kVarint));
  const auto value = static_cast<std::int64_t>(scalar);
  if (value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max()) {
    return make_error(Errc::kInvalidInput,
                      "protobuf: field " + std::to_string(number) + " value does not fit in int32");
  }
  return static_cast<std::int32_t>(value);
}

Result<std::int64_t> ProtoField::as_sint64() const {
  FF_TRY(expect(WireType::kVarint));
  return zigzag_decode(scalar);
}

Result<std::int32_t> ProtoField::as_sint32() const {
  FF_TRY(expect(WireType::kVarint));
  const std::int64_t value = zigzag_decode(scalar);
  if (value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max()) {
    return make_error(Errc::kInvalidInput,
                      "protobuf: field " + std::to_string(number) + " value does not fit in sint32");
  }
  return static_cast<std::int32_t>(value);
}

Result<bool> ProtoField::as_bool() const {
  FF_TRY(expect(WireType::kVarint));
  if (scalar > 1) {
    return make_error(Errc::kInvalidInput, "protobuf: field " + std::to_string(number) + " bool is " +
                                               std::to_string(scalar) + ", expected 0 or 1");
  }
  return scalar == 1;
}

Result<std::uint64_t> ProtoField::as_fixed64() const {
  FF_TRY(expect(WireType::kFixed64));
  return scalar;
}

Result<std::uint32_t> ProtoField::as_fixed32() const {
  FF_TRY(expect(WireType::kFixed32));
  return static_cast<std::uint32_t>(scalar);
}

Result<std::int64_t> ProtoField::as_sfixed64() const {
  FF_TRY(expect(WireType::kFixed64));
  return static_cast<std::int64_t>(scalar);
}

Result<std::int32_t> ProtoField::as_sfixed32() const {
  FF_TRY(expect(WireType::kFixed32));
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(scalar));
}

Result<double> ProtoField::as_double() const {
  FF_TRY(expect(WireType::kFixed64));
  double value = 0;
  std::memcpy(&value, &scalar, sizeof value);
  return value;
}

Result<float> ProtoField::as_float() const {
  FF_TRY(expect(WireType::kFixed32));
  const auto bits = static_cast<std::uint32_t>(scalar);
  float value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

Result<ByteView> ProtoField::as_bytes() const {
  FF_TRY(expect(WireType::kLengthDelimited));
  return bytes;
}

Result<std::string_view> ProtoField::as_string() const {
  FF_TRY(expect(WireType::kLengthDelimited));
  return as_chars(bytes);
}

// ---- ProtoReader ----

Result<std::optional<ProtoField>> ProtoReader::next() {
  if (failure_) return *failure_;
  if (done()) return std::optional<ProtoField>();

  const std::size_t field_start = offset_;
  auto fail = [&](Errc code, const std::string& what) -> Error {
    failure_ = field_error(code, field_start, what);
    return *failure_;
  };

  ByteView rest = input_.subspan(offset_);
  auto tag = get_varint_allow_redundant(rest);
  if (!tag) return fail(tag.error().code, "bad tag (" + tag.error().message + ")");
  if (tag->value > std::numeric_limits<std::uint32_t>::max())
    return fail(Errc::kInvalidInput, "tag exceeds 32 bits");
  const auto number = static_cast<std::uint32_t>(tag->value >> 3);
  const auto raw_type = static_cast<std::uint32_t>(tag->value & 7);
  if (number == 0) return fail(Errc::kInvalidInput, "field number 0");
  // number <= kMaxProtoFieldNumber holds here: a 32-bit tag shifted right by 3.

  ProtoField field;
  field.number = number;
  std::size_t consumed = tag->length;
  rest = rest.subspan(tag->length);
  switch (raw_type) {
    case 0: {
      field.wire_type = WireType::kVarint;
      auto value = get_varint_allow_redundant(rest);
      if (!value) {
        return fail(value.error().code,
                    "field " + std::to_string(number) + ": bad varint (" + value.error().message + ")");
      }
      field.scalar = value->value;
      consumed += value->length;
      break;
    }
    case 1:
    case 5: {
      const int width = raw_type == 1 ? 8 : 4;
      field.wire_type = raw_type == 1 ? WireType::kFixed64 : WireType::kFixed32;
      if (rest.size() < static_cast<std::size_t>(width)) {
        return fail(Errc::kTruncated, "field " + std::to_string(number) + ": input ends inside a fixed" +
                                          std::to_string(width * 8) + " value");
      }
      field.scalar = get_fixed(rest, width);
      consumed += static_cast<std::size_t>(width);
      break;
    }
    case 2: {
      field.wire_type = WireType::kLengthDelimited;
      auto length = get_varint_allow_redundant(rest);
      if (!length) {
        return fail(length.error().code,
                    "field " + std::to_string(number) + ": bad length (" + length.error().message + ")");
      }
      rest = rest.subspan(length->length);
      if (length->value > rest.size()) {
        return fail(Errc::kTruncated, "field " + std::to_string(number) + ": length " +
                                          std::to_string(length->value) + " exceeds the " +
                                          std::to_string(rest.size()) + " bytes left");
      }
      field.bytes = rest.first(static_cast<std::size_t>(length->value));
      consumed += length->length + field.bytes.size();
      break;
    }
    case 3:
    case 4:
      return fail(Errc::kInvalidInput, "field " + std::to_string(number) + ": group wire type " +
                                           std::to_string(raw_type) + " is not supported");
    default:
      return fail(Errc::kInvalidInput,
                  "field " + std::to_string(number) + ": invalid wire type " + std::to_string(raw_type));
  }
  offset_ += consumed;
  return std::optional<ProtoField>(field);
}

// ---- PackedVarintReader ----

Result<std::optional<std::uint64_t>> PackedVarintReader::next() {
  if (offset_ == payload_.size()) return std::optional<std::uint64_t>();
  auto value = get_varint_allow_redundant(payload_.subspan(offset_));
  if (!value) {
    return make_error(value.error().code, "protobuf: packed varint at byte " + std::to_string(offset_) +
                                              ": " + value.error().message);
  }
  offset_ += value->length;
  return std::optional<std::uint64_t>(value->value);
}

}  // namespace ff::codec
