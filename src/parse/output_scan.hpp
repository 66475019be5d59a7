// SPDX-License-Identifier: MIT
// Internal: finding a summary line, or the EndOfJob, in a job's output without parsing it.
#pragma once

#include <string_view>

namespace azcopy_runner::detail {

/// The last complete (newline-terminated) JSON line of @p output whose MessageType is
/// Progress, EndOfJob or GetJobSummary; empty when there is none. Scans backwards: the cost
/// is that of the lines after it, not of the whole output.
std::string_view last_summary_line(std::string_view output) noexcept;

/// Whether @p head, the start of a line, is that of a final job summary as `azcopy jobs show`
/// prints it: a JSON message of type GetJobSummary (10.32; the EndOfJob that follows repeats
/// its content) or EndOfJob (10.18, and every version's last line). Reads at most 128 bytes.
bool is_job_summary_head(std::string_view head) noexcept;

/// Whether @p line (or its start) is an AzCopy JSON message of type EndOfJob.
bool is_end_of_job_line(std::string_view line) noexcept;

/// Whether @p tail, the end of a job's stdout, shows the job's own final summary: its last
/// summary line is an EndOfJob (JSON), or it holds "Final Job Status:" (text).
bool shows_end_of_job(std::string_view tail) noexcept;

}  // namespace azcopy_runner::detail
