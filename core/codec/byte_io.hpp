// ByteWriter and ByteReader: the building blocks of our binary encodings (CRDT states,
// journal payloads). The reader is bounds-checked on every call and never reads past
// its view; a failed read leaves it unchanged and returns an error value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/codec/varint.hpp"
#include "core/result.hpp"

namespace ff::codec {

class ByteWriter {
 public:
  void u8(std::uint8_t value) { out_.push_back(value); }
  void varint(std::uint64_t value) { put_varint(out_, value); }
  void svarint(std::int64_t value) { put_varint(out_, zigzag_encode(value)); }
  void fixed32_le(std::uint32_t value);
  void fixed64_le(std::uint64_t value);
  void raw(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  // Length-prefixed (varint) bytes or text.
  void blob(ByteView bytes) {
    varint(bytes.size());
    raw(bytes);
  }
  void text(std::string_view value) { blob(as_bytes(value)); }

  const Bytes& bytes() const { return out_; }
  Bytes take() { return std::move(out_); }
  std::size_t size() const { return out_.size(); }

 private:
  Bytes out_;
};

class ByteReader {
 public:
  explicit ByteReader(ByteView input) : input_(input) {}

  Result<std::uint8_t> u8();
  Result<std::uint64_t> varint();
  Result<std::int64_t> svarint();
  Result<std::uint32_t> fixed32_le();
  Result<std::uint64_t> fixed64_le();
  Result<ByteView> raw(std::size_t length);
  // Length-prefixed bytes; the length must fit in what remains (so a hostile length
  // never causes an allocation).
  Result<ByteView> blob();
  Result<std::string> text();
  // A varint count of items that follow, each at least `min_item_bytes` long: rejects a
  // count the remaining input cannot possibly hold, before the caller reserves memory.
  Result<std::uint64_t> count(std::size_t min_item_bytes = 1);

  std::size_t remaining() const { return input_.size() - offset_; }
  std::size_t offset() const { return offset_; }
  bool done() const { return offset_ == input_.size(); }
  // Error unless every byte was consumed (trailing garbage is malformed input).
  Status expect_done(std::string_view what) const;

 private:
  ByteView input_;
  std::size_t offset_ = 0;
};

}  // namespace ff::codec
