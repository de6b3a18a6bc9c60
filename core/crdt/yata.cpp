#include "core/crdt/yata.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <map>
#include <numeric>
#include <unordered_map>
#include <utility>
#include <variant>

#include "core/crdt/encoding.hpp"
#include "core/crdt/text_utf8.hpp"

namespace ff::crdt {
namespace {

// Internal layout (none of it is part of the encoding, docs/crdt-encoding.md "Sequence types"):
//
// The sequence is a list of items, each a run of code points one replica inserted with
// consecutive clocks (typing makes long runs; an item is split when something is inserted
// into it or part of it is removed). Items live in the leaves of a B-tree whose inner nodes
// count the visible code points below each child, so finding code point n is O(log n).
// Leaves are chained in document order. Nodes live in arenas (vectors indexed by uint32),
// so copying a document (fork) is a handful of vector copies and no pointer fix-ups.
//
// Per replica, `content[clock]` is the code point with that id and `leaf_of[clock]` the
// leaf holding it: integrating a remote run finds its origins in O(1) plus a scan of one
// leaf. Every code point of an item maps to the item's leaf; a leaf split rewrites the
// entries of the items it moves (it moves the half holding fewer code points).
//
// Local edits go through a cursor: the leaf last edited and the position of its first
// code point. Typing stays in one leaf for many keystrokes, so most edits touch no inner
// node: the cursor leaf's count changes are summed in `cursor_pending` and pushed up the
// tree only when something needs the inner counts (flush).

constexpr std::uint32_t kNone = 0xFFFFFFFFu;
constexpr std::uint32_t kLeafCapacity = 32;
constexpr std::uint32_t kInnerCapacity = 32;
// decode fills nodes this far, leaving room for edits before the first split.
constexpr std::uint32_t kLeafFill = 24;
constexpr std::uint32_t kInnerFill = 24;

struct LocalId {
  std::uint32_t replica = kNone;  // index into Impl::replicas; kNone: no origin
  std::uint32_t clock = 0;
  bool present() const { return replica != kNone; }
  bool operator==(const LocalId& other) const { return replica == other.replica && clock == other.clock; }
  bool operator!=(const LocalId& other) const { return !(*this == other); }
};

struct Item {
  std::uint32_t replica = 0;
  std::uint32_t clock = 0;
  std::uint32_t length = 0;
  std::uint32_t deleted = 0;
  LocalId origin_left;
  LocalId origin_right;

  std::uint32_t end() const { return clock + length; }
  std::uint32_t visible() const { return deleted ? 0 : length; }
};

// Whether `b` continues `a` as one run: code point by code point they would have the same
// ids, origins and deleted flag as the joined item.
bool can_join(const Item& a, const Item& b) {
  return a.replica == b.replica && a.end() == b.clock && a.deleted == b.deleted &&
         b.origin_left == LocalId{a.replica, a.end() - 1} && b.origin_right == a.origin_right;
}

struct Leaf {
  Item items[kLeafCapacity];
  std::uint32_t size = 0;
  std::uint32_t parent = kNone;
  std::uint32_t prev = kNone;
  std::uint32_t next = kNone;
  std::uint64_t visible = 0;  // visible code points in this leaf
};

struct Inner {
  std::uint64_t visible[kInnerCapacity];
  std::uint32_t child[kInnerCapacity];
  std::uint32_t size = 0;
  std::uint32_t parent = kNone;
  std::uint32_t level = 1;  // 1: children are leaves
};

struct Handle {
  std::uint32_t leaf = kNone;
  std::uint32_t index = 0;
  bool valid() const { return leaf != kNone; }
};

struct Located {
  Handle handle;
  std::uint32_t offset = 0;  // code point within the item
};

struct ReplicaData {
  ReplicaId id = 0;
  std::vector<char32_t> content;       // by clock; tombstones received without text hold 0
  std::vector<std::uint32_t> leaf_of;  // by clock
};

// A run on its way in (from a delta, a merge or the pending buffer).
struct Incoming {
  YataId id;
  std::optional<YataId> origin_left;
  std::optional<YataId> origin_right;
  std::uint64_t length = 0;
  bool deleted = false;
  std::vector<char32_t> content;  // empty when deleted
};

using PendingEntry = std::variant<Incoming, YataDeleteRange>;

std::size_t pending_bytes_of(const PendingEntry& entry) {
  if (const auto* run = std::get_if<Incoming>(&entry)) {
    return sizeof(Incoming) + run->content.size() * sizeof(char32_t);
  }
  return sizeof(YataDeleteRange);
}

std::uint64_t pending_chars_of(const PendingEntry& entry) {
  if (const auto* run = std::get_if<Incoming>(&entry)) return run->length;
  return 0;
}

void note_error(Status& status, Errc code, std::string message) {
  if (status.ok()) status = make_error(code, std::move(message));
}

// Wire flags of a run.
constexpr std::uint8_t kFlagDeleted = 1;
constexpr std::uint8_t kFlagOriginLeft = 2;
constexpr std::uint8_t kFlagOriginRight = 4;
constexpr std::uint8_t kKnownFlags = kFlagDeleted | kFlagOriginLeft | kFlagOriginRight;
// Smallest encodings, for ByteReader::count: a run is replica, clock, length, flags; a
// deletion is replica, clock, length.
constexpr std::size_t kMinRunBytes = 4;
constexpr std::size_t kMinDeleteBytes = 3;

// Checks that [clock, clock + length) lies within the ids a replica can have.
bool clock_range_ok(std::uint64_t clock, std::uint64_t length) {
  return length >= 1 && clock < kYataMaxChars && length <= kYataMaxChars - clock;
}

}  // namespace

struct YataText::Impl {
  ReplicaId self = 0;

  std::vector<Leaf> leaves;
  std::vector<Inner> inners;
  std::uint32_t root = 0;    // a leaf when height == 0, else an inner node
  std::uint32_t height = 0;  // inner levels above the leaves
  std::uint32_t first_leaf = 0;

  std::vector<ReplicaData> replicas;
  std::unordered_map<ReplicaId, std::uint32_t> replica_index;
  std::uint64_t visible_len = 0;
  std::uint64_t total_chars = 0;  // code points held, tombstones included

  bool cursor_valid = false;
  std::uint32_t cursor_leaf = 0;
  std::uint64_t cursor_start = 0;   // visible position of the cursor leaf's first code point
  std::int64_t cursor_pending = 0;  // count change of the cursor leaf not yet in its ancestors
  // Within the cursor leaf: item hint_index starts hint_pos visible code points after the
  // leaf's start. Typing edits the same item again and again; the hint skips the scan
  // of the items before it. Edits at or before the hint reset it to (0, 0).
  std::uint32_t hint_index = 0;
  std::uint64_t hint_pos = 0;
  std::uint32_t self_index = kNone;  // replicas[] index of `self`, once it has inserted

  // Runs and deletions waiting for the id in the key.
  std::multimap<YataId, PendingEntry> pending;
  std::size_t pending_bytes = 0;
  std::uint64_t pending_chars = 0;

  // Scratch space reused across calls.
  std::unordered_map<std::uint64_t, std::uint32_t> scan_index;
  std::vector<char32_t> code_points;

  Impl() { leaves.emplace_back(); }

  // ---- replicas and ids --------------------------------------------------------------

  std::uint32_t replica_of(ReplicaId id) const {
    auto it = replica_index.find(id);
    return it == replica_index.end() ? kNone : it->second;
  }

  std::uint32_t ensure_replica(ReplicaId id) {
    auto it = replica_index.find(id);
    if (it != replica_index.end()) return it->second;
    const auto index = static_cast<std::uint32_t>(replicas.size());
    replicas.push_back(ReplicaData{id, {}, {}});
    replica_index.emplace(id, index);
    return index;
  }

  std::uint64_t known_clock(ReplicaId id) const {
    const std::uint32_t r = replica_of(id);
    return r == kNone ? 0 : replicas[r].content.size();
  }

  bool has(const YataId& id) const { return id.clock < known_clock(id.replica); }

  LocalId to_local(const std::optional<YataId>& id) const {
    if (!id) return LocalId{};
    return LocalId{replica_of(id->replica), static_cast<std::uint32_t>(id->clock)};
  }

  std::optional<YataId> to_global(LocalId id) const {
    if (!id.present()) return std::nullopt;
    return YataId{replicas[id.replica].id, id.clock};
  }

  // ---- navigation --------------------------------------------------------------------

  Item& item(Handle h) { return leaves[h.leaf].items[h.index]; }
  const Item& item(Handle h) const { return leaves[h.leaf].items[h.index]; }

