#include "net/yamux/yamux_session.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <utility>

namespace ff::net {
namespace {

constexpr std::uint64_t kMaxStreamId = std::numeric_limits<std::uint32_t>::max();

std::string stream_name(YamuxStreamId id) { return "stream " + std::to_string(id); }

}  // namespace

YamuxSession::YamuxSession(YamuxRole role, YamuxConfig config)
    : role_(role), config_(config), next_stream_id_(role == YamuxRole::kClient ? 1 : 2) {
  // Invariants the flow control below relies on; a bad config is a programming error.
  assert(config_.max_window_bytes >= kYamuxInitialWindowBytes);
  assert(config_.max_frame_payload_bytes > 0);
  assert(config_.max_pending_output_bytes > kYamuxHeaderBytes);
}

// ---------------------------------------------------------------------------------------
// Input

Status YamuxSession::feed(ByteView bytes) {
  FF_TRY(check_usable());
  std::size_t offset = 0;
  while (offset < bytes.size() && !failed_) {
    if (payload_remaining_ > 0) {
      const std::size_t n = std::min<std::size_t>(payload_remaining_, bytes.size() - offset);
      deliver_payload(bytes.subspan(offset, n));
      offset += n;
      payload_remaining_ -= static_cast<std::uint32_t>(n);
      if (payload_remaining_ == 0) finish_payload();
      continue;
    }
    const std::size_t n = std::min(kYamuxHeaderBytes - header_fill_, bytes.size() - offset);
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), n, header_bytes_ + header_fill_);
    header_fill_ += n;
    offset += n;
    if (header_fill_ < kYamuxHeaderBytes) break;
    header_fill_ = 0;
    auto header = decode_yamux_header(ByteView(header_bytes_, kYamuxHeaderBytes));
    if (!header.ok()) {
      fail(YamuxGoAwayCode::kProtocolError, header.error().code, header.error().message);
      break;
    }
    handle_header(*header);
    // Answers we owe the peer (pings, RSTs) are at most as large as the frames that asked
    // for them, so output only outgrows the hard limit if the runtime stops writing while
    // it keeps reading: then the peer is outrunning us and we stop.
    if (!failed_ && output_.size() > output_hard_limit()) {
      fail(YamuxGoAwayCode::kInternalError, Errc::kLimitExceeded,
           "yamux: " + std::to_string(output_.size()) + " bytes of output not taken by the runtime (limit " +
               std::to_string(output_hard_limit()) + ")");
    }
  }
  if (failed_) return error_;
  return {};
}

void YamuxSession::handle_header(const YamuxHeader& header) {
  switch (header.type) {
    case YamuxType::kData:
    case YamuxType::kWindowUpdate: handle_stream_frame(header); return;
    case YamuxType::kPing: handle_ping(header); return;
    case YamuxType::kGoAway: handle_go_away(header); return;
  }
}

