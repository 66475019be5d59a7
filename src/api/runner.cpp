// SPDX-License-Identifier: MIT
// AzCopyRunner: the facade. Each concern lives in its own file (README "Where things live"):
// azcopy_binary (the executable and its version), copy_args (the command line), job_store
// (records and directories), job_start (starting a job), jobs_show (asking AzCopy), observe +
// job_state (reading and deciding a job's state), job_cancel (cancel). Here: the poll cache of
// finished jobs, get_summary, wait, resume and list.
#include "azcopy_runner/runner.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <utility>

#include <spdlog/logger.h>

#include "azcopy_runner/parse.hpp"
#include "jobs/copy_args.hpp"
#include "jobs/directory_stubs.hpp"
#include "jobs/job_cancel.hpp"
#include "jobs/job_remove.hpp"
#include "jobs/job_start.hpp"
#include "jobs/observe.hpp"
#include "jobs/runner_core.hpp"
#include "jobs/sas_expiry.hpp"
#include "os/dirs.hpp"
#include "parse/output_scan.hpp"
#include "state/job_state.hpp"
#include "text/text.hpp"

namespace azcopy_runner {
namespace fs = std::filesystem;

namespace {
/// The end of a job's stdout read to see whether it shows its EndOfJob yet.
constexpr std::size_t kEndOfJobTailBytes = std::size_t{16} << 10;
/// A RESTORE's directory requests: the longest one, and the largest List Blobs page (5,000
/// blobs with their metadata are a few MiB).
constexpr std::chrono::seconds kDirectoryRequestTimeout{120};
constexpr std::size_t kMaxListingBytes = std::size_t{64} << 20;

/// Whether the end of @p stdout_path shows the job's own final summary; reads only when the
/// file grew past @p seen_size (updated).
bool output_ended(const fs::path& stdout_path, std::uintmax_t& seen_size) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(stdout_path, ec);
  if (ec || size == seen_size) {
    return false;
  }
  seen_size = size;
  const auto tail = detail::read_tail(stdout_path, kEndOfJobTailBytes);
  return tail && detail::shows_end_of_job(*tail);
}
}  // namespace

class AzCopyRunner::Impl {
 public:
  Impl(RunnerConfig config, std::shared_ptr<ProcessLauncher> launcher,
       std::shared_ptr<spdlog::logger> logger)
      : core_(std::move(config), std::move(launcher), std::move(logger)) {}

  [[nodiscard]] const RunnerConfig& config() const { return core_.config; }

  std::string azcopy_version() { return core_.azcopy.version(); }

  AzCopyJobRef start_copy(std::string_view source, std::string_view destination,
                          const CopyOptions& options) {
    const std::vector<std::string> args =
        detail::build_copy_args(source, destination, options, core_.config.default_log_level);
    // A local path is no SAS, whatever its name holds.
    const auto url_expiry = [](std::string_view location) {
      return location.find("://") == std::string_view::npos ? std::nullopt
                                                            : detail::sas_expiry(location);
    };
    const detail::SasExpiries expiries{url_expiry(source), url_expiry(destination)};
    refuse_expiring(expiries, {});
    detail::refuse_debug_log_that_leaks(args, core_.azcopy, core_.store.root().string());
    std::optional<detail::KeptDirectories> directories;
    if (options.keep_directories && options.from_to &&
        detail::ascii_iequals(*options.from_to, "BlobFile")) {
      directories = make_directories(source, destination, options);
    }
    detail::CopyFacts facts;
    facts.source = redact(source);
    facts.destination = redact(destination);
    facts.from_to = options.from_to.value_or("");
    facts.overwrite = options.overwrite;
    facts.output_type = options.output_type;
    return detail::launch_job(core_, args, detail::ProcessKind::Copy, std::nullopt, expiries,
                              detail::NewJob{std::move(facts), std::move(directories)});
  }

