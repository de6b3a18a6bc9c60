// Ping (`/ipfs/ping/1.0.0`, libp2p specs ping/ping.md), IO-free.
//
//   initiator                          responder
//     32 random bytes        ->
//                            <-          the same 32 bytes
//     (repeat on the same stream, or close the write side)
//                                        after the initiator's EOF: finish echoing, close
//
// There is no framing: payloads are back to back on the stream and may arrive in any
// chunking. js-libp2p's connection monitor pings every connection every 10 s (one payload
// per stream) and aborts the connection on a timeout or reset, so a node must answer
// promptly (see /work/shared/notes/libp2p-interop.md section 1.2). Timeouts are the
// runtime's: these classes never read a clock; times come in as arguments.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"

namespace ff::net {

inline constexpr std::string_view kPingProtocolId = "/ipfs/ping/1.0.0";
inline constexpr std::size_t kPingPayloadBytes = 32;
// Echo bytes a responder holds before the runtime takes them. A conforming initiator has
// one payload in flight and waits for it; this leaves room for a burst of 128, and a peer
// that sends more without reading fails the stream rather than growing our buffer.
inline constexpr std::size_t kMaxPingPendingEchoBytes = 128 * kPingPayloadBytes;

// Echoes each complete 32-byte payload. Errors are sticky: after one, every call returns
// it again and the runtime resets the stream.
class PingResponder {
 public:
  // Consumes received bytes (any chunking); complete payloads are queued for take_output().
  // kLimitExceeded if more than kMaxPingPendingEchoBytes would be waiting to be sent.
  Status on_data(ByteView bytes);
  // The initiator closed its write side. kTruncated if it stopped inside a payload (the
  // spec only has whole payloads). Afterwards: send take_output(), then close the stream.
  Status on_eof();
  // The echo bytes to send now.
  Bytes take_output();

  std::uint64_t payloads_echoed() const { return payloads_echoed_; }
  bool finished() const { return eof_ && status_.ok(); }

 private:
  Status status_;
  bool eof_ = false;
  std::array<std::uint8_t, kPingPayloadBytes> partial_{};
  std::size_t partial_bytes_ = 0;
  Bytes output_;
  std::uint64_t payloads_echoed_ = 0;
};

// Sends one payload at a time and matches its echo. Reusable for several pings on one
// stream; errors are sticky (reset the stream).
class PingInitiator {
 public:
  // Starts a ping: returns 32 bytes from `rng` to write, and records `now_us` (a
  // monotonic time in microseconds) as the send time. kInvalidInput if a ping is still
  // outstanding (the spec allows one payload in flight).
  Result<Bytes> start(Rng& rng, std::uint64_t now_us);

  // Consumes echoed bytes received at `now_us`. Returns the round-trip time in
  // microseconds when the echo is complete, std::nullopt while it is partial. kInvalidInput
  // if a byte differs from what we sent (checked as bytes arrive), for bytes while no ping
  // is outstanding (more than the echo), or if `now_us` is before the send time.
  Result<std::optional<std::uint64_t>> on_data(ByteView bytes, std::uint64_t now_us);

  // The responder closed its side. kTruncated if a ping was outstanding.
  Status on_eof();

  bool outstanding() const { return outstanding_; }
  std::optional<std::uint64_t> last_rtt_us() const { return last_rtt_us_; }
  std::uint64_t pings_completed() const { return pings_completed_; }

 private:
  Status status_;
  bool outstanding_ = false;
  std::array<std::uint8_t, kPingPayloadBytes> payload_{};
  std::size_t echoed_bytes_ = 0;
  std::uint64_t sent_at_us_ = 0;
  std::optional<std::uint64_t> last_rtt_us_;
  std::uint64_t pings_completed_ = 0;
};

}  // namespace ff::net
