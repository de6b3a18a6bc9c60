// Property checks every CRDT of ours must pass, generic over the type X and a random-op
// generator (a function that performs one random local mutation as a given replica and
// returns its delta). Each check loops over fixed seeds and attaches the seed to every
// assertion, so a failure names the seed that reproduces it (STYLE.md 10).
//
// X must provide: default construction (bottom), merge, apply, ==, encode, decode. The
// generators (crdt_generators.hpp) collide replica ids, elements and wall times on
// purpose; convergence must hold even when two replicas share an id.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/crdt/delta_buffer.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::crdt::proptest {

using ff::testing::property_seeds;
using ff::testing::seed_note;

// Performs one random local mutation of `state` as `replica` and returns its delta.
template <class X>
using RandomOp = std::function<X(X& state, ReplicaId replica, Rng& rng)>;

// Replica ids drawn from a pool this small make two replicas share an id often. The
// extremes of the range are in it so orderings on ids meet their edge cases.
inline ReplicaId pick_colliding_replica(Rng& rng) {
  static constexpr ReplicaId kPool[] = {1, 2, 0x8000000000000000ULL, 0xffffffffffffffffULL};
  return kPool[rng.below(4)];
}

// Replica ids for `count` replicas: half of the seeds give distinct ids, the other half
// draw from the colliding pool (with 5 replicas and a pool of 4, some id repeats).
inline std::vector<ReplicaId> pick_replica_ids(Rng& rng, std::size_t count) {
  std::vector<ReplicaId> ids;
  const bool collide = rng.chance(1, 2);
  for (std::size_t i = 0; i < count; ++i) {
    ids.push_back(collide ? pick_colliding_replica(rng) : 0x1000 + 0x9e37 * i + rng.below(0x9e37));
  }
  return ids;
}

template <class X>
X joined(const X& a, const X& b) {
  X result = a;
  result.merge(b);
  return result;
}

template <class T>
void shuffle(std::vector<T>& items, Rng& rng) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(i)]);
}

// A random run of a few replicas doing local ops and exchanging deltas and states. Every
// op is checked to be a delta-mutator: the new state equals the old state joined with the
// returned delta (what makes shipping deltas instead of states correct).
template <class X>
struct History {
  std::vector<X> states;  // snapshots of replica states along the way, and the final ones
  std::vector<X> deltas;  // every delta produced
};

template <class X>
History<X> random_history(const RandomOp<X>& op, Rng& rng, std::size_t steps, std::uint64_t seed) {
  const std::size_t replica_count = 3;
  const std::vector<ReplicaId> ids = pick_replica_ids(rng, replica_count);
  std::vector<X> replicas(replica_count);
  History<X> history;
  history.states.emplace_back();  // bottom
  for (std::size_t step = 0; step < steps; ++step) {
    const std::size_t actor = rng.below(replica_count);
    const std::uint64_t roll = rng.below(10);
    if (roll < 6) {
      const X before = replicas[actor];
      X delta = op(replicas[actor], ids[actor], rng);
      if (!(joined(before, delta) == replicas[actor])) {
        ADD_FAILURE() << "a mutator's delta joined into the old state differs from the new state; "
                      << seed_note(seed);
      }
      history.deltas.push_back(std::move(delta));
    } else if (roll < 8 && !history.deltas.empty()) {
      replicas[actor].apply(history.deltas[rng.below(history.deltas.size())]);
    } else {
      replicas[actor].merge(replicas[rng.below(replica_count)]);
    }
    if (rng.chance(1, 4)) history.states.push_back(replicas[actor]);
  }
  for (const X& state : replicas) history.states.push_back(state);
  return history;
}

// merge is a join: commutative, associative, idempotent, inflationary, with the default
// state as identity; equal results encode to identical bytes.
template <class X>
void check_lattice(const RandomOp<X>& op, std::size_t seed_count, std::size_t steps) {
  for (std::uint64_t seed : property_seeds(seed_count)) {
    Rng rng(seed);
    History<X> history = random_history(op, rng, steps, seed);
    ASSERT_FALSE(::testing::Test::HasFailure()) << seed_note(seed);
    for (int trial = 0; trial < 4; ++trial) {
      const X& a = history.states[rng.below(history.states.size())];
      const X& b = history.states[rng.below(history.states.size())];
      const X& c = history.states[rng.below(history.states.size())];
      const X ab = joined(a, b);
      const X ba = joined(b, a);
      ASSERT_TRUE(ab == ba) << "merge is not commutative; " << seed_note(seed);
      ASSERT_EQ(ab.encode(), ba.encode()) << "equal states encode differently; " << seed_note(seed);
      ASSERT_TRUE(joined(ab, c) == joined(a, joined(b, c)))
          << "merge is not associative; " << seed_note(seed);
      ASSERT_TRUE(joined(a, a) == a) << "merge is not idempotent; " << seed_note(seed);
      ASSERT_TRUE(joined(ab, a) == ab) << "merge(a, b) is not >= a; " << seed_note(seed);
      ASSERT_TRUE(joined(ab, b) == ab) << "merge(a, b) is not >= b; " << seed_note(seed);
      ASSERT_TRUE(joined(X{}, a) == a) << "the default state is not the identity; " << seed_note(seed);
      ASSERT_TRUE(joined(a, X{}) == a) << "the default state is not the identity; " << seed_note(seed);
    }
  }
}

