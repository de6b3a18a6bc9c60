// Rga<T>: a replicated list of values, the Replicated Growable Array of Roh et al.,
// "Replicated abstract data types: Building blocks for collaborative applications"
// (JPDC 2011).
//
// Every element has an identity (replica, seq), seq counting the replica's inserts from 0,
// and a Lamport timestamp. An insert names the element it follows (its reference, absent
// at the head). A replica places a remote element right after its reference, skipping the
// elements that follow there with a greater (timestamp, replica): those were inserted
// concurrently after the same reference (and win the place next to it), or descend from
// such an insert. Timestamps are Lamport clocks, so an element's timestamp exceeds its
// reference's and that of every element its replica saw, which is what makes the skip rule
// converge. Removal leaves a tombstone without its value.
//
// Interface as YataText (yata.hpp): local ops return a delta, apply() joins a delta (out of
// order and duplicated deltas are fine: missing dependencies park in a bounded pending
// buffer), merge() joins a full state, version()/delta_since() catch a peer up, encodings
// are canonical (docs/crdt-encoding.md "Sequence types"). T needs a ValueCodec
// (value_codec.hpp) and ==. Replica ids must be unique among concurrent editors.
//
// Storage: elements in document order in chunks of at most kRgaChunkElements, each with
// its visible count, plus an index replica -> seq -> chunk. Positions cost O(n / chunk +
// chunk), ids O(chunk): no quadratic behaviour at the list sizes this is for (thousands to
// a few hundred thousand elements).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/codec/byte_io.hpp"
#include "core/crdt/encoding.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/crdt/value_codec.hpp"
#include "core/crdt/vclock.hpp"
#include "core/result.hpp"

namespace ff::crdt {

// Most elements (tombstones and pending included) one list holds.
inline constexpr std::uint64_t kRgaMaxElements = std::uint64_t{1} << 24;
// Lamport timestamps above this are rejected, so a hostile peer cannot push the clock to
// 2^64-1 and leave no room for later inserts.
inline constexpr std::uint64_t kRgaMaxTimestamp = std::uint64_t{1} << 62;
// Most inserts and deletions waiting for their dependencies; apply() returns
// kLimitExceeded beyond it (the caller then merges the sender's full state).
inline constexpr std::size_t kRgaMaxPendingEntries = 4096;
inline constexpr std::size_t kRgaChunkElements = 64;

struct RgaId {
  ReplicaId replica = 0;
  std::uint64_t seq = 0;

  bool operator==(const RgaId& other) const { return replica == other.replica && seq == other.seq; }
  bool operator!=(const RgaId& other) const { return !(*this == other); }
  bool operator<(const RgaId& other) const {
    return replica != other.replica ? replica < other.replica : seq < other.seq;
  }
};

// One inserted element as it travels in a delta.
template <class T>
struct RgaInsert {
  RgaId id;
  std::uint64_t timestamp = 0;  // Lamport clock, >= 1
  std::optional<RgaId> after;   // the reference element; absent: the head of the list
  bool deleted = false;         // a tombstone: value is T{} and not encoded
  T value{};

  bool operator==(const RgaInsert& other) const {
    return id == other.id && timestamp == other.timestamp && after == other.after &&
           deleted == other.deleted && value == other.value;
  }
  bool operator!=(const RgaInsert& other) const { return !(*this == other); }
};

// Elements (replica, seq) .. (replica, seq + length - 1) were removed.
struct RgaDeleteRange {
  ReplicaId replica = 0;
  std::uint64_t seq = 0;
  std::uint64_t length = 0;

