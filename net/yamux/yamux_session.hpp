// A Yamux session (`/yamux/1.0.0`) for one connection, as an IO-free state machine: the
// runtime feeds it the decrypted bytes it receives, writes out what take_output() returns,
// and reacts to the events poll_event() yields. Wire format, limits and the behaviours we
// chose: see docs/wire/yamux.md.
//
// Flow control is end to end: received data is counted against the stream's receive
// window until the application reports it processed with consume(), and only then does
// the session grant the peer more window. A peer that floods a stream, or an application
// that stops reading, therefore stalls that stream at its window instead of growing a
// buffer. In the other direction write() accepts only what the peer's window and our
// output budget allow; the caller keeps the rest and retries after a kWritable event.
//
// Driving loop of a runtime:
//   session.feed(bytes_from_socket);            // an error here also arrives as an event
//   while (auto event = session.poll_event()) dispatch(*event);
//   socket.write(session.take_output());
// Keep-alive is the runtime's timer calling ping(); RTT comes from the matching kPong and
// is handed back with set_rtt_ms() so the receive windows can grow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/yamux/yamux_frame.hpp"

namespace ff::net {

using YamuxStreamId = std::uint32_t;

// The client (the side that dialled the connection) opens odd stream ids from 1, the
// server even ids from 2.
enum class YamuxRole { kClient, kServer };

// Every stream starts with this receive window in both directions (spec "Flow Control");
// neither side may send more on a stream before a window update.
inline constexpr std::uint32_t kYamuxInitialWindowBytes = 256 * 1024;
// A stream's receive window may grow to this while its reader keeps up (js-libp2p and
// go-yamux use the same maximum).
inline constexpr std::uint32_t kYamuxMaxWindowBytes = 16 * 1024 * 1024;
// Extra receive window, beyond the initial windows, that all streams of one session may
// hold together. Window growth stops at this budget so one connection cannot make us
// hold max_window bytes on every stream.
inline constexpr std::size_t kYamuxMaxWindowGrowthBytes = 64 * 1024 * 1024;
// Streams the peer may have open at once, counting streams that ended but whose events
// the application has not yet polled. An inbound SYN beyond this is answered with RST.
inline constexpr std::size_t kYamuxMaxInboundStreams = 256;
// Inbound streams the application has not accepted yet, i.e. has sent nothing on (the
// first frame we send carries the ACK). Beyond this an inbound SYN is answered with RST.
// The spec's ACK backlog section asks for 256; we allow half of the inbound limit so a
// peer cannot fill every slot with streams it never uses. js-libp2p allows only 10
// streams before its listener is attached.
inline constexpr std::size_t kYamuxMaxUnacceptedInboundStreams = 128;
// Streams we may have open at once. Equal to the spec's ACK-backlog bound, so we never
// have more than 256 streams the peer has not acknowledged.
inline constexpr std::size_t kYamuxMaxOutboundStreams = 256;
// Largest Data payload we send in one frame. Received Data frames are bounded by the
// receive window instead (js-libp2p sends frames as large as the window we grant) and
// their payload is passed through as it arrives, never buffered whole.
inline constexpr std::size_t kYamuxMaxFramePayloadBytes = 64 * 1024;
// Output not yet taken by the runtime beyond which write(), open_stream() and ping() take
// no more. Control frames we owe the peer (ping answers, RSTs) may take the output to
// twice this; past that the peer is outrunning the runtime's writes and the session fails.
inline constexpr std::size_t kYamuxMaxPendingOutputBytes = 1024 * 1024;
// discard_output() keeps the output buffer's capacity up to this; beyond it, only while
// batches still use a quarter of it.
inline constexpr std::size_t kYamuxRetainedOutputBytes = 256 * 1024;
// Our pings awaiting an answer. js-libp2p keeps one.
inline constexpr std::size_t kYamuxMaxOutstandingPings = 16;

// Limits of one session; the defaults are the constants above. Tests shrink them.
struct YamuxConfig {
  std::uint32_t max_window_bytes = kYamuxMaxWindowBytes;
  std::size_t max_window_growth_bytes = kYamuxMaxWindowGrowthBytes;
  std::size_t max_inbound_streams = kYamuxMaxInboundStreams;
  std::size_t max_unaccepted_inbound_streams = kYamuxMaxUnacceptedInboundStreams;
  std::size_t max_outbound_streams = kYamuxMaxOutboundStreams;
  std::size_t max_frame_payload_bytes = kYamuxMaxFramePayloadBytes;
  std::size_t max_pending_output_bytes = kYamuxMaxPendingOutputBytes;
  std::size_t max_outstanding_pings = kYamuxMaxOutstandingPings;
};

struct YamuxEvent {
  enum class Kind : std::uint8_t {
    kStreamOpened,  // the peer opened `stream`; accept it by sending on it, refuse with reset()
    kData,          // `data` arrived on `stream`; call consume() once it is processed
    kRemoteClosed,  // the peer half-closed `stream` (FIN): no more data will arrive on it
    kStreamReset,   // the peer reset or refused `stream`; it is gone
    kWritable,      // `stream`, whose last write() was short, can take more bytes
    kPong,          // the answer to our ping whose opaque value is `value`
    kGoAway,        // the peer will open no more streams; `value` is its YamuxGoAwayCode
    kSessionError,  // the session failed: `reason`; a GoAway is queued, close the connection
  };
  Kind kind = Kind::kData;
  YamuxStreamId stream = 0;
  Bytes data;
  std::uint32_t value = 0;
  std::string reason;
};

class YamuxSession {
 public:
  explicit YamuxSession(YamuxRole role, YamuxConfig config = {});

