#include "node/fabric/frame_reader.hpp"

#include <string>

#include "core/codec/varint.hpp"

namespace ff::node {

Status FrameReader::feed(ByteView bytes, const std::function<void(ByteView frame)>& on_frame) {
  if (failed_) return *failed_;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  while (offset_ < buffer_.size()) {
    const ByteView rest(buffer_.data() + offset_, buffer_.size() - offset_);
    auto length = codec::get_varint(rest);
    if (!length.ok()) {
      if (length.error().code == Errc::kTruncated) break;
      failed_ = make_error(Errc::kInvalidInput, "fabric frame: bad length prefix: " + length.error().message);
      return *failed_;
    }
    if (length->value > max_frame_bytes_) {
      failed_ = make_error(Errc::kLimitExceeded, "fabric frame of " + std::to_string(length->value) +
                                                     " bytes is above the limit of " +
                                                     std::to_string(max_frame_bytes_));
      return *failed_;
    }
    const std::size_t frame_bytes = static_cast<std::size_t>(length->value);
    if (rest.size() - length->length < frame_bytes) break;
    on_frame(ByteView(rest.data() + length->length, frame_bytes));
    offset_ += length->length + frame_bytes;
  }
  // Compact once the consumed prefix dominates, so the buffer stays within one frame.
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset_));
    offset_ = 0;
  }
  return {};
}

void append_frame(Bytes& out, ByteView frame) {
  codec::put_varint(out, frame.size());
  out.insert(out.end(), frame.begin(), frame.end());
}

}  // namespace ff::node
