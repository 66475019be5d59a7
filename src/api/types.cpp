// SPDX-License-Identifier: MIT
#include "azcopy_runner/types.hpp"

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

#include "text/text.hpp"

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
    if (detail::ascii_iequals(text, name)) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace azcopy_runner
