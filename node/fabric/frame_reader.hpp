// FrameReader: splits the byte stream of an inbound /fabric/1.0.0 stream into frames. Each
// frame is an unsigned varint length followed by that many bytes (one DirectMessage,
// docs/fabric.md). Frames above the limit (kMaxDirectFrameBytes by default) are a protocol
// violation: the reader fails and stays failed, and the runtime resets the stream.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>

#include "core/bytes.hpp"
#include "core/fabric/fabric_types.hpp"
#include "core/result.hpp"

namespace ff::node {

class FrameReader {
 public:
  explicit FrameReader(std::size_t max_frame_bytes = fabric::kMaxDirectFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  // Appends `bytes` and calls `on_frame` for every complete frame, in order. Errors:
  // kLimitExceeded for a frame announced above the limit, kInvalidInput for a malformed
  // length prefix; after an error every later call fails the same way without calling.
  Status feed(ByteView bytes, const std::function<void(ByteView frame)>& on_frame);

  // Bytes held for an incomplete frame (at most the limit plus one length prefix).
  std::size_t buffered_bytes() const { return buffer_.size() - offset_; }

 private:
  std::size_t max_frame_bytes_;
  Bytes buffer_;
  std::size_t offset_ = 0;  // consumed bytes at the front of buffer_
  std::optional<Error> failed_;
};

// Appends one frame (varint length + `frame`) to `out`.
void append_frame(Bytes& out, ByteView frame);

}  // namespace ff::node
