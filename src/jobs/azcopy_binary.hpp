// SPDX-License-Identifier: MIT
// Internal: the AzCopy executable a runner uses, and its version (read once per binary).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "azcopy_runner/process.hpp"

namespace spdlog {
class logger;
}

namespace azcopy_runner::detail {

/// The major and minor numbers of an AzCopy version such as "10.32.2".
struct AzCopyVersion {
  int major = 0;
  int minor = 0;
};

/// Reads "10.32.2" (or "10.32"); std::nullopt when it does not start with two numbers.
std::optional<AzCopyVersion> parse_azcopy_version(std::string_view version) noexcept;

/// Finds, checks and identifies the AzCopy binary once, then answers from memory.
/// `azcopy --version` can take seconds (10.18 waits on its version check even then): the answer
/// is also kept per binary (path, inode, size, mtime) in `<log root>/.azcopy-versions`.
class AzCopyBinary {
 public:
  /// @param configured RunnerConfig::azcopy_path (a path, or a name looked up in PATH).
  AzCopyBinary(std::string configured, std::shared_ptr<ProcessLauncher> launcher,
               std::map<std::string, std::string> env, std::chrono::milliseconds command_timeout,
               std::filesystem::path log_root, std::shared_ptr<spdlog::logger> log);

  /// The absolute path of the checked binary.
  /// @throws AzCopyNotInstalledError (not found, not AzCopy, or a version before 10.10).
  std::string path();

  /// Its version, e.g. "10.32.2". @throws AzCopyNotInstalledError.
  std::string version();

  /// What RunnerConfig::azcopy_path said.
  [[nodiscard]] const std::string& configured() const { return configured_; }

 private:
  [[nodiscard]] std::filesystem::path version_cache() const;
  [[nodiscard]] std::optional<std::string> cached_version(const std::string& key) const;
  void remember_version(const std::string& key, const std::string& version) const;

  std::string configured_;
  std::shared_ptr<ProcessLauncher> launcher_;
  std::map<std::string, std::string> env_;
  std::chrono::milliseconds command_timeout_;
  std::filesystem::path log_root_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::string exe_;
  std::string version_;
};

}  // namespace azcopy_runner::detail
