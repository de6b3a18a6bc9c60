#include "net/protocols/identify_message.hpp"

#include "core/codec/protobuf.hpp"

namespace ff::net {
namespace {

// Field numbers of docs/wire/identify.proto.
constexpr std::uint32_t kFieldPublicKey = 1;
constexpr std::uint32_t kFieldListenAddrs = 2;
constexpr std::uint32_t kFieldProtocols = 3;
constexpr std::uint32_t kFieldObservedAddr = 4;
constexpr std::uint32_t kFieldProtocolVersion = 5;
constexpr std::uint32_t kFieldAgentVersion = 6;
constexpr std::uint32_t kFieldSignedPeerRecord = 8;

Error field_error(const Error& error, const char* field) {
  return make_error(error.code, std::string("identify: field ") + field + ": " + error.message);
}

}  // namespace

bool operator==(const IdentifyMessage& a, const IdentifyMessage& b) {
  return a.protocol_version == b.protocol_version && a.agent_version == b.agent_version &&
         a.public_key == b.public_key && a.listen_addrs == b.listen_addrs &&
         a.observed_addr == b.observed_addr && a.protocols == b.protocols &&
         a.signed_peer_record == b.signed_peer_record;
}

Bytes encode_identify_message(const IdentifyMessage& message) {
  codec::ProtoWriter writer;
  if (message.public_key) writer.write_bytes(kFieldPublicKey, *message.public_key);
  for (const Bytes& address : message.listen_addrs) writer.write_bytes(kFieldListenAddrs, address);
  for (const std::string& protocol : message.protocols) writer.write_string(kFieldProtocols, protocol);
  if (message.observed_addr) writer.write_bytes(kFieldObservedAddr, *message.observed_addr);
  if (message.protocol_version) writer.write_string(kFieldProtocolVersion, *message.protocol_version);
  if (message.agent_version) writer.write_string(kFieldAgentVersion, *message.agent_version);
  if (message.signed_peer_record) writer.write_bytes(kFieldSignedPeerRecord, *message.signed_peer_record);
  return writer.take();
}

Result<IdentifyMessage> decode_identify_message(ByteView encoded) {
  if (encoded.size() > kMaxIdentifyMessageBytes) {
    return make_error(Errc::kLimitExceeded, "identify: message of " + std::to_string(encoded.size()) +
                                                " bytes exceeds " + std::to_string(kMaxIdentifyMessageBytes));
  }
  IdentifyMessage message;
  codec::ProtoReader reader(encoded);
  while (true) {
    Result<std::optional<codec::ProtoField>> next = reader.next();
    if (!next.ok()) return make_error(next.error().code, "identify: " + next.error().message);
    if (!next->has_value()) break;
    const codec::ProtoField& field = **next;
    switch (field.number) {
      case kFieldPublicKey: {
        Result<ByteView> value = field.as_bytes();
        if (!value.ok()) return field_error(value.error(), "publicKey");
        message.public_key = Bytes(value->begin(), value->end());
        break;
      }
      case kFieldListenAddrs: {
        Result<ByteView> value = field.as_bytes();
        if (!value.ok()) return field_error(value.error(), "listenAddrs");
        if (message.listen_addrs.size() == kMaxIdentifyListenAddrs) {
          return make_error(
              Errc::kLimitExceeded,
              "identify: more than " + std::to_string(kMaxIdentifyListenAddrs) + " listenAddrs");
        }
        message.listen_addrs.emplace_back(value->begin(), value->end());
        break;
      }
      case kFieldProtocols: {
        Result<std::string_view> value = field.as_string();
        if (!value.ok()) return field_error(value.error(), "protocols");
        if (message.protocols.size() == kMaxIdentifyProtocols) {
          return make_error(Errc::kLimitExceeded,
                            "identify: more than " + std::to_string(kMaxIdentifyProtocols) + " protocols");
        }
        message.protocols.emplace_back(*value);
        break;
      }
      case kFieldObservedAddr: {
        Result<ByteView> value = field.as_bytes();
        if (!value.ok()) return field_error(value.error(), "observedAddr");
        message.observed_addr = Bytes(value->begin(), value->end());
        break;
      }
      case kFieldProtocolVersion: {
        Result<std::string_view> value = field.as_string();
        if (!value.ok()) return field_error(value.error(), "protocolVersion");
        message.protocol_version = std::string(*value);
        break;
      }
      case kFieldAgentVersion: {
        Result<std::string_view> value = field.as_string();
        if (!value.ok()) return field_error(value.error(), "agentVersion");
        message.agent_version = std::string(*value);
        break;
      }
      case kFieldSignedPeerRecord: {
        Result<ByteView> value = field.as_bytes();
        if (!value.ok()) return field_error(value.error(), "signedPeerRecord");
        message.signed_peer_record = Bytes(value->begin(), value->end());
        break;
      }
      default: break;  // unknown field: skipped
    }
  }
  return message;
}

}  // namespace ff::net
