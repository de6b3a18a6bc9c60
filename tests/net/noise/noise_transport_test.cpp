#include "net/noise/noise_transport.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <vector>

#include "core/rng.hpp"
#include "tests/net/noise/noise_test_support.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

NoiseKey key(std::uint8_t fill) {
  NoiseKey k;
  k.fill(fill);
  return k;
}

// Two ends of one channel: a's send key is b's receive key and vice versa.
struct Channel {
  NoiseTransport a{CipherState(key(1)), CipherState(key(2))};
  NoiseTransport b{CipherState(key(2)), CipherState(key(1))};
};

Bytes pattern(std::size_t size, std::uint64_t seed = 9) {
  Rng rng(seed);
  Bytes bytes(size);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(rng.next());
  return bytes;
}

// Splits a stream of frames into (length prefix + message) frames.
std::vector<Bytes> split_frames(const Bytes& wire) {
  std::vector<Bytes> frames;
  std::size_t offset = 0;
  while (offset < wire.size()) {
    const std::size_t length = (std::size_t{wire[offset]} << 8) | wire[offset + 1];
    frames.emplace_back(wire.begin() + static_cast<std::ptrdiff_t>(offset),
                        wire.begin() + static_cast<std::ptrdiff_t>(offset + 2 + length));
    offset += 2 + length;
  }
  return frames;
}

// Feeds `wire` in chunks (size `chunk`, or random 1..64 KiB when 0), draining plaintext as
// a runtime would; returns all plaintext, or fails the test on an error.
Bytes deliver(NoiseTransport& receiver, ByteView wire, std::size_t chunk, std::uint64_t seed = 1) {
  Rng rng(seed);
  Bytes plaintext;
  std::size_t offset = 0;
  std::size_t rounds = 0;
  while (offset < wire.size()) {
    const std::size_t size = chunk != 0 ? chunk : 1 + rng.below(64 * 1024);
    ByteView piece = wire.subspan(offset, std::min(size, wire.size() - offset));
    auto consumed = receiver.feed(piece);
    if (!consumed.ok()) {
      ADD_FAILURE() << consumed.error().message;
      return plaintext;
    }
    offset += *consumed;
    Bytes taken = receiver.take_plaintext();
    plaintext.insert(plaintext.end(), taken.begin(), taken.end());
    if (++rounds > 10 * wire.size() + 10) {
      ADD_FAILURE() << "no progress";
      return plaintext;
    }
  }
  return plaintext;
}

TEST(NoiseTransport, RoundTripsAtTheFrameBoundaries) {
  struct Case {
    std::size_t bytes;
    std::size_t frames;
  };
  for (const Case c : {Case{0, 1}, Case{1, 1}, Case{kMaxNoiseTransportPlaintextBytes, 1},
                       Case{kMaxNoiseTransportPlaintextBytes + 1, 2}, Case{1 << 20, 17}}) {
    Channel channel;
    const Bytes data = pattern(c.bytes);
    auto wire = channel.a.encrypt(data);
    ASSERT_TRUE(wire.ok());
    const std::vector<Bytes> frames = split_frames(*wire);
    EXPECT_EQ(frames.size(), c.frames) << c.bytes;
    EXPECT_EQ(wire->size(), c.bytes + c.frames * (kNoiseFrameHeaderBytes + kNoiseTagBytes)) << c.bytes;
    for (const Bytes& frame : frames) EXPECT_LE(frame.size() - 2, kMaxNoiseMessageBytes);
    if (c.bytes == kMaxNoiseTransportPlaintextBytes) {
      EXPECT_EQ(frames[0][0], 0xff);  // exactly 65535
      EXPECT_EQ(frames[0][1], 0xff);
    }
    EXPECT_EQ(deliver(channel.b, *wire, 0), data) << c.bytes;
    EXPECT_FALSE(channel.b.has_partial_frame());
  }
}

TEST(NoiseTransport, OneByteAtATimeAndRandomChunking) {
  Channel channel;
  const Bytes data = pattern(70000);
  const Bytes wire = channel.a.encrypt(data).value();
  EXPECT_EQ(deliver(channel.b, wire, 1), data);
  for (std::uint64_t seed : testing::property_seeds(8)) {
    Channel fresh;
    const Bytes message = pattern(200000, seed);
    const Bytes encrypted = fresh.a.encrypt(message).value();
    EXPECT_EQ(deliver(fresh.b, encrypted, 0, seed), message) << testing::seed_note(seed);
  }
}