// Deltas delivered in any order, some of them twice, build the same state as merging the
// replicas' full states.
template <class X>
void check_delta_delivery(const RandomOp<X>& op, std::size_t seed_count, std::size_t steps) {
  for (std::uint64_t seed : property_seeds(seed_count)) {
    Rng rng(seed);
    History<X> history = random_history(op, rng, steps, seed);
    ASSERT_FALSE(::testing::Test::HasFailure()) << seed_note(seed);
    // Every replica state in the history is the join of deltas it produced or applied, so
    // the join of all deltas is the join of all states.
    X full;
    for (const X& state : history.states) full.merge(state);
    std::vector<const X*> deliveries;
    for (const X& delta : history.deltas) {
      deliveries.push_back(&delta);
      if (rng.chance(1, 3)) deliveries.push_back(&delta);  // duplicated in flight
    }
    shuffle(deliveries, rng);
    X receiver;
    for (const X* delta : deliveries) receiver.apply(*delta);
    ASSERT_TRUE(receiver == full) << "deltas in order " << deliveries.size()
                                  << " differ from the full merge; " << seed_note(seed);
    ASSERT_EQ(receiver.encode(), full.encode()) << seed_note(seed);
  }
}

// What check_convergence saw, so a test can require that the interesting paths ran.
struct ConvergenceStats {
  std::size_t deltas_applied = 0;
  std::size_t messages_lost = 0;
  std::size_t catch_ups_by_delta = 0;
  std::size_t catch_ups_by_full_state = 0;  // the delta buffer said "too old"
};

