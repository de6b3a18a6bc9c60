#include "net/swarm/connection.hpp"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <cstring>
#include <span>

#include "net/swarm/swarm_log.hpp"
#include "net/transport/ws_stream.hpp"

namespace ff::net {

namespace {
std::uint64_t g_next_connection_id = 1;  // event-loop thread only

static_assert(kSocketReadBufferBytes >= 2 * kMaxNoiseFrameBytes,
              "the read buffer must hold an incomplete Noise frame and a whole one after it");

// Over /ws every socket write is one WebSocket message. pump() adds a Yamux batch (at most
// twice the output budget, plus control frames, plus Noise framing) only while less than
// the high water is waiting, so one write stays under what a peer like us accepts.
static_assert(kConnectionSocketHighWaterBytes + 2 * kYamuxMaxPendingOutputBytes +
                      2 * kYamuxMaxPendingOutputBytes / kMaxNoiseTransportPlaintextBytes * 64 + 64 * 1024 <=
                  kMaxWebSocketMessageBytes,
              "a coalesced write could exceed the largest WebSocket message we accept");

}  // namespace

std::span<std::uint8_t> OutgoingBuffer::append(std::size_t bytes) {
  if (storage_.size() - size_ < bytes) {
    // Grows geometrically; only the new part is ever zero-filled.
    storage_.resize(std::max(size_ + bytes, 2 * storage_.size()));
  }
  const auto space = std::span<std::uint8_t>(storage_).subspan(size_, bytes);
  size_ += bytes;
  return space;
}

void OutgoingBuffer::clear() {
  if (storage_.size() > kRetainedWriteBufferBytes && size_ < storage_.size() / 4) Bytes().swap(storage_);
  size_ = 0;
}

const char* direction_name(Direction direction) {
  return direction == Direction::kInbound ? "inbound" : "outbound";
}

// ---------------------------------------------------------------------------------------
// SwarmStream: forwards to its connection.

Status SwarmStream::write(ByteView bytes) {
  auto connection = connection_.lock();
  if (!connection || ended_) return make_error(Errc::kInvalidInput, "stream: write after the stream ended");
  return connection->stream_write(*this, bytes);
}

void SwarmStream::close_write() {
  if (auto connection = connection_.lock(); connection && !ended_) connection->stream_close_write(*this);
}

void SwarmStream::reset() {
  if (auto connection = connection_.lock(); connection && !ended_) connection->stream_reset(*this);
}

void SwarmStream::resume_reading() {
  if (!reading_paused_) return;
  reading_paused_ = false;
  if (auto connection = connection_.lock(); connection && !ended_) connection->stream_resume_reading(*this);
}

// ---------------------------------------------------------------------------------------

Connection::Connection(boost::asio::io_context& io, std::unique_ptr<ByteStream> socket, Direction direction,
                       ConnectionHost& host, std::optional<PeerId> expected_peer, Multiaddr remote_addr)
    : io_(io),
      socket_(std::move(socket)),
      direction_(direction),
      host_(host),
      expected_peer_(std::move(expected_peer)),
      remote_addr_(std::move(remote_addr)),
      id_(g_next_connection_id++),
      read_buffer_(kSocketReadBufferBytes),
      upgrade_timer_(io),
      close_timer_(io) {}

Connection::~Connection() = default;

void Connection::start() {
  upgrade_timer_.expires_after(kUpgradeTimeout);
  upgrade_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_ || self->stage_ == Stage::kYamux) return;
    self->close("upgrade timed out");
  });
  auto negotiator = direction_ == Direction::kOutbound
                        ? MultistreamNegotiator::dialer({std::string(kNoiseProtocolId)})
                        : MultistreamNegotiator::listener({std::string(kNoiseProtocolId)});
  negotiator_.emplace(std::move(*negotiator));
  send_raw(negotiator_->take_output());
  read_next();
}

void Connection::read_next() {
  if (closed_) return;
  socket_->async_read_some(
      boost::asio::buffer(read_buffer_.data() + read_filled_, read_buffer_.size() - read_filled_),
      [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        if (self->closed_) return;
        if (ec) {
          self->close(ec == boost::asio::error::eof ? "closed by the peer" : "read failed: " + ec.message());
          return;
        }
        self->on_socket_bytes(n);
        self->read_next();
      });
}

