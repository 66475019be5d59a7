// SPDX-License-Identifier: MIT
/// @file output.hpp
/// @brief What `azcopy-runner` prints: JSON objects and human-readable text for job refs,
/// progress, summaries, job lists and errors, plus the small formatting helpers they share.
/// Every string that may hold a URL goes through azcopy_runner::redact() here.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "azcopy_runner/runner.hpp"
#include "azcopy_runner/types.hpp"

namespace azcopy_runner::cli {

/// An error of the tool itself (not of the library): an unreadable file, an interrupted wait.
class CliError : public std::runtime_error {
 public:
  CliError(std::string type, const std::string& message, int exit_code, std::string job_id = {})
      : std::runtime_error(message),
        type_(std::move(type)),
        exit_code_(exit_code),
        job_id_(std::move(job_id)) {}
  [[nodiscard]] const std::string& type() const noexcept { return type_; }
  [[nodiscard]] int exit_code() const noexcept { return exit_code_; }
  [[nodiscard]] const std::string& job_id() const noexcept { return job_id_; }

 private:
  std::string type_;
  int exit_code_;
  std::string job_id_;
};

// ---- formatting helpers (pure) ----

/// "2026-11-29T18:23:10.301Z" (UTC, milliseconds).
[[nodiscard]] std::string format_iso8601(TimePoint t);

/// A byte count in IEC units: "512 B", "1.5 KiB", "3.2 GiB".
[[nodiscard]] std::string format_bytes(double bytes);

/// A duration: "42s", "3m07s", "2h05m09s".
[[nodiscard]] std::string format_duration(std::chrono::seconds duration);

/// The percentage to show: AzCopy's PercentComplete when it gave one, else bytes (or files)
/// done over expected.
[[nodiscard]] double display_percent(const AzCopyProgress& progress);

/// A command line for display: arguments joined by spaces, those with spaces or shell
/// metacharacters single-quoted. Redacted.
[[nodiscard]] std::string format_command(const std::vector<std::string>& command);

/// Serializes @p value as one compact line; invalid UTF-8 is replaced, never throws on it.
[[nodiscard]] std::string dump_json(const nlohmann::ordered_json& value);

// ---- printing: everything the tool prints, but its help, goes through these ----

/// Writes @p text to @p stream, redacted whole (azcopy_runner::redact()).
void print_text(std::FILE* stream, std::string_view text);

/// Writes @p value to stdout as one JSON line, every string of it redacted, and flushes.
void print_json_line(const nlohmann::ordered_json& value);

// ---- JSON ----
//
// The value types are serialized by the library (azcopy_runner/json.hpp), so the CLI prints
// exactly the field names the library documents and persists; every string in the result then
// goes through redact() once more.

using Json = nlohmann::ordered_json;

/// Every string in @p value (object keys excepted) passed through redact().
[[nodiscard]] Json redact_strings(Json value);

/// {"job_id","started_at","command","environment","log_dir","azcopy_log_file","pid"}
[[nodiscard]] Json ref_json(const AzCopyJobRef& ref);
/// {"job_id","state","raw_status","last_updated_at","files_transferred",...,"resumable"}
[[nodiscard]] Json progress_json(const AzCopyProgress& progress);
/// {"job_id","state","raw_status","files_transferred",...,"raw_summary"}
[[nodiscard]] Json summary_json(const AzCopySummary& summary);
/// The job reference plus "state" (as last recorded), "files_transferred",
/// "bytes_transferred" and "finished_at" (null until the job is known to be terminal).
[[nodiscard]] Json job_record_json(const JobRecordInfo& job);
/// {"removed": [job ids...], "removed_paths": [paths...]} (`rm`, `prune`).
[[nodiscard]] Json removed_json(const PruneResult& removed);

/// {"jobs": [job_record_json()...]}
[[nodiscard]] Json jobs_json(const std::vector<JobRecordInfo>& jobs);

/// An error: {"error": type, "message", "job_id", "log_dir", "excerpt"}; for an
/// AzCopyNotFinishedError also "partial_summary". @p fallback_job_id fills job_id when the
/// error does not know it.
[[nodiscard]] Json error_json(const std::exception& error, std::string_view fallback_job_id = {});

/// The type name printed for an error: AzCopyError::type_name(), "UsageError",
/// CliError::type(), or "InternalError" for any other exception.
[[nodiscard]] std::string error_type_name(const std::exception& error);

// ---- human-readable text ----

[[nodiscard]] std::string format_ref(const AzCopyJobRef& ref, std::string_view verb = "Started");
[[nodiscard]] std::string format_progress(const AzCopyProgress& progress);
[[nodiscard]] std::string format_summary(const AzCopySummary& summary);
[[nodiscard]] std::string format_jobs(const std::vector<JobRecordInfo>& jobs);

/// What `prune` removed, one line each.
[[nodiscard]] std::string format_removed(const PruneResult& removed);

/// The exit code for an error: UsageError 2, CliError its own, library errors per
/// exit_code_for_error(), anything else 9.
[[nodiscard]] int error_exit_code(const std::exception& error) noexcept;

/// The lines printed on stderr for an error: "azcopy-runner: <type>: <message>", then the job
/// id, log directory and AzCopy output excerpt when known.
[[nodiscard]] std::string format_error(const std::exception& error,
                                       std::string_view fallback_job_id = {});

}  // namespace azcopy_runner::cli
