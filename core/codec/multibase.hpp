// Multibase (https://github.com/multiformats/multibase): a one-character prefix naming the
// base, then the text in that base. We speak the bases libp2p and our own text forms use;
// see docs/codec.md for the table.
//
//   prefix  base                          example for "hi"
//   'f'     base16, lower-case            f6869
//   'F'     base16, upper-case            F6869
//   'b'     base32, lower-case, no pad    bnbuq
//   'B'     base32, upper-case, no pad    BNBUQ
//   'z'     base58btc                     z8wr
//   'm'     base64, no padding            maGk
//   'M'     base64, padded                MaGk=
//   'u'     base64url, no padding         uaGk
//   'U'     base64url, padded             UaGk=
//
// Any other prefix (base36 'k', base2 '0', identity '\0', ...) is kUnsupported: the text
// may be valid multibase, we just cannot read it.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::codec {

enum class Multibase {
  kBase16,        // 'f'
  kBase16Upper,   // 'F'
  kBase32,        // 'b'
  kBase32Upper,   // 'B'
  kBase58Btc,     // 'z'
  kBase64,        // 'm'
  kBase64Pad,     // 'M'
  kBase64Url,     // 'u'
  kBase64UrlPad,  // 'U'
};

char multibase_prefix(Multibase base);
const char* multibase_name(Multibase base);

// The prefix character followed by the encoded data.
std::string multibase_encode(Multibase base, ByteView data);

struct MultibaseDecoded {
  Multibase base;
  Bytes data;
};

// kInvalidInput for empty text or a body that is not valid in the named base (each base's
// decoder is strict, including letter case: 'f' takes lower-case hex only),
// kUnsupported for an unknown prefix, kLimitExceeded for base58 text longer than
// kMaxBase58DecodeChars.
Result<MultibaseDecoded> multibase_decode(std::string_view text);

}  // namespace ff::codec