void Connection::on_socket_bytes(std::size_t read_bytes) {
  if (!noise_) {
    // Before the Noise transport exists nothing stays in the buffer between reads.
    on_read(ByteView(read_buffer_.data(), read_bytes));
    return;
  }
  read_filled_ += read_bytes;
  if (auto status = open_frames(); !status.ok()) return close(status.error().message);
  pump();
}

void Connection::on_read(ByteView bytes) {
  Status status;
  switch (stage_) {
    case Stage::kMssNoise: {
      negotiator_->feed(bytes);
      send_raw(negotiator_->take_output());
      if (negotiator_->state() == MultistreamNegotiator::State::kFailed) {
        return close("security negotiation failed: " + negotiator_->error().message);
      }
      if (negotiator_->state() == MultistreamNegotiator::State::kAgreed) {
        Bytes leftover = negotiator_->take_leftover();
        negotiator_.reset();
        status = start_noise(leftover);
      }
      break;
    }
    case Stage::kNoise: {
      auto used = handshake_->feed(bytes);
      send_raw(handshake_->take_output());
      if (!used.ok()) return close("noise handshake failed: " + used.error().message);
      if (handshake_->state() == NoiseHandshake::State::kDone) {
        auto result = handshake_->take_result();
        handshake_.reset();
        remote_peer_ = result->remote_peer_id;
        noise_.emplace(std::move(result->transport));
        ByteView rest = bytes.subspan(*used);
        if (result->stream_muxer) {
          if (*result->stream_muxer != kYamuxProtocolId) {
            return close("noise negotiated an unknown muxer " + *result->stream_muxer);
          }
          status = start_yamux({});
        } else {
          // The peer offered no muxer in the handshake: negotiate one inside Noise.
          stage_ = Stage::kMssMuxer;
          auto negotiator = direction_ == Direction::kOutbound
                                ? MultistreamNegotiator::dialer({std::string(kYamuxProtocolId)})
                                : MultistreamNegotiator::listener({std::string(kYamuxProtocolId)});
          negotiator_.emplace(std::move(*negotiator));
          status = send_encrypted(negotiator_->take_output());
        }
        if (status.ok() && !rest.empty()) status = buffer_ciphertext(rest);
      }
      break;
    }
    case Stage::kMssMuxer:
    case Stage::kYamux: status = buffer_ciphertext(bytes); break;
  }
  if (!status.ok()) return close(status.error().message);
  pump();
}

// The bytes that followed the last handshake message in the same read: moved to the front
// of the read buffer (they may already be in it, further on) and opened there.
Status Connection::buffer_ciphertext(ByteView bytes) {
  compact_read_buffer();
  if (bytes.size() > read_buffer_.size() - read_filled_) {
    return make_error(Errc::kLimitExceeded,
                      "connection: more data after the handshake than the read buffer holds");
  }
  std::memmove(read_buffer_.data() + read_filled_, bytes.data(), bytes.size());
  read_filled_ += bytes.size();
  return open_frames();
}

// Decrypts every complete Noise frame in the read buffer in place and hands its plaintext
// on; an incomplete frame after them stays for the next read to extend.
Status Connection::open_frames() {
  while (!closed_) {
    const auto unread =
        std::span<std::uint8_t>(read_buffer_).subspan(read_start_, read_filled_ - read_start_);
    auto frame = noise_->open_frame_in_place(unread);
    if (!frame.ok()) return frame.error();
    if (!frame->has_value()) break;
    read_start_ += (*frame)->frame_bytes;
    FF_TRY(handle_plaintext((*frame)->plaintext));
  }
  compact_read_buffer();
  return {};
}

// Keeps at least a whole frame's room after the unread bytes, so every read is a large
// one, while copying the incomplete frame to the front only about once per buffer.
void Connection::compact_read_buffer() {
  if (read_start_ == read_filled_) {
    read_start_ = read_filled_ = 0;
    return;
  }
  if (read_buffer_.size() - read_filled_ >= kMaxNoiseFrameBytes) return;
  std::memmove(read_buffer_.data(), read_buffer_.data() + read_start_, read_filled_ - read_start_);
  read_filled_ -= read_start_;
  read_start_ = 0;
}

