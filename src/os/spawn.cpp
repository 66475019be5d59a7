// SPDX-License-Identifier: MIT
// posix_spawn, not Boost.Process v2's launchers: between fork and exec they call the
// io_context's notify_fork(fork_child), which allocates (asio's service_registry copies its
// services into a std::vector). In a multithreaded caller that deadlocks the child whenever
// another thread held the allocator's lock at the fork: seen under AddressSanitizer (a child
// stuck in the sanitizer allocator's futex, the runner's jobs_show() waiting on it forever), and
// possible with any allocator without fork handlers. glibc's posix_spawn runs no code of ours in
// the child (CLONE_VM|CLONE_VFORK, then the file actions and execve) and reports an exec failure
// as its return value, after reaping the child.
#include "os/spawn.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/errors.hpp"
#include "os/fd.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace azcopy_runner::detail {
namespace {

std::vector<std::string> child_environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view kv(*entry);
    auto eq = kv.find('=');
    std::string key(kv.substr(0, eq));
    if (!overrides.contains(key)) {
      result.emplace_back(kv);
    }
  }
  for (const auto& [key, value] : overrides) {
    std::string entry = key;
    entry += '=';
    entry += value;
    result.push_back(std::move(entry));
  }
  return result;
}

/// posix_spawn attributes and file actions, destroyed with the object.
class SpawnSetup {
 public:
  SpawnSetup()
      : attr_ok_(::posix_spawnattr_init(&attr_) == 0),
        actions_ok_(::posix_spawn_file_actions_init(&actions_) == 0) {}
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  SpawnSetup(SpawnSetup&&) = delete;
  SpawnSetup& operator=(SpawnSetup&&) = delete;
  ~SpawnSetup() {
    if (attr_ok_) {
      ::posix_spawnattr_destroy(&attr_);
    }
    if (actions_ok_) {
      ::posix_spawn_file_actions_destroy(&actions_);
    }
  }

  /// A new session (the child leads it: terminal signals of the caller's session do not reach
  /// it, and its whole group can be signalled), default signal dispositions and an empty mask;
  /// stdin, stdout and stderr on the given descriptors; every other descriptor closed.
  /// Returns 0 or an errno value.
  int prepare(int in_fd, int out_fd, int err_fd) {
    if (!attr_ok_ || !actions_ok_) {
      return ENOMEM;
    }
    sigset_t none;
    sigset_t all;
    ::sigemptyset(&none);
    ::sigfillset(&all);
    const auto flags =
        static_cast<short>(POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = ::posix_spawnattr_setflags(&attr_, flags);
    rc = rc != 0 ? rc : ::posix_spawnattr_setsigmask(&attr_, &none);
    rc = rc != 0 ? rc : ::posix_spawnattr_setsigdefault(&attr_, &all);
    rc = rc != 0 ? rc : ::posix_spawn_file_actions_adddup2(&actions_, in_fd, STDIN_FILENO);
    rc = rc != 0 ? rc : ::posix_spawn_file_actions_adddup2(&actions_, out_fd, STDOUT_FILENO);
    rc = rc != 0 ? rc : ::posix_spawn_file_actions_adddup2(&actions_, err_fd, STDERR_FILENO);
    // After the dup2s: nothing the caller opened, with or without O_CLOEXEC, reaches AzCopy.
    return rc != 0 ? rc : ::posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
  }

  [[nodiscard]] const posix_spawnattr_t* attr() const { return &attr_; }
  [[nodiscard]] const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_{};
  posix_spawn_file_actions_t actions_{};
  bool attr_ok_ = false;
  bool actions_ok_ = false;
};

/// The shell that gives every child umask 077 and then becomes the program (exec: the same pid
/// and start time): posix_spawn cannot set a umask, and the caller's umask (often 022) would
/// leave AzCopy's plans and logs readable by others wherever the work dir lets them be reached.
/// The program and its arguments are passed as arguments, never inside the script.
constexpr const char* kUmaskShell = "/bin/sh";
constexpr const char* kUmaskScript = R"(umask 077 && exec "$0" "$@")";

}  // namespace

ExitStatus decode_wait_status(int status) {
  ExitStatus result;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

pid_t spawn_process(const ProcessSpec& spec, int in_fd, int out_fd, int err_fd) {
  // The shell would report a program it cannot execute only on its stderr: said here instead.
  if (::access(spec.executable.c_str(), X_OK) != 0) {
    throw AzCopyStartError("cannot start " + spec.executable + ": " + detail::errno_text(errno),
                           ErrorContext{});
  }
  const std::vector<std::string> env = child_environment(spec.env);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const auto& e : env) {
    envp.push_back(const_cast<char*>(e.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  }
  envp.push_back(nullptr);
  // As posix_spawn would, a name without '/' is a path in the current directory: the shell
  // must not search PATH for it.
  const std::string program =
      spec.executable.find('/') == std::string::npos ? "./" + spec.executable : spec.executable;
  std::vector<char*> argv;
  argv.reserve(spec.args.size() + 5);
  argv.push_back(const_cast<char*>(kUmaskShell));   // NOLINT(cppcoreguidelines-pro-type-const-cast)
  argv.push_back(const_cast<char*>("-c"));          // NOLINT(cppcoreguidelines-pro-type-const-cast)
  argv.push_back(const_cast<char*>(kUmaskScript));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  argv.push_back(
      const_cast<char*>(program.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  for (const auto& a : spec.args) {
    argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  }
  argv.push_back(nullptr);

  SpawnSetup setup;
  int rc = setup.prepare(in_fd, out_fd, err_fd);
  pid_t pid = -1;
  if (rc == 0) {
    rc = ::posix_spawn(&pid, kUmaskShell, setup.actions(), setup.attr(), argv.data(), envp.data());
  }
  if (rc != 0) {
    // glibc reaps a child that failed to exec before it returns the error: no zombie.
    throw AzCopyStartError("cannot start " + spec.executable + " (through " +
                               std::string(kUmaskShell) + "): " + detail::errno_text(rc),
                           ErrorContext{});
  }
  return pid;
}

}  // namespace azcopy_runner::detail
