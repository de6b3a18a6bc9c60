// A small in-test mesh of FabricNodes with virtual time: it carries out every effect
// (SendDirect to linked peers, Publish to linked peers, Persist into an in-memory journal
// and, when auto_persist, persisted() at once; Disconnect cuts the link) until all nodes
// are idle. drive() fails the test if the mesh never goes idle.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_wire.hpp"
#include "core/fabric/program_proof.hpp"

namespace ff::fabric::testing {

inline constexpr const char* kProgram = "demo-app";

// What a runtime would draw at random, fixed per name so tests can predict it.
inline crdt::ReplicaId fresh_replica_for(const std::string& peer) {
  return replica_id_from_peer(peer + "#fresh");
}

inline NodeConfig config_for(const std::string& peer, Sovereignty sovereignty = Sovereignty::kAuthority) {
  NodeConfig config;
  config.program_id = kProgram;
  config.peer_id = peer;
  config.sovereignty = sovereignty;
  config.fresh_replica_id = fresh_replica_for(peer);
  return config;
}

// A node for tests that drive it by hand; fails the test if the config is refused.
inline std::unique_ptr<FabricNode> make_node(const NodeConfig& config) {
  auto node = FabricNode::create(config);
  EXPECT_TRUE(node.ok()) << (node.ok() ? "" : node.error().message);
  return node.ok() ? std::move(node).value() : nullptr;
}

// Every effect `node` has queued.
inline std::vector<Effect> drain(FabricNode& node) {
  std::vector<Effect> effects;
  while (auto effect = node.poll_effect()) effects.push_back(std::move(*effect));
  return effects;
}

struct Member {
  std::unique_ptr<FabricNode> node;
  std::vector<Bytes> journal;        // records in Persist order
  std::vector<Persist> unpersisted;  // held back while auto_persist is false
  std::vector<Event> events;
  std::vector<SendDirect> sent;
  std::vector<Publish> published;
  std::vector<Disconnect> disconnects;
  bool auto_persist = true;

  std::vector<Event> events_of(EventKind kind) const {
    std::vector<Event> result;
    for (const Event& e : events) {
      if (e.kind == kind) result.push_back(e);
    }
    return result;
  }
  std::optional<Event> write_done(const MutationId& id) const {
    for (const Event& e : events) {
      if (e.kind == EventKind::kWriteDone && e.write == id) return e;
    }
    return std::nullopt;
  }
};

// The Hello a hand-driven peer `peer` of kProgram sends.
inline Bytes hello_frame(const std::string& peer, Sovereignty sovereignty, crdt::ReplicaId replica,
                         wire::VersionVector heads = {}) {
  wire::Hello hello;
  hello.program_proof = program_proof(kProgram, peer);
  hello.sovereignty = sovereignty;
  hello.replica = replica;
  hello.heads = std::move(heads);
  return wire::encode_direct(wire::DirectMessage{hello});
}

inline Bytes ack_frame(const MutationId& id, crdt::ReplicaId authority) {
  return wire::encode_direct(wire::DirectMessage{wire::Ack{id.origin, id.seq, authority}});
}

// Connects hand-driven `peer` to `node` (both Hellos exchanged) and drops the effects.
inline void attach(FabricNode& node, const std::string& peer, Sovereignty sovereignty,
                   crdt::ReplicaId replica, std::uint64_t now_ms = 0) {
  node.peer_connected(peer, now_ms);
  node.handle_direct(peer, hello_frame(peer, sovereignty, replica), now_ms);
  drain(node);
}

// Persists every Persist effect queued on `node` at once and returns the other effects.
inline std::vector<Effect> persist_all(FabricNode& node, std::uint64_t now_ms = 0) {
  std::vector<Effect> others;
  bool again = true;
  while (again) {
    again = false;
    for (Effect& effect : drain(node)) {
      if (auto* p = std::get_if<Persist>(&effect)) {
        node.persisted(p->ticket, now_ms);
        again = true;
      } else {
        others.push_back(std::move(effect));
      }
    }
  }
  return others;
}

inline std::optional<Event> find_event(const std::vector<Effect>& effects, EventKind kind) {
  for (const Effect& effect : effects) {
    if (const auto* e = std::get_if<Event>(&effect)) {
      if (e->kind == kind) return *e;
    }
  }
  return std::nullopt;
}

class Mesh {
 public:
  std::uint64_t now_ms = 1000;
  bool gossip = true;  // false: Publish effects are recorded but not delivered

  FabricNode& add(const std::string& name, Sovereignty sovereignty = Sovereignty::kAuthority,
                  const std::function<void(NodeConfig&)>& tweak = {}) {
    NodeConfig config;
    config.program_id = kProgram;
    config.peer_id = name;
    config.sovereignty = sovereignty;
    // A new one per start, as a runtime's random draw would be.
    config.fresh_replica_id = fresh_replica_for(name + "#" + std::to_string(++starts_));
    if (tweak) tweak(config);
    auto node = FabricNode::create(config);
    EXPECT_TRUE(node.ok()) << (node.ok() ? "" : node.error().message);
    Member& member = members_[name];
    member.node = std::move(*node);
    return *member.node;
  }

