#include "net/noise/noise_transport.hpp"

#include <algorithm>

namespace ff::net {

Error NoiseTransport::fail(Error error) {
  failure_ = error;
  return error;
}

Status NoiseTransport::encrypt_into(ByteView plaintext, Bytes& out) {
  if (failure_) return *failure_;
  const std::size_t start = out.size();
  const std::size_t frames = std::max<std::size_t>(
      1, (plaintext.size() + kMaxNoiseTransportPlaintextBytes - 1) / kMaxNoiseTransportPlaintextBytes);
  out.reserve(start + plaintext.size() + frames * (kNoiseFrameHeaderBytes + kNoiseTagBytes));
  std::size_t offset = 0;
  do {
    const std::size_t chunk = std::min(kMaxNoiseTransportPlaintextBytes, plaintext.size() - offset);
    append_noise_frame_header(out, chunk + kNoiseTagBytes);
    if (auto status = send_.encrypt_with_ad({}, plaintext.subspan(offset, chunk), out); !status.ok()) {
      out.resize(start);
      return fail(status.error());
    }
    offset += chunk;
  } while (offset < plaintext.size());
  return {};
}

Result<Bytes> NoiseTransport::encrypt(ByteView plaintext) {
  Bytes out;
  FF_TRY(encrypt_into(plaintext, out));
  return out;
}

Status NoiseTransport::decrypt_frame(ByteView message) {
  if (auto status = receive_.decrypt_with_ad({}, message, plaintext_); !status.ok())
    return fail(status.error());
  return {};
}

Result<std::size_t> NoiseTransport::feed(ByteView ciphertext) {
  if (failure_) return *failure_;
  // Reserve once for what this call can decrypt, instead of growing frame by frame (the
  // buffer is handed away by take_plaintext(), so it starts empty most of the time).
  const std::size_t room = kMaxBufferedPlaintextBytes + kMaxNoiseTransportPlaintextBytes;
  if (plaintext_.size() < room) plaintext_.reserve(std::min(room, plaintext_.size() + ciphertext.size()));
  std::size_t consumed = 0;
  while (consumed < ciphertext.size() && plaintext_.size() < kMaxBufferedPlaintextBytes) {
    ByteView rest = ciphertext.subspan(consumed);
    // Fast path: a whole frame in the input is decrypted in place, without a copy into
    // the reassembly buffer.
    if (reader_.empty() && rest.size() >= kNoiseFrameHeaderBytes) {
      const std::size_t message_bytes = (std::size_t{rest[0]} << 8) | rest[1];
      if (rest.size() >= kNoiseFrameHeaderBytes + message_bytes) {
        FF_TRY(decrypt_frame(rest.subspan(kNoiseFrameHeaderBytes, message_bytes)));
        consumed += kNoiseFrameHeaderBytes + message_bytes;
        continue;
      }
    }
    consumed += reader_.feed(rest);
    if (reader_.has_frame()) {
      const Status status = decrypt_frame(reader_.frame());
      reader_.pop();
      if (!status.ok()) return status.error();
    }
  }
  return consumed;
}

Bytes NoiseTransport::take_plaintext() {
  Bytes out = std::move(plaintext_);
  plaintext_.clear();
  return out;
}

}  // namespace ff::net
