#include "net/noise/noise_transport.hpp"

#include <algorithm>

namespace ff::net {

Error NoiseTransport::fail(Error error) {
  failure_ = error;
  return error;
}

std::size_t NoiseTransport::encrypted_bytes(std::size_t plaintext_bytes) {
  const std::size_t frames = std::max<std::size_t>(
      1, (plaintext_bytes + kMaxNoiseTransportPlaintextBytes - 1) / kMaxNoiseTransportPlaintextBytes);
  return plaintext_bytes + frames * (kNoiseFrameHeaderBytes + kNoiseTagBytes);
}

Result<std::size_t> NoiseTransport::encrypt_to(ByteView plaintext, std::span<std::uint8_t> out) {
  if (failure_) return *failure_;
  const std::size_t total = encrypted_bytes(plaintext.size());
  if (out.size() < total) {
    return make_error(Errc::kInvalidInput, "Noise: output buffer too small for the encrypted frames");
  }
  std::size_t offset = 0;
  std::size_t written = 0;
  do {
    const std::size_t chunk = std::min(kMaxNoiseTransportPlaintextBytes, plaintext.size() - offset);
    const std::size_t message_bytes = chunk + kNoiseTagBytes;
    out[written] = static_cast<std::uint8_t>(message_bytes >> 8);
    out[written + 1] = static_cast<std::uint8_t>(message_bytes & 0xff);
    written += kNoiseFrameHeaderBytes;
    // Encrypted straight from the plaintext into place: no copy and no zero-fill first.
    if (auto status =
            send_.encrypt_to({}, plaintext.subspan(offset, chunk), out.subspan(written, message_bytes));
        !status.ok()) {
      return fail(status.error());
    }
    written += message_bytes;
    offset += chunk;
  } while (offset < plaintext.size());
  return written;
}

Status NoiseTransport::encrypt_into(ByteView plaintext, Bytes& out) {
  if (failure_) return *failure_;
  const std::size_t start = out.size();
  out.resize(start + encrypted_bytes(plaintext.size()));
  auto written = encrypt_to(plaintext, std::span<std::uint8_t>(out).subspan(start));
  if (!written.ok()) {
    out.resize(start);
    return written.error();
  }
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

Result<std::optional<NoiseOpenedFrame>> NoiseTransport::open_frame_in_place(std::span<std::uint8_t> input) {
  if (failure_) return *failure_;
  if (!reader_.empty()) {
    return make_error(Errc::kInvalidInput, "Noise: open_frame_in_place() while feed() holds part of a frame");
  }
  if (input.size() < kNoiseFrameHeaderBytes) return std::optional<NoiseOpenedFrame>();
  const std::size_t message_bytes = (std::size_t{input[0]} << 8) | input[1];
  if (input.size() < kNoiseFrameHeaderBytes + message_bytes) return std::optional<NoiseOpenedFrame>();
  auto plaintext = receive_.decrypt_in_place({}, input.subspan(kNoiseFrameHeaderBytes, message_bytes));
  if (!plaintext.ok()) return fail(plaintext.error());
  return std::optional<NoiseOpenedFrame>(
      NoiseOpenedFrame{kNoiseFrameHeaderBytes + message_bytes, *plaintext});
}

Bytes NoiseTransport::take_plaintext() {
  Bytes out = std::move(plaintext_);
  plaintext_.clear();
  return out;
}

}  // namespace ff::net
