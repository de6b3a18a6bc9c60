#include "net/identity/peer_id.hpp"

#include <sodium.h>

#include <string>

#include "core/codec/base58.hpp"
#include "core/codec/hex.hpp"
#include "core/codec/multibase.hpp"
#include "core/codec/varint.hpp"

namespace ff::net {
namespace {

using codec::hex_number;

constexpr std::size_t kSha256DigestBytes = crypto_hash_sha256_BYTES;

// A canonical PublicKey message whose key is valid for its type as far as this build can
// tell: keys of supported types must decode; others are only checked structurally, so the
// peer IDs of RSA or Secp256k1 peers remain representable.
Status check_public_key(ByteView encoded_public_key) {
  FF_TRY(parse_key_message(encoded_public_key, "PublicKey"));
  Result<PublicKey> key = PublicKey::decode(encoded_public_key);
  if (!key.ok() && key.error().code != Errc::kUnsupported) return key.error();
  return {};
}

}  // namespace

PeerId PeerId::from_canonical_key_bytes(ByteView encoded_public_key) {
  Bytes multihash;
  if (encoded_public_key.size() <= kMaxInlineKeyBytes) {
    codec::put_varint(multihash, kMultihashIdentity);
    codec::put_varint(multihash, encoded_public_key.size());
    multihash.insert(multihash.end(), encoded_public_key.begin(), encoded_public_key.end());
  } else {
    codec::put_varint(multihash, kMultihashSha256);
    codec::put_varint(multihash, kSha256DigestBytes);
    const std::size_t start = multihash.size();
    multihash.resize(start + kSha256DigestBytes);
    crypto_hash_sha256(multihash.data() + start, encoded_public_key.data(), encoded_public_key.size());
  }
  return PeerId(std::move(multihash));
}

PeerId PeerId::from_public_key(const PublicKey& key) {
  const Bytes encoded = key.encode();
  return from_canonical_key_bytes(encoded);
}

Result<PeerId> PeerId::from_encoded_public_key(ByteView encoded_public_key) {
  FF_TRY(check_public_key(encoded_public_key));
  return from_canonical_key_bytes(encoded_public_key);
}

Result<PeerId> PeerId::from_bytes(ByteView multihash) {
  FF_TRY_ASSIGN(codec::VarintDecoded code, codec::get_varint(multihash));
  ByteView rest = multihash.subspan(code.length);
  FF_TRY_ASSIGN(codec::VarintDecoded length, codec::get_varint(rest));
  rest = rest.subspan(length.length);
  if (code.value != kMultihashIdentity && code.value != kMultihashSha256) {
    return make_error(Errc::kInvalidInput, "peer ID: multihash code " + hex_number(code.value) +
                                               " is neither identity (0x00) nor sha2-256 (0x12)");
  }
  if (length.value > rest.size()) {
    return make_error(Errc::kTruncated, "peer ID: multihash announces " + std::to_string(length.value) +
                                            " digest bytes but " + std::to_string(rest.size()) + " follow");
  }
  if (length.value < rest.size()) {
    return make_error(Errc::kInvalidInput, "peer ID: " + std::to_string(rest.size() - length.value) +
                                               " bytes follow the multihash");
  }
  if (code.value == kMultihashSha256) {
    if (length.value != kSha256DigestBytes) {
      return make_error(Errc::kInvalidInput,
                        "peer ID: a sha2-256 digest must be 32 bytes, got " + std::to_string(length.value));
    }
  } else {
    if (length.value > kMaxInlineKeyBytes) {
      return make_error(
          Errc::kInvalidInput,
          "peer ID: an inlined (identity) key must be at most 42 bytes, got " + std::to_string(length.value));
    }
    // The digest must be the canonical key encoding, or one key would have two peer IDs.
    // The multihash is complete, so a key message that ends early is malformed, not
    // truncated input a caller could wait on.
    if (auto key = check_public_key(rest); !key.ok()) {
      return make_error(Errc::kInvalidInput, "peer ID inlined " + key.error().message);
    }
  }
  return PeerId(Bytes(multihash.begin(), multihash.end()));
}

Result<PeerId> PeerId::parse(std::string_view text) {
  if (text.empty()) return make_error(Errc::kInvalidInput, "peer ID: empty text");
  if (text.size() > kMaxPeerIdTextChars) {
    return make_error(Errc::kInvalidInput, "peer ID: text of " + std::to_string(text.size()) +
                                               " characters is longer than any peer ID");
  }
  // Spec "Decoding": "1..." and "Qm..." are bare base58btc multihashes; anything else must
  // be a multibase CID.
  if (text[0] == '1' || text.substr(0, 2) == "Qm") {
    Result<Bytes> multihash = codec::base58_decode(text);
    if (!multihash.ok()) {
      return make_error(multihash.error().code, "peer ID: bad base58btc text: " + multihash.error().message);
    }
    return from_bytes(*multihash);
  }
  Result<codec::MultibaseDecoded> decoded = codec::multibase_decode(text);
  if (!decoded.ok()) {
    return make_error(decoded.error().code,
                      "peer ID: neither base58btc nor a multibase CID: " + decoded.error().message);
  }
  ByteView cid(decoded->data.data(), decoded->data.size());
  FF_TRY_ASSIGN(codec::VarintDecoded version, codec::get_varint(cid));
  if (version.value != kCidVersion1) {
    return make_error(Errc::kInvalidInput,
                      "peer ID: CID version " + std::to_string(version.value) + " is not 1");
  }
  cid = cid.subspan(version.length);
  FF_TRY_ASSIGN(codec::VarintDecoded codec_number, codec::get_varint(cid));
  if (codec_number.value != kMulticodecLibp2pKey) {
    return make_error(Errc::kInvalidInput,
                      "peer ID: CID codec " + hex_number(codec_number.value) + " is not libp2p-key (0x72)");
  }
  return from_bytes(cid.subspan(codec_number.length));
}

std::string PeerId::to_base58() const { return codec::base58_encode(multihash_); }

std::string PeerId::to_cid() const {
  Bytes cid;
  codec::put_varint(cid, kCidVersion1);
  codec::put_varint(cid, kMulticodecLibp2pKey);
  cid.insert(cid.end(), multihash_.begin(), multihash_.end());
  return codec::multibase_encode(codec::Multibase::kBase32, cid);
}

bool PeerId::has_inline_key() const { return !multihash_.empty() && multihash_[0] == kMultihashIdentity; }

Result<PublicKey> PeerId::public_key() const {
  if (!has_inline_key()) {
    return make_error(Errc::kNotFound, "peer ID " + to_base58() + " holds a hash of its key, not the key");
  }
  // Identity code (1 byte) and a length of at most 42 (1 byte), checked on construction.
  return PublicKey::decode(ByteView(multihash_).subspan(2));
}

}  // namespace ff::net