  Handle first() const { return leaves[first_leaf].size > 0 ? Handle{first_leaf, 0} : Handle{}; }

  Handle next(Handle h) const {
    if (h.index + 1 < leaves[h.leaf].size) return Handle{h.leaf, h.index + 1};
    const std::uint32_t following = leaves[h.leaf].next;
    return following == kNone ? Handle{} : Handle{following, 0};
  }

  // The item holding code point `id` (which must exist).
  Located find(LocalId id) const {
    const std::uint32_t leaf = replicas[id.replica].leaf_of[id.clock];
    const Leaf& node = leaves[leaf];
    for (std::uint32_t i = 0; i < node.size; ++i) {
      const Item& it = node.items[i];
      if (it.replica == id.replica && it.clock <= id.clock && id.clock < it.end()) {
        return Located{Handle{leaf, i}, id.clock - it.clock};
      }
    }
    assert(false && "YataText: id index points to a leaf without the id");
    return Located{};
  }

  // ---- counts ------------------------------------------------------------------------

  static std::uint32_t slot_in(const Inner& parent, std::uint32_t child) {
    for (std::uint32_t s = 0; s < parent.size; ++s) {
      if (parent.child[s] == child) return s;
    }
    assert(false && "YataText: child missing from its parent");
    return 0;
  }

  void propagate(std::uint32_t leaf, std::int64_t delta) {
    std::uint32_t child = leaf;
    std::uint32_t parent = leaves[leaf].parent;
    while (parent != kNone) {
      Inner& node = inners[parent];
      node.visible[slot_in(node, child)] += static_cast<std::uint64_t>(delta);
      child = parent;
      parent = node.parent;
    }
  }

  // The visible length of the item at h changed by `delta`.
  void add_visible(Handle h, std::int64_t delta) {
    if (delta == 0) return;
    leaves[h.leaf].visible += static_cast<std::uint64_t>(delta);
    visible_len += static_cast<std::uint64_t>(delta);
    if (cursor_valid && h.leaf == cursor_leaf) {
      cursor_pending += delta;
      if (h.index < hint_index) reset_hint();
    } else {
      propagate(h.leaf, delta);
    }
  }

  void reset_hint() {
    hint_index = 0;
    hint_pos = 0;
  }

  // An item was inserted at or removed from `index` of `leaf`.
  void shifted(std::uint32_t leaf, std::uint32_t index) {
    if (cursor_valid && leaf == cursor_leaf && index <= hint_index) reset_hint();
  }

  void flush() {
    if (cursor_pending != 0) {
      propagate(cursor_leaf, cursor_pending);
      cursor_pending = 0;
    }
  }

  void invalidate_cursor() {
    flush();
    cursor_valid = false;
  }

  // Points the cursor at the leaf holding visible code point q (< visible_len).
  void descend(std::uint64_t q) {
    flush();
    std::uint32_t node = root;
    std::uint64_t start = 0;
    std::uint64_t remaining = q;
    for (std::uint32_t level = height; level > 0; --level) {
      const Inner& in = inners[node];
      std::uint32_t s = 0;
      while (s + 1 < in.size && remaining >= in.visible[s]) {
        remaining -= in.visible[s];
        start += in.visible[s];
        ++s;
      }
      node = in.child[s];
    }
    cursor_valid = true;
    cursor_leaf = node;
    cursor_start = start;
    cursor_pending = 0;
    reset_hint();
  }

  // The item holding visible code point q (< visible_len).
  Located locate_visible(std::uint64_t q) {
    if (!(cursor_valid && q >= cursor_start && q - cursor_start < leaves[cursor_leaf].visible)) descend(q);
    const std::uint64_t relative = q - cursor_start;
    const Leaf& node = leaves[cursor_leaf];
    std::uint32_t i = 0;
    std::uint64_t remaining = relative;
    if (relative >= hint_pos && hint_index < node.size) {
      i = hint_index;
      remaining = relative - hint_pos;
    }
    for (; i < node.size; ++i) {
      const Item& it = node.items[i];
      if (it.deleted) continue;
      if (remaining < it.length) {
        hint_index = i;
        hint_pos = relative - remaining;
        return Located{Handle{cursor_leaf, i}, static_cast<std::uint32_t>(remaining)};
      }
      remaining -= it.length;
    }
    assert(false && "YataText: leaf count disagrees with its items");
    return Located{};
  }

  // ---- structure ---------------------------------------------------------------------

  // Points every code point of the item at `h` to h's leaf.
  void map_item(Handle h) {
    const Item& it = item(h);
    std::vector<std::uint32_t>& leaf_of = replicas[it.replica].leaf_of;
    if (leaf_of[it.clock] == h.leaf) return;  // an item's code points always move together
    std::fill(leaf_of.begin() + it.clock, leaf_of.begin() + it.end(), h.leaf);
  }

  std::uint32_t parent_of(std::uint32_t node, bool is_leaf) const {
    return is_leaf ? leaves[node].parent : inners[node].parent;
  }

  void set_parent(std::uint32_t node, bool is_leaf, std::uint32_t parent) {
    if (is_leaf) {
      leaves[node].parent = parent;
    } else {
      inners[node].parent = parent;
    }
  }

  std::uint32_t new_root(std::uint32_t a, std::uint64_t a_visible, std::uint32_t b, std::uint64_t b_visible,
                         std::uint32_t level) {
    const auto index = static_cast<std::uint32_t>(inners.size());
    inners.emplace_back();
    Inner& node = inners[index];
    node.level = level;
    node.size = 2;
    node.child[0] = a;
    node.child[1] = b;
    node.visible[0] = a_visible;
    node.visible[1] = b_visible;
    root = index;
    height = level;
    return index;
  }

  // Inserts `fresh`, split off `existing`, into existing's parent just before or after it,
  // moving `fresh_visible` from existing's count to fresh's so that ancestors keep their
  // sums. (Moving it only here, after a possible split of the parent, keeps every node's
  // count equal to its slot in the grandparent while that split runs.)
  void insert_child(std::uint32_t existing, std::uint32_t fresh, bool before, std::uint64_t fresh_visible,
                    bool is_leaf) {
    std::uint32_t parent = parent_of(existing, is_leaf);
    if (inners[parent].size == kInnerCapacity) {
      split_inner(parent);
      parent = parent_of(existing, is_leaf);
    }
    Inner& node = inners[parent];
    const std::uint32_t existing_slot = slot_in(node, existing);
    node.visible[existing_slot] -= fresh_visible;
    const std::uint32_t slot = existing_slot + (before ? 0 : 1);
    for (std::uint32_t s = node.size; s > slot; --s) {
      node.child[s] = node.child[s - 1];
      node.visible[s] = node.visible[s - 1];
    }
    node.child[slot] = fresh;
    node.visible[slot] = fresh_visible;
    ++node.size;
    set_parent(fresh, is_leaf, parent);
  }

  void split_inner(std::uint32_t index) {
    const auto fresh = static_cast<std::uint32_t>(inners.size());
    inners.emplace_back();
    Inner& node = inners[index];
    Inner& moved = inners[fresh];
    const bool children_are_leaves = node.level == 1;
    const std::uint32_t mid = node.size / 2;
    moved.level = node.level;
    moved.size = node.size - mid;
    std::uint64_t moved_visible = 0;
    for (std::uint32_t s = 0; s < moved.size; ++s) {
      moved.child[s] = node.child[mid + s];
      moved.visible[s] = node.visible[mid + s];
      moved_visible += moved.visible[s];
    }
    node.size = mid;
    for (std::uint32_t s = 0; s < moved.size; ++s) set_parent(moved.child[s], children_are_leaves, fresh);
    if (node.parent == kNone) {
      const std::uint64_t kept_visible =
          std::accumulate(node.visible, node.visible + node.size, std::uint64_t{0});
      const std::uint32_t level = node.level + 1;
      const std::uint32_t top = new_root(index, kept_visible, fresh, moved_visible, level);
      inners[index].parent = top;
      inners[fresh].parent = top;
      return;
    }
    insert_child(index, fresh, /*before=*/false, moved_visible, /*is_leaf=*/false);
  }

  struct LeafSplit {
    std::uint32_t fresh;
    std::uint32_t mid;
    bool moved_lower;  // fresh holds items [0, mid) and sits before the old leaf
  };

