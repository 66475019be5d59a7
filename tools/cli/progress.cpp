// SPDX-License-Identifier: MIT
#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <iterator>

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
  // Appended through fmt::format_to, not `line += "x" + string`: GCC 12 at -O3 (a plain Release
  // build) reports a false -Werror=restrict in the inlined operator+ of std::string
  // (GCC bug 105329, https://gcc.gnu.org/bugzilla/show_bug.cgi?id=105329).
  std::string line;
  auto out = std::back_inserter(line);
  out = fmt::format_to(out, "{}  {}/{} files  {}", to_string(progress.state),
                       progress.files_transferred, progress.files_total,
                       format_bytes(static_cast<double>(progress.bytes_transferred)));
  if (progress.bytes_expected > 0) {
    out = fmt::format_to(out, "/{}", format_bytes(static_cast<double>(progress.bytes_expected)));
  }
  out = fmt::format_to(out, "  {:.1f}%  ", display_percent(progress));
  if (bytes_per_second) {
    out = fmt::format_to(out, "{}/s", format_bytes(*bytes_per_second));
  } else {
    out = fmt::format_to(out, "-- B/s");
  }
  out = fmt::format_to(out, "  elapsed {}", format_duration(elapsed));
  const std::int64_t remaining = progress.bytes_expected - progress.bytes_transferred;
  if (!is_terminal(progress.state)) {
    if (bytes_per_second && *bytes_per_second > 0.0 && remaining > 0) {
      const double eta = std::ceil(static_cast<double>(remaining) / *bytes_per_second);
      out = fmt::format_to(out, "  ETA {}",
                           format_duration(std::chrono::seconds(static_cast<std::int64_t>(eta))));
    } else {
      out = fmt::format_to(out, "  ETA --");
    }
  }
  if (progress.failed_transfers > 0) {
    out = fmt::format_to(out, "  {} failed", progress.failed_transfers);
  }
  if (progress.skipped_transfers > 0) {
    fmt::format_to(out, "  {} skipped", progress.skipped_transfers);
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
  rate_.add(progress.bytes_transferred, now);
  const auto elapsed =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() - started_at_);
  std::string line = format_progress_line(progress, rate_.bytes_per_second(), elapsed);

  if (mode_ == ProgressMode::Terminal) {
    // Never wrap: a wrapped line cannot be redrawn with '\r'.
    const std::size_t width = terminal_width(out_);
    if (width > 1 && line.size() >= width) {
      line.resize(width - 1);
    }
    print_text(out_, fmt::format("\r{}\x1b[K", line));
    (void)std::fflush(out_);
    line_open_ = true;
    return;
  }
  const bool state_changed = !last_state_ || *last_state_ != progress.state;
  if (state_changed || !last_plain_ || now - *last_plain_ >= plain_period_) {
    print_text(out_, line + "\n");
    (void)std::fflush(out_);
    last_plain_ = now;
  }
  last_state_ = progress.state;
}

void ProgressDisplay::finish() {
  if (line_open_) {
    print_text(out_, "\n");
    (void)std::fflush(out_);
    line_open_ = false;
  }
}

}  // namespace azcopy_runner::cli
