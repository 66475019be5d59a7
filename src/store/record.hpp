// SPDX-License-Identifier: MIT
// Internal: the per-job record and the per-job directory of the runner.
//
// Layout under the runner's log root (RunnerConfig::effective_log_dir()):
//   <root>/<job_id>/record.json   this record (written atomically: temp file + rename)
//   <root>/<job_id>/stdout.log    AzCopy's stdout (JSON lines), appended
//   <root>/<job_id>/stderr.log    AzCopy's stderr, appended
//   <root>/<job_id>/stdin.fifo    AzCopy's stdin: a FIFO that never reaches EOF
// A job starts in <root>/.starting-<random>/ and the directory is renamed once the job id is
// known. Everything here is best effort: correctness rests on the job id and `azcopy jobs show`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/process.hpp"
#include "azcopy_runner/types.hpp"

namespace azcopy_runner::detail {

/// What the runner did for a RESTORE's directories (CopyOptions::keep_directories).
struct KeptDirectories {
  DirectoryCounts counts;             ///< Of the stubs' directories (not the root or parents).
  std::vector<std::string> failures;  ///< "<path>: <why>" (redacted), at most kMaxMessages.
};

/// The AzCopy command that started the job's current process.
enum class ProcessKind { Copy, Resume };

/// "copy" or "resume", as the record stores it.
std::string_view to_string(ProcessKind kind) noexcept;

/// What the job's copy was asked to do, recorded when it starts; the runner reads these
/// fields, not the command line.
struct CopyFacts {
  std::string source;       ///< Redacted, as in the command.
  std::string destination;  ///< Redacted, as in the command.
  std::string from_to;      ///< "" when AzCopy chose it.
  std::string overwrite = "true";
  OutputType output_type = OutputType::Json;
};

/// The facts of a copy from its recorded command line (`azcopy copy SRC DST --flag=value …`);
/// std::nullopt when it is not one. Only for records written before the facts were kept.
std::optional<CopyFacts> copy_facts_from_command(const std::vector<std::string>& command);

struct JobRecord {
  AzCopyJobRef ref;
  ProcessIdentity process;  ///< The AzCopy process currently running the job.
  ProcessKind kind = ProcessKind::Copy;
  /// What the copy was asked to do; std::nullopt for a job the runner resumed knowing only its
  /// id (started elsewhere).
  std::optional<CopyFacts> copy;
  std::optional<ExitStatus> exit;  ///< As collected by the runner that started it.
  AzCopyJobState last_state = AzCopyJobState::Pending;
  std::optional<AzCopySummary> summary;  ///< The terminal summary, once known.
  std::int64_t resumes = 0;              ///< How many times the job was resumed.
  bool cancel_requested = false;         ///< cancel() was called for the job.
  std::string process_dir;               ///< Output files of the current process (a resume
                                         ///< writes into <log_dir>/resume-N); "" = log_dir.
  /// AzCopy's "Any empty folders will not be processed" notice, as printed before the job id
  /// (redacted); "" when it did not print it. `jobs show` does not repeat it.
  std::string empty_folders_notice;
  /// The `se` of the SAS tokens the job's last process was given (no secret: a date), to tell
  /// whether its 403s came after one expired.
  std::optional<TimePoint> source_sas_expiry;
  std::optional<TimePoint> destination_sas_expiry;
  /// The directories the runner made before AzCopy started (a RESTORE that keeps them).
  std::optional<KeptDirectories> directories;

  /// Whether the current process writes JSON lines (a resume always does).
  [[nodiscard]] bool stdout_is_json() const {
    return kind == ProcessKind::Resume || !copy || copy->output_type == OutputType::Json;
  }
  [[nodiscard]] std::filesystem::path dir() const { return ref.log_dir; }
  [[nodiscard]] std::filesystem::path output_dir() const {
    return process_dir.empty() ? dir() : std::filesystem::path(process_dir);
  }
  [[nodiscard]] std::filesystem::path stdout_path() const { return output_dir() / "stdout.log"; }
  [[nodiscard]] std::filesystem::path stderr_path() const { return output_dir() / "stderr.log"; }
  [[nodiscard]] std::filesystem::path stdin_fifo() const { return output_dir() / "stdin.fifo"; }
};

/// Serialises a record (no secrets are in it: every string was redacted before).
std::string record_to_json(const JobRecord& record);

/// Reads a record; std::nullopt when the text is not a record.
std::optional<JobRecord> record_from_json(std::string_view text);

/// Writes <dir>/record.json atomically (0600), every string of it redacted (redact.hpp).
/// Returns an error text, or "" on success.
std::string write_record(const JobRecord& record);

/// Loads <root>/<job_id>/record.json; std::nullopt when missing or unreadable.
std::optional<JobRecord> load_record(const std::filesystem::path& root, std::string_view job_id);

/// Reads at most @p max_bytes from the end of a file (the whole file when smaller);
/// std::nullopt when it is missing, a symlink, or a file another user could have written
/// (untrusted_file_reason(): not ours, or writable by group or others).
std::optional<std::string> read_tail(const std::filesystem::path& file, std::size_t max_bytes);

}  // namespace azcopy_runner::detail
