#include "core/fabric/fabric_wire.hpp"

#include <optional>
#include <string>
#include <utility>

#include "core/codec/protobuf.hpp"
#include "core/codec/varint.hpp"

// g++ 12 reports moving a JournalRecord (a variant of vectors) into Result's variant as
// -Wmaybe-uninitialized: a known false positive of its variant move constructors (clang
// and g++ 13 are silent). Only this file moves those records.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ff::fabric::wire {

namespace {

using codec::ProtoField;
using codec::ProtoReader;
using codec::ProtoWriter;

// ---- Encoding ----

void write_vv(ProtoWriter& out, std::uint32_t field, const VersionVector& vv) {
  ProtoWriter message;
  for (const auto& [replica, seq] : vv) {
    if (seq == 0) continue;  // absent and zero mean the same; the wire never holds zero
    ProtoWriter entry;
    entry.write_fixed64(1, replica);
    entry.write_uint64(2, seq);
    message.write_message(1, entry);
  }
  out.write_message(field, message);
}

ProtoWriter mutation_message(const Mutation& m) {
  ProtoWriter out;
  if (m.origin != 0) out.write_fixed64(1, m.origin);
  if (m.seq != 0) out.write_uint64(2, m.seq);
  write_vv(out, 3, m.deps);
  out.write_string(4, m.object);
  out.write_enum(5, static_cast<std::int32_t>(m.kind));
  if (!m.delta.empty()) out.write_bytes(6, m.delta);
  if (m.wall_time_ms != 0) out.write_uint64(7, m.wall_time_ms);
  if (m.ack_requested) out.write_bool(8, true);
  return out;
}

ProtoWriter snapshot_message(const Snapshot& s) {
  ProtoWriter out;
  write_vv(out, 1, s.heads);
  for (const ObjectState& object : s.objects) {
    ProtoWriter entry;
    entry.write_string(1, object.name);
    entry.write_enum(2, static_cast<std::int32_t>(object.kind));
    if (!object.state.empty()) entry.write_bytes(3, object.state);
    out.write_message(2, entry);
  }
  return out;
}

// ---- Decoding helpers ----

Error invalid(const std::string& what) { return make_error(Errc::kInvalidInput, what); }

// Reads every field of `input`, calling `take(field)` for each; stops at the first error.
template <class Take>
Status for_each_field(ByteView input, Take&& take) {
  ProtoReader reader(input);
  while (true) {
    FF_TRY_ASSIGN(std::optional<ProtoField> field, reader.next());
    if (!field) return {};
    FF_TRY(take(*field));
  }
}

Result<std::string> read_string(const ProtoField& field) {
  FF_TRY_ASSIGN(std::string_view text, field.as_string());
  return std::string(text);
}

Result<VersionVector> read_vv(ByteView input, const char* what) {
  VersionVector vv;
  std::optional<crdt::ReplicaId> last;
  FF_TRY(for_each_field(input, [&](const ProtoField& field) -> Status {
    if (field.number != 1) return {};
    FF_TRY_ASSIGN(ByteView entry_bytes, field.as_bytes());
    crdt::ReplicaId replica = 0;
    std::uint64_t seq = 0;
    FF_TRY(for_each_field(entry_bytes, [&](const ProtoField& entry) -> Status {
      if (entry.number == 1) {
        FF_TRY_ASSIGN(replica, entry.as_fixed64());
      } else if (entry.number == 2) {
        FF_TRY_ASSIGN(seq, entry.as_uint64());
      }
      return {};
    }));
    if (seq == 0) return invalid(std::string(what) + ": version vector entry with seq 0");
    if (last && !(*last < replica)) {
      return invalid(std::string(what) + ": version vector entries not strictly ascending by replica");
    }
    if (vv.size() >= kMaxVersionVectorEntries) {
      return make_error(Errc::kLimitExceeded, std::string(what) + ": version vector has more than " +
                                                  std::to_string(kMaxVersionVectorEntries) + " entries");
    }
    last = replica;
    vv.emplace_hint(vv.end(), replica, seq);
    return {};
  }));
  return vv;
}

Result<ObjectKind> read_kind(const ProtoField& field) {
  FF_TRY_ASSIGN(const std::int32_t value, field.as_int32());
  if (value < 1 || value > 5) return invalid("object kind " + std::to_string(value) + " is not 1..5");
  return static_cast<ObjectKind>(value);
}

Result<Sovereignty> read_sovereignty(const ProtoField& field) {
  FF_TRY_ASSIGN(const std::int32_t value, field.as_int32());
  if (value < 1 || value > 3) return invalid("sovereignty " + std::to_string(value) + " is not 1..3");
  return static_cast<Sovereignty>(value);
}

Result<Mutation> read_mutation(ByteView input) {
  Mutation m;
  bool have_kind = false;
  bool have_object = false;
  FF_TRY(for_each_field(input, [&](const ProtoField& field) -> Status {
    switch (field.number) {
      case 1: {
        FF_TRY_ASSIGN(m.origin, field.as_fixed64());
        break;
      }
      case 2: {
        FF_TRY_ASSIGN(m.seq, field.as_uint64());
        break;
      }
      case 3: {
        FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
        FF_TRY_ASSIGN(m.deps, read_vv(bytes, "Mutation.deps"));
        break;
      }
      case 4: {
        FF_TRY_ASSIGN(m.object, read_string(field));
        have_object = true;
        break;
      }
      case 5: {
        FF_TRY_ASSIGN(m.kind, read_kind(field));
        have_kind = true;
        break;
      }
      case 6: {
        FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
        m.delta.assign(bytes.begin(), bytes.end());
        break;
      }
      case 7: {
        FF_TRY_ASSIGN(m.wall_time_ms, field.as_uint64());
        break;
      }
      case 8: {
        FF_TRY_ASSIGN(m.ack_requested, field.as_bool());
        break;
      }
      default: break;
    }
    return {};
  }));
  if (m.seq == 0) return invalid("Mutation: seq must be >= 1");
  if (!have_kind) return invalid("Mutation: object kind missing");
  if (!have_object) return invalid("Mutation: object name missing");
  FF_TRY(validate_object_name(m.object));
  if (m.deps.count(m.origin) != 0) return invalid("Mutation: deps name the origin itself");
  return m;
}

Result<Hello> read_hello(ByteView input) {
  Hello h;
  h.protocol_version = 0;
  bool have_sovereignty = false;
  FF_TRY(for_each_field(input, [&](const ProtoField& field) -> Status {
    switch (field.number) {
      case 1: {
        FF_TRY_ASSIGN(h.protocol_version, field.as_uint32());
        break;
      }
      case 2: {
        FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
        h.program_proof.assign(bytes.begin(), bytes.end());
        break;
      }
      case 3: {
        FF_TRY_ASSIGN(h.sovereignty, read_sovereignty(field));
        have_sovereignty = true;
        break;
      }
      case 4: {
        FF_TRY_ASSIGN(h.capability_tier, field.as_uint32());
        break;
      }
      case 5: {
        FF_TRY_ASSIGN(h.agent, read_string(field));
        if (h.agent.size() > 256) return invalid("Hello: agent longer than 256 bytes");
        break;
      }
      case 6: {
        FF_TRY_ASSIGN(h.replica, field.as_fixed64());
        break;
      }
      case 7: {
        FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
        FF_TRY_ASSIGN(h.heads, read_vv(bytes, "Hello.heads"));
        break;
      }
      default: break;
    }
    return {};
  }));
  if (!have_sovereignty) return invalid("Hello: sovereignty missing");
  return h;
}

Result<Ack> read_ack(ByteView input) {
  Ack a;
  FF_TRY(for_each_field(input, [&](const ProtoField& field) -> Status {
    if (field.number == 1) {
      FF_TRY_ASSIGN(a.origin, field.as_fixed64());
    } else if (field.number == 2) {
      FF_TRY_ASSIGN(a.seq, field.as_uint64());
    } else if (field.number == 3) {
      FF_TRY_ASSIGN(a.authority, field.as_fixed64());
    }
    return {};
  }));
  if (a.seq == 0) return invalid("Ack: seq must be >= 1");
  return a;
}

Result<Pulse> read_pulse(ByteView input) {
  Pulse p;
  FF_TRY(for_each_field(input, [&](const ProtoField& field) -> Status {
    if (field.number != 1) return {};
    FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
    FF_TRY_ASSIGN(p.heads, read_vv(bytes, "Pulse.heads"));
    return {};
  }));
  return p;
}

Result<MutationBatch> read_batch(ByteView input) {
  MutationBatch batch;
  FF_TRY(for_each_field(input, [&](const ProtoField& field) -> Status {
    if (field.number != 1) return {};
    FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
    FF_TRY_ASSIGN(Mutation m, read_mutation(bytes));
    batch.mutations.push_back(std::move(m));
    return {};
  }));
  return batch;
}

Result<ObjectState> read_object_state(ByteView input) {
  ObjectState s;
  bool have_kind = false;
  FF_TRY(for_each_field(input, [&](const ProtoField& field) -> Status {
    if (field.number == 1) {
      FF_TRY_ASSIGN(s.name, read_string(field));
    } else if (field.number == 2) {
      FF_TRY_ASSIGN(s.kind, read_kind(field));
      have_kind = true;
    } else if (field.number == 3) {
      FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
      s.state.assign(bytes.begin(), bytes.end());
    }
    return {};
  }));
  if (!have_kind) return invalid("ObjectState: object kind missing");
  FF_TRY(validate_object_name(s.name));
  return s;
}

Result<Snapshot> read_snapshot(ByteView input) {
  Snapshot s;
  FF_TRY(for_each_field(input, [&](const ProtoField& field) -> Status {
    if (field.number == 1) {
      FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
      FF_TRY_ASSIGN(s.heads, read_vv(bytes, "Snapshot.heads"));
    } else if (field.number == 2) {
      FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
      FF_TRY_ASSIGN(ObjectState object, read_object_state(bytes));
      for (const ObjectState& other : s.objects) {
        if (other.name == object.name) return invalid("Snapshot: object '" + object.name + "' appears twice");
      }
      s.objects.push_back(std::move(object));
    }
    return {};
  }));
  return s;
}

// Session and Shutdown: a message whose only field is `fixed64 replica = 1` (non-zero).
ProtoWriter replica_message(crdt::ReplicaId replica) {
  ProtoWriter body;
  body.write_fixed64(1, replica);
  return body;
}

Result<crdt::ReplicaId> read_replica_message(ByteView input, const char* what) {
  crdt::ReplicaId replica = 0;
  FF_TRY(for_each_field(input, [&](const ProtoField& field) -> Status {
    if (field.number != 1) return {};
    FF_TRY_ASSIGN(replica, field.as_fixed64());
    return {};
  }));
  if (replica == 0) return invalid(std::string(what) + ": replica must be non-zero");
  return replica;
}

Result<Upgrade> read_upgrade(ByteView input) {
  Upgrade u;
  FF_TRY(for_each_field(input, [&](const ProtoField& field) -> Status {
    if (field.number != 1) return {};
    if (field.wire_type == codec::WireType::kLengthDelimited) {  // packed (proto3 default)
      codec::PackedVarintReader packed(field.bytes);
      while (true) {
        FF_TRY_ASSIGN(std::optional<std::uint64_t> value, packed.next());
        if (!value) break;
        u.seqs.push_back(*value);
      }
    } else {
      FF_TRY_ASSIGN(const std::uint64_t value, field.as_uint64());
      u.seqs.push_back(value);
    }
    return {};
  }));
  for (const std::uint64_t seq : u.seqs) {
    if (seq == 0) return invalid("Upgrade: seq must be >= 1");
  }
  return u;
}

}  // namespace