  // Consumes bytes received on the connection, any chunking. Frames are handled as soon as
  // their header is complete; Data payloads are delivered as they arrive. A protocol
  // violation fails the session (GoAway(protocol error) queued, kSessionError event) and
  // returns that error; afterwards feed() and every stream call return it, while
  // take_output() and poll_event() still hand over what is queued.
  Status feed(ByteView bytes);

  // The bytes to write to the connection, in order; empty when there is nothing to send.
  // Taking output frees write budget, so streams blocked on it get kWritable events.
  Bytes take_output();

  // The same bytes without moving them out: a runtime that encrypts or writes straight
  // from the view calls discard_output() when done with it, and the session keeps its
  // buffer's capacity for the next batch instead of allocating a new one. The view is
  // valid until the next non-const call.
  ByteView output() const { return output_; }
  // Drops the queued output, as take_output() does after handing it over.
  void discard_output();

  // The next event, or nullopt. Events of one stream come in order; a stream's data is
  // coalesced into one kData event until that event is polled.
  std::optional<YamuxEvent> poll_event();

  // Opens an outbound stream and queues its SYN (a WindowUpdate with delta 0, as js-libp2p
  // and go-yamux do). kLimitExceeded at max_outbound_streams, when stream ids run out, or
  // while max_pending_output_bytes of output wait to be taken; kInvalidInput after a
  // GoAway in either direction or a session failure.
  Result<YamuxStreamId> open_stream();

  // Queues up to bytes.size() bytes of `stream` and returns how many it took: no more than
  // the peer's window and our output budget allow (possibly 0). The caller keeps the rest
  // and tries again after a kWritable event for the stream. The first frame we send on an
  // inbound stream carries its ACK. kNotFound for an unknown stream, kInvalidInput after
  // close_write(), a reset or a session failure.
  Result<std::size_t> write(YamuxStreamId stream, ByteView bytes);

  // Half-closes our side (FIN); the peer may still send. Repeating it is harmless.
  Status close_write(YamuxStreamId stream);

  // Resets the stream (RST); its later frames are ignored. Repeating it is harmless.
  Status reset(YamuxStreamId stream);

  // Reports that the application has processed `bytes` more bytes of the stream's data
  // (never more than it has polled). When half the receive window is free the session
  // queues a WindowUpdate; if that half was consumed within 4 RTTs of the previous update
  // (see set_rtt_ms) the window doubles first, up to max_window_bytes. `now_ms` is any
  // monotonic clock in milliseconds. kNotFound once the stream is gone (both sides
  // closed or reset): callers may ignore that.
  Status consume(YamuxStreamId stream, std::size_t bytes, std::uint64_t now_ms);

  // The round-trip time the runtime measured from its last ping; 0 = unknown, which
  // disables window growth.
  void set_rtt_ms(std::uint32_t rtt_ms) { rtt_ms_ = rtt_ms; }
  std::uint32_t rtt_ms() const { return rtt_ms_; }

  // Queues a Ping and returns its opaque value (matched by a later kPong).
  // kLimitExceeded with max_outstanding_pings unanswered, or while
  // max_pending_output_bytes of output wait to be taken.
  Result<std::uint32_t> ping();

  // Queues a GoAway with `code`; afterwards we open no streams and refuse inbound ones,
  // while open streams carry on. A second call does nothing.
  Status go_away(YamuxGoAwayCode code);

