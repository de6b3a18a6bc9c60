#include "net/gossipsub/seen_cache.hpp"

#include <utility>

namespace ff::net {

bool SeenCache::contains(ByteView id) const { return ids_.count(std::string(as_chars(id))) != 0; }

bool SeenCache::insert(ByteView id, std::uint64_t now_ms) {
  if (max_entries_ == 0) return true;  // remembers nothing: every id is new
  std::string key(as_chars(id));
  if (ids_.count(key) != 0) return false;
  while (ids_.size() >= max_entries_) {
    ids_.erase(order_.front().id);
    order_.pop_front();
    ++evicted_;
  }
  ids_.insert(key);
  order_.push_back(Entry{now_ms + ttl_ms_, std::move(key)});
  return true;
}

void SeenCache::expire(std::uint64_t now_ms) {
  while (!order_.empty() && order_.front().expires_ms <= now_ms) {
    ids_.erase(order_.front().id);
    order_.pop_front();
  }
}

}  // namespace ff::net
