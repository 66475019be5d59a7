// SPDX-License-Identifier: MIT
// Internal: the full result of reading AzCopy output, used by the runner and by parse_summary().
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/types.hpp"
#include "timestamp.hpp"

namespace azcopy_runner::detail {

/// Everything the parsers read out of one AzCopy output (JSON lines or text, any version).
struct ParsedOutput {
  std::optional<std::string> job_id;    ///< Init JobID / "Job <id> has started" / summary JobID.
  std::optional<std::string> log_file;  ///< LogFileLocation / "Log file is located at: ...".
  std::optional<AzCopySummary>
      summary;                 ///< The newest summary (EndOfJob wins over later Progress).
  bool end_of_job = false;     ///< EndOfJob message (JSON) or "Final Job Status:" (text) seen.
  bool job_not_found = false;  ///< "no job with JobId ... exists" or "invalid jobId given".
  bool cancel_prompt = false;  ///< The last Prompt message is a Cancel prompt (awaits "y").
  std::int64_t warnings = 0;   ///< Info messages starting "WARN:" (text: lines starting "WARN:").
  std::int64_t errors = 0;     ///< Error messages (text: lines that read as AzCopy errors).
  std::vector<std::string> messages;         ///< Redacted Error/WARN texts, at most kMaxMessages.
  std::optional<TimePoint> first_timestamp;  ///< Earliest TimeStamp (JSON only).
  std::optional<TimePoint> last_timestamp;   ///< Latest TimeStamp (JSON only).
  std::optional<TimePoint> end_timestamp;    ///< TimeStamp of the EndOfJob message.
  /// Folder transfers of a terminal summary whose completed folders AzCopy did not count
  /// (`jobs show`): summary->files_transferred may include up to this many folders.
  std::int64_t uncounted_folders = 0;
  /// AzCopy said "Any empty folders will not be processed" (a side without full folder
  /// support, such as Blob): empty source directories are not copied, and no count shows it.
  bool empty_folders_not_processed = false;
  std::string empty_folders_notice;  ///< That message, verbatim (redacted).
  /// AzCopy said "Failed to scan Directory/File ...": part of the source was not listed (its
  /// reason is in AzCopy's `<job id>-scanning.log`), and no count shows the files there.
  bool scan_failed = false;
};

/// Marks @p summary as a job whose empty folders AzCopy did not process, and puts AzCopy's
/// @p notice first among its messages (once; the bound on messages is kept).
void note_empty_folders(AzCopySummary& summary, const std::string& notice);

/// Parses a whole output (an OutputParser fed once). Never throws anything but std::bad_alloc.
ParsedOutput parse_output(std::string_view output);

/// parse_output() for a progress figure only (poll()): the FailedTransfers and SkippedTransfers
/// lists of JSON summaries are not read (AzCopy prints every counter before them: only the
/// content up to them is parsed; failed_files stays empty, failed_files_omitted 0, raw_summary
/// empty), so that reading the last progress line of a job costs the same whatever number of
/// failures it lists.
ParsedOutput parse_progress_line(std::string_view line);

/// parse_output() of a file, fed to the same parser one line at a time through a memory map
/// whose pages are released after each line: the memory held is that of the longest line, not
/// of the file; the result is that of parse_output() of the file's text. A missing or
/// unreadable file gives an empty result.
ParsedOutput parse_output_file(const std::filesystem::path& file);

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

}  // namespace azcopy_runner::detail
