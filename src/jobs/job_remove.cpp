// SPDX-License-Identifier: MIT
#include "jobs/job_remove.hpp"

#include <spdlog/logger.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "jobs/jobs_show.hpp"
#include "jobs/observe.hpp"
#include "jobs/runner_core.hpp"
#include "store/job_store.hpp"

namespace azcopy_runner::detail {
namespace fs = std::filesystem;

namespace {

/// A staging directory or a `jobs show` scratch file is abandoned once it is this much older
/// than the bound of what made it (the start timeout, the command timeout).
constexpr std::chrono::minutes kAbandonSlack{1};

/// Throws when @p record's process is alive, or may be (another host, no recorded end).
void refuse_if_running(RunnerCore& core, const JobRecord& record) {
  static_cast<void>(core.launcher->try_reap(record.process));
  const Liveness liveness = core.launcher->probe(record.process);
  std::string why;
  if (liveness == Liveness::Alive) {
    why = "its AzCopy is still running (pid " + std::to_string(record.process.pid) +
          "): cancel it, or wait for its end, before removing it";
  } else if (liveness == Liveness::Unknown && !record.summary) {
    why = "it was started on host " + record.process.host +
          " and no end of it is recorded: whether its AzCopy still runs cannot be told here";
  } else {
    return;
  }
  AzCopySummary partial;
  partial.job_id = record.ref.job_id;
  partial.state = record.last_state;
  throw AzCopyNotFinishedError("job " + record.ref.job_id + " is not removed: " + why,
                               ErrorContext{record.ref.job_id, record.ref.log_dir, {}},
                               std::move(partial));
}

/// Removes the files of @p folder whose name @p matches; returns how many.
template <typename Match>
std::size_t remove_matching(const std::string& folder, const Match& matches, spdlog::logger& log) {
  std::size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!matches(name)) {
      continue;
    }
    std::error_code rm;
    if (fs::remove(it->path(), rm)) {
      ++removed;
    } else if (rm) {
      log.warn("cannot remove {}: {}", it->path().string(), rm.message());
    }
  }
  return removed;
}

/// AzCopy's files of @p job_id, as `azcopy jobs rm` chooses them: in the plan folder, the
/// names holding the id and ".steV"; in the log folder, those holding the id and ending in
/// ".log" (the job log and the scanning log). Returns how many were removed.
std::size_t remove_azcopy_files(RunnerCore& core, const JobId& id) {
  const std::string& job_id = id.str();
  const std::string plans = core.azcopy_plan_location();
  const std::string logs = core.azcopy_log_location();
  std::size_t removed = remove_matching(
      plans,
      [&](const std::string& name) {
        return name.find(job_id) != std::string::npos && name.find(".steV") != std::string::npos;
      },
      *core.log);
  removed += remove_matching(
      logs,
      [&](const std::string& name) {
        return name.find(job_id) != std::string::npos && name.ends_with(".log");
      },
      *core.log);
  return removed;
}

/// Removes the runner's directory of @p job_id and, when @p record says its output went to a
/// private directory in the temp dir (a full log root), that one too. Returns whether anything
/// existed.
bool remove_runner_files(RunnerCore& core, const JobId& id, const JobRecord* record) {
  const std::string& job_id = id.str();
  std::error_code ec;
  const fs::path dir = core.store.root() / job_id;
  const bool existed = fs::exists(dir, ec);
  fs::remove_all(dir, ec);
  if (ec) {
    core.log->warn("job {}: cannot remove {}: {}", job_id, dir.string(), ec.message());
  }
  if (record != nullptr && !record->process_dir.empty()) {
    // Only a directory the store made (make_start_dir's temp-dir fallback): never a path
    // that merely appears in a record.
    const fs::path out(record->process_dir);
    if (out.parent_path() == fs::temp_directory_path() &&
        out.filename().string().starts_with("azcopy-runner-")) {
      fs::remove_all(out, ec);
    }
  }
  return existed;
}

/// When @p path (an entry of the store's root, not followed) was last changed.
std::optional<TimePoint> changed_at(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec) +
         std::chrono::duration_cast<TimePoint::duration>(
             std::chrono::nanoseconds(st.st_mtim.tv_nsec));
}