  bool operator==(const RgaDeleteRange& other) const {
    return replica == other.replica && seq == other.seq && length == other.length;
  }
  bool operator!=(const RgaDeleteRange& other) const { return !(*this == other); }
};

namespace rga_detail {

constexpr std::uint8_t kFlagDeleted = 1;
constexpr std::uint8_t kFlagAfter = 2;
constexpr std::size_t kMinInsertBytes = 4;  // replica, seq, timestamp, flags
constexpr std::size_t kMinDeleteBytes = 3;  // replica, seq, length

inline bool delete_less(const RgaDeleteRange& a, const RgaDeleteRange& b) {
  return RgaId{a.replica, a.seq} < RgaId{b.replica, b.seq};
}

// Sorts and joins overlapping or adjacent ranges.
inline std::vector<RgaDeleteRange> normalize_deletes(std::vector<RgaDeleteRange> ranges) {
  std::sort(ranges.begin(), ranges.end(), delete_less);
  std::vector<RgaDeleteRange> merged;
  for (const RgaDeleteRange& range : ranges) {
    if (!merged.empty() && merged.back().replica == range.replica &&
        merged.back().seq + merged.back().length >= range.seq) {
      merged.back().length =
          std::max(merged.back().seq + merged.back().length, range.seq + range.length) - merged.back().seq;
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

inline Result<std::vector<ReplicaId>> read_table(codec::ByteReader& in, const char* what) {
  FF_TRY_ASSIGN(const std::uint64_t count, in.count(kReplicaBytes));
  std::vector<ReplicaId> table;
  table.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    FF_TRY_ASSIGN(const ReplicaId id, read_replica(in));
    if (!table.empty() && !(table.back() < id)) {
      return make_error(Errc::kInvalidInput, std::string(what) + ": replica table not strictly ascending");
    }
    table.push_back(id);
  }
  return table;
}

inline Result<std::uint32_t> read_index(codec::ByteReader& in, std::size_t table_size, const char* what) {
  FF_TRY_ASSIGN(const std::uint64_t index, in.varint());
  if (index >= table_size) {
    return make_error(Errc::kInvalidInput, std::string(what) + ": replica index beyond the table");
  }
  return static_cast<std::uint32_t>(index);
}

inline std::uint64_t index_in(const std::vector<ReplicaId>& table, ReplicaId id) {
  return static_cast<std::uint64_t>(std::lower_bound(table.begin(), table.end(), id) - table.begin());
}

// Writes one insert (shared by states and deltas).
template <class T>
void write_insert(codec::ByteWriter& out, const std::vector<ReplicaId>& table, const RgaInsert<T>& insert) {
  out.varint(index_in(table, insert.id.replica));
  out.varint(insert.id.seq);
  out.varint(insert.timestamp);
  std::uint8_t flags = 0;
  if (insert.deleted) flags |= kFlagDeleted;
  if (insert.after) flags |= kFlagAfter;
  out.u8(flags);
  if (insert.after) {
    out.varint(index_in(table, insert.after->replica));
    out.varint(insert.after->seq);
  }
  if (!insert.deleted) ValueCodec<T>::encode(out, insert.value);
}

template <class T>
Result<RgaInsert<T>> read_insert(codec::ByteReader& in, const std::vector<ReplicaId>& table,
                                 std::vector<bool>& used, const char* what) {
  RgaInsert<T> insert;
  FF_TRY_ASSIGN(const std::uint32_t replica, read_index(in, table.size(), what));
  used[replica] = true;
  FF_TRY_ASSIGN(const std::uint64_t seq, in.varint());
  FF_TRY_ASSIGN(insert.timestamp, in.varint());
  if (seq >= kRgaMaxElements)
    return make_error(Errc::kInvalidInput, std::string(what) + ": seq out of range");
  if (insert.timestamp == 0 || insert.timestamp > kRgaMaxTimestamp) {
    return make_error(Errc::kInvalidInput, std::string(what) + ": timestamp out of range");
  }
  insert.id = RgaId{table[replica], seq};
  FF_TRY_ASSIGN(const std::uint8_t flags, in.u8());
  if ((flags & ~(kFlagDeleted | kFlagAfter)) != 0) {
    return make_error(Errc::kInvalidInput, std::string(what) + ": unknown flags");
  }
  insert.deleted = (flags & kFlagDeleted) != 0;
  if (flags & kFlagAfter) {
    FF_TRY_ASSIGN(const std::uint32_t after_replica, read_index(in, table.size(), what));
    used[after_replica] = true;
    FF_TRY_ASSIGN(const std::uint64_t after_seq, in.varint());
    if (after_seq >= kRgaMaxElements)
      return make_error(Errc::kInvalidInput, std::string(what) + ": seq out of range");
    insert.after = RgaId{table[after_replica], after_seq};
  }
  if (!insert.deleted) {
    FF_TRY_ASSIGN(insert.value, ValueCodec<T>::decode(in));
  }
  return insert;
}

}  // namespace rga_detail

// A change to an Rga<T>: inserted elements and removed ranges, both sorted by id and
// disjoint, ranges joined where adjacent (the canonical form the encoding requires).
template <class T>
struct RgaDelta {
  std::vector<RgaInsert<T>> inserts;
  std::vector<RgaDeleteRange> deletes;

  bool empty() const { return inserts.empty() && deletes.empty(); }
  bool operator==(const RgaDelta& other) const {
    return inserts == other.inserts && deletes == other.deletes;
  }
  bool operator!=(const RgaDelta& other) const { return !(*this == other); }

  static void write_signature(codec::ByteWriter& out) {
    out.u8(static_cast<std::uint8_t>(TypeTag::kRgaDelta));
    out.u8(ValueCodec<T>::kTag);
  }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "RgaDelta").
  Bytes encode() const {
    codec::ByteWriter out;
    out.u8(kEncodingVersion);
    write_signature(out);
    std::vector<RgaInsert<T>> sorted_inserts = inserts;
    std::stable_sort(sorted_inserts.begin(), sorted_inserts.end(),
                     [](const RgaInsert<T>& a, const RgaInsert<T>& b) { return a.id < b.id; });
    const std::vector<RgaDeleteRange> sorted_deletes = rga_detail::normalize_deletes(deletes);
    std::vector<ReplicaId> table;
    for (const RgaInsert<T>& insert : sorted_inserts) {
      table.push_back(insert.id.replica);
      if (insert.after) table.push_back(insert.after->replica);
    }
    for (const RgaDeleteRange& range : sorted_deletes) table.push_back(range.replica);
    std::sort(table.begin(), table.end());
    table.erase(std::unique(table.begin(), table.end()), table.end());
    out.varint(table.size());
    for (const ReplicaId id : table) write_replica(out, id);
    out.varint(sorted_inserts.size());
    for (const RgaInsert<T>& insert : sorted_inserts) rga_detail::write_insert(out, table, insert);
    out.varint(sorted_deletes.size());
    for (const RgaDeleteRange& range : sorted_deletes) {
      out.varint(rga_detail::index_in(table, range.replica));
      out.varint(range.seq);
      out.varint(range.length);
    }
    return out.take();
  }

  static Result<RgaDelta> decode(ByteView bytes) {
    constexpr const char* kWhat = "RgaDelta";
    codec::ByteReader in(bytes);
    FF_TRY(read_envelope<RgaDelta>(in, kWhat));
    FF_TRY_ASSIGN(const std::vector<ReplicaId> table, rga_detail::read_table(in, kWhat));
    std::vector<bool> used(table.size(), false);
    RgaDelta delta;
    FF_TRY_ASSIGN(const std::uint64_t insert_count, in.count(rga_detail::kMinInsertBytes));
    delta.inserts.reserve(insert_count);
    for (std::uint64_t k = 0; k < insert_count; ++k) {
      FF_TRY_ASSIGN(RgaInsert<T> insert, rga_detail::read_insert<T>(in, table, used, kWhat));
      if (!delta.inserts.empty() && !(delta.inserts.back().id < insert.id)) {
        return make_error(Errc::kInvalidInput, "RgaDelta: inserts not strictly ascending by id");
      }
      delta.inserts.push_back(std::move(insert));
    }
    FF_TRY_ASSIGN(const std::uint64_t delete_count, in.count(rga_detail::kMinDeleteBytes));
    delta.deletes.reserve(delete_count);
    for (std::uint64_t k = 0; k < delete_count; ++k) {
      FF_TRY_ASSIGN(const std::uint32_t index, rga_detail::read_index(in, table.size(), kWhat));
      used[index] = true;
      FF_TRY_ASSIGN(const std::uint64_t seq, in.varint());
      FF_TRY_ASSIGN(const std::uint64_t length, in.varint());
      if (length == 0 || seq >= kRgaMaxElements || length > kRgaMaxElements - seq) {
        return make_error(Errc::kInvalidInput, "RgaDelta: deletion out of range");
      }
      const RgaDeleteRange range{table[index], seq, length};
      if (!delta.deletes.empty()) {
        const RgaDeleteRange& last = delta.deletes.back();
        if (!rga_detail::delete_less(last, range) ||
            (last.replica == range.replica && last.seq + last.length >= range.seq)) {
          return make_error(Errc::kInvalidInput, "RgaDelta: deletions not sorted, overlapping or not joined");
        }
      }
      delta.deletes.push_back(range);
    }
    for (const bool is_used : used) {
      if (!is_used) return make_error(Errc::kInvalidInput, "RgaDelta: replica table lists an unused replica");
    }
    FF_TRY(in.expect_done(kWhat));
    return delta;
  }
};

template <class T>
class Rga {
 public:
  using Delta = RgaDelta<T>;

