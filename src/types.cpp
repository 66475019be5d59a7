// SPDX-License-Identifier: MIT
#include "azcopy_runner/types.hpp"

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

namespace azcopy_runner {
namespace {

constexpr std::array<std::pair<AzCopyJobState, std::string_view>, 6> kStateNames{{
    {AzCopyJobState::Pending, "PENDING"},
    {AzCopyJobState::Running, "RUNNING"},
    {AzCopyJobState::Succeeded, "SUCCEEDED"},
    {AzCopyJobState::Failed, "FAILED"},
    {AzCopyJobState::Canceled, "CANCELED"},
    {AzCopyJobState::Unknown, "UNKNOWN"},
}};

constexpr char to_upper_ascii(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_upper_ascii(a[i]) != to_upper_ascii(b[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view to_string(AzCopyJobState state) noexcept {
  for (const auto& [value, name] : kStateNames) {
    if (value == state) {
      return name;
    }
  }
  return "UNKNOWN";
}

std::optional<AzCopyJobState> parse_job_state(std::string_view text) noexcept {
  for (const auto& [value, name] : kStateNames) {
    if (equals_ignore_case(text, name)) {
      return value;
    }
  }
  return std::nullopt;
}

AzCopyJobState map_azcopy_status(std::string_view job_status) noexcept {
  // AzCopy's JobStatus strings (common.JobStatus.String()), matched exactly.
  if (job_status == "Completed" || job_status == "CompletedWithSkipped") {
    return AzCopyJobState::Succeeded;
  }
  if (job_status == "CompletedWithErrors" || job_status == "CompletedWithErrorsAndSkipped" ||
      job_status == "Failed") {
    return AzCopyJobState::Failed;
  }
  if (job_status == "Cancelled") {
    return AzCopyJobState::Canceled;
  }
  if (job_status == "InProgress" || job_status == "Paused" || job_status == "Cancelling") {
    return AzCopyJobState::Running;
  }
  return AzCopyJobState::Unknown;
}

}  // namespace azcopy_runner
