// SPDX-License-Identifier: MIT
#include "parse/azcopy_log.hpp"

#include <algorithm>
#include <vector>

namespace azcopy_runner::detail {

std::string without_stack_traces(std::string_view log) {
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < log.size();) {
    const auto end = std::min(log.find('\n', pos), log.size());
    lines.push_back(log.substr(pos, end - pos));
    pos = end + 1;
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const bool frame_file = line.starts_with('\t');
    const bool frame_function = i + 1 < lines.size() && lines[i + 1].starts_with('\t');
    if (frame_file || frame_function || line.starts_with("goroutine ")) {
      continue;
    }
    out.append(line);
    out.push_back('\n');
  }
  return out;
}

std::string last_error_line(std::string_view log) {
  std::string_view rest = log;
  while (!rest.empty()) {
    const auto cut = rest.rfind('\n', rest.size() - 1);
    const std::string_view line = cut == std::string_view::npos ? rest : rest.substr(cut + 1);
    for (const std::string_view mark : {"dial tcp", "no such host", "ERROR CODE:", "ServiceCode=",
                                        "RESPONSE ERROR", "context deadline exceeded"}) {
      if (line.find(mark) != std::string_view::npos) {
        const auto first = line.find_first_not_of(" \t\r");
        const auto last = line.find_last_not_of(" \t\r");
        return first == std::string_view::npos ? std::string()
                                               : std::string(line.substr(first, last - first + 1));
      }
    }
    if (cut == std::string_view::npos) {
      break;
    }
    rest = rest.substr(0, cut);
  }
  return {};
}

std::string scanning_log_of(std::string_view job_log) {
  if (job_log.size() <= 4 || !job_log.ends_with(".log")) {
    return {};
  }
  return std::string(job_log.substr(0, job_log.size() - 4)) + "-scanning.log";
}

}  // namespace azcopy_runner::detail
