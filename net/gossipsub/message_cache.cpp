#include "net/gossipsub/message_cache.hpp"

#include <cassert>

namespace ff::net {

MessageCache::MessageCache(std::size_t history_windows, std::size_t gossip_windows, std::size_t max_entries,
                           std::size_t max_bytes)
    : history_windows_(history_windows < 1 ? 1 : history_windows),
      gossip_windows_(gossip_windows),
      max_entries_(max_entries),
      max_bytes_(max_bytes) {
  windows_.emplace_back();
}

bool MessageCache::put(ByteView id, const std::string& topic, std::shared_ptr<const Bytes> encoded) {
  if (entries_.find(as_chars(id)) != entries_.end()) return false;
  std::string key(as_chars(id));
  const std::size_t size = encoded->size() + key.size();
  if (max_entries_ == 0 || size > max_bytes_) {
    ++evicted_;  // could never fit: dropped at once
    return true;
  }
  while (!entries_.empty() && (entries_.size() >= max_entries_ || bytes_ + size > max_bytes_)) evict_oldest();
  Entry entry;
  entry.serial = next_serial_++;
  entry.topic = topic;
  entry.encoded = std::move(encoded);
  bytes_ += size;
  windows_.front().push_back(Slot{entry.serial, key});
  entries_.emplace(std::move(key), std::move(entry));
  return true;
}

std::shared_ptr<const Bytes> MessageCache::get(ByteView id) const {
  auto it = entries_.find(as_chars(id));
  return it == entries_.end() ? nullptr : it->second.encoded;
}

std::shared_ptr<const Bytes> MessageCache::get_for_iwant(ByteView id, const std::string& peer_key,
                                                         std::uint32_t max_transmissions, bool* refused) {
  *refused = false;
  auto it = entries_.find(as_chars(id));
  if (it == entries_.end()) return nullptr;
  Entry& entry = it->second;
  for (auto& [peer, count] : entry.iwant_counts) {
    if (peer != peer_key) continue;
    if (count >= max_transmissions) {
      *refused = true;
      return nullptr;
    }
    ++count;
    return entry.encoded;
  }
  if (max_transmissions == 0) {
    *refused = true;
    return nullptr;
  }
  entry.iwant_counts.emplace_back(peer_key, 1);
  return entry.encoded;
}

std::vector<MessageId> MessageCache::gossip_ids(const std::string& topic) const {
  std::vector<MessageId> ids;
  const std::size_t windows = gossip_windows_ < windows_.size() ? gossip_windows_ : windows_.size();
  for (std::size_t w = 0; w < windows; ++w) {
    const std::deque<Slot>& window = windows_[w];
    for (auto slot = window.rbegin(); slot != window.rend(); ++slot) {
      auto it = entries_.find(slot->id);
      if (it == entries_.end() || it->second.serial != slot->serial || it->second.topic != topic) continue;
      ids.emplace_back(slot->id.begin(), slot->id.end());
    }
  }
  return ids;
}

void MessageCache::shift() {
  windows_.emplace_front();
  while (windows_.size() > history_windows_) {
    for (const Slot& slot : windows_.back()) erase_slot(slot);
    windows_.pop_back();
  }
}

void MessageCache::erase_slot(const Slot& slot) {
  auto it = entries_.find(slot.id);
  if (it == entries_.end() || it->second.serial != slot.serial) return;
  bytes_ -= it->second.encoded->size() + slot.id.size();
  entries_.erase(it);
}

void MessageCache::evict_oldest() {
  for (auto window = windows_.rbegin(); window != windows_.rend(); ++window) {
    while (!window->empty()) {
      const Slot slot = std::move(window->front());
      window->pop_front();
      const std::size_t before = entries_.size();
      erase_slot(slot);
      if (entries_.size() != before) {
        ++evicted_;
        return;
      }
    }
  }
  assert(entries_.empty());
}

}  // namespace ff::net
