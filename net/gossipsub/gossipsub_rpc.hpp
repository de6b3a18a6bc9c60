// The pubsub RPC protobuf that floodsub and gossipsub (/meshsub/1.0.0, /meshsub/1.1.0) peers
// exchange, with its encoder and a bounded decoder. Schema: docs/wire/gossipsub.proto; limits
// and behaviour: docs/gossipsub.md. The field numbers and presence rules are those of the
// libp2p specs (pubsub/README.md, gossipsub-v1.0.md, gossipsub-v1.1.md) as js-libp2p
// `@libp2p/gossipsub` encodes them: optional bytes fields are written whenever present (even
// when empty), the message topic only when non-empty.
//
// Decoding never trusts a count from the peer: every repeated field has a bound below, and
// exceeding one is kLimitExceeded for the whole RPC (the stream stays usable: frames are
// delimited by their length prefix). Two fields we never act on are bounded by skipping
// instead: PeerInfo entries of PRUNE (peer exchange, which we ignore) beyond
// max_peer_infos, and IDONTWANT (gossipsub v1.2, which we do not speak), whose ids are only
// counted. Unknown fields are skipped, as protobuf requires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::net {

// A message id as it appears in IHAVE/IWANT: opaque bytes (see gossipsub_message.hpp for
// how ids are computed).
using MessageId = Bytes;

// Largest RPC (without its length prefix) we accept or send. js-libp2p's length-prefixed
// decoder (it-length-prefixed, used by @libp2p/gossipsub as maxInboundDataLength) defaults
// to 4 MiB; we accept the same, so a 1 MiB message plus any piggybacked control fits.
inline constexpr std::size_t kMaxRpcBytes = 4 * 1024 * 1024;
// Entry bounds per RPC. 5000 is js-libp2p's decodeRpcLimits for subscriptions, messages,
// IHAVE ids, IWANT ids and control messages of each kind, so a js peer never sends more.
inline constexpr std::size_t kMaxRpcSubscriptions = 5000;
inline constexpr std::size_t kMaxRpcMessages = 5000;
// Message ids summed over all IHAVE (resp. IWANT) entries of one RPC.
inline constexpr std::size_t kMaxRpcIHaveIds = 5000;
inline constexpr std::size_t kMaxRpcIWantIds = 5000;
// Entries of each control kind (IHAVE, IWANT, GRAFT, PRUNE) in one RPC.
inline constexpr std::size_t kMaxRpcControlEntries = 5000;
// PeerInfo entries kept per RPC (js: 16); further ones are skipped, not an error.
inline constexpr std::size_t kMaxRpcPeerInfos = 16;
// A topic is an opaque string to us. JS sets no length limit; ours keeps per-peer topic
// state small (docs/gossipsub.md "Limits").
inline constexpr std::size_t kMaxTopicBytes = 1024;
// Message ids we compute are 44 bytes (StrictSign, Ed25519) or 32 (StrictNoSign); go-libp2p's
// are 46. Anything much longer is not an id any implementation produces.
inline constexpr std::size_t kMaxMessageIdBytes = 256;
// A PeerInfo's peer ID (at most 44 bytes) and signed peer record (an envelope with a few
// multiaddrs). Longer fields are rejected rather than copied.
inline constexpr std::size_t kMaxPeerInfoFieldBytes = 4096;

struct RpcLimits {
  std::size_t max_rpc_bytes = kMaxRpcBytes;
  std::size_t max_subscriptions = kMaxRpcSubscriptions;
  std::size_t max_messages = kMaxRpcMessages;
  std::size_t max_ihave_ids = kMaxRpcIHaveIds;
  std::size_t max_iwant_ids = kMaxRpcIWantIds;
  std::size_t max_control_entries = kMaxRpcControlEntries;
  std::size_t max_peer_infos = kMaxRpcPeerInfos;
  std::size_t max_topic_bytes = kMaxTopicBytes;
  std::size_t max_message_id_bytes = kMaxMessageIdBytes;
};

// RPC.SubOpts. An absent `subscribe` decodes as false (unsubscribe), as in every
// implementation; an absent topic decodes as "" and is ignored by the router.
struct SubOpts {
  bool subscribe = false;
  std::string topic;

  friend bool operator==(const SubOpts& a, const SubOpts& b) {
    return a.subscribe == b.subscribe && a.topic == b.topic;
  }
};

// RPC.Message. Presence matters: StrictNoSign rejects a message that carries `seqno` even if
// empty, and the signature covers `data` as encoded, so an empty-but-present `data` signs
// differently from an absent one. The topic is written only when non-empty (js does the same).
struct RpcMessage {
  std::optional<Bytes> from;       // 1: the author's peer ID (multihash bytes)
  std::optional<Bytes> data;       // 2
  std::optional<Bytes> seqno;      // 3: 8 bytes big-endian under StrictSign
  std::string topic;               // 4
  std::optional<Bytes> signature;  // 5
  std::optional<Bytes> key;        // 6: the author's PublicKey protobuf

  friend bool operator==(const RpcMessage& a, const RpcMessage& b) {
    return a.from == b.from && a.data == b.data && a.seqno == b.seqno && a.topic == b.topic &&
           a.signature == b.signature && a.key == b.key;
  }
};

struct ControlIHave {
  std::string topic;
  std::vector<MessageId> message_ids;
};

struct ControlIWant {
  std::vector<MessageId> message_ids;
};

struct ControlGraft {
  std::string topic;
};

// Peer exchange entry (gossipsub v1.1). We decode it for completeness and never act on it.
struct PeerInfo {
  std::optional<Bytes> peer_id;
  std::optional<Bytes> signed_peer_record;
};

struct ControlPrune {
  std::string topic;
  std::vector<PeerInfo> peers;
  // Seconds the pruned peer must wait before grafting again (gossipsub v1.1); absent from
  // v1.0 peers.
  std::optional<std::uint64_t> backoff_seconds;
};

struct ControlMessage {
  std::vector<ControlIHave> ihave;
  std::vector<ControlIWant> iwant;
  std::vector<ControlGraft> graft;
  std::vector<ControlPrune> prune;
  // IDONTWANT (v1.2, field 5) entries and ids seen while decoding; never encoded.
  std::size_t idontwant_entries = 0;
  std::size_t idontwant_ids = 0;

  bool empty() const { return ihave.empty() && iwant.empty() && graft.empty() && prune.empty(); }
};

struct Rpc {
  std::vector<SubOpts> subscriptions;
  std::vector<RpcMessage> messages;
  std::optional<ControlMessage> control;
};

// Protobuf encodings. encode_message is also the building block of the signature input
// (gossipsub_message.hpp).
Bytes encode_message(const RpcMessage& message);
Bytes encode_rpc(const Rpc& rpc);
// The RPC as it goes on the stream: uvarint length, then encode_rpc(rpc).
Bytes encode_rpc_frame(const Rpc& rpc);

// Decodes one RPC (without its length prefix). kLimitExceeded for an RPC over
// limits.max_rpc_bytes or any entry bound above; kInvalidInput for malformed protobuf (an
// RPC that ends inside a field is malformed, not truncated: frames arrive whole).
Result<Rpc> decode_rpc(ByteView encoded, const RpcLimits& limits = {});

}  // namespace ff::net
