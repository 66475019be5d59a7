// SPDX-License-Identifier: MIT
/// @file runner.hpp
/// @brief AzCopyRunner: start an AzCopy copy job, poll it cheaply, read its final summary.
///
/// The job id is the continuation token: any AzCopyRunner, in any process on the host that
/// shares the work directory, can poll a job started by another one.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/config.hpp"
#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/process.hpp"
#include "azcopy_runner/types.hpp"

namespace spdlog {
class logger;
}

namespace azcopy_runner {

/// Called by wait() after each poll.
using ProgressCallback = std::function<void(const AzCopyProgress&)>;

/// How AzCopyRunner::wait() waits.
struct WaitOptions {
  /// The longest wait; then wait() throws AzCopyNotFinishedError. The default: no limit.
  std::chrono::milliseconds timeout = std::chrono::milliseconds::max();
  /// Between two polls (wait() also wakes when the job's process ends or its output shows its
  /// end); zero or less: RunnerConfig::poll_interval.
  std::chrono::milliseconds interval = std::chrono::milliseconds::zero();
  /// Called after each poll, on the waiting thread.
  ProgressCallback on_progress;
  /// When a stop is requested, wait() stops within about 100 ms of its pause between polls (a
  /// poll under way ends first) and throws AzCopyNotFinishedError (the job keeps running; the
  /// message says the wait was stopped).
  std::stop_token stop;
};

/// Runs AzCopy jobs. Thread-safe: one instance may be shared by many threads.
class AzCopyRunner {
 public:
  /// @param config   see RunnerConfig (RunnerConfig::from_env() reads the environment).
  /// @param launcher the process seam; nullptr: make_default_launcher().
  /// @param logger   where the runner logs; nullptr: a private logger that discards everything.
  ///                 The library never registers a global spdlog logger.
  /// @throws AzCopyStartError when the work dir or the log dir given in @p config is not
  ///         usable (see RunnerConfig::work_dir), or when no default work dir is.
  explicit AzCopyRunner(RunnerConfig config, std::shared_ptr<ProcessLauncher> launcher = nullptr,
                        std::shared_ptr<spdlog::logger> logger = nullptr);
  ~AzCopyRunner();
  AzCopyRunner(const AzCopyRunner&) = delete;
  AzCopyRunner& operator=(const AzCopyRunner&) = delete;
  AzCopyRunner(AzCopyRunner&& other) noexcept;
  AzCopyRunner& operator=(AzCopyRunner&& other) noexcept;

  /// Validates the request, launches `azcopy copy` detached (own session, output to files,
  /// stdin a FIFO that never reaches EOF) and returns as soon as AzCopy has printed the job id.
  /// @throws AzCopyStartError (invalid request, or AzCopy exited before a job id),
  ///         AzCopyJobIdNotFoundError (no job id before RunnerConfig::start_timeout; the
  ///         process is killed), AzCopyNotInstalledError.
  AzCopyJobRef start_copy(std::string_view source, std::string_view destination,
                          const CopyOptions& options = {});

  /// The current state of a job, without blocking on it (one `azcopy jobs show` at most).
  /// @throws AzCopyJobNotFoundError (not a UUID, or unknown to AzCopy and to the records),
  ///         AzCopyParseError (AzCopy's answer could not be understood or timed out).
  AzCopyProgress poll(std::string_view job_id);

  /// The final summary of a terminal job (served from the record once known).
  /// @throws AzCopyNotFinishedError (carrying the partial summary) while it runs, and the
  ///         errors of poll().
  AzCopySummary get_summary(std::string_view job_id);

  /// Polls until the job is terminal, then returns get_summary(); see WaitOptions for the
  /// timeout, the interval, the progress callback and the stop token.
  /// @throws AzCopyNotFinishedError (carrying the last progress as a partial summary) at the
  ///         timeout or when a stop was requested, and the errors of poll().
  AzCopySummary wait(std::string_view job_id, const WaitOptions& options);

  /// wait() with WaitOptions{timeout, interval, on_progress}.
  AzCopySummary wait(std::string_view job_id, std::chrono::milliseconds timeout,
                     std::chrono::milliseconds interval = std::chrono::milliseconds::zero(),
                     const ProgressCallback& on_progress = {});

  /// Cancels a job: a CancelJob request on its stdin (or a `y` to a pending Cancel prompt),
  /// then SIGTERM, then after @p grace SIGKILL of its process group; an orphaned plan is
  /// closed with `azcopy cancel`. Returns the final progress.
  AzCopyProgress cancel(std::string_view job_id,
                        std::chrono::milliseconds grace = std::chrono::seconds(10));

  /// Resumes a job whose process died (`azcopy jobs resume`), under the same supervision as
  /// start_copy(). SAS tokens are query strings without '?', possibly empty.
  AzCopyJobRef resume(std::string_view job_id, std::string_view source_sas = {},
                      std::string_view destination_sas = {});

  /// The jobs this host's records know, newest first.
  std::vector<JobRecordInfo> list_jobs();

  /// Removes everything job @p job_id left on this host: the runner's directory of it (record,
  /// stdout, stderr, stdin FIFO, the output of each resume) and AzCopy's plan files and log of
  /// it (what `azcopy jobs rm` removes). Its summary cannot be read afterwards.
  /// @throws AzCopyNotFinishedError when its AzCopy process is alive (cancel it first) or may
  ///         be (started on another host, no end recorded); AzCopyJobNotFoundError when
  ///         nothing of it exists here (or the id is not a UUID).
  void remove_job(std::string_view job_id);

  /// Removes, as remove_job() does, every job whose end is more than @p older_than ago (the
  /// summary's last timestamp, else when the end was recorded). A job whose process is gone
  /// but whose end was never seen is observed once first, as by poll(); a job whose process is
  /// alive, or whose end cannot be read, is kept. Also removes the staging directories of
  /// starts and the scratch files of `jobs show` older than their timeout plus a minute (a
  /// runner that crashed left them). Zero removes every ended job.
  /// @throws std::invalid_argument for a negative age.
  PruneResult prune(std::chrono::seconds older_than);

  /// `azcopy --version`, e.g. "10.32.2". @throws AzCopyNotInstalledError.
  std::string azcopy_version();

  /// The configuration in use.
  [[nodiscard]] const RunnerConfig& config() const noexcept;

  /// The command line start_copy() would run (redacted), after validation.
  /// @throws AzCopyStartError for an invalid request.
  [[nodiscard]] static std::vector<std::string> build_copy_args(std::string_view source,
                                                                std::string_view destination,
                                                                const CopyOptions& options,
                                                                std::string_view default_log_level);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace azcopy_runner