void YamuxSession::handle_stream_frame(const YamuxHeader& header) {
  const bool is_data = header.type == YamuxType::kData;
  const YamuxStreamId id = header.stream_id;
  if (id == 0) {
    fail(YamuxGoAwayCode::kProtocolError, Errc::kInvalidInput,
         "yamux: Data or WindowUpdate frame on stream 0, which is reserved for the session");
    return;
  }
  // Until told otherwise the payload of a Data frame is skipped.
  payload_stream_ = 0;
  payload_fin_ = false;
  payload_remaining_ = is_data ? header.length : 0;

  Stream* stream = find(id);
  if (header.has(kYamuxFlagSyn)) {
    if (stream != nullptr) {
      fail(YamuxGoAwayCode::kProtocolError, Errc::kInvalidInput,
           "yamux: SYN for " + stream_name(id) + ", which is already open");
      return;
    }
    if (!is_remote_id(id)) {
      fail(YamuxGoAwayCode::kProtocolError, Errc::kInvalidInput,
           "yamux: peer opened " + stream_name(id) + " with our parity (both endpoints act as " +
               (role_ == YamuxRole::kClient ? "clients" : "servers") + ")");
      return;
    }
    if (local_go_away_ || remote_go_away_ || inbound_streams_ >= config_.max_inbound_streams ||
        unaccepted_inbound_ >= config_.max_unaccepted_inbound_streams) {
      refuse_stream(id);  // the stream only, never the session
      return;
    }
    stream = &create_stream(id, /*outbound=*/false);
    push_stream_event(YamuxEvent::Kind::kStreamOpened, id, *stream);
  }
  // Frames for streams we do not know (never opened, or already gone) are ignored, as
  // js-libp2p does: they race with our own RST or close.
  if (stream == nullptr || stream->reset) return;

  if (header.has(kYamuxFlagAck) && stream->outbound) release_backlog(*stream);
  if (header.has(kYamuxFlagRst)) {
    remote_reset(id, *stream);
    return;
  }
  if (!is_data) {
    const std::uint64_t window = std::uint64_t{stream->send_window} + header.length;
    if (window > std::numeric_limits<std::uint32_t>::max()) {
      fail(YamuxGoAwayCode::kProtocolError, Errc::kInvalidInput,
           "yamux: window update on " + stream_name(id) + " overflows the 32-bit send window");
      return;
    }
    stream->send_window = static_cast<std::uint32_t>(window);
    if (stream->write_blocked && header.length > 0) mark_writable(id, *stream);
    if (header.has(kYamuxFlagFin)) remote_fin(id, *stream);
    return;
  }
  if (stream->remote_fin) {
    fail(YamuxGoAwayCode::kProtocolError, Errc::kInvalidInput,
         "yamux: Data frame on " + stream_name(id) + " after the peer's FIN");
    return;
  }
  if (header.length > stream->recv_credit) {
    fail(YamuxGoAwayCode::kProtocolError, Errc::kLimitExceeded,
         "yamux: " + stream_name(id) + " received a Data frame of " + std::to_string(header.length) +
             " bytes with only " + std::to_string(stream->recv_credit) + " bytes of receive window left");
    return;
  }
  stream->recv_credit -= header.length;
  stream->held_bytes += header.length;
  payload_stream_ = id;
  payload_fin_ = header.has(kYamuxFlagFin);
  if (payload_remaining_ == 0) finish_payload();
}

void YamuxSession::deliver_payload(ByteView bytes) {
  if (payload_stream_ == 0) return;
  Stream* stream = find(payload_stream_);
  // The application may have reset the stream while its frame was still arriving.
  if (stream == nullptr || stream->reset) {
    payload_stream_ = 0;
    return;
  }
  if (stream->data_event_queued) {
    YamuxEvent& event = events_[static_cast<std::size_t>(stream->data_event_seq - events_popped_)];
    assert(event.kind == YamuxEvent::Kind::kData && event.stream == payload_stream_);
    event.data.insert(event.data.end(), bytes.begin(), bytes.end());
  } else {
    YamuxEvent event;
    event.kind = YamuxEvent::Kind::kData;
    event.stream = payload_stream_;
    // Room for the rest of this frame too (already counted against the window), so a
    // payload that arrives in pieces is not copied again as the buffer grows.
    event.data.reserve(payload_remaining_);
    event.data.assign(bytes.begin(), bytes.end());
    stream->data_event_queued = true;
    stream->data_event_seq = events_popped_ + events_.size();
    ++stream->pending_events;
    events_.push_back(std::move(event));
  }
  event_data_bytes_ += bytes.size();
}

void YamuxSession::finish_payload() {
  const YamuxStreamId id = payload_stream_;
  const bool fin = payload_fin_;
  payload_stream_ = 0;
  payload_fin_ = false;
  if (id == 0 || !fin) return;
  Stream* stream = find(id);
  if (stream != nullptr && !stream->reset) remote_fin(id, *stream);
}

