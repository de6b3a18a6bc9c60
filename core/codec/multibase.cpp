#include "core/codec/multibase.hpp"

#include <optional>
#include <string>

#include "core/codec/base32.hpp"
#include "core/codec/base58.hpp"
#include "core/codec/base64.hpp"
#include "core/codec/hex.hpp"

namespace ff::codec {
namespace {

std::optional<Multibase> base_for_prefix(char prefix) {
  switch (prefix) {
    case 'f': return Multibase::kBase16;
    case 'F': return Multibase::kBase16Upper;
    case 'b': return Multibase::kBase32;
    case 'B': return Multibase::kBase32Upper;
    case 'z': return Multibase::kBase58Btc;
    case 'm': return Multibase::kBase64;
    case 'M': return Multibase::kBase64Pad;
    case 'u': return Multibase::kBase64Url;
    case 'U': return Multibase::kBase64UrlPad;
    default: return std::nullopt;
  }
}

}  // namespace

char multibase_prefix(Multibase base) {
  switch (base) {
    case Multibase::kBase16: return 'f';
    case Multibase::kBase16Upper: return 'F';
    case Multibase::kBase32: return 'b';
    case Multibase::kBase32Upper: return 'B';
    case Multibase::kBase58Btc: return 'z';
    case Multibase::kBase64: return 'm';
    case Multibase::kBase64Pad: return 'M';
    case Multibase::kBase64Url: return 'u';
    case Multibase::kBase64UrlPad: return 'U';
  }
  return '?';
}

const char* multibase_name(Multibase base) {
  // The names of the multibase table (multibase.csv).
  switch (base) {
    case Multibase::kBase16: return "base16";
    case Multibase::kBase16Upper: return "base16upper";
    case Multibase::kBase32: return "base32";
    case Multibase::kBase32Upper: return "base32upper";
    case Multibase::kBase58Btc: return "base58btc";
    case Multibase::kBase64: return "base64";
    case Multibase::kBase64Pad: return "base64pad";
    case Multibase::kBase64Url: return "base64url";
    case Multibase::kBase64UrlPad: return "base64urlpad";
  }
  return "unknown";
}

std::string multibase_encode(Multibase base, ByteView data) {
  std::string out(1, multibase_prefix(base));
  switch (base) {
    case Multibase::kBase16: out += hex_encode(data, LetterCase::kLower); break;
    case Multibase::kBase16Upper: out += hex_encode(data, LetterCase::kUpper); break;
    case Multibase::kBase32: out += base32_encode(data, LetterCase::kLower); break;
    case Multibase::kBase32Upper: out += base32_encode(data, LetterCase::kUpper); break;
    case Multibase::kBase58Btc: out += base58_encode(data); break;
    case Multibase::kBase64:
      out += base64_encode(data, Base64Alphabet::kStandard, Base64Padding::kUnpadded);
      break;
    case Multibase::kBase64Pad:
      out += base64_encode(data, Base64Alphabet::kStandard, Base64Padding::kPadded);
      break;
    case Multibase::kBase64Url:
      out += base64_encode(data, Base64Alphabet::kUrl, Base64Padding::kUnpadded);
      break;
    case Multibase::kBase64UrlPad:
      out += base64_encode(data, Base64Alphabet::kUrl, Base64Padding::kPadded);
      break;
  }
  return out;
}

Result<MultibaseDecoded> multibase_decode(std::string_view text) {
  if (text.empty()) return make_error(Errc::kInvalidInput, "multibase: empty text has no prefix");
  const std::optional<Multibase> base = base_for_prefix(text[0]);
  if (!base) {
    const auto prefix = static_cast<std::uint8_t>(text[0]);
    return make_error(Errc::kUnsupported,
                      "multibase: unsupported prefix byte 0x" + hex_encode(ByteView(&prefix, 1)));
  }
  const std::string_view body = text.substr(1);
  Result<Bytes> data = make_error(Errc::kInvalidInput, "multibase: unreachable");
  switch (*base) {
    case Multibase::kBase16: data = hex_decode_strict_case(body, LetterCase::kLower); break;
    case Multibase::kBase16Upper: data = hex_decode_strict_case(body, LetterCase::kUpper); break;
    case Multibase::kBase32: data = base32_decode(body, LetterCase::kLower); break;
    case Multibase::kBase32Upper: data = base32_decode(body, LetterCase::kUpper); break;
    case Multibase::kBase58Btc: data = base58_decode(body); break;
    case Multibase::kBase64:
      data = base64_decode(body, Base64Alphabet::kStandard, Base64Padding::kUnpadded);
      break;
    case Multibase::kBase64Pad:
      data = base64_decode(body, Base64Alphabet::kStandard, Base64Padding::kPadded);
      break;
    case Multibase::kBase64Url:
      data = base64_decode(body, Base64Alphabet::kUrl, Base64Padding::kUnpadded);
      break;
    case Multibase::kBase64UrlPad:
      data = base64_decode(body, Base64Alphabet::kUrl, Base64Padding::kPadded);
      break;
  }
  if (!data) {
    return make_error(data.error().code,
                      std::string("multibase ") + multibase_name(*base) + ": " + data.error().message);
  }
  return MultibaseDecoded{*base, std::move(data).value()};
}

}  // namespace ff::codec
