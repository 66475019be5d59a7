// SPDX-License-Identifier: MIT
#include "store/json_io.hpp"

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/json.hpp"
#include "azcopy_runner/parse.hpp"
#include "parse/parsed_output.hpp"

namespace azcopy_runner {
namespace detail {

using json = nlohmann::ordered_json;

void redact_strings(nlohmann::ordered_json& value) {
  if (value.is_string()) {
    value = redact(value.get_ref<const std::string&>());
  } else if (value.is_structured()) {
    for (auto& item : value) {
      redact_strings(item);
    }
  }
}

std::string dump(const json& j, int indent) {
  // AzCopy output may hold invalid UTF-8 (file names): replace it rather than throw.
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

json optional_time(const std::optional<TimePoint>& t) {
  return t ? json(format_timestamp(*t)) : json(nullptr);
}

std::optional<TimePoint> time_from_value(const json& j) {
  if (!j.is_string()) {
    return std::nullopt;
  }
  return parse_timestamp(j.get<std::string>());
}

json to_json_value(const AzCopyJobRef& ref) {
  return json{{"job_id", ref.job_id},   {"started_at", format_timestamp(ref.started_at)},
              {"command", ref.command}, {"environment", ref.environment},
              {"log_dir", ref.log_dir}, {"azcopy_log_file", ref.azcopy_log_file},
              {"pid", ref.pid}};
}

json to_json_value(const AzCopyProgress& p) {
  return json{{"job_id", p.job_id},
              {"state", std::string(to_string(p.state))},
              {"raw_status", p.raw_status},
              {"last_updated_at", format_timestamp(p.last_updated_at)},
              {"files_transferred", p.files_transferred},
              {"files_total", p.files_total},
              {"total_transfers", p.total_transfers},
              {"bytes_transferred", p.bytes_transferred},
              {"bytes_expected", p.bytes_expected},
              {"failed_transfers", p.failed_transfers},
              {"skipped_transfers", p.skipped_transfers},
              {"percent_complete", p.percent_complete},
              {"reason", p.reason},
              {"resumable", p.resumable}};
}

json to_json_value(const AzCopySummary& s) {
  json failed = json::array();
  for (const auto& f : s.failed_files) {
    failed.push_back(json{{"source", f.source},
                          {"destination", f.destination},
                          {"error_code", f.error_code},
                          {"transfer_status", f.transfer_status},
                          {"size", f.size},
                          {"reason", f.reason},
                          {"http_status", f.http_status},
                          {"service_code", f.service_code}});
  }
  json causes = json::array();
  for (const auto& c : s.failure_causes) {
    causes.push_back(json{{"count", c.count},
                          {"http_status", c.http_status},
                          {"service_code", c.service_code},
                          {"message", c.message},
                          {"side", c.side},
                          {"first_at", optional_time(c.first_at)}});
  }
  return json{{"job_id", s.job_id},
              {"state", std::string(to_string(s.state))},
              {"raw_status", s.raw_status},
              {"failure_reason", s.failure_reason},
              {"files_transferred", s.files_transferred},
              {"bytes_transferred", s.bytes_transferred},
              {"failed_transfers", s.failed_transfers},
              {"skipped_transfers", s.skipped_transfers},
              {"total_transfers", s.total_transfers},
              {"files_total", s.files_total},
              {"bytes_expected", s.bytes_expected},
              {"percent_complete", s.percent_complete},
              {"warnings", s.warnings},
              {"errors", s.errors},
              {"started_at", optional_time(s.started_at)},
              {"finished_at", optional_time(s.finished_at)},
              {"failed_files", std::move(failed)},
              {"failed_files_omitted", s.failed_files_omitted},
              {"failure_causes", std::move(causes)},
              {"messages", s.messages},
              {"empty_folders_not_processed", s.empty_folders_not_processed},
              {"directories", s.directories ? to_json_value(*s.directories) : json()},
              {"raw_summary", s.raw_summary}};
}

json to_json_value(const DirectoryCounts& d) {
  return json{{"made", d.made}, {"skipped", d.skipped}, {"failed", d.failed}};
}

DirectoryCounts directory_counts_from_value(const json& j) {
  DirectoryCounts d;
  if (j.is_object()) {
    d.made = j.value("made", std::int64_t{0});
    d.skipped = j.value("skipped", std::int64_t{0});
    d.failed = j.value("failed", std::int64_t{0});
  }
  return d;
}

json to_json_value(const ProcessIdentity& who) {
  return json{{"pid", who.pid},
              {"start_time", who.start_time},
              {"boot_id", who.boot_id},
              {"host", who.host}};
}

AzCopyJobRef job_ref_from_value(const json& j) {
  AzCopyJobRef ref;
  ref.job_id = j.value("job_id", std::string());
  ref.started_at = time_from_value(j.value("started_at", json())).value_or(TimePoint{});
  ref.command = j.value("command", std::vector<std::string>{});
  ref.environment = j.value("environment", std::map<std::string, std::string>{});
  ref.log_dir = j.value("log_dir", std::string());
  ref.azcopy_log_file = j.value("azcopy_log_file", std::string());
  ref.pid = j.value("pid", std::int64_t{0});
  return ref;
}

AzCopySummary summary_from_value(const json& j) {
  AzCopySummary s;
  s.job_id = j.value("job_id", std::string());
  s.state = parse_job_state(j.value("state", std::string())).value_or(AzCopyJobState::Unknown);
  s.raw_status = j.value("raw_status", std::string());
  s.files_transferred = j.value("files_transferred", std::int64_t{0});
  s.bytes_transferred = j.value("bytes_transferred", std::int64_t{0});
  s.failed_transfers = j.value("failed_transfers", std::int64_t{0});
  s.skipped_transfers = j.value("skipped_transfers", std::int64_t{0});
  s.total_transfers = j.value("total_transfers", std::int64_t{0});
  // A summary kept by an earlier version has no files_total: its total is the best known.
  s.files_total = j.value("files_total", s.total_transfers);
  s.bytes_expected = j.value("bytes_expected", std::int64_t{0});
  s.percent_complete = j.value("percent_complete", 0.0);
  s.warnings = j.value("warnings", std::int64_t{0});
  s.errors = j.value("errors", std::int64_t{0});
  s.started_at = time_from_value(j.value("started_at", json()));
  s.finished_at = time_from_value(j.value("finished_at", json()));
  for (const auto& f : j.value("failed_files", json::array())) {
    FailedFile file;
    file.source = f.value("source", std::string());
    file.destination = f.value("destination", std::string());
    file.error_code = f.value("error_code", std::string());
    file.transfer_status = f.value("transfer_status", std::string());
    file.size = f.value("size", std::int64_t{0});
    file.reason = f.value("reason", std::string());
    file.http_status = f.value("http_status", 0);
    file.service_code = f.value("service_code", std::string());
    s.failed_files.push_back(std::move(file));
  }
  for (const auto& c : j.value("failure_causes", json::array())) {
    FailureCause cause;
    cause.count = c.value("count", std::int64_t{0});
    cause.http_status = c.value("http_status", 0);
    cause.service_code = c.value("service_code", std::string());
    cause.message = c.value("message", std::string());
    cause.side = c.value("side", std::string());
    cause.first_at = time_from_value(c.value("first_at", json()));
    s.failure_causes.push_back(std::move(cause));
  }
  s.failure_reason = j.value("failure_reason", std::string());
  s.failed_files_omitted = j.value("failed_files_omitted", std::int64_t{0});
  s.messages = j.value("messages", std::vector<std::string>{});
  s.empty_folders_not_processed = j.value("empty_folders_not_processed", false);
  if (j.contains("directories") && j["directories"].is_object()) {
    s.directories = directory_counts_from_value(j["directories"]);
  }
  s.raw_summary = j.value("raw_summary", std::string());
  return s;
}

ProcessIdentity identity_from_value(const json& j) {
  ProcessIdentity who;
  who.pid = j.value("pid", std::int64_t{0});
  who.start_time = j.value("start_time", std::uint64_t{0});
  who.boot_id = j.value("boot_id", std::string());
  who.host = j.value("host", std::string());
  return who;
}

}  // namespace detail

std::string to_json(const AzCopyJobRef& ref) { return detail::dump(detail::to_json_value(ref)); }
std::string to_json(const AzCopyProgress& progress) {
  return detail::dump(detail::to_json_value(progress));
}
std::string to_json(const AzCopySummary& summary) {
  return detail::dump(detail::to_json_value(summary));
}

AzCopySummary summary_from_json(std::string_view text) {
  try {
    return detail::summary_from_value(nlohmann::ordered_json::parse(text));
  } catch (const nlohmann::ordered_json::exception& e) {
    throw AzCopyParseError(std::string("invalid summary JSON: ") + e.what(), ErrorContext{});
  }
}

AzCopyJobRef job_ref_from_json(std::string_view text) {
  try {
    return detail::job_ref_from_value(nlohmann::ordered_json::parse(text));
  } catch (const nlohmann::ordered_json::exception& e) {
    throw AzCopyParseError(std::string("invalid job ref JSON: ") + e.what(), ErrorContext{});
  }
}

}  // namespace azcopy_runner