Bytes encode_direct(const DirectMessage& message) {
  ProtoWriter out;
  if (const auto* hello = std::get_if<Hello>(&message.body)) {
    ProtoWriter body;
    body.write_uint32(1, hello->protocol_version);
    body.write_bytes(2, hello->program_proof);
    body.write_enum(3, static_cast<std::int32_t>(hello->sovereignty));
    if (hello->capability_tier != 0) body.write_uint32(4, hello->capability_tier);
    if (!hello->agent.empty()) body.write_string(5, hello->agent);
    body.write_fixed64(6, hello->replica);
    write_vv(body, 7, hello->heads);
    out.write_message(1, body);
  } else if (const auto* ack = std::get_if<Ack>(&message.body)) {
    ProtoWriter body;
    body.write_fixed64(1, ack->origin);
    body.write_uint64(2, ack->seq);
    body.write_fixed64(3, ack->authority);
    out.write_message(2, body);
  } else if (const auto* pulse = std::get_if<Pulse>(&message.body)) {
    ProtoWriter body;
    write_vv(body, 1, pulse->heads);
    out.write_message(3, body);
  } else if (const auto* batch = std::get_if<MutationBatch>(&message.body)) {
    ProtoWriter body;
    for (const Mutation& m : batch->mutations) body.write_message(1, mutation_message(m));
    out.write_message(4, body);
  } else if (const auto* snapshot = std::get_if<Snapshot>(&message.body)) {
    out.write_message(5, snapshot_message(*snapshot));
  }
  return out.take();
}

