// Message authorship for pubsub: signing policies, message ids, and the validation of a
// received message (libp2p specs pubsub/README.md "Message Signing"; js-libp2p
// @libp2p/gossipsub buildRawMessage.ts and msgIdFn.ts, which we match byte for byte).
//
// Everything here is a pure function of its arguments, safe to call from any thread. That is
// what lets a runtime move signature verification (about 21k Ed25519 verifies per second per
// core) off the router's thread: prevalidate_rpc() decodes a frame and checks every message
// on a worker, and GossipSub::handle_prevalidated() takes the result (docs/gossipsub.md
// "Verification off the router thread").
//
// StrictSign (the default, js's default):
//   from      = the author's peer ID multihash bytes
//   seqno     = 8 bytes, big-endian
//   signature = Ed25519 over "libp2p-pubsub:" || encode_message({from, data, seqno, topic})
//   key       = the author's PublicKey protobuf; we omit it when `from` inlines the key
//               (identity multihash, every Ed25519 peer), as go-libp2p does; js always sends it
//               and accepts either.
//   message id = PublicKey protobuf of the author || seqno   (js msgIdFnStrictSign; for Ed25519
//               08 01 12 20 <32-byte key> <8-byte seqno>, 44 bytes. Not go's from || seqno.)
// StrictNoSign:
//   no from, seqno, signature or key; message id = SHA-256(data), the raw 32-byte digest (js
//   msgIdFnStrictNoSign = multiformats sha256.encode, which returns the bare digest).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/gossipsub/gossipsub_rpc.hpp"
#include "net/identity/keys.hpp"
#include "net/identity/peer_id.hpp"

namespace ff::net {

enum class SignaturePolicy : std::uint8_t {
  kStrictSign,
  kStrictNoSign,
};

// The prefix of every signature input.
inline constexpr char kPubsubSignPrefix[] = "libp2p-pubsub:";
inline constexpr std::size_t kSeqnoBytes = 8;

// Why a received message was rejected. Every reason is counted separately by the router.
enum class MessageRejection : std::uint8_t {
  kNone = 0,
  kMissingTopic,         // empty or absent topic
  kMissingSeqno,         // StrictSign: no seqno
  kInvalidSeqno,         // StrictSign: seqno not 8 bytes
  kMissingSignature,     // StrictSign: no signature
  kMissingFrom,          // StrictSign: no from
  kInvalidFrom,          // StrictSign: from is not a valid peer ID
  kInvalidKey,           // StrictSign: key field does not decode to a usable public key
  kKeyMismatch,          // StrictSign: key does not derive to from
  kMissingKey,           // StrictSign: from hashes its key and no key field came with it
  kUnsupportedKey,       // StrictSign: a key type this build cannot verify (RSA, secp256k1...)
  kInvalidSignature,     // StrictSign: the signature does not verify
  kUnexpectedSignature,  // StrictNoSign: signature present
  kUnexpectedSeqno,      // StrictNoSign: seqno present
  kUnexpectedKey,        // StrictNoSign: key present
  kUnexpectedFrom,       // StrictNoSign: from present
};
inline constexpr std::size_t kMessageRejectionCount = 16;

const char* message_rejection_name(MessageRejection rejection);

// The outcome of validating one message: its id, or why it was rejected.
struct MessageVerdict {
  MessageRejection rejection = MessageRejection::kNone;
  MessageId id;  // empty when rejected
  // False for an ok() verdict of compute_message_id under StrictSign: the signature was not
  // checked yet. Rejections and validate_message's verdicts are complete.
  bool complete = true;
  bool ok() const { return rejection == MessageRejection::kNone; }
};

// "libp2p-pubsub:" || encode_message({from, data, seqno, topic}) with presence kept as
// received: the bytes both signer and verifier hash.
Bytes signature_input(const RpcMessage& message);

// The big-endian 8-byte encoding of a sequence number.
Bytes encode_seqno(std::uint64_t seqno);

// A StrictSign message by `key`'s owner. `key` is included only when the peer ID does not
// inline it (see the header comment).
RpcMessage build_signed_message(const PrivateKey& key, const std::string& topic, ByteView data,
                                std::uint64_t seqno);
// A StrictNoSign message: topic and data only.
RpcMessage build_unsigned_message(const std::string& topic, ByteView data);

// The message id without verifying the signature: cheap checks only (field presence, peer ID
// and key parsing). The router uses it to drop duplicates before paying for a verification.
// A verdict that is ok() here may still fail validate_message(); under StrictSign it is
// marked incomplete.
MessageVerdict compute_message_id(const RpcMessage& message, SignaturePolicy policy);

// Full validation under `policy`: the checks of compute_message_id plus, under StrictSign,
// the signature. Matches js validateToRawMessage, except that StrictNoSign also rejects a
// present `from` (the spec forbids it; js never sends one).
MessageVerdict validate_message(const RpcMessage& message, SignaturePolicy policy);

// An RPC decoded and with every message validated, ready for GossipSub::handle_prevalidated.
// verdicts[i] belongs to rpc.messages[i]. An incomplete verdict (compute_message_id's, for a
// message the runtime chose not to verify, e.g. a likely duplicate) makes the router check
// that message itself.
struct PrevalidatedRpc {
  SignaturePolicy policy = SignaturePolicy::kStrictSign;
  Rpc rpc;
  std::vector<MessageVerdict> verdicts;
};

// decode_rpc, then validate_message on each message. Pure: run it on any thread. The errors
// are decode_rpc's; a rejected message is a verdict, not an error.
Result<PrevalidatedRpc> prevalidate_rpc(ByteView encoded_rpc, SignaturePolicy policy,
                                        const RpcLimits& limits = {});

}  // namespace ff::net
