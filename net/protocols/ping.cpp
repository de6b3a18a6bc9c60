#include "net/protocols/ping.hpp"

#include <algorithm>

namespace ff::net {

Status PingResponder::on_data(ByteView bytes) {
  if (!status_.ok()) return status_;
  if (eof_) {
    status_ = make_error(Errc::kInvalidInput, "ping: data after the initiator's EOF");
    return status_;
  }
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    const std::size_t take = std::min(kPingPayloadBytes - partial_bytes_, bytes.size() - offset);
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), take, partial_.begin() + partial_bytes_);
    partial_bytes_ += take;
    offset += take;
    if (partial_bytes_ < kPingPayloadBytes) break;
    if (output_.size() + kPingPayloadBytes > kMaxPingPendingEchoBytes) {
      status_ =
          make_error(Errc::kLimitExceeded, "ping: more than " + std::to_string(kMaxPingPendingEchoBytes) +
                                               " echo bytes waiting; the initiator does not read");
      return status_;
    }
    output_.insert(output_.end(), partial_.begin(), partial_.end());
    partial_bytes_ = 0;
    ++payloads_echoed_;
  }
  return {};
}

Status PingResponder::on_eof() {
  if (!status_.ok()) return status_;
  eof_ = true;
  if (partial_bytes_ != 0) {
    status_ = make_error(Errc::kTruncated, "ping: stream ended " + std::to_string(partial_bytes_) +
                                               " bytes into a 32-byte payload");
  }
  return status_;
}

Bytes PingResponder::take_output() {
  Bytes output;
  output.swap(output_);
  return output;
}

Result<Bytes> PingInitiator::start(Rng& rng, std::uint64_t now_us) {
  if (!status_.ok()) return status_.error();
  if (outstanding_)
    return make_error(Errc::kInvalidInput, "ping: a ping is already outstanding on this stream");
  for (std::size_t i = 0; i < kPingPayloadBytes; i += 8) {
    const std::uint64_t word = rng.next();
    for (std::size_t j = 0; j < 8; ++j) payload_[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
  }
  outstanding_ = true;
  echoed_bytes_ = 0;
  sent_at_us_ = now_us;
  return Bytes(payload_.begin(), payload_.end());
}

Result<std::optional<std::uint64_t>> PingInitiator::on_data(ByteView bytes, std::uint64_t now_us) {
  if (!status_.ok()) return status_.error();
  if (bytes.empty()) return std::optional<std::uint64_t>();
  if (!outstanding_) {
    status_ = make_error(Errc::kInvalidInput, "ping: " + std::to_string(bytes.size()) +
                                                  " bytes received while no ping is outstanding");
    return status_.error();
  }
  if (bytes.size() > kPingPayloadBytes - echoed_bytes_) {
    status_ = make_error(Errc::kInvalidInput, "ping: echo longer than the 32-byte payload");
    return status_.error();
  }
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != payload_[echoed_bytes_ + i]) {
      status_ = make_error(Errc::kInvalidInput, "ping: echo differs from the payload at byte " +
                                                    std::to_string(echoed_bytes_ + i));
      return status_.error();
    }
  }
  echoed_bytes_ += bytes.size();
  if (echoed_bytes_ < kPingPayloadBytes) return std::optional<std::uint64_t>();
  if (now_us < sent_at_us_) {
    status_ =
        make_error(Errc::kInvalidInput, "ping: receive time is before the send time (clock not monotonic)");
    return status_.error();
  }
  outstanding_ = false;
  ++pings_completed_;
  last_rtt_us_ = now_us - sent_at_us_;
  return last_rtt_us_;
}

Status PingInitiator::on_eof() {
  if (!status_.ok()) return status_;
  if (outstanding_) {
    status_ = make_error(Errc::kTruncated,
                         "ping: stream ended after " + std::to_string(echoed_bytes_) + " of 32 echo bytes");
  }
  return status_;
}

}  // namespace ff::net