  // Splits a full leaf in two. The cursor must be invalid (counts flushed).
  LeafSplit split_leaf(std::uint32_t index) {
    const auto fresh = static_cast<std::uint32_t>(leaves.size());
    leaves.emplace_back();
    Leaf& old = leaves[index];
    Leaf& moved = leaves[fresh];
    const std::uint32_t size = old.size;
    const std::uint32_t mid = size / 2;
    std::uint64_t lower_chars = 0;
    std::uint64_t upper_chars = 0;
    for (std::uint32_t i = 0; i < size; ++i) (i < mid ? lower_chars : upper_chars) += old.items[i].length;
    const bool moved_lower = lower_chars < upper_chars;
    if (moved_lower) {
      std::copy(old.items, old.items + mid, moved.items);
      std::copy(old.items + mid, old.items + size, old.items);
      moved.size = mid;
      old.size = size - mid;
      moved.prev = old.prev;
      moved.next = index;
      if (old.prev != kNone) {
        leaves[old.prev].next = fresh;
      } else {
        first_leaf = fresh;
      }
      old.prev = fresh;
    } else {
      std::copy(old.items + mid, old.items + size, moved.items);
      moved.size = size - mid;
      old.size = mid;
      moved.next = old.next;
      moved.prev = index;
      if (old.next != kNone) leaves[old.next].prev = fresh;
      old.next = fresh;
    }
    std::uint64_t moved_visible = 0;
    for (std::uint32_t i = 0; i < moved.size; ++i) {
      moved_visible += moved.items[i].visible();
      map_item(Handle{fresh, i});
    }
    Leaf& kept = leaves[index];  // map_item does not grow `leaves`, but keep references honest
    kept.visible -= moved_visible;
    leaves[fresh].visible = moved_visible;
    if (kept.parent == kNone) {
      const std::uint32_t top = moved_lower ? new_root(fresh, moved_visible, index, kept.visible, 1)
                                            : new_root(index, kept.visible, fresh, moved_visible, 1);
      leaves[index].parent = top;
      leaves[fresh].parent = top;
    } else {
      insert_child(index, fresh, moved_lower, moved_visible, /*is_leaf=*/true);
    }
    return LeafSplit{fresh, mid, moved_lower};
  }

  // Makes room in h's leaf for one more item; returns where h's item is afterwards.
  Handle ensure_room(Handle h) {
    if (leaves[h.leaf].size < kLeafCapacity) return h;
    invalidate_cursor();
    const LeafSplit split = split_leaf(h.leaf);
    if (split.moved_lower) {
      return h.index < split.mid ? Handle{split.fresh, h.index} : Handle{h.leaf, h.index - split.mid};
    }
    return h.index < split.mid ? h : Handle{split.fresh, h.index - split.mid};
  }

  // Places `it` right after the item at h (counts are the caller's business).
  Handle insert_after(Handle h, const Item& it) {
    h = ensure_room(h);
    Leaf& node = leaves[h.leaf];
    const std::uint32_t at = h.index + 1;
    std::copy_backward(node.items + at, node.items + node.size, node.items + node.size + 1);
    node.items[at] = it;
    ++node.size;
    shifted(h.leaf, at);
    const Handle placed{h.leaf, at};
    map_item(placed);
    return placed;
  }

  Handle insert_front(const Item& it) {
    if (leaves[first_leaf].size == kLeafCapacity) {
      invalidate_cursor();
      split_leaf(first_leaf);
    }
    Leaf& node = leaves[first_leaf];
    std::copy_backward(node.items, node.items + node.size, node.items + node.size + 1);
    node.items[0] = it;
    ++node.size;
    shifted(first_leaf, 0);
    const Handle placed{first_leaf, 0};
    map_item(placed);
    return placed;
  }

  // Splits the item at h before its code point `offset` (0 < offset < length); returns the
  // second piece, which sits right after the first in the same leaf.
  Handle split_item(Handle h, std::uint32_t offset) {
    h = ensure_room(h);
    Item& first_piece = item(h);
    assert(offset > 0 && offset < first_piece.length);
    Item second = first_piece;
    second.clock += offset;
    second.length -= offset;
    second.origin_left = LocalId{first_piece.replica, first_piece.clock + offset - 1};
    first_piece.length = offset;
    return insert_after(h, second);
  }

  // Joins the tombstone at h with equal neighbours in its leaf; returns where it is now.
  Handle coalesce(Handle h) {
    Leaf& node = leaves[h.leaf];
    if (h.index + 1 < node.size && can_join(node.items[h.index], node.items[h.index + 1])) {
      node.items[h.index].length += node.items[h.index + 1].length;
      std::copy(node.items + h.index + 2, node.items + node.size, node.items + h.index + 1);
      --node.size;
      shifted(h.leaf, h.index + 1);
    }
    if (h.index > 0 && can_join(node.items[h.index - 1], node.items[h.index])) {
      node.items[h.index - 1].length += node.items[h.index].length;
      std::copy(node.items + h.index + 1, node.items + node.size, node.items + h.index);
      --node.size;
      shifted(h.leaf, h.index);
      --h.index;
    }
    return h;
  }

  // Appends the code points of a new item of replica r to the per-replica tables.
  void append_content(std::uint32_t r, const char32_t* text, std::size_t count, std::uint32_t leaf) {
    ReplicaData& data = replicas[r];
    total_chars += count;
    if (count == 1 && text != nullptr) {  // typing: one code point at a time
      data.content.push_back(*text);
      data.leaf_of.push_back(leaf);
      return;
    }
    if (text != nullptr) {
      data.content.insert(data.content.end(), text, text + count);
    } else {
      data.content.resize(data.content.size() + count, 0);
    }
    data.leaf_of.resize(data.leaf_of.size() + count, leaf);
  }

  // ---- local edits -------------------------------------------------------------------

  // Inserts code_points (non-empty) before visible position `position`; returns the run.
  void local_insert(std::uint64_t position, std::string_view text, YataRun& run) {
    if (self_index == kNone) self_index = ensure_replica(self);
    const std::uint32_t me = self_index;
    const auto clock = static_cast<std::uint32_t>(replicas[me].content.size());
    const auto count = static_cast<std::uint32_t>(code_points.size());
    Item fresh{me, clock, count, 0, LocalId{}, LocalId{}};
    append_content(me, code_points.data(), count, kNone);
    if (position == 0) {
      // An insert before the cursor leaf would shift the cursor's position.
      if (cursor_valid && cursor_leaf != first_leaf) invalidate_cursor();
      const Handle head = first();
      if (head.valid()) fresh.origin_right = LocalId{item(head).replica, item(head).clock};
      const Handle placed = insert_front(fresh);
      add_visible(placed, count);
    } else {
      const Located at = locate_visible(position - 1);
      const Item& left = item(at.handle);
      fresh.origin_left = LocalId{left.replica, left.clock + at.offset};
      if (at.offset + 1 < left.length) {
        fresh.origin_right = LocalId{left.replica, left.clock + at.offset + 1};
        const Handle second = split_item(at.handle, at.offset + 1);
        const Handle placed = insert_after(Handle{second.leaf, second.index - 1}, fresh);
        add_visible(placed, count);
      } else {
        const Handle following = next(at.handle);
        if (following.valid()) fresh.origin_right = LocalId{item(following).replica, item(following).clock};
        Item& extend = item(at.handle);
        if (extend.replica == me && extend.end() == clock && !extend.deleted &&
            extend.origin_right == fresh.origin_right) {
          // Typing on: the run grows and nothing moves.
          extend.length += count;
          std::vector<std::uint32_t>& leaf_of = replicas[me].leaf_of;
          std::fill(leaf_of.begin() + clock, leaf_of.end(), at.handle.leaf);
          add_visible(at.handle, count);
        } else {
          const Handle placed = insert_after(at.handle, fresh);
          add_visible(placed, count);
        }
      }
    }
    run.id = YataId{self, clock};
    run.origin_left = to_global(fresh.origin_left);
    run.origin_right = to_global(fresh.origin_right);
    run.length = count;
    run.content.assign(text.data(), text.size());
  }

  void local_remove(std::uint64_t position, std::uint64_t count, std::vector<YataDeleteRange>& removed) {
    const Located at = locate_visible(position);
    Handle h = at.handle;
    std::uint32_t offset = at.offset;
    std::uint64_t remaining = count;
    while (remaining > 0 && h.valid()) {
      if (item(h).deleted) {
        h = next(h);
        offset = 0;
        continue;
      }
      if (offset > 0) {
        h = split_item(h, offset);
        offset = 0;
      }
      if (item(h).length > remaining) {
        const Handle second = split_item(h, static_cast<std::uint32_t>(remaining));
        h = Handle{second.leaf, second.index - 1};
      }
      Item& it = item(h);
      it.deleted = 1;
      add_visible(h, -static_cast<std::int64_t>(it.length));
      remaining -= it.length;
      const ReplicaId replica = replicas[it.replica].id;
      if (!removed.empty() && removed.back().replica == replica &&
          removed.back().clock + removed.back().length == it.clock) {
        removed.back().length += it.length;
      } else {
        removed.push_back(YataDeleteRange{replica, it.clock, it.length});
      }
      h = coalesce(h);
      if (remaining > 0) h = next(h);
    }
    assert(remaining == 0);
  }

