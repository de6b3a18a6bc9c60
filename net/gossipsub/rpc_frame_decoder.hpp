// Splits the byte stream of one inbound pubsub stream into RPC frames: each frame is an
// unsigned varint length (multiformats unsigned-varint: minimal, at most 9 bytes) followed
// by that many bytes of RPC protobuf (docs/gossipsub.md "Framing").
//
// The decoder pulls from the caller's input instead of buffering it: it holds at most one
// partial frame (bounded by max_frame_bytes), so a peer that sends faster than we process
// can never make it grow. Usage:
//
//   ByteView input = chunk_from_stream;
//   while (true) {
//     FF_TRY_ASSIGN(std::optional<Bytes> frame, decoder.next(input));
//     if (!frame) break;                  // input used up; the rest of a frame is buffered
//     handle(*frame);
//   }
//
// Errors are sticky: once the length prefix is bad the stream cannot be resynchronised, and
// the runtime resets the stream (then reset() lets the decoder serve a new one).
#pragma once

#include <cstddef>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/gossipsub/gossipsub_rpc.hpp"

namespace ff::net {

class RpcFrameDecoder {
 public:
  explicit RpcFrameDecoder(std::size_t max_frame_bytes = kMaxRpcBytes) : max_frame_bytes_(max_frame_bytes) {}

  // Consumes bytes from the front of `input` (advancing it) until one frame is complete
  // and returns that frame's body (possibly empty: a zero-length frame is an empty RPC), or
  // returns nullopt once `input` is used up. kLimitExceeded for an announced length over
  // max_frame_bytes, kInvalidInput for a malformed length varint; both are sticky.
  Result<std::optional<Bytes>> next(ByteView& input);

  // Forgets the partial frame and any error, for a new stream.
  void reset();

  // Bytes of the current partial frame held (prefix and body).
  std::size_t buffered_bytes() const { return prefix_.size() + body_.size(); }
  bool failed() const { return failure_.has_value(); }

 private:
  std::size_t max_frame_bytes_;
  Bytes prefix_;                       // varint bytes of a length not yet complete
  std::optional<std::size_t> length_;  // body length once the prefix is complete
  Bytes body_;
  std::optional<Error> failure_;
};

}  // namespace ff::net