Result<DirectMessage> decode_direct(ByteView frame) {
  if (frame.size() > kMaxDirectFrameBytes) {
    return make_error(Errc::kLimitExceeded, "fabric frame of " + std::to_string(frame.size()) +
                                                " bytes exceeds " + std::to_string(kMaxDirectFrameBytes));
  }
  DirectMessage message;
  bool have_body = false;
  // proto3 oneof: the last body on the wire wins, as in every protobuf parser.
  FF_TRY(for_each_field(frame, [&](const ProtoField& field) -> Status {
    if (field.number < 1 || field.number > 5) return {};
    FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
    switch (field.number) {
      case 1: {
        FF_TRY_ASSIGN(Hello hello, read_hello(bytes));
        message.body.emplace<Hello>(std::move(hello));
        break;
      }
      case 2: {
        FF_TRY_ASSIGN(Ack ack, read_ack(bytes));
        message.body.emplace<Ack>(ack);
        break;
      }
      case 3: {
        FF_TRY_ASSIGN(Pulse pulse, read_pulse(bytes));
        message.body.emplace<Pulse>(std::move(pulse));
        break;
      }
      case 4: {
        FF_TRY_ASSIGN(MutationBatch batch, read_batch(bytes));
        message.body.emplace<MutationBatch>(std::move(batch));
        break;
      }
      default: {
        FF_TRY_ASSIGN(Snapshot snapshot, read_snapshot(bytes));
        message.body.emplace<Snapshot>(std::move(snapshot));
        break;
      }
    }
    have_body = true;
    return {};
  }));
  if (!have_body) return invalid("fabric frame has no message body");
  return message;
}

