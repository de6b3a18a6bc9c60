// Base64, RFC 4648 sections 4 (standard alphabet "+/") and 5 (URL-safe alphabet "-_"),
// each with or without '=' padding.
//
// Decoding is strict, so every byte string has exactly one accepted encoding per variant:
// characters outside the alphabet (including whitespace and the other alphabet's two
// characters), missing or misplaced padding in padded mode, any '=' in unpadded mode, an
// impossible length (a lone trailing character), and non-zero unused bits in the last
// character are all kInvalidInput.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::codec {

enum class Base64Alphabet { kStandard, kUrl };
enum class Base64Padding { kPadded, kUnpadded };

std::string base64_encode(ByteView data, Base64Alphabet alphabet = Base64Alphabet::kStandard,
                          Base64Padding padding = Base64Padding::kPadded);

Result<Bytes> base64_decode(std::string_view text, Base64Alphabet alphabet = Base64Alphabet::kStandard,
                            Base64Padding padding = Base64Padding::kPadded);

}  // namespace ff::codec
