#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "net/gossipsub/message_cache.hpp"
#include "net/gossipsub/seen_cache.hpp"
#include "tests/net/gossipsub/gossip_network.hpp"

namespace ff::net {
namespace {

Bytes id_of(int i) { return to_bytes(testing::numbered("id-", i)); }
std::shared_ptr<const Bytes> payload(std::size_t size) { return std::make_shared<const Bytes>(size, 0x11); }

TEST(SeenCache, EntriesExpireAfterTheTtl) {
  SeenCache seen(120000, 100);
  EXPECT_TRUE(seen.insert(id_of(1), 1000));
  EXPECT_FALSE(seen.insert(id_of(1), 2000));  // already seen
  EXPECT_TRUE(seen.insert(id_of(2), 50000));
  seen.expire(120999);
  EXPECT_TRUE(seen.contains(id_of(1)));
  seen.expire(121000);
  EXPECT_FALSE(seen.contains(id_of(1)));
  EXPECT_TRUE(seen.contains(id_of(2)));
  seen.expire(170000);
  EXPECT_FALSE(seen.contains(id_of(2)));
  EXPECT_EQ(seen.size(), 0u);
}

TEST(SeenCache, SizeBoundEvictsTheOldest) {
  SeenCache seen(120000, 3);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(seen.insert(id_of(i), 1000 + i));
    EXPECT_LE(seen.size(), 3u);
  }
  EXPECT_FALSE(seen.contains(id_of(6)));
  EXPECT_TRUE(seen.contains(id_of(7)));
  EXPECT_TRUE(seen.contains(id_of(9)));
  EXPECT_EQ(seen.evicted(), 7u);
}

TEST(MessageCache, GossipCoversTheNewestWindowsAndGetCoversHistory) {
  MessageCache cache(5, 3, 1000, 1 << 20);
  // One message per window: id-0 oldest.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(cache.put(id_of(i), i % 2 == 0 ? "even" : "odd", payload(10)));
    if (i < 4) cache.shift();
  }
  // Windows (newest first): id-4, id-3, id-2 | id-1, id-0.
  EXPECT_EQ(cache.gossip_ids("even"), (std::vector<MessageId>{id_of(4), id_of(2)}));
  EXPECT_EQ(cache.gossip_ids("odd"), (std::vector<MessageId>{id_of(3)}));
  for (int i = 0; i < 5; ++i) EXPECT_NE(cache.get(id_of(i)), nullptr) << i;
  cache.shift();  // id-0 leaves the history
  EXPECT_EQ(cache.get(id_of(0)), nullptr);
  EXPECT_NE(cache.get(id_of(1)), nullptr);
  EXPECT_EQ(cache.size(), 4u);
  for (int i = 0; i < 5; ++i) cache.shift();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_TRUE(cache.put(id_of(9), "t", payload(1)));
  EXPECT_FALSE(cache.put(id_of(9), "t", payload(1)));  // duplicate
}

TEST(MessageCache, BoundsEvictTheOldestFirst) {
  MessageCache by_count(5, 3, 4, 1 << 20);
  for (int i = 0; i < 10; ++i) {
    by_count.put(id_of(i), "t", payload(10));
    EXPECT_LE(by_count.size(), 4u);
  }
  EXPECT_EQ(by_count.get(id_of(5)), nullptr);
  EXPECT_NE(by_count.get(id_of(6)), nullptr);
  EXPECT_EQ(by_count.evicted(), 6u);

  MessageCache by_bytes(5, 3, 1000, 100);
  for (int i = 0; i < 10; ++i) {
    by_bytes.put(id_of(i), "t", payload(30));
    EXPECT_LE(by_bytes.bytes(), 100u);
  }
  EXPECT_EQ(by_bytes.size(), 2u);  // 30 + 4-byte id each
  EXPECT_NE(by_bytes.get(id_of(9)), nullptr);
  // Eviction keeps gossip consistent with what can be served.
  EXPECT_EQ(by_bytes.gossip_ids("t"), (std::vector<MessageId>{id_of(9), id_of(8)}));
}

TEST(MessageCache, IwantRetransmissionsAreLimitedPerPeer) {
  MessageCache cache(5, 3, 100, 1 << 20);
  cache.put(id_of(1), "t", payload(5));
  bool refused = false;
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(cache.get_for_iwant(id_of(1), "peer-a", 3, &refused), nullptr);
    EXPECT_FALSE(refused);
  }
  EXPECT_EQ(cache.get_for_iwant(id_of(1), "peer-a", 3, &refused), nullptr);
  EXPECT_TRUE(refused);
  // Another peer has its own count.
  EXPECT_NE(cache.get_for_iwant(id_of(1), "peer-b", 3, &refused), nullptr);
  EXPECT_FALSE(refused);
  // Unknown ids are not refusals.
  EXPECT_EQ(cache.get_for_iwant(id_of(2), "peer-a", 3, &refused), nullptr);
  EXPECT_FALSE(refused);
}

}  // namespace
}  // namespace ff::net
