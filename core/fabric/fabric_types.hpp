// The vocabulary of the fabric protocol (docs/fabric.md, docs/wire/fabric.proto): who a
// node is (sovereignty), what kinds of shared objects exist, how durable a write must be,
// the operations a program applies, and the effects and events the IO-free FabricNode hands
// to its runtime. Everything here is plain data; FabricNode holds the behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/result.hpp"

namespace ff::fabric {

// The libp2p PeerId in its text form. The core treats it as an opaque, authenticated name:
// the runtime only reports peers whose identity the secure channel (Noise) proved.
using PeerKey = std::string;

inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr const char* kFabricProtocolId = "/fabric/1.0.0";
inline constexpr std::size_t kMaxProgramIdBytes = 64;
inline constexpr std::size_t kMaxObjectNameBytes = 128;
inline constexpr std::size_t kMaxDirectFrameBytes = 4 * 1024 * 1024;  // one /fabric/1.0.0 frame
inline constexpr std::size_t kMaxGossipMessageBytes = 1024 * 1024;    // one sync-topic message

// The GossipSub topic a program's deltas travel on: "fabric/<program-id>/sync".
std::string sync_topic(const std::string& program_id);
// Program ids are 1..64 bytes of [A-Za-z0-9._-]; anything else is kInvalidInput with a
// message naming the offending character or length.
Status validate_program_id(const std::string& program_id);
// Object names are 1..128 bytes of printable ASCII other than '/' at the ends.
Status validate_object_name(const std::string& name);

// Spec "Sovereignty Classes": only Authorities vote (ack) and keep a full journal.
enum class Sovereignty : std::uint8_t { kAuthority = 1, kCitizen = 2, kEphemeral = 3 };
const char* sovereignty_name(Sovereignty s);                  // "authority" ...
Result<Sovereignty> parse_sovereignty(const std::string& s);  // inverse of the above

enum class ObjectKind : std::uint8_t { kCounter = 1, kSet = 2, kMap = 3, kList = 4, kText = 5 };
const char* object_kind_name(ObjectKind kind);  // "counter" "set" "map" "list" "text"
Result<ObjectKind> parse_object_kind(const std::string& s);

// Per object, chosen when it is mounted (spec Phase FF-3). Not on the wire: it decides how
// long the writer waits, not how peers treat the delta (except that non-Local writes ask
// Authorities for acks).
struct DurabilityPolicy {
  enum class Kind : std::uint8_t { kLocal, kQuorum, kStrictQuorum, kLeader };
  Kind kind = Kind::kLocal;
  std::uint32_t n = 0;  // Authority acks wanted (kQuorum, kStrictQuorum), >= 1

  static DurabilityPolicy local() { return {Kind::kLocal, 0}; }
  static DurabilityPolicy quorum(std::uint32_t n) { return {Kind::kQuorum, n}; }
  static DurabilityPolicy strict_quorum(std::uint32_t n) { return {Kind::kStrictQuorum, n}; }
  static DurabilityPolicy leader() { return {Kind::kLeader, 1}; }
  bool operator==(const DurabilityPolicy& o) const { return kind == o.kind && n == o.n; }
  bool operator!=(const DurabilityPolicy& o) const { return !(*this == o); }
};
// "local", "quorum(2)", "strict_quorum(2)", "leader" (and parse of exactly those forms).
std::string durability_name(const DurabilityPolicy& p);
Result<DurabilityPolicy> parse_durability(const std::string& s);

// One change a program makes to a named object. Build with the named constructors.
struct Op {
  enum class Action : std::uint8_t {
    kIncrement,  // counter: amount (negative decrements)
    kAdd,        // set: value
    kRemove,     // set: value
    kPut,        // map: key = value (last writer wins per key)
    kDelete,     // map: key
    kInsert,     // list: value before index; text: value (UTF-8) before code point index
    kErase,      // list/text: count items/code points from index
  };
  ObjectKind kind = ObjectKind::kCounter;
  Action action = Action::kIncrement;
  std::string object;
  std::int64_t amount = 0;
  std::string key;
  std::string value;
  std::uint64_t index = 0;
  std::uint64_t count = 0;

