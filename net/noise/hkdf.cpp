#include "net/noise/hkdf.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace ff::net {
namespace {

static_assert(crypto_hash_sha256_BYTES == kSha256Bytes);
static_assert(crypto_auth_hmacsha256_BYTES == kSha256Bytes);

// HMAC over the concatenation of up to two parts, so callers need not copy them together.
Sha256Digest hmac_sha256_parts(ByteView key, ByteView first, ByteView second) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, first.data(), first.size());
  crypto_auth_hmacsha256_update(&state, second.data(), second.size());
  Sha256Digest out{};
  crypto_auth_hmacsha256_final(&state, out.data());
  sodium_memzero(&state, sizeof state);
  return out;
}

ByteView view(const Sha256Digest& digest) { return ByteView(digest.data(), digest.size()); }

}  // namespace

Sha256Digest sha256(ByteView data) {
  Sha256Digest out{};
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Sha256Digest hmac_sha256(ByteView key, ByteView message) { return hmac_sha256_parts(key, message, {}); }

Result<Bytes> hkdf_sha256(ByteView salt, ByteView input_key_material, ByteView info, std::size_t length) {
  if (length > kMaxHkdfSha256Bytes) {
    return make_error(Errc::kInvalidInput,
                      "HKDF-SHA256 output of " + std::to_string(length) + " bytes exceeds 255 * 32");
  }
  const Sha256Digest zero_salt{};
  Sha256Digest pseudo_random_key = hmac_sha256(salt.empty() ? view(zero_salt) : salt, input_key_material);
  Bytes output;
  output.reserve(length);
  Sha256Digest block{};
  std::size_t block_bytes = 0;  // T(0) is empty
  for (std::uint8_t counter = 1; output.size() < length; ++counter) {
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, pseudo_random_key.data(), pseudo_random_key.size());
    crypto_auth_hmacsha256_update(&state, block.data(), block_bytes);
    crypto_auth_hmacsha256_update(&state, info.data(), info.size());
    crypto_auth_hmacsha256_update(&state, &counter, 1);
    crypto_auth_hmacsha256_final(&state, block.data());
    block_bytes = block.size();
    const std::size_t take = std::min(block.size(), length - output.size());
    output.insert(output.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(take));
  }
  sodium_memzero(pseudo_random_key.data(), pseudo_random_key.size());
  sodium_memzero(block.data(), block.size());
  return output;
}

std::array<Sha256Digest, 3> noise_hkdf(const Sha256Digest& chaining_key, ByteView input_key_material,
                                       int num_outputs) {
  if (num_outputs != 2 && num_outputs != 3) std::abort();
  std::array<Sha256Digest, 3> outputs{};
  Sha256Digest temp_key = hmac_sha256(view(chaining_key), input_key_material);
  const std::uint8_t one = 0x01, two = 0x02, three = 0x03;
  outputs[0] = hmac_sha256_parts(view(temp_key), ByteView(&one, 1), {});
  outputs[1] = hmac_sha256_parts(view(temp_key), view(outputs[0]), ByteView(&two, 1));
  if (num_outputs == 3) outputs[2] = hmac_sha256_parts(view(temp_key), view(outputs[1]), ByteView(&three, 1));
  sodium_memzero(temp_key.data(), temp_key.size());
  return outputs;
}

}  // namespace ff::net