  /// A RESTORE that keeps directories: the runner makes them before AzCopy copies the files.
  detail::KeptDirectories make_directories(std::string_view source, std::string_view destination,
                                           const CopyOptions& options) {
    const bool as_subdir = std::none_of(
        options.extra_args.begin(), options.extra_args.end(),
        [](const std::string& a) { return detail::ascii_iequals(a, "--as-subdir=false"); });
    const auto http = detail::make_curl_client(kDirectoryRequestTimeout, kMaxListingBytes);
    detail::DirectoryCopy copy;
    copy.source = source;
    copy.destination = destination;
    copy.as_subdir = as_subdir;
    copy.log_dir = core_.store.root().string();
    detail::KeptDirectories kept = detail::recreate_directories(*http, copy);
    core_.log->info("keep_directories: {} directories made, {} already there, {} failed",
                    kept.counts.made, kept.counts.skipped, kept.counts.failed);
    for (const std::string& failure : kept.failures) {
      core_.log->warn("keep_directories: not made: {}", failure);
    }
    return kept;
  }

  AzCopyProgress poll(std::string_view job_id) {
    // A finished job is served from its record, whose summary (up to ~100 KB of JSON) would be
    // parsed again at every poll: its progress is kept instead, keyed by the identity of the
    // record file, so that polling it costs one stat() until the record changes (a resume).
    const detail::JobId checked = detail::JobId::checked(job_id);
    const std::string& id = checked.str();
    const auto identity = core_.store.record_identity(checked);
    if (identity) {
      std::lock_guard lock(finished_mutex_);
      if (const auto it = finished_.find(id);
          it != finished_.end() && it->second.first == *identity) {
        AzCopyProgress p = it->second.second;
        p.job_id = std::string(job_id);
        return p;
      }
    }
    const detail::Observation obs = detail::observe(core_, checked, true);
    AzCopyProgress p;
    if (obs.summary) {
      p = detail::progress_from_summary(*obs.summary);
    }
    p.job_id = std::string(job_id);
    p.state = obs.state;
    p.reason = obs.reason;
    p.resumable = detail::is_resumable(obs.resumable, p.state, p.failed_transfers) &&
                  (p.raw_status != "Failed" || resumes_failed_jobs());
    p.last_updated_at = obs.at;
    if (identity && obs.record && obs.record->summary && is_terminal(p.state)) {
      std::lock_guard lock(finished_mutex_);
      if (finished_.size() >= kMaxFinishedKept) {
        finished_.clear();
      }
      finished_[id] = {*identity, p};
    }
    return p;
  }

  AzCopySummary get_summary(std::string_view job_id) {
    const detail::Observation obs = detail::observe(core_, detail::JobId::checked(job_id), false);
    if (obs.summary && is_terminal(obs.state)) {
      return *obs.summary;
    }
    AzCopySummary partial = obs.summary.value_or(AzCopySummary{});
    partial.job_id = std::string(job_id);
    partial.state = obs.state;
    throw AzCopyNotFinishedError(
        "job " + std::string(job_id) + " is not finished (" + std::string(to_string(obs.state)) +
            (obs.reason.empty() ? "" : ": " + obs.reason) + ")",
        ErrorContext{std::string(job_id),
                     obs.record ? obs.record->ref.log_dir : core_.store.root().string(),
                     {}},
        std::move(partial));
  }

