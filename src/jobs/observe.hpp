// SPDX-License-Identifier: MIT
// Internal: reading what is known of a job at one instant (its record, its process, its own
// output, `azcopy jobs show`) and handing it to the state decision (job_state.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "azcopy_runner/types.hpp"
#include "store/job_id.hpp"
#include "store/record.hpp"

namespace azcopy_runner::detail {

struct RunnerCore;

/// What the runner knows of a job at one instant.
struct Observation {
  AzCopyJobState state = AzCopyJobState::Unknown;
  std::optional<AzCopySummary> summary;  ///< From `jobs show` (or the record).
  std::optional<JobRecord> record;
  std::string reason;
  bool resumable = false;
  TimePoint at{};
};

/// Observes job @p job_id: from its record once it holds a final summary; else,
/// with @p allow_fast, from the last progress line of its own stdout while its process runs on
/// this host; else from `azcopy jobs show`. A terminal summary seen for the first time is
/// completed (job_state.hpp) and kept in the record.
/// @throws AzCopyJobNotFoundError, AzCopyParseError (see AzCopyRunner::poll()).
Observation observe(RunnerCore& core, const JobId& job_id, bool allow_fast);

}  // namespace azcopy_runner::detail
