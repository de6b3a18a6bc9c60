// One libp2p connection driven on the event loop: the upgrade pipeline over a ByteStream
// (multistream-select `/noise` -> Noise XX with early muxer negotiation, or
// multistream-select `/yamux/1.0.0` inside Noise when the peer offered none -> Yamux), then
// the Yamux session with its streams, each negotiated with multistream-select.
//
// The protocol logic lives in the IO-free state machines of net/multistream, net/noise and
// net/yamux; this class only moves bytes between them and the socket, and turns their
// events into callbacks. Everything runs on one io_context thread.
//
// Bytes are copied as little as possible: Noise frames are decrypted in place in the
// socket read buffer and handed to Yamux from there; stream writes go straight into
// Yamux's output when nothing is queued ahead; that output is encrypted straight into the
// pending outgoing buffer, and all of it goes out in one socket write per completed write.
//
// Bounds: one socket read buffer; socket writes stop taking Yamux output above
// kConnectionSocketHighWaterBytes; each stream queues at most kMaxStreamQueuedBytes of
// application writes. A handler that writes what it reads (echo, ping) pauses reading
// while its queue is above kStreamHighWaterBytes and resumes on drain: a paused stream
// grants the peer no Yamux window, so the peer is held back by flow control. Reading is
// never paused on the application's behalf: a stream that writes and reads independently
// (an echo client) would otherwise stop reading while its own writes wait for the peer,
// and two such ends deadlock.
#pragma once

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/identity/keys.hpp"
#include "net/identity/peer_id.hpp"
#include "net/multistream/multistream_negotiator.hpp"
#include "net/noise/key_source.hpp"
#include "net/noise/noise_handshake.hpp"
#include "net/transport/byte_stream.hpp"
#include "net/yamux/yamux_session.hpp"

