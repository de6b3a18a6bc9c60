// libFuzzer target for the YataText and YataDelta decoders (docs/crdt-encoding.md
// "Sequence types"). Whatever the input: decoding returns an error or a value that
// re-encodes to exactly the input; a decoded state keeps its invariants under local edits;
// a decoded delta applied to a document leaves it valid and re-decodable. A violation
// aborts, which libFuzzer reports with the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/bytes.hpp"
#include "core/crdt/yata.hpp"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ff::ByteView bytes(data, size);
  const ff::Bytes input(bytes.begin(), bytes.end());

  auto state = ff::crdt::YataText::decode(bytes, /*replica=*/3);
  if (state.ok()) {
    require(state->encode() == input);
    require(state->check_invariants().ok());
    require(state->insert(state->length() / 2, "x\xC3\xA9").ok());
    require(state->remove(0, 1).ok());
    require(state->check_invariants().ok());
  }

  auto delta = ff::crdt::YataDelta::decode(bytes);
  if (delta.ok()) {
    require(delta->encode() == input);
    ff::crdt::YataText text(7);
    require(text.insert(0, "seed text").ok());
    (void)text.apply(*delta);  // may be refused in part (cycles, limits): never unsafe
    require(text.check_invariants().ok());
    require(ff::crdt::YataText::decode(text.encode()).ok());
  }
  return 0;
}
