// SPDX-License-Identifier: MIT
#include "jobs/azcopy_binary.hpp"

#include <fcntl.h>
#include <spdlog/logger.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <sstream>

// Boost 1.81's v2 headers miss these includes when BOOST_PROCESS_USE_STD_FS is defined.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>
// clang-format off
#include <boost/process/v2/environment.hpp>
// clang-format on

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "os/dirs.hpp"
#include "os/fd.hpp"
#include "store/record.hpp"

namespace azcopy_runner::detail {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// path|inode|size|mtime: a binary replaced in place gets a new key.
std::string binary_key(const fs::path& exe) {
  struct stat st {};
  if (::stat(exe.c_str(), &st) != 0) {
    return {};
  }
  return exe.string() + "|" + std::to_string(st.st_ino) + "|" + std::to_string(st.st_size) + "|" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

std::optional<AzCopyVersion> parse_azcopy_version(std::string_view version) noexcept {
  AzCopyVersion v;
  const char* const end = version.data() + version.size();
  const auto [after_major, major_error] = std::from_chars(version.data(), end, v.major);
  if (major_error != std::errc() || after_major == end || *after_major != '.' ||
      std::from_chars(after_major + 1, end, v.minor).ec != std::errc()) {
    return std::nullopt;
  }
  return v;
}

AzCopyBinary::AzCopyBinary(std::string configured, std::shared_ptr<ProcessLauncher> launcher,
                           std::map<std::string, std::string> env,
                           std::chrono::milliseconds command_timeout, fs::path log_root,
                           std::shared_ptr<spdlog::logger> log)
    : configured_(std::move(configured)),
      launcher_(std::move(launcher)),
      env_(std::move(env)),
      command_timeout_(command_timeout),
      log_root_(std::move(log_root)),
      log_(std::move(log)) {}

std::string AzCopyBinary::path() {
  std::lock_guard lock(mutex_);
  if (!exe_.empty()) {
    return exe_;
  }
  fs::path exe;
  if (configured_.find('/') != std::string::npos) {
    exe = fs::absolute(configured_);
  } else if (!configured_.empty()) {
    exe = boost::process::v2::environment::find_executable(configured_);
  }
  if (exe.empty() || ::access(exe.c_str(), X_OK) != 0 || fs::is_directory(exe)) {
    throw AzCopyNotInstalledError("AzCopy not found or not executable: tried '" + configured_ +
                                      "' (set AZCOPY_PATH to the azcopy binary)",
                                  ErrorContext{{}, log_root_.string(), {}});
  }
  const std::string key = binary_key(exe);
  if (auto cached = cached_version(key)) {
    version_ = *cached;
    exe_ = exe.string();
    return exe_;
  }
  ProcessSpec spec{exe.string(), {"--version"}, env_, {}, {}};
  RunResult r;
  try {
    r = launcher_->run(spec, std::min(command_timeout_, std::chrono::milliseconds(30s)),
                       std::size_t{1} << 16);
  } catch (const AzCopyError& e) {
    throw AzCopyNotInstalledError("cannot run '" + exe.string() + " --version': " + e.what(),
                                  ErrorContext{{}, log_root_.string(), {}});
  }
  const std::string text = r.out + r.err;
  const auto pos = text.find("azcopy version ");
  if (r.timed_out || pos == std::string::npos) {
    throw AzCopyNotInstalledError("'" + exe.string() +
                                      "' is not AzCopy (its --version says no "
                                      "\"azcopy version\")",
                                  ErrorContext{{}, log_root_.string(), redacted_excerpt(text)});
  }
  std::string version = text.substr(pos + 15);
  version = version.substr(0, version.find_first_of(" \r\n"));
  const auto parsed = parse_azcopy_version(version);
  if (!parsed || parsed->major != 10 || parsed->minor < 10) {
    throw AzCopyNotInstalledError("AzCopy " + version + " at '" + exe.string() +
                                      "' is not supported (need 10.10 or later 10.x)",
                                  ErrorContext{{}, log_root_.string(), {}});
  }
  version_ = version;
  exe_ = exe.string();
  remember_version(key, version);
  log_->debug("using AzCopy {} at {}", version_, exe_);
  return exe_;
}

std::string AzCopyBinary::version() {
  path();
  std::lock_guard lock(mutex_);
  return version_;
}

fs::path AzCopyBinary::version_cache() const { return log_root_ / ".azcopy-versions"; }

std::optional<std::string> AzCopyBinary::cached_version(const std::string& key) const {
  if (key.empty()) {
    return std::nullopt;
  }
  constexpr std::size_t kCacheBytes = std::size_t{1} << 20;
  if (const std::string why = ignored_file_reason(version_cache()); !why.empty()) {
    log_->warn("version cache {} ignored: {}", version_cache().string(), why);
    return std::nullopt;
  }
  std::istringstream in(read_tail(version_cache(), kCacheBytes).value_or(""));  // ours only
  for (std::string line; std::getline(in, line);) {
    const auto tab = line.rfind('\t');
    if (tab != std::string::npos && line.substr(0, tab) == key) {
      return line.substr(tab + 1);
    }
  }
  return std::nullopt;
}

void AzCopyBinary::remember_version(const std::string& key, const std::string& version) const {
  if (key.empty() || key.find('\n') != std::string::npos) {
    return;
  }
  UniqueFd fd(::open(version_cache().c_str(),
                     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  struct stat st {};
  if (fd && ::fstat(fd.get(), &st) == 0 && untrusted_file_reason(st).empty()) {
    const std::string line = key + "\t" + version + "\n";
    [[maybe_unused]] const auto n = ::write(fd.get(), line.data(), line.size());
  }
}

}  // namespace azcopy_runner::detail
