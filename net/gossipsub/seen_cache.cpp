#include "net/gossipsub/seen_cache.hpp"

#include <utility>

namespace ff::net {

bool SeenCache::contains(ByteView id) const { return ids_.find(as_chars(id)) != ids_.end(); }

bool SeenCache::insert(ByteView id, std::uint64_t now_ms) {
  if (max_entries_ == 0) return true;  // remembers nothing: every id is new
  if (ids_.find(as_chars(id)) != ids_.end()) return false;
  while (ids_.size() >= max_entries_) {
    erase_front();
    ++evicted_;
  }
  auto inserted = ids_.emplace(as_chars(id));
  order_.push_back(Entry{now_ms + ttl_ms_, &*inserted.first});
  return true;
}

void SeenCache::expire(std::uint64_t now_ms) {
  while (!order_.empty() && order_.front().expires_ms <= now_ms) erase_front();
}

void SeenCache::erase_front() {
  // By iterator: erase(key) with a key that lives in the node being erased is not safe.
  auto it = ids_.find(std::string_view(*order_.front().id));
  if (it != ids_.end()) ids_.erase(it);
  order_.pop_front();
}

}  // namespace ff::net