  // An empty list edited as `replica`.
  explicit Rga(ReplicaId replica = 0) : self_(replica) {}

  ReplicaId replica() const { return self_; }
  void set_replica(ReplicaId replica) { self_ = replica; }

  // Inserts `value` before element `position` (0 <= position <= size()). Errors:
  // kInvalidInput beyond the end; kLimitExceeded at kRgaMaxElements or when the Lamport
  // clock reached kRgaMaxTimestamp.
  Result<Delta> insert(std::size_t position, T value) {
    if (position > visible_) {
      return make_error(Errc::kInvalidInput, "Rga: insert at " + std::to_string(position) +
                                                 " is beyond the end (size " + std::to_string(visible_) +
                                                 ")");
    }
    if (max_timestamp_ >= kRgaMaxTimestamp || total_ + pending_elements_ >= kRgaMaxElements) {
      return make_error(Errc::kLimitExceeded, "Rga: element or timestamp limit reached");
    }
    Node node;
    node.id = RgaId{self_, next_seq(self_)};
    node.timestamp = max_timestamp_ + 1;
    node.value = std::move(value);
    Place place;
    if (position > 0) {
      const Place left = locate(position - 1);
      node.after = chunks_[left.chunk].nodes[left.index].id;
      place = Place{left.chunk, left.index + 1};
    } else {
      place = Place{order_.empty() ? kNoChunk : order_.front(), 0};
    }
    Delta delta;
    delta.inserts.push_back(RgaInsert<T>{node.id, node.timestamp, node.after, false, node.value});
    place_node(place, std::move(node));
    return delta;
  }

