// Identify (`/ipfs/id/1.0.0`) and Identify push (`/ipfs/id/push/1.0.0`), IO-free (libp2p
// specs identify/README.md; schema docs/wire/identify.proto).
//
// On the wire, both are one stream carrying uvarint-length-prefixed Identify messages
// from the sender until it closes its write side:
//   - identify: the peer that opened the stream only reads; the other side answers with
//     one message and half-closes. js-libp2p runs it on every new connection, waits 5 s,
//     and requires the publicKey field to be present and to match the connection's peer.
//   - push: the peer that opened the stream sends one message (only the fields that
//     changed) and closes; the other side reads.
//
// Runtime use, answering (and pushing):
//   Result<Bytes> frame = build_identify_frame(our_public_key, local_info, observed);
//   write(*frame); close_write();
// Runtime use, reading (identify initiator or push receiver):
//   IdentifyReader reader;
//   on bytes: reader.feed(bytes);  on EOF: reader.finish();
//   once reader.state() == kComplete (it may complete before EOF: then stop reading):
//     Result<IdentifyResult> info = validate_identify(reader.message(), remote_peer, kind);
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/identity/keys.hpp"
#include "net/identity/peer_id.hpp"
#include "net/multiaddr/multiaddr.hpp"
#include "net/protocols/identify_message.hpp"

namespace ff::net {

inline constexpr std::string_view kIdentifyProtocolId = "/ipfs/id/1.0.0";
inline constexpr std::string_view kIdentifyPushProtocolId = "/ipfs/id/push/1.0.0";
// The protocolVersion js-libp2p and go-libp2p send (identify's "protocol family").
inline constexpr std::string_view kIdentifyProtocolVersion = "ipfs/0.1.0";
inline constexpr std::string_view kFluidFabricAgentVersion = "fluid-fabric/0.1.0";
// How many length-prefixed messages a reader accepts on one stream before it stops
// reading (js-libp2p MAX_IDENTIFY_MESSAGES, go-libp2p maxMessages).
inline constexpr std::size_t kMaxIdentifyMessages = 10;

// What we tell peers about ourselves.
struct IdentifyLocalInfo {
  std::string protocol_version = std::string(kIdentifyProtocolVersion);
  std::string agent_version = std::string(kFluidFabricAgentVersion);
  // Our listen addresses. A trailing /p2p component is removed before sending (the spec
  // sends addresses without it; the receiver knows who we are).
  std::vector<Multiaddr> listen_addrs;
  // The protocols we accept inbound streams for. js-libp2p opens gossipsub, kad and relay
  // streams to us only for protocols listed here (its topologies fire on identify).
  std::vector<std::string> protocols;
};

// Our Identify message for a peer, with its length prefix, ready to write; the caller then
// closes its write side. `observed_addr` is the remote's address as we see it on this
// connection (omitted when std::nullopt, e.g. on relayed connections). We send no
// signedPeerRecord: it is optional, and js-libp2p accepts identify without one. Errors:
// kLimitExceeded if the message would exceed kMaxIdentifyMessageBytes or the list bounds
// (a local configuration problem: a peer would reject it).
Result<Bytes> build_identify_frame(const PublicKey& our_key, const IdentifyLocalInfo& local,
                                   const std::optional<Multiaddr>& observed_addr);

// The unframed message build_identify_frame sends (for tests and for push senders that
// leave fields out: a push carries only what changed).
Result<IdentifyMessage> build_identify_message(const PublicKey& our_key, const IdentifyLocalInfo& local,
                                               const std::optional<Multiaddr>& observed_addr);

// Appends uvarint(length) || message; kLimitExceeded above kMaxIdentifyMessageBytes.
Result<Bytes> frame_identify_message(const IdentifyMessage& message);

// Reads the length-prefixed messages of one identify or push stream, in any chunking.
//
// The first message must be complete and valid, else the reader fails. Later messages
// are merged into the first as js-libp2p does (libp2p/specs PR 709): scalar fields that
// are present replace earlier ones, listen addresses append, protocols append without
// duplicates. A later message that is malformed, over a bound, or cut short by EOF ends
// the reading with what was merged so far (tail_dropped() reports it) - again js-libp2p's
// behaviour, so one garbled update never costs the whole identify.
//
// Memory: at most one partial message (kMaxIdentifyMessageBytes plus its prefix) is held,
// and the merged message is bounded by kMaxIdentifyListenAddrs / kMaxIdentifyProtocols.
class IdentifyReader {
 public:
  enum class State {
    kReading,   // wants more bytes or EOF
    kComplete,  // message() is ready; further input is ignored (stop reading, close)
    kFailed,    // error() says why; reset the stream
  };