TEST(NoiseTransport, BothDirectionsAreIndependent) {
  Channel channel;
  const Bytes ab = channel.a.encrypt(as_bytes("from a")).value();
  const Bytes ba = channel.b.encrypt(as_bytes("from b")).value();
  EXPECT_EQ(deliver(channel.b, ab, 1000), to_bytes("from a"));
  EXPECT_EQ(deliver(channel.a, ba, 1000), to_bytes("from b"));
  // A message sent by a cannot be fed back to a: it is under the other key.
  Channel other;
  const Bytes own = other.a.encrypt(as_bytes("echo")).value();
  EXPECT_FALSE(other.a.feed(own).ok());
}

TEST(NoiseTransport, ReplayedFrameFailsDecryption) {
  Channel channel;
  const Bytes first = channel.a.encrypt(as_bytes("one")).value();
  ASSERT_EQ(channel.b.feed(first).value(), first.size());
  auto replay = channel.b.feed(first);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code, Errc::kInvalidInput);
  EXPECT_TRUE(channel.b.has_failed());
}

TEST(NoiseTransport, ReorderedFramesFailDecryption) {
  Channel channel;
  const Bytes first = channel.a.encrypt(as_bytes("one")).value();
  const Bytes second = channel.a.encrypt(as_bytes("two")).value();
  auto out_of_order = channel.b.feed(second);
  ASSERT_FALSE(out_of_order.ok());
  EXPECT_EQ(out_of_order.error().code, Errc::kInvalidInput);
  // The failure is final: even the right frame is refused now, with the same error.
  auto after = channel.b.feed(first);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().message, out_of_order.error().message);
  EXPECT_FALSE(channel.b.encrypt(as_bytes("x")).ok());
}

TEST(NoiseTransport, EveryTamperedByteIsDetected) {
  Channel reference;
  const Bytes wire = reference.a.encrypt(as_bytes("tamper with me")).value();
  for (std::size_t position = 0; position < wire.size(); ++position) {
    Channel channel;
    Bytes bad = channel.a.encrypt(as_bytes("tamper with me")).value();
    ASSERT_EQ(bad, wire);
    bad[position] ^= 0x01;
    auto consumed = channel.b.feed(bad);
    const Bytes plaintext = channel.b.take_plaintext();
    EXPECT_TRUE(plaintext.empty()) << position;
    if (position < kNoiseFrameHeaderBytes) {
      // A changed length either cuts the message short (a bad tag) or leaves the receiver
      // waiting for more bytes; it never yields plaintext.
      EXPECT_TRUE(!consumed.ok() || channel.b.has_partial_frame()) << position;
    } else {
      EXPECT_FALSE(consumed.ok()) << position;
    }
  }
}

TEST(NoiseTransport, EmptyAndTagOnlyFramesBehave) {
  Channel channel;
  // A zero-length noise message cannot hold a tag.
  const Bytes empty_frame = {0x00, 0x00};
  auto consumed = channel.b.feed(empty_frame);
  ASSERT_FALSE(consumed.ok());
  EXPECT_EQ(consumed.error().code, Errc::kInvalidInput);

  Channel fresh;
  const Bytes tag_only = fresh.a.encrypt({}).value();
  EXPECT_EQ(tag_only.size(), kNoiseFrameHeaderBytes + kNoiseTagBytes);
  EXPECT_EQ(fresh.b.feed(tag_only).value(), tag_only.size());
  EXPECT_TRUE(fresh.b.take_plaintext().empty());
  EXPECT_FALSE(fresh.b.has_failed());
}

TEST(NoiseTransport, PlaintextBufferingIsBounded) {
  Channel channel;
  const Bytes data = pattern(1 << 20);
  const Bytes wire = channel.a.encrypt(data).value();
  auto consumed = channel.b.feed(wire);
  ASSERT_TRUE(consumed.ok());
  EXPECT_LT(*consumed, wire.size()) << "a megabyte must not be buffered at once";
  EXPECT_GE(channel.b.buffered_plaintext_bytes(), kMaxBufferedPlaintextBytes);
  EXPECT_LT(channel.b.buffered_plaintext_bytes(),
            kMaxBufferedPlaintextBytes + kMaxNoiseTransportPlaintextBytes);
  // Without take_plaintext() nothing more is accepted.
  EXPECT_EQ(channel.b.feed(ByteView(wire).subspan(*consumed)).value(), 0u);
  Bytes received = channel.b.take_plaintext();
  const Bytes rest = deliver(channel.b, ByteView(wire).subspan(*consumed), 0);
  received.insert(received.end(), rest.begin(), rest.end());
  EXPECT_EQ(received, data);
}