Status Connection::handle_plaintext(ByteView plaintext) {
  if (plaintext.empty()) return {};
  if (stage_ == Stage::kMssMuxer) {
    negotiator_->feed(plaintext);
    FF_TRY(send_encrypted(negotiator_->take_output()));
    if (negotiator_->state() == MultistreamNegotiator::State::kFailed) {
      return make_error(Errc::kInvalidInput, "muxer negotiation failed: " + negotiator_->error().message);
    }
    if (negotiator_->state() != MultistreamNegotiator::State::kAgreed) return {};
    Bytes leftover = negotiator_->take_leftover();
    negotiator_.reset();
    return start_yamux(leftover);
  }
  FF_TRY(yamux_->feed(plaintext));
  return {};
}

Status Connection::start_noise(ByteView leftover) {
  NoiseHandshakeConfig config(host_.local_key());
  if (direction_ == Direction::kOutbound) config.expected_remote_peer = expected_peer_;
  FF_TRY_ASSIGN(NoiseHandshake handshake,
                NoiseHandshake::create(
                    direction_ == Direction::kOutbound ? NoiseRole::kInitiator : NoiseRole::kResponder,
                    std::move(config), host_.key_source()));
  handshake_.emplace(std::move(handshake));
  stage_ = Stage::kNoise;
  send_raw(handshake_->take_output());
  if (!leftover.empty()) {
    on_read(leftover);  // re-enters the kNoise stage with the bytes that followed "/noise"
  }
  return {};
}

Status Connection::start_yamux(ByteView leftover) {
  YamuxConfig config;
  config.max_window_bytes = kSwarmMaxStreamWindowBytes;
  yamux_.emplace(direction_ == Direction::kOutbound ? YamuxRole::kClient : YamuxRole::kServer, config);
  stage_ = Stage::kYamux;
  upgrade_timer_.cancel();
  if (!leftover.empty()) FF_TRY(yamux_->feed(leftover));
  // Receive windows grow only once the session knows the round-trip time (as in go-yamux,
  // which measures it the same way at session start); the ping monitor's first
  // measurement comes many seconds later, and a transfer in between would be held to the
  // initial 256 KiB window: one window per round trip, sender and receiver taking turns.
  if (auto opaque = yamux_->ping(); opaque.ok()) rtt_probe_ = RttProbe{*opaque, host_.now_ms()};
  auto self = shared_from_this();
  // Report the connection after this read is processed, so frames that came with the
  // handshake are parsed first and the host sees a consistent connection.
  boost::asio::post(io_, [self] {
    if (self->closed_ || self->established_notified_) return;
    self->established_notified_ = true;
    if (!self->host_.on_connection_established(self)) {
      self->close("refused by the connection limits");
      return;
    }
    self->pump();
  });
  return {};
}

void Connection::send_raw(ByteView bytes) {
  if (bytes.empty() || closed_) return;
  auto space = write_pending_.append(bytes.size());
  std::copy(bytes.begin(), bytes.end(), space.begin());
  write_next();
}

Status Connection::send_encrypted(ByteView plaintext) {
  if (plaintext.empty() || closed_) return {};
  const std::size_t before = write_pending_.size();
  auto written =
      noise_->encrypt_to(plaintext, write_pending_.append(NoiseTransport::encrypted_bytes(plaintext.size())));
  if (!written.ok()) {
    write_pending_.truncate(before);
    return written.error();
  }
  write_next();
  return {};
}

void Connection::write_next() {
  if (writing_ || write_pending_.empty() || closed_) return;
  writing_ = true;
  write_in_flight_.swap(write_pending_);
  const ByteView batch = write_in_flight_.view();
  socket_->async_write(boost::asio::buffer(batch.data(), batch.size()),
                       [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                         self->writing_ = false;
                         if (self->closed_) return;
                         if (ec) {
                           self->close("write failed: " + ec.message());
                           return;
                         }
                         self->on_written();
                       });
}

