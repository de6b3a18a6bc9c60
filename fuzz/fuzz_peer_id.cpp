// Fuzzes peer ID and key parsing (binary multihash, both text forms, PublicKey and
// PrivateKey protobufs): never crash, and everything accepted round-trips exactly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/identity/keys.hpp"
#include "net/identity/peer_id.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void check_round_trips(const ff::net::PeerId& id) {
  auto via_bytes = ff::net::PeerId::from_bytes(id.bytes());
  check(via_bytes.ok() && *via_bytes == id);
  auto via_base58 = ff::net::PeerId::parse(id.to_base58());
  check(via_base58.ok() && *via_base58 == id);
  auto via_cid = ff::net::PeerId::parse(id.to_cid());
  check(via_cid.ok() && *via_cid == id);
  auto key = id.public_key();
  if (key.ok()) check(ff::net::PeerId::from_public_key(*key) == id);
  check(key.ok() || !id.has_inline_key() || key.error().code == ff::Errc::kUnsupported);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ff::ByteView input(data, size);

  auto from_bytes = ff::net::PeerId::from_bytes(input);
  if (from_bytes.ok()) {
    check(from_bytes->bytes() == ff::Bytes(input.begin(), input.end()));
    check_round_trips(*from_bytes);
  }

  auto from_text = ff::net::PeerId::parse(ff::as_chars(input));
  if (from_text.ok()) check_round_trips(*from_text);

  auto public_key = ff::net::PublicKey::decode(input);
  if (public_key.ok()) {
    // Only canonical encodings are accepted, so re-encoding gives the input back.
    check(public_key->encode() == ff::Bytes(input.begin(), input.end()));
    check_round_trips(ff::net::PeerId::from_public_key(*public_key));
  }

  auto encoded_key_id = ff::net::PeerId::from_encoded_public_key(input);
  if (encoded_key_id.ok()) check_round_trips(*encoded_key_id);

  auto private_key = ff::net::PrivateKey::decode(input);
  if (private_key.ok()) {
    const ff::Bytes encoded = private_key->encode();
    auto again = ff::net::PrivateKey::decode(encoded);
    check(again.ok() && again->public_key() == private_key->public_key());
  }
  return 0;
}
