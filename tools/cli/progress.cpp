// SPDX-License-Identifier: MIT
#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>

#include <fmt/format.h>

#include "output.hpp"

namespace azcopy_runner::cli {
namespace {

/// Columns of the terminal behind @p out, or 0 when unknown.
std::size_t terminal_width(std::FILE* out) {
  winsize size{};
  if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0) {
    return size.ws_col;
  }
  return 0;
}

}  // namespace

void RateEstimator::add(std::int64_t bytes_done, Clock::time_point at) {
  if (!samples_.empty() && (bytes_done < samples_.back().bytes || at < samples_.back().at)) {
    samples_.clear();
  }
  samples_.push_back(Sample{bytes_done, at});
  // Keep one sample at or before the window's start, so that the window stays covered.
  while (samples_.size() > 2 && samples_[1].at <= at - window_) {
    samples_.pop_front();
  }
}

std::optional<double> RateEstimator::bytes_per_second() const {
  if (samples_.size() < 2) {
    return std::nullopt;
  }
  const std::chrono::duration<double> span = samples_.back().at - samples_.front().at;
  if (span < std::chrono::milliseconds(500)) {
    return std::nullopt;
  }
  return static_cast<double>(samples_.back().bytes - samples_.front().bytes) / span.count();
}

std::string format_progress_line(const AzCopyProgress& progress,
                                 std::optional<double> bytes_per_second,
                                 std::chrono::seconds elapsed) {
  std::string line = fmt::format("{}  {}/{} files  ", to_string(progress.state),
                                 progress.files_done, progress.files_total);
  line += format_bytes(static_cast<double>(progress.bytes_done));
  if (progress.bytes_expected > 0) {
    line += "/" + format_bytes(static_cast<double>(progress.bytes_expected));
  }
  line += fmt::format("  {:.1f}%  ", display_percent(progress));
  line += bytes_per_second ? format_bytes(*bytes_per_second) + "/s" : std::string("-- B/s");
  line += "  elapsed " + format_duration(elapsed);
  const std::int64_t remaining = progress.bytes_expected - progress.bytes_done;
  if (!is_terminal(progress.state)) {
    if (bytes_per_second && *bytes_per_second > 0.0 && remaining > 0) {
      const double eta = std::ceil(static_cast<double>(remaining) / *bytes_per_second);
      line += "  ETA " + format_duration(std::chrono::seconds(static_cast<std::int64_t>(eta)));
    } else {
      line += "  ETA --";
    }
  }
  if (progress.failed > 0) {
    line += fmt::format("  {} failed", progress.failed);
  }
  if (progress.skipped > 0) {
    line += fmt::format("  {} skipped", progress.skipped);
  }
  return line;
}

ProgressDisplay::ProgressDisplay(ProgressMode mode, std::FILE* out, TimePoint started_at,
                                 std::chrono::seconds plain_period)
    : mode_(mode), out_(out), started_at_(started_at), plain_period_(plain_period) {}

ProgressDisplay::~ProgressDisplay() {
  try {
    finish();
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing sensible to do while unwinding
  }
}

void ProgressDisplay::update(const AzCopyProgress& progress) {
  if (mode_ == ProgressMode::Off) {
    return;
  }
  const auto now = RateEstimator::Clock::now();
  rate_.add(progress.bytes_done, now);
  const auto elapsed =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() - started_at_);
  std::string line = format_progress_line(progress, rate_.bytes_per_second(), elapsed);

  if (mode_ == ProgressMode::Terminal) {
    // Never wrap: a wrapped line cannot be redrawn with '\r'.
    const std::size_t width = terminal_width(out_);
    if (width > 1 && line.size() >= width) {
      line.resize(width - 1);
    }
    fmt::print(out_, "\r{}\x1b[K", line);
    (void)std::fflush(out_);
    line_open_ = true;
    return;
  }
  const bool state_changed = !last_state_ || *last_state_ != progress.state;
  if (state_changed || !last_plain_ || now - *last_plain_ >= plain_period_) {
    fmt::print(out_, "{}\n", line);
    (void)std::fflush(out_);
    last_plain_ = now;
  }
  last_state_ = progress.state;
}

void ProgressDisplay::finish() {
  if (line_open_) {
    fmt::print(out_, "\n");
    (void)std::fflush(out_);
    line_open_ = false;
  }
}

}  // namespace azcopy_runner::cli