  // Removes element `position`. kInvalidInput if there is none.
  Result<Delta> remove(std::size_t position) {
    if (position >= visible_) {
      return make_error(Errc::kInvalidInput, "Rga: remove at " + std::to_string(position) +
                                                 " is beyond the end (size " + std::to_string(visible_) +
                                                 ")");
    }
    const Place at = locate(position);
    Node& node = chunks_[at.chunk].nodes[at.index];
    Delta delta;
    delta.deletes.push_back(RgaDeleteRange{node.id.replica, node.id.seq, 1});
    tombstone(at);
    return delta;
  }

  std::size_t size() const { return visible_; }
  bool empty() const { return visible_ == 0; }

  // The visible values in order.
  std::vector<T> values() const {
    std::vector<T> result;
    result.reserve(visible_);
    for (const std::uint32_t c : order_) {
      for (const Node& node : chunks_[c].nodes) {
        if (!node.deleted) result.push_back(node.value);
      }
    }
    return result;
  }

  // Value at visible `position` (< size()).
  const T& at(std::size_t position) const {
    const Place place = locate(position);
    return chunks_[place.chunk].nodes[place.index].value;
  }

  // Joins a delta; errors as YataText::apply (kInvalidInput: malformed parts, which are
  // dropped; kLimitExceeded: the pending buffer or element limit overflowed, merge the
  // sender's full state). The rest of the delta is applied either way.
  Status apply(const Delta& delta) {
    Status status;
    std::vector<RgaInsert<T>> batch = delta.inserts;
    std::vector<Pending> woken;
    integrate_batch(batch, status, woken);
    for (const RgaDeleteRange& range : delta.deletes) apply_delete(range, status);
    drain(woken, status);
    return status;
  }

  Status merge(const Rga& other) {
    if (&other == this) return {};
    return apply(other.delta_since(version()));
  }

  // Per replica, how many of its elements this state holds.
  VClock version() const {
    VClock version;
    for (const auto& [replica, chunks] : chunk_of_) {
      if (!chunks.empty()) version.observe(replica, chunks.size());
    }
    return version;
  }

