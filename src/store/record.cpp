// SPDX-License-Identifier: MIT
#include "store/record.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "azcopy_runner/parse.hpp"
#include "os/dirs.hpp"
#include "os/fd.hpp"
#include "store/json_io.hpp"

namespace azcopy_runner::detail {

using json = nlohmann::ordered_json;

namespace {

std::string_view output_type_name(OutputType type) {
  return type == OutputType::Json ? "json" : "text";
}

json copy_facts_value(const CopyFacts& c) {
  return json{{"source", c.source},
              {"destination", c.destination},
              {"from_to", c.from_to},
              {"overwrite", c.overwrite},
              {"output_type", output_type_name(c.output_type)}};
}

CopyFacts copy_facts_from_value(const json& j) {
  CopyFacts c;
  c.source = j.value("source", std::string());
  c.destination = j.value("destination", std::string());
  c.from_to = j.value("from_to", std::string());
  c.overwrite = j.value("overwrite", std::string("true"));
  c.output_type =
      j.value("output_type", std::string("json")) == "text" ? OutputType::Text : OutputType::Json;
  return c;
}

}  // namespace

std::string_view to_string(ProcessKind kind) noexcept {
  return kind == ProcessKind::Resume ? "resume" : "copy";
}

std::optional<CopyFacts> copy_facts_from_command(const std::vector<std::string>& command) {
  const auto copy = std::find(command.begin(), command.end(), "copy");
  if (copy == command.end() || command.end() - copy < 3) {
    return std::nullopt;
  }
  CopyFacts c;
  c.source = *(copy + 1);
  c.destination = *(copy + 2);
  for (auto it = copy + 3; it != command.end(); ++it) {
    const std::string_view arg = *it;
    if (arg.starts_with("--from-to=")) {
      c.from_to = arg.substr(10);
    } else if (arg.starts_with("--overwrite=")) {
      c.overwrite = arg.substr(12);
    } else if (arg.starts_with("--output-type=")) {
      c.output_type = arg.substr(14) == "json" ? OutputType::Json : OutputType::Text;
    }
  }
  return c;
}

namespace {

json record_value(const JobRecord& r) {
  json j{{"format", 1},
         {"ref", to_json_value(r.ref)},
         {"process", to_json_value(r.process)},
         {"kind", to_string(r.kind)},
         {"last_state", std::string(to_string(r.last_state))},
         {"resumes", r.resumes},
         {"cancel_requested", r.cancel_requested},
         {"process_dir", r.process_dir},
         {"empty_folders_notice", r.empty_folders_notice},
         {"source_sas_expiry", optional_time(r.source_sas_expiry)},
         {"destination_sas_expiry", optional_time(r.destination_sas_expiry)}};
  if (r.copy) {
    j["copy"] = copy_facts_value(*r.copy);
  }
  if (r.exit) {
    j["exit"] = json{{"exit_code", r.exit->exit_code}, {"signal", r.exit->signal}};
  }
  if (r.summary) {
    j["summary"] = to_json_value(*r.summary);
  }
  if (r.directories) {
    j["directories"] = json{{"counts", to_json_value(r.directories->counts)},
                            {"failures", r.directories->failures}};
  }
  return j;
}

}  // namespace

std::string record_to_json(const JobRecord& r) { return dump(record_value(r), 2); }

std::optional<JobRecord> record_from_json(std::string_view text) {
  try {
    const json j = json::parse(text);
    if (!j.is_object() || j.value("format", 0) != 1) {
      return std::nullopt;
    }
    JobRecord r;
    r.ref = job_ref_from_value(j.at("ref"));
    r.process = identity_from_value(j.value("process", json::object()));
    r.kind =
        j.value("kind", std::string("copy")) == "resume" ? ProcessKind::Resume : ProcessKind::Copy;
    if (j.contains("copy") && j["copy"].is_object()) {
      r.copy = copy_facts_from_value(j["copy"]);
    } else {
      r.copy = copy_facts_from_command(r.ref.command);  // a record of an earlier version
    }
    r.last_state =
        parse_job_state(j.value("last_state", std::string())).value_or(AzCopyJobState::Unknown);
    r.resumes = j.value("resumes", std::int64_t{0});
    r.process_dir = j.value("process_dir", std::string());
    r.cancel_requested = j.value("cancel_requested", false);
    r.empty_folders_notice = j.value("empty_folders_notice", std::string());
    r.source_sas_expiry = time_from_value(j.value("source_sas_expiry", json()));
    r.destination_sas_expiry = time_from_value(j.value("destination_sas_expiry", json()));
    if (j.contains("exit") && j["exit"].is_object()) {
      r.exit = ExitStatus{j["exit"].value("exit_code", -1), j["exit"].value("signal", 0)};
    }
    if (j.contains("summary") && j["summary"].is_object()) {
      r.summary = summary_from_value(j["summary"]);
    }
    if (j.contains("directories") && j["directories"].is_object()) {
      const json& d = j["directories"];
      KeptDirectories kept;
      kept.counts = directory_counts_from_value(d.value("counts", json::object()));
      kept.failures = d.value("failures", std::vector<std::string>{});
      if (kept.failures.size() > kMaxMessages) {
        kept.failures.resize(kMaxMessages);
      }
      r.directories = std::move(kept);
    }
    if (!is_valid_job_id(r.ref.job_id)) {
      return std::nullopt;
    }
    return r;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string write_record(const JobRecord& record) {
  // Every string was redacted when it was made; this is where a miss would leave the library.
  json value = record_value(record);
  redact_strings(value);
  const std::string text = dump(value, 2);
  const auto final_path = record.dir() / "record.json";
  std::random_device rd;
  const auto tmp_path =
      record.dir() / (".record.json." + std::to_string(rd()) + "." + std::to_string(::getpid()));
  UniqueFd fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) {
    return "cannot write " + tmp_path.string() + ": " + errno_text(errno);
  }
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const std::string error = errno_text(errno);
      fd.reset();
      ::unlink(tmp_path.c_str());
      return "cannot write " + tmp_path.string() + ": " + error;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.get()) != 0) {
    // close() errors (e.g. a full disk on NFS) mean the content may be lost.
    const std::string error = errno_text(errno);
    static_cast<void>(fd.release());
    ::unlink(tmp_path.c_str());
    return "cannot write " + tmp_path.string() + ": " + error;
  }
  static_cast<void>(fd.release());
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    const std::string error = errno_text(errno);
    ::unlink(tmp_path.c_str());
    return "cannot replace " + final_path.string() + ": " + error;
  }
  return {};
}

std::optional<JobRecord> load_record(const std::filesystem::path& root, std::string_view job_id) {
  if (!is_valid_job_id(job_id)) {
    return std::nullopt;
  }
  auto text = read_tail(root / std::string(job_id) / "record.json", std::size_t{16} << 20);
  if (!text) {
    return std::nullopt;
  }
  auto record = record_from_json(*text);
  if (record && record->ref.job_id != job_id) {
    return std::nullopt;
  }
  return record;
}

std::optional<std::string> read_tail(const std::filesystem::path& file, std::size_t max_bytes) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) {
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !untrusted_file_reason(st).empty()) {
    return std::nullopt;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  const std::size_t start = size > max_bytes ? size - max_bytes : 0;
  std::string data(size - start, '\0');
  std::size_t got = 0;
  while (got < data.size()) {
    const ssize_t n =
        ::pread(fd.get(), data.data() + got, data.size() - got, static_cast<off_t>(start + got));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  data.resize(got);
  return data;
}

}  // namespace azcopy_runner::detail
