// ValueCodec<T>: how a value held by a register, set or map key is written inside a CRDT
// encoding (see docs/crdt-encoding.md, "Value codecs"). Other code adds a type by
// specialising ValueCodec for it; the type must also have `==` and a strict total order,
// ValueLess<T> (by default `<`), because canonical encodings list set elements and map
// keys in ascending order, and every replica must sort them the same way.
//
// A specialisation provides:
//   static constexpr std::uint8_t kTag;                       // unique, written in signatures
//   static void encode(codec::ByteWriter& out, const T& value);
//   static Result<T> decode(codec::ByteReader& in);           // bounded, never throws
// and must be canonical: decode accepts only bytes that encode(decoded) reproduces, and
// values that compare equal encode identically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.hpp"
#include "core/codec/byte_io.hpp"
#include "core/result.hpp"

namespace ff::crdt {

template <class T>
struct ValueCodec;  // specialise for each value type

// The order of values in sets, map keys and tie-breaks. Strings compare bytewise as
// unsigned bytes (std::char_traits<char> guarantees it), int64 numerically.
template <class T>
struct ValueLess {
  bool operator()(const T& a, const T& b) const { return a < b; }
};

// Bytes compare lexicographically as unsigned bytes. Written out because GCC 12 warns
// falsely (-Wstringop-overread) on std::vector<uint8_t>'s own operator< at -O3.
template <>
struct ValueLess<Bytes> {
  bool operator()(const Bytes& a, const Bytes& b) const {
    const std::size_t common = a.size() < b.size() ? a.size() : b.size();
    for (std::size_t i = 0; i < common; ++i) {
      if (a[i] != b[i]) return a[i] < b[i];
    }
    return a.size() < b.size();
  }
};

// Value tags 1-63 are reserved for codecs defined in core/crdt.
template <>
struct ValueCodec<std::string> {
  static constexpr std::uint8_t kTag = 1;
  static void encode(codec::ByteWriter& out, const std::string& value) { out.text(value); }
  static Result<std::string> decode(codec::ByteReader& in) { return in.text(); }
};

template <>
struct ValueCodec<std::int64_t> {
  static constexpr std::uint8_t kTag = 2;
  static void encode(codec::ByteWriter& out, std::int64_t value) { out.svarint(value); }
  static Result<std::int64_t> decode(codec::ByteReader& in) { return in.svarint(); }
};

template <>
struct ValueCodec<Bytes> {
  static constexpr std::uint8_t kTag = 3;
  static void encode(codec::ByteWriter& out, const Bytes& value) { out.blob(value); }
  static Result<Bytes> decode(codec::ByteReader& in) {
    auto view = in.blob();
    if (!view) return view.error();
    return Bytes(view->begin(), view->end());
  }
};

}  // namespace ff::crdt
