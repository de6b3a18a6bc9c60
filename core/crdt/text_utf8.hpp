// Strict UTF-8 for the text CRDT: positions in YataText are code points, while text enters
// and leaves as UTF-8. Decoding accepts exactly the canonical (shortest-form) encodings of
// Unicode scalar values (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF. Being strict keeps encodings canonical: every code point sequence has exactly
// one byte form, so decode-then-encode reproduces the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ff::crdt {

// Appends the code points of `text` to `out`. kInvalidInput (naming the byte offset) on
// malformed input; `out` then holds an unspecified prefix.
Status utf8_decode_append(std::string_view text, std::vector<char32_t>& out);

// Number of code points in `text`, or kInvalidInput if it is not valid UTF-8.
Result<std::size_t> utf8_count(std::string_view text);

// Appends the UTF-8 form of `count` code points starting at `code_points` to `out`. The
// code points must be Unicode scalar values (the decoder above only produces those).
void utf8_encode_append(const char32_t* code_points, std::size_t count, std::string& out);

}  // namespace ff::crdt
