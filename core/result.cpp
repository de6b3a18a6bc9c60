#include "core/result.hpp"

namespace ff {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::kInvalidInput: return "invalid input";
    case Errc::kTruncated: return "truncated";
    case Errc::kLimitExceeded: return "limit exceeded";
    case Errc::kCorruption: return "corruption";
    case Errc::kNotFound: return "not found";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kIo: return "io error";
    case Errc::kUnavailable: return "unavailable";
  }
  return "unknown error";
}

}  // namespace ff
