// Fuzzes ProtoReader: walks every field, recursing into length-delimited fields as nested
// messages (bounded by kMaxProtoNestingDepth) and as packed varints. A message that parses
// is re-encoded field by field with ProtoWriter and must parse back to the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "core/codec/protobuf.hpp"

namespace {

using ff::codec::PackedVarintReader;
using ff::codec::ProtoField;
using ff::codec::ProtoReader;
using ff::codec::ProtoWriter;
using ff::codec::WireType;

void check(bool condition) {
  if (!condition) std::abort();
}

// All fields of one message, or nullopt on error.
std::optional<std::vector<ProtoField>> read_fields(ff::ByteView input) {
  ProtoReader reader(input);
  std::vector<ProtoField> fields;
  while (true) {
    auto field = reader.next();
    if (!field.ok()) {
      check(!reader.next().ok());  // errors are sticky
      return std::nullopt;
    }
    if (!field->has_value()) {
      check(reader.done());
      return fields;
    }
    const ProtoField& f = **field;
    check(f.number >= 1 && f.number <= ff::codec::kMaxProtoFieldNumber);
    check(reader.offset() <= input.size());
    if (f.wire_type == WireType::kLengthDelimited) {
      check(f.bytes.data() >= input.data() && f.bytes.data() + f.bytes.size() <= input.data() + input.size());
    }
    fields.push_back(f);
  }
}

void walk(ff::ByteView input, int depth) {
  auto fields = read_fields(input);
  if (!fields) return;

  // Exercise the typed accessors; they must not crash whatever the wire type.
  for (const ProtoField& f : *fields) {
    (void)f.as_uint32();
    (void)f.as_int32();
    (void)f.as_sint32();
    (void)f.as_bool();
    (void)f.as_double();
    (void)f.as_float();
    (void)f.as_string();
    if (f.wire_type == WireType::kLengthDelimited) {
      PackedVarintReader packed(f.bytes);
      for (std::size_t i = 0; i <= f.bytes.size(); ++i) {
        auto value = packed.next();
        if (!value.ok() || !value->has_value()) break;
      }
      if (depth + 1 < ff::codec::kMaxProtoNestingDepth) walk(f.bytes, depth + 1);
    }
  }

  // Canonical re-encoding parses back to the same fields.
  ProtoWriter writer;
  for (const ProtoField& f : *fields) {
    switch (f.wire_type) {
      case WireType::kVarint: writer.write_uint64(f.number, f.scalar); break;
      case WireType::kFixed64: writer.write_fixed64(f.number, f.scalar); break;
      case WireType::kFixed32: writer.write_fixed32(f.number, static_cast<std::uint32_t>(f.scalar)); break;
      case WireType::kLengthDelimited: writer.write_bytes(f.number, f.bytes); break;
    }
  }
  check(writer.size() <= input.size());  // canonical varints are never longer
  auto again = read_fields(writer.bytes());
  check(again.has_value() && again->size() == fields->size());
  for (std::size_t i = 0; i < fields->size(); ++i) {
    const ProtoField& a = (*fields)[i];
    const ProtoField& b = (*again)[i];
    check(a.number == b.number && a.wire_type == b.wire_type && a.scalar == b.scalar);
    check(a.bytes.size() == b.bytes.size());
    for (std::size_t j = 0; j < a.bytes.size(); ++j) check(a.bytes[j] == b.bytes[j]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  walk(ff::ByteView(data, size), 0);
  return 0;
}