  // ---- remote integration (Yjs Item.integrate) ---------------------------------------

  // Integrates a run whose dependencies are all present and whose first clock is the next
  // one of its replica. False (nothing inserted) when its origin-right does not follow its
  // origin-left: no replica makes such a run, and integrating it would leave a state that
  // breaks the YATA invariant every state is decoded against.
  bool integrate(const Incoming& run, std::uint64_t offset) {
    const std::uint32_t r = ensure_replica(run.id.replica);
    const auto clock = static_cast<std::uint32_t>(run.id.clock + offset);
    const auto count = static_cast<std::uint32_t>(run.length - offset);
    const LocalId origin_left = offset > 0 ? LocalId{r, clock - 1} : to_local(run.origin_left);
    const LocalId origin_right = to_local(run.origin_right);
    // Make origin_left the last code point of its item and origin_right the first of its.
    if (origin_left.present()) {
      const Located at = find(origin_left);
      if (at.offset + 1 < item(at.handle).length) split_item(at.handle, at.offset + 1);
    }
    if (origin_right.present()) {
      const Located at = find(origin_right);
      if (at.offset > 0) split_item(at.handle, at.offset);
    }
    Handle left = origin_left.present() ? find(origin_left).handle : Handle{};
    Handle o = left.valid() ? next(left) : first();
    // Walk the items between the origins. Items placed by concurrent inserts at the same
    // origin are ordered by replica id; items whose origin lies inside the conflict
    // region follow their origin (YATA rules 1-3, in the form Yjs implements them).
    scan_index.clear();
    std::uint32_t scanned = 0;
    std::uint32_t conflict_start = 0;  // items scanned from here on are "conflicting"
    while (o.valid()) {
      const Item& other = item(o);
      if (origin_right.present() && other.replica == origin_right.replica &&
          other.clock == origin_right.clock) {
        break;
      }
      const std::uint32_t index = scanned++;
      scan_index[(std::uint64_t{other.replica} << 32) | other.clock] = index;
      if (other.origin_left == origin_left) {
        if (replicas[other.replica].id < run.id.replica) {
          left = o;
          conflict_start = scanned;
        } else if (other.origin_right == origin_right) {
          break;
        }
      } else if (other.origin_left.present()) {
        const Located origin = find(other.origin_left);
        const Item& holder = item(origin.handle);
        auto seen = scan_index.find((std::uint64_t{holder.replica} << 32) | holder.clock);
        if (seen == scan_index.end()) break;
        if (seen->second < conflict_start) {
          left = o;
          conflict_start = scanned;
        }
      } else {
        break;
      }
      o = next(o);
    }
    if (origin_right.present()) {
      // Usually o is origin_right already; otherwise the rest of the conflict region lies
      // between o and it.
      while (o.valid() && !(item(o).replica == origin_right.replica && item(o).clock == origin_right.clock)) {
        o = next(o);
      }
      if (!o.valid()) return false;
    }
    append_content(r, run.deleted ? nullptr : run.content.data() + offset, count, kNone);
    const Item fresh{r, clock, count, run.deleted ? 1u : 0u, origin_left, origin_right};
    if (left.valid() && can_join(item(left), fresh)) {
      item(left).length += count;
      std::vector<std::uint32_t>& leaf_of = replicas[r].leaf_of;
      std::fill(leaf_of.begin() + clock, leaf_of.end(), left.leaf);
      add_visible(left, fresh.visible());
      return true;
    }
    const Handle placed = left.valid() ? insert_after(left, fresh) : insert_front(fresh);
    add_visible(placed, fresh.visible());
    return true;
  }

  // Marks [clock, clock + count) of local replica r (all present) as removed.
  void delete_present(std::uint32_t r, std::uint64_t clock, std::uint64_t count) {
    while (count > 0) {
      const Located at = find(LocalId{r, static_cast<std::uint32_t>(clock)});
      const Item& holder = item(at.handle);
      const std::uint64_t take = std::min<std::uint64_t>(holder.length - at.offset, count);
      if (!holder.deleted) {
        Handle h = at.handle;
        if (at.offset > 0) h = split_item(h, at.offset);
        if (item(h).length > take) {
          const Handle second = split_item(h, static_cast<std::uint32_t>(take));
          h = Handle{second.leaf, second.index - 1};
        }
        item(h).deleted = 1;
        add_visible(h, -static_cast<std::int64_t>(take));
        coalesce(h);
      }
      clock += take;
      count -= take;
    }
  }

  void park(PendingEntry entry, const YataId& awaited, Status& status) {
    const std::size_t bytes = pending_bytes_of(entry);
    const std::uint64_t chars = pending_chars_of(entry);
    if (pending.size() >= kYataMaxPendingEntries || pending_bytes + bytes > kYataMaxPendingBytes) {
      note_error(status, Errc::kLimitExceeded,
                 "YataText: pending buffer full (" + std::to_string(pending.size()) + " entries, " +
                     std::to_string(pending_bytes) + " bytes); merge the sender's full state");
      return;
    }
    if (total_chars + pending_chars + chars > kYataMaxChars) {
      note_error(status, Errc::kLimitExceeded, "YataText: document would exceed kYataMaxChars code points");
      return;
    }
    pending_bytes += bytes;
    pending_chars += chars;
    pending.emplace(awaited, std::move(entry));
  }

  // Moves the pending entries waiting for ids [low, high) of `replica` into `woken`.
  void wake(ReplicaId replica, std::uint64_t low, std::uint64_t high, std::vector<PendingEntry>& woken) {
    if (pending.empty()) return;
    auto it = pending.lower_bound(YataId{replica, low});
    while (it != pending.end() && it->first.replica == replica && it->first.clock < high) {
      pending_bytes -= pending_bytes_of(it->second);
      pending_chars -= pending_chars_of(it->second);
      woken.push_back(std::move(it->second));
      it = pending.erase(it);
    }
  }

  void apply_delete(const YataDeleteRange& range, Status& status) {
    const std::uint64_t known = known_clock(range.replica);
    const std::uint64_t end = range.clock + range.length;
    if (range.clock < known)
      delete_present(replica_of(range.replica), range.clock, std::min(end, known) - range.clock);
    if (end > known) {
      const std::uint64_t from = std::max(range.clock, known);
      park(YataDeleteRange{range.replica, from, end - from}, YataId{range.replica, from}, status);
    }
  }

