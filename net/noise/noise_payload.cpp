#include "net/noise/noise_payload.hpp"

#include "core/codec/protobuf.hpp"

namespace ff::net {
namespace {

constexpr std::uint32_t kIdentityKeyField = 1;
constexpr std::uint32_t kIdentitySigField = 2;
constexpr std::uint32_t kExtensionsField = 4;
constexpr std::uint32_t kCerthashesField = 1;
constexpr std::uint32_t kStreamMuxersField = 2;

Error too_many_entries() {
  return make_error(
      Errc::kLimitExceeded,
      "Noise payload: more than " + std::to_string(kMaxNoiseExtensionEntries) + " extension entries");
}

// Merges one encoded NoiseExtensions message into `extensions`.
Status decode_extensions(ByteView encoded, NoiseExtensions& extensions) {
  codec::ProtoReader reader(encoded);
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) return {};
    if (field->number == kCerthashesField) {
      FF_TRY_ASSIGN(ByteView certhash, field->as_bytes());
      if (extensions.webtransport_certhashes.size() >= kMaxNoiseExtensionEntries) return too_many_entries();
      extensions.webtransport_certhashes.emplace_back(certhash.begin(), certhash.end());
    } else if (field->number == kStreamMuxersField) {
      FF_TRY_ASSIGN(std::string_view muxer, field->as_string());
      if (extensions.stream_muxers.size() >= kMaxNoiseExtensionEntries) return too_many_entries();
      if (muxer.size() > kMaxStreamMuxerNameBytes) {
        return make_error(Errc::kLimitExceeded, "Noise payload: a stream muxer name of " +
                                                    std::to_string(muxer.size()) + " bytes exceeds 1024");
      }
      extensions.stream_muxers.emplace_back(muxer);
    }
  }
}

}  // namespace

Bytes NoiseHandshakePayload::encode() const {
  codec::ProtoWriter writer;
  writer.write_bytes(kIdentityKeyField, identity_key);
  writer.write_bytes(kIdentitySigField, identity_sig);
  if (extensions) {
    codec::ProtoWriter nested;
    for (const Bytes& certhash : extensions->webtransport_certhashes)
      nested.write_bytes(kCerthashesField, certhash);
    for (const std::string& muxer : extensions->stream_muxers) nested.write_string(kStreamMuxersField, muxer);
    writer.write_message(kExtensionsField, nested);
  }
  return writer.take();
}

Result<NoiseHandshakePayload> NoiseHandshakePayload::decode(ByteView encoded) {
  Result<NoiseHandshakePayload> payload = decode_fields(encoded);
  // The payload is always a whole (decrypted) message: if it ends inside a field it is
  // malformed, not truncated input that more bytes could complete.
  if (!payload.ok() && payload.error().code == Errc::kTruncated) {
    return make_error(Errc::kInvalidInput, payload.error().message);
  }
  return payload;
}

Result<NoiseHandshakePayload> NoiseHandshakePayload::decode_fields(ByteView encoded) {
  NoiseHandshakePayload payload;
  codec::ProtoReader reader(encoded);
  while (true) {
    FF_TRY_ASSIGN(std::optional<codec::ProtoField> field, reader.next());
    if (!field) break;
    switch (field->number) {
      case kIdentityKeyField: {
        FF_TRY_ASSIGN(ByteView key, field->as_bytes());
        payload.identity_key.assign(key.begin(), key.end());
        break;
      }
      case kIdentitySigField: {
        FF_TRY_ASSIGN(ByteView signature, field->as_bytes());
        payload.identity_sig.assign(signature.begin(), signature.end());
        break;
      }
      case kExtensionsField: {
        FF_TRY_ASSIGN(ByteView nested, field->as_bytes());
        if (!payload.extensions) payload.extensions.emplace();
        FF_TRY(decode_extensions(nested, *payload.extensions));
        break;
      }
      default: break;  // unknown fields are skipped, as protobuf requires
    }
  }
  return payload;
}

}  // namespace ff::net