  // Consumes received bytes. After kMaxIdentifyMessages messages the reader completes
  // without waiting for EOF.
  void feed(ByteView bytes);
  // The remote closed its write side. Completes if at least one message was read;
  // otherwise fails (kTruncated: no message, or the first one cut short).
  void finish();

  State state() const { return state_; }
  // The merged message; only meaningful in kComplete.
  const IdentifyMessage& message() const { return merged_; }
  std::size_t messages_read() const { return messages_read_; }
  bool tail_dropped() const { return tail_dropped_; }
  // Only meaningful in kFailed. kLimitExceeded for a first message over
  // kMaxIdentifyMessageBytes; kInvalidInput / kTruncated for a malformed one.
  const Error& error() const { return error_; }
  // Bytes of the partial message currently held (for tests and fuzzing).
  std::size_t buffered_bytes() const { return prefix_.size() + body_.size(); }

 private:
  // Handles one complete message body.
  void handle_message(ByteView body);
  // A failure in message number messages_read_ (0-based).
  void fail(Error error);
  void complete() { state_ = State::kComplete; }

  State state_ = State::kReading;
  Bytes prefix_;                          // varint bytes of the current length prefix
  std::optional<std::size_t> body_size_;  // decoded prefix of the current message
  Bytes body_;                            // bytes of the current message so far
  IdentifyMessage merged_;
  std::size_t messages_read_ = 0;
  bool tail_dropped_ = false;
  Error error_{Errc::kInvalidInput, {}};
};

enum class IdentifyKind {
  kIdentify,  // an answer to our /ipfs/id/1.0.0 request: publicKey is mandatory
  kPush,      // an /ipfs/id/push/1.0.0 update: absent fields mean "unchanged"
};

// A received Identify message, checked against the connection it arrived on.
struct IdentifyResult {
  explicit IdentifyResult(PeerId peer) : peer_id(std::move(peer)) {}

  // The connection's peer, which the public key (when present) derives to.
  PeerId peer_id;
  // The canonical PublicKey protobuf. Always set for kIdentify; set for kPush only if the
  // pusher included it. Kept encoded because it may be of a type this build cannot use
  // (RSA, ...) while its peer ID still matches.
  std::optional<Bytes> public_key;
  std::optional<std::string> protocol_version;
  std::optional<std::string> agent_version;
  // The listen addresses that parsed. For kPush an empty list means "unchanged".
  std::vector<Multiaddr> listen_addrs;
  // Listen addresses that did not parse (unknown protocol, bad value): skipped, not fatal,
  // since peers may listen on transports we do not know.
  std::size_t skipped_listen_addrs = 0;
  // What the remote sees as our address, if it sent one that parses.
  std::optional<Multiaddr> observed_addr;
  bool observed_addr_invalid = false;
  // In order of first appearance, without duplicates.
  std::vector<std::string> protocols;
  // The peer sent a signed peer record; we neither verify nor use it.
  bool had_signed_peer_record = false;
};

// Checks `message` as received from `remote_peer` (the peer the secure channel
// authenticated). kInvalidInput if the public key is missing (kIdentify only), is not a
// canonical PublicKey protobuf, or derives to another peer ID than `remote_peer`.
Result<IdentifyResult> validate_identify(const IdentifyMessage& message, const PeerId& remote_peer,
                                         IdentifyKind kind);

}  // namespace ff::net
