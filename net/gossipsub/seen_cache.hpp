// The `seen` cache of gossipsub v1.0 ("Message Cache"): ids of messages recently accepted,
// so a message is delivered and forwarded at most once and IHAVE for it is not answered with
// IWANT. Entries live for a TTL (seen_ttl, 2 minutes) and the cache holds at most
// `max_entries`: when full, the oldest entry goes first, so a message flood shortens how long
// ids are remembered instead of growing memory (docs/gossipsub.md "Limits").
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/bytes.hpp"

namespace ff::net {

class SeenCache {
 public:
  SeenCache(std::uint64_t ttl_ms, std::size_t max_entries) : ttl_ms_(ttl_ms), max_entries_(max_entries) {}

  // True if `id` was inserted and has not expired or been evicted.
  bool contains(ByteView id) const;

  // Records `id` as seen at `now_ms`. Returns false (and changes nothing) if it already was.
  // May evict the oldest entry to stay within max_entries.
  bool insert(ByteView id, std::uint64_t now_ms);

  // Drops the entries whose TTL ran out by `now_ms`.
  void expire(std::uint64_t now_ms);

  std::size_t size() const { return ids_.size(); }
  std::size_t max_entries() const { return max_entries_; }
  // Entries dropped because the cache was full (not by TTL).
  std::uint64_t evicted() const { return evicted_; }

 private:
  // Transparent, so lookups by a ByteView of the id allocate nothing (one lookup per
  // received copy of every message).
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
  };
  struct Entry {
    std::uint64_t expires_ms;
    const std::string* id;  // the key inside ids_ (node-based: stable until erased)
  };
  void erase_front();

  std::uint64_t ttl_ms_;
  std::size_t max_entries_;
  std::unordered_set<std::string, IdHash, std::equal_to<>> ids_;
  // Insertion order. Callers pass non-decreasing times, so this is also expiry order; if a
  // clock steps back, entries merely expire a little late.
  std::deque<Entry> order_;
  std::uint64_t evicted_ = 0;
};

}  // namespace ff::net
