// The protobuf codecs of docs/wire/fabric.proto: round trips, and rejection of malformed,
// truncated and oversized input.
#include "core/fabric/fabric_wire.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "core/codec/protobuf.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::fabric::wire {
namespace {

Mutation sample_mutation() {
  Mutation m;
  m.origin = 0x1122334455667788ull;
  m.seq = 7;
  m.deps = {{1, 3}, {99, 12}};
  m.object = "doc/title";
  m.kind = ObjectKind::kText;
  m.delta = {1, 2, 3, 4, 0, 255};
  m.wall_time_ms = 1700000000000ull;
  m.ack_requested = true;
  return m;
}

void expect_same(const Mutation& a, const Mutation& b) {
  EXPECT_EQ(a.origin, b.origin);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.deps, b.deps);
  EXPECT_EQ(a.object, b.object);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.delta, b.delta);
  EXPECT_EQ(a.wall_time_ms, b.wall_time_ms);
  EXPECT_EQ(a.ack_requested, b.ack_requested);
}

TEST(FabricWire, HelloRoundTrips) {
  Hello hello;
  hello.program_proof = Bytes(32, 0xAB);
  hello.sovereignty = Sovereignty::kEphemeral;
  hello.capability_tier = 3;
  hello.agent = "fluid-fabric/web";
  hello.replica = 0xFFFFFFFFFFFFFFFFull;
  hello.heads = {{5, 1}, {6, 1000000}};
  auto decoded = decode_direct(encode_direct(DirectMessage{hello}));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const Hello* back = std::get_if<Hello>(&decoded->body);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->protocol_version, kProtocolVersion);
  EXPECT_EQ(back->program_proof, hello.program_proof);
  EXPECT_EQ(back->sovereignty, Sovereignty::kEphemeral);
  EXPECT_EQ(back->capability_tier, 3u);
  EXPECT_EQ(back->agent, hello.agent);
  EXPECT_EQ(back->replica, hello.replica);
  EXPECT_EQ(back->heads, hello.heads);
}

TEST(FabricWire, AckPulseBatchSnapshotRoundTrip) {
  auto ack = decode_direct(encode_direct(DirectMessage{Ack{1, 2, 3}}));
  ASSERT_TRUE(ack.ok());
  const Ack* a = std::get_if<Ack>(&ack->body);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->origin, 1u);
  EXPECT_EQ(a->seq, 2u);
  EXPECT_EQ(a->authority, 3u);

  auto pulse = decode_direct(encode_direct(DirectMessage{Pulse{{{4, 9}}}}));
  ASSERT_TRUE(pulse.ok());
  ASSERT_NE(std::get_if<Pulse>(&pulse->body), nullptr);
  EXPECT_EQ(std::get<Pulse>(pulse->body).heads, (VersionVector{{4, 9}}));

  MutationBatch batch;
  batch.mutations = {sample_mutation(), sample_mutation()};
  batch.mutations[1].seq = 8;
  batch.mutations[1].ack_requested = false;
  auto batch_back = decode_direct(encode_direct(DirectMessage{batch}));
  ASSERT_TRUE(batch_back.ok());
  const auto& mutations = std::get<MutationBatch>(batch_back->body).mutations;
  ASSERT_EQ(mutations.size(), 2u);
  expect_same(mutations[0], batch.mutations[0]);
  expect_same(mutations[1], batch.mutations[1]);

  Snapshot snapshot;
  snapshot.heads = {{1, 2}};
  snapshot.objects = {{"a", ObjectKind::kCounter, {1, 2}}, {"b", ObjectKind::kMap, {}}};
  auto snap_back = decode_direct(encode_direct(DirectMessage{snapshot}));
  ASSERT_TRUE(snap_back.ok());
  const Snapshot& s = std::get<Snapshot>(snap_back->body);
  EXPECT_EQ(s.heads, snapshot.heads);
  ASSERT_EQ(s.objects.size(), 2u);
  EXPECT_EQ(s.objects[0].name, "a");
  EXPECT_EQ(s.objects[0].state, (Bytes{1, 2}));
  EXPECT_EQ(s.objects[1].kind, ObjectKind::kMap);
}

TEST(FabricWire, SyncMessageAndJournalRecordsRoundTrip) {
  auto sync = decode_sync(encode_sync(sample_mutation()));
  ASSERT_TRUE(sync.ok());
  expect_same(*sync, sample_mutation());

  auto record = decode_record(encode_record(JournalRecord{sample_mutation()}));
  ASSERT_TRUE(record.ok());
  expect_same(std::get<Mutation>(record->body), sample_mutation());

  auto upgrade = decode_record(encode_record(JournalRecord{Upgrade{{1, 5, 300}}}));
  ASSERT_TRUE(upgrade.ok());
  EXPECT_EQ(std::get<Upgrade>(upgrade->body).seqs, (std::vector<std::uint64_t>{1, 5, 300}));

  Snapshot snapshot;
  snapshot.heads = {{3, 4}};
  auto snap = decode_record(encode_record(JournalRecord{snapshot}));
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(std::get<Snapshot>(snap->body).heads, snapshot.heads);
}

TEST(FabricWire, UnknownFieldsAreSkipped) {
  codec::ProtoWriter extra;
  extra.append_encoded(encode_sync(sample_mutation()));
  extra.write_string(15, "from a newer version");
  extra.write_uint64(16, 5);
  auto decoded = decode_sync(extra.bytes());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  expect_same(*decoded, sample_mutation());
}

