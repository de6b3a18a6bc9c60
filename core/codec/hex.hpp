// Base16 (hex), RFC 4648 section 8: lower-case on output, either case on input.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::codec {

enum class LetterCase { kLower, kUpper };

// Two characters per byte, lower-case ("0a1b") unless `letters` says otherwise.
std::string hex_encode(ByteView data, LetterCase letters = LetterCase::kLower);

// Accepts upper- and lower-case digits, even mixed. kInvalidInput for an odd length or
// any character outside [0-9a-fA-F] (no whitespace, no "0x" prefix).
Result<Bytes> hex_decode(std::string_view text);

// As hex_decode, but only letters of the given case are accepted: multibase 'f' and 'F'
// name the case, so each string has exactly one decoding base.
Result<Bytes> hex_decode_strict_case(std::string_view text, LetterCase letters);

// A number as "0x" + lower-case hex digits, for error messages (e.g. "0x72").
std::string hex_number(std::uint64_t value);

}  // namespace ff::codec