void Connection::on_written() {
  write_in_flight_.clear();
  if (closing_ && write_pending_.empty() && (!yamux_ || yamux_->pending_output_bytes() == 0)) {
    close("closed by us");
    return;
  }
  // Send what was encrypted meanwhile at once, so the peer can work on it while pump()
  // encrypts the next batch (Yamux output freed its budget); that batch goes out with
  // everything else that is ready when this write completes.
  write_next();
  pump();
}

void Connection::schedule_pump() {
  if (pump_scheduled_ || closed_) return;
  pump_scheduled_ = true;
  boost::asio::post(io_, [self = shared_from_this()] {
    self->pump_scheduled_ = false;
    self->pump();
  });
}

// Moves everything that can move: Yamux events to streams, stream queues into Yamux, Yamux
// output to the socket. Loops because taking output frees Yamux budget (kWritable).
void Connection::pump() {
  if (closed_ || stage_ != Stage::kYamux || in_pump_) return;
  auto self = shared_from_this();
  in_pump_ = true;
  for (int round = 0; round < 64 && !closed_; ++round) {
    bool progress = false;
    while (!closed_) {
      auto event = yamux_->poll_event();
      if (!event) break;
      progress = true;
      dispatch(std::move(*event));
    }
    if (closed_) break;
    std::vector<std::shared_ptr<SwarmStream>> pending;
    for (auto& [id, stream] : streams_) {
      if (!stream->queue_.empty() || (stream->fin_requested_ && !stream->fin_sent_))
        pending.push_back(stream);
    }
    for (auto& stream : pending) {
      const std::size_t before = stream->queued_bytes_;
      const bool fin_before = stream->fin_sent_;
      flush_stream(stream);
      if (stream->queued_bytes_ != before || stream->fin_sent_ != fin_before) progress = true;
      if (closed_) break;
    }
    if (closed_) break;
    if (outgoing_bytes() < kConnectionSocketHighWaterBytes && yamux_->pending_output_bytes() > 0) {
      // Encrypted straight from the session's buffer into write_pending_; the session
      // keeps its buffer for the next batch.
      auto status = send_encrypted(yamux_->output());
      yamux_->discard_output();
      if (!status.ok()) {
        in_pump_ = false;
        return close("encrypt failed: " + status.error().message);
      }
      progress = true;
    }
    while (!pending_opens_.empty() && !closed_ && !closing_) {
      auto& next = pending_opens_.front();
      if (!try_open(next.protocols, next.done)) break;
      pending_opens_.pop_front();
      progress = true;
    }
    if (!progress) break;
  }
  in_pump_ = false;
  if (!closed_ && closing_ && outgoing_bytes() == 0 && yamux_->pending_output_bytes() == 0)
    close("closed by us");
}

