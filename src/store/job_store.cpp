// SPDX-License-Identifier: MIT
#include "store/job_store.hpp"

#include <spdlog/logger.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "azcopy_runner/errors.hpp"
#include "os/dirs.hpp"
#include "text/text.hpp"

namespace azcopy_runner::detail {
namespace fs = std::filesystem;

JobStore::JobStore(fs::path wanted_root, std::shared_ptr<spdlog::logger> log)
    : root_(std::move(wanted_root)), log_(std::move(log)) {
  if (const std::string why = make_private_dir(root_); !why.empty()) {
    throw AzCopyStartError("log dir " + root_.string() + " is not usable: " + why,
                           ErrorContext{{}, root_.string(), {}});
  }
}

namespace {

/// Warns when @p file exists but is one the runner does not read (read_tail, MappedFile).
void warn_if_ignored(spdlog::logger& log, const std::string& job_id, std::string_view what,
                     const fs::path& file) {
  if (const std::string why = ignored_file_reason(file); !why.empty()) {
    log.warn("job {}: {} {} ignored: {}", job_id, what, file.string(), why);
  }
}

}  // namespace

std::optional<JobRecord> JobStore::load(const JobId& id) const {
  // The job's directory is checked as the log dir was: whoever could write in it could replace
  // every file of the job. A missing one is normal.
  const std::string& job_id = id.str();
  const fs::path dir = root_ / job_id;
  struct stat st {};
  if (::lstat(dir.c_str(), &st) == 0) {
    if (const std::string why = untrusted_dir_stat_reason(st); !why.empty()) {
      log_->warn("job {}: directory {} ignored: {}", job_id, dir.string(), why);
      return std::nullopt;
    }
  }
  auto record = load_record(root_, job_id);
  if (!record) {
    warn_if_ignored(*log_, job_id, "record", root_ / job_id / "record.json");
  } else {
    // The job is then told by `jobs show` alone, without its last progress or its messages.
    warn_if_ignored(*log_, job_id, "output", record->stdout_path());
  }
  return record;
}

void JobStore::save(const JobRecord& record) {
  std::lock_guard lock(save_mutex_);
  const std::string error = write_record(record);
  if (!error.empty()) {
    log_->warn("job {}: record not written ({}); polling still works through azcopy jobs show",
               record.ref.job_id, error);
  }
}

bool JobStore::knows(const JobId& job_id) const {
  std::error_code ec;
  return fs::exists(root_ / job_id.str(), ec);
}

std::optional<RecordIdentity> JobStore::record_identity(const JobId& job_id) const {
  struct stat st {};
  if (::stat((root_ / job_id.str() / "record.json").c_str(), &st) != 0) {
    return std::nullopt;
  }
  return RecordIdentity{static_cast<std::int64_t>(st.st_ino), static_cast<std::int64_t>(st.st_size),
                        static_cast<std::int64_t>(st.st_mtim.tv_sec),
                        static_cast<std::int64_t>(st.st_mtim.tv_nsec)};
}

std::vector<JobRecordInfo> JobStore::list() const {
  std::vector<JobRecordInfo> jobs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string name = entry.path().filename().string();
    const auto id = JobId::parse(name);
    if (!id || id->str() != name) {
      continue;  // not a job's directory (the store names them in lower case)
    }
    if (auto record = load(*id)) {
      jobs.push_back(JobRecordInfo{record->ref, record->last_state, record->summary});
    }
  }
  std::sort(jobs.begin(), jobs.end(), [](const JobRecordInfo& a, const JobRecordInfo& b) {
    return a.ref.started_at > b.ref.started_at;
  });
  return jobs;
}

fs::path JobStore::make_start_dir() const {
  fs::path staging = root_ / (std::string(kStagingPrefix) + random_hex(8));
  // AzCopy's job id is read from its stdout file: on a full disk it would never arrive.
  const bool room = free_bytes(root_) >= kMinFreeBytes;
  if (room && make_new_private_dir(staging).empty()) {
    return staging;
  }
  fs::path dir = fs::temp_directory_path() / ("azcopy-runner-" + random_hex(8));
  log_->warn("{} {}; AzCopy's output goes to {}", staging.string(),
             room ? "cannot be created" : "is on a full file system", dir.string());
  if (!make_new_private_dir(dir).empty()) {
    throw AzCopyStartError("cannot create a directory for AzCopy's output under " + root_.string() +
                               " or " + dir.parent_path().string(),
                           ErrorContext{{}, root_.string(), {}});
  }
  return dir;
}

bool JobStore::is_staging_dir(const fs::path& dir) const {
  return dir.parent_path() == root_ && dir.filename().string().starts_with(kStagingPrefix);
}

fs::path JobStore::move_start_dir(const fs::path& dir, const fs::path& final_dir) const {
  std::error_code ec;
  fs::rename(dir, final_dir, ec);
  if (ec) {
    log_->warn("cannot rename {} to {}: {}", dir.string(), final_dir.string(), ec.message());
    return dir;
  }
  return final_dir;
}

}  // namespace azcopy_runner::detail
