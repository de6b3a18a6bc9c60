#include "net/gossipsub/gossipsub_rpc.hpp"

#include <string_view>
#include <utility>

#include "core/codec/protobuf.hpp"
#include "core/codec/varint.hpp"

namespace ff::net {
namespace {

// RPC
constexpr std::uint32_t kRpcSubscriptions = 1;
constexpr std::uint32_t kRpcMessages = 2;
constexpr std::uint32_t kRpcControl = 3;
// SubOpts
constexpr std::uint32_t kSubOptsSubscribe = 1;
constexpr std::uint32_t kSubOptsTopic = 2;
// Message
constexpr std::uint32_t kMessageFrom = 1;
constexpr std::uint32_t kMessageData = 2;
constexpr std::uint32_t kMessageSeqno = 3;
constexpr std::uint32_t kMessageTopic = 4;
constexpr std::uint32_t kMessageSignature = 5;
constexpr std::uint32_t kMessageKey = 6;
// ControlMessage
constexpr std::uint32_t kControlIHave = 1;
constexpr std::uint32_t kControlIWant = 2;
constexpr std::uint32_t kControlGraft = 3;
constexpr std::uint32_t kControlPrune = 4;
constexpr std::uint32_t kControlIDontWant = 5;
// ControlIHave, ControlGraft, ControlPrune
constexpr std::uint32_t kTopicIdField = 1;
constexpr std::uint32_t kIHaveMessageIds = 2;
// ControlIWant, ControlIDontWant
constexpr std::uint32_t kIWantMessageIds = 1;
// ControlPrune
constexpr std::uint32_t kPrunePeers = 2;
constexpr std::uint32_t kPruneBackoff = 3;
// PeerInfo
constexpr std::uint32_t kPeerInfoPeerId = 1;
constexpr std::uint32_t kPeerInfoRecord = 2;

Error limit_error(const std::string& what, std::size_t limit) {
  return make_error(Errc::kLimitExceeded, "gossipsub RPC: more than " + std::to_string(limit) + " " + what);
}

// A nested message that ends inside a field is malformed: RPCs arrive whole.
Error as_malformed(const Error& error) {
  if (error.code == Errc::kTruncated) return make_error(Errc::kInvalidInput, error.message);
  return error;
}

Result<std::string> read_topic(const codec::ProtoField& field, const RpcLimits& limits) {
  FF_TRY_ASSIGN(std::string_view topic, field.as_string());
  if (topic.size() > limits.max_topic_bytes) {
    return make_error(Errc::kLimitExceeded, "gossipsub RPC: a topic of " + std::to_string(topic.size()) +
                                                " bytes exceeds " + std::to_string(limits.max_topic_bytes));
  }
  return std::string(topic);
}

Result<MessageId> read_message_id(const codec::ProtoField& field, const RpcLimits& limits) {
  FF_TRY_ASSIGN(ByteView id, field.as_bytes());
  if (id.size() > limits.max_message_id_bytes) {
    return make_error(Errc::kLimitExceeded, "gossipsub RPC: a message id of " + std::to_string(id.size()) +
                                                " bytes exceeds " +
                                                std::to_string(limits.max_message_id_bytes));
  }
  return MessageId(id.begin(), id.end());
}

Result<Bytes> read_bytes(const codec::ProtoField& field) {
  FF_TRY_ASSIGN(ByteView bytes, field.as_bytes());
  return Bytes(bytes.begin(), bytes.end());
}

// Running totals of the bounded entries of one RPC.
struct DecodeBudget {
  std::size_t ihave_ids = 0;
  std::size_t iwant_ids = 0;
  std::size_t peer_infos = 0;
};

Result<SubOpts> decode_sub_opts(ByteView encoded, const RpcLimits& limits) {
  SubOpts sub;
  codec::ProtoReader reader(encoded);
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) return sub;
    if (field->number == kSubOptsSubscribe) {
      FF_TRY_ASSIGN(sub.subscribe, field->as_bool());
    } else if (field->number == kSubOptsTopic) {
      FF_TRY_ASSIGN(sub.topic, read_topic(*field, limits));
    }
  }
}

