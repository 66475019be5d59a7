// SPDX-License-Identifier: MIT
// Internal: running `azcopy jobs show <id> --output-type=json` and reading its answer.
#pragma once

#include <string>
#include <string_view>

#include "azcopy_runner/process.hpp"
#include "parse/parsed_output.hpp"

namespace azcopy_runner::detail {

struct RunnerCore;

/// The name of the scratch file a `jobs show` writes its output to, in the log root, starts
/// with this (prune() removes those a crashed runner left).
inline constexpr std::string_view kJobsShowScratchPrefix = ".azcopy-runner-jobs-show-";

/// What one `azcopy jobs show` said.
struct JobsShow {
  RunResult result;
  ParsedOutput parsed;
  std::string excerpt;  ///< Redacted, bounded; only when it gave no summary.
};

/// Runs `azcopy jobs show` for @p job_id (with RunnerConfig::command_timeout) and parses its
/// output. A job with thousands of failures prints megabytes: the output goes to a private
/// file that is read one line at a time, never whole (in memory on a full disk).
/// @param stop_early  stop AzCopy once it has printed the job's summary: 10.32 prints it as
///   GetJobSummary and then repeats the same content as EndOfJob (a second pass over every
///   listed failure, a quarter of its run time on a job with thousands of them); the plan
///   has been read by then and the command writes nothing.
JobsShow run_jobs_show(RunnerCore& core, const std::string& job_id, bool stop_early);

}  // namespace azcopy_runner::detail
