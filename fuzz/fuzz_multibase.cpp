// Fuzzes the text decoders (multibase, base58, base64, base32, hex). The first byte picks
// the decoder, the rest is the text. Every decoder is strict, so any accepted text must
// re-encode to exactly itself, and decoding that again gives the same bytes. The raw input
// is also encoded in every multibase base and must decode back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/codec/base32.hpp"
#include "core/codec/base58.hpp"
#include "core/codec/base64.hpp"
#include "core/codec/hex.hpp"
#include "core/codec/multibase.hpp"

namespace {

using namespace ff::codec;

void check(bool condition) {
  if (!condition) std::abort();
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

constexpr Multibase kBases[] = {Multibase::kBase16,      Multibase::kBase16Upper, Multibase::kBase32,
                                Multibase::kBase32Upper, Multibase::kBase58Btc,   Multibase::kBase64,
                                Multibase::kBase64Pad,   Multibase::kBase64Url,   Multibase::kBase64UrlPad};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  switch (data[0] % 8) {
    case 0: {
      auto decoded = multibase_decode(text);
      if (decoded.ok()) {
        const std::string encoded = multibase_encode(decoded->base, decoded->data);
        check(encoded == text);
        auto again = multibase_decode(encoded);
        check(again.ok() && again->base == decoded->base && again->data == decoded->data);
      }
      break;
    }
    case 1: {
      auto decoded = base58_decode(text);
      if (decoded.ok()) {
        check(base58_encode(*decoded) == text);
        auto again = base58_decode(base58_encode(*decoded));
        check(again.ok() && *again == *decoded);
      } else {
        check(decoded.error().code != ff::Errc::kLimitExceeded || text.size() > kMaxBase58DecodeChars);
      }
      break;
    }
    case 2:
    case 3: {
      const auto alphabet = data[0] & 1 ? Base64Alphabet::kUrl : Base64Alphabet::kStandard;
      for (auto padding : {Base64Padding::kPadded, Base64Padding::kUnpadded}) {
        auto decoded = base64_decode(text, alphabet, padding);
        if (decoded.ok()) {
          check(base64_encode(*decoded, alphabet, padding) == text);
          auto again = base64_decode(base64_encode(*decoded, alphabet, padding), alphabet, padding);
          check(again.ok() && *again == *decoded);
        }
      }
      break;
    }
    case 4: {
      for (auto letters : {LetterCase::kLower, LetterCase::kUpper}) {
        auto decoded = base32_decode(text, letters);
        if (decoded.ok()) check(base32_encode(*decoded, letters) == text);
      }
      break;
    }
    case 5: {
      auto decoded = hex_decode(text);
      if (decoded.ok()) {
        check(hex_encode(*decoded) == lower(text));
        auto again = hex_decode(hex_encode(*decoded));
        check(again.ok() && *again == *decoded);
      }
      break;
    }
    default: {
      // Encoders: arbitrary bytes in every base round-trip (base58 only within its bound).
      const ff::ByteView bytes(data + 1, size - 1);
      for (Multibase base : kBases) {
        const std::string encoded = multibase_encode(base, bytes);
        auto decoded = multibase_decode(encoded);
        if (base == Multibase::kBase58Btc && encoded.size() - 1 > kMaxBase58DecodeChars) {
          check(!decoded.ok() && decoded.error().code == ff::Errc::kLimitExceeded);
          continue;
        }
        check(decoded.ok() && decoded->base == base);
        check(decoded->data.size() == bytes.size());
        for (std::size_t i = 0; i < bytes.size(); ++i) check(decoded->data[i] == bytes[i]);
      }
      break;
    }
  }
  return 0;
}