  // Integrates a batch of runs in dependency order: a run first needs the earlier clocks
  // of its replica and its two origins. A dependency inside the batch is integrated first
  // (depth first, explicit stack); one that is nowhere parks the run in `pending`.
  void integrate_batch(std::vector<Incoming>& batch, Status& status, std::vector<PendingEntry>& woken) {
    enum : std::uint8_t { kWaiting, kOnStack, kDone };
    const std::size_t n = batch.size();
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t a, std::uint32_t b) { return batch[a].id < batch[b].id; });
    std::vector<std::uint8_t> state(n, kWaiting);
    // The batch run holding `id` that still waits, if any; `cycle` when it is on the stack.
    auto in_batch = [&](const YataId& id, bool& cycle) -> std::int64_t {
      auto upper = std::upper_bound(order.begin(), order.end(), id,
                                    [&](const YataId& key, std::uint32_t k) { return key < batch[k].id; });
      // Runs of a well-formed delta are disjoint, so only the nearest run below can hold
      // the id. A missed holder in an overlapping delta is no error: the run parks and is
      // woken when that holder is integrated.
      if (upper == order.begin()) return -1;
      const std::uint32_t k = *(upper - 1);
      const Incoming& holder = batch[k];
      if (holder.id.replica != id.replica || holder.id.clock + holder.length <= id.clock) return -1;
      if (state[k] == kWaiting) return k;
      if (state[k] == kOnStack) cycle = true;
      return -1;
    };
    std::vector<std::uint32_t> stack;
    for (const std::uint32_t start : order) {
      if (state[start] != kWaiting) continue;
      state[start] = kOnStack;
      stack.push_back(start);
      while (!stack.empty()) {
        const std::uint32_t x = stack.back();
        Incoming& run = batch[x];
        const std::uint64_t known = known_clock(run.id.replica);
        if (run.id.clock + run.length <= known) {  // already here
          if (run.deleted) delete_present(replica_of(run.id.replica), run.id.clock, run.length);
          state[x] = kDone;
          stack.pop_back();
          continue;
        }
        std::optional<YataId> missing;
        if (run.id.clock > known) {
          missing = YataId{run.id.replica, run.id.clock - 1};
        } else if (run.id.clock == known && run.origin_left && !has(*run.origin_left)) {
          missing = run.origin_left;  // (a run partly here has its own code point as origin)
        } else if (run.origin_right && !has(*run.origin_right)) {
          missing = run.origin_right;
        }
        if (!missing) {
          const std::uint64_t offset = known - run.id.clock;
          if (total_chars + pending_chars + (run.length - offset) > kYataMaxChars) {
            note_error(status, Errc::kLimitExceeded,
                       "YataText: document would exceed kYataMaxChars code points");
          } else if (integrate(run, offset)) {
            wake(run.id.replica, known, run.id.clock + run.length, woken);
          } else {
            note_error(status, Errc::kInvalidInput,
                       "YataText: a run's origin-right does not follow its origin-left");
          }
          state[x] = kDone;
          stack.pop_back();
          continue;
        }
        bool cycle = false;
        const std::int64_t dependency = in_batch(*missing, cycle);
        if (dependency >= 0) {
          state[dependency] = kOnStack;
          stack.push_back(static_cast<std::uint32_t>(dependency));
          continue;
        }
        if (cycle) {
          note_error(status, Errc::kInvalidInput, "YataText: delta has cyclic dependencies");
        } else {
          park(std::move(run), *missing, status);
        }
        state[x] = kDone;
        stack.pop_back();
      }
    }
  }

  void drain(std::vector<PendingEntry>& woken, Status& status) {
    while (!woken.empty()) {
      std::vector<Incoming> runs;
      std::vector<YataDeleteRange> deletes;
      for (PendingEntry& entry : woken) {
        if (auto* run = std::get_if<Incoming>(&entry)) {
          runs.push_back(std::move(*run));
        } else {
          deletes.push_back(std::get<YataDeleteRange>(entry));
        }
      }
      woken.clear();
      integrate_batch(runs, status, woken);
      for (const YataDeleteRange& range : deletes) apply_delete(range, status);
    }
  }

  // ---- encoding ----------------------------------------------------------------------

  void encode_body(codec::ByteWriter& out) const {
    // Replica table: replicas holding code points, ascending by id.
    std::vector<std::uint32_t> table;
    for (std::uint32_t r = 0; r < replicas.size(); ++r) {
      if (!replicas[r].content.empty()) table.push_back(r);
    }
    std::sort(table.begin(), table.end(),
              [&](std::uint32_t a, std::uint32_t b) { return replicas[a].id < replicas[b].id; });
    std::vector<std::uint32_t> table_of(replicas.size(), kNone);
    for (std::uint32_t t = 0; t < table.size(); ++t) table_of[table[t]] = t;
    out.varint(table.size());
    for (const std::uint32_t r : table) out.fixed64_le(replicas[r].id);

    // Maximal runs in document order, so equal states encode equally however their items
    // happen to be split.
    std::vector<Item> runs;
    for (std::uint32_t leaf = first_leaf; leaf != kNone; leaf = leaves[leaf].next) {
      const Leaf& node = leaves[leaf];
      for (std::uint32_t i = 0; i < node.size; ++i) {
        if (!runs.empty() && can_join(runs.back(), node.items[i])) {
          runs.back().length += node.items[i].length;
        } else {
          runs.push_back(node.items[i]);
        }
      }
    }
    out.varint(runs.size());
    std::string text;
    for (const Item& it : runs) {
      out.varint(table_of[it.replica]);
      out.varint(it.clock);
      out.varint(it.length);
      std::uint8_t flags = 0;
      if (it.deleted) flags |= kFlagDeleted;
      if (it.origin_left.present()) flags |= kFlagOriginLeft;
      if (it.origin_right.present()) flags |= kFlagOriginRight;
      out.u8(flags);
      for (const LocalId& origin : {it.origin_left, it.origin_right}) {
        if (!origin.present()) continue;
        out.varint(table_of[origin.replica]);
        out.varint(origin.clock);
      }
      if (!it.deleted) {
        text.clear();
        utf8_encode_append(replicas[it.replica].content.data() + it.clock, it.length, text);
        out.text(text);
      }
    }
  }

  // Builds the tree from items in document order (used by decode).
  void bulk_load(const std::vector<Item>& items) {
    leaves.clear();
    inners.clear();
    visible_len = 0;
    const std::size_t leaf_count = items.empty() ? 1 : (items.size() + kLeafFill - 1) / kLeafFill;
    leaves.resize(leaf_count);
    for (std::size_t k = 0; k < items.size(); ++k) {
      const auto leaf = static_cast<std::uint32_t>(k / kLeafFill);
      Leaf& node = leaves[leaf];
      node.items[node.size] = items[k];
      node.visible += items[k].visible();
      const Item& it = items[k];
      std::fill(replicas[it.replica].leaf_of.begin() + it.clock,
                replicas[it.replica].leaf_of.begin() + it.end(), leaf);
      ++node.size;
      visible_len += items[k].visible();
    }
    for (std::uint32_t l = 0; l < leaf_count; ++l) {
      leaves[l].prev = l == 0 ? kNone : l - 1;
      leaves[l].next = l + 1 == leaf_count ? kNone : l + 1;
    }
    first_leaf = 0;
    // Inner levels, bottom up.
    std::vector<std::uint32_t> level_nodes(leaf_count);
    std::vector<std::uint64_t> level_visible(leaf_count);
    for (std::uint32_t l = 0; l < leaf_count; ++l) {
      level_nodes[l] = l;
      level_visible[l] = leaves[l].visible;
    }
    std::uint32_t level = 0;
    while (level_nodes.size() > 1) {
      ++level;
      std::vector<std::uint32_t> parents;
      std::vector<std::uint64_t> parents_visible;
      for (std::size_t k = 0; k < level_nodes.size(); k += kInnerFill) {
        const auto index = static_cast<std::uint32_t>(inners.size());
        inners.emplace_back();
        Inner& node = inners.back();
        node.level = level;
        std::uint64_t sum = 0;
        for (std::size_t c = k; c < level_nodes.size() && c < k + kInnerFill; ++c) {
          node.child[node.size] = level_nodes[c];
          node.visible[node.size] = level_visible[c];
          sum += level_visible[c];
          ++node.size;
          set_parent(level_nodes[c], level == 1, index);
        }
        parents.push_back(index);
        parents_visible.push_back(sum);
      }
      level_nodes = std::move(parents);
      level_visible = std::move(parents_visible);
    }
    root = level_nodes[0];
    height = level;
    cursor_valid = false;
    cursor_pending = 0;
  }
};

// ---- YataText --------------------------------------------------------------------------

