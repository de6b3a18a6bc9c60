// Result<T>: an error value or a T. Errors are values (STYLE.md 4): a caller reacts to
// the code, a human reads the message. std::expected is C++23 and missing from the
// Emscripten toolchain, so we keep this small type of our own.
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace ff {

// One code per distinct reaction a caller can have; the message carries the detail.
enum class Errc {
  kInvalidInput,   // malformed bytes or arguments: reject, never retry as-is
  kTruncated,      // input ended early: a streaming caller may wait for more bytes
  kLimitExceeded,  // a documented bound was hit: drop or close the offender
  kCorruption,     // stored data failed a checksum: report, skip, resynchronise
  kNotFound,       // the named thing does not exist
  kUnsupported,    // a version or feature this build does not speak
  kIo,             // the environment failed (disk, socket): maybe retry later
  kUnavailable,    // the peers a request needs are not reachable now: retry when they are
};

const char* errc_name(Errc code);

struct Error {
  Errc code;
  std::string message;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(failed_);
    return error_;
  }

 private:
  Error error_{Errc::kInvalidInput, {}};
  bool failed_ = false;
};

using Status = Result<void>;

// Propagates an error from an expression returning Result<...> to the caller.
#define FF_TRY(expr)                                         \
  do {                                                       \
    auto ff_try_result_ = (expr);                            \
    if (!ff_try_result_.ok()) return ff_try_result_.error(); \
  } while (0)

// Binds the value of a Result<T> expression to `lhs`, or returns its error.
#define FF_TRY_ASSIGN(lhs, expr) FF_TRY_ASSIGN_IMPL_(FF_CONCAT_(ff_try_, __LINE__), lhs, expr)
#define FF_CONCAT_INNER_(a, b) a##b
#define FF_CONCAT_(a, b) FF_CONCAT_INNER_(a, b)
#define FF_TRY_ASSIGN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                        \
  if (!tmp.ok()) return tmp.error();        \
  lhs = std::move(tmp).value()

}  // namespace ff
