// Fuzzes the varint decoders and ByteReader: never crash, and every accepted encoding must
// agree with the encoder (strict: byte for byte; redundant-tolerant: same value).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/codec/byte_io.hpp"
#include "core/codec/varint.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ff::codec;
  const ff::ByteView input(data, size);

  auto strict = get_varint(input);
  auto lenient = get_varint_allow_redundant(input);
  if (strict.ok()) {
    // A strict decode is the unique encoding: re-encoding gives the same bytes.
    ff::Bytes encoded;
    put_varint(encoded, strict->value);
    check(encoded.size() == strict->length);
    check(varint_size(strict->value) == strict->length);
    for (std::size_t i = 0; i < encoded.size(); ++i) check(encoded[i] == data[i]);
    check(lenient.ok() && lenient->value == strict->value && lenient->length == strict->length);
  }
  if (lenient.ok()) {
    check(lenient->length >= 1 && lenient->length <= kMaxVarintBytes && lenient->length <= size);
    check(varint_size(lenient->value) <= lenient->length);
  } else {
    check(!strict.ok());
  }

  // A reader over the whole input: every call either consumes bytes or leaves it unchanged.
  ByteReader reader(input);
  for (std::size_t step = 0; step < size + 1 && !reader.done(); ++step) {
    const std::size_t before = reader.offset();
    bool ok = false;
    switch (step % 4) {
      case 0: ok = reader.varint().ok(); break;
      case 1: ok = reader.svarint().ok(); break;
      case 2: ok = reader.blob().ok(); break;
      default: ok = reader.count(2).ok(); break;
    }
    check(ok ? reader.offset() > before : reader.offset() == before);
    check(reader.offset() <= size);
    if (!ok) break;
  }
  return 0;
}
