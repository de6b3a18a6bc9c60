// The five kinds of shared object behind one interface: counter (PNCounter), set
// (ORSet<string>), map (ORMap<string, LWWRegister<string>>), list (Rga<string>) and text
// (YataText). FabricNode only moves opaque delta and state bytes (docs/crdt-encoding.md);
// this file turns Ops into deltas, applies remote deltas and full states, and renders
// values as JSON.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/fabric/fabric_types.hpp"
#include "core/result.hpp"

namespace ff::fabric {

class SharedObject {
 public:
  // An empty object of `kind` that makes its local changes as `replica`.
  static std::unique_ptr<SharedObject> make(ObjectKind kind, crdt::ReplicaId replica);
  // An object holding a full state (ObjectState.state); kInvalidInput if it does not decode.
  static Result<std::unique_ptr<SharedObject>> from_state(ObjectKind kind, crdt::ReplicaId replica,
                                                          ByteView state);
  virtual ~SharedObject() = default;

  virtual ObjectKind kind() const = 0;
  // Applies a local op and returns the encoded delta. On error nothing changed.
  virtual Result<Bytes> apply_local(const Op& op, std::uint64_t now_ms) = 0;
  // Joins an encoded remote delta. A delta that does not decode changes nothing; a
  // sequence delta may be partly applied (its error says what was dropped).
  virtual Status apply_delta(ByteView delta) = 0;
  // Joins an encoded full state of the same kind.
  virtual Status merge_state(ByteView state) = 0;
  virtual Bytes encode_state() const = 0;
  virtual std::string value_json() const = 0;
};

// `text` as a JSON string literal (quotes included). Control characters are escaped;
// bytes that are not valid UTF-8 become U+FFFD so the output is always valid JSON.
std::string json_quote(std::string_view text);

}  // namespace ff::fabric