  AzCopySummary wait(std::string_view job_id, const WaitOptions& options) {
    const std::chrono::milliseconds interval = options.interval > std::chrono::milliseconds::zero()
                                                   ? options.interval
                                                   : core_.config.poll_interval;
    // "No limit" is a century: steady_clock's time points hold about 292 years.
    const std::chrono::milliseconds limit =
        std::min<std::chrono::milliseconds>(options.timeout, kCentury);  // before any conversion
    const auto deadline = std::chrono::steady_clock::now() + limit;
    bool end_seen = false;
    while (true) {
      const AzCopyProgress p = poll(job_id);
      if (options.on_progress) {
        options.on_progress(p);
      }
      if (is_terminal(p.state)) {
        return get_summary(job_id);
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        return get_summary(job_id);  // throws AzCopyNotFinishedError with the partial summary
      }
      const Wake wake = sleep_for_news(
          job_id,
          std::min(interval, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)),
          !end_seen, options.stop);
      if (wake == Wake::Stopped) {
        throw_wait_stopped(p);
      }
      // An EndOfJob wakes the wait once: if the plan is not final yet, the exit will tell.
      end_seen = end_seen || wake == Wake::EndOfJob;
    }
  }

  AzCopyProgress cancel(std::string_view job_id, std::chrono::milliseconds grace) {
    const detail::JobId id = detail::JobId::checked(job_id);
    return detail::cancel_job(core_, id, grace, [this, &id] { return poll(id.str()); });
  }

  AzCopyJobRef resume(std::string_view job_id_view, std::string_view source_sas,
                      std::string_view destination_sas) {
    const detail::JobId id = detail::JobId::checked(job_id_view);
    const std::string& job_id = id.str();
    auto record = core_.store.load(id);
    if (record && core_.launcher->probe(record->process) == Liveness::Alive &&
        !exited_after_summary(*record)) {
      throw AzCopyStartError("job " + job_id + " is still running (pid " +
                                 std::to_string(record->process.pid) + "): nothing to resume",
                             ErrorContext{job_id, record->ref.log_dir, {}});
    }
    if (record) {
      refuse_unresumable(*record);
    }
    const detail::SasExpiries expiries{
        source_sas.empty() ? std::nullopt : detail::sas_expiry(source_sas),
        destination_sas.empty() ? std::nullopt : detail::sas_expiry(destination_sas)};
    refuse_expiring(expiries, job_id);
    std::vector<std::string> args{"jobs", "resume", job_id, "--output-type=json",
                                  "--skip-version-check"};
    if (!source_sas.empty()) {
      args.push_back("--source-sas=" + std::string(detail::strip_sas_question(source_sas)));
    }
    if (!destination_sas.empty()) {
      args.push_back("--destination-sas=" +
                     std::string(detail::strip_sas_question(destination_sas)));
    }
    if (!record) {
      detail::JobRecord fresh;
      fresh.ref.job_id = job_id;
      fresh.ref.started_at = std::chrono::system_clock::now();
      fresh.ref.environment = detail::safe_environment(core_.child_env);
      fresh.ref.command = {redact(core_.config.azcopy_path), "jobs", "resume", job_id};
      const fs::path dir = core_.store.root() / job_id;
      if (const std::string why = detail::make_private_dir(dir); !why.empty()) {
        throw AzCopyStartError("cannot make the job's directory " + dir.string() + ": " + why,
                               ErrorContext{job_id, core_.store.root().string(), {}});
      }
      fresh.ref.log_dir = dir.string();
      record = fresh;
    }
    return detail::launch_job(core_, args, detail::ProcessKind::Resume, record, expiries);
  }

  [[nodiscard]] std::vector<JobRecordInfo> list_jobs() const { return core_.store.list(); }

  void remove_job(std::string_view job_id) {
    const detail::JobId id = detail::JobId::checked(job_id);
    detail::remove_job(core_, id);
    forget(id.str());
  }

  PruneResult prune(std::chrono::seconds older_than) {
    if (older_than.count() < 0) {
      throw std::invalid_argument("prune: a negative age");
    }
    return detail::prune_jobs(core_, older_than, [this](const std::string& id) { forget(id); });
  }

 private:
  static constexpr std::chrono::hours kCentury{24 * 365 * 100};
  /// How long a job's AzCopy may take to exit once its final summary is known.
  static constexpr std::chrono::seconds kExitAfterSummary{15};

  /// AzCopy before 10.31 does not resume a job whose status is Failed (every transfer failed):
  /// its `jobs resume` exits 1 with an empty error. Said before it is tried, with what to do.
  void refuse_unresumable(const detail::JobRecord& record) {
    if (!record.summary || record.summary->raw_status != "Failed" || resumes_failed_jobs()) {
      return;
    }
    throw AzCopyStartError(
        "job " + record.ref.job_id + " ended Failed (every transfer failed) and AzCopy " +
            core_.azcopy.version() +
            " does not resume such a job (AzCopy resumes it from 10.31 on): start the copy "
            "again (with overwrite ifSourceNewer or false, what arrived is skipped) or resume "
            "it with AzCopy 10.31 or later",
        ErrorContext{record.ref.job_id, record.ref.log_dir, {}});
  }

  /// Whether the AzCopy in use resumes a job whose status is Failed (10.31 and later; true
  /// when its version cannot be read: `jobs resume` then says for itself).
  bool resumes_failed_jobs() {
    static constexpr std::pair<int, int> kFrom{10, 31};
    try {
      const auto v = detail::parse_azcopy_version(core_.azcopy.version());
      return !v || std::pair(v->major, v->minor) >= kFrom;
    } catch (const AzCopyError&) {
      return true;
    }
  }

  /// AzCopy prints a job's final summary, then exits within moments: a resume asked for right
  /// after wait() returned waits for that exit rather than refusing a job "still running".
  bool exited_after_summary(const detail::JobRecord& record) {
    if (!record.summary) {
      return false;
    }
    static_cast<void>(core_.launcher->wait_for_exit(record.process, kExitAfterSummary));
    static_cast<void>(core_.launcher->try_reap(record.process));
    return core_.launcher->probe(record.process) != Liveness::Alive;
  }

  /// Why sleep_for_news() returned.
  enum class Wake { Pause, Exit, EndOfJob, Stopped };

  /// Sleeps for @p pause, or less when the job's AzCopy process (on this host) ends or, with
  /// @p watch_end, when its own stdout shows its EndOfJob: AzCopy takes tens of milliseconds
  /// more to exit, and the plan holds the final figures by then. wait() then polls at once
  /// rather than up to one interval late. A stop requested on @p stop ends it within 100 ms.
  Wake sleep_for_news(std::string_view job_id, std::chrono::milliseconds pause, bool watch_end,
                      const std::stop_token& stop) {
    constexpr auto kEndCheck = std::chrono::milliseconds(20);
    constexpr auto kStopCheck = std::chrono::milliseconds(100);
    const auto until = std::chrono::steady_clock::now() + pause;
    const auto record = core_.store.load(detail::JobId::checked(job_id));
    if (!record || core_.launcher->probe(record->process) != Liveness::Alive) {
      std::mutex mutex;
      std::condition_variable_any woken;
      std::unique_lock lock(mutex);
      return woken.wait_until(lock, stop, until, [] { return false; }) || stop.stop_requested()
                 ? Wake::Stopped
                 : Wake::Pause;
    }
    watch_end = watch_end && record->stdout_is_json();
    const auto longest = stop.stop_possible() ? std::min(pause, kStopCheck) : pause;
    std::uintmax_t seen_size = std::numeric_limits<std::uintmax_t>::max();
    for (auto now = std::chrono::steady_clock::now(); now < until;
         now = std::chrono::steady_clock::now()) {
      if (stop.stop_requested()) {
        return Wake::Stopped;
      }
      const auto slice = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::min<std::chrono::steady_clock::duration>(watch_end ? kEndCheck : longest,
                                                        until - now));
      if (core_.launcher->wait_for_exit(record->process, slice)) {
        return Wake::Exit;
      }
      if (watch_end && output_ended(record->stdout_path(), seen_size)) {
        return Wake::EndOfJob;
      }
    }
    return stop.stop_requested() ? Wake::Stopped : Wake::Pause;
  }

  /// Refuses tokens that have expired or expire within RunnerConfig::min_sas_validity.
  void refuse_expiring(const detail::SasExpiries& expiries, const std::string& job_id) const {
    const auto now = std::chrono::system_clock::now();
    const std::string log_dir = core_.store.root().string();
    detail::refuse_expiring_sas("source", expiries.source, now, core_.config.min_sas_validity,
                                job_id, log_dir);
    detail::refuse_expiring_sas("destination", expiries.destination, now,
                                core_.config.min_sas_validity, job_id, log_dir);
  }

  /// Drops a removed job from the poll cache.
  void forget(const std::string& id) {
    std::lock_guard lock(finished_mutex_);
    finished_.erase(id);
  }

  /// The error of a wait that was asked to stop, with the last progress as partial summary.
  [[noreturn]] void throw_wait_stopped(const AzCopyProgress& last) const {
    const auto record = core_.store.load(detail::JobId::checked(last.job_id));
    throw AzCopyNotFinishedError(
        "stopped waiting for job " + last.job_id + " (a stop was requested); it keeps running (" +
            std::string(to_string(last.state)) + ")",
        ErrorContext{last.job_id, record ? record->ref.log_dir : core_.store.root().string(), {}},
        detail::summary_from_progress(last));
  }

  detail::RunnerCore core_;
  static constexpr std::size_t kMaxFinishedKept = 4096;
  std::mutex finished_mutex_;
  /// poll() of finished jobs: job id -> (record identity, progress). See poll().
  std::map<std::string, std::pair<detail::RecordIdentity, AzCopyProgress>> finished_;
};

