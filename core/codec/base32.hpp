// Base32, RFC 4648 section 6 alphabet, without padding: the form multibase uses ('b' is
// lower-case, 'B' upper-case), e.g. for CIDv1 peer ids ("bafz...").
//
// Decoding is strict: only letters of the requested case and the digits 2-7, no '='
// padding, no length that leaves a partial byte (1, 3 or 6 characters in the last group
// of 8), and the unused low bits of the last character must be zero.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/codec/hex.hpp"  // LetterCase
#include "core/result.hpp"

namespace ff::codec {

std::string base32_encode(ByteView data, LetterCase letters = LetterCase::kLower);

Result<Bytes> base32_decode(std::string_view text, LetterCase letters = LetterCase::kLower);

}  // namespace ff::codec
