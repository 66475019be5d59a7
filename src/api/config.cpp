// SPDX-License-Identifier: MIT
// RunnerConfig::from_env(): the one place of the library that reads the environment.
#include "azcopy_runner/config.hpp"

#include "os/dirs.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace azcopy_runner {
namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once at startup
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

std::optional<std::chrono::milliseconds> env_seconds(const char* name) {
  const std::optional<std::string> text = env(name);
  if (!text) {
    return std::nullopt;
  }
  const std::string_view digits = *text;
  double seconds = 0.0;
  const char* first = digits.data();
  const char* last = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(first, last, seconds);
  if (ec != std::errc{} || ptr != last || !std::isfinite(seconds) || seconds <= 0.0 ||
      seconds > 1e7) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

}  // namespace

RunnerConfig RunnerConfig::from_env() {
  RunnerConfig config;
  if (auto path = env("AZCOPY_PATH")) {
    config.azcopy_path = *path;
  }
  if (auto dir = env("AZCOPY_WORK_DIR")) {
    config.work_dir = *dir;  // else empty: the runner picks its first usable candidate
  }
  if (auto dir = env("AZCOPY_LOG_DIR")) {
    config.log_dir = *dir;
  }
  if (auto interval = env_seconds("AZCOPY_POLL_INTERVAL_SECONDS")) {
    config.poll_interval = *interval;
  }
  if (auto level = env("AZCOPY_DEFAULT_LOG_LEVEL")) {
    config.default_log_level = *level;
  }
  if (auto timeout = env_seconds("AZCOPY_RUNNER_START_TIMEOUT_SECONDS")) {
    config.start_timeout = *timeout;
  }
  if (auto timeout = env_seconds("AZCOPY_RUNNER_COMMAND_TIMEOUT_SECONDS")) {
    config.command_timeout = *timeout;
  }
  if (auto margin = env_seconds("AZCOPY_RUNNER_MIN_SAS_VALIDITY_SECONDS")) {
    config.min_sas_validity = std::chrono::duration_cast<std::chrono::seconds>(*margin);
  }
  return config;
}

namespace detail {

std::vector<std::filesystem::path> default_work_dirs() {
  std::vector<std::filesystem::path> dirs{"/app/.azcopy", "/tmp/.azcopy"};
  if (auto runtime = env("XDG_RUNTIME_DIR")) {
    dirs.push_back(std::filesystem::path(*runtime) / "azcopy-runner");
  }
  if (auto home = env("HOME")) {
    dirs.push_back(std::filesystem::path(*home) / ".azcopy-runner");
  }
  return dirs;
}

}  // namespace detail

std::string RunnerConfig::effective_log_dir() const {
  if (!log_dir.empty()) {
    return log_dir;
  }
  return (std::filesystem::path(work_dir) / "runner").string();
}

}  // namespace azcopy_runner
