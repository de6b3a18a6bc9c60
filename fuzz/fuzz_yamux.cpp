// Feeds arbitrary bytes to a Yamux session, whole or in 1..16-byte chunks chosen by the
// input, with an application that (depending on the first byte) consumes, echoes, resets,
// opens streams and pings, and a runtime that takes output promptly or lazily. Checks it
// never crashes and never holds more than buffered_bytes_limit(). See docs/wire/yamux.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "net/yamux/yamux_session.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using ff::net::YamuxEvent;
  using ff::net::YamuxSession;
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const ff::ByteView input(data + 1, size - 1);
  const bool chunked = (mode & 1) != 0;
  const bool consume = (mode & 2) != 0;
  const bool echo = (mode & 4) != 0;
  const bool lazy_runtime = (mode & 8) != 0;  // takes output only every 16 chunks
  const bool active_app = (mode & 16) != 0;   // opens streams, pings, resets, closes
  ff::net::YamuxConfig config;
  if ((mode & 32) != 0) {
    // Small limits reach the edges quickly.
    config.max_inbound_streams = 4;
    config.max_unaccepted_inbound_streams = 2;
    config.max_outbound_streams = 3;
    config.max_pending_output_bytes = 256;
    config.max_frame_payload_bytes = 100;
    config.max_window_growth_bytes = 512 * 1024;
    config.max_window_bytes = 1024 * 1024;
  }
  YamuxSession session((mode & 64) != 0 ? ff::net::YamuxRole::kClient : ff::net::YamuxRole::kServer, config);
  session.set_rtt_ms((mode & 128) != 0 ? 5 : 0);

  std::uint64_t now_ms = 0;
  std::size_t offset = 0;
  std::size_t chunk_index = 0;
  while (offset < input.size()) {
    const std::uint8_t control = input[offset];
    const std::size_t n =
        chunked ? std::min<std::size_t>(1 + (control & 15), input.size() - offset) : input.size();
    const ff::Status fed = session.feed(input.subspan(offset, n));
    check(fed.ok() == !session.failed());
    offset += n;
    ++chunk_index;
    now_ms += control >> 4;
    while (auto event = session.poll_event()) {
      if (event->kind == YamuxEvent::Kind::kData) {
        if (echo) (void)session.write(event->stream, event->data);
        if (consume) (void)session.consume(event->stream, event->data.size(), now_ms);
      } else if (event->kind == YamuxEvent::Kind::kRemoteClosed && active_app) {
        (void)session.close_write(event->stream);
      } else if (event->kind == YamuxEvent::Kind::kStreamOpened && active_app && (control & 1) != 0) {
        (void)session.reset(event->stream);
      }
      check(session.buffered_bytes() <= session.buffered_bytes_limit());
    }
    if (active_app) {
      if ((control & 0x30) == 0x30) (void)session.open_stream();
      if ((control & 0xc0) == 0xc0) (void)session.ping();
      if ((control & 0x0f) == 0x0f) (void)session.go_away(ff::net::YamuxGoAwayCode::kNormal);
    }
    check(session.buffered_bytes() <= session.buffered_bytes_limit());
    if (!lazy_runtime || chunk_index % 16 == 0) (void)session.take_output();
  }
  return 0;
}
