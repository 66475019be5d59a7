// SPDX-License-Identifier: MIT
// Finding the newest summary message in a job's own JSON output without parsing all of it.
#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <string_view>

#include "parse/output_scan.hpp"

namespace azcopy_runner::detail {

namespace {

constexpr std::string_view kEndOfJob = R"("MessageType":"EndOfJob")";
constexpr std::string_view kGetJobSummary = R"("MessageType":"GetJobSummary")";
constexpr std::string_view kProgress = R"("MessageType":"Progress")";

/// Whether @p line is an AzCopy JSON message of one of @p types. The MessageType key comes
/// right after the TimeStamp, near the start of the line; a line cut at its start (by a read
/// window) does not start with the TimeStamp key.
bool is_message_of(std::string_view line, std::initializer_list<std::string_view> types) noexcept {
  if (!line.starts_with(R"({"TimeStamp")")) {
    return false;
  }
  const std::string_view head = line.substr(0, 128);
  return std::any_of(types.begin(), types.end(), [head](std::string_view type) {
    return head.find(type) != std::string_view::npos;
  });
}

/// The offset of the last '\n' in [0, @p end) of @p s, or npos; memrchr: a line can be
/// megabytes long, and this runs at every poll.
std::size_t last_newline_before(std::string_view s, std::size_t end) noexcept {
  const void* found = end == 0 ? nullptr : ::memrchr(s.data(), '\n', end);
  return found == nullptr ? std::string_view::npos
                          : static_cast<std::size_t>(static_cast<const char*>(found) - s.data());
}

}  // namespace

std::string_view last_summary_line(std::string_view output) noexcept {
  // Only newline-terminated lines count: the last one may still be being written.
  std::size_t end = last_newline_before(output, output.size());
  while (end != std::string_view::npos && end > 0) {
    const std::size_t prev = last_newline_before(output, end);
    const std::size_t begin = prev == std::string_view::npos ? 0 : prev + 1;
    const std::string_view line = output.substr(begin, end - begin);
    if (is_message_of(line, {kEndOfJob, kProgress, kGetJobSummary})) {
      return line;
    }
    if (prev == std::string_view::npos) {
      break;
    }
    end = prev;
  }
  return {};
}

bool is_job_summary_head(std::string_view head) noexcept {
  return is_message_of(head, {kGetJobSummary, kEndOfJob});
}

bool is_end_of_job_line(std::string_view line) noexcept { return is_message_of(line, {kEndOfJob}); }

bool shows_end_of_job(std::string_view tail) noexcept {
  return is_end_of_job_line(last_summary_line(tail)) ||
         tail.find("Final Job Status:") != std::string_view::npos;
}

}  // namespace azcopy_runner::detail
