// Property checks for the sequence CRDTs (YataText, Rga<T>), whose deltas are a type of
// their own (crdt_properties.hpp covers the types whose delta is a state). Every check
// loops over fixed seeds and names the seed in each assertion (STYLE.md 10).
//
// X must provide: X(ReplicaId), merge/apply returning Status, version(), delta_since(),
// pending_count(), ==, encode(), X::decode(ByteView); X::Delta with ==, encode() and
// X::Delta::decode(ByteView).
//
// Replica ids: a sequence CRDT mints element ids from the replica id, so two replicas
// sharing an id would mint the same id for different content, which no sequence CRDT can
// reconcile (the id derivation from PeerIds makes them unique). The generators instead
// collide everything else: every replica's clocks start at 0 (so equal clocks meet on
// every merge), ids include 0 and 2^64-1, and ops aim at the same positions (the start,
// the end) so concurrent inserts conflict and tie-breaks on replica id decide.
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

namespace ff::crdt::seqtest {

using ff::testing::property_seeds;
using ff::testing::seed_note;

template <class X>
struct SequenceSpec {
  std::function<typename X::Delta(X& state, Rng& rng)> op;  // one random local op; returns its delta
  std::function<std::string(const X& state)> check;         // "" when internal invariants hold
};

// `count` distinct replica ids, drawn from a pool with the extremes of the id range.
inline std::vector<ReplicaId> pick_replica_ids(Rng& rng, std::size_t count) {
  std::vector<ReplicaId> pool = {
      0, 1, 2, 0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xfffffffffffffffeULL, 0xffffffffffffffffULL};
  for (std::size_t i = pool.size(); i > 1; --i) std::swap(pool[i - 1], pool[rng.below(i)]);
  pool.resize(count);
  return pool;
}

template <class T>
void shuffle(std::vector<T>& items, Rng& rng) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(i)]);
}

template <class X>
X joined(const X& a, const X& b) {
  X result = a;
  const Status status = result.merge(b);
  EXPECT_TRUE(status.ok()) << status.error().message;
  return result;
}

// Printable summary of a state for failure messages (the text for YataText).
template <class X>
std::string describe(const X& state) {
  if constexpr (requires { state.text(); }) {
    std::string quoted(1, '"');
    quoted += state.text();
    quoted += '"';
    return quoted;
  } else {
    return std::to_string(state.encode().size()) + " encoded bytes";
  }
}

template <class X>
void expect_valid(const SequenceSpec<X>& spec, const X& state, std::uint64_t seed) {
  if (!spec.check) return;
  const std::string problem = spec.check(state);
  EXPECT_EQ(problem, "") << seed_note(seed);
}

// The state a replica holds, without its pending buffer: what encode() writes and merge()
// ships. (Pending deltas are a delivery buffer: merging into a copy of a replica may wake
// them, so laws stated on whole replica objects would mix in deliveries.)
template <class X>
X state_of(const X& replica) {
  auto decoded = X::decode(replica.encode());
  EXPECT_TRUE(decoded.ok()) << decoded.error().message;
  return decoded.ok() ? std::move(decoded).value() : X{};
}

template <class X>
struct History {
  std::vector<X> states;                  // states (state_of) along the way and at the end
  std::vector<typename X::Delta> deltas;  // every delta produced
};