/// When job @p record ended: its summary's last timestamp, else when its record was written.
std::optional<TimePoint> ended_at(const RunnerCore& core, const JobRecord& record) {
  if (record.summary && record.summary->finished_at) {
    return record.summary->finished_at;
  }
  return changed_at(core.store.root() / record.ref.job_id / "record.json");
}

/// The record of a job whose process is gone, with its end recorded if one can be observed.
std::optional<JobRecord> with_end_observed(RunnerCore& core, const JobId& job_id,
                                           JobRecord record) {
  if (record.summary) {
    return record;
  }
  try {
    static_cast<void>(observe(core, job_id, false));
  } catch (const AzCopyError& e) {
    core.log->warn("prune: job {} kept: its end cannot be read ({})", job_id.str(), e.what());
    return std::nullopt;
  }
  return core.store.load(job_id);
}

}  // namespace

void remove_job(RunnerCore& core, const JobId& id) {
  const std::string& job_id = id.str();
  const std::optional<JobRecord> record = core.store.load(id);
  if (record) {
    refuse_if_running(core, *record);
  }
  const std::size_t azcopy_files = remove_azcopy_files(core, id);
  const bool runner_files = remove_runner_files(core, id, record ? &*record : nullptr);
  if (!record && !runner_files && azcopy_files == 0) {
    throw AzCopyJobNotFoundError("no job " + job_id +
                                     " to remove: neither a record of the runner nor a plan or "
                                     "log of AzCopy exists on this host",
                                 ErrorContext{job_id, core.store.root().string(), {}});
  }
  core.log->info("job {} removed ({} file(s) of AzCopy's)", job_id, azcopy_files);
}

namespace {

/// Removes job @p job_id when it ended before @p cutoff and its process is gone; true if so.
bool prune_job(RunnerCore& core, const JobId& job_id, TimePoint cutoff) {
  auto record = core.store.load(job_id);
  if (!record) {
    return false;  // unreadable: remove_job() takes it when asked
  }
  try {
    refuse_if_running(core, *record);
  } catch (const AzCopyNotFinishedError&) {
    return false;
  }
  record = with_end_observed(core, job_id, std::move(*record));
  const auto ended = record ? ended_at(core, *record) : std::nullopt;
  if (!record || !record->summary || !ended || *ended > cutoff) {
    return false;
  }
  remove_azcopy_files(core, job_id);
  remove_runner_files(core, job_id, &*record);
  return true;
}

/// Removes @p path, a staging directory or a `jobs show` scratch file, when it is older than
/// what made it could have run; true if so. Any other entry is left.
bool prune_leftover(const RunnerCore& core, const fs::path& path, TimePoint now) {
  const std::string name = path.filename().string();
  const bool staging = name.starts_with(kStagingPrefix);
  if (!staging && !name.starts_with(kJobsShowScratchPrefix)) {
    return false;
  }
  const auto bound = (staging ? core.config.start_timeout : core.config.command_timeout) +
                     std::chrono::duration_cast<std::chrono::milliseconds>(kAbandonSlack);
  const auto changed = changed_at(path);
  if (!changed || *changed + bound >= now) {
    return false;
  }
  std::error_code ec;
  fs::remove_all(path, ec);
  return !ec;
}

}  // namespace

PruneResult prune_jobs(RunnerCore& core, std::chrono::seconds older_than,
                       const std::function<void(const std::string&)>& forget) {
  PruneResult result;
  const TimePoint now = std::chrono::system_clock::now();
  std::vector<fs::path> entries;
  std::error_code ec;
  for (fs::directory_iterator it(core.store.root(), ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path());
  }
  for (const fs::path& path : entries) {
    const std::string name = path.filename().string();
    if (const auto id = JobId::parse(name); id && id->str() == name) {
      if (prune_job(core, *id, now - older_than)) {
        forget(name);
        result.removed_jobs.push_back(name);
      }
    } else if (prune_leftover(core, path, now)) {
      result.removed_paths.push_back(path.string());
    }
  }
  std::sort(result.removed_jobs.begin(), result.removed_jobs.end());
  std::sort(result.removed_paths.begin(), result.removed_paths.end());
  return result;
}

}  // namespace azcopy_runner::detail