  static Op increment(std::string object, std::int64_t amount);
  static Op set_add(std::string object, std::string value);
  static Op set_remove(std::string object, std::string value);
  static Op map_put(std::string object, std::string key, std::string value);
  static Op map_delete(std::string object, std::string key);
  static Op list_insert(std::string object, std::uint64_t index, std::string value);
  static Op list_erase(std::string object, std::uint64_t index, std::uint64_t count);
  static Op text_insert(std::string object, std::uint64_t index, std::string text);
  static Op text_erase(std::string object, std::uint64_t index, std::uint64_t count);
};

// A write is named by its origin replica and that replica's sequence number.
struct MutationId {
  crdt::ReplicaId origin = 0;
  std::uint64_t seq = 0;
  bool operator==(const MutationId& o) const { return origin == o.origin && seq == o.seq; }
  bool operator!=(const MutationId& o) const { return !(*this == o); }
  bool operator<(const MutationId& o) const { return origin != o.origin ? origin < o.origin : seq < o.seq; }
};

// ---- Effects: what the runtime must carry out, in the order poll_effect() returns them ----

// Write `frame` (one DirectMessage, without length prefix) on our outbound /fabric/1.0.0
// stream to `peer`; the runtime frames it with an unsigned-varint length.
struct SendDirect {
  PeerKey peer;
  Bytes frame;
};
// Publish `data` (one SyncMessage) on GossipSub topic `topic`.
struct Publish {
  std::string topic;
  Bytes data;
};
// Append `record` to the journal. When it is durable (after fsync if `sync`), the runtime
// calls FabricNode::persisted(ticket); tickets are increasing and persisted(t) covers every
// ticket <= t. Nodes without a journal (Ephemeral) never emit Persist.
struct Persist {
  std::uint64_t ticket = 0;
  Bytes record;
  bool sync = true;
};
// Close the connection to `peer` (wrong program id, protocol violation).
struct Disconnect {
  PeerKey peer;
  std::string reason;
};

enum class EventKind : std::uint8_t {
  kPeerJoined,     // hello accepted: peer, text = sovereignty name
  kPeerLeft,       // peer
  kPeerStale,      // a Citizen/Ephemeral missed 3 pulses: peer
  kPeerActive,     // a stale peer pulsed again: peer
  kObjectChanged,  // object (local or remote change, or catch-up)
  kWriteDone,      // write finished: write, status (ok or error), acks, degraded
  kWarning,        // text (e.g. quorum degraded), object/peer when relevant
  kRejected,       // input dropped: peer, text = reason
};
const char* event_kind_name(EventKind kind);

struct Event {
  EventKind kind = EventKind::kWarning;
  PeerKey peer;
  std::string object;
  std::string text;
  MutationId write;
  Status status;           // kWriteDone
  std::uint32_t acks = 0;  // kWriteDone: Authority acks counted (self included)
  bool degraded = false;   // kWriteDone under Quorum(N) with fewer than N reachable
};

using Effect = std::variant<SendDirect, Publish, Persist, Disconnect, Event>;

// ---- Read side ----

struct PeerInfo {
  PeerKey peer;
  crdt::ReplicaId replica = 0;
  Sovereignty sovereignty = Sovereignty::kCitizen;
  std::uint32_t capability_tier = 0;
  std::string agent;
  bool stale = false;
  std::uint64_t last_pulse_ms = 0;
};

struct ObjectInfo {
  std::string name;
  ObjectKind kind = ObjectKind::kCounter;
  DurabilityPolicy policy;
  std::string value_json;  // see FabricNode::object_json
};

struct Metrics {
  std::uint64_t peers = 0;
  std::uint64_t deltas_sent = 0;      // mutations published or re-sent
  std::uint64_t deltas_received = 0;  // mutations applied from others
  std::uint64_t duplicates_dropped = 0;
  std::uint64_t acks_sent = 0;
  std::uint64_t acks_received = 0;
  std::uint64_t pending_broadcasts = 0;  // writes still waiting for acks
  std::uint64_t causal_buffered = 0;     // received but waiting for their dependencies
  std::uint64_t journal_records = 0;     // Persist effects emitted
  std::uint64_t journal_bytes = 0;       // bytes in those records
  std::uint64_t rejected_inputs = 0;
};

}  // namespace ff::fabric
