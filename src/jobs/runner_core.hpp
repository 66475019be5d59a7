// SPDX-License-Identifier: MIT
// Internal: what every part of one AzCopyRunner shares (its configuration, process seam, logger,
// AzCopy's environment, the AzCopy binary and the job store).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "azcopy_runner/config.hpp"
#include "azcopy_runner/process.hpp"
#include "jobs/azcopy_binary.hpp"
#include "store/job_store.hpp"

namespace spdlog {
class logger;
}

namespace azcopy_runner::detail {

struct RunnerCore {
  /// Makes and checks the work dir and the log root (dirs.hpp) and AzCopy's environment.
  /// @throws AzCopyStartError when a directory given explicitly is not usable, naming it and
  ///         why, or when no default work dir is.
  RunnerCore(RunnerConfig config, std::shared_ptr<ProcessLauncher> launcher,
             std::shared_ptr<spdlog::logger> logger);

  std::shared_ptr<spdlog::logger> log;  ///< First: what follows may log while it is made.
  RunnerConfig config;                  ///< work_dir: the one in use (a default's fallback).
  std::shared_ptr<ProcessLauncher> launcher;
  /// The environment every AzCopy command of this runner gets (on top of the inherited one):
  /// AZCOPY_LOG_LOCATION / AZCOPY_JOB_PLAN_LOCATION = the work dir, and RunnerConfig::extra_env.
  std::map<std::string, std::string> child_env;
  JobStore store;
  AzCopyBinary azcopy;

  /// Where AzCopy writes its own logs (the work dir, unless RunnerConfig::extra_env says else).
  [[nodiscard]] std::string azcopy_log_location() const;
  /// AZCOPY_JOB_PLAN_LOCATION as given to AzCopy; "" when AzCopy keeps its default.
  [[nodiscard]] std::string azcopy_plan_location() const;
};

}  // namespace azcopy_runner::detail
