// SPDX-License-Identifier: MIT
// Finding the newest summary message in a job's own JSON output without parsing all of it.
#include <array>
#include <string_view>

#include "parse_detail.hpp"

namespace azcopy_runner::detail {

std::string_view last_summary_line(std::string_view output) noexcept {
  static constexpr std::array<std::string_view, 3> kTypes = {
      R"("MessageType":"EndOfJob")", R"("MessageType":"Progress")",
      R"("MessageType":"GetJobSummary")"};
  // Only newline-terminated lines count: the last one may still be being written.
  std::size_t end = output.rfind('\n');
  while (end != std::string_view::npos && end > 0) {
    const std::size_t prev = output.rfind('\n', end - 1);
    const std::size_t begin = prev == std::string_view::npos ? 0 : prev + 1;
    const std::string_view line = output.substr(begin, end - begin);
    // The MessageType key comes right after the TimeStamp, near the start of the line.
    const std::string_view head = line.substr(0, 128);
    // A line cut by the start of the window does not start with the TimeStamp key.
    if (line.starts_with(R"({"TimeStamp")")) {
      for (const auto type : kTypes) {
        if (head.find(type) != std::string_view::npos) {
          return line;
        }
      }
    }
    if (prev == std::string_view::npos) {
      break;
    }
    end = prev;
  }
  return {};
}

}  // namespace azcopy_runner::detail