void YamuxSession::handle_ping(const YamuxHeader& header) {
  if (header.stream_id != 0) {
    fail(YamuxGoAwayCode::kProtocolError, Errc::kInvalidInput,
         "yamux: Ping frame on " + stream_name(header.stream_id) + " (must be stream 0)");
    return;
  }
  const std::uint16_t kind = header.flags & (kYamuxFlagSyn | kYamuxFlagAck);
  if (kind == kYamuxFlagSyn) {
    // js-libp2p kills the connection over a wrong or unrequested answer: echo exactly.
    queue_frame(YamuxType::kPing, kYamuxFlagAck, 0, header.length);
    return;
  }
  if (kind == kYamuxFlagAck) {
    auto it = std::find(outstanding_pings_.begin(), outstanding_pings_.end(), header.length);
    // An answer to no ping of ours is harmless, so unlike js-libp2p we drop it rather than
    // fail the session.
    if (it == outstanding_pings_.end()) return;
    outstanding_pings_.erase(it);
    YamuxEvent event;
    event.kind = YamuxEvent::Kind::kPong;
    event.value = header.length;
    push_session_event(std::move(event));
    return;
  }
  fail(YamuxGoAwayCode::kProtocolError, Errc::kInvalidInput,
       "yamux: Ping frame with flags " + std::to_string(header.flags) + " (need exactly one of SYN, ACK)");
}

void YamuxSession::handle_go_away(const YamuxHeader& header) {
  if (header.stream_id != 0) {
    fail(YamuxGoAwayCode::kProtocolError, Errc::kInvalidInput,
         "yamux: GoAway frame on " + stream_name(header.stream_id) + " (must be stream 0)");
    return;
  }
  if (remote_go_away_) return;  // one event per session, however often the peer repeats it
  remote_go_away_ = true;
  YamuxEvent event;
  event.kind = YamuxEvent::Kind::kGoAway;
  event.value = header.length;
  push_session_event(std::move(event));
}

void YamuxSession::remote_fin(YamuxStreamId id, Stream& stream) {
  if (stream.remote_fin) return;
  stream.remote_fin = true;
  push_stream_event(YamuxEvent::Kind::kRemoteClosed, id, stream);
}

void YamuxSession::remote_reset(YamuxStreamId id, Stream& stream) {
  stream.reset = true;
  release_backlog(stream);
  push_stream_event(YamuxEvent::Kind::kStreamReset, id, stream);
}

void YamuxSession::refuse_stream(YamuxStreamId id) {
  // js-libp2p refuses with a WindowUpdate carrying RST; any frame type would do.
  queue_frame(YamuxType::kWindowUpdate, kYamuxFlagRst, id, 0);
}

void YamuxSession::fail(YamuxGoAwayCode code, Errc errc, std::string reason) {
  if (failed_) return;
  failed_ = true;
  error_ = make_error(errc, reason);
  // Tell the peer why; appended even past the output limit, it is the last frame.
  queue_frame(YamuxType::kGoAway, 0, 0, static_cast<std::uint32_t>(code));
  local_go_away_ = true;
  payload_remaining_ = 0;
  payload_stream_ = 0;
  header_fill_ = 0;
  YamuxEvent event;
  event.kind = YamuxEvent::Kind::kSessionError;
  event.reason = std::move(reason);
  push_session_event(std::move(event));
}

// ---------------------------------------------------------------------------------------
// Output and events

Bytes YamuxSession::take_output() {
  Bytes out = std::exchange(output_, Bytes{});
  output_taken();
  return out;
}

void YamuxSession::discard_output() {
  // Keep the buffer for the next batch, unless it grew far beyond what is queued these
  // days: an idle session then gives back the memory of its busiest moment.
  if (output_.capacity() > kYamuxRetainedOutputBytes && output_.size() < output_.capacity() / 4) {
    Bytes().swap(output_);
  } else {
    output_.clear();
  }
  output_taken();
}

void YamuxSession::output_taken() {
  if (output_blocked_ && !failed_) {
    output_blocked_ = false;
    for (auto& [id, stream] : streams_) {
      if (stream.write_blocked && stream.send_window > 0) mark_writable(id, stream);
    }
  }
}

std::optional<YamuxEvent> YamuxSession::poll_event() {
  if (events_.empty()) return std::nullopt;
  YamuxEvent event = std::move(events_.front());
  events_.pop_front();
  ++events_popped_;
  event_data_bytes_ -= event.data.size();
  const bool stream_event = event.kind != YamuxEvent::Kind::kPong &&
                            event.kind != YamuxEvent::Kind::kGoAway &&
                            event.kind != YamuxEvent::Kind::kSessionError;
  if (stream_event) {
    Stream* stream = find(event.stream);
    // A stream stays in the map while any event names it (maybe_remove).
    assert(stream != nullptr && stream->pending_events > 0);
    --stream->pending_events;
    if (event.kind == YamuxEvent::Kind::kData) {
      stream->data_event_queued = false;
      stream->delivered_bytes += event.data.size();
    } else if (event.kind == YamuxEvent::Kind::kWritable) {
      stream->writable_pending = false;
    }
    maybe_remove(event.stream);
  }
  return event;
}

