#include "net/noise/noise_frame.hpp"

#include <algorithm>
#include <cstdlib>

namespace ff::net {

void append_noise_frame_header(Bytes& out, std::size_t message_bytes) {
  if (message_bytes > kMaxNoiseMessageBytes) std::abort();
  out.push_back(static_cast<std::uint8_t>(message_bytes >> 8));
  out.push_back(static_cast<std::uint8_t>(message_bytes & 0xff));
}

std::size_t NoiseFrameReader::needed_bytes() const {
  if (buffer_.size() < kNoiseFrameHeaderBytes) return kNoiseFrameHeaderBytes;
  return kNoiseFrameHeaderBytes + ((std::size_t{buffer_[0]} << 8) | buffer_[1]);
}

std::size_t NoiseFrameReader::feed(ByteView input) {
  std::size_t consumed = 0;
  // Two rounds at most: first the length prefix, then the message it announces.
  while (consumed < input.size() && buffer_.size() < needed_bytes()) {
    const std::size_t take = std::min(needed_bytes() - buffer_.size(), input.size() - consumed);
    buffer_.insert(buffer_.end(), input.begin() + static_cast<std::ptrdiff_t>(consumed),
                   input.begin() + static_cast<std::ptrdiff_t>(consumed + take));
    consumed += take;
  }
  return consumed;
}

bool NoiseFrameReader::has_frame() const {
  return buffer_.size() >= kNoiseFrameHeaderBytes && buffer_.size() == needed_bytes();
}

ByteView NoiseFrameReader::frame() const {
  if (!has_frame()) std::abort();
  return ByteView(buffer_).subspan(kNoiseFrameHeaderBytes);
}

void NoiseFrameReader::pop() { buffer_.clear(); }

}  // namespace ff::net