TEST(FabricWire, EveryTruncationOfAFrameIsRejected) {
  MutationBatch batch;
  batch.mutations = {sample_mutation()};
  const Bytes frame = encode_direct(DirectMessage{batch});
  for (std::size_t cut = 0; cut < frame.size(); ++cut) {
    auto decoded = decode_direct(ByteView(frame.data(), cut));
    EXPECT_FALSE(decoded.ok()) << "prefix of " << cut << " bytes decoded";
  }
}

TEST(FabricWire, OversizedFramesAndMessagesAreRejected) {
  const Bytes big(kMaxDirectFrameBytes + 1, 0);
  auto frame = decode_direct(big);
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.error().code, Errc::kLimitExceeded);
  const Bytes big_sync(kMaxGossipMessageBytes + 1, 0);
  auto sync = decode_sync(big_sync);
  ASSERT_FALSE(sync.ok());
  EXPECT_EQ(sync.error().code, Errc::kLimitExceeded);
}

// A Mutation message with one field changed by `edit`.
Bytes mutation_with(const std::function<void(codec::ProtoWriter&)>& edit) {
  codec::ProtoWriter m;
  edit(m);
  codec::ProtoWriter sync;
  sync.write_message(1, m);
  return sync.take();
}

TEST(FabricWire, InvalidMutationsAreRejected) {
  const auto base = [](codec::ProtoWriter& m) {
    m.write_fixed64(1, 9);
    m.write_string(4, "x");
  };
  // seq 0
  EXPECT_FALSE(decode_sync(mutation_with([&](codec::ProtoWriter& m) {
                 base(m);
                 m.write_enum(5, 1);
               })).ok());
  // unknown kind
  EXPECT_FALSE(decode_sync(mutation_with([&](codec::ProtoWriter& m) {
                 base(m);
                 m.write_uint64(2, 1);
                 m.write_enum(5, 9);
               })).ok());
  // bad object name
  EXPECT_FALSE(decode_sync(mutation_with([&](codec::ProtoWriter& m) {
                 m.write_uint64(2, 1);
                 m.write_string(4, "/x");
                 m.write_enum(5, 1);
               })).ok());
  // kind with the wrong wire type
  EXPECT_FALSE(decode_sync(mutation_with([&](codec::ProtoWriter& m) {
                 base(m);
                 m.write_uint64(2, 1);
                 m.write_fixed32(5, 1);
               })).ok());
  // the valid one
  EXPECT_TRUE(decode_sync(mutation_with([&](codec::ProtoWriter& m) {
                base(m);
                m.write_uint64(2, 1);
                m.write_enum(5, 1);
              })).ok());
}

Bytes pulse_with_entries(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& entries) {
  codec::ProtoWriter vv;
  for (const auto& [replica, seq] : entries) {
    codec::ProtoWriter entry;
    entry.write_fixed64(1, replica);
    entry.write_uint64(2, seq);
    vv.write_message(1, entry);
  }
  codec::ProtoWriter pulse;
  pulse.write_message(1, vv);
  codec::ProtoWriter frame;
  frame.write_message(3, pulse);
  return frame.take();
}

TEST(FabricWire, VersionVectorsMustBeSortedUniquePositiveAndBounded) {
  EXPECT_TRUE(decode_direct(pulse_with_entries({{1, 1}, {2, 1}})).ok());
  EXPECT_FALSE(decode_direct(pulse_with_entries({{2, 1}, {1, 1}})).ok());  // unsorted
  EXPECT_FALSE(decode_direct(pulse_with_entries({{1, 1}, {1, 2}})).ok());  // duplicate
  EXPECT_FALSE(decode_direct(pulse_with_entries({{1, 0}})).ok());          // zero seq
  std::vector<std::pair<std::uint64_t, std::uint64_t>> many;
  for (std::uint64_t r = 1; r <= kMaxVersionVectorEntries + 1; ++r) many.push_back({r, 1});
  auto too_many = decode_direct(pulse_with_entries(many));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, Errc::kLimitExceeded);
}

TEST(FabricWire, EmptyAndBodilessInputIsRejected) {
  EXPECT_FALSE(decode_direct({}).ok());
  EXPECT_FALSE(decode_sync({}).ok());
  EXPECT_FALSE(decode_record({}).ok());
  codec::ProtoWriter hello_without_sovereignty;
  codec::ProtoWriter body;
  body.write_uint32(1, 1);
  hello_without_sovereignty.write_message(1, body);
  EXPECT_FALSE(decode_direct(hello_without_sovereignty.bytes()).ok());
}

TEST(FabricWire, RandomBytesNeverCrashTheDecoders) {
  for (const std::uint64_t seed : ff::testing::property_seeds(50)) {
    Rng rng(seed);
    MutationBatch batch;
    batch.mutations = {sample_mutation()};
    Bytes frame = encode_direct(DirectMessage{batch});
    for (int round = 0; round < 200; ++round) {
      Bytes input = frame;
      const std::uint64_t flips = 1 + rng.below(4);
      for (std::uint64_t k = 0; k < flips; ++k) {
        input[rng.below(input.size())] = static_cast<std::uint8_t>(rng.next());
      }
      auto direct = decode_direct(input);
      auto sync = decode_sync(input);
      auto record = decode_record(input);
      // A frame that still decodes re-encodes to something that decodes again.
      if (direct.ok()) {
        EXPECT_TRUE(decode_direct(encode_direct(*direct)).ok()) << ff::testing::seed_note(seed);
      }
      (void)sync;
      (void)record;
    }
  }
}

}  // namespace
}  // namespace ff::fabric::wire