void YamuxSession::queue_frame(YamuxType type, std::uint16_t flags, YamuxStreamId id, std::uint32_t length) {
  append_yamux_header(output_, YamuxHeader{type, flags, id, length});
}

void YamuxSession::push_stream_event(YamuxEvent::Kind kind, YamuxStreamId id, Stream& stream) {
  YamuxEvent event;
  event.kind = kind;
  event.stream = id;
  ++stream.pending_events;
  events_.push_back(std::move(event));
}

void YamuxSession::push_session_event(YamuxEvent event) { events_.push_back(std::move(event)); }

void YamuxSession::mark_writable(YamuxStreamId id, Stream& stream) {
  if (stream.writable_pending || stream.local_fin || stream.reset) return;
  stream.write_blocked = false;
  stream.writable_pending = true;
  push_stream_event(YamuxEvent::Kind::kWritable, id, stream);
}

std::size_t YamuxSession::output_budget() const {
  return output_.size() < config_.max_pending_output_bytes ? config_.max_pending_output_bytes - output_.size()
                                                           : 0;
}

// ---------------------------------------------------------------------------------------
// Application calls

Status YamuxSession::check_usable() const {
  if (failed_) return error_;
  return {};
}

Status YamuxSession::check_output_room(const char* action) const {
  // New work waits until the runtime has taken what is queued, so the frames the
  // application can add between two take_output() calls stay bounded.
  if (output_.size() < config_.max_pending_output_bytes) return {};
  return make_error(Errc::kLimitExceeded, std::string("yamux: cannot ") + action + " with " +
                                              std::to_string(output_.size()) +
                                              " bytes of output not taken; call take_output() first");
}

Result<YamuxSession::Stream*> YamuxSession::find_open(YamuxStreamId id) {
  FF_TRY(check_usable());
  Stream* stream = find(id);
  if (stream == nullptr) return make_error(Errc::kNotFound, "yamux: no " + stream_name(id));
  if (stream->reset) return make_error(Errc::kInvalidInput, "yamux: " + stream_name(id) + " was reset");
  return stream;
}

Result<YamuxStreamId> YamuxSession::open_stream() {
  FF_TRY(check_usable());
  if (local_go_away_ || remote_go_away_) {
    return make_error(Errc::kInvalidInput, "yamux: cannot open a stream after a GoAway");
  }
  if (outbound_streams_ >= config_.max_outbound_streams) {
    return make_error(Errc::kLimitExceeded,
                      "yamux: " + std::to_string(outbound_streams_) + " outbound streams open (the limit)");
  }
  if (next_stream_id_ > kMaxStreamId) return make_error(Errc::kLimitExceeded, "yamux: stream ids exhausted");
  FF_TRY(check_output_room("open a stream"));
  const auto id = static_cast<YamuxStreamId>(next_stream_id_);
  next_stream_id_ += 2;
  create_stream(id, /*outbound=*/true);
  queue_frame(YamuxType::kWindowUpdate, kYamuxFlagSyn, id, 0);
  return id;
}

Result<std::size_t> YamuxSession::write(YamuxStreamId id, ByteView bytes) {
  FF_TRY_ASSIGN(Stream * stream, find_open(id));
  if (stream->local_fin) {
    return make_error(Errc::kInvalidInput, "yamux: write on " + stream_name(id) + " after close_write");
  }
  std::size_t written = 0;
  while (written < bytes.size()) {
    const std::size_t budget = output_budget();
    if (budget <= kYamuxHeaderBytes) {
      output_blocked_ = true;
      break;
    }
    const std::size_t chunk = std::min({bytes.size() - written, std::size_t{stream->send_window},
                                        config_.max_frame_payload_bytes, budget - kYamuxHeaderBytes});
    if (chunk == 0) break;
    queue_frame(YamuxType::kData, first_frame_flags(*stream), id, static_cast<std::uint32_t>(chunk));
    const ByteView payload = bytes.subspan(written, chunk);
    output_.insert(output_.end(), payload.begin(), payload.end());
    stream->send_window -= static_cast<std::uint32_t>(chunk);
    written += chunk;
  }
  if (written < bytes.size()) stream->write_blocked = true;
  return written;
}

