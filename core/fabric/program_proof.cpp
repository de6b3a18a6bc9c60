#include "core/fabric/program_proof.hpp"

#include <algorithm>

#include "core/hash/hmac_sha256.hpp"
#include "core/hash/sha256.hpp"

namespace ff::fabric {

namespace {

hash::HmacSha256Tag proof_tag(const std::string& program_id, const std::string& peer_id) {
  // The label ends with a NUL byte so no program id can extend the label itself.
  static constexpr char kLabel[] = "fluid-fabric program v1";
  hash::Sha256 key_hash;
  key_hash.update(ByteView(reinterpret_cast<const std::uint8_t*>(kLabel), sizeof(kLabel)));  // with the NUL
  key_hash.update(as_bytes(program_id));
  const hash::Sha256Digest key = key_hash.finish();
  return hash::hmac_sha256(key, as_bytes(peer_id));
}

}  // namespace

Bytes program_proof(const std::string& program_id, const std::string& peer_id) {
  const hash::HmacSha256Tag tag = proof_tag(program_id, peer_id);
  return Bytes(tag.begin(), tag.end());
}

bool program_proof_matches(const std::string& program_id, const std::string& peer_id, ByteView proof) {
  if (proof.size() != hash::kHmacSha256Bytes) return false;
  hash::HmacSha256Tag received{};
  std::copy(proof.begin(), proof.end(), received.begin());
  return hash::tags_equal(proof_tag(program_id, peer_id), received);
}

crdt::ReplicaId replica_id_from_peer(const std::string& peer_id) {
  const hash::Sha256Digest digest = hash::sha256(as_bytes(peer_id));
  crdt::ReplicaId id = 0;
  for (int i = 7; i >= 0; --i) id = (id << 8) | digest[static_cast<std::size_t>(i)];
  return id;
}

}  // namespace ff::fabric
