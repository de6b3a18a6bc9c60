// libp2p keys as they cross the I/O boundary: the PublicKey and PrivateKey protobuf
// messages of the libp2p specs (peer-ids/peer-ids.md "Keys"; schema docs/wire/keys.proto).
//
//   message PublicKey  { required KeyType Type = 1; required bytes Data = 2; }
//   message PrivateKey { required KeyType Type = 1; required bytes Data = 2; }
//
// The spec requires a deterministic encoding (both fields, in tag order, minimal varints,
// nothing else), because a peer ID is derived from these exact bytes. We write that form
// and accept only that form: a key whose bytes are not canonical would give two peer IDs
// for one key.
//
// Key types are pluggable: the type is a tag beside opaque Data, and only the switch
// statements in keys.cpp know what each type means. This build supports Ed25519; the other
// spec types parse (so their peer IDs can be computed and printed) but decoding them into a
// usable key reports kUnsupported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <variant>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/identity/ed25519.hpp"

namespace ff::net {

// The KeyType enum of the spec; the numbers are wire values.
enum class KeyType : std::uint8_t {
  kRsa = 0,
  kEd25519 = 1,
  kSecp256k1 = 2,
  kEcdsa = 3,
};

const char* key_type_name(KeyType type);

// Bound on the Data field we accept. An RSA-16384 public key in DER is about 2 KiB and its
// private key about 9 KiB; anything larger is not a key.
inline constexpr std::size_t kMaxKeyDataBytes = 16 * 1024;

// The two fields of a PublicKey or PrivateKey message, parsed but not interpreted. `data`
// views the input.
struct KeyMessage {
  KeyType type = KeyType::kEd25519;
  ByteView data;
};

// Writes the canonical message: field 1 (varint type), then field 2 (bytes).
Bytes encode_key_message(KeyType type, ByteView data);

// Parses a canonically encoded message. kTruncated if `encoded` ends inside a field;
// kInvalidInput for a missing, repeated, unknown or out-of-order field, a KeyType outside
// the spec's four, a Data field over kMaxKeyDataBytes, or any other non-canonical byte.
// `what` names the message in error texts ("PublicKey", "PrivateKey").
Result<KeyMessage> parse_key_message(ByteView encoded, const char* what);

// A public key of a supported type, as used to verify signatures and derive peer IDs.
class PublicKey {
 public:
  static PublicKey from_ed25519(const Ed25519PublicKey& key);

  // Decodes a PublicKey protobuf. Errors as parse_key_message, plus kUnsupported for a key
  // type this build cannot use (RSA, Secp256k1, ECDSA) and kInvalidInput for Data of the
  // wrong size for its type (Ed25519: exactly 32 bytes).
  static Result<PublicKey> decode(ByteView encoded);

  KeyType type() const { return type_; }
  // The type-specific key bytes (Ed25519: the 32-byte RFC 8032 public key).
  ByteView data() const { return ByteView(data_.data(), data_.size()); }

  // The canonical PublicKey protobuf (Ed25519: 08 01 12 20 <32 bytes>, 36 bytes).
  Bytes encode() const { return encode_key_message(type_, data()); }

  // True iff `signature` is this key's signature of `message` under the signing rules of
  // the key's type (Ed25519: plain RFC 8032).
  bool verify(ByteView message, ByteView signature) const;

  friend bool operator==(const PublicKey& a, const PublicKey& b) {
    return a.type_ == b.type_ && a.data_ == b.data_;
  }
  friend bool operator!=(const PublicKey& a, const PublicKey& b) { return !(a == b); }

 private:
  PublicKey(KeyType type, Bytes data) : type_(type), data_(std::move(data)) {}

  KeyType type_;
  Bytes data_;
};

// A private key of a supported type. Its PrivateKey protobuf encoding (encode()/decode())
// is also the key file format of `largo p2p --key FILE` (docs/wire/keys.proto): the same
// bytes go-libp2p and js-libp2p store, so identities move between implementations.
class PrivateKey {
 public:
  explicit PrivateKey(Ed25519KeyPair key) : key_(std::move(key)) {}

  // A fresh Ed25519 identity from libsodium's CSPRNG (see Ed25519KeyPair::generate).
  static Result<PrivateKey> generate_ed25519();

  // Decodes a PrivateKey protobuf. Ed25519 Data is seed || public key (64 bytes) or the
  // legacy seed || public || public (96 bytes, whose two public copies must be equal); in
  // both the public key must be the one the seed derives (kInvalidInput otherwise). Other
  // spec key types: kUnsupported.
  static Result<PrivateKey> decode(ByteView encoded);

  KeyType type() const;
  PublicKey public_key() const;

  // The canonical PrivateKey protobuf (Ed25519: 08 01 12 40 <seed> <public>, 68 bytes);
  // always the preferred 64-byte Ed25519 form, even if decoded from the legacy one.
  Bytes encode() const;

  // This key's signature of `message` (Ed25519: 64 bytes, RFC 8032).
  Bytes sign(ByteView message) const;

  // The Ed25519 key pair, or nullptr if this is another type.
  const Ed25519KeyPair* ed25519() const { return std::get_if<Ed25519KeyPair>(&key_); }

 private:
  // One alternative per supported key type; adding a type adds an alternative here and a
  // case in each function of keys.cpp.
  std::variant<Ed25519KeyPair> key_;
};

}  // namespace ff::net