Status YamuxSession::close_write(YamuxStreamId id) {
  FF_TRY_ASSIGN(Stream * stream, find_open(id));
  if (stream->local_fin) return {};
  // js-libp2p sends FIN on a WindowUpdate with delta 0; so do we.
  queue_frame(YamuxType::kWindowUpdate,
              static_cast<std::uint16_t>(first_frame_flags(*stream) | kYamuxFlagFin), id, 0);
  stream->local_fin = true;
  stream->write_blocked = false;
  maybe_remove(id);
  return {};
}

Status YamuxSession::reset(YamuxStreamId id) {
  FF_TRY(check_usable());
  Stream* stream = find(id);
  if (stream == nullptr) return make_error(Errc::kNotFound, "yamux: no " + stream_name(id));
  if (stream->reset) return {};
  queue_frame(YamuxType::kWindowUpdate, kYamuxFlagRst, id, 0);
  stream->reset = true;
  release_backlog(*stream);
  if (payload_stream_ == id) payload_stream_ = 0;
  maybe_remove(id);
  return {};
}

Status YamuxSession::consume(YamuxStreamId id, std::size_t bytes, std::uint64_t now_ms) {
  FF_TRY(check_usable());
  Stream* stream = find(id);
  if (stream == nullptr) return make_error(Errc::kNotFound, "yamux: no " + stream_name(id));
  if (bytes > stream->delivered_bytes) {
    return make_error(Errc::kInvalidInput, "yamux: consume of " + std::to_string(bytes) + " bytes on " +
                                               stream_name(id) + ", but only " +
                                               std::to_string(stream->delivered_bytes) +
                                               " polled bytes are unconsumed");
  }
  stream->delivered_bytes -= bytes;
  stream->held_bytes -= bytes;
  if (!stream->reset && !stream->remote_fin) maybe_update_window(id, *stream, now_ms);
  return {};
}

void YamuxSession::maybe_update_window(YamuxStreamId id, Stream& stream, std::uint64_t now_ms) {
  // Invariant: credit the peer still has plus bytes we hold never exceed the window, so a
  // stream never buffers more than its window however the peer and the app behave.
  assert(std::uint64_t{stream.recv_credit} + stream.held_bytes <= stream.recv_window);
  const std::uint64_t free = stream.recv_window - stream.recv_credit - stream.held_bytes;
  // Updating only once half the window is free keeps updates rare (go-yamux does the same).
  if (free < stream.recv_window / 2) return;
  // Auto-tuning as in go-yamux and js-libp2p: if the reader got through half a window
  // within 4 RTTs of the last update, the window, not the reader, limits throughput.
  const std::uint64_t elapsed_ms = now_ms >= stream.epoch_start_ms ? now_ms - stream.epoch_start_ms : 0;
  if (rtt_ms_ > 0 && stream.epoch_valid && elapsed_ms <= 4ull * rtt_ms_ &&
      stream.recv_window < config_.max_window_bytes) {
    const std::uint32_t grown = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(std::uint64_t{stream.recv_window} * 2, config_.max_window_bytes));
    const std::size_t growth = grown - stream.recv_window;
    if (window_growth_bytes_ + growth <= config_.max_window_growth_bytes) {
      window_growth_bytes_ += growth;
      stream.recv_window = grown;
    }
  }
  stream.epoch_start_ms = now_ms;
  stream.epoch_valid = true;
  const auto delta = static_cast<std::uint32_t>(stream.recv_window - stream.recv_credit - stream.held_bytes);
  stream.recv_credit += delta;
  queue_frame(YamuxType::kWindowUpdate, first_frame_flags(stream), id, delta);
}

