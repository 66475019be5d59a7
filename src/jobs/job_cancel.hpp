// SPDX-License-Identifier: MIT
// Internal: cancelling a job.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "azcopy_runner/types.hpp"
#include "store/job_id.hpp"

namespace azcopy_runner::detail {

struct RunnerCore;

/// Cancels job @p job_id: marks its record, then, while its process lives: a
/// CancelJob request on its stdin FIFO (works after scanning), a `y` to a Cancel prompt, SIGTERM
/// at half of @p grace, SIGKILL of its group at the end. A plan left InProgress or Cancelling
/// with no process is closed with `azcopy cancel`. @p poll gives the job's progress after.
AzCopyProgress cancel_job(RunnerCore& core, const JobId& job_id, std::chrono::milliseconds grace,
                          const std::function<AzCopyProgress()>& poll);

}  // namespace azcopy_runner::detail
