// YataText: a collaborative plain-text CRDT using YATA (Nicolaescu et al., "Near Real-Time
// Peer-to-Peer Shared Editing on Extensible Data Types", GROUP 2016), with the
// integration rule of Yjs (Item.integrate).
//
// Every inserted code point has an id (replica, clock): a replica numbers its own inserted
// code points 0, 1, 2, ... An insert remembers the ids of its neighbours at the time it was
// made (origin-left and origin-right); a remote replica places it between those, and
// orders concurrent inserts at the same place by the YATA rules (ties break on replica
// id, lower first), so every replica ends with the same sequence. Removal leaves a
// tombstone; the content of a tombstone is forgotten.
//
// Positions and lengths are in Unicode code points; text enters and leaves as UTF-8.
//
// Deltas: insert() and remove() return the delta of the change; apply() joins a delta,
// merge() joins a full state. Deltas may arrive out of causal order and more than once: a
// run whose origins (or earlier clocks of its replica) have not arrived yet waits in a
// bounded pending buffer and is integrated when they do; duplicates change nothing.
// version() and delta_since() let a peer catch up.
//
// Replica ids must be unique among replicas that edit concurrently (a node derives its id
// from its PeerId): two replicas inserting under one id would mint the same ids for
// different text, which no sequence CRDT can reconcile.
//
// Encodings: see docs/crdt-encoding.md "Sequence types". Pure: no IO.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/codec/byte_io.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/crdt/vclock.hpp"
#include "core/result.hpp"

namespace ff::crdt {

// Most code points one document holds, tombstones and pending runs included. Tombstones
// cost memory but almost no bytes on the wire (a deleted run is a length), so without this
// bound a few hostile bytes could make a replica allocate gigabytes. 2^24 code points is
// far beyond any document people edit together (the largest public editing traces hold
// under 10^6).
inline constexpr std::uint64_t kYataMaxChars = std::uint64_t{1} << 24;
// Most runs and deletions waiting for their dependencies, and most bytes of text they may
// hold. On overflow apply() returns kLimitExceeded: the caller should fetch the full state
// (merge), which fills the gap.
inline constexpr std::size_t kYataMaxPendingEntries = 4096;
inline constexpr std::size_t kYataMaxPendingBytes = std::size_t{4} << 20;

// The id of one code point.
struct YataId {
  ReplicaId replica = 0;
  std::uint64_t clock = 0;

  bool operator==(const YataId& other) const { return replica == other.replica && clock == other.clock; }
  bool operator!=(const YataId& other) const { return !(*this == other); }
  bool operator<(const YataId& other) const {
    return replica != other.replica ? replica < other.replica : clock < other.clock;
  }
};

// `length` consecutive code points inserted by one replica with consecutive clocks, placed
// together: code point k has id (id.replica, id.clock + k); the first has the origins
// below, each later one has the previous code point as origin-left and the same
// origin-right.
struct YataRun {
  YataId id;
  std::optional<YataId> origin_left;   // absent: inserted at the start of the text
  std::optional<YataId> origin_right;  // absent: inserted at the end of the text
  std::uint64_t length = 0;            // code points, at least 1
  bool deleted = false;                // a tombstone: content is empty
  std::string content;                 // UTF-8 holding exactly `length` code points

  bool operator==(const YataRun& other) const {
    return id == other.id && origin_left == other.origin_left && origin_right == other.origin_right &&
           length == other.length && deleted == other.deleted && content == other.content;
  }
  bool operator!=(const YataRun& other) const { return !(*this == other); }
};

// The code points (replica, clock) .. (replica, clock + length - 1) were removed.
struct YataDeleteRange {
  ReplicaId replica = 0;
  std::uint64_t clock = 0;
  std::uint64_t length = 0;