// Three replicas doing random local ops, applying random earlier deltas (out of order, so
// some wait in the pending buffer) and merging each other's states. Every local op is
// checked to be a delta-mutator: the old state joined with the delta is the new state.
template <class X>
History<X> random_history(const SequenceSpec<X>& spec, Rng& rng, std::size_t steps, std::uint64_t seed) {
  const std::vector<ReplicaId> ids = pick_replica_ids(rng, 3);
  std::vector<X> replicas;
  for (const ReplicaId id : ids) replicas.emplace_back(id);
  History<X> history;
  history.states.emplace_back();  // bottom
  for (std::size_t step = 0; step < steps; ++step) {
    const std::size_t actor = rng.below(replicas.size());
    const std::uint64_t roll = rng.below(10);
    if (roll < 6) {
      X before = replicas[actor];
      typename X::Delta delta = spec.op(replicas[actor], rng);
      const Status applied = before.apply(delta);
      EXPECT_TRUE(applied.ok()) << applied.error().message << "; " << seed_note(seed);
      if (!(before == replicas[actor])) {
        ADD_FAILURE() << "a local op's delta joined into the old state differs from the new state; "
                      << seed_note(seed);
      }
      history.deltas.push_back(std::move(delta));
    } else if (roll < 8 && !history.deltas.empty()) {
      const Status applied = replicas[actor].apply(history.deltas[rng.below(history.deltas.size())]);
      EXPECT_TRUE(applied.ok()) << applied.error().message << "; " << seed_note(seed);
    } else {
      const Status merged = replicas[actor].merge(replicas[rng.below(replicas.size())]);
      EXPECT_TRUE(merged.ok()) << merged.error().message << "; " << seed_note(seed);
    }
    expect_valid(spec, replicas[actor], seed);
    if (rng.chance(1, 4)) history.states.push_back(state_of(replicas[actor]));
  }
  for (const X& replica : replicas) history.states.push_back(state_of(replica));
  return history;
}

// merge is a join: commutative, associative, idempotent, inflationary, with the empty
// state as identity; equal results encode to identical bytes.
template <class X>
void check_lattice(const SequenceSpec<X>& spec, std::size_t seed_count, std::size_t steps) {
  for (const std::uint64_t seed : property_seeds(seed_count)) {
    Rng rng(seed);
    const History<X> history = random_history(spec, rng, steps, seed);
    ASSERT_FALSE(::testing::Test::HasFailure()) << seed_note(seed);
    for (int trial = 0; trial < 4; ++trial) {
      const X& a = history.states[rng.below(history.states.size())];
      const X& b = history.states[rng.below(history.states.size())];
      const X& c = history.states[rng.below(history.states.size())];
      const X ab = joined(a, b);
      const X ba = joined(b, a);
      ASSERT_TRUE(ab == ba) << "merge is not commutative; " << describe(ab) << " vs " << describe(ba) << "; "
                            << seed_note(seed);
      ASSERT_EQ(ab.encode(), ba.encode()) << seed_note(seed);
      ASSERT_TRUE(joined(ab, c) == joined(a, joined(b, c)))
          << "merge is not associative; " << seed_note(seed);
      ASSERT_TRUE(joined(a, a) == a) << "merge is not idempotent; " << seed_note(seed);
      ASSERT_TRUE(joined(ab, a) == ab) << "merge(a, b) is not >= a; " << seed_note(seed);
      ASSERT_TRUE(joined(ab, b) == ab) << "merge(a, b) is not >= b; " << seed_note(seed);
      ASSERT_TRUE(joined(X{}, a) == a) << "the empty state is not the identity; " << seed_note(seed);
      ASSERT_TRUE(joined(a, X{}) == a) << "the empty state is not the identity; " << seed_note(seed);
      expect_valid(spec, ab, seed);
    }
  }
}

