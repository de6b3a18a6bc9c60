// The envelope every CRDT encoding shares (see docs/crdt-encoding.md): a format version
// byte, the type's signature (its TypeTag, then the tags of its type parameters), then the
// type's body. Bodies are what containers embed (an ORMap writes its values' bodies), so
// nested values do not repeat the envelope.
//
// A type X taking part provides:
//   static void write_signature(codec::ByteWriter& out);   // TypeTag + parameter tags
//   void encode_body(codec::ByteWriter& out) const;         // canonical
//   static Result<X> decode_body(codec::ByteReader& in);    // strict: rejects non-canonical
#pragma once

#include <cstdint>
#include <string>

#include "core/bytes.hpp"
#include "core/codec/byte_io.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/result.hpp"

namespace ff::crdt {

template <class X>
Bytes encode_state(const X& state) {
  codec::ByteWriter out;
  out.u8(kEncodingVersion);
  X::write_signature(out);
  state.encode_body(out);
  return out.take();
}

// Checks the version byte and the signature of X at the start of `in`, consuming them.
// kUnsupported for another format version; kInvalidInput when the bytes hold another type
// (or the same type over other value types); kTruncated when the input ends first.
template <class X>
Status read_envelope(codec::ByteReader& in, const char* type_name) {
  auto version = in.u8();
  if (!version) return version.error();
  if (*version != kEncodingVersion) {
    return make_error(Errc::kUnsupported,
                      std::string(type_name) + ": encoding version " + std::to_string(*version) +
                          " is not supported (this build reads " + std::to_string(kEncodingVersion) + ")");
  }
  codec::ByteWriter expected_writer;
  X::write_signature(expected_writer);
  const Bytes& expected = expected_writer.bytes();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto byte = in.u8();
    if (!byte) return byte.error();
    if (*byte != expected[i]) {
      return make_error(Errc::kInvalidInput, std::string(type_name) + ": signature byte " +
                                                 std::to_string(i) + " is " + std::to_string(*byte) +
                                                 ", expected " + std::to_string(expected[i]) +
                                                 " (the bytes hold a different CRDT type or value type)");
    }
  }
  return {};
}

template <class X>
Result<X> decode_state(ByteView bytes, const char* type_name) {
  codec::ByteReader in(bytes);
  FF_TRY(read_envelope<X>(in, type_name));
  FF_TRY_ASSIGN(X state, X::decode_body(in));
  FF_TRY(in.expect_done(type_name));
  return state;
}

// Writes a replica id. Replica ids are hashes of PeerIds (uniform over 64 bits), so a
// fixed 8 bytes is shorter than a varint would be.
inline void write_replica(codec::ByteWriter& out, ReplicaId replica) { out.fixed64_le(replica); }
inline Result<ReplicaId> read_replica(codec::ByteReader& in) { return in.fixed64_le(); }
inline constexpr std::size_t kReplicaBytes = 8;

}  // namespace ff::crdt