YataText::YataText(ReplicaId replica) : impl_(std::make_unique<Impl>()) { impl_->self = replica; }
YataText::~YataText() = default;
YataText::YataText(const YataText& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
YataText& YataText::operator=(const YataText& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
YataText::YataText(YataText&& other) noexcept = default;
YataText& YataText::operator=(YataText&& other) noexcept = default;

ReplicaId YataText::replica() const { return impl_->self; }
void YataText::set_replica(ReplicaId replica) {
  impl_->self = replica;
  impl_->self_index = kNone;
}

Result<YataDelta> YataText::insert(std::size_t position, std::string_view text) {
  Impl& d = *impl_;
  if (position > d.visible_len) {
    return make_error(Errc::kInvalidInput, "YataText: insert at " + std::to_string(position) +
                                               " is beyond the end (length " + std::to_string(d.visible_len) +
                                               ")");
  }
  d.code_points.clear();
  FF_TRY(utf8_decode_append(text, d.code_points));
  YataDelta delta;
  if (d.code_points.empty()) return delta;
  if (d.total_chars + d.pending_chars + d.code_points.size() > kYataMaxChars) {
    return make_error(Errc::kLimitExceeded, "YataText: document would exceed kYataMaxChars code points");
  }
  delta.runs.emplace_back();
  d.local_insert(position, text, delta.runs.back());
  return delta;
}

Result<YataDelta> YataText::remove(std::size_t position, std::size_t count) {
  Impl& d = *impl_;
  if (position > d.visible_len || count > d.visible_len - position) {
    return make_error(Errc::kInvalidInput, "YataText: remove of " + std::to_string(count) + " at " +
                                               std::to_string(position) + " is beyond the end (length " +
                                               std::to_string(d.visible_len) + ")");
  }
  YataDelta delta;
  if (count == 0) return delta;
  d.local_remove(position, count, delta.deletes);
  // A removal spanning several replicas' runs lists them in document order; the canonical
  // form is sorted by id.
  if (delta.deletes.size() > 1) {
    std::sort(delta.deletes.begin(), delta.deletes.end(),
              [](const YataDeleteRange& a, const YataDeleteRange& b) {
                return YataId{a.replica, a.clock} < YataId{b.replica, b.clock};
              });
    std::vector<YataDeleteRange> merged;
    for (const YataDeleteRange& range : delta.deletes) {
      if (!merged.empty() && merged.back().replica == range.replica &&
          merged.back().clock + merged.back().length == range.clock) {
        merged.back().length += range.length;
      } else {
        merged.push_back(range);
      }
    }
    delta.deletes = std::move(merged);
  }
  return delta;
}

std::string YataText::text() const {
  const Impl& d = *impl_;
  std::string out;
  out.reserve(d.visible_len);
  for (std::uint32_t leaf = d.first_leaf; leaf != kNone; leaf = d.leaves[leaf].next) {
    const Leaf& node = d.leaves[leaf];
    for (std::uint32_t i = 0; i < node.size; ++i) {
      const Item& it = node.items[i];
      if (!it.deleted) utf8_encode_append(d.replicas[it.replica].content.data() + it.clock, it.length, out);
    }
  }
  return out;
}

std::size_t YataText::length() const { return impl_->visible_len; }

namespace {

Status validate_delta(const YataDelta& delta) {
  for (const YataRun& run : delta.runs) {
    if (!clock_range_ok(run.id.clock, run.length)) {
      return make_error(Errc::kInvalidInput, "YataDelta: run clock " + std::to_string(run.id.clock) +
                                                 " length " + std::to_string(run.length) + " out of range");
    }
    for (const auto& origin : {run.origin_left, run.origin_right}) {
      if (origin && origin->clock >= kYataMaxChars) {
        return make_error(Errc::kInvalidInput, "YataDelta: origin clock out of range");
      }
    }
    if (run.deleted) {
      if (!run.content.empty())
        return make_error(Errc::kInvalidInput, "YataDelta: a deleted run carries text");
    } else {
      FF_TRY_ASSIGN(const std::size_t count, utf8_count(run.content));
      if (count != run.length) {
        return make_error(Errc::kInvalidInput, "YataDelta: run text holds " + std::to_string(count) +
                                                   " code points, length says " + std::to_string(run.length));
      }
    }
  }
  for (const YataDeleteRange& range : delta.deletes) {
    if (!clock_range_ok(range.clock, range.length)) {
      return make_error(Errc::kInvalidInput, "YataDelta: deletion out of range");
    }
  }
  return {};
}

}  // namespace

Status YataText::apply(const YataDelta& delta) {
  FF_TRY(validate_delta(delta));
  Impl& d = *impl_;
  d.invalidate_cursor();
  Status status;
  std::vector<Incoming> batch;
  batch.reserve(delta.runs.size());
  for (const YataRun& run : delta.runs) {
    Incoming incoming{run.id, run.origin_left, run.origin_right, run.length, run.deleted, {}};
    if (!run.deleted) {
      incoming.content.reserve(run.length);
      (void)utf8_decode_append(run.content, incoming.content);  // validated above
    }
    batch.push_back(std::move(incoming));
  }
  std::vector<PendingEntry> woken;
  d.integrate_batch(batch, status, woken);
  for (const YataDeleteRange& range : delta.deletes) d.apply_delete(range, status);
  d.drain(woken, status);
  return status;
}

Status YataText::merge(const YataText& other) {
  if (&other == this) return {};
  return apply(other.delta_since(version()));
}

VClock YataText::version() const {
  VClock version;
  for (const ReplicaData& data : impl_->replicas) {
    if (!data.content.empty()) version.observe(data.id, data.content.size());
  }
  return version;
}

YataDelta YataText::delta_since(const VClock& version) const {
  const Impl& d = *impl_;
  YataDelta delta;
  std::vector<std::uint32_t> order;
  for (std::uint32_t r = 0; r < d.replicas.size(); ++r) order.push_back(r);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return d.replicas[a].id < d.replicas[b].id; });
  for (const std::uint32_t r : order) {
    const ReplicaData& data = d.replicas[r];
    std::uint64_t clock = version.get(data.id);
    while (clock < data.content.size()) {
      const Located at = d.find(LocalId{r, static_cast<std::uint32_t>(clock)});
      const Item& it = d.item(at.handle);
      YataRun run;
      run.id = YataId{data.id, clock};
      run.origin_left =
          at.offset > 0 ? std::optional<YataId>(YataId{data.id, clock - 1}) : d.to_global(it.origin_left);
      run.origin_right = d.to_global(it.origin_right);
      run.length = it.end() - clock;
      run.deleted = it.deleted != 0;
      if (!run.deleted) utf8_encode_append(data.content.data() + clock, run.length, run.content);
      if (!delta.runs.empty()) {
        YataRun& last = delta.runs.back();
        if (last.id.replica == run.id.replica && last.id.clock + last.length == run.id.clock &&
            last.deleted == run.deleted && last.origin_right == run.origin_right &&
            run.origin_left == std::optional<YataId>(YataId{run.id.replica, run.id.clock - 1})) {
          last.length += run.length;
          last.content += run.content;
          clock = it.end();
          continue;
        }
      }
      delta.runs.push_back(std::move(run));
      clock = it.end();
    }
  }
  // Removals of code points the other side holds; those it lacks travel as deleted runs.
  for (std::uint32_t leaf = d.first_leaf; leaf != kNone; leaf = d.leaves[leaf].next) {
    const Leaf& node = d.leaves[leaf];
    for (std::uint32_t i = 0; i < node.size; ++i) {
      const Item& it = node.items[i];
      if (!it.deleted) continue;
      const ReplicaId id = d.replicas[it.replica].id;
      const std::uint64_t seen = version.get(id);
      if (it.clock >= seen) continue;
      delta.deletes.push_back(
          YataDeleteRange{id, it.clock, std::min<std::uint64_t>(it.end(), seen) - it.clock});
    }
  }
  std::sort(delta.deletes.begin(), delta.deletes.end(),
            [](const YataDeleteRange& a, const YataDeleteRange& b) {
              return YataId{a.replica, a.clock} < YataId{b.replica, b.clock};
            });
  std::vector<YataDeleteRange> merged;
  for (const YataDeleteRange& range : delta.deletes) {
    if (!merged.empty() && merged.back().replica == range.replica &&
        merged.back().clock + merged.back().length >= range.clock) {
      merged.back().length =
          std::max(merged.back().clock + merged.back().length, range.clock + range.length) -
          merged.back().clock;
    } else {
      merged.push_back(range);
    }
  }
  delta.deletes = std::move(merged);
  return delta;
}

std::size_t YataText::pending_count() const { return impl_->pending.size(); }

std::size_t YataText::item_count() const {
  std::size_t count = 0;
  for (const Leaf& leaf : impl_->leaves) count += leaf.size;
  return count;
}

Status YataText::check_invariants() const {
  const Impl& d = *impl_;
  auto broken = [](const std::string& what) {
    return make_error(Errc::kCorruption, "YataText invariant: " + what);
  };
  // Counts: every inner slot sums its subtree (the cursor leaf's ancestors lag by
  // cursor_pending), leaf counts sum their items.
  std::uint64_t visible_total = 0;
  std::uint64_t items_seen = 0;
  std::uint32_t previous = kNone;
  for (std::uint32_t leaf = d.first_leaf; leaf != kNone; leaf = d.leaves[leaf].next) {
    const Leaf& node = d.leaves[leaf];
    if (node.prev != previous) return broken("leaf chain prev link");
    previous = leaf;
    std::uint64_t visible = 0;
    for (std::uint32_t i = 0; i < node.size; ++i) {
      const Item& it = node.items[i];
      if (it.length == 0) return broken("empty item");
      visible += it.visible();
      for (std::uint32_t c = it.clock; c < it.end(); ++c) {
        if (d.replicas[it.replica].leaf_of[c] != leaf) return broken("id index points elsewhere");
      }
      ++items_seen;
    }
    if (visible != node.visible) return broken("leaf visible count");
    visible_total += visible;
    if (node.size == 0 && !(leaf == d.first_leaf && node.next == kNone)) return broken("empty leaf");
  }
  if (visible_total != d.visible_len) return broken("document length");
  std::uint64_t all_items = 0;
  for (const Leaf& leaf : d.leaves) all_items += leaf.size;
  if (all_items != items_seen) return broken("leaf not in the chain");
  // Inner sums, bottom up: compare each slot with the child's actual total.
  std::vector<std::uint64_t> inner_total(d.inners.size(), 0);
  for (std::uint32_t level = 1; level <= d.height; ++level) {
    for (std::uint32_t n = 0; n < d.inners.size(); ++n) {
      const Inner& node = d.inners[n];
      if (node.level != level) continue;
      std::uint64_t sum = 0;
      for (std::uint32_t s = 0; s < node.size; ++s) {
        const std::uint32_t child = node.child[s];
        std::uint64_t actual = 0;
        if (level == 1) {
          if (d.leaves[child].parent != n) return broken("leaf parent link");
          actual = d.leaves[child].visible;
          if (d.cursor_valid && child == d.cursor_leaf)
            actual -= static_cast<std::uint64_t>(d.cursor_pending);
        } else {
          if (d.inners[child].parent != n) return broken("inner parent link");
          actual = inner_total[child];
        }
        if (node.visible[s] != actual) {
          return broken("inner count at level " + std::to_string(level) + " slot " + std::to_string(s));
        }
        sum += actual;
      }
      inner_total[n] = sum;
    }
  }
  return {};
}

