// SPDX-License-Identifier: MIT
#include "runner_core.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <limits>
#include <random>
#include <thread>

#include "azcopy_runner/errors.hpp"
#include "dirs.hpp"
#include "record.hpp"
#include "redact.hpp"

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

std::string describe_exit(const ExitStatus& status) {
  if (status.signal != 0) {
    return "killed by signal " + std::to_string(status.signal);
  }
  return "exit code " + std::to_string(status.exit_code);
}

void kill_and_reap(ProcessLauncher& launcher, const ProcessIdentity& who) {
  launcher.send_signal(who, SIGKILL);
  for (int i = 0; i < 200 && !launcher.try_reap(who); ++i) {
    if (launcher.probe(who) == Liveness::Dead) {
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
}

std::string random_hex(std::size_t bytes) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::random_device rd;
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto v = rd();
    out.push_back(kHex[v & 0xFU]);
    out.push_back(kHex[(v >> 4U) & 0xFU]);
  }
  return out;
}

std::uint64_t free_bytes(const fs::path& dir) {
  std::error_code ec;
  const fs::space_info info = fs::space(dir, ec);
  return ec ? std::numeric_limits<std::uint64_t>::max() : info.available;
}

}  // namespace azcopy_runner::detail
