// libp2p peer IDs (libp2p specs peer-ids/peer-ids.md "Peer Ids"): the multihash of a
// peer's canonical PublicKey protobuf. Keys that encode to at most 42 bytes (Ed25519,
// Secp256k1) are inlined with the identity multihash; longer ones (RSA, ECDSA) are hashed
// with sha2-256.
//
//   Ed25519 peer ID bytes: 00 24 | 08 01 12 20 <32-byte key>      (identity, 36 bytes)
//   text, legacy/default:  base58btc of those bytes               "12D3KooW..."
//   text, CIDv1:           'b' + base32(01 72 <multihash>)        "bafzaa..."
//
// A PeerId always holds a validated multihash: every constructor checks it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/identity/keys.hpp"

namespace ff::net {

// Multihash and multicodec numbers (https://github.com/multiformats/multicodec).
inline constexpr std::uint64_t kMultihashIdentity = 0x00;
inline constexpr std::uint64_t kMultihashSha256 = 0x12;
inline constexpr std::uint64_t kCidVersion1 = 0x01;
inline constexpr std::uint64_t kMulticodecLibp2pKey = 0x72;

// Encoded keys up to this size are inlined (identity multihash); longer ones are hashed.
inline constexpr std::size_t kMaxInlineKeyBytes = 42;
// The longest valid peer ID: identity code, length, 42 bytes of key.
inline constexpr std::size_t kMaxPeerIdBytes = 2 + kMaxInlineKeyBytes;
// Longest text we try to parse. Valid forms are at most about 80 characters (base32 CID of
// kMaxPeerIdBytes); the bound keeps hostile input from reaching the quadratic base58.
inline constexpr std::size_t kMaxPeerIdTextChars = 128;

class PeerId {
 public:
  // The peer ID of a key we can use.
  static PeerId from_public_key(const PublicKey& key);

  // The peer ID of an encoded PublicKey protobuf of any spec key type, including those this
  // build cannot use for signatures (RSA, ...). Errors as parse_key_message, plus
  // kInvalidInput for a key of a supported type that does not decode (an Ed25519 key that
  // is not 32 bytes).
  static Result<PeerId> from_encoded_public_key(ByteView encoded_public_key);

  // Validates and adopts a binary peer ID (a multihash), as carried in multiaddrs (/p2p),
  // Identify and GossipSub. kInvalidInput for a multihash code other than identity or
  // sha2-256, a length that does not match the rest of the input (or is not 32 for
  // sha2-256, or over 42 for identity), an identity digest that is not a canonical
  // PublicKey protobuf (or holds a supported key type with invalid data), or non-minimal
  // varints; kTruncated for input that ends early.
  static Result<PeerId> from_bytes(ByteView multihash);

  // Parses either text form (spec "Decoding"): a bare base58btc multihash ("1..." or
  // "Qm..."), or a multibase CIDv1 with the libp2p-key codec (0x72). Errors as from_bytes,
  // plus kInvalidInput for bad base58/base32 text, a CID of another version or codec, or
  // text longer than kMaxPeerIdTextChars; kUnsupported for a multibase we cannot read.
  static Result<PeerId> parse(std::string_view text);

  // The multihash bytes.
  const Bytes& bytes() const { return multihash_; }
  // base58btc of the multihash: the canonical text form ("12D3KooW...").
  std::string to_base58() const;
  // The CIDv1 text form, base32 multibase ("bafz...").
  std::string to_cid() const;
  std::string to_string() const { return to_base58(); }

  // True if the key is inlined (identity multihash) and can be recovered from the ID.
  bool has_inline_key() const;
  // The inlined public key. kNotFound if the key is hashed (the peer must send it, e.g.
  // in Identify or the Noise handshake); kUnsupported for an inlined key type this build
  // cannot use.
  Result<PublicKey> public_key() const;
  // True iff `key` is the key this ID names.
  bool matches(const PublicKey& key) const { return *this == from_public_key(key); }

  friend bool operator==(const PeerId& a, const PeerId& b) { return a.multihash_ == b.multihash_; }
  friend bool operator!=(const PeerId& a, const PeerId& b) { return !(a == b); }
  // Byte-wise (unsigned) order of the multihash, for ordered containers. Compared as
  // string_views: vector's operator<=> trips a false g++ 12 -Wstringop-overread at -O3.
  friend bool operator<(const PeerId& a, const PeerId& b) {
    return as_chars(a.multihash_) < as_chars(b.multihash_);
  }

 private:
  explicit PeerId(Bytes multihash) : multihash_(std::move(multihash)) {}
  static PeerId from_canonical_key_bytes(ByteView encoded_public_key);

  Bytes multihash_;
};

struct PeerIdHash {
  std::size_t operator()(const PeerId& id) const {
    return std::hash<std::string_view>{}(as_chars(id.bytes()));
  }
};

}  // namespace ff::net

template <>
struct std::hash<ff::net::PeerId> : ff::net::PeerIdHash {};
