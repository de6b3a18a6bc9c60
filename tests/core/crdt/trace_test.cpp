// Real editing histories (../shared/data/editing-traces) replayed into YataText: the
// sequential ones as one user typing, also re-integrated on a second replica from the
// deltas; the concurrent one with fork (copy), local edits and merge, as its README says.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/crdt/yata.hpp"
#include "tests/support/editing_trace.hpp"

namespace ff::crdt {
namespace {

using ff::testing::EditingTrace;
using ff::testing::TracePatch;
using ff::testing::TraceTxn;

EditingTrace load(const std::string& name) {
  auto trace = ff::testing::load_editing_trace(name);
  EXPECT_TRUE(trace.ok()) << (trace.ok() ? "" : trace.error().message) << " ("
                          << ff::testing::editing_trace_path(name) << ")";
  return trace.ok() ? std::move(trace).value() : EditingTrace{};
}

// Applies a txn's patches to `text`, collecting the deltas. False (with a test failure)
// when an edit is refused.
bool apply_txn(const EditingTrace& trace, const TraceTxn& txn, YataText& text,
               std::vector<YataDelta>* deltas) {
  for (std::uint32_t p = 0; p < txn.patch_count; ++p) {
    const TracePatch& patch = trace.patches[txn.first_patch + p];
    if (patch.removed > 0) {
      auto delta = text.remove(patch.position, patch.removed);
      if (!delta.ok()) {
        ADD_FAILURE() << trace.name << ": " << delta.error().message;
        return false;
      }
      if (deltas != nullptr) deltas->push_back(std::move(delta).value());
    }
    if (patch.text_bytes > 0) {
      auto delta = text.insert(patch.position, trace.inserted(patch));
      if (!delta.ok()) {
        ADD_FAILURE() << trace.name << ": " << delta.error().message;
        return false;
      }
      if (deltas != nullptr) deltas->push_back(std::move(delta).value());
    }
  }
  return true;
}

class SequentialTrace : public ::testing::TestWithParam<std::string> {};

TEST_P(SequentialTrace, LocalReplayReachesEndContentAndSurvivesEncoding) {
  const EditingTrace trace = load(GetParam());
  ASSERT_FALSE(trace.txns.empty());
  ASSERT_FALSE(trace.concurrent);
  YataText text(1);
  ASSERT_TRUE(text.insert(0, trace.start_content).ok());
  std::vector<YataDelta> deltas;
  for (const TraceTxn& txn : trace.txns) ASSERT_TRUE(apply_txn(trace, txn, text, &deltas));
  EXPECT_EQ(text.text(), trace.end_content);
  EXPECT_TRUE(text.check_invariants().ok());

  // A second replica integrating the same history from the deltas (the remote path: id
  // lookups, origins, YATA placement) reaches the same state.
  YataText remote(2);
  for (const YataDelta& delta : deltas) {
    const Status applied = remote.apply(delta);
    ASSERT_TRUE(applied.ok()) << applied.error().message;
  }
  EXPECT_EQ(remote.pending_count(), 0u);
  EXPECT_EQ(remote.text(), trace.end_content);
  EXPECT_EQ(remote, text);

  const Bytes bytes = text.encode();
  auto decoded = YataText::decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->text(), trace.end_content);
  EXPECT_EQ(decoded->encode(), bytes);
  EXPECT_TRUE(decoded->check_invariants().ok());
}

INSTANTIATE_TEST_SUITE_P(EditingTraces, SequentialTrace,
                         ::testing::ValuesIn(ff::testing::sequential_trace_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

// Replays a concurrent trace: a txn's starting state is its first parent's state (moved
// when this is the parent's last child, else copied: a fork) merged with its other
// parents' states. Returns the state after the last txn.
YataText replay_concurrent(const EditingTrace& trace, const std::vector<ReplicaId>& agent_ids) {
  std::vector<std::uint32_t> children(trace.txns.size(), 0);
  for (const std::uint32_t parent : trace.parents) ++children[parent];
  std::vector<std::optional<YataText>> states(trace.txns.size());
  auto take = [&](std::uint32_t parent) -> YataText {
    YataText state = --children[parent] == 0 ? std::move(*states[parent]) : *states[parent];
    if (children[parent] == 0) states[parent].reset();
    return state;
  };
  for (std::size_t t = 0; t < trace.txns.size(); ++t) {
    const TraceTxn& txn = trace.txns[t];
    YataText state;
    if (txn.parent_count > 0) {
      state = take(trace.parents[txn.first_parent]);
      for (std::uint32_t p = 1; p < txn.parent_count; ++p) {
        const std::uint32_t parent = trace.parents[txn.first_parent + p];
        const Status merged = state.merge(*states[parent]);
        EXPECT_TRUE(merged.ok()) << merged.error().message;
        if (--children[parent] == 0) states[parent].reset();
      }
    }
    state.set_replica(agent_ids[txn.agent]);
    if (!apply_txn(trace, txn, state, nullptr)) return YataText{};
    states[t] = std::move(state);
  }
  return std::move(*states.back());
}

TEST(ConcurrentTrace, ClownschoolWithForksAndMergesReachesEndContent) {
  const EditingTrace trace = load("clownschool");
  ASSERT_TRUE(trace.concurrent);
  ASSERT_GT(trace.agent_count, 1u);
  // The last txn is the only one without children: the final merged document.
  std::vector<std::uint32_t> children(trace.txns.size(), 0);
  for (const std::uint32_t parent : trace.parents) ++children[parent];
  ASSERT_EQ(children.back(), 0u);
  ASSERT_EQ(std::count(children.begin(), children.end(), 0u), 1);

  std::vector<ReplicaId> ascending;
  std::vector<ReplicaId> descending;
  for (std::uint32_t agent = 0; agent < trace.agent_count; ++agent) {
    ascending.push_back(0x1000 + agent);
    descending.push_back(0xffffffffffffffffULL - agent);
  }
  const YataText first = replay_concurrent(trace, ascending);
  EXPECT_EQ(first.text(), trace.end_content);
  EXPECT_EQ(first.pending_count(), 0u);
  EXPECT_TRUE(first.check_invariants().ok());
  // With the agents' replica ids in the opposite order the tie-breaks flip, yet the
  // trace's agents never insert concurrently at one place, so the text is the same.
  const YataText second = replay_concurrent(trace, descending);
  EXPECT_EQ(second.text(), trace.end_content);

  auto decoded = YataText::decode(first.encode());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->text(), trace.end_content);
}

TEST(EditingTraceLoader, MissingFilesAndNonTracesAreErrors) {
  auto missing = ff::testing::load_editing_trace("no-such-trace");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound) << missing.error().message;
  for (const std::string& content :
       {std::string("[1, 2, 3]"), std::string("{\"txns\": [{\"patches\": [[0]]}]}"),
        std::string("{\"txns\": [{\"patches\": [[0, 0, \"a\"]], \"parents\": [0]}]}"),
        std::string("{\"txns\": [")}) {
    const std::string path = ::testing::TempDir() + "ff_not_a_trace.json";
    std::ofstream(path) << content;
    auto loaded = ff::testing::load_editing_trace(path);
    ASSERT_FALSE(loaded.ok()) << content;
    EXPECT_EQ(loaded.error().code, Errc::kInvalidInput) << content << ": " << loaded.error().message;
    std::remove(path.c_str());
  }
}

}  // namespace
}  // namespace ff::crdt
