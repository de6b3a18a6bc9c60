// Fuzzes the CRDT decoders (docs/crdt-encoding.md): arbitrary bytes are decoded as every
// CRDT type we ship. Decoding must return an error or a state; a decoded state must
// re-encode to exactly the input (decoders accept canonical encodings only) and decode
// again to an equal state. Any crash, sanitizer report or abort is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/bytes.hpp"
#include "core/crdt/dot_context.hpp"
#include "core/crdt/gcounter.hpp"
#include "core/crdt/lww_register.hpp"
#include "core/crdt/mv_register.hpp"
#include "core/crdt/ormap.hpp"
#include "core/crdt/orset.hpp"
#include "core/crdt/pncounter.hpp"
#include "core/crdt/vclock.hpp"

namespace {

using namespace ff::crdt;

template <class X>
void check(ff::ByteView input) {
  auto decoded = X::decode(input);
  if (!decoded.ok()) return;
  const ff::Bytes encoded = decoded->encode();
  if (encoded.size() != input.size() || !std::equal(encoded.begin(), encoded.end(), input.begin())) {
    std::abort();  // accepted a non-canonical encoding
  }
  auto again = X::decode(encoded);
  if (!again.ok() || !(*again == *decoded)) std::abort();
  // Merging a decoded state with itself must change nothing (idempotence on any input),
  // and it must already be in normal form: joining it into the empty state, which
  // normalises (compacts contexts, drops empty entries), must change nothing either.
  X merged = *decoded;
  merged.merge(*decoded);
  if (!(merged == *decoded)) std::abort();
  X normalised;
  normalised.merge(*decoded);
  if (!(normalised == *decoded)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ff::ByteView input(data, size);
  check<VClock>(input);
  check<DotContext>(input);
  check<GCounter>(input);
  check<PNCounter>(input);
  check<LWWRegister<std::string>>(input);
  check<LWWRegister<std::int64_t>>(input);
  check<MVRegister<std::string>>(input);
  check<MVRegister<ff::Bytes>>(input);
  check<ORSet<std::string>>(input);
  check<ORSet<std::int64_t>>(input);
  check<ORSet<ff::Bytes>>(input);
  check<ORMap<std::string, GCounter>>(input);
  check<ORMap<std::string, PNCounter>>(input);
  check<ORMap<std::string, LWWRegister<std::string>>>(input);
  check<ORMap<std::string, MVRegister<std::int64_t>>>(input);
  check<ORMap<std::string, ORSet<std::string>>>(input);
  check<ORMap<std::string, ORMap<std::string, ORSet<std::int64_t>>>>(input);
  return 0;
}