// Deltas delivered in any order, some twice, build the same state as merging the
// replicas' full states, and nothing is left waiting.
template <class X>
void check_delta_delivery(const SequenceSpec<X>& spec, std::size_t seed_count, std::size_t steps) {
  for (const std::uint64_t seed : property_seeds(seed_count)) {
    Rng rng(seed);
    const History<X> history = random_history(spec, rng, steps, seed);
    ASSERT_FALSE(::testing::Test::HasFailure()) << seed_note(seed);
    X full;
    for (const X& state : history.states) ASSERT_TRUE(full.merge(state).ok()) << seed_note(seed);
    std::vector<const typename X::Delta*> deliveries;
    for (const auto& delta : history.deltas) {
      deliveries.push_back(&delta);
      if (rng.chance(1, 3)) deliveries.push_back(&delta);  // duplicated in flight
    }
    shuffle(deliveries, rng);
    X receiver;
    for (const auto* delta : deliveries) {
      const Status applied = receiver.apply(*delta);
      ASSERT_TRUE(applied.ok()) << applied.error().message << "; " << seed_note(seed);
    }
    EXPECT_EQ(receiver.pending_count(), 0u) << seed_note(seed);
    ASSERT_TRUE(receiver == full) << deliveries.size()
                                  << " deltas in random order differ from the full merge; "
                                  << seed_note(seed);
    ASSERT_EQ(receiver.encode(), full.encode()) << seed_note(seed);
    expect_valid(spec, receiver, seed);
  }
}

struct ConvergenceStats {
  std::size_t deltas_applied = 0;
  std::size_t messages_lost = 0;
  std::size_t catch_ups_by_delta = 0;
  std::size_t catch_ups_by_full_state = 0;
  std::size_t catch_ups_by_version = 0;  // delta_since(version)
  std::size_t deltas_left_pending = 0;   // apply() parked something
};

