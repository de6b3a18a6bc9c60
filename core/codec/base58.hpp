// Base58btc: the Bitcoin alphabet (no 0, O, I, l), as used by multibase 'z' and by
// libp2p's legacy peer id text form ("12D3KooW...", "Qm..."). A big-endian number in base
// 58; each leading zero byte is written as a leading '1'.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::codec {

// Base58 conversion is quadratic in the length (it is a change of radix of one big
// number), so decoding input that may come from a peer is bounded. 1024 characters hold
// 749 bytes: enough for peer ids (46-52 characters), CIDs and multibase public keys up to
// RSA-4096 (about 750 characters), while a hostile megabyte cannot cost seconds.
inline constexpr std::size_t kMaxBase58DecodeChars = 1024;

// Encoding has no bound of its own: the bytes come from us, not from a peer. Its cost is
// still quadratic, so encode identifiers and keys, not bulk data.
std::string base58_encode(ByteView data);

// kLimitExceeded above kMaxBase58DecodeChars; kInvalidInput for a character outside the
// alphabet. Every string within the bound that uses only alphabet characters decodes, and
// re-encodes to itself.
Result<Bytes> base58_decode(std::string_view text);

}  // namespace ff::codec
