// The gossipsub message cache (`mcache`, gossipsub v1.0 "Message Cache"): the messages of the
// last `history_windows` heartbeats, kept to answer IWANT, and the source of the ids we
// advertise in IHAVE (the newest `gossip_windows` heartbeats). Because IHAVE is built from
// what the cache holds, we never advertise a message we cannot serve.
//
// Bounded twice: by entry count and by encoded bytes. A flood that exceeds either evicts the
// oldest messages early (counted), which only makes us unable to answer late IWANTs for them.
//
// The cache also counts, per message and peer, how often that peer fetched the message with
// IWANT (gossipsub v1.1 "Spam Protection Measures": retransmissions are limited).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "net/gossipsub/gossipsub_rpc.hpp"

namespace ff::net {

class MessageCache {
 public:
  MessageCache(std::size_t history_windows, std::size_t gossip_windows, std::size_t max_entries,
               std::size_t max_bytes);

  // Adds a message (its encode_message bytes, shared with outbound RPCs) to the newest window.
  // Returns false if the id is already cached.
  bool put(ByteView id, const std::string& topic, std::shared_ptr<const Bytes> encoded);

  // The encoded message, or nullptr if it is not (or no longer) cached.
  std::shared_ptr<const Bytes> get(ByteView id) const;

  // The encoded message for an IWANT from `peer_key`, counting the transmission; nullptr if
  // it is not cached or `peer_key` already fetched it max_transmissions times (then
  // *refused is set).
  std::shared_ptr<const Bytes> get_for_iwant(ByteView id, const std::string& peer_key,
                                             std::uint32_t max_transmissions, bool* refused);

  // Ids of `topic` in the newest gossip_windows windows, newest first.
  std::vector<MessageId> gossip_ids(const std::string& topic) const;

  // Starts a new window and drops the messages of the oldest beyond history_windows.
  void shift();

  std::size_t size() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }
  // Messages dropped early to stay within max_entries / max_bytes.
  std::uint64_t evicted() const { return evicted_; }

 private:
  struct Entry {
    std::uint64_t serial = 0;
    std::string topic;
    std::shared_ptr<const Bytes> encoded;
    // (peer key, IWANT transmissions). Bounded by the number of peers that asked.
    std::vector<std::pair<std::string, std::uint32_t>> iwant_counts;
  };
  struct Slot {
    std::uint64_t serial;
    std::string id;
  };

  void erase_slot(const Slot& slot);
  void evict_oldest();

  std::size_t history_windows_;
  std::size_t gossip_windows_;
  std::size_t max_entries_;
  std::size_t max_bytes_;
  // Transparent, so get() by a ByteView allocates nothing.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
  };
  std::unordered_map<std::string, Entry, IdHash, std::equal_to<>> entries_;
  std::deque<std::deque<Slot>> windows_;  // front: newest
  std::size_t bytes_ = 0;
  std::uint64_t next_serial_ = 1;
  std::uint64_t evicted_ = 0;
};

}  // namespace ff::net
