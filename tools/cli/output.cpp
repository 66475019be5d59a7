// SPDX-License-Identifier: MIT
#include "output.hpp"

#include "text/timestamp.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "args.hpp"
#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/json.hpp"
#include "azcopy_runner/parse.hpp"
#include "exit_codes.hpp"

namespace azcopy_runner::cli {
namespace {

bool is_set(TimePoint t) { return t.time_since_epoch().count() != 0; }

Json json_time(TimePoint t) { return is_set(t) ? Json(format_iso8601(t)) : Json(nullptr); }

Json json_time(const std::optional<TimePoint>& t) { return t ? json_time(*t) : Json(nullptr); }

std::string human_time(TimePoint t) { return is_set(t) ? format_iso8601(t) : "-"; }

std::string human_time(const std::optional<TimePoint>& t) { return t ? human_time(*t) : "-"; }

std::string state_text(AzCopyJobState state) { return std::string(to_string(state)); }

/// "SUCCEEDED (Completed)", or "RUNNING" when AzCopy gave no status.
std::string state_with_raw(AzCopyJobState state, const std::string& raw_status) {
  return raw_status.empty() ? state_text(state)
                            : fmt::format("{} ({})", state_text(state), redact(raw_status));
}

/// "1.5 GiB of 3.0 GiB (1610612736 bytes)"
std::string bytes_pair(std::int64_t done, std::int64_t expected) {
  if (expected > 0) {
    return fmt::format("{} of {} ({} bytes)", format_bytes(static_cast<double>(done)),
                       format_bytes(static_cast<double>(expected)), done);
  }
  return fmt::format("{} ({} bytes)", format_bytes(static_cast<double>(done)), done);
}

void indent_lines(std::string& out, std::string_view text, std::string_view prefix) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    out += fmt::format("{}{}\n", prefix, line);
    start = end + 1;
  }
}

bool needs_quoting(std::string_view arg) {
  if (arg.empty()) {
    return true;
  }
  return !std::all_of(arg.begin(), arg.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("_-./:=@%+,").find(c) != std::string_view::npos;
  });
}

}  // namespace

std::string format_iso8601(TimePoint t) { return detail::format_timestamp(t); }