Result<std::uint32_t> YamuxSession::ping() {
  FF_TRY(check_usable());
  if (outstanding_pings_.size() >= config_.max_outstanding_pings) {
    return make_error(Errc::kLimitExceeded,
                      "yamux: " + std::to_string(outstanding_pings_.size()) + " pings await an answer");
  }
  FF_TRY(check_output_room("ping"));
  const std::uint32_t opaque = next_ping_opaque_++;
  outstanding_pings_.push_back(opaque);
  queue_frame(YamuxType::kPing, kYamuxFlagSyn, 0, opaque);
  return opaque;
}

Status YamuxSession::go_away(YamuxGoAwayCode code) {
  FF_TRY(check_usable());
  if (local_go_away_) return {};
  local_go_away_ = true;
  queue_frame(YamuxType::kGoAway, 0, 0, static_cast<std::uint32_t>(code));
  return {};
}

// ---------------------------------------------------------------------------------------
// Streams

YamuxSession::Stream* YamuxSession::find(YamuxStreamId id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : &it->second;
}

const YamuxSession::Stream* YamuxSession::find(YamuxStreamId id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : &it->second;
}

YamuxSession::Stream& YamuxSession::create_stream(YamuxStreamId id, bool outbound) {
  Stream& stream = streams_[id];
  stream.outbound = outbound;
  if (outbound) {
    ++outbound_streams_;
  } else {
    ++inbound_streams_;
    ++unaccepted_inbound_;
  }
  return stream;
}

void YamuxSession::release_backlog(Stream& stream) {
  if (!stream.in_backlog) return;
  stream.in_backlog = false;
  if (!stream.outbound) --unaccepted_inbound_;
}

std::uint16_t YamuxSession::first_frame_flags(Stream& stream) {
  // The first frame we send on an inbound stream accepts it (spec "Opening a stream").
  if (stream.outbound || !stream.in_backlog) return 0;
  release_backlog(stream);
  return kYamuxFlagAck;
}

void YamuxSession::maybe_remove(YamuxStreamId id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  Stream& stream = it->second;
  const bool closed = stream.reset || (stream.local_fin && stream.remote_fin);
  if (!closed || stream.pending_events > 0) return;
  release_backlog(stream);
  if (stream.outbound) {
    --outbound_streams_;
  } else {
    --inbound_streams_;
  }
  window_growth_bytes_ -= stream.recv_window - kYamuxInitialWindowBytes;
  if (payload_stream_ == id) payload_stream_ = 0;
  streams_.erase(it);
}

bool YamuxSession::is_remote_id(YamuxStreamId id) const {
  const bool odd = (id % 2) == 1;
  return role_ == YamuxRole::kClient ? !odd : odd;
}

// ---------------------------------------------------------------------------------------
// Queries

std::size_t YamuxSession::send_capacity(YamuxStreamId id) const {
  const Stream* stream = find(id);
  if (failed_ || stream == nullptr || stream->reset || stream->local_fin) return 0;
  const std::size_t budget = output_budget();
  if (budget <= kYamuxHeaderBytes) return 0;
  return std::min<std::size_t>(stream->send_window, budget - kYamuxHeaderBytes);
}

std::uint32_t YamuxSession::receive_window(YamuxStreamId id) const {
  const Stream* stream = find(id);
  return stream == nullptr ? 0 : stream->recv_window;
}

std::size_t YamuxSession::buffered_bytes() const { return output_.size() + header_fill_ + event_data_bytes_; }

std::size_t YamuxSession::buffered_bytes_limit() const {
  // Output: feed() fails the session once output passes the hard limit, so the peer can
  // push it at most one frame past it, plus our final GoAway. On top of that come frames
  // the application adds between two take_output() calls that are not refused when output
  // is full: per stream slot a FIN, a RST and two window updates (an update needs half a
  // window of newly consumed data, and consumed data arrives only through feed()).
  const std::size_t stream_slots = config_.max_inbound_streams + config_.max_outbound_streams;
  const std::size_t output_limit = output_hard_limit() + kYamuxHeaderBytes * (2 + 4 * stream_slots);
  // Data in events: never more than the receive windows of the streams that exist now
  // (a stream stays until its events are polled).
  const std::size_t windows = streams_.size() * std::size_t{kYamuxInitialWindowBytes} + window_growth_bytes_;
  return output_limit + kYamuxHeaderBytes + windows;
}

}  // namespace ff::net
