// SPDX-License-Identifier: MIT
/// @file types.hpp
/// @brief Value types of azcopy-runner: job state, job reference, progress, summary, options.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace azcopy_runner {

/// Wall-clock instant used throughout the API (UTC).
using TimePoint = std::chrono::system_clock::time_point;

/// The runner's view of an AzCopy job, independent of AzCopy's own status strings.
enum class AzCopyJobState {
  Pending,    ///< Started by this runner; AzCopy scans its source and has reported no
              ///< progress yet, or does not know the job yet (`jobs show`).
  Running,    ///< InProgress, Paused or Cancelling.
  Succeeded,  ///< Completed or CompletedWithSkipped, and no failed transfer.
  Failed,     ///< CompletedWithErrors, CompletedWithErrorsAndSkipped, Failed, any failed transfer,
              ///< or a job whose AzCopy process is gone while its plan says InProgress.
  Canceled,   ///< Cancelled.
  Unknown,    ///< A status this library does not know.
};

/// "PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED" or "UNKNOWN".
[[nodiscard]] std::string_view to_string(AzCopyJobState state) noexcept;

/// Parses the names printed by to_string() (case-insensitive); std::nullopt for anything else.
[[nodiscard]] std::optional<AzCopyJobState> parse_job_state(std::string_view text) noexcept;

/// True for Succeeded, Failed and Canceled.
[[nodiscard]] constexpr bool is_terminal(AzCopyJobState state) noexcept {
  return state == AzCopyJobState::Succeeded || state == AzCopyJobState::Failed ||
         state == AzCopyJobState::Canceled;
}

/// Maps an AzCopy `JobStatus` string ("Completed", "InProgress", ...) to a state.
/// Completed/CompletedWithSkipped -> Succeeded; CompletedWithErrors,
/// CompletedWithErrorsAndSkipped, Failed -> Failed; Cancelled -> Canceled;
/// InProgress, Paused, Cancelling -> Running; anything else -> Unknown.
[[nodiscard]] AzCopyJobState map_azcopy_status(std::string_view job_status) noexcept;

/// Output format requested from `azcopy copy`.
enum class OutputType { Json, Text };

/// A reference to a started AzCopy job: what a caller persists (the job id is the
/// continuation token; everything else is for audit and debugging).
struct AzCopyJobRef {
  std::string job_id;                              ///< AzCopy's job id (a UUID).
  TimePoint started_at{};                          ///< When the runner launched AzCopy.
  std::vector<std::string> command;                ///< argv, every URL query string redacted.
  std::map<std::string, std::string> environment;  ///< The AZCOPY_* variables passed, no secrets.
  std::string log_dir;          ///< The runner's per-job directory (stdout, stderr, record).
  std::string azcopy_log_file;  ///< AzCopy's own `<jobid>.log`, when it printed it.
  std::int64_t pid = 0;         ///< Process id of the AzCopy process (0 if unknown).
};

/// One failed (or skipped) transfer, as listed by AzCopy. URLs are redacted.
struct FailedFile {
  std::string source;
  std::string destination;
  std::string error_code;       ///< AzCopy's ErrorCode: an HTTP status ("404", "412") or "0".
  std::string transfer_status;  ///< "Failed", "SkippedEntityAlreadyExists", ...
  std::int64_t size = 0;
  /// Why it failed, from its failure line in AzCopy's job log (the job's last run): AzCopy's
  /// message without URLs, redacted, at most kMaxReasonBytes. Empty when the log was not
  /// readable or does not name this file.
  std::string reason;
  int http_status = 0;       ///< The refused request's HTTP status (403, 404, 412...), or 0.
  std::string service_code;  ///< Its `x-ms-error-code` ("AuthorizationPermissionMismatch"), or "".
};

/// One cause of a job's failed transfers: failures with the same status, service code and
/// message, counted in AzCopy's job log (the job's last run).
struct FailureCause {
  std::int64_t count = 0;    ///< Failed transfers with this cause.
  int http_status = 0;       ///< 0 when the log gives none (a connection error, a local error).
  std::string service_code;  ///< `x-ms-error-code`, or "".
  std::string message;       ///< AzCopy's message without URLs (redacted, bounded).
  /// Which side refused: "source" or "destination" (the refused request's URL, or a code about
  /// the copy source); "" when the log does not tell.
  std::string side;
  std::optional<TimePoint> first_at;  ///< The first such failure (the log's whole second).
};

/// Result of poll(): a cheap, non-blocking view of a job. A figure has the name and the meaning
/// it has in AzCopySummary: files_transferred of files_total are both files, folders apart.
struct AzCopyProgress {
  std::string job_id;
  AzCopyJobState state = AzCopyJobState::Unknown;
  TimePoint last_updated_at{};  ///< Timestamp of the AzCopy message the figures come from.
  std::string raw_status;       ///< AzCopy's JobStatus, verbatim ("InProgress", ...), if any.
  std::int64_t files_transferred = 0;  ///< Files transferred so far (completed minus folders).
  std::int64_t files_total = 0;        ///< Files to transfer (see AzCopySummary::files_total).
  std::int64_t total_transfers = 0;    ///< TotalTransfers: files, folders and symbolic links.
  std::int64_t bytes_transferred = 0;
  std::int64_t bytes_expected = 0;
  std::int64_t failed_transfers = 0;
  std::int64_t skipped_transfers = 0;
  double percent_complete = 0.0;
  std::string reason;      ///< Why the runner reports this state when AzCopy does not say so.
  bool resumable = false;  ///< True when `azcopy jobs resume` can continue the job.
};