Bytes encode_sync(const Mutation& mutation) {
  ProtoWriter out;
  out.write_message(1, mutation_message(mutation));
  return out.take();
}

Result<Mutation> decode_sync(ByteView data) {
  if (data.size() > kMaxGossipMessageBytes) {
    return make_error(Errc::kLimitExceeded, "sync message of " + std::to_string(data.size()) +
                                                " bytes exceeds " + std::to_string(kMaxGossipMessageBytes));
  }
  std::optional<Mutation> mutation;
  FF_TRY(for_each_field(data, [&](const ProtoField& field) -> Status {
    if (field.number != 1) return {};
    FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
    FF_TRY_ASSIGN(Mutation m, read_mutation(bytes));
    mutation = std::move(m);
    return {};
  }));
  if (!mutation) return invalid("sync message has no mutation");
  return std::move(*mutation);
}

Bytes encode_record(const JournalRecord& record) {
  ProtoWriter out;
  if (const auto* mutation = std::get_if<Mutation>(&record.body)) {
    out.write_message(1, mutation_message(*mutation));
  } else if (const auto* upgrade = std::get_if<Upgrade>(&record.body)) {
    ProtoWriter body;
    body.write_packed_varints(1, upgrade->seqs);
    out.write_message(2, body);
  } else if (const auto* snapshot = std::get_if<Snapshot>(&record.body)) {
    out.write_message(3, snapshot_message(*snapshot));
  } else if (const auto* session = std::get_if<Session>(&record.body)) {
    out.write_message(4, replica_message(session->replica));
  } else if (const auto* shutdown = std::get_if<Shutdown>(&record.body)) {
    out.write_message(5, replica_message(shutdown->replica));
  }
  return out.take();
}

Result<JournalRecord> decode_record(ByteView record) {
  JournalRecord result;
  bool have_body = false;
  FF_TRY(for_each_field(record, [&](const ProtoField& field) -> Status {
    if (field.number < 1 || field.number > 5) return {};
    FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
    if (field.number == 1) {
      FF_TRY_ASSIGN(Mutation m, read_mutation(bytes));
      result.body.emplace<Mutation>(std::move(m));
    } else if (field.number == 2) {
      FF_TRY_ASSIGN(Upgrade u, read_upgrade(bytes));
      result.body.emplace<Upgrade>(std::move(u));
    } else if (field.number == 4) {
      FF_TRY_ASSIGN(const crdt::ReplicaId replica, read_replica_message(bytes, "Session"));
      result.body.emplace<Session>(Session{replica});
    } else if (field.number == 5) {
      FF_TRY_ASSIGN(const crdt::ReplicaId replica, read_replica_message(bytes, "Shutdown"));
      result.body.emplace<Shutdown>(Shutdown{replica});
    } else {
      FF_TRY_ASSIGN(Snapshot s, read_snapshot(bytes));
      result.body.emplace<Snapshot>(std::move(s));
    }
    have_body = true;
    return {};
  }));
  if (!have_body) return invalid("journal record has no body");
  return result;
}

std::size_t batch_entry_size(const Mutation& mutation) {
  const std::size_t body = mutation_message(mutation).size();
  return 1 + codec::varint_size(body) + body;
}

}  // namespace ff::fabric::wire
