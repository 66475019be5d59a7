// SPDX-License-Identifier: MIT
#include "store/job_id.hpp"

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "text/text.hpp"

namespace azcopy_runner::detail {

JobId JobId::checked(std::string_view text) {
  if (auto id = parse(text)) {
    return std::move(*id);
  }
  throw AzCopyJobNotFoundError(
      "'" + redacted_excerpt(text, 80) + "' is not an AzCopy job id (a UUID)", ErrorContext{});
}

std::optional<JobId> JobId::parse(std::string_view text) {
  if (!is_valid_job_id(text)) {
    return std::nullopt;
  }
  return JobId(ascii_lower(text));
}

}  // namespace azcopy_runner::detail
