// SPDX-License-Identifier: MIT
#include "jobs/runner_core.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <limits>
#include <random>
#include <thread>

#include "azcopy_runner/errors.hpp"
#include "os/dirs.hpp"
#include "store/record.hpp"
#include "text/redact.hpp"

namespace azcopy_runner::detail {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// The work dir in use: the configured one when one was given (an error naming it and why when
/// it is not usable); else the first usable default (dirs.hpp), each one skipped warned about.
std::string choose_work_dir(const RunnerConfig& config, spdlog::logger& log) {
  if (!config.work_dir.empty()) {
    if (const std::string why = make_private_dir(config.work_dir); !why.empty()) {
      throw AzCopyStartError("work dir " + config.work_dir + " is not usable: " + why,
                             ErrorContext{{}, config.work_dir, {}});
    }
    return config.work_dir;
  }
  std::vector<std::pair<fs::path, std::string>> skipped;
  const auto chosen = first_private_dir(default_work_dirs(), skipped);
  std::string refused;
  for (const auto& [candidate, why] : skipped) {
    log.warn("default work dir {} skipped: {}", candidate.string(), why);
    refused += "; " + candidate.string() + ": " + why;
  }
  if (!chosen) {
    throw AzCopyStartError(
        "no usable work dir: none was given and every default was refused" + refused,
        ErrorContext{});
  }
  return chosen->string();
}

RunnerConfig settled(RunnerConfig config, spdlog::logger& log) {
  config.work_dir = choose_work_dir(config, log);
  return config;
}

/// AzCopy's environment: its logs and plans in the work dir, then the configured extra
/// variables. A log or plan location that these move elsewhere is checked as the work dir is
/// (an error naming it and why when it is not usable): `jobs show` trusts the plans there.
std::map<std::string, std::string> child_env_of(const RunnerConfig& config) {
  std::map<std::string, std::string> env;
  env["AZCOPY_LOG_LOCATION"] = config.work_dir;
  env["AZCOPY_JOB_PLAN_LOCATION"] = config.work_dir;
  for (const auto& [key, value] : config.extra_env) {
    env[key] = value;
  }
  for (const char* name : {"AZCOPY_LOG_LOCATION", "AZCOPY_JOB_PLAN_LOCATION"}) {
    const std::string& dir = env[name];
    if (dir == config.work_dir) {
      continue;
    }
    const std::string why = dir.empty() ? std::string("it is empty") : make_private_dir(dir);
    if (!why.empty()) {
      std::string message = name;
      message.append(" ").append(dir).append(" (extra_env) is not usable: ").append(why);
      throw AzCopyStartError(message, ErrorContext{{}, dir, {}});
    }
  }
  return env;
}

}  // namespace

RunnerCore::RunnerCore(RunnerConfig config_in, std::shared_ptr<ProcessLauncher> launcher_in,
                       std::shared_ptr<spdlog::logger> logger)
    : log(redacting_logger(std::move(logger))),
      config(settled(std::move(config_in), *log)),
      launcher(launcher_in ? std::move(launcher_in) : make_default_launcher()),
      child_env(child_env_of(config)),
      store(config.effective_log_dir(), log),
      azcopy(config.azcopy_path, launcher, child_env, config.command_timeout, store.root(), log) {}

std::string RunnerCore::azcopy_log_location() const {
  const auto it = child_env.find("AZCOPY_LOG_LOCATION");
  return it == child_env.end() ? std::string() : it->second;
}

std::string RunnerCore::azcopy_plan_location() const {
  const auto it = child_env.find("AZCOPY_JOB_PLAN_LOCATION");
  return it == child_env.end() ? std::string() : it->second;
}

}  // namespace azcopy_runner::detail