TEST(NoiseTransport, NonceExhaustionIsAnErrorOnBothSides) {
  CipherState send(key(3)), receive(key(3));
  send.set_nonce(kNoiseMaxNonce - 1);
  receive.set_nonce(kNoiseMaxNonce - 1);
  NoiseTransport sender(send, CipherState(key(4)));
  NoiseTransport receiver(CipherState(key(4)), receive);
  const Bytes last = sender.encrypt(as_bytes("last")).value();
  EXPECT_EQ(deliver(receiver, last, 1000), to_bytes("last"));
  auto refused = sender.encrypt(as_bytes("more"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kLimitExceeded);
  EXPECT_TRUE(sender.has_failed());

  // The receiver's counter is at the reserved value too: any further frame is refused.
  CipherState forged(key(3));
  forged.set_nonce(kNoiseMaxNonce - 1);
  NoiseTransport forger(forged, CipherState(key(4)));
  const Bytes again = forger.encrypt(as_bytes("x")).value();
  auto consumed = receiver.feed(again);
  ASSERT_FALSE(consumed.ok());
  EXPECT_EQ(consumed.error().code, Errc::kLimitExceeded);
}

TEST(NoiseTransport, MultiFrameEncryptFailingMidwayWritesNothing) {
  CipherState send(key(5));
  send.set_nonce(kNoiseMaxNonce - 1);  // room for exactly one more frame
  NoiseTransport sender(send, CipherState(key(6)));
  Bytes out = to_bytes("kept");
  auto status = sender.encrypt_into(pattern(kMaxNoiseTransportPlaintextBytes + 1), out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(out, to_bytes("kept"));
}

// Delivers `wire` the way the connection does: reads of `read_bytes` (random 1..read
// buffer when 0) appended to one buffer of kMaxNoiseFrameBytes + 64 KiB, complete frames
// opened in place, the incomplete rest moved to the front.
Bytes deliver_in_place(NoiseTransport& receiver, ByteView wire, std::size_t read_bytes, std::uint64_t seed) {
  Rng rng(seed);
  Bytes buffer(kMaxNoiseFrameBytes + 64 * 1024);
  std::size_t filled = 0;
  std::size_t offset = 0;
  Bytes plaintext;
  while (offset < wire.size()) {
    const std::size_t room = buffer.size() - filled;
    const std::size_t want = read_bytes != 0 ? read_bytes : 1 + rng.below(room);
    const std::size_t n = std::min({want, room, wire.size() - offset});
    std::copy_n(wire.begin() + static_cast<std::ptrdiff_t>(offset), n,
                buffer.begin() + static_cast<std::ptrdiff_t>(filled));
    offset += n;
    filled += n;
    std::size_t opened = 0;
    while (true) {
      auto frame =
          receiver.open_frame_in_place(std::span<std::uint8_t>(buffer).subspan(opened, filled - opened));
      if (!frame.ok()) {
        ADD_FAILURE() << frame.error().message;
        return plaintext;
      }
      if (!frame->has_value()) break;
      plaintext.insert(plaintext.end(), (*frame)->plaintext.begin(), (*frame)->plaintext.end());
      opened += (*frame)->frame_bytes;
    }
    if (opened == 0) continue;
    std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(opened),
              buffer.begin() + static_cast<std::ptrdiff_t>(filled), buffer.begin());
    filled -= opened;
  }
  EXPECT_EQ(filled, 0u) << "an incomplete frame was left over";
  return plaintext;
}

TEST(NoiseTransport, InPlaceOpeningMatchesFeedForAnyReadSize) {
  for (std::size_t read_bytes : {std::size_t{1}, std::size_t{17}, kMaxNoiseFrameBytes, std::size_t{0}}) {
    for (std::uint64_t seed : testing::property_seeds(4)) {
      Channel channel;
      // Several batches, as a connection sends them: large ones span many frames.
      Bytes wire, data;
      for (std::size_t size :
           {std::size_t{0}, std::size_t{5}, std::size_t{200000}, kMaxNoiseTransportPlaintextBytes}) {
        const Bytes batch = pattern(size, seed + size);
        ASSERT_TRUE(channel.a.encrypt_into(batch, wire).ok());
        data.insert(data.end(), batch.begin(), batch.end());
      }
      EXPECT_EQ(deliver_in_place(channel.b, wire, read_bytes, seed), data)
          << "read size " << read_bytes << " " << testing::seed_note(seed);
      EXPECT_FALSE(channel.b.has_failed());
    }
  }
}

TEST(NoiseTransport, InPlaceOpeningWaitsForACompleteFrame) {
  Channel channel;
  Bytes wire = channel.a.encrypt(as_bytes("whole frames only")).value();
  for (std::size_t size = 0; size < wire.size(); ++size) {
    auto frame = channel.b.open_frame_in_place(std::span<std::uint8_t>(wire).first(size));
    ASSERT_TRUE(frame.ok()) << size;
    EXPECT_FALSE(frame->has_value()) << size;
  }
  auto frame = channel.b.open_frame_in_place(wire);
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ((*frame)->frame_bytes, wire.size());
  EXPECT_EQ(Bytes((*frame)->plaintext.begin(), (*frame)->plaintext.end()), to_bytes("whole frames only"));
}

TEST(NoiseTransport, InPlaceOpeningOfATamperedFrameFailsForGood) {
  Channel channel;
  Bytes first = channel.a.encrypt(as_bytes("one")).value();
  Bytes second = channel.a.encrypt(as_bytes("two")).value();
  first[kNoiseFrameHeaderBytes] ^= 0x01;
  auto bad = channel.b.open_frame_in_place(first);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalidInput);
  EXPECT_TRUE(channel.b.has_failed());
  first[kNoiseFrameHeaderBytes] ^= 0x01;  // the genuine frame is refused too now
  EXPECT_FALSE(channel.b.open_frame_in_place(first).ok());
  EXPECT_FALSE(channel.b.open_frame_in_place(second).ok());
}

