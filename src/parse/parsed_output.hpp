// SPDX-License-Identifier: MIT
// Internal: the full result of reading AzCopy output (output_parser.hpp), used by the runner
// and by parse_summary().
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/types.hpp"
#include "text/timestamp.hpp"

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

}  // namespace azcopy_runner::detail
