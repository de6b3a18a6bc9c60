#include "net/gossipsub/gossipsub_message.hpp"

#include <cstring>
#include <utility>

#include "core/hash/sha256.hpp"

namespace ff::net {
namespace {

struct IdAndKey {
  MessageVerdict verdict;
  std::optional<PublicKey> key;  // set when verdict.ok() under StrictSign
};

MessageVerdict reject(MessageRejection rejection) {
  MessageVerdict verdict;
  verdict.rejection = rejection;
  return verdict;
}

IdAndKey strict_sign_id(const RpcMessage& message) {
  IdAndKey out;
  // The order of the checks follows js validateToRawMessage, so both report the same reason.
  if (!message.seqno) return {reject(MessageRejection::kMissingSeqno), std::nullopt};
  if (message.seqno->size() != kSeqnoBytes) return {reject(MessageRejection::kInvalidSeqno), std::nullopt};
  if (!message.signature) return {reject(MessageRejection::kMissingSignature), std::nullopt};
  if (!message.from) return {reject(MessageRejection::kMissingFrom), std::nullopt};
  Result<PeerId> from = PeerId::from_bytes(*message.from);
  if (!from.ok()) return {reject(MessageRejection::kInvalidFrom), std::nullopt};

  std::optional<PublicKey> key;
  if (message.key) {
    Result<PublicKey> decoded = PublicKey::decode(*message.key);
    if (!decoded.ok()) {
      return {reject(decoded.error().code == Errc::kUnsupported ? MessageRejection::kUnsupportedKey
                                                                : MessageRejection::kInvalidKey),
              std::nullopt};
    }
    // The spec requires the key to match the peer ID whether or not the ID inlines it.
    if (!from->matches(*decoded)) return {reject(MessageRejection::kKeyMismatch), std::nullopt};
    key = std::move(decoded).value();
  } else {
    Result<PublicKey> inlined = from->public_key();
    if (!inlined.ok()) {
      return {reject(inlined.error().code == Errc::kUnsupported ? MessageRejection::kUnsupportedKey
                                                                : MessageRejection::kMissingKey),
              std::nullopt};
    }
    key = std::move(inlined).value();
  }

  out.verdict.id = key->encode();
  out.verdict.id.insert(out.verdict.id.end(), message.seqno->begin(), message.seqno->end());
  out.key = std::move(key);
  return out;
}

MessageVerdict strict_no_sign_id(const RpcMessage& message) {
  if (message.signature) return reject(MessageRejection::kUnexpectedSignature);
  if (message.seqno) return reject(MessageRejection::kUnexpectedSeqno);
  if (message.key) return reject(MessageRejection::kUnexpectedKey);
  if (message.from) return reject(MessageRejection::kUnexpectedFrom);
  MessageVerdict verdict;
  const hash::Sha256Digest digest = hash::sha256(message.data ? ByteView(*message.data) : ByteView());
  verdict.id.assign(digest.begin(), digest.end());
  return verdict;
}

}  // namespace

const char* message_rejection_name(MessageRejection rejection) {
  switch (rejection) {
    case MessageRejection::kNone: return "none";
    case MessageRejection::kMissingTopic: return "missing topic";
    case MessageRejection::kMissingSeqno: return "missing seqno";
    case MessageRejection::kInvalidSeqno: return "seqno not 8 bytes";
    case MessageRejection::kMissingSignature: return "missing signature";
    case MessageRejection::kMissingFrom: return "missing from";
    case MessageRejection::kInvalidFrom: return "from is not a peer ID";
    case MessageRejection::kInvalidKey: return "key does not decode";
    case MessageRejection::kKeyMismatch: return "key does not match from";
    case MessageRejection::kMissingKey: return "key missing for a hashed peer ID";
    case MessageRejection::kUnsupportedKey: return "unsupported key type";
    case MessageRejection::kInvalidSignature: return "invalid signature";
    case MessageRejection::kUnexpectedSignature: return "signature present under StrictNoSign";
    case MessageRejection::kUnexpectedSeqno: return "seqno present under StrictNoSign";
    case MessageRejection::kUnexpectedKey: return "key present under StrictNoSign";
    case MessageRejection::kUnexpectedFrom: return "from present under StrictNoSign";
  }
  return "unknown";
}

Bytes signature_input(const RpcMessage& message) {
  RpcMessage unsigned_part;
  unsigned_part.from = message.from;
  unsigned_part.data = message.data;
  unsigned_part.seqno = message.seqno;
  unsigned_part.topic = message.topic;
  const Bytes encoded = encode_message(unsigned_part);
  const std::size_t prefix_bytes = std::strlen(kPubsubSignPrefix);
  // Sized up front and filled by copy: GCC 12 reports a false array-bounds error for an
  // insert() after a construction from the prefix.
  Bytes input(prefix_bytes + encoded.size());
  std::memcpy(input.data(), kPubsubSignPrefix, prefix_bytes);
  if (!encoded.empty()) std::memcpy(input.data() + prefix_bytes, encoded.data(), encoded.size());
  return input;
}

Bytes encode_seqno(std::uint64_t seqno) {
  Bytes out(kSeqnoBytes);
  for (std::size_t i = 0; i < kSeqnoBytes; ++i) out[i] = static_cast<std::uint8_t>(seqno >> (8 * (7 - i)));
  return out;
}

RpcMessage build_signed_message(const PrivateKey& key, const std::string& topic, ByteView data,
                                std::uint64_t seqno) {
  const PublicKey public_key = key.public_key();
  const PeerId author = PeerId::from_public_key(public_key);
  RpcMessage message;
  message.from = author.bytes();
  // data is always present (js writes it even when empty), so empty payloads sign the same way
  // on both sides.
  message.data = Bytes(data.begin(), data.end());
  message.seqno = encode_seqno(seqno);
  message.topic = topic;
  message.signature = key.sign(signature_input(message));
  if (!author.has_inline_key()) message.key = public_key.encode();
  return message;
}

RpcMessage build_unsigned_message(const std::string& topic, ByteView data) {
  RpcMessage message;
  message.data = Bytes(data.begin(), data.end());
  message.topic = topic;
  return message;
}

MessageVerdict compute_message_id(const RpcMessage& message, SignaturePolicy policy) {
  if (message.topic.empty()) return reject(MessageRejection::kMissingTopic);
  if (policy == SignaturePolicy::kStrictNoSign) return strict_no_sign_id(message);
  MessageVerdict verdict = strict_sign_id(message).verdict;
  if (verdict.ok()) verdict.complete = false;
  return verdict;
}

MessageVerdict validate_message(const RpcMessage& message, SignaturePolicy policy) {
  if (message.topic.empty()) return reject(MessageRejection::kMissingTopic);
  if (policy == SignaturePolicy::kStrictNoSign) return strict_no_sign_id(message);
  IdAndKey checked = strict_sign_id(message);
  if (!checked.verdict.ok()) return checked.verdict;
  if (!checked.key->verify(signature_input(message), *message.signature)) {
    return reject(MessageRejection::kInvalidSignature);
  }
  return checked.verdict;
}

Result<PrevalidatedRpc> prevalidate_rpc(ByteView encoded_rpc, SignaturePolicy policy,
                                        const RpcLimits& limits) {
  FF_TRY_ASSIGN(Rpc rpc, decode_rpc(encoded_rpc, limits));
  PrevalidatedRpc out;
  out.policy = policy;
  out.verdicts.reserve(rpc.messages.size());
  for (const RpcMessage& message : rpc.messages) out.verdicts.push_back(validate_message(message, policy));
  out.rpc = std::move(rpc);
  return out;
}

}  // namespace ff::net