// 5 replicas do random ops; each ships its deltas to the replicas it can reach, keeps
// them in a small DeltaBuffer, and catches peers up from it (or with its full state once
// the buffer has dropped what they miss). The network partitions and heals at random,
// loses, duplicates and reorders messages. After a final heal and catch-up every replica
// must hold the same state, byte for byte.
template <class X>
void check_convergence(const RandomOp<X>& op, std::size_t seed_count, std::size_t steps,
                       ConvergenceStats& stats) {
  constexpr std::size_t kReplicas = 5;
  struct Message {
    std::size_t from;
    std::size_t to;
    std::uint64_t seq;
    X delta;
  };
  struct Replica {
    ReplicaId id;
    X state;
    DeltaBuffer<X> buffer;
    std::vector<std::uint64_t> have;              // per sender: every seq <= have applied
    std::vector<std::set<std::uint64_t>> beyond;  // per sender: applied seqs above have
  };
  for (std::uint64_t seed : property_seeds(seed_count)) {
    Rng rng(seed);
    const std::vector<ReplicaId> ids = pick_replica_ids(rng, kReplicas);
    const std::size_t buffer_capacity = 2 + rng.below(10);
    std::vector<Replica> replicas;
    for (std::size_t i = 0; i < kReplicas; ++i) {
      replicas.push_back(Replica{ids[i], X{}, DeltaBuffer<X>(buffer_capacity),
                                 std::vector<std::uint64_t>(kReplicas, 0),
                                 std::vector<std::set<std::uint64_t>>(kReplicas)});
    }
    std::vector<std::size_t> group(kReplicas, 0);  // replicas talk iff in the same group
    std::vector<Message> in_flight;

    auto record = [&](Replica& target, std::size_t from, std::uint64_t seq) {
      if (seq <= target.have[from]) return;
      target.beyond[from].insert(seq);
      while (!target.beyond[from].empty() && *target.beyond[from].begin() == target.have[from] + 1) {
        target.beyond[from].erase(target.beyond[from].begin());
        ++target.have[from];
      }
    };
    auto catch_up = [&](std::size_t source, std::size_t target) {
      Replica& from = replicas[source];
      Replica& to = replicas[target];
      auto missing = from.buffer.since(to.have[source]);
      if (missing.ok()) {
        std::uint64_t seq = to.have[source];
        for (const X& delta : *missing) {
          to.state.apply(delta);
          record(to, source, ++seq);
        }
        ++stats.catch_ups_by_delta;
      } else {
        to.state.merge(from.state);
        to.have[source] = from.buffer.last_seq();
        to.beyond[source].clear();
        ++stats.catch_ups_by_full_state;
      }
    };

    for (std::size_t step = 0; step < steps; ++step) {
      const std::uint64_t roll = rng.below(100);
      if (roll < 45) {
        const std::size_t actor = rng.below(kReplicas);
        Replica& replica = replicas[actor];
        X delta = op(replica.state, replica.id, rng);
        const std::uint64_t seq = replica.buffer.push(delta);
        for (std::size_t to = 0; to < kReplicas; ++to) {
          if (to == actor || group[to] != group[actor]) continue;
          if (rng.chance(1, 10)) {
            ++stats.messages_lost;
            continue;
          }
          in_flight.push_back(Message{actor, to, seq, delta});
          if (rng.chance(1, 10)) in_flight.push_back(Message{actor, to, seq, delta});
        }
      } else if (roll < 80 && !in_flight.empty()) {
        // Any message may be next: delivery order is random.
        const std::size_t index = rng.below(in_flight.size());
        Message message = std::move(in_flight[index]);
        in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(index));
        if (group[message.from] != group[message.to]) {
          ++stats.messages_lost;  // the link went down while it was in flight
          continue;
        }
        replicas[message.to].state.apply(message.delta);
        record(replicas[message.to], message.from, message.seq);
        ++stats.deltas_applied;
      } else if (roll < 90) {
        const std::size_t source = rng.below(kReplicas);
        const std::size_t target = rng.below(kReplicas);
        if (source != target && group[source] == group[target]) catch_up(source, target);
      } else if (roll < 95) {
        const std::size_t groups = 1 + rng.below(3);
        for (std::size_t& g : group) g = rng.below(groups);
      }
    }

    // Heal: deliver what is still in flight, then every replica catches every other up.
    for (Message& message : in_flight) {
      replicas[message.to].state.apply(message.delta);
      record(replicas[message.to], message.from, message.seq);
    }
    for (std::size_t source = 0; source < kReplicas; ++source) {
      for (std::size_t target = 0; target < kReplicas; ++target) {
        if (source != target) catch_up(source, target);
      }
    }
    const Bytes expected = replicas[0].state.encode();
    for (std::size_t i = 1; i < kReplicas; ++i) {
      ASSERT_TRUE(replicas[i].state == replicas[0].state)
          << "replica " << i << " diverged; " << seed_note(seed);
      ASSERT_EQ(replicas[i].state.encode(), expected)
          << "replica " << i << " encodes differently; " << seed_note(seed);
    }
  }
}

// decode(encode(x)) == x and re-encodes to the same bytes, for states and deltas.
template <class X>
void check_round_trip(const RandomOp<X>& op, std::size_t seed_count, std::size_t steps) {
  for (std::uint64_t seed : property_seeds(seed_count)) {
    Rng rng(seed);
    History<X> history = random_history(op, rng, steps, seed);
    std::vector<const X*> samples;
    for (const X& state : history.states) samples.push_back(&state);
    for (const X& delta : history.deltas) samples.push_back(&delta);
    for (const X* sample : samples) {
      const Bytes bytes = sample->encode();
      auto decoded = X::decode(bytes);
      ASSERT_TRUE(decoded.ok()) << decoded.error().message << "; " << seed_note(seed);
      ASSERT_TRUE(*decoded == *sample) << "round trip changed the state; " << seed_note(seed);
      ASSERT_EQ(decoded->encode(), bytes) << seed_note(seed);
    }
  }
}