Result<RpcMessage> decode_message(ByteView encoded, const RpcLimits& limits) {
  RpcMessage message;
  codec::ProtoReader reader(encoded);
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) return message;
    switch (field->number) {
      case kMessageFrom: {
        FF_TRY_ASSIGN(message.from, read_bytes(*field));
        break;
      }
      case kMessageData: {
        FF_TRY_ASSIGN(message.data, read_bytes(*field));
        break;
      }
      case kMessageSeqno: {
        FF_TRY_ASSIGN(message.seqno, read_bytes(*field));
        break;
      }
      case kMessageTopic: {
        FF_TRY_ASSIGN(message.topic, read_topic(*field, limits));
        break;
      }
      case kMessageSignature: {
        FF_TRY_ASSIGN(message.signature, read_bytes(*field));
        break;
      }
      case kMessageKey: {
        FF_TRY_ASSIGN(message.key, read_bytes(*field));
        break;
      }
      default: break;
    }
  }
}

Result<ControlIHave> decode_ihave(ByteView encoded, const RpcLimits& limits, DecodeBudget& budget) {
  ControlIHave ihave;
  codec::ProtoReader reader(encoded);
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) return ihave;
    if (field->number == kTopicIdField) {
      FF_TRY_ASSIGN(ihave.topic, read_topic(*field, limits));
    } else if (field->number == kIHaveMessageIds) {
      if (++budget.ihave_ids > limits.max_ihave_ids)
        return limit_error("IHAVE message ids", limits.max_ihave_ids);
      FF_TRY_ASSIGN(MessageId id, read_message_id(*field, limits));
      ihave.message_ids.push_back(std::move(id));
    }
  }
}

Result<ControlIWant> decode_iwant(ByteView encoded, const RpcLimits& limits, DecodeBudget& budget) {
  ControlIWant iwant;
  codec::ProtoReader reader(encoded);
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) return iwant;
    if (field->number == kIWantMessageIds) {
      if (++budget.iwant_ids > limits.max_iwant_ids)
        return limit_error("IWANT message ids", limits.max_iwant_ids);
      FF_TRY_ASSIGN(MessageId id, read_message_id(*field, limits));
      iwant.message_ids.push_back(std::move(id));
    }
  }
}

Result<ControlGraft> decode_graft(ByteView encoded, const RpcLimits& limits) {
  ControlGraft graft;
  codec::ProtoReader reader(encoded);
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) return graft;
    if (field->number == kTopicIdField) {
      FF_TRY_ASSIGN(graft.topic, read_topic(*field, limits));
    }
  }
}

Result<PeerInfo> decode_peer_info(ByteView encoded) {
  PeerInfo info;
  codec::ProtoReader reader(encoded);
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) return info;
    if (field->number != kPeerInfoPeerId && field->number != kPeerInfoRecord) continue;
    FF_TRY_ASSIGN(ByteView value, field->as_bytes());
    if (value.size() > kMaxPeerInfoFieldBytes) {
      return make_error(Errc::kLimitExceeded, "gossipsub RPC: a PeerInfo field of " +
                                                  std::to_string(value.size()) + " bytes exceeds " +
                                                  std::to_string(kMaxPeerInfoFieldBytes));
    }
    (field->number == kPeerInfoPeerId ? info.peer_id : info.signed_peer_record) =
        Bytes(value.begin(), value.end());
  }
}

Result<ControlPrune> decode_prune(ByteView encoded, const RpcLimits& limits, DecodeBudget& budget) {
  ControlPrune prune;
  codec::ProtoReader reader(encoded);
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) return prune;
    if (field->number == kTopicIdField) {
      FF_TRY_ASSIGN(prune.topic, read_topic(*field, limits));
    } else if (field->number == kPrunePeers) {
      FF_TRY_ASSIGN(ByteView nested, field->as_bytes());
      // Peer exchange is advisory and we never act on it: keep the first few, skip the rest.
      if (budget.peer_infos >= limits.max_peer_infos) continue;
      ++budget.peer_infos;
      Result<PeerInfo> info = decode_peer_info(nested);
      if (!info.ok()) return as_malformed(info.error());
      prune.peers.push_back(std::move(info).value());
    } else if (field->number == kPruneBackoff) {
      FF_TRY_ASSIGN(prune.backoff_seconds, field->as_uint64());
    }
  }
}