void Connection::dispatch(YamuxEvent event) {
  auto found = streams_.find(event.stream);
  std::shared_ptr<SwarmStream> stream = found == streams_.end() ? nullptr : found->second;
  switch (event.kind) {
    case YamuxEvent::Kind::kStreamOpened: {
      if (closing_ || !remote_peer_) {
        (void)yamux_->reset(event.stream);
        return;
      }
      auto created = std::shared_ptr<SwarmStream>(
          new SwarmStream(weak_from_this(), event.stream, *remote_peer_, Direction::kInbound));
      auto negotiator = MultistreamNegotiator::listener(host_.inbound_protocols());
      if (!negotiator.ok()) {
        (void)yamux_->reset(event.stream);
        return;
      }
      created->negotiator_.emplace(std::move(*negotiator));
      streams_[event.stream] = created;
      return;
    }
    case YamuxEvent::Kind::kData:
      if (!stream) {
        (void)yamux_->consume(event.stream, event.data.size(), host_.now_ms());
        return;
      }
      if (stream->negotiator_) {
        (void)yamux_->consume(event.stream, event.data.size(), host_.now_ms());
        stream_negotiation_step(stream, event.data);
      } else {
        stream->unconsumed_bytes_ += event.data.size();
        deliver(stream, event.data);
      }
      return;
    case YamuxEvent::Kind::kRemoteClosed:
      if (!stream) return;
      stream->remote_fin_ = true;
      if (stream->negotiator_) {
        end_stream(stream, "the peer closed the stream during protocol negotiation", true);
        (void)yamux_->reset(stream->id_);
        return;
      }
      if (stream->handlers_.on_eof) stream->handlers_.on_eof();
      maybe_remove(stream);
      return;
    case YamuxEvent::Kind::kStreamReset:
      if (stream) end_stream(stream, "reset by the peer", true);
      return;
    case YamuxEvent::Kind::kWritable:
      if (stream) flush_stream(stream);
      return;
    case YamuxEvent::Kind::kPong:
      if (rtt_probe_ && rtt_probe_->opaque == event.value) {
        const std::uint64_t elapsed = host_.now_ms() - rtt_probe_->sent_ms;
        rtt_probe_.reset();
        // Millisecond clock: a loopback or LAN round trip reads as 0, which means unknown.
        yamux_->set_rtt_ms(static_cast<std::uint32_t>(std::clamp<std::uint64_t>(elapsed, 1, 60'000)));
      }
      return;
    case YamuxEvent::Kind::kGoAway:
      if (event.value != static_cast<std::uint32_t>(YamuxGoAwayCode::kNormal)) {
        close("the peer went away with error code " + std::to_string(event.value));
      }
      return;
    case YamuxEvent::Kind::kSessionError: close("yamux: " + event.reason); return;
  }
}

void Connection::stream_negotiation_step(const std::shared_ptr<SwarmStream>& stream, ByteView bytes) {
  auto& negotiator = *stream->negotiator_;
  negotiator.feed(bytes);
  Bytes out = negotiator.take_output();
  if (!out.empty()) {
    stream->queued_bytes_ += out.size();
    connection_queued_bytes_ += out.size();
    stream->queue_.push_back(std::move(out));
  }
  if (negotiator.state() == MultistreamNegotiator::State::kFailed) {
    const std::string why = negotiator.error().message;
    const bool unsupported = negotiator.error().code == Errc::kUnsupported;
    flush_stream(stream);
    auto done = std::move(stream->on_negotiated);
    end_stream(stream, "protocol negotiation failed: " + why, false);
    (void)yamux_->reset(stream->id_);
    if (done)
      done(
          make_error(unsupported ? Errc::kUnsupported : Errc::kInvalidInput, "protocol negotiation: " + why));
    return;
  }
  if (negotiator.state() != MultistreamNegotiator::State::kAgreed) {
    flush_stream(stream);
    return;
  }
  stream->protocol_ = negotiator.protocol();
  Bytes leftover = negotiator.take_leftover();
  stream->negotiator_.reset();
  flush_stream(stream);
  if (stream->direction_ == Direction::kInbound) {
    std::size_t& open = inbound_per_protocol_[stream->protocol_];
    if (open >= host_.max_inbound_streams(stream->protocol_)) {
      FF_LOG_DEBUG("connection %llu: refusing a stream of %s (limit %zu)",
                   static_cast<unsigned long long>(id_), stream->protocol_.c_str(), open);
      end_stream(stream, "over the inbound stream limit", false);
      (void)yamux_->reset(stream->id_);
      return;
    }
    ++open;
    stream->counted_inbound_ = true;
    host_.on_inbound_stream(stream);
  } else if (auto done = std::move(stream->on_negotiated)) {
    done(stream);
  }
  // The leftover was already returned to Yamux's window with the negotiation bytes.
  if (!leftover.empty() && !stream->ended_) deliver(stream, leftover);
}

void Connection::deliver(const std::shared_ptr<SwarmStream>& stream, ByteView bytes) {
  if (stream->handlers_.on_data) {
    stream->handlers_.on_data(bytes);
  }
  if (closed_ || stream->ended_) return;
  if (!stream->reading_paused_) release_backpressure(stream);
}

void Connection::release_backpressure(const std::shared_ptr<SwarmStream>& stream) {
  if (stream->unconsumed_bytes_ == 0 || !yamux_) return;
  (void)yamux_->consume(stream->id_, stream->unconsumed_bytes_, host_.now_ms());
  stream->unconsumed_bytes_ = 0;
}

void Connection::flush_stream(const std::shared_ptr<SwarmStream>& stream) {
  if (closed_ || stream->ended_) return;
  while (!stream->queue_.empty()) {
    const Bytes& front = stream->queue_.front();
    ByteView rest = ByteView(front.data(), front.size()).subspan(stream->queue_offset_);
    auto taken = yamux_->write(stream->id_, rest);
    if (!taken.ok()) {
      end_stream(stream, "write failed: " + taken.error().message, true);
      (void)yamux_->reset(stream->id_);
      return;
    }
    if (*taken == 0) break;
    stream->queued_bytes_ -= *taken;
    connection_queued_bytes_ -= *taken;
    stream->queue_offset_ += *taken;
    if (stream->queue_offset_ == front.size()) {
      stream->queue_.pop_front();
      stream->queue_offset_ = 0;
    }
  }
  if (stream->queue_.empty() && stream->fin_requested_ && !stream->fin_sent_) {
    stream->fin_sent_ = true;
    (void)yamux_->close_write(stream->id_);
    maybe_remove(stream);
    if (stream->ended_) return;
  }
  if (stream->was_above_high_water_ && stream->below_high_water()) {
    stream->was_above_high_water_ = false;
    if (stream->handlers_.on_drain) stream->handlers_.on_drain();
  }
}

void Connection::end_stream(const std::shared_ptr<SwarmStream>& stream, const std::string& reason,
                            bool notify) {
  if (stream->ended_) return;
  stream->ended_ = true;
  connection_queued_bytes_ -= stream->queued_bytes_;
  stream->queued_bytes_ = 0;
  stream->queue_.clear();
  forget(stream);
  auto handlers = std::move(stream->handlers_);
  stream->handlers_ = {};
  auto negotiated = std::move(stream->on_negotiated);
  if (!notify) return;
  if (negotiated) {
    negotiated(make_error(Errc::kIo, "stream ended during protocol negotiation: " + reason));
  } else if (handlers.on_reset) {
    handlers.on_reset(reason);
  }
}

void Connection::maybe_remove(const std::shared_ptr<SwarmStream>& stream) {
  if (stream->fin_sent_ && stream->remote_fin_ && stream->queue_.empty()) {
    stream->ended_ = true;
    forget(stream);
    stream->handlers_ = {};
  }
}

void Connection::forget(const std::shared_ptr<SwarmStream>& stream) {
  streams_.erase(stream->id_);
  if (stream->counted_inbound_) {
    stream->counted_inbound_ = false;
    auto found = inbound_per_protocol_.find(stream->protocol_);
    if (found != inbound_per_protocol_.end() && --found->second == 0) inbound_per_protocol_.erase(found);
  }
}

Status Connection::stream_write(SwarmStream& stream, ByteView bytes) {
  if (stream.fin_requested_) return make_error(Errc::kInvalidInput, "stream: write after close_write");
  if (bytes.empty()) return {};
  if (stream.queued_bytes_ + bytes.size() > kMaxStreamQueuedBytes ||
      connection_queued_bytes_ + bytes.size() > kMaxConnectionQueuedBytes) {
    return make_error(Errc::kLimitExceeded, "stream: write queue full");
  }
  // With nothing queued ahead, the bytes go straight into Yamux (whose output buffer is
  // their only copy before encryption); only what it cannot take now is queued.
  if (stream.queue_.empty() && !stream.negotiator_ && yamux_ && !closed_) {
    auto taken = yamux_->write(stream.id_, bytes);
    // A failure is reported by flush_stream() on the queued bytes, as for any write.
    if (taken.ok()) bytes = bytes.subspan(*taken);
  }
  schedule_pump();
  if (bytes.empty()) return {};
  stream.queued_bytes_ += bytes.size();
  connection_queued_bytes_ += bytes.size();
  stream.queue_.emplace_back(bytes.begin(), bytes.end());
  if (!stream.below_high_water()) stream.was_above_high_water_ = true;
  return {};
}

void Connection::stream_close_write(SwarmStream& stream) {
  if (stream.fin_requested_) return;
  stream.fin_requested_ = true;
  schedule_pump();
}

void Connection::stream_reset(SwarmStream& stream) {
  auto found = streams_.find(stream.id_);
  if (found == streams_.end()) return;
  auto keep = found->second;
  end_stream(keep, "reset by us", false);
  if (yamux_) (void)yamux_->reset(keep->id_);
  schedule_pump();
}

void Connection::stream_resume_reading(SwarmStream& stream) {
  auto found = streams_.find(stream.id_);
  if (found == streams_.end()) return;
  release_backpressure(found->second);
  schedule_pump();  // the window update may be queued now
}

void Connection::open_stream(std::vector<std::string> protocols,
                             std::function<void(Result<std::shared_ptr<SwarmStream>>)> done) {
  if (!established() || closing_) {
    boost::asio::post(io_,
                      [done = std::move(done)] { done(make_error(Errc::kIo, "connection is not open")); });
    return;
  }
  if (!pending_opens_.empty() || !try_open(protocols, done)) {
    if (pending_opens_.size() >= kMaxPendingStreamOpens) {
      boost::asio::post(io_, [done = std::move(done)] {
        done(make_error(Errc::kLimitExceeded, "too many stream opens waiting on a busy connection"));
      });
      return;
    }
    pending_opens_.push_back(PendingOpen{std::move(protocols), std::move(done)});
  }
}

// Opens the stream now, or returns false (leaving the arguments intact) when Yamux has no
// output budget for the SYN yet. Any other failure is reported through `done`.
bool Connection::try_open(std::vector<std::string>& protocols,
                          std::function<void(Result<std::shared_ptr<SwarmStream>>)>& done) {
  if (yamux_->pending_output_bytes() >= kYamuxMaxPendingOutputBytes) return false;
  auto fail_later = [this, &done](Error error) {
    boost::asio::post(io_, [done = std::move(done), error = std::move(error)] { done(error); });
    return true;
  };
  auto negotiator = MultistreamNegotiator::dialer(protocols);
  if (!negotiator.ok()) return fail_later(negotiator.error());
  auto id = yamux_->open_stream();
  if (!id.ok()) return fail_later(id.error());
  auto stream = std::shared_ptr<SwarmStream>(
      new SwarmStream(weak_from_this(), *id, *remote_peer_, Direction::kOutbound));
  stream->negotiator_.emplace(std::move(*negotiator));
  stream->on_negotiated = std::move(done);
  Bytes out = stream->negotiator_->take_output();
  stream->queued_bytes_ += out.size();
  connection_queued_bytes_ += out.size();
  stream->queue_.push_back(std::move(out));
  streams_[*id] = stream;
  schedule_pump();
  return true;
}

void Connection::set_rtt_ms(std::uint32_t rtt_ms) {
  if (yamux_) yamux_->set_rtt_ms(rtt_ms);
}

void Connection::close_gracefully(const std::string& reason) {
  if (closed_ || closing_) return;
  if (stage_ != Stage::kYamux) return close(reason);
  closing_ = true;
  FF_LOG_DEBUG("connection %llu: closing (%s)", static_cast<unsigned long long>(id_), reason.c_str());
  (void)yamux_->go_away(YamuxGoAwayCode::kNormal);
  close_timer_.expires_after(std::chrono::seconds(2));
  close_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec) self->close("closed by us (flush timed out)");
  });
  pump();
}

void Connection::close(const std::string& reason) {
  if (closed_) return;
  auto self = shared_from_this();
  closed_ = true;
  upgrade_timer_.cancel();
  close_timer_.cancel();
  socket_->close();
  const bool was_established = established_notified_;
  FF_LOG_INFO("connection %llu %s %s%s%s closed: %s", static_cast<unsigned long long>(id_),
              direction_name(direction_), remote_addr_.to_string().c_str(), remote_peer_ ? " " : "",
              remote_peer_ ? remote_peer_->to_base58().c_str() : "", reason.c_str());
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, stream] : streams) end_stream(stream, "connection closed: " + reason, true);
  auto opens = std::move(pending_opens_);
  pending_opens_.clear();
  for (auto& open : opens) open.done(make_error(Errc::kIo, "connection closed: " + reason));
  host_.on_connection_closed(self, reason, was_established);
}

}  // namespace ff::net
