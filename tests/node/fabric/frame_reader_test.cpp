#include "node/fabric/frame_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/varint.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::node {
namespace {

Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }

std::vector<Bytes> feed_all(FrameReader& reader, ByteView input, Status* status = nullptr) {
  std::vector<Bytes> frames;
  auto result = reader.feed(input, [&](ByteView frame) { frames.emplace_back(frame.begin(), frame.end()); });
  if (status) *status = result;
  return frames;
}

TEST(FrameReader, SplitsSeveralFramesInOneChunk) {
  Bytes wire;
  append_frame(wire, bytes_of("hello"));
  append_frame(wire, bytes_of(""));
  append_frame(wire, bytes_of("world!"));
  FrameReader reader;
  Status status;
  auto frames = feed_all(reader, wire, &status);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0], bytes_of("hello"));
  EXPECT_TRUE(frames[1].empty());
  EXPECT_EQ(frames[2], bytes_of("world!"));
  EXPECT_EQ(reader.buffered_bytes(), 0u);
}

TEST(FrameReader, ReassemblesFramesSplitAtEveryByte) {
  for (std::uint64_t seed : ff::testing::property_seeds(20)) {
    Rng rng(seed);
    std::vector<Bytes> sent;
    Bytes wire;
    for (int i = 0; i < 20; ++i) {
      Bytes frame(rng.below(300));
      for (auto& b : frame) b = static_cast<std::uint8_t>(rng.below(256));
      append_frame(wire, frame);
      sent.push_back(frame);
    }
    FrameReader reader;
    std::vector<Bytes> received;
    std::size_t at = 0;
    while (at < wire.size()) {
      const std::size_t chunk = std::min<std::size_t>(wire.size() - at, 1 + rng.below(40));
      auto got = feed_all(reader, ByteView(wire.data() + at, chunk));
      received.insert(received.end(), got.begin(), got.end());
      at += chunk;
    }
    EXPECT_EQ(received, sent) << ff::testing::seed_note(seed);
  }
}

TEST(FrameReader, RejectsAFrameAboveTheLimitBeforeBufferingIt) {
  Bytes wire;
  codec::put_varint(wire, fabric::kMaxDirectFrameBytes + 1);
  FrameReader reader;
  Status status;
  auto frames = feed_all(reader, wire, &status);
  EXPECT_TRUE(frames.empty());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kLimitExceeded);
  // Stays failed: later well-formed bytes are not parsed.
  Bytes good;
  append_frame(good, bytes_of("x"));
  frames = feed_all(reader, good, &status);
  EXPECT_TRUE(frames.empty());
  EXPECT_FALSE(status.ok());
}

TEST(FrameReader, AcceptsAFrameExactlyAtTheLimit) {
  FrameReader reader(16);
  Bytes wire;
  append_frame(wire, Bytes(16, 7));
  Status status;
  auto frames = feed_all(reader, wire, &status);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], Bytes(16, 7));
}

TEST(FrameReader, RejectsANonMinimalLengthPrefix) {
  const Bytes wire = {0x81, 0x00, 'a'};  // 1 encoded in two bytes
  FrameReader reader;
  Status status;
  auto frames = feed_all(reader, wire, &status);
  EXPECT_TRUE(frames.empty());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidInput);
}

TEST(FrameReader, WaitsForTheRestOfAFrame) {
  Bytes wire;
  append_frame(wire, bytes_of("abcdef"));
  FrameReader reader;
  EXPECT_TRUE(feed_all(reader, ByteView(wire.data(), 4)).empty());
  EXPECT_EQ(reader.buffered_bytes(), 4u);
  auto frames = feed_all(reader, ByteView(wire.data() + 4, wire.size() - 4));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], bytes_of("abcdef"));
}

}  // namespace
}  // namespace ff::node