namespace ff::net {

// The whole upgrade (mss, Noise, muxer selection) must finish within this (js-libp2p: 10 s).
inline constexpr std::chrono::milliseconds kUpgradeTimeout{10'000};
// One socket read takes up to this much. After the handshake the read buffer also holds
// the incomplete Noise frame a read ended in (the next read appends to it), so it must fit
// a whole frame; frames are decrypted in place there.
inline constexpr std::size_t kSocketReadBufferBytes = 256 * 1024;
// See OutgoingBuffer.
inline constexpr std::size_t kRetainedWriteBufferBytes = 256 * 1024;
// Encrypted bytes queued for the socket beyond which we stop taking Yamux output.
inline constexpr std::size_t kConnectionSocketHighWaterBytes = 1024 * 1024;
// Application bytes one stream may queue; write() refuses more (kLimitExceeded).
inline constexpr std::size_t kMaxStreamQueuedBytes = 8 * 1024 * 1024;
// Above this many queued bytes below_high_water() turns false; on_drain runs when the
// queue falls below it again.
inline constexpr std::size_t kStreamHighWaterBytes = 256 * 1024;
// Application bytes all streams of a connection may queue together.
inline constexpr std::size_t kMaxConnectionQueuedBytes = 64 * 1024 * 1024;
// Our receive window may grow to this per stream (js grows to 16 MiB; we bound memory).
inline constexpr std::uint32_t kSwarmMaxStreamWindowBytes = 4 * 1024 * 1024;
// Stream opens one connection may hold while its Yamux output is full.
inline constexpr std::size_t kMaxPendingStreamOpens = 256;

// Bytes waiting for the socket. Its storage is kept between batches and never zero-filled
// again, so frames are encrypted straight into free space that append() hands out. It
// gives the storage back once a batch uses less than a quarter of a capacity above
// kRetainedWriteBufferBytes, so an idle connection does not keep its busiest moment's
// memory.
class OutgoingBuffer {
 public:
  // `bytes` more bytes at the end, to be filled by the caller (or dropped with truncate()).
  std::span<std::uint8_t> append(std::size_t bytes);
  void truncate(std::size_t size) { size_ = std::min(size, size_); }
  void clear();
  ByteView view() const { return ByteView(storage_).first(size_); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return storage_.size(); }
  void swap(OutgoingBuffer& other) noexcept {
    storage_.swap(other.storage_);
    std::swap(size_, other.size_);
  }

 private:
  Bytes storage_;  // storage_.size() is the capacity in use; bytes past size_ are stale
  std::size_t size_ = 0;
};

enum class Direction { kInbound, kOutbound };
const char* direction_name(Direction direction);

class Connection;

// One Yamux stream after (or during) multistream-select. Handles are shared; the
// connection drops its reference when the stream ends.
class SwarmStream {
 public:
  struct Handlers {
    std::function<void(ByteView)> on_data;             // bytes, in order
    std::function<void()> on_eof;                      // the peer half-closed
    std::function<void(const std::string&)> on_reset;  // reset, or the connection closed
    std::function<void()> on_drain;                    // queued bytes fell below the high water
  };

  // Replaces the handlers. Set them before returning from the callback that hands the
  // stream over; data never arrives before that.
  void set_handlers(Handlers handlers) { handlers_ = std::move(handlers); }

  // Queues bytes. kLimitExceeded beyond kMaxStreamQueuedBytes (or the connection's bound),
  // kInvalidInput after close_write()/reset or once the stream is gone.
  Status write(ByteView bytes);
  // Half-closes once every queued byte is out.
  void close_write();
  // Resets now; no handler runs afterwards.
  void reset();
  // While paused, bytes the peer already may send still arrive, but it gets no more Yamux
  // window: flow control holds it back. For handlers whose writes follow their reads.
  void pause_reading() { reading_paused_ = true; }
  void resume_reading();
  bool reading_paused() const { return reading_paused_; }

  std::size_t queued_bytes() const { return queued_bytes_; }
  bool below_high_water() const { return queued_bytes_ < kStreamHighWaterBytes; }
  bool is_open() const { return !ended_; }
  const std::string& protocol() const { return protocol_; }
  const PeerId& peer() const { return peer_; }
  Direction direction() const { return direction_; }
  YamuxStreamId id() const { return id_; }
  std::shared_ptr<Connection> connection() const { return connection_.lock(); }

 private:
  friend class Connection;
  SwarmStream(std::weak_ptr<Connection> connection, YamuxStreamId id, PeerId peer, Direction direction)
      : connection_(std::move(connection)), id_(id), peer_(std::move(peer)), direction_(direction) {}

  std::weak_ptr<Connection> connection_;
  YamuxStreamId id_;
  PeerId peer_;
  Direction direction_;
  std::string protocol_;
  Handlers handlers_;
  std::optional<MultistreamNegotiator> negotiator_;                         // until agreed
  std::function<void(Result<std::shared_ptr<SwarmStream>>)> on_negotiated;  // outbound only
  std::deque<Bytes> queue_;
  std::size_t queue_offset_ = 0;  // bytes of queue_.front() already written
  std::size_t queued_bytes_ = 0;
  std::size_t unconsumed_bytes_ = 0;  // delivered but not yet reported to Yamux
  bool fin_requested_ = false;
  bool fin_sent_ = false;
  bool remote_fin_ = false;
  bool ended_ = false;
  bool was_above_high_water_ = false;
  bool reading_paused_ = false;
  bool counted_inbound_ = false;  // counts against its protocol's inbound limit
};

// What a connection needs from its owner (the Swarm).
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  virtual const PrivateKey& local_key() const = 0;
  virtual KeySource& key_source() = 0;
  virtual std::uint64_t now_ms() const = 0;
  // The protocols inbound streams may negotiate.
  virtual std::vector<std::string> inbound_protocols() const = 0;
  // How many inbound streams of `protocol` one connection may have open at once.
  virtual std::size_t max_inbound_streams(const std::string& protocol) const = 0;
  // The upgrade finished; false refuses the connection (limits), which is then closed.
  virtual bool on_connection_established(const std::shared_ptr<Connection>& connection) = 0;
  // Inbound stream agreed on `stream->protocol()`. Set handlers or reset it.
  virtual void on_inbound_stream(const std::shared_ptr<SwarmStream>& stream) = 0;
  // The connection is gone (whether it ever got established or not).
  virtual void on_connection_closed(const std::shared_ptr<Connection>& connection, const std::string& reason,
                                    bool was_established) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::io_context& io, std::unique_ptr<ByteStream> socket, Direction direction,
             ConnectionHost& host, std::optional<PeerId> expected_peer, Multiaddr remote_addr);
  ~Connection();

  // Starts the upgrade.
  void start();

  // Opens a stream proposing `protocols` in order; `done` runs once with the negotiated
  // stream or why not (kUnsupported when the peer speaks none of them).
  void open_stream(std::vector<std::string> protocols,
                   std::function<void(Result<std::shared_ptr<SwarmStream>>)> done);

  // Sends GoAway(normal), flushes, then closes the socket (within a bounded time).
  void close_gracefully(const std::string& reason);
  // Closes at once.
  void close(const std::string& reason);

  // Feeds the RTT measured by ping to Yamux (window growth).
  void set_rtt_ms(std::uint32_t rtt_ms);
  // The round-trip time Yamux's window growth uses (at least 1); 0 until the Yamux ping
  // sent when the session starts is answered.
  std::uint32_t rtt_ms() const { return yamux_ ? yamux_->rtt_ms() : 0; }