  // Replaces `name` by a fresh node restored from its journal.
  FabricNode& restart(const std::string& name, Sovereignty sovereignty = Sovereignty::kAuthority,
                      const std::function<void(NodeConfig&)>& tweak = {}) {
    std::vector<Bytes> journal = members_.at(name).journal;
    for (auto it = links_.begin(); it != links_.end();) {
      it = (it->first == name || it->second == name) ? links_.erase(it) : std::next(it);
    }
    for (auto& [other, member] : members_) {
      if (other != name) member.node->peer_disconnected(name, now_ms);
    }
    members_.erase(name);
    FabricNode& node = add(name, sovereignty, tweak);
    for (const Bytes& record : journal) {
      Status status = node.restore(record);
      EXPECT_TRUE(status.ok()) << (status.ok() ? "" : status.error().message);
    }
    node.restored(now_ms);
    members_.at(name).journal = journal;
    drive();
    return node;
  }

  // A clean stop (shutdown(), every record persisted) and a start from the journal: the
  // node writes as the same replica again.
  FabricNode& restart_clean(const std::string& name, Sovereignty sovereignty = Sovereignty::kAuthority,
                            const std::function<void(NodeConfig&)>& tweak = {}) {
    node(name).shutdown(now_ms);
    drive();
    flush_journal(name);
    return restart(name, sovereignty, tweak);
  }

  Member& operator[](const std::string& name) { return members_.at(name); }
  FabricNode& node(const std::string& name) { return *members_.at(name).node; }

  void connect(const std::string& a, const std::string& b) {
    links_.insert({std::min(a, b), std::max(a, b)});
    node(a).peer_connected(b, now_ms);
    node(b).peer_connected(a, now_ms);
    drive();
  }
  void disconnect(const std::string& a, const std::string& b) {
    links_.erase({std::min(a, b), std::max(a, b)});
    node(a).peer_disconnected(b, now_ms);
    node(b).peer_disconnected(a, now_ms);
    drive();
  }
  bool linked(const std::string& a, const std::string& b) const {
    return links_.count({std::min(a, b), std::max(a, b)}) != 0;
  }

  // Persists every held-back record of `name` (auto_persist false).
  void flush_journal(const std::string& name) {
    Member& member = members_.at(name);
    std::uint64_t last = 0;
    for (const Persist& p : member.unpersisted) last = p.ticket;
    member.unpersisted.clear();
    if (last != 0) member.node->persisted(last, now_ms);
    drive();
  }

  // Carries out effects until every node is idle.
  void drive(std::size_t max_steps = 200000) {
    std::size_t steps = 0;
    bool progress = true;
    while (progress) {
      progress = false;
      for (auto& [name, member] : members_) {
        while (auto effect = member.node->poll_effect()) {
          progress = true;
          ASSERT_LT(++steps, max_steps) << "the mesh never went idle";
          dispatch(name, std::move(*effect));
        }
      }
    }
  }

  // Advances virtual time to `target`, running every timeout due on the way.
  void advance_to(std::uint64_t target) {
    while (true) {
      std::uint64_t next = UINT64_MAX;
      for (auto& [name, member] : members_) next = std::min(next, member.node->next_timeout_ms());
      if (next > target) break;
      now_ms = std::max(now_ms, next);
      for (auto& [name, member] : members_) {
        if (member.node->next_timeout_ms() > now_ms) continue;
        member.node->handle_timeout(now_ms);
        // A runtime calls handle_timeout again at next_timeout_ms(): it must move on.
        ASSERT_GT(member.node->next_timeout_ms(), now_ms) << name << " would spin";
      }
      drive();
    }
    now_ms = target;
  }
  void advance(std::uint64_t ms) { advance_to(now_ms + ms); }

 private:
  void dispatch(const std::string& from, Effect effect) {
    Member& member = members_.at(from);
    if (auto* send = std::get_if<SendDirect>(&effect)) {
      member.sent.push_back(*send);
      if (linked(from, send->peer) && members_.count(send->peer) != 0) {
        node(send->peer).handle_direct(from, send->frame, now_ms);
      }
    } else if (auto* publish = std::get_if<Publish>(&effect)) {
      member.published.push_back(*publish);
      if (!gossip) return;
      for (auto& [name, other] : members_) {
        if (name != from && linked(from, name)) other.node->handle_gossip(from, publish->data, now_ms);
      }
    } else if (auto* persist = std::get_if<Persist>(&effect)) {
      member.journal.push_back(persist->record);
      if (member.auto_persist) {
        member.node->persisted(persist->ticket, now_ms);
      } else {
        member.unpersisted.push_back(*persist);
      }
    } else if (auto* cut = std::get_if<Disconnect>(&effect)) {
      member.disconnects.push_back(*cut);
      if (linked(from, cut->peer)) {
        links_.erase({std::min(from, cut->peer), std::max(from, cut->peer)});
        if (members_.count(cut->peer) != 0) node(cut->peer).peer_disconnected(from, now_ms);
      }
    } else if (auto* event = std::get_if<Event>(&effect)) {
      member.events.push_back(*event);
    }
  }

  std::map<std::string, Member> members_;
  std::set<std::pair<std::string, std::string>> links_;
  std::uint64_t starts_ = 0;
};

}  // namespace ff::fabric::testing
