// multistream-select 1.0 (`/multistream/1.0.0`) as an IO-free state machine: one
// negotiator per connection or stream, in the dialer or the listener role. It is fed the
// bytes received, hands back the bytes to send, and ends agreed on one protocol or failed
// with a reason. Framing, limits and the behaviours we chose: see docs/wire/multistream.md.
//
// Typical use by a runtime:
//   auto negotiator = MultistreamNegotiator::dialer({"/noise"});   // checks the list
//   send(negotiator->take_output());                                // header + "/noise"
//   on_receive(bytes): negotiator->feed(bytes); send(negotiator->take_output());
//     if agreed: hand negotiator->take_leftover() to the agreed protocol first.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::net {

// The header both sides send first (libp2p/specs connections/README.md).
inline constexpr std::string_view kMultistreamProtocolId = "/multistream/1.0.0";
// Answer of a listener that does not speak the proposed protocol.
inline constexpr std::string_view kMultistreamNotAvailable = "na";
// Request for the listener's protocol list.
inline constexpr std::string_view kMultistreamList = "ls";

// Largest message, counted as the length prefix counts it: the text plus its '\n'. Matches
// js-libp2p's MAX_PROTOCOL_LENGTH; a longer message fails the negotiation.
inline constexpr std::size_t kMaxMultistreamMessageBytes = 1024;

// How many messages a remote dialer may send after the header without reaching
// agreement (rejected proposals, `ls` requests, repeated headers). A real dialer tries a
// handful of protocols; this stops a peer that proposes forever.
inline constexpr std::size_t kMaxMultistreamProposals = 16;

// How many protocols a local dialer may offer or a listener may support. Local
// configuration, bounded so an `ls` answer and the proposal loop stay small.
inline constexpr std::size_t kMaxMultistreamLocalProtocols = 64;

class MultistreamNegotiator {
 public:
  enum class State {
    kNegotiating,  // more bytes needed
    kAgreed,       // protocol() is the agreed protocol; take_leftover() holds what followed
    kFailed,       // error() says why; the caller closes the connection or stream
  };

  // A dialer that proposes `protocols` in order of preference, one at a time, falling back
  // to the next on `na`. The header and the first proposal are queued together as the
  // first output batch. Errors (kInvalidInput) for an empty list, a name that is empty,
  // contains '\n', is "na"/"ls"/the header, or does not fit in kMaxMultistreamMessageBytes.
  static Result<MultistreamNegotiator> dialer(std::vector<std::string> protocols);

  // A listener that accepts any protocol in `supported` (exact byte comparison), answers
  // `ls` with that list and `na` to anything else. Same validation as dialer().
  static Result<MultistreamNegotiator> listener(std::vector<std::string> supported);

  // Consumes received bytes, any chunking (one byte at a time works). While negotiating,
  // at most one partial message is buffered. Once agreed, every further byte is appended
  // to the leftover; once failed, input is ignored.
  void feed(ByteView bytes);

  // The bytes to send now, in order; empty when there is nothing to send. Output produced
  // before a failure (for instance our `na` answers) is still returned.
  Bytes take_output();

  State state() const { return state_; }
  bool is_dialer() const { return is_dialer_; }

  // The agreed protocol. Only meaningful in kAgreed.
  const std::string& protocol() const { return agreed_; }

  // Application bytes that arrived after the agreeing message (js-libp2p may send data
  // right behind the protocol echo). Hand them to the agreed protocol before anything read
  // later from the connection. Returns them once; empty unless kAgreed.
  Bytes take_leftover();

  // Why the negotiation failed. Only meaningful in kFailed. Codes: kUnsupported (dialer:
  // the peer supports none of our protocols), kLimitExceeded (message over
  // kMaxMultistreamMessageBytes, or more than kMaxMultistreamProposals proposals),
  // kInvalidInput (missing newline, wrong header, unexpected answer, bad length prefix).
  const Error& error() const { return error_; }

  // Bytes held while negotiating (one partial message at most); for tests and fuzzing.
  std::size_t buffered_input_bytes() const { return input_.size(); }

 private:
  MultistreamNegotiator(bool is_dialer, std::vector<std::string> protocols);

  // Handles one complete message, without its '\n'.
  void handle_message(std::string_view message);
  void handle_as_dialer(std::string_view message);
  void handle_as_listener(std::string_view message);
  void send_message(std::string_view text);
  void send_list();
  void fail(Errc code, std::string message);
  void agree(std::string_view protocol);

  bool is_dialer_;
  std::vector<std::string> protocols_;
  State state_ = State::kNegotiating;
  bool header_received_ = false;
  std::size_t next_proposal_ = 0;    // dialer: index of the protocol awaiting an answer
  std::size_t remote_messages_ = 0;  // listener: messages after the header without agreement
  Bytes input_;                      // unparsed received bytes
  Bytes output_;
  Bytes leftover_;
  std::string agreed_;
  Error error_{Errc::kInvalidInput, {}};
};

// Appends one multistream message: uvarint(len(text) + 1) || text || '\n'.
void append_multistream_message(Bytes& out, std::string_view text);

}  // namespace ff::net
