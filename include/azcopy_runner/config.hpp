// SPDX-License-Identifier: MIT
/// @file config.hpp
/// @brief Runner configuration. RunnerConfig::from_env() is the only place that reads the
/// environment.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace azcopy_runner {

/// Everything the runner needs to know; build it by hand or with from_env().
struct RunnerConfig {
  /// AzCopy executable: an absolute/relative path, or a bare name searched on PATH.
  std::string azcopy_path = "azcopy";
  /// AzCopy's own directory: passed as AZCOPY_LOG_LOCATION and AZCOPY_JOB_PLAN_LOCATION.
  /// Created (0700) when missing, and used only when this user alone controls it: a real
  /// directory (not a symbolic link) owned by the effective uid, not writable by group or
  /// others, below directories owned by root or this user and not writable by others unless
  /// sticky. A directory given here (any path, /tmp/.azcopy included) that fails is an error
  /// (AzCopyStartError from the runner's constructor, naming it and why). Empty (the default):
  /// the first usable of /app/.azcopy, /tmp/.azcopy, $XDG_RUNTIME_DIR/azcopy-runner and
  /// $HOME/.azcopy-runner, each one skipped warned about (AzCopyRunner::config() shows the one
  /// in use).
  std::string work_dir;
  /// The runner's per-job directories and records, checked as work_dir is (an error when it
  /// fails). Empty: `<work_dir>/runner`.
  std::string log_dir;
  /// Default interval of wait().
  std::chrono::milliseconds poll_interval{std::chrono::seconds(5)};
  /// Default --log-level when CopyOptions::log_level is empty.
  std::string default_log_level = "INFO";
  /// How long start_copy() waits for AzCopy to print its job id.
  std::chrono::milliseconds start_timeout{std::chrono::seconds(60)};
  /// Deadline of each `azcopy jobs show` (and other short AzCopy commands).
  std::chrono::milliseconds command_timeout{std::chrono::seconds(60)};
  /// Bound on the output kept from one short AzCopy command.
  std::size_t max_command_output = std::size_t{256} * 1024 * 1024;
  /// poll() of a job whose AzCopy process was started on this host reads the last progress
  /// message of the job's own stdout (microseconds) instead of running `azcopy jobs show`
  /// (tens of milliseconds). A copy that has printed no progress yet (AzCopy scans its source)
  /// is Pending, without `jobs show` either. `jobs show` is still used whenever the output
  /// cannot decide (a resume without progress yet, process gone without an EndOfJob, another
  /// host).
  bool poll_from_output = true;
  /// start_copy() and resume() refuse a SAS (of a URL, or a token given to resume()) whose
  /// `se` is in the past or less than this far ahead (AzCopySasExpiredError, before anything
  /// starts): a job must not outlive its tokens. Zero refuses only expired tokens.
  std::chrono::seconds min_sas_validity{0};
  /// Further variables for AzCopy (e.g. AZCOPY_CONCURRENCY_VALUE). Secrets here are passed
  /// to AzCopy but never recorded.
  std::map<std::string, std::string> extra_env;

  /// Reads AZCOPY_PATH, AZCOPY_WORK_DIR, AZCOPY_LOG_DIR, AZCOPY_POLL_INTERVAL_SECONDS,
  /// AZCOPY_DEFAULT_LOG_LEVEL, AZCOPY_RUNNER_START_TIMEOUT_SECONDS,
  /// AZCOPY_RUNNER_COMMAND_TIMEOUT_SECONDS and AZCOPY_RUNNER_MIN_SAS_VALIDITY_SECONDS. When
  /// AZCOPY_WORK_DIR is unset or empty, work_dir stays empty (see work_dir for the candidates).
  /// Invalid numbers keep the default.
  [[nodiscard]] static RunnerConfig from_env();

  /// The effective runner log directory (log_dir or `<work_dir>/runner`; with an empty
  /// work_dir, ask AzCopyRunner::config(), which holds the work dir in use).
  [[nodiscard]] std::string effective_log_dir() const;
};

}  // namespace azcopy_runner