// Counts the ids of one IDONTWANT entry, checking only that it is well-formed protobuf.
Result<std::size_t> count_idontwant_ids(ByteView encoded) {
  std::size_t ids = 0;
  codec::ProtoReader reader(encoded);
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) return ids;
    if (field->number == kIWantMessageIds) ++ids;
  }
}

Status decode_control(ByteView encoded, const RpcLimits& limits, DecodeBudget& budget,
                      ControlMessage& control) {
  codec::ProtoReader reader(encoded);
  auto check_count = [&](std::size_t current, const char* what) -> Status {
    if (current >= limits.max_control_entries) return limit_error(what, limits.max_control_entries);
    return {};
  };
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) return {};
    switch (field->number) {
      case kControlIHave: {
        FF_TRY(check_count(control.ihave.size(), "IHAVE entries"));
        FF_TRY_ASSIGN(ByteView nested, field->as_bytes());
        Result<ControlIHave> ihave = decode_ihave(nested, limits, budget);
        if (!ihave.ok()) return as_malformed(ihave.error());
        control.ihave.push_back(std::move(ihave).value());
        break;
      }
      case kControlIWant: {
        FF_TRY(check_count(control.iwant.size(), "IWANT entries"));
        FF_TRY_ASSIGN(ByteView nested, field->as_bytes());
        Result<ControlIWant> iwant = decode_iwant(nested, limits, budget);
        if (!iwant.ok()) return as_malformed(iwant.error());
        control.iwant.push_back(std::move(iwant).value());
        break;
      }
      case kControlGraft: {
        FF_TRY(check_count(control.graft.size(), "GRAFT entries"));
        FF_TRY_ASSIGN(ByteView nested, field->as_bytes());
        Result<ControlGraft> graft = decode_graft(nested, limits);
        if (!graft.ok()) return as_malformed(graft.error());
        control.graft.push_back(std::move(graft).value());
        break;
      }
      case kControlPrune: {
        FF_TRY(check_count(control.prune.size(), "PRUNE entries"));
        FF_TRY_ASSIGN(ByteView nested, field->as_bytes());
        Result<ControlPrune> prune = decode_prune(nested, limits, budget);
        if (!prune.ok()) return as_malformed(prune.error());
        control.prune.push_back(std::move(prune).value());
        break;
      }
      case kControlIDontWant: {
        // gossipsub v1.2: we negotiate at most /meshsub/1.1.0, so a well-behaved peer never
        // sends this; one that does is decoded and ignored.
        FF_TRY_ASSIGN(ByteView nested, field->as_bytes());
        Result<std::size_t> ids = count_idontwant_ids(nested);
        if (!ids.ok()) return as_malformed(ids.error());
        ++control.idontwant_entries;
        control.idontwant_ids += *ids;
        break;
      }
      default: break;
    }
  }
}

void write_optional_bytes(codec::ProtoWriter& writer, std::uint32_t field,
                          const std::optional<Bytes>& value) {
  if (value) writer.write_bytes(field, *value);
}

codec::ProtoWriter encode_control(const ControlMessage& control) {
  codec::ProtoWriter writer;
  for (const ControlIHave& ihave : control.ihave) {
    codec::ProtoWriter nested;
    if (!ihave.topic.empty()) nested.write_string(kTopicIdField, ihave.topic);
    for (const MessageId& id : ihave.message_ids) nested.write_bytes(kIHaveMessageIds, id);
    writer.write_message(kControlIHave, nested);
  }
  for (const ControlIWant& iwant : control.iwant) {
    codec::ProtoWriter nested;
    for (const MessageId& id : iwant.message_ids) nested.write_bytes(kIWantMessageIds, id);
    writer.write_message(kControlIWant, nested);
  }
  for (const ControlGraft& graft : control.graft) {
    codec::ProtoWriter nested;
    if (!graft.topic.empty()) nested.write_string(kTopicIdField, graft.topic);
    writer.write_message(kControlGraft, nested);
  }
  for (const ControlPrune& prune : control.prune) {
    codec::ProtoWriter nested;
    if (!prune.topic.empty()) nested.write_string(kTopicIdField, prune.topic);
    for (const PeerInfo& info : prune.peers) {
      codec::ProtoWriter peer;
      write_optional_bytes(peer, kPeerInfoPeerId, info.peer_id);
      write_optional_bytes(peer, kPeerInfoRecord, info.signed_peer_record);
      nested.write_message(kPrunePeers, peer);
    }
    if (prune.backoff_seconds) nested.write_uint64(kPruneBackoff, *prune.backoff_seconds);
    writer.write_message(kControlPrune, nested);
  }
  return writer;
}

}  // namespace