// Hostile bytes: every strict prefix of a valid encoding, random bytes (with and without
// a valid envelope), mutated encodings, another version, trailing bytes. Decoding returns
// an error or, when the bytes happen to be a valid state, one that re-encodes to exactly
// those bytes and is in normal form (the decoder accepts canonical encodings only).
// Never a crash: the sanitizer builds run this.
template <class X>
void check_hostile_bytes(const RandomOp<X>& op, std::size_t seed_count, std::size_t steps) {
  // A decoded state must re-encode to the same bytes and already be in normal form
  // (joining it into the empty state, which normalises, changes nothing).
  auto decode_is_error_or_canonical = [](const Bytes& bytes) {
    auto decoded = X::decode(bytes);
    return !decoded.ok() || (decoded->encode() == bytes && joined(X{}, *decoded) == *decoded);
  };
  for (std::uint64_t seed : property_seeds(seed_count)) {
    Rng rng(seed);
    History<X> history = random_history(op, rng, steps, seed);
    const X& state = history.states[rng.below(history.states.size())];
    const Bytes valid = state.encode();
    for (std::size_t length = 0; length < valid.size(); ++length) {
      auto decoded = X::decode(ByteView(valid.data(), length));
      ASSERT_FALSE(decoded.ok()) << "a " << length << "-byte prefix of a " << valid.size()
                                 << "-byte encoding decoded; " << seed_note(seed);
      ASSERT_TRUE(decoded.error().code == Errc::kTruncated || decoded.error().code == Errc::kInvalidInput)
          << errc_name(decoded.error().code) << "; " << seed_note(seed);
    }
    Bytes other_version = valid;
    other_version[0] = static_cast<std::uint8_t>(kEncodingVersion + 1);
    auto unsupported = X::decode(other_version);
    ASSERT_FALSE(unsupported.ok()) << seed_note(seed);
    ASSERT_EQ(unsupported.error().code, Errc::kUnsupported) << seed_note(seed);
    Bytes trailing = valid;
    trailing.push_back(0);
    ASSERT_FALSE(X::decode(trailing).ok()) << "trailing byte accepted; " << seed_note(seed);

    for (int trial = 0; trial < 16; ++trial) {
      Bytes mutated = valid;
      const std::size_t flips = 1 + rng.below(3);
      for (std::size_t f = 0; f < flips; ++f) {
        // Zero and one make the non-canonical cases (zero counts, empty entries, folded
        // dots) likely; 0xff makes varints run on.
        static constexpr std::uint8_t kInteresting[] = {0x00, 0x01, 0x02, 0xff};
        mutated[rng.below(mutated.size())] =
            rng.chance(1, 2) ? kInteresting[rng.below(4)] : static_cast<std::uint8_t>(rng.below(256));
      }
      ASSERT_TRUE(decode_is_error_or_canonical(mutated))
          << "mutated bytes decoded non-canonically; " << seed_note(seed);
      Bytes random(rng.below(48));
      for (std::uint8_t& byte : random) byte = static_cast<std::uint8_t>(rng.below(256));
      ASSERT_TRUE(decode_is_error_or_canonical(random)) << seed_note(seed);
      // Keep the envelope (version and signature) so the body parser sees the garbage.
      Bytes enveloped(valid.begin(),
                      valid.begin() + static_cast<std::ptrdiff_t>(rng.below(valid.size() + 1)));
      const std::size_t extra = rng.below(48);
      for (std::size_t i = 0; i < extra; ++i) enveloped.push_back(static_cast<std::uint8_t>(rng.below(256)));
      ASSERT_TRUE(decode_is_error_or_canonical(enveloped)) << seed_note(seed);
    }
  }
}

}  // namespace ff::crdt::proptest

// The five standard property tests of one CRDT type, as GoogleTest cases in `Suite`.
// `Type` must be a single token (use an alias for templates with commas); `op` an
// expression giving its RandomOp. `seeds` and `steps` size the runs.
#define FF_CRDT_PROPERTY_TESTS(Suite, Type, op, seeds, steps)                                             \
  TEST(Suite, MergeIsCommutativeAssociativeIdempotentAndInflationary) {                                   \
    ::ff::crdt::proptest::check_lattice<Type>(op, seeds, steps);                                          \
  }                                                                                                       \
  TEST(Suite, DeltasInAnyOrderWithDuplicatesEqualTheFullMerge) {                                          \
    ::ff::crdt::proptest::check_delta_delivery<Type>(op, seeds, steps);                                   \
  }                                                                                                       \
  TEST(Suite, FiveReplicasWithPartitionsAndLossConvergeByteIdentically) {                                 \
    ::ff::crdt::proptest::ConvergenceStats stats;                                                         \
    ::ff::crdt::proptest::check_convergence<Type>(op, seeds, 2 * (steps), stats);                         \
    if (HasFatalFailure()) return;                                                                        \
    /* The run must have exercised loss, delta catch-up and the "too old" full-state path. */             \
    EXPECT_GT(stats.deltas_applied, 0u);                                                                  \
    EXPECT_GT(stats.messages_lost, 0u);                                                                   \
    EXPECT_GT(stats.catch_ups_by_delta, 0u);                                                              \
    EXPECT_GT(stats.catch_ups_by_full_state, 0u);                                                         \
  }                                                                                                       \
  TEST(Suite, EncodeDecodeRoundTrips) { ::ff::crdt::proptest::check_round_trip<Type>(op, seeds, steps); } \
  TEST(Suite, TruncatedMutatedAndRandomBytesDecodeToErrorsNotCrashes) {                                   \
    ::ff::crdt::proptest::check_hostile_bytes<Type>(op, seeds, steps);                                    \
  }
