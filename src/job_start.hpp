// SPDX-License-Identifier: MIT
// Internal: starting an AzCopy job (a copy, or a resume) and waiting for its job id.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "azcopy_runner/types.hpp"
#include "record.hpp"

namespace azcopy_runner::detail {

struct RunnerCore;

/// The `se` of the SAS tokens a process of the job is given (sas_expiry.hpp), kept in the
/// record: a side without one keeps what the record had.
struct SasExpiries {
  std::optional<TimePoint> source;
  std::optional<TimePoint> destination;
};

/// Launches `azcopy <args>` detached (own session, stdout and stderr to files, stdin a FIFO)
/// and waits up to RunnerConfig::start_timeout for its job id; then moves its output next to
/// the job's record (`<root>/<job id>`, or `<log_dir>/resume-N` for a resume) and saves it.
/// @param kind     "copy" or "resume" (kept in the record).
/// @param existing the job's record when this resumes it.
/// @throws AzCopyStartError (AzCopy exited first), AzCopyJobIdNotFoundError (no job id in
///   time; the process is killed): both carry the job id AzCopy had chosen and the redacted
///   end of its own log when it is found (see docs/RELIABILITY.md).
/// @p directories: what the runner made before (a RESTORE that keeps directories), kept in
/// the new job's record.
AzCopyJobRef launch_job(RunnerCore& core, const std::vector<std::string>& args,
                        const std::string& kind, std::optional<JobRecord> existing,
                        const SasExpiries& expiries,
                        std::optional<KeptDirectories> directories = std::nullopt);

}  // namespace azcopy_runner::detail
