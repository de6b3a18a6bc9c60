// The Hello's program-id proof and the replica id a node derives from its PeerId
// (docs/fabric.md "Handshake"). The proof shows a peer was configured with the same
// program id; it authenticates configuration, not secrecy: anyone who knows the program
// id can compute it (docs/fabric.md "Security").
#pragma once

#include <string>

#include "core/bytes.hpp"
#include "core/crdt/replica_id.hpp"

namespace ff::fabric {

// HMAC-SHA256(key = SHA-256("fluid-fabric program v1\0" || program_id), message = peer_id).
Bytes program_proof(const std::string& program_id, const std::string& peer_id);
// Compares in time independent of where the bytes differ.
bool program_proof_matches(const std::string& program_id, const std::string& peer_id, ByteView proof);

// The first 8 bytes of SHA-256(peer_id), read little-endian.
crdt::ReplicaId replica_id_from_peer(const std::string& peer_id);

}  // namespace ff::fabric