// 5 replicas do random ops; each ships its deltas to the replicas it can reach, keeps them
// in a small DeltaBuffer and catches peers up from it, or with delta_since(version), or
// with its full state. The network partitions and heals at random, loses, duplicates and
// reorders messages. After a final heal every replica holds the same state, byte for byte,
// with nothing pending.
template <class X>
ConvergenceStats check_convergence(const SequenceSpec<X>& spec, std::size_t seed_count, std::size_t steps) {
  using Delta = typename X::Delta;
  constexpr std::size_t kReplicas = 5;
  struct Message {
    std::size_t from;
    std::size_t to;
    std::uint64_t seq;
    Delta delta;
  };
  struct Replica {
    X state;
    DeltaBuffer<Delta> buffer;
    std::vector<std::uint64_t> have;              // per sender: every seq <= have applied
    std::vector<std::set<std::uint64_t>> beyond;  // per sender: applied seqs above have
  };
  ConvergenceStats stats;
  for (const std::uint64_t seed : property_seeds(seed_count)) {
    Rng rng(seed);
    const std::vector<ReplicaId> ids = pick_replica_ids(rng, kReplicas);
    const std::size_t buffer_capacity = 2 + rng.below(10);
    std::vector<Replica> replicas;
    for (std::size_t i = 0; i < kReplicas; ++i) {
      replicas.push_back(Replica{X(ids[i]), DeltaBuffer<Delta>(buffer_capacity),
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
    auto full_state = [&](std::size_t source, std::size_t target) {
      Replica& to = replicas[target];
      const Status merged = to.state.merge(replicas[source].state);
      EXPECT_TRUE(merged.ok()) << merged.error().message << "; " << seed_note(seed);
      to.have[source] = replicas[source].buffer.last_seq();
      to.beyond[source].clear();
    };
    // Applies a delta; on kLimitExceeded the receiver reacts as documented: it fetches
    // the sender's full state.
    auto deliver = [&](std::size_t source, std::size_t target, const Delta& delta) {
      const Status applied = replicas[target].state.apply(delta);
      if (!applied.ok()) {
        EXPECT_EQ(applied.error().code, Errc::kLimitExceeded)
            << applied.error().message << "; " << seed_note(seed);
        full_state(source, target);
      }
      if (replicas[target].state.pending_count() > 0) ++stats.deltas_left_pending;
    };
    auto catch_up = [&](std::size_t source, std::size_t target) {
      Replica& from = replicas[source];
      Replica& to = replicas[target];
      const std::uint64_t how = rng.below(3);
      auto missing = from.buffer.since(to.have[source]);
      if (how == 0 && missing.ok()) {
        std::uint64_t seq = to.have[source];
        for (const Delta& delta : *missing) {
          deliver(source, target, delta);
          record(to, source, ++seq);
        }
        ++stats.catch_ups_by_delta;
      } else if (how == 1) {
        deliver(source, target, from.state.delta_since(to.state.version()));
        to.have[source] = from.buffer.last_seq();
        to.beyond[source].clear();
        ++stats.catch_ups_by_version;
      } else {
        full_state(source, target);
        ++stats.catch_ups_by_full_state;
      }
    };

    for (std::size_t step = 0; step < steps; ++step) {
      const std::uint64_t roll = rng.below(100);
      if (roll < 45) {
        const std::size_t actor = rng.below(kReplicas);
        Replica& replica = replicas[actor];
        Delta delta = spec.op(replica.state, rng);
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
        const std::size_t index = rng.below(in_flight.size());
        Message message = std::move(in_flight[index]);
        in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(index));
        if (group[message.from] != group[message.to]) {
          ++stats.messages_lost;  // the link went down while it was in flight
          continue;
        }
        deliver(message.from, message.to, message.delta);
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

    for (Message& message : in_flight) {
      deliver(message.from, message.to, message.delta);
      record(replicas[message.to], message.from, message.seq);
    }
    for (std::size_t source = 0; source < kReplicas; ++source) {
      for (std::size_t target = 0; target < kReplicas; ++target) {
        if (source != target) catch_up(source, target);
      }
    }
    // One round may leave a replica behind one that caught up later in the round.
    for (std::size_t source = 0; source < kReplicas; ++source) {
      for (std::size_t target = 0; target < kReplicas; ++target) {
        if (source != target) full_state(source, target);
      }
    }
    const Bytes expected = replicas[0].state.encode();
    for (std::size_t i = 0; i < kReplicas; ++i) {
      if (!(replicas[i].state == replicas[0].state) || replicas[i].state.encode() != expected) {
        ADD_FAILURE() << "replica " << i << " diverged; " << seed_note(seed);
        return stats;  // (ASSERT_* cannot return a value)
      }
      EXPECT_EQ(replicas[i].state.pending_count(), 0u) << "replica " << i << "; " << seed_note(seed);
      expect_valid(spec, replicas[i].state, seed);
    }
  }
  return stats;
}

// decode(encode(x)) == x and re-encodes to the same bytes, for states and deltas.
template <class X>
void check_round_trip(const SequenceSpec<X>& spec, std::size_t seed_count, std::size_t steps) {
  for (const std::uint64_t seed : property_seeds(seed_count)) {
    Rng rng(seed);
    const History<X> history = random_history(spec, rng, steps, seed);
    for (const X& state : history.states) {
      const Bytes bytes = state.encode();
      auto decoded = X::decode(bytes);
      ASSERT_TRUE(decoded.ok()) << decoded.error().message << "; " << seed_note(seed);
      ASSERT_TRUE(*decoded == state) << "round trip changed the state; " << seed_note(seed);
      ASSERT_EQ(decoded->encode(), bytes) << seed_note(seed);
      expect_valid(spec, *decoded, seed);
    }
    for (const auto& delta : history.deltas) {
      const Bytes bytes = delta.encode();
      auto decoded = X::Delta::decode(bytes);
      ASSERT_TRUE(decoded.ok()) << decoded.error().message << "; " << seed_note(seed);
      ASSERT_TRUE(*decoded == delta) << "round trip changed the delta; " << seed_note(seed);
      ASSERT_EQ(decoded->encode(), bytes) << seed_note(seed);
    }
  }
}

// Hostile bytes: every strict prefix of a valid encoding, another version, a trailing byte,
// mutated encodings and random bytes. Decoding returns an error or, when the bytes happen
// to be valid, a value that re-encodes to exactly those bytes. A delta that decodes is
// applied to a state, which must stay valid. Never a crash: the sanitizer build runs this.
template <class X>
void check_hostile_bytes(const SequenceSpec<X>& spec, std::size_t seed_count, std::size_t steps) {
  using Delta = typename X::Delta;
  for (const std::uint64_t seed : property_seeds(seed_count)) {
    Rng rng(seed);
    const History<X> history = random_history(spec, rng, steps, seed);
    const X& state = history.states[rng.below(history.states.size())];
    std::vector<Bytes> valid = {state.encode()};
    if (!history.deltas.empty()) valid.push_back(history.deltas[rng.below(history.deltas.size())].encode());
    for (std::size_t which = 0; which < valid.size(); ++which) {
      const bool is_state = which == 0;
      auto decodes_canonically = [&](const Bytes& bytes) {
        if (is_state) {
          auto decoded = X::decode(bytes);
          if (!decoded.ok()) return true;
          expect_valid(spec, *decoded, seed);
          return decoded->encode() == bytes;
        }
        auto decoded = Delta::decode(bytes);
        if (!decoded.ok()) return true;
        X target = state;
        (void)target.apply(*decoded);  // may be refused in part; must not break the state
        expect_valid(spec, target, seed);
        auto reread = X::decode(target.encode());
        EXPECT_TRUE(reread.ok()) << "applying a decoded delta left an undecodable state; " << seed_note(seed);
        return decoded->encode() == bytes;
      };
      auto decode_error = [&](ByteView bytes) -> std::optional<Errc> {
        if (is_state) {
          auto decoded = X::decode(bytes);
          return decoded.ok() ? std::nullopt : std::optional<Errc>(decoded.error().code);
        }
        auto decoded = Delta::decode(bytes);
        return decoded.ok() ? std::nullopt : std::optional<Errc>(decoded.error().code);
      };
      const Bytes& bytes = valid[which];
      for (std::size_t length = 0; length < bytes.size(); ++length) {
        const auto error = decode_error(ByteView(bytes.data(), length));
        ASSERT_TRUE(error.has_value()) << "a " << length << "-byte prefix of a " << bytes.size()
                                       << "-byte encoding decoded; " << seed_note(seed);
        ASSERT_TRUE(*error == Errc::kTruncated || *error == Errc::kInvalidInput)
            << errc_name(*error) << "; " << seed_note(seed);
      }
      Bytes other_version = bytes;
      other_version[0] = static_cast<std::uint8_t>(kEncodingVersion + 1);
      ASSERT_EQ(decode_error(other_version), std::optional<Errc>(Errc::kUnsupported)) << seed_note(seed);
      Bytes trailing = bytes;
      trailing.push_back(0);
      ASSERT_TRUE(decode_error(trailing).has_value()) << "trailing byte accepted; " << seed_note(seed);
      for (int trial = 0; trial < 16; ++trial) {
        Bytes mutated = bytes;
        const std::size_t flips = 1 + rng.below(3);
        for (std::size_t f = 0; f < flips; ++f)
          mutated[rng.below(mutated.size())] = static_cast<std::uint8_t>(rng.below(256));
        ASSERT_TRUE(decodes_canonically(mutated))
            << "mutated bytes decoded non-canonically; " << seed_note(seed);
        Bytes random(rng.below(48));
        for (std::uint8_t& byte : random) byte = static_cast<std::uint8_t>(rng.below(256));
        ASSERT_TRUE(decodes_canonically(random)) << seed_note(seed);
        Bytes enveloped(bytes.begin(),
                        bytes.begin() + static_cast<std::ptrdiff_t>(rng.below(bytes.size() + 1)));
        const std::size_t extra = rng.below(48);
        for (std::size_t i = 0; i < extra; ++i)
          enveloped.push_back(static_cast<std::uint8_t>(rng.below(256)));
        ASSERT_TRUE(decodes_canonically(enveloped)) << seed_note(seed);
      }
    }
  }
}

}  // namespace ff::crdt::seqtest