  bool established() const { return stage_ == Stage::kYamux && !closed_; }
  bool closed() const { return closed_; }
  Direction direction() const { return direction_; }
  const std::optional<PeerId>& remote_peer() const { return remote_peer_; }
  const Multiaddr& remote_addr() const { return remote_addr_; }
  const Multiaddr& local_addr() const { return socket_->local_addr(); }
  // The remote's transport address as seen on the socket (for identify's observedAddr).
  const Multiaddr& observed_remote_addr() const { return socket_->remote_addr(); }
  std::size_t stream_count() const { return streams_.size(); }
  std::uint64_t id() const { return id_; }

 private:
  friend class SwarmStream;
  enum class Stage { kMssNoise, kNoise, kMssMuxer, kYamux };

  void read_next();
  void on_socket_bytes(std::size_t read_bytes);
  void on_read(ByteView bytes);
  Status buffer_ciphertext(ByteView bytes);
  Status open_frames();
  Status handle_plaintext(ByteView plaintext);
  Status start_noise(ByteView leftover);
  Status start_yamux(ByteView leftover);
  void send_raw(ByteView bytes);
  Status send_encrypted(ByteView plaintext);
  void write_next();
  void on_written();
  std::size_t outgoing_bytes() const { return write_pending_.size() + write_in_flight_.size(); }
  void compact_read_buffer();
  void schedule_pump();
  void pump();
  void dispatch(YamuxEvent event);
  void flush_stream(const std::shared_ptr<SwarmStream>& stream);
  void deliver(const std::shared_ptr<SwarmStream>& stream, ByteView bytes);
  void stream_negotiation_step(const std::shared_ptr<SwarmStream>& stream, ByteView bytes);
  void end_stream(const std::shared_ptr<SwarmStream>& stream, const std::string& reason, bool notify);
  void maybe_remove(const std::shared_ptr<SwarmStream>& stream);
  void forget(const std::shared_ptr<SwarmStream>& stream);
  void release_backpressure(const std::shared_ptr<SwarmStream>& stream);
  Status stream_write(SwarmStream& stream, ByteView bytes);
  void stream_close_write(SwarmStream& stream);
  void stream_reset(SwarmStream& stream);
  void stream_resume_reading(SwarmStream& stream);
  bool try_open(std::vector<std::string>& protocols,
                std::function<void(Result<std::shared_ptr<SwarmStream>>)>& done);

  boost::asio::io_context& io_;
  std::unique_ptr<ByteStream> socket_;
  Direction direction_;
  ConnectionHost& host_;
  std::optional<PeerId> expected_peer_;
  std::optional<PeerId> remote_peer_;
  Multiaddr remote_addr_;
  std::uint64_t id_;

  Stage stage_ = Stage::kMssNoise;
  bool closed_ = false;
  bool closing_ = false;
  bool established_notified_ = false;
  bool pump_scheduled_ = false;
  bool in_pump_ = false;
  std::optional<MultistreamNegotiator> negotiator_;
  std::optional<NoiseHandshake> handshake_;
  std::optional<NoiseTransport> noise_;
  std::optional<YamuxSession> yamux_;
  std::map<YamuxStreamId, std::shared_ptr<SwarmStream>> streams_;
  std::size_t connection_queued_bytes_ = 0;
  std::map<std::string, std::size_t> inbound_per_protocol_;
  // Stream opens waiting for Yamux output budget (a busy connection refuses new SYNs until
  // its output is taken); retried by pump(), at most kMaxPendingStreamOpens.
  struct PendingOpen {
    std::vector<std::string> protocols;
    std::function<void(Result<std::shared_ptr<SwarmStream>>)> done;
  };
  std::deque<PendingOpen> pending_opens_;

  // Socket bytes not yet processed are read_buffer_[read_start_, read_filled_): after the
  // handshake, an incomplete Noise frame. It moves to the front only when less than a
  // whole frame's room is left after it, so most reads append without copying anything.
  std::vector<std::uint8_t> read_buffer_;
  std::size_t read_start_ = 0;
  std::size_t read_filled_ = 0;
  // Outgoing bytes are double-buffered: the socket writes write_in_flight_ while new
  // frames are encrypted into write_pending_, and each completed write takes everything
  // pending in one go. So a busy connection makes one write() per round trip of the
  // socket, and neither buffer is reallocated once it has grown.
  OutgoingBuffer write_pending_;
  OutgoingBuffer write_in_flight_;
  bool writing_ = false;
  // The Yamux ping sent when the session starts, to measure the round-trip time.
  struct RttProbe {
    std::uint32_t opaque;
    std::uint64_t sent_ms;
  };
  std::optional<RttProbe> rtt_probe_;
  boost::asio::steady_timer upgrade_timer_;
  boost::asio::steady_timer close_timer_;
};

}  // namespace ff::net