bool YataText::operator==(const YataText& other) const { return encode() == other.encode(); }

Bytes YataText::encode() const { return encode_state(*this); }

Result<YataText> YataText::decode(ByteView bytes, ReplicaId replica) {
  codec::ByteReader in(bytes);
  FF_TRY(read_envelope<YataText>(in, "YataText"));
  FF_TRY_ASSIGN(YataText state, decode_body(in, replica));
  FF_TRY(in.expect_done("YataText"));
  return state;
}

void YataText::write_signature(codec::ByteWriter& out) { out.u8(static_cast<std::uint8_t>(TypeTag::kYata)); }

void YataText::encode_body(codec::ByteWriter& out) const { impl_->encode_body(out); }

namespace {

struct RawRun {
  Item item;
  std::size_t text_offset = 0;  // into the decoded code points (visible runs)
};

// Reads a replica table: a count, then that many replica ids, strictly ascending.
Result<std::vector<ReplicaId>> read_replica_table(codec::ByteReader& in, const char* what) {
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

Result<std::uint32_t> read_table_index(codec::ByteReader& in, std::size_t table_size, const char* what) {
  FF_TRY_ASSIGN(const std::uint64_t index, in.varint());
  if (index >= table_size) {
    return make_error(Errc::kInvalidInput, std::string(what) + ": replica index " + std::to_string(index) +
                                               " beyond the table of " + std::to_string(table_size));
  }
  return static_cast<std::uint32_t>(index);
}

// Reads one run's fields; the text (if any) is appended to `text`. Clock ranges are
// checked against kYataMaxChars.
Status read_run(codec::ByteReader& in, std::size_t table_size, const char* what, Item& item, bool& has_text,
                std::vector<char32_t>& text) {
  FF_TRY_ASSIGN(item.replica, read_table_index(in, table_size, what));
  FF_TRY_ASSIGN(const std::uint64_t clock, in.varint());
  FF_TRY_ASSIGN(const std::uint64_t length, in.varint());
  if (!clock_range_ok(clock, length)) {
    return make_error(Errc::kInvalidInput, std::string(what) + ": run clock " + std::to_string(clock) +
                                               " length " + std::to_string(length) + " out of range");
  }
  item.clock = static_cast<std::uint32_t>(clock);
  item.length = static_cast<std::uint32_t>(length);
  FF_TRY_ASSIGN(const std::uint8_t flags, in.u8());
  if ((flags & ~kKnownFlags) != 0)
    return make_error(Errc::kInvalidInput, std::string(what) + ": unknown run flags");
  item.deleted = (flags & kFlagDeleted) ? 1 : 0;
  item.origin_left = LocalId{};
  item.origin_right = LocalId{};
  for (const std::uint8_t flag : {kFlagOriginLeft, kFlagOriginRight}) {
    if ((flags & flag) == 0) continue;
    LocalId origin;
    FF_TRY_ASSIGN(origin.replica, read_table_index(in, table_size, what));
    FF_TRY_ASSIGN(const std::uint64_t origin_clock, in.varint());
    if (origin_clock >= kYataMaxChars)
      return make_error(Errc::kInvalidInput, std::string(what) + ": origin clock out of range");
    origin.clock = static_cast<std::uint32_t>(origin_clock);
    (flag == kFlagOriginLeft ? item.origin_left : item.origin_right) = origin;
  }
  has_text = !item.deleted;
  if (has_text) {
    FF_TRY_ASSIGN(const ByteView bytes, in.blob());
    const std::size_t before = text.size();
    FF_TRY(utf8_decode_append(as_chars(bytes), text));
    if (text.size() - before != item.length) {
      return make_error(Errc::kInvalidInput, std::string(what) + ": run text holds " +
                                                 std::to_string(text.size() - before) +
                                                 " code points, length says " + std::to_string(item.length));
    }
  }
  return {};
}

}  // namespace

Result<YataText> YataText::decode_body(codec::ByteReader& in, ReplicaId replica) {
  constexpr const char* kWhat = "YataText";
  FF_TRY_ASSIGN(const std::vector<ReplicaId> table, read_replica_table(in, kWhat));
  FF_TRY_ASSIGN(const std::uint64_t run_count, in.count(kMinRunBytes));
  std::vector<RawRun> runs;
  runs.reserve(run_count);
  std::vector<char32_t> text;
  std::uint64_t total = 0;
  for (std::uint64_t k = 0; k < run_count; ++k) {
    RawRun raw;
    raw.text_offset = text.size();
    bool has_text = false;
    FF_TRY(read_run(in, table.size(), kWhat, raw.item, has_text, text));
    total += raw.item.length;
    if (total > kYataMaxChars) {
      return make_error(Errc::kLimitExceeded, "YataText: state holds more than kYataMaxChars code points");
    }
    if (!runs.empty() && can_join(runs.back().item, raw.item)) {
      return make_error(Errc::kInvalidInput,
                        "YataText: run " + std::to_string(k) + " continues the previous one");
    }
    runs.push_back(raw);
  }

  // Ids: per replica, the runs must tile clocks 0 .. n-1 exactly.
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> by_clock(table.size());  // (clock, run)
  for (std::uint32_t k = 0; k < runs.size(); ++k)
    by_clock[runs[k].item.replica].emplace_back(runs[k].item.clock, k);
  std::vector<std::uint32_t> clocks(table.size(), 0);
  for (std::uint32_t r = 0; r < table.size(); ++r) {
    auto& list = by_clock[r];
    std::sort(list.begin(), list.end());
    if (list.empty())
      return make_error(Errc::kInvalidInput, "YataText: a replica in the table holds no code points");
    std::uint32_t expected = 0;
    for (const auto& [clock, k] : list) {
      if (clock != expected) {
        return make_error(Errc::kInvalidInput, "YataText: ids of replica " + std::to_string(table[r]) +
                                                   (clock < expected ? " overlap" : " have a gap") +
                                                   " at clock " + std::to_string(std::min(clock, expected)));
      }
      expected = runs[k].item.end();
    }
    clocks[r] = expected;
  }
  // The run holding code point `id`, or -1 when no run does.
  auto holder = [&](LocalId id) -> std::int64_t {
    if (id.clock >= clocks[id.replica]) return -1;
    const auto& list = by_clock[id.replica];
    auto it = std::upper_bound(list.begin(), list.end(), std::make_pair(id.clock, kNone));
    return (it - 1)->second;
  };
  // Origins exist and lie on their sides; the dependency graph (earlier clocks of the
  // same replica, both origins) is acyclic, so any replica can integrate these runs.
  std::vector<std::array<std::int64_t, 3>> dependencies(runs.size());
  for (std::uint32_t k = 0; k < runs.size(); ++k) {
    const Item& it = runs[k].item;
    std::array<std::int64_t, 3>& deps = dependencies[k];
    deps = {-1, -1, -1};
    if (it.clock > 0) deps[0] = holder(LocalId{it.replica, it.clock - 1});
    if (it.origin_left.present()) {
      deps[1] = holder(it.origin_left);
      if (deps[1] < 0 || deps[1] >= k) {
        return make_error(Errc::kInvalidInput, "YataText: run " + std::to_string(k) +
                                                   ": origin-left is missing or not to its left");
      }
    }
    if (it.origin_right.present()) {
      deps[2] = holder(it.origin_right);
      if (deps[2] <= static_cast<std::int64_t>(k)) {
        return make_error(Errc::kInvalidInput, "YataText: run " + std::to_string(k) +
                                                   ": origin-right is missing or not to its right");
      }
    }
  }
  {
    enum : std::uint8_t { kNew, kActive, kFinished };
    std::vector<std::uint8_t> color(runs.size(), kNew);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> stack;  // (run, next dependency)
    for (std::uint32_t start = 0; start < runs.size(); ++start) {
      if (color[start] != kNew) continue;
      color[start] = kActive;
      stack.emplace_back(start, 0);
      while (!stack.empty()) {
        auto& [node, next_dep] = stack.back();
        if (next_dep == 3) {
          color[node] = kFinished;
          stack.pop_back();
          continue;
        }
        const std::int64_t dep = dependencies[node][next_dep++];
        if (dep < 0 || color[dep] == kFinished) continue;
        if (color[dep] == kActive) {
          return make_error(Errc::kInvalidInput, "YataText: runs have cyclic dependencies");
        }
        color[dep] = kActive;
        stack.emplace_back(static_cast<std::uint32_t>(dep), 0);
      }
    }
  }

  YataText state(replica);
  Impl& d = *state.impl_;
  d.replicas.resize(table.size());
  for (std::uint32_t r = 0; r < table.size(); ++r) {
    d.replicas[r].id = table[r];
    d.replicas[r].content.assign(clocks[r], 0);
    d.replicas[r].leaf_of.assign(clocks[r], 0);
    d.replica_index.emplace(table[r], r);
    d.total_chars += clocks[r];
  }
  std::vector<Item> items;
  items.reserve(runs.size());
  for (const RawRun& raw : runs) {
    const Item& it = raw.item;
    if (!it.deleted) {
      std::copy(text.begin() + static_cast<std::ptrdiff_t>(raw.text_offset),
                text.begin() + static_cast<std::ptrdiff_t>(raw.text_offset + it.length),
                d.replicas[it.replica].content.begin() + it.clock);
    }
    items.push_back(it);
  }
  d.bulk_load(items);
  return state;
}

// ---- YataDelta -------------------------------------------------------------------------

namespace {

bool delete_less(const YataDeleteRange& a, const YataDeleteRange& b) {
  return YataId{a.replica, a.clock} < YataId{b.replica, b.clock};
}

}  // namespace

Bytes YataDelta::encode() const {
  codec::ByteWriter out;
  out.u8(kEncodingVersion);
  out.u8(static_cast<std::uint8_t>(TypeTag::kYataDelta));
  // Canonical order (producers already keep it; sort a copy if someone did not).
  const bool runs_sorted = std::is_sorted(runs.begin(), runs.end(),
                                          [](const YataRun& a, const YataRun& b) { return a.id < b.id; });
  const bool deletes_sorted = std::is_sorted(deletes.begin(), deletes.end(), delete_less);
  if (!runs_sorted || !deletes_sorted) {
    YataDelta sorted = *this;
    std::stable_sort(sorted.runs.begin(), sorted.runs.end(),
                     [](const YataRun& a, const YataRun& b) { return a.id < b.id; });
    std::stable_sort(sorted.deletes.begin(), sorted.deletes.end(), delete_less);
    return sorted.encode();
  }
  std::vector<ReplicaId> table;
  for (const YataRun& run : runs) {
    table.push_back(run.id.replica);
    if (run.origin_left) table.push_back(run.origin_left->replica);
    if (run.origin_right) table.push_back(run.origin_right->replica);
  }
  for (const YataDeleteRange& range : deletes) table.push_back(range.replica);
  std::sort(table.begin(), table.end());
  table.erase(std::unique(table.begin(), table.end()), table.end());
  auto index_of = [&](ReplicaId id) {
    return static_cast<std::uint64_t>(std::lower_bound(table.begin(), table.end(), id) - table.begin());
  };
  out.varint(table.size());
  for (const ReplicaId id : table) write_replica(out, id);
  out.varint(runs.size());
  for (const YataRun& run : runs) {
    out.varint(index_of(run.id.replica));
    out.varint(run.id.clock);
    out.varint(run.length);
    std::uint8_t flags = 0;
    if (run.deleted) flags |= kFlagDeleted;
    if (run.origin_left) flags |= kFlagOriginLeft;
    if (run.origin_right) flags |= kFlagOriginRight;
    out.u8(flags);
    for (const auto& origin : {run.origin_left, run.origin_right}) {
      if (!origin) continue;
      out.varint(index_of(origin->replica));
      out.varint(origin->clock);
    }
    if (!run.deleted) out.text(run.content);
  }
  out.varint(deletes.size());
  for (const YataDeleteRange& range : deletes) {
    out.varint(index_of(range.replica));
    out.varint(range.clock);
    out.varint(range.length);
  }
  return out.take();
}

Result<YataDelta> YataDelta::decode(ByteView bytes) {
  constexpr const char* kWhat = "YataDelta";
  codec::ByteReader in(bytes);
  FF_TRY_ASSIGN(const std::uint8_t version, in.u8());
  if (version != kEncodingVersion) {
    return make_error(Errc::kUnsupported, "YataDelta: encoding version " + std::to_string(version) +
                                              " is not supported (this build reads " +
                                              std::to_string(kEncodingVersion) + ")");
  }
  FF_TRY_ASSIGN(const std::uint8_t tag, in.u8());
  if (tag != static_cast<std::uint8_t>(TypeTag::kYataDelta)) {
    return make_error(Errc::kInvalidInput,
                      "YataDelta: type tag " + std::to_string(tag) + " is not a YataDelta");
  }
  FF_TRY_ASSIGN(const std::vector<ReplicaId> table, read_replica_table(in, kWhat));
  std::vector<bool> used(table.size(), false);
  YataDelta delta;
  FF_TRY_ASSIGN(const std::uint64_t run_count, in.count(kMinRunBytes));
  delta.runs.reserve(run_count);
  std::vector<char32_t> scratch;
  for (std::uint64_t k = 0; k < run_count; ++k) {
    Item it;
    bool has_text = false;
    scratch.clear();
    FF_TRY(read_run(in, table.size(), kWhat, it, has_text, scratch));
    YataRun run;
    run.id = YataId{table[it.replica], it.clock};
    used[it.replica] = true;
    if (it.origin_left.present()) {
      run.origin_left = YataId{table[it.origin_left.replica], it.origin_left.clock};
      used[it.origin_left.replica] = true;
    }
    if (it.origin_right.present()) {
      run.origin_right = YataId{table[it.origin_right.replica], it.origin_right.clock};
      used[it.origin_right.replica] = true;
    }
    run.length = it.length;
    run.deleted = it.deleted != 0;
    if (has_text) {
      utf8_encode_append(scratch.data(), scratch.size(), run.content);  // strict UTF-8: same bytes
    }
    if (!delta.runs.empty()) {
      const YataRun& last = delta.runs.back();
      if (!(last.id < run.id) ||
          (last.id.replica == run.id.replica && last.id.clock + last.length > run.id.clock)) {
        return make_error(Errc::kInvalidInput, "YataDelta: runs not sorted by id or overlapping");
      }
    }
    delta.runs.push_back(std::move(run));
  }
  FF_TRY_ASSIGN(const std::uint64_t delete_count, in.count(kMinDeleteBytes));
  delta.deletes.reserve(delete_count);
  for (std::uint64_t k = 0; k < delete_count; ++k) {
    FF_TRY_ASSIGN(const std::uint32_t index, read_table_index(in, table.size(), kWhat));
    FF_TRY_ASSIGN(const std::uint64_t clock, in.varint());
    FF_TRY_ASSIGN(const std::uint64_t length, in.varint());
    if (!clock_range_ok(clock, length))
      return make_error(Errc::kInvalidInput, "YataDelta: deletion out of range");
    used[index] = true;
    const YataDeleteRange range{table[index], clock, length};
    if (!delta.deletes.empty()) {
      const YataDeleteRange& last = delta.deletes.back();
      if (!delete_less(last, range) ||
          (last.replica == range.replica && last.clock + last.length >= range.clock)) {
        return make_error(Errc::kInvalidInput, "YataDelta: deletions not sorted, overlapping or not merged");
      }
    }
    delta.deletes.push_back(range);
  }
  for (const bool is_used : used) {
    if (!is_used) return make_error(Errc::kInvalidInput, "YataDelta: replica table lists an unused replica");
  }
  FF_TRY(in.expect_done(kWhat));
  return delta;
}

}  // namespace ff::crdt