std::string format_bytes(double bytes) {
  static constexpr std::array<std::string_view, 6> kUnits{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024.0) {
    return fmt::format("{:.0f} B", std::max(bytes, 0.0));
  }
  double value = bytes / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string format_duration(std::chrono::seconds duration) {
  const std::int64_t total = std::max<std::int64_t>(duration.count(), 0);
  const std::int64_t hours = total / 3600;
  const std::int64_t minutes = (total % 3600) / 60;
  const std::int64_t seconds = total % 60;
  if (hours > 0) {
    return fmt::format("{}h{:02}m{:02}s", hours, minutes, seconds);
  }
  if (minutes > 0) {
    return fmt::format("{}m{:02}s", minutes, seconds);
  }
  return fmt::format("{}s", seconds);
}

double display_percent(const AzCopyProgress& progress) {
  if (progress.percent_complete > 0.0) {
    return progress.percent_complete;
  }
  if (progress.bytes_expected > 0) {
    return 100.0 * static_cast<double>(progress.bytes_transferred) /
           static_cast<double>(progress.bytes_expected);
  }
  if (progress.files_total > 0) {
    return 100.0 * static_cast<double>(progress.files_transferred) /
           static_cast<double>(progress.files_total);
  }
  return progress.state == AzCopyJobState::Succeeded ? 100.0 : 0.0;
}

std::string format_command(const std::vector<std::string>& command) {
  std::string out;
  for (const std::string& raw : command) {
    const std::string arg = redact(raw);
    if (!out.empty()) {
      out += ' ';
    }
    if (!needs_quoting(arg)) {
      out += arg;
      continue;
    }
    out += '\'';
    for (char c : arg) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

std::string dump_json(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json redact_strings(Json value) {
  if (value.is_string()) {
    return redact(value.get_ref<const std::string&>());
  }
  if (value.is_array() || value.is_object()) {
    for (auto& item : value) {
      item = redact_strings(std::move(item));
    }
  }
  return value;
}

void print_text(std::FILE* stream, std::string_view text) {
  const std::string redacted = redact(text);
  (void)std::fwrite(redacted.data(), 1, redacted.size(), stream);
}

void print_json_line(const Json& value) {
  print_text(stdout, dump_json(redact_strings(value)) + "\n");
  (void)std::fflush(stdout);
}

namespace {

/// Parses what the library's to_json() wrote, and redacts it.
Json from_library(const std::string& text) { return redact_strings(Json::parse(text)); }

}  // namespace

Json ref_json(const AzCopyJobRef& ref) { return from_library(azcopy_runner::to_json(ref)); }

Json progress_json(const AzCopyProgress& progress) {
  return from_library(azcopy_runner::to_json(progress));
}

Json summary_json(const AzCopySummary& summary) {
  return from_library(azcopy_runner::to_json(summary));
}

Json job_record_json(const JobRecordInfo& job) {
  Json out = ref_json(job.ref);
  out["state"] = state_text(job.last_state);
  out["files_transferred"] = job.summary ? Json(job.summary->files_transferred) : Json(nullptr);
  out["bytes_transferred"] = job.summary ? Json(job.summary->bytes_transferred) : Json(nullptr);
  out["finished_at"] = job.summary ? json_time(job.summary->finished_at) : Json(nullptr);
  return out;
}

Json jobs_json(const std::vector<JobRecordInfo>& jobs) {
  Json list = Json::array();
  for (const JobRecordInfo& job : jobs) {
    list.push_back(job_record_json(job));
  }
  return Json{{"jobs", std::move(list)}};
}

Json removed_json(const PruneResult& removed) {
  return Json{{"removed", removed.removed_jobs}, {"removed_paths", removed.removed_paths}};
}

std::string error_type_name(const std::exception& error) {
  if (const auto* azcopy = dynamic_cast<const AzCopyError*>(&error); azcopy != nullptr) {
    return std::string(azcopy->type_name());
  }
  if (dynamic_cast<const UsageError*>(&error) != nullptr) {
    return "UsageError";
  }
  if (const auto* cli = dynamic_cast<const CliError*>(&error); cli != nullptr) {
    return cli->type();
  }
  return "InternalError";
}

int error_exit_code(const std::exception& error) noexcept {
  if (dynamic_cast<const UsageError*>(&error) != nullptr) {
    return kExitUsage;
  }
  if (const auto* cli = dynamic_cast<const CliError*>(&error); cli != nullptr) {
    return cli->exit_code();
  }
  return exit_code_for_error(error);
}

Json error_json(const std::exception& error, std::string_view fallback_job_id) {
  std::string job_id;
  std::string log_dir;
  std::string excerpt;
  if (const auto* azcopy = dynamic_cast<const AzCopyError*>(&error); azcopy != nullptr) {
    job_id = azcopy->job_id();
    log_dir = azcopy->log_dir();
    excerpt = azcopy->excerpt();
  } else if (const auto* cli = dynamic_cast<const CliError*>(&error); cli != nullptr) {
    job_id = cli->job_id();
  }
  if (job_id.empty()) {
    job_id = std::string(fallback_job_id);
  }
  Json out{{"error", error_type_name(error)},
           {"message", redact(error.what())},
           {"job_id", job_id.empty() ? Json(nullptr) : Json(redact(job_id))},
           {"log_dir", log_dir.empty() ? Json(nullptr) : Json(redact(log_dir))},
           {"excerpt", excerpt.empty() ? Json(nullptr) : Json(redact(excerpt))}};
  if (const auto* unfinished = dynamic_cast<const AzCopyNotFinishedError*>(&error);
      unfinished != nullptr) {
    out["partial_summary"] = summary_json(unfinished->partial_summary());
  }
  return out;
}

std::string format_ref(const AzCopyJobRef& ref, std::string_view verb) {
  std::string out = fmt::format("{} job {}\n", verb, ref.job_id);
  out += fmt::format("  pid:         {}\n", ref.pid);
  out += fmt::format("  started at:  {}\n", human_time(ref.started_at));
  out += fmt::format("  log dir:     {}\n", redact(ref.log_dir));
  if (!ref.azcopy_log_file.empty()) {
    out += fmt::format("  azcopy log:  {}\n", redact(ref.azcopy_log_file));
  }
  out += fmt::format("  command:     {}\n", format_command(ref.command));
  return out;
}

std::string format_progress(const AzCopyProgress& progress) {
  std::string out = fmt::format("Job {}: {}\n", progress.job_id,
                                state_with_raw(progress.state, progress.raw_status));
  out += fmt::format("  files:       {} of {}\n", progress.files_transferred, progress.files_total);
  out += fmt::format("  bytes:       {}\n",
                     bytes_pair(progress.bytes_transferred, progress.bytes_expected));
  out += fmt::format("  percent:     {:.1f}%\n", display_percent(progress));
  out += fmt::format("  failed:      {}\n", progress.failed_transfers);
  out += fmt::format("  skipped:     {}\n", progress.skipped_transfers);
  out += fmt::format("  updated at:  {}\n", human_time(progress.last_updated_at));
  if (!progress.reason.empty()) {
    out += fmt::format("  reason:      {}\n", redact(progress.reason));
  }
  out += fmt::format("  resumable:   {}\n", progress.resumable ? "yes" : "no");
  return out;
}

namespace {
/// The failed (or skipped) files of a summary, each with its reason when AzCopy's log gave one.
void format_failed_files(std::string& out, const AzCopySummary& summary) {
  if (!summary.failed_files.empty() || summary.failed_files_omitted > 0) {
    out += fmt::format("  failed or skipped files ({} listed{}):\n", summary.failed_files.size(),
                       summary.failed_files_omitted > 0
                           ? fmt::format(", {} more not listed", summary.failed_files_omitted)
                           : std::string{});
    for (const FailedFile& file : summary.failed_files) {
      out +=
          fmt::format("    {} {}: {} -> {} ({})\n", redact(file.transfer_status),
                      file.error_code.empty() ? "-" : redact(file.error_code), redact(file.source),
                      redact(file.destination), format_bytes(static_cast<double>(file.size)));
      if (!file.reason.empty() || file.http_status != 0 || !file.service_code.empty()) {
        out += fmt::format(
            "      {}{}{}\n", file.http_status != 0 ? std::to_string(file.http_status) + " " : "",
            file.service_code.empty() ? "" : redact(file.service_code) + ": ", redact(file.reason));
      }
    }
  }
}
}  // namespace

std::string format_summary(const AzCopySummary& summary) {
  std::string out = fmt::format("Job {}: {}\n", summary.job_id.empty() ? "-" : summary.job_id,
                                state_with_raw(summary.state, summary.raw_status));
  if (!summary.failure_reason.empty()) {
    out += fmt::format("  why:                {}\n", redact(summary.failure_reason));
  }
  out += fmt::format("  files transferred:  {} ({} transfers in total)\n",
                     summary.files_transferred, summary.total_transfers);
  out += fmt::format("  bytes transferred:  {}\n",
                     bytes_pair(summary.bytes_transferred, summary.bytes_expected));
  out += fmt::format("  failed transfers:   {}\n", summary.failed_transfers);
  out += fmt::format("  skipped transfers:  {}\n", summary.skipped_transfers);
  if (const auto& d = summary.directories) {
    out += fmt::format("  directories:        {} made, {} skipped, {} failed\n", d->made,
                       d->skipped, d->failed);
  }
  out += fmt::format("  warnings, errors:   {}, {}\n", summary.warnings, summary.errors);
  out += fmt::format("  started at:         {}\n", human_time(summary.started_at));
  out += fmt::format("  finished at:        {}\n", human_time(summary.finished_at));
  format_failed_files(out, summary);
  if (!summary.messages.empty()) {
    out += "  messages:\n";
    for (const std::string& message : summary.messages) {
      indent_lines(out, redact(message), "    ");
    }
  }
  return out;
}

std::string format_jobs(const std::vector<JobRecordInfo>& jobs) {
  if (jobs.empty()) {
    return "No jobs recorded.\n";
  }
  std::string out = fmt::format("{:<36}  {:<9}  {:>8}  {:>10}  {}\n", "JOB ID", "STATE", "FILES",
                                "BYTES", "STARTED AT");
  for (const JobRecordInfo& job : jobs) {
    const std::string files =
        job.summary ? fmt::format("{}", job.summary->files_transferred) : std::string("-");
    const std::string bytes =
        job.summary ? format_bytes(static_cast<double>(job.summary->bytes_transferred))
                    : std::string("-");
    out += fmt::format("{:<36}  {:<9}  {:>8}  {:>10}  {}\n", job.ref.job_id,
                       state_text(job.last_state), files, bytes, human_time(job.ref.started_at));
  }
  return out;
}

std::string format_removed(const PruneResult& removed) {
  if (removed.removed_jobs.empty() && removed.removed_paths.empty()) {
    return "Nothing to remove.\n";
  }
  std::string out;
  for (const std::string& id : removed.removed_jobs) {
    out += fmt::format("Removed job {}.\n", id);
  }
  for (const std::string& path : removed.removed_paths) {
    out += fmt::format("Removed {} (left by an interrupted start or poll).\n", path);
  }
  return out;
}

std::string format_error(const std::exception& error, std::string_view fallback_job_id) {
  const Json details = error_json(error, fallback_job_id);
  std::string out =
      fmt::format("azcopy-runner: {}: {}\n", error_type_name(error), redact(error.what()));
  if (details["job_id"].is_string()) {
    out += fmt::format("  job id:   {}\n", details["job_id"].get<std::string>());
  }
  if (details["log_dir"].is_string()) {
    out += fmt::format("  log dir:  {}\n", details["log_dir"].get<std::string>());
  }
  if (details["excerpt"].is_string()) {
    out += "  AzCopy output (end):\n";
    indent_lines(out, details["excerpt"].get<std::string>(), "    ");
  }
  return out;
}

}  // namespace azcopy_runner::cli
