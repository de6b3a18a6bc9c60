#include "net/identity/keys.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "core/codec/protobuf.hpp"

namespace ff::net {
namespace {

constexpr std::uint32_t kTypeField = 1;
constexpr std::uint32_t kDataField = 2;

constexpr std::size_t kEd25519LegacySecretKeyBytes = 96;

Error unsupported_type(KeyType type, const char* what) {
  return make_error(Errc::kUnsupported, std::string(what) + ": " + key_type_name(type) +
                                            " keys are not supported by this build (only Ed25519)");
}

}  // namespace

const char* key_type_name(KeyType type) {
  switch (type) {
    case KeyType::kRsa: return "RSA";
    case KeyType::kEd25519: return "Ed25519";
    case KeyType::kSecp256k1: return "Secp256k1";
    case KeyType::kEcdsa: return "ECDSA";
  }
  return "unknown";
}

Bytes encode_key_message(KeyType type, ByteView data) {
  codec::ProtoWriter writer;
  writer.write_enum(kTypeField, static_cast<std::int32_t>(type));
  writer.write_bytes(kDataField, data);
  return writer.take();
}

Result<KeyMessage> parse_key_message(ByteView encoded, const char* what) {
  const std::string context(what);
  codec::ProtoReader reader(encoded);
  std::optional<std::int32_t> type_value;
  std::optional<ByteView> data;
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) break;
    if (field->number == kTypeField && !type_value && !data) {
      FF_TRY_ASSIGN(type_value, field->as_int32());
    } else if (field->number == kDataField && type_value && !data) {
      FF_TRY_ASSIGN(data, field->as_bytes());
    } else {
      return make_error(Errc::kInvalidInput, context + ": field " + std::to_string(field->number) +
                                                 " is unknown, repeated or out of order");
    }
  }
  if (!type_value || !data) {
    return make_error(Errc::kInvalidInput, context + ": the Type and Data fields are both required");
  }
  if (*type_value < 0 || *type_value > static_cast<std::int32_t>(KeyType::kEcdsa)) {
    return make_error(Errc::kInvalidInput, context + ": unknown key type " + std::to_string(*type_value));
  }
  if (data->size() > kMaxKeyDataBytes) {
    return make_error(Errc::kInvalidInput, context + ": key data of " + std::to_string(data->size()) +
                                               " bytes exceeds " + std::to_string(kMaxKeyDataBytes));
  }
  KeyMessage message{static_cast<KeyType>(*type_value), *data};
  // Field order and presence are checked above; what is left is minimal varints (the
  // reader accepts redundant ones, as protobuf allows). Re-encoding settles all of it.
  if (encode_key_message(message.type, message.data) != Bytes(encoded.begin(), encoded.end())) {
    return make_error(Errc::kInvalidInput, context + ": not canonically encoded (non-minimal varint)");
  }
  return message;
}

PublicKey PublicKey::from_ed25519(const Ed25519PublicKey& key) {
  return PublicKey(KeyType::kEd25519, Bytes(key.begin(), key.end()));
}

Result<PublicKey> PublicKey::decode(ByteView encoded) {
  FF_TRY_ASSIGN(KeyMessage message, parse_key_message(encoded, "PublicKey"));
  switch (message.type) {
    case KeyType::kEd25519:
      if (message.data.size() != kEd25519PublicKeyBytes) {
        return make_error(Errc::kInvalidInput, "PublicKey: an Ed25519 key must be 32 bytes, got " +
                                                   std::to_string(message.data.size()));
      }
      return PublicKey(message.type, Bytes(message.data.begin(), message.data.end()));
    case KeyType::kRsa:
    case KeyType::kSecp256k1:
    case KeyType::kEcdsa: break;
  }
  return unsupported_type(message.type, "PublicKey");
}

bool PublicKey::verify(ByteView message, ByteView signature) const {
  switch (type_) {
    case KeyType::kEd25519: return ed25519_verify(data(), message, signature);
    case KeyType::kRsa:
    case KeyType::kSecp256k1:
    case KeyType::kEcdsa: break;
  }
  return false;  // unreachable: decode() only builds supported types
}

Result<PrivateKey> PrivateKey::generate_ed25519() {
  FF_TRY_ASSIGN(Ed25519KeyPair pair, Ed25519KeyPair::generate());
  return PrivateKey(pair);
}

Result<PrivateKey> PrivateKey::decode(ByteView encoded) {
  FF_TRY_ASSIGN(KeyMessage message, parse_key_message(encoded, "PrivateKey"));
  switch (message.type) {
    case KeyType::kEd25519: {
      ByteView secret = message.data;
      if (secret.size() == kEd25519LegacySecretKeyBytes) {
        // Older libp2p wrote seed || public || public; the spec says to accept it only if
        // the two public copies agree.
        ByteView first = secret.subspan(kEd25519SeedBytes, kEd25519PublicKeyBytes);
        ByteView second = secret.subspan(kEd25519SeedBytes + kEd25519PublicKeyBytes);
        if (!std::equal(first.begin(), first.end(), second.begin(), second.end())) {
          return make_error(Errc::kInvalidInput,
                            "PrivateKey: legacy 96-byte Ed25519 key has two different public keys");
        }
        secret = secret.first(kEd25519SecretKeyBytes);
      }
      if (secret.size() != kEd25519SecretKeyBytes) {
        return make_error(Errc::kInvalidInput,
                          "PrivateKey: an Ed25519 key must be 64 (or legacy 96) bytes, got " +
                              std::to_string(message.data.size()));
      }
      FF_TRY_ASSIGN(Ed25519KeyPair pair, Ed25519KeyPair::from_secret_key(secret));
      return PrivateKey(pair);
    }
    case KeyType::kRsa:
    case KeyType::kSecp256k1:
    case KeyType::kEcdsa: break;
  }
  return unsupported_type(message.type, "PrivateKey");
}

KeyType PrivateKey::type() const {
  struct Visitor {
    KeyType operator()(const Ed25519KeyPair&) const { return KeyType::kEd25519; }
  };
  return std::visit(Visitor{}, key_);
}

PublicKey PrivateKey::public_key() const {
  struct Visitor {
    PublicKey operator()(const Ed25519KeyPair& pair) const {
      return PublicKey::from_ed25519(pair.public_key());
    }
  };
  return std::visit(Visitor{}, key_);
}

Bytes PrivateKey::encode() const {
  struct Visitor {
    Bytes operator()(const Ed25519KeyPair& pair) const {
      return encode_key_message(KeyType::kEd25519, pair.secret_key());
    }
  };
  return std::visit(Visitor{}, key_);
}

Bytes PrivateKey::sign(ByteView message) const {
  struct Visitor {
    ByteView message;
    Bytes operator()(const Ed25519KeyPair& pair) const {
      Ed25519Signature signature = pair.sign(message);
      return Bytes(signature.begin(), signature.end());
    }
  };
  return std::visit(Visitor{message}, key_);
}

}  // namespace ff::net