// ---------------------------------------------------------------------------------------------

AzCopyRunner::AzCopyRunner(RunnerConfig config, std::shared_ptr<ProcessLauncher> launcher,
                           std::shared_ptr<spdlog::logger> logger)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(launcher), std::move(logger))) {}
AzCopyRunner::~AzCopyRunner() = default;
AzCopyRunner::AzCopyRunner(AzCopyRunner&&) noexcept = default;
AzCopyRunner& AzCopyRunner::operator=(AzCopyRunner&&) noexcept = default;

AzCopyJobRef AzCopyRunner::start_copy(std::string_view source, std::string_view destination,
                                      const CopyOptions& options) {
  return impl_->start_copy(source, destination, options);
}
AzCopyProgress AzCopyRunner::poll(std::string_view job_id) { return impl_->poll(job_id); }
AzCopySummary AzCopyRunner::get_summary(std::string_view job_id) {
  return impl_->get_summary(job_id);
}
AzCopySummary AzCopyRunner::wait(std::string_view job_id, const WaitOptions& options) {
  return impl_->wait(job_id, options);
}
AzCopySummary AzCopyRunner::wait(std::string_view job_id, std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds interval,
                                 const ProgressCallback& on_progress) {
  return impl_->wait(job_id, WaitOptions{timeout, interval, on_progress, {}});
}
AzCopyProgress AzCopyRunner::cancel(std::string_view job_id, std::chrono::milliseconds grace) {
  return impl_->cancel(job_id, grace);
}
AzCopyJobRef AzCopyRunner::resume(std::string_view job_id, std::string_view source_sas,
                                  std::string_view destination_sas) {
  return impl_->resume(job_id, source_sas, destination_sas);
}
std::vector<JobRecordInfo> AzCopyRunner::list_jobs() { return impl_->list_jobs(); }
void AzCopyRunner::remove_job(std::string_view job_id) { impl_->remove_job(job_id); }
PruneResult AzCopyRunner::prune(std::chrono::seconds older_than) {
  return impl_->prune(older_than);
}
std::string AzCopyRunner::azcopy_version() { return impl_->azcopy_version(); }
const RunnerConfig& AzCopyRunner::config() const noexcept { return impl_->config(); }

std::vector<std::string> AzCopyRunner::build_copy_args(std::string_view source,
                                                       std::string_view destination,
                                                       const CopyOptions& options,
                                                       std::string_view default_log_level) {
  std::vector<std::string> args =
      detail::build_copy_args(source, destination, options, default_log_level);
  for (auto& a : args) {
    a = redact(a);
  }
  return args;
}

}  // namespace azcopy_runner
