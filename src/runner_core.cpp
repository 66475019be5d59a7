// SPDX-License-Identifier: MIT
#include "runner_core.hpp"

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <array>
#include <csignal>
#include <limits>
#include <random>
#include <thread>

#include "dirs.hpp"
#include "record.hpp"

namespace azcopy_runner::detail {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<spdlog::logger> logger_or_null(std::shared_ptr<spdlog::logger> logger) {
  return logger ? std::move(logger)
                : std::make_shared<spdlog::logger>("azcopy_runner",
                                                   std::make_shared<spdlog::sinks::null_sink_mt>());
}

/// AzCopy's environment: its logs and plans in the work dir (when it can be made), then the
/// configured extra variables.
std::map<std::string, std::string> child_env_of(const RunnerConfig& config, spdlog::logger& log) {
  std::map<std::string, std::string> env;
  if (make_private_dir(config.work_dir)) {
    env["AZCOPY_LOG_LOCATION"] = config.work_dir;
    env["AZCOPY_JOB_PLAN_LOCATION"] = config.work_dir;
  } else {
    log.warn("work dir {} is not writable: AzCopy keeps its default locations", config.work_dir);
  }
  for (const auto& [key, value] : config.extra_env) {
    env[key] = value;
  }
  return env;
}

}  // namespace

RunnerCore::RunnerCore(RunnerConfig config_in, std::shared_ptr<ProcessLauncher> launcher_in,
                       std::shared_ptr<spdlog::logger> logger)
    : config(std::move(config_in)),
      launcher(launcher_in ? std::move(launcher_in) : make_default_launcher()),
      log(logger_or_null(std::move(logger))),
      child_env(child_env_of(config, *log)),
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