  // Everything a replica at `version` lacks: elements beyond its counts (tombstones
  // without values) and removals of elements it holds.
  Delta delta_since(const VClock& version) const {
    Delta delta;
    std::vector<ReplicaId> replicas;
    for (const auto& entry : chunk_of_) replicas.push_back(entry.first);
    std::sort(replicas.begin(), replicas.end());
    for (const ReplicaId replica : replicas) {
      const std::vector<std::uint32_t>& chunks = chunk_of_.at(replica);
      for (std::uint64_t seq = version.get(replica); seq < chunks.size(); ++seq) {
        const Node& node = node_at(find(RgaId{replica, seq}));
        delta.inserts.push_back(RgaInsert<T>{node.id, node.timestamp, node.after, node.deleted, node.value});
      }
    }
    std::vector<RgaDeleteRange> deletes;
    for (const std::uint32_t c : order_) {
      for (const Node& node : chunks_[c].nodes) {
        if (node.deleted && node.id.seq < version.get(node.id.replica)) {
          deletes.push_back(RgaDeleteRange{node.id.replica, node.id.seq, 1});
        }
      }
    }
    delta.deletes = rga_detail::normalize_deletes(std::move(deletes));
    return delta;
  }

  std::size_t pending_count() const { return pending_.size(); }

  bool operator==(const Rga& other) const { return encode() == other.encode(); }
  bool operator!=(const Rga& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "Rga"). decode checks ids
  // (dense per replica), timestamps (rising along each replica's seqs, above the
  // reference's) and references (existing, earlier in the list).
  Bytes encode() const { return encode_state(*this); }
  static Result<Rga> decode(ByteView bytes, ReplicaId replica = 0) {
    codec::ByteReader in(bytes);
    FF_TRY(read_envelope<Rga>(in, "Rga"));
    FF_TRY_ASSIGN(Rga state, decode_body(in, replica));
    FF_TRY(in.expect_done("Rga"));
    return state;
  }

  static void write_signature(codec::ByteWriter& out) {
    out.u8(static_cast<std::uint8_t>(TypeTag::kRga));
    out.u8(ValueCodec<T>::kTag);
  }

  void encode_body(codec::ByteWriter& out) const {
    std::vector<ReplicaId> table;
    for (const auto& [replica, chunks] : chunk_of_) {
      if (!chunks.empty()) table.push_back(replica);
    }
    std::sort(table.begin(), table.end());
    out.varint(table.size());
    for (const ReplicaId id : table) write_replica(out, id);
    out.varint(total_);
    for (const std::uint32_t c : order_) {
      for (const Node& node : chunks_[c].nodes) {
        rga_detail::write_insert(out, table,
                                 RgaInsert<T>{node.id, node.timestamp, node.after, node.deleted, node.value});
      }
    }
  }

