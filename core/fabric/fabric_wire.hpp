// The messages of docs/wire/fabric.proto as plain structs, with their protobuf codecs
// (core/codec/protobuf.hpp). Decoders treat every byte as hostile: they check enums,
// sequence numbers, version-vector order and size, object names and the frame limits of
// fabric_types.hpp, and return kInvalidInput / kTruncated / kLimitExceeded instead of
// guessing. Encoders are canonical (fields in number order, zero scalars omitted).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/fabric/fabric_types.hpp"
#include "core/result.hpp"

namespace ff::fabric::wire {

// Most entries one VersionVector may carry (fabric.proto "Limits").
inline constexpr std::size_t kMaxVersionVectorEntries = 4096;

// Per origin replica: how many of its mutations are delivered (entries with seq 0 absent).
using VersionVector = std::map<crdt::ReplicaId, std::uint64_t>;

struct Hello {
  std::uint32_t protocol_version = kProtocolVersion;
  Bytes program_proof;
  Sovereignty sovereignty = Sovereignty::kCitizen;
  std::uint32_t capability_tier = 0;
  std::string agent;
  crdt::ReplicaId replica = 0;
  VersionVector heads;
};

struct Mutation {
  crdt::ReplicaId origin = 0;
  std::uint64_t seq = 0;  // >= 1
  VersionVector deps;     // the origin's own entry excluded
  std::string object;
  ObjectKind kind = ObjectKind::kCounter;
  Bytes delta;
  std::uint64_t wall_time_ms = 0;
  bool ack_requested = false;

  MutationId id() const { return MutationId{origin, seq}; }
};

struct Ack {
  crdt::ReplicaId origin = 0;
  std::uint64_t seq = 0;
  crdt::ReplicaId authority = 0;
};

struct Pulse {
  VersionVector heads;
};

struct MutationBatch {
  std::vector<Mutation> mutations;
};

struct ObjectState {
  std::string name;
  ObjectKind kind = ObjectKind::kCounter;
  Bytes state;
};

struct Snapshot {
  VersionVector heads;
  std::vector<ObjectState> objects;
};

struct Upgrade {
  std::vector<std::uint64_t> seqs;
};

struct DirectMessage {
  std::variant<Hello, Ack, Pulse, MutationBatch, Snapshot> body;
};

// The node starts writing as `replica` (docs/fabric.md "Replica sessions"). Journalled and
// synced before any own write of the session is sent anywhere.
struct Session {
  crdt::ReplicaId replica = 0;
};

// A clean stop: every earlier record is durable, so the next start may write as `replica`
// again.
struct Shutdown {
  crdt::ReplicaId replica = 0;
};

struct JournalRecord {
  std::variant<Mutation, Upgrade, Snapshot, Session, Shutdown> body;
};

Bytes encode_direct(const DirectMessage& message);
// kLimitExceeded above kMaxDirectFrameBytes; kInvalidInput for a frame without a body.
Result<DirectMessage> decode_direct(ByteView frame);

Bytes encode_sync(const Mutation& mutation);
// kLimitExceeded above kMaxGossipMessageBytes; kInvalidInput without a mutation.
Result<Mutation> decode_sync(ByteView data);

Bytes encode_record(const JournalRecord& record);
Result<JournalRecord> decode_record(ByteView record);

// Encoded size of one Mutation as a MutationBatch field (tag + length + body), so batches
// can be cut below kMaxDirectFrameBytes without encoding twice.
std::size_t batch_entry_size(const Mutation& mutation);

}  // namespace ff::fabric::wire
