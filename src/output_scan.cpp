// SPDX-License-Identifier: MIT
// Finding the newest summary message in a job's own JSON output without parsing all of it.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "fd.hpp"

#include "parse_detail.hpp"

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

}  // namespace

std::string_view last_summary_line(std::string_view output) noexcept {
  // Only newline-terminated lines count: the last one may still be being written.
  std::size_t end = output.rfind('\n');
  while (end != std::string_view::npos && end > 0) {
    const std::size_t prev = output.rfind('\n', end - 1);
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

namespace {

/// Folds the result of one line into the result of the lines before it.
void merge(ParsedOutput& into, ParsedOutput&& line) {
  if (!into.job_id) {
    into.job_id = std::move(line.job_id);
  }
  if (!into.log_file) {
    into.log_file = std::move(line.log_file);
  }
  if (line.summary && !(into.end_of_job && !line.end_of_job)) {
    into.summary = std::move(line.summary);
  }
  into.end_of_job = into.end_of_job || line.end_of_job;
  into.job_not_found = into.job_not_found || line.job_not_found;
  into.cancel_prompt = line.cancel_prompt;
  into.warnings += line.warnings;
  into.errors += line.errors;
  for (auto& m : line.messages) {
    if (into.messages.size() >= kMaxMessages) {
      into.messages.erase(into.messages.begin());
    }
    into.messages.push_back(std::move(m));
  }
  if (line.first_timestamp &&
      (!into.first_timestamp || *line.first_timestamp < *into.first_timestamp)) {
    into.first_timestamp = line.first_timestamp;
  }
  if (line.last_timestamp &&
      (!into.last_timestamp || *line.last_timestamp > *into.last_timestamp)) {
    into.last_timestamp = line.last_timestamp;
  }
  if (line.end_timestamp) {
    into.end_timestamp = line.end_timestamp;
  }
}

}  // namespace

ParsedOutput parse_output_file(const std::filesystem::path& file) {
  constexpr std::size_t kMaxTextBytes = std::size_t{1} << 20;
  ParsedOutput result;
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || st.st_size <= 0) {
    return result;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) {
    return result;
  }
  const std::string_view all(static_cast<const char*>(map), size);
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::size_t released = 0;  // bytes before this offset are no longer mapped in
  std::string text;          // non-JSON lines (plain-text errors, panics), bounded
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t end = all.find('\n', pos);
    if (end == std::string_view::npos) {
      end = all.size();
    }
    const std::string_view line = all.substr(pos, end - pos);
    if (line.starts_with('{')) {
      merge(result, parse_output(line));
    } else if (text.size() < kMaxTextBytes) {
      text.append(line.substr(0, kMaxTextBytes - text.size()));
      text.push_back('\n');
    }
    pos = end + 1;
    // Give back the pages of the lines already read.
    const std::size_t done = std::min(pos, all.size()) / page * page;
    if (done > released) {
      ::madvise(static_cast<char*>(map) + released, done - released, MADV_DONTNEED);
      released = done;
    }
  }
  ::munmap(map, size);
  if (!text.empty()) {
    merge(result, parse_output(text));
  }
  return result;
}

}  // namespace azcopy_runner::detail