  static Result<Rga> decode_body(codec::ByteReader& in, ReplicaId replica = 0) {
    constexpr const char* kWhat = "Rga";
    FF_TRY_ASSIGN(const std::vector<ReplicaId> table, rga_detail::read_table(in, kWhat));
    std::vector<bool> used(table.size(), false);
    FF_TRY_ASSIGN(const std::uint64_t count, in.count(rga_detail::kMinInsertBytes));
    Rga state(replica);
    std::vector<RgaInsert<T>> elements;
    elements.reserve(count);
    for (std::uint64_t k = 0; k < count; ++k) {
      FF_TRY_ASSIGN(RgaInsert<T> element, rga_detail::read_insert<T>(in, table, used, kWhat));
      elements.push_back(std::move(element));
    }
    // Where each id sits in the list; ids must be dense per replica.
    std::unordered_map<ReplicaId, std::vector<std::uint64_t>> position_of;
    for (std::uint64_t k = 0; k < elements.size(); ++k) {
      std::vector<std::uint64_t>& positions = position_of[elements[k].id.replica];
      const std::uint64_t seq = elements[k].id.seq;
      if (seq >= elements.size()) return make_error(Errc::kInvalidInput, "Rga: ids are not dense");
      if (positions.size() <= seq) positions.resize(seq + 1, kAbsent);
      if (positions[seq] != kAbsent) return make_error(Errc::kInvalidInput, "Rga: an id appears twice");
      positions[seq] = k;
    }
    for (const auto& [id, positions] : position_of) {
      for (std::uint64_t seq = 0; seq < positions.size(); ++seq) {
        if (positions[seq] == kAbsent) return make_error(Errc::kInvalidInput, "Rga: ids are not dense");
        if (seq > 0 && elements[positions[seq]].timestamp <= elements[positions[seq - 1]].timestamp) {
          return make_error(Errc::kInvalidInput, "Rga: timestamps do not rise along a replica's inserts");
        }
      }
    }
    for (std::uint64_t k = 0; k < elements.size(); ++k) {
      const RgaInsert<T>& element = elements[k];
      if (!element.after) continue;
      auto found = position_of.find(element.after->replica);
      if (found == position_of.end() || element.after->seq >= found->second.size()) {
        return make_error(Errc::kInvalidInput, "Rga: an element follows a missing element");
      }
      const std::uint64_t after_position = found->second[element.after->seq];
      if (after_position >= k || elements[after_position].timestamp >= element.timestamp) {
        return make_error(Errc::kInvalidInput, "Rga: an element precedes or predates its reference");
      }
    }
    for (const bool is_used : used) {
      if (!is_used)
        return make_error(Errc::kInvalidInput, "Rga: replica table lists a replica without elements");
    }
    // Build: append in order. Index tables are sized first so place_node can fill them.
    for (const auto& [id, positions] : position_of) state.chunk_of_[id].assign(positions.size(), 0);
    for (RgaInsert<T>& element : elements) {
      Node node{element.id, element.timestamp, element.after, element.deleted, std::move(element.value)};
      if (node.deleted) node.value = T{};
      state.max_timestamp_ = std::max(state.max_timestamp_, node.timestamp);
      state.append_node(std::move(node));
    }
    return state;
  }

 private:
  static constexpr std::uint32_t kNoChunk = 0xFFFFFFFFu;
  static constexpr std::uint64_t kAbsent = ~std::uint64_t{0};

  struct Node {
    RgaId id;
    std::uint64_t timestamp = 0;
    std::optional<RgaId> after;
    bool deleted = false;
    T value{};
  };
  struct Chunk {
    std::vector<Node> nodes;
    std::size_t visible = 0;
    std::uint32_t order = 0;  // index in order_
  };
  struct Place {
    std::uint32_t chunk = kNoChunk;
    std::size_t index = 0;
    bool valid() const { return chunk != kNoChunk; }
  };
  using Pending = std::variant<RgaInsert<T>, RgaDeleteRange>;

  std::uint64_t next_seq(ReplicaId replica) const {
    auto it = chunk_of_.find(replica);
    return it == chunk_of_.end() ? 0 : it->second.size();
  }
  bool has(const RgaId& id) const { return id.seq < next_seq(id.replica); }

  const Node& node_at(Place place) const { return chunks_[place.chunk].nodes[place.index]; }

  // Visible element `position` (< visible_).
  Place locate(std::size_t position) const {
    for (const std::uint32_t c : order_) {
      const Chunk& chunk = chunks_[c];
      if (position >= chunk.visible) {
        position -= chunk.visible;
        continue;
      }
      for (std::size_t i = 0; i < chunk.nodes.size(); ++i) {
        if (chunk.nodes[i].deleted) continue;
        if (position == 0) return Place{c, i};
        --position;
      }
    }
    return Place{};
  }

