#include "core/codec/byte_io.hpp"

namespace ff::codec {

void ByteWriter::fixed32_le(std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void ByteWriter::fixed64_le(std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

Result<std::uint8_t> ByteReader::u8() {
  if (remaining() < 1) return make_error(Errc::kTruncated, "byte reader: expected 1 byte, input ended");
  return input_[offset_++];
}

Result<std::uint64_t> ByteReader::varint() {
  auto decoded = get_varint(input_.subspan(offset_));
  if (!decoded) return decoded.error();
  offset_ += decoded->length;
  return decoded->value;
}

Result<std::int64_t> ByteReader::svarint() {
  auto value = varint();
  if (!value) return value.error();
  return zigzag_decode(*value);
}

Result<std::uint32_t> ByteReader::fixed32_le() {
  if (remaining() < 4) return make_error(Errc::kTruncated, "byte reader: expected 4 bytes, input ended");
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(input_[offset_ + i]) << (8 * i);
  offset_ += 4;
  return value;
}

Result<std::uint64_t> ByteReader::fixed64_le() {
  if (remaining() < 8) return make_error(Errc::kTruncated, "byte reader: expected 8 bytes, input ended");
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= static_cast<std::uint64_t>(input_[offset_ + i]) << (8 * i);
  offset_ += 8;
  return value;
}

Result<ByteView> ByteReader::raw(std::size_t length) {
  if (remaining() < length) {
    return make_error(Errc::kTruncated, "byte reader: expected " + std::to_string(length) + " bytes, " +
                                            std::to_string(remaining()) + " remain");
  }
  ByteView view = input_.subspan(offset_, length);
  offset_ += length;
  return view;
}

Result<ByteView> ByteReader::blob() {
  const std::size_t start = offset_;
  auto length = varint();
  if (!length) return length.error();
  if (*length > remaining()) {
    offset_ = start;
    return make_error(Errc::kTruncated, "byte reader: length prefix " + std::to_string(*length) +
                                            " exceeds the " + std::to_string(remaining()) + " bytes left");
  }
  return raw(static_cast<std::size_t>(*length));
}

Result<std::string> ByteReader::text() {
  auto view = blob();
  if (!view) return view.error();
  return std::string(as_chars(*view));
}

Result<std::uint64_t> ByteReader::count(std::size_t min_item_bytes) {
  const std::size_t start = offset_;
  auto value = varint();
  if (!value) return value.error();
  const std::uint64_t max_items = min_item_bytes == 0 ? remaining() : remaining() / min_item_bytes;
  if (*value > max_items) {
    offset_ = start;
    return make_error(Errc::kInvalidInput, "byte reader: count " + std::to_string(*value) +
                                               " cannot fit in the " + std::to_string(remaining()) +
                                               " bytes left");
  }
  return value;
}

Status ByteReader::expect_done(std::string_view what) const {
  if (done()) return {};
  return make_error(Errc::kInvalidInput,
                    std::string(what) + ": " + std::to_string(remaining()) + " unexpected trailing bytes");
}

}  // namespace ff::codec
