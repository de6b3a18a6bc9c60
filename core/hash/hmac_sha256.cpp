#include "core/hash/hmac_sha256.hpp"

#include <algorithm>

namespace ff::hash {

HmacSha256::HmacSha256(ByteView key) {
  std::array<std::uint8_t, kSha256BlockBytes> block_key{};
  if (key.size() > kSha256BlockBytes) {
    const Sha256Digest hashed = sha256(key);
    std::copy(hashed.begin(), hashed.end(), block_key.begin());
  } else {
    std::copy(key.begin(), key.end(), block_key.begin());
  }
  for (std::size_t i = 0; i < kSha256BlockBytes; ++i) {
    inner_key_pad_[i] = block_key[i] ^ 0x36;
    outer_key_pad_[i] = block_key[i] ^ 0x5c;
  }
  start_inner();
}

HmacSha256::~HmacSha256() {
  // volatile stores: the compiler may not drop them as dead writes to an ending object.
  volatile std::uint8_t* inner = inner_key_pad_.data();
  volatile std::uint8_t* outer = outer_key_pad_.data();
  for (std::size_t i = 0; i < kSha256BlockBytes; ++i) {
    inner[i] = 0;
    outer[i] = 0;
  }
}

void HmacSha256::start_inner() {
  inner_.reset();
  inner_.update(inner_key_pad_);
}

HmacSha256Tag HmacSha256::finish() {
  const Sha256Digest inner_digest = inner_.finish();
  Sha256 outer;
  outer.update(outer_key_pad_);
  outer.update(inner_digest);
  start_inner();
  return outer.finish();
}

HmacSha256Tag hmac_sha256(ByteView key, ByteView message) {
  HmacSha256 mac(key);
  mac.update(message);
  return mac.finish();
}

bool tags_equal(const HmacSha256Tag& a, const HmacSha256Tag& b) {
  std::uint8_t difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return difference == 0;
}

}  // namespace ff::hash