TEST(NoiseTransport, InPlaceOpeningRefusesToSkipAFrameFeedHoldsPart) {
  Channel channel;
  Bytes wire = channel.a.encrypt(as_bytes("split between the two paths")).value();
  ASSERT_EQ(channel.b.feed(ByteView(wire).first(5)).value(), 5u);
  ASSERT_TRUE(channel.b.has_partial_frame());
  auto mixed = channel.b.open_frame_in_place(std::span<std::uint8_t>(wire).subspan(5));
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().code, Errc::kInvalidInput);
}

TEST(NoiseTransport, EncryptedBytesPredictsTheWireSize) {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, kMaxNoiseTransportPlaintextBytes,
                           kMaxNoiseTransportPlaintextBytes + 1, std::size_t{1} << 20}) {
    Channel channel;
    EXPECT_EQ(channel.a.encrypt(pattern(size)).value().size(), NoiseTransport::encrypted_bytes(size)) << size;
  }
}

TEST(NoiseTransport, EncryptToMatchesEncryptIntoAndRefusesASmallBuffer) {
  Channel copying, direct;
  const Bytes data = pattern(3 * kMaxNoiseTransportPlaintextBytes + 11);
  const Bytes expected = copying.a.encrypt(data).value();
  Bytes out(NoiseTransport::encrypted_bytes(data.size()) + 5, 0xaa);
  auto written = direct.a.encrypt_to(data, out);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, expected.size());
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*written)), expected);
  EXPECT_EQ(out.back(), 0xaa) << "wrote past the frames";
  Bytes small(NoiseTransport::encrypted_bytes(data.size()) - 1);
  auto refused = direct.a.encrypt_to(data, small);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kInvalidInput);
  // The refusal used no nonce: the next batch still decrypts on the other side.
  const Bytes next = direct.a.encrypt(as_bytes("next")).value();
  EXPECT_EQ(deliver(direct.b, expected, 0), data);
  EXPECT_EQ(deliver(direct.b, next, 0), to_bytes("next"));
}

}  // namespace
}  // namespace ff::net