/// The directories of a job, apart from its files.
struct DirectoryCounts {
  std::int64_t made = 0;     ///< Directories written (a COOL's stubs, a RESTORE's directories).
  std::int64_t skipped = 0;  ///< Already there (a rerun with overwrite false or ifSourceNewer).
  std::int64_t failed = 0;   ///< Not written: the job is FAILED and failure_reason says why.
};

/// Final (or, inside AzCopyNotFinishedError, partial) statistics of a job.
struct AzCopySummary {
  std::string job_id;
  AzCopyJobState state = AzCopyJobState::Unknown;
  std::string raw_status;              ///< AzCopy's JobStatus, verbatim.
  std::int64_t files_transferred = 0;  ///< TransfersCompleted - FoldersCompleted.
  std::int64_t bytes_transferred = 0;  ///< TotalBytesTransferred.
  std::int64_t failed_transfers = 0;   ///< TransfersFailed.
  std::int64_t skipped_transfers = 0;  ///< TransfersSkipped.
  std::int64_t total_transfers = 0;    ///< TotalTransfers: files, folders and symbolic links.
  /// The files among total_transfers (TotalTransfers - FolderPropertyTransfers), the unit of
  /// files_transferred. AzCopy's text progress lines give no folder count: from them, folders
  /// are counted here too.
  std::int64_t files_total = 0;
  std::int64_t bytes_expected = 0;       ///< TotalBytesExpected.
  double percent_complete = 0.0;         ///< PercentComplete (0..100), when AzCopy reports it.
  std::int64_t warnings = 0;             ///< AzCopy `WARN:` messages seen.
  std::int64_t errors = 0;               ///< AzCopy Error messages seen, plus a non-empty ErrorMsg.
  std::optional<TimePoint> started_at;   ///< First timestamp seen for the job.
  std::optional<TimePoint> finished_at;  ///< Timestamp of the terminal message.
  std::string raw_summary;               ///< The summary AzCopy printed, redacted, at most 64 KiB.
  std::vector<FailedFile> failed_files;  ///< At most kMaxFailedFiles entries.
  std::int64_t failed_files_omitted = 0;  ///< Failed entries seen beyond the bound.
  std::vector<std::string> messages;      ///< Redacted error/warning texts (bounded).
  /// AzCopy said "Any empty folders will not be processed, because source and/or destination
  /// doesn't have full folder support" (Blob has no folders: COOL, RESTORE, uploads,
  /// downloads). Empty directories of the source are then not copied, and no count above
  /// shows it; the notice is also the first of `messages`. Known from the output of the
  /// AzCopy process the runner started (kept in the job's record); `jobs show` does not say it.
  bool empty_folders_not_processed = false;
  /// For a FAILED job, one line a person reads first: the most frequent cause of its failed
  /// transfers with its count, e.g. "5 of 5 failed: 403 AuthorizationPermissionMismatch on the
  /// destination (Could not check destination file existence)", what a SAS that expired
  /// before them means, or else the first message. Empty for any other state.
  std::string failure_reason;
  /// The causes of the failed transfers, most frequent first (at most kMaxFailureCauses).
  std::vector<FailureCause> failure_causes;
  /// Directories, when they are known: those AzCopy counted as folder transfers (its own
  /// summary: `jobs show` says 0 for them), or, for a RESTORE with
  /// CopyOptions::keep_directories, those the runner made. std::nullopt otherwise.
  std::optional<DirectoryCounts> directories;
};

/// Bounds on what a summary keeps.
inline constexpr std::size_t kMaxRawSummaryBytes = std::size_t{64} * 1024;
inline constexpr std::size_t kMaxFailedFiles = 100;
inline constexpr std::size_t kMaxMessages = 20;
inline constexpr std::size_t kMaxExcerptBytes = std::size_t{4} * 1024;
inline constexpr std::size_t kMaxFailureCauses = 8;
inline constexpr std::size_t kMaxReasonBytes = 300;

/// Options of start_copy(). Defaults follow the task.
struct CopyOptions {
  bool recursive = true;
  std::string overwrite = "true";      ///< true, false, ifSourceNewer ("prompt" is refused).
  std::optional<std::string> from_to;  ///< LocalBlob, BlobLocal, FileBlob, BlobFile, ...
  std::string log_level = "INFO";      ///< AzCopy --log-level (empty: the runner's default).
  OutputType output_type = OutputType::Json;
  std::vector<std::string> extra_args;  ///< Further AzCopy flags; managed flags are refused.
  /// Keep the directory tree, empty directories included, across Blob (which has none). A COOL
  /// (from_to FileBlob) writes one directory stub per directory (`--include-directory-stub`);
  /// a RESTORE (BlobFile) makes, before AzCopy starts, every directory the container's stubs
  /// describe, then AzCopy copies the files. Needs from_to set to one of the two, and a SAS
  /// on both URLs (the runner lists the container and makes the directories itself).
  bool keep_directories = false;
};

/// A job the runner's records know on this host (see AzCopyRunner::list_jobs()).
struct JobRecordInfo {
  AzCopyJobRef ref;
  AzCopyJobState last_state = AzCopyJobState::Unknown;  ///< As last recorded.
  std::optional<AzCopySummary> summary;                 ///< Present once terminal.
};

/// What AzCopyRunner::prune() removed.
struct PruneResult {
  std::vector<std::string> removed_jobs;   ///< Ids of the jobs removed (sorted).
  std::vector<std::string> removed_paths;  ///< Abandoned staging directories and scratch files.
};

}  // namespace azcopy_runner
