// SPDX-License-Identifier: MIT
#include "state/state_rules.hpp"

namespace azcopy_runner {

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

namespace detail {

AzCopyJobState state_of_status(std::string_view job_status,
                               std::int64_t failed_transfers) noexcept {
  const AzCopyJobState state = map_azcopy_status(job_status);
  return state == AzCopyJobState::Succeeded && failed_transfers > 0 ? AzCopyJobState::Failed
                                                                    : state;
}

}  // namespace detail
}  // namespace azcopy_runner