  bool operator==(const YataDeleteRange& other) const {
    return replica == other.replica && clock == other.clock && length == other.length;
  }
  bool operator!=(const YataDeleteRange& other) const { return !(*this == other); }
};

// A change to a YataText: inserted runs and removed ranges. Producers keep both lists
// sorted by (replica, clock) and disjoint, deletions merged where adjacent; that is the
// canonical form the encoding requires. Copyable, so it can live in a DeltaBuffer.
struct YataDelta {
  std::vector<YataRun> runs;
  std::vector<YataDeleteRange> deletes;

  bool empty() const { return runs.empty() && deletes.empty(); }
  bool operator==(const YataDelta& other) const { return runs == other.runs && deletes == other.deletes; }
  bool operator!=(const YataDelta& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "YataDelta"). decode
  // checks structure only (sorted, disjoint, lengths, UTF-8); dependencies are checked
  // when the delta is applied.
  Bytes encode() const;
  static Result<YataDelta> decode(ByteView bytes);
};

class YataText {
 public:
  using Delta = YataDelta;

  // An empty text edited as `replica` (the id local inserts are made under).
  explicit YataText(ReplicaId replica = 0);
  ~YataText();
  // Copying forks the document (the copy keeps the replica id: give it another one with
  // set_replica before both copies insert, see the file comment).
  YataText(const YataText& other);
  YataText& operator=(const YataText& other);
  YataText(YataText&& other) noexcept;
  YataText& operator=(YataText&& other) noexcept;

  ReplicaId replica() const;
  void set_replica(ReplicaId replica);

  // Inserts UTF-8 `text` before code point `position` (0 <= position <= length()).
  // Errors: kInvalidInput for a position beyond the end or malformed UTF-8 (nothing
  // changes); kLimitExceeded when the document would exceed kYataMaxChars.
  Result<YataDelta> insert(std::size_t position, std::string_view text);
  // Removes `count` code points starting at `position`. kInvalidInput if the range does
  // not lie within the text (nothing changes).
  Result<YataDelta> remove(std::size_t position, std::size_t count);

  // The visible text as UTF-8, and its length in code points.
  std::string text() const;
  std::size_t length() const;

  // Joins a delta. Parts whose dependencies are missing wait in the pending buffer. Errors
  // (the rest of the delta is still applied; the state stays valid):
  //   kInvalidInput  malformed delta (bad lengths, UTF-8, cyclic dependencies)
  //   kLimitExceeded the pending buffer or kYataMaxChars overflowed and something was
  //                  dropped: fetch the sender's full state and merge it.
  Status apply(const YataDelta& delta);
  // Joins another replica's full state (its pending buffer is not part of its state).
  Status merge(const YataText& other);

  // Per replica, how many of its code points this state holds (integrated ones only).
  VClock version() const;
  // Everything a replica at `version` lacks: runs beyond its clocks, and removals of code
  // points it already holds. apply(delta_since(v)) on a replica at v makes it hold this
  // state (merge() is exactly that).
  YataDelta delta_since(const VClock& version) const;

  // Runs and deletions waiting in the pending buffer.
  std::size_t pending_count() const;
  // Items (runs of code points) in the internal sequence, for benchmarks and tests.
  std::size_t item_count() const;
  // Checks the internal invariants (tree counts, links, id index); O(n), for tests.
  Status check_invariants() const;

  // Equal when both hold the same code points, tombstones and order (their canonical
  // encodings are equal). The local replica id and pending buffers do not count.
  bool operator==(const YataText& other) const;
  bool operator!=(const YataText& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "YataText"). decode checks
  // that every id is unique and dense per replica, every origin exists and lies on its
  // side, and the dependencies are acyclic. The decoded text edits as `replica`.
  Bytes encode() const;
  static Result<YataText> decode(ByteView bytes, ReplicaId replica = 0);

  static void write_signature(codec::ByteWriter& out);
  void encode_body(codec::ByteWriter& out) const;
  static Result<YataText> decode_body(codec::ByteReader& in, ReplicaId replica = 0);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ff::crdt
