// SPDX-License-Identifier: MIT
/// @file progress.hpp
/// @brief The live progress display of `wait` and `copy --wait`: a redrawn line on a terminal,
/// a plain line at most every few seconds otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner::cli {

/// Transfer rate over a sliding window of samples. AzCopy's counters advance in steps (a file's
/// bytes count once it is done), so the rate is taken between the oldest sample of the window
/// and the newest one: smooth, and it falls to 0 within one window when the transfer stalls.
class RateEstimator {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateEstimator(std::chrono::seconds window = std::chrono::seconds(10))
      : window_(window) {}

  /// Records that @p bytes_done bytes were done at @p at. A decreasing count (or time)
  /// restarts the estimate.
  void add(std::int64_t bytes_done, Clock::time_point at);

  /// Bytes per second; std::nullopt until the samples span at least half a second.
  [[nodiscard]] std::optional<double> bytes_per_second() const;

 private:
  struct Sample {
    std::int64_t bytes = 0;
    Clock::time_point at{};
  };
  std::chrono::seconds window_;
  std::deque<Sample> samples_;
};

/// One line of progress, e.g.
/// "RUNNING  3/4 files  1.2 GiB/3.4 GiB  35.2%  45.6 MiB/s  elapsed 1m23s  ETA 2m10s  1 failed".
[[nodiscard]] std::string format_progress_line(const AzCopyProgress& progress,
                                               std::optional<double> bytes_per_second,
                                               std::chrono::seconds elapsed);

/// How progress is shown.
enum class ProgressMode {
  Off,       ///< Nothing (--json).
  Terminal,  ///< One line redrawn in place ('\r' + clear to end of line).
  Plain,     ///< A line at most every `plain_period`, and whenever the state changes.
};

/// Shows the progress of one job while the CLI waits for it.
class ProgressDisplay {
 public:
  /// @param started_at when the job started (elapsed time is counted from it).
  ProgressDisplay(ProgressMode mode, std::FILE* out, TimePoint started_at,
                  std::chrono::seconds plain_period = std::chrono::seconds(5));
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;
  ProgressDisplay(ProgressDisplay&&) = delete;
  ProgressDisplay& operator=(ProgressDisplay&&) = delete;
  /// Calls finish().
  ~ProgressDisplay();

  /// Shows @p progress (call after each poll).
  void update(const AzCopyProgress& progress);

  /// Ends the redrawn line, so that what follows starts on a fresh line. Idempotent.
  void finish();

 private:
  ProgressMode mode_;
  std::FILE* out_;
  TimePoint started_at_;
  std::chrono::seconds plain_period_;
  RateEstimator rate_;
  bool line_open_ = false;
  std::optional<RateEstimator::Clock::time_point> last_plain_;
  std::optional<AzCopyJobState> last_state_;
};

}  // namespace azcopy_runner::cli
