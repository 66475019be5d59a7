// SPDX-License-Identifier: MIT
// Internal: removing what a job leaves on disk (AzCopyRunner::remove_job) and pruning old jobs
// and abandoned starts (AzCopyRunner::prune).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "azcopy_runner/types.hpp"
#include "store/job_id.hpp"

namespace azcopy_runner::detail {

struct RunnerCore;

/// Removes job @p job_id: AzCopy's plan files and log of it (what `azcopy jobs
/// rm` removes), then the runner's directory of it. Refuses a job whose process is alive, or
/// may be (started on another host and not known to have ended).
/// @throws AzCopyNotFinishedError (refused), AzCopyJobNotFoundError (nothing of it here).
void remove_job(RunnerCore& core, const JobId& job_id);

/// Removes every job of the store that ended more than @p older_than ago (its end is observed
/// once, as by poll(), when its process is gone and no end was recorded yet) and never a job
/// whose process is alive; then the staging directories of starts and the scratch files of
/// `jobs show` that a crashed runner left behind. @p forget is called with each removed id.
PruneResult prune_jobs(RunnerCore& core, std::chrono::seconds older_than,
                       const std::function<void(const std::string&)>& forget);

}  // namespace azcopy_runner::detail
