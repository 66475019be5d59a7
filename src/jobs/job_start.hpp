// SPDX-License-Identifier: MIT
// Internal: starting an AzCopy job (a copy, or a resume) and waiting for its job id.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "azcopy_runner/types.hpp"
#include "store/record.hpp"

namespace azcopy_runner::detail {

struct RunnerCore;

/// The `se` of the SAS tokens a process of the job is given (sas_expiry.hpp), kept in the
/// record: a side without one keeps what the record had.
struct SasExpiries {
  std::optional<TimePoint> source;
  std::optional<TimePoint> destination;
};

/// What a new job's record starts with besides what its start shows.
struct NewJob {
  std::optional<CopyFacts> copy;               ///< What the copy was asked to do.
  std::optional<KeptDirectories> directories;  ///< What the runner made before (a RESTORE
                                               ///< that keeps directories).
};

/// Launches `azcopy <args>` detached (own session, stdout and stderr to files, stdin a FIFO)
/// and waits up to RunnerConfig::start_timeout for its job id; then moves its output next to
/// the job's record (`<root>/<job id>`, or `<log_dir>/resume-N` for a resume) and saves it.
/// @param kind     kept in the record.
/// @param existing the job's record when this resumes it.
/// @param fresh    the new job's facts when it does not.
/// @throws AzCopyStartError (AzCopy exited first), AzCopyJobIdNotFoundError (no job id in
///   time; the process is killed): both carry the job id AzCopy had chosen and the redacted
///   end of its own log when it is found (see docs/RELIABILITY.md).
AzCopyJobRef launch_job(RunnerCore& core, const std::vector<std::string>& args, ProcessKind kind,
                        std::optional<JobRecord> existing, const SasExpiries& expiries,
                        NewJob fresh = {});

}  // namespace azcopy_runner::detail