Bytes encode_message(const RpcMessage& message) {
  codec::ProtoWriter writer;
  write_optional_bytes(writer, kMessageFrom, message.from);
  write_optional_bytes(writer, kMessageData, message.data);
  write_optional_bytes(writer, kMessageSeqno, message.seqno);
  if (!message.topic.empty()) writer.write_string(kMessageTopic, message.topic);
  write_optional_bytes(writer, kMessageSignature, message.signature);
  write_optional_bytes(writer, kMessageKey, message.key);
  return writer.take();
}

Bytes encode_rpc(const Rpc& rpc) {
  codec::ProtoWriter writer;
  for (const SubOpts& sub : rpc.subscriptions) {
    codec::ProtoWriter nested;
    nested.write_bool(kSubOptsSubscribe, sub.subscribe);
    nested.write_string(kSubOptsTopic, sub.topic);
    writer.write_message(kRpcSubscriptions, nested);
  }
  for (const RpcMessage& message : rpc.messages) writer.write_bytes(kRpcMessages, encode_message(message));
  if (rpc.control) writer.write_message(kRpcControl, encode_control(*rpc.control));
  return writer.take();
}

Bytes encode_rpc_frame(const Rpc& rpc) {
  Bytes body = encode_rpc(rpc);
  Bytes frame;
  frame.reserve(codec::varint_size(body.size()) + body.size());
  codec::put_varint(frame, body.size());
  frame.insert(frame.end(), body.begin(), body.end());
  return frame;
}

Result<Rpc> decode_rpc(ByteView encoded, const RpcLimits& limits) {
  if (encoded.size() > limits.max_rpc_bytes) {
    return make_error(Errc::kLimitExceeded, "gossipsub RPC: " + std::to_string(encoded.size()) +
                                                " bytes exceed the limit of " +
                                                std::to_string(limits.max_rpc_bytes));
  }
  Rpc rpc;
  DecodeBudget budget;
  codec::ProtoReader reader(encoded);
  while (true) {
    Result<std::optional<codec::ProtoField>> next = reader.next();
    if (!next.ok()) return as_malformed(next.error());
    if (!*next) return rpc;
    const codec::ProtoField& field = **next;
    switch (field.number) {
      case kRpcSubscriptions: {
        if (rpc.subscriptions.size() >= limits.max_subscriptions) {
          return limit_error("subscriptions", limits.max_subscriptions);
        }
        FF_TRY_ASSIGN(ByteView nested, field.as_bytes());
        Result<SubOpts> sub = decode_sub_opts(nested, limits);
        if (!sub.ok()) return as_malformed(sub.error());
        rpc.subscriptions.push_back(std::move(sub).value());
        break;
      }
      case kRpcMessages: {
        if (rpc.messages.size() >= limits.max_messages) return limit_error("messages", limits.max_messages);
        FF_TRY_ASSIGN(ByteView nested, field.as_bytes());
        Result<RpcMessage> message = decode_message(nested, limits);
        if (!message.ok()) return as_malformed(message.error());
        rpc.messages.push_back(std::move(message).value());
        break;
      }
      case kRpcControl: {
        FF_TRY_ASSIGN(ByteView nested, field.as_bytes());
        // A repeated non-repeated message field merges, as protobuf defines.
        if (!rpc.control) rpc.control.emplace();
        Status status = decode_control(nested, limits, budget, *rpc.control);
        if (!status.ok()) return as_malformed(status.error());
        break;
      }
      default: break;
    }
  }
}

}  // namespace ff::net