  // Queries.
  bool failed() const { return failed_; }
  const Error& error() const { return error_; }
  YamuxRole role() const { return role_; }
  std::size_t stream_count() const { return streams_.size(); }
  bool has_stream(YamuxStreamId stream) const { return streams_.count(stream) != 0; }
  // Bytes write() would accept now on `stream` (0 for an unknown or closed stream).
  std::size_t send_capacity(YamuxStreamId stream) const;
  // The stream's current receive window, or 0 for an unknown stream.
  std::uint32_t receive_window(YamuxStreamId stream) const;
  bool remote_went_away() const { return remote_go_away_; }
  std::size_t pending_output_bytes() const { return output_.size(); }
  // Every byte the session holds: output not yet taken, a partial frame header, and data
  // in events not yet polled. Never exceeds buffered_bytes_limit().
  std::size_t buffered_bytes() const;
  // The bound the session keeps buffered_bytes() under, whatever the peer sends and
  // however rarely the runtime takes output: twice max_pending_output_bytes plus a few
  // control frames per stream slot, plus the receive windows of the streams that exist.
  std::size_t buffered_bytes_limit() const;

 private:
  struct Stream {
    bool outbound = false;
    bool in_backlog = true;  // inbound: we sent nothing yet; outbound: not ACKed yet
    bool local_fin = false;
    bool remote_fin = false;
    bool reset = false;             // either side reset it
    bool write_blocked = false;     // the last write() was short
    bool writable_pending = false;  // a kWritable event is queued
    bool epoch_valid = false;
    std::uint32_t send_window = kYamuxInitialWindowBytes;  // bytes the peer lets us send
    std::uint32_t recv_window = kYamuxInitialWindowBytes;  // current receive window size
    std::uint32_t recv_credit = kYamuxInitialWindowBytes;  // bytes the peer may still send
    std::uint64_t held_bytes = 0;                          // counted against the window, not yet consumed
    std::uint64_t delivered_bytes = 0;                     // polled by the app, not yet consumed
    std::uint64_t epoch_start_ms = 0;                      // when we last sent a window update
    std::size_t pending_events = 0;                        // queued events naming this stream
    bool data_event_queued = false;
    std::uint64_t data_event_seq = 0;  // sequence number of the queued kData event
  };

  void handle_header(const YamuxHeader& header);
  void handle_stream_frame(const YamuxHeader& header);
  void handle_ping(const YamuxHeader& header);
  void handle_go_away(const YamuxHeader& header);
  void deliver_payload(ByteView bytes);
  void finish_payload();
  void remote_fin(YamuxStreamId id, Stream& stream);
  void remote_reset(YamuxStreamId id, Stream& stream);
  void refuse_stream(YamuxStreamId id);
  void fail(YamuxGoAwayCode code, Errc errc, std::string reason);
  Status check_usable() const;
  Status check_output_room(const char* action) const;
  Result<Stream*> find_open(YamuxStreamId id);
  Stream* find(YamuxStreamId id);
  const Stream* find(YamuxStreamId id) const;
  Stream& create_stream(YamuxStreamId id, bool outbound);
  void maybe_remove(YamuxStreamId id);
  void release_backlog(Stream& stream);
  std::uint16_t first_frame_flags(Stream& stream);
  void maybe_update_window(YamuxStreamId id, Stream& stream, std::uint64_t now_ms);
  void queue_frame(YamuxType type, std::uint16_t flags, YamuxStreamId id, std::uint32_t length);
  void push_stream_event(YamuxEvent::Kind kind, YamuxStreamId id, Stream& stream);
  void push_session_event(YamuxEvent event);
  void mark_writable(YamuxStreamId id, Stream& stream);
  std::size_t output_budget() const;
  std::size_t output_hard_limit() const { return 2 * config_.max_pending_output_bytes; }
  bool is_remote_id(YamuxStreamId id) const;
  void output_taken();

  YamuxRole role_;
  YamuxConfig config_;
  std::map<YamuxStreamId, Stream> streams_;
  std::uint64_t next_stream_id_;
  std::size_t inbound_streams_ = 0;
  std::size_t outbound_streams_ = 0;
  std::size_t unaccepted_inbound_ = 0;
  std::size_t window_growth_bytes_ = 0;  // sum over streams of recv_window - initial
  std::uint32_t rtt_ms_ = 0;

  // Frame decoder: a partial header, or the rest of a Data payload.
  std::uint8_t header_bytes_[kYamuxHeaderBytes] = {};
  std::size_t header_fill_ = 0;
  std::uint32_t payload_remaining_ = 0;
  YamuxStreamId payload_stream_ = 0;  // 0: discard the payload
  bool payload_fin_ = false;

  Bytes output_;
  bool output_blocked_ = false;  // a write() was cut short by the output budget

  std::deque<YamuxEvent> events_;
  std::uint64_t events_popped_ = 0;  // sequence number of events_.front()
  std::size_t event_data_bytes_ = 0;

  std::vector<std::uint32_t> outstanding_pings_;
  std::uint32_t next_ping_opaque_ = 1;

  bool local_go_away_ = false;
  bool remote_go_away_ = false;
  bool failed_ = false;
  Error error_{Errc::kInvalidInput, {}};
};

}  // namespace ff::net
