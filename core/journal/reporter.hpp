// Reporter: where a journal reader sends the corruption it skips (STYLE.md 3). Corruption
// never stops a reader; the runtime logs it, tests count it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ff::journal {

class Reporter {
 public:
  virtual ~Reporter() = default;
  // `bytes` bytes starting at file offset `offset` were dropped because of `reason`.
  virtual void corruption(std::uint64_t offset, std::uint64_t bytes, std::string_view reason) = 0;
};

// Counts every report and keeps the first kMaxKeptReports of them (bounded, STYLE.md 5).
class CollectingReporter final : public Reporter {
 public:
  static constexpr std::size_t kMaxKeptReports = 64;

  struct Report {
    std::uint64_t offset = 0;
    std::uint64_t bytes = 0;
    std::string reason;
  };

  void corruption(std::uint64_t offset, std::uint64_t bytes, std::string_view reason) override {
    ++count_;
    bytes_ += bytes;
    if (reports_.size() < kMaxKeptReports) reports_.push_back(Report{offset, bytes, std::string(reason)});
  }

  std::uint64_t count() const { return count_; }
  std::uint64_t bytes() const { return bytes_; }
  const std::vector<Report>& reports() const { return reports_; }
  // "offset N: reason (B bytes); ..." for test failure messages and logs.
  std::string summary() const {
    std::string text;
    for (const Report& report : reports_) {
      if (!text.empty()) text += "; ";
      text += "offset " + std::to_string(report.offset) + ": " + report.reason + " (" +
              std::to_string(report.bytes) + " bytes)";
    }
    return text;
  }

 private:
  std::uint64_t count_ = 0;
  std::uint64_t bytes_ = 0;
  std::vector<Report> reports_;
};

}  // namespace ff::journal