  Place find(const RgaId& id) const {
    const std::uint32_t c = chunk_of_.at(id.replica)[id.seq];
    const std::vector<Node>& nodes = chunks_[c].nodes;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].id == id) return Place{c, i};
    }
    return Place{};
  }

  Place next(Place place) const {
    if (place.index + 1 < chunks_[place.chunk].nodes.size()) return Place{place.chunk, place.index + 1};
    const std::uint32_t order = chunks_[place.chunk].order + 1;
    return order < order_.size() ? Place{order_[order], 0} : Place{};
  }

  // Inserts `node` (the next seq of its replica) at `place`; an invalid place or one at the
  // end of a chunk is fine.
  void place_node(Place place, Node node) {
    if (!place.valid()) {
      if (order_.empty()) {
        chunks_.emplace_back();
        order_.push_back(0);
      }
      place = Place{order_.back(), chunks_[order_.back()].nodes.size()};
    }
    Chunk& chunk = chunks_[place.chunk];
    std::vector<std::uint32_t>& index = chunk_of_[node.id.replica];
    if (index.size() <= node.id.seq) index.resize(node.id.seq + 1, place.chunk);
    index[node.id.seq] = place.chunk;
    if (!node.deleted) {
      ++chunk.visible;
      ++visible_;
    }
    ++total_;
    max_timestamp_ = std::max(max_timestamp_, node.timestamp);
    chunk.nodes.insert(chunk.nodes.begin() + static_cast<std::ptrdiff_t>(place.index), std::move(node));
    if (chunk.nodes.size() > kRgaChunkElements) split_chunk(place.chunk);
  }

  // decode: appends at the end, index tables already sized.
  void append_node(Node node) {
    if (order_.empty() || chunks_[order_.back()].nodes.size() >= kRgaChunkElements * 3 / 4) {
      chunks_.emplace_back();
      chunks_.back().order = static_cast<std::uint32_t>(order_.size());
      order_.push_back(static_cast<std::uint32_t>(chunks_.size() - 1));
    }
    const std::uint32_t c = order_.back();
    chunk_of_[node.id.replica][node.id.seq] = c;
    if (!node.deleted) {
      ++chunks_[c].visible;
      ++visible_;
    }
    ++total_;
    chunks_[c].nodes.push_back(std::move(node));
  }

  void split_chunk(std::uint32_t c) {
    const auto fresh = static_cast<std::uint32_t>(chunks_.size());
    chunks_.emplace_back();
    Chunk& old = chunks_[c];
    Chunk& moved = chunks_[fresh];
    const std::size_t mid = old.nodes.size() / 2;
    moved.nodes.assign(std::make_move_iterator(old.nodes.begin() + static_cast<std::ptrdiff_t>(mid)),
                       std::make_move_iterator(old.nodes.end()));
    old.nodes.resize(mid);
    for (const Node& node : moved.nodes) {
      chunk_of_[node.id.replica][node.id.seq] = fresh;
      if (!node.deleted) ++moved.visible;
    }
    old.visible -= moved.visible;
    order_.insert(order_.begin() + old.order + 1, fresh);
    for (std::size_t k = old.order + 1; k < order_.size(); ++k)
      chunks_[order_[k]].order = static_cast<std::uint32_t>(k);
  }

  void tombstone(Place place) {
    Chunk& chunk = chunks_[place.chunk];
    Node& node = chunk.nodes[place.index];
    if (node.deleted) return;
    node.deleted = true;
    node.value = T{};  // a tombstone forgets its value
    --chunk.visible;
    --visible_;
  }

  // Places a remote element whose reference and earlier seqs are present (Roh et al.,
  // "RInsert"): after the reference, past every element with a greater (timestamp,
  // replica).
  void integrate(RgaInsert<T> insert) {
    Place at =
        insert.after ? next(find(*insert.after)) : (order_.empty() ? Place{} : Place{order_.front(), 0});
    while (at.valid()) {
      const Node& other = node_at(at);
      const bool other_wins = other.timestamp != insert.timestamp ? other.timestamp > insert.timestamp
                                                                  : other.id.replica > insert.id.replica;
      if (!other_wins) break;
      at = next(at);
    }
    Node node{insert.id, insert.timestamp, insert.after, insert.deleted, std::move(insert.value)};
    if (node.deleted) node.value = T{};
    place_node(at, std::move(node));
  }

  void park(Pending entry, const RgaId& awaited, Status& status) {
    const std::uint64_t elements = std::holds_alternative<RgaInsert<T>>(entry) ? 1 : 0;
    if (pending_.size() >= kRgaMaxPendingEntries || total_ + pending_elements_ + elements > kRgaMaxElements) {
      if (status.ok()) {
        status =
            make_error(Errc::kLimitExceeded, "Rga: pending buffer full (" + std::to_string(pending_.size()) +
                                                 " entries); merge the sender's full state");
      }
      return;
    }
    pending_elements_ += elements;
    pending_.emplace(awaited, std::move(entry));
  }

  void wake(ReplicaId replica, std::uint64_t seq, std::vector<Pending>& woken) {
    auto range = pending_.equal_range(RgaId{replica, seq});
    for (auto it = range.first; it != range.second;) {
      if (std::holds_alternative<RgaInsert<T>>(it->second)) --pending_elements_;
      woken.push_back(std::move(it->second));
      it = pending_.erase(it);
    }
  }

  // Integrates inserts in timestamp order, which is a dependency order: an element's
  // timestamp exceeds its reference's and its replica's previous element's.
  void integrate_batch(std::vector<RgaInsert<T>>& batch, Status& status, std::vector<Pending>& woken) {
    std::sort(batch.begin(), batch.end(), [](const RgaInsert<T>& a, const RgaInsert<T>& b) {
      return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.id < b.id;
    });
    for (RgaInsert<T>& insert : batch) {
      if (insert.timestamp == 0 || insert.timestamp > kRgaMaxTimestamp || insert.id.seq >= kRgaMaxElements) {
        if (status.ok())
          status = make_error(Errc::kInvalidInput, "Rga: insert with an out-of-range id or timestamp");
        continue;
      }
      const std::uint64_t known = next_seq(insert.id.replica);
      if (insert.id.seq < known) {  // already here
        if (insert.deleted) tombstone(find(insert.id));
        continue;
      }
      if (insert.id.seq > known) {
        park(std::move(insert), RgaId{insert.id.replica, insert.id.seq - 1}, status);
        continue;
      }
      if (insert.after && !has(*insert.after)) {
        const RgaId awaited = *insert.after;
        park(std::move(insert), awaited, status);
        continue;
      }
      const bool rises =
          insert.id.seq == 0 ||
          node_at(find(RgaId{insert.id.replica, insert.id.seq - 1})).timestamp < insert.timestamp;
      if (!rises || (insert.after && node_at(find(*insert.after)).timestamp >= insert.timestamp)) {
        if (status.ok()) {
          status = make_error(Errc::kInvalidInput, "Rga: insert's timestamp is not above its dependencies'");
        }
        continue;
      }
      if (total_ + 1 > kRgaMaxElements) {
        if (status.ok()) status = make_error(Errc::kLimitExceeded, "Rga: kRgaMaxElements reached");
        continue;
      }
      const RgaId id = insert.id;
      integrate(std::move(insert));
      wake(id.replica, id.seq, woken);
    }
  }

  void apply_delete(const RgaDeleteRange& range, Status& status) {
    if (range.length == 0 || range.seq >= kRgaMaxElements || range.length > kRgaMaxElements - range.seq) {
      if (status.ok()) status = make_error(Errc::kInvalidInput, "Rga: deletion out of range");
      return;
    }
    const std::uint64_t known = next_seq(range.replica);
    const std::uint64_t end = range.seq + range.length;
    for (std::uint64_t seq = range.seq; seq < std::min(end, known); ++seq)
      tombstone(find(RgaId{range.replica, seq}));
    if (end > known) {
      const std::uint64_t from = std::max(range.seq, known);
      park(RgaDeleteRange{range.replica, from, end - from}, RgaId{range.replica, from}, status);
    }
  }

  void drain(std::vector<Pending>& woken, Status& status) {
    while (!woken.empty()) {
      std::vector<RgaInsert<T>> inserts;
      std::vector<RgaDeleteRange> deletes;
      for (Pending& entry : woken) {
        if (auto* insert = std::get_if<RgaInsert<T>>(&entry)) {
          inserts.push_back(std::move(*insert));
        } else {
          deletes.push_back(std::get<RgaDeleteRange>(entry));
        }
      }
      woken.clear();
      integrate_batch(inserts, status, woken);
      for (const RgaDeleteRange& range : deletes) apply_delete(range, status);
    }
  }

  ReplicaId self_ = 0;
  std::vector<Chunk> chunks_;                                           // arena
  std::vector<std::uint32_t> order_;                                    // chunk ids in list order
  std::unordered_map<ReplicaId, std::vector<std::uint32_t>> chunk_of_;  // replica -> seq -> chunk
  std::size_t visible_ = 0;
  std::uint64_t total_ = 0;
  std::uint64_t max_timestamp_ = 0;
  std::multimap<RgaId, Pending> pending_;  // keyed by the id each entry waits for
  std::uint64_t pending_elements_ = 0;
};

}  // namespace ff::crdt
