// SPDX-License-Identifier: MIT
/// @file process.hpp
/// @brief The process-launching seam. The runner does all process work through a
/// ProcessLauncher; unit tests substitute a GMock implementation, production uses
/// make_default_launcher() (posix_spawn and pidfds underneath, kept out of this header).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace azcopy_runner {

/// A program to run. The child inherits the caller's environment with @ref env applied on top.
struct ProcessSpec {
  std::string executable;                  ///< Absolute path (no PATH search happens here).
  std::vector<std::string> args;           ///< Arguments, without argv[0].
  std::map<std::string, std::string> env;  ///< Variables set (or overridden) for the child.
  /// run() only: when set, the child's stdout goes to this file (created or truncated, 0600)
  /// instead of RunResult::out, so that a large output is never held in memory whole. A
  /// launcher may ignore it and fill RunResult::out instead; callers accept both.
  std::string stdout_file;
  /// run() only, optional: called with the start of each complete line of stdout (at most
  /// kLineHeadBytes, without the line break) as the child prints it. Returning true says the
  /// caller has what it needs: the launcher stops reading, kills the child's process group,
  /// reaps it and returns with RunResult::stopped set; stdout then holds the output up to and
  /// including that line. A launcher may ignore it and run the child to its end; callers
  /// accept both. Called on the calling thread; it must not throw.
  std::function<bool(std::string_view line_head)> stop_after_line;
  /// The most of a line that stop_after_line sees.
  static constexpr std::size_t kLineHeadBytes = 256;
};

/// A long-running child that must outlive the object (and the process) that started it.
struct DetachedSpec {
  ProcessSpec process;
  std::string stdout_path;  ///< Opened O_APPEND|O_CREAT, mode 0600.
  std::string stderr_path;  ///< Opened O_APPEND|O_CREAT, mode 0600.
  std::string stdin_fifo;   ///< A FIFO, opened O_RDWR as the child's stdin: it never reaches EOF.
};

/// Identifies a process across time and processes: a pid alone can be reused.
struct ProcessIdentity {
  std::int64_t pid = 0;
  std::uint64_t start_time = 0;  ///< Field 22 of /proc/<pid>/stat (clock ticks after boot).
  std::string boot_id;           ///< /proc/sys/kernel/random/boot_id at start.
  std::string host;              ///< Host name at start.
};

/// How a process ended.
struct ExitStatus {
  int exit_code = -1;  ///< Valid when signal == 0.
  int signal = 0;      ///< The terminating signal, or 0.
};

/// Result of a bounded, synchronous run.
struct RunResult {
  std::optional<ExitStatus> exit;  ///< Empty when it timed out (the child was killed).
  bool timed_out = false;
  std::string out;         ///< stdout, at most max_output bytes (the first ones).
  std::string err;         ///< stderr, at most max_output bytes.
  bool truncated = false;  ///< Either stream exceeded max_output.
  /// Ended by ProcessSpec::stop_after_line: the child was killed after the line it accepted
  /// (exit then holds that signal).
  bool stopped = false;
};

/// Whether a recorded process is still the live process that was started.
enum class Liveness {
  Alive,    ///< Same pid, same start time, same boot, not a zombie.
  Dead,     ///< Gone, a zombie, or the pid now belongs to another process.
  Unknown,  ///< Started on another host or boot cannot be decided from here.
};

/// All the process work of the runner. Implementations must be thread-safe.
class ProcessLauncher {
 public:
  ProcessLauncher() = default;
  ProcessLauncher(const ProcessLauncher&) = delete;
  ProcessLauncher& operator=(const ProcessLauncher&) = delete;
  ProcessLauncher(ProcessLauncher&&) = delete;
  ProcessLauncher& operator=(ProcessLauncher&&) = delete;
  virtual ~ProcessLauncher() = default;

  /// Starts @p spec in a new session with stdout/stderr appended to files and stdin on the
  /// FIFO, inheriting no other descriptor, and detaches it: it survives this object and the
  /// calling process. @throws AzCopyStartError when it cannot be started.
  virtual ProcessIdentity spawn_detached(const DetachedSpec& spec) = 0;

  /// Non-blocking: the exit status of @p who, a child spawned by this launcher, once it has
  /// exited (collecting it, so no zombie remains). std::nullopt while it runs, if it is not
  /// ours, or if its exit is too old to be remembered. Keyed on the whole identity (pid and
  /// start time), never on the pid alone: a pid is reused once its process is reaped.
  virtual std::optional<ExitStatus> try_reap(const ProcessIdentity& who) = 0;

  /// Runs @p spec to completion with stdin at EOF-free pipe, capturing output (bounded).
  /// At @p timeout the whole process group is killed and reaped; never hangs.
  virtual RunResult run(const ProcessSpec& spec, std::chrono::milliseconds timeout,
                        std::size_t max_output) = 0;

  /// Whether @p who is still running (see Liveness).
  virtual Liveness probe(const ProcessIdentity& who) = 0;

  /// Sends @p signal to the process group of @p who, if it is still alive (checked first).
  /// @return true when the signal was sent.
  virtual bool send_signal(const ProcessIdentity& who, int signal) = 0;

  /// Waits up to @p timeout for @p who to end (any process of this host, not only children).
  /// @return true when it is gone (probe() no longer says Alive). The default sleeps in short
  /// slices and probes; the default launcher wakes at the exit itself (a pidfd).
  virtual bool wait_for_exit(const ProcessIdentity& who, std::chrono::milliseconds timeout);
};

/// The production launcher (posix_spawn in a new session, descriptor hygiene, a reaper thread,
/// pidfd waits). Every child runs with umask 077: it is started through /bin/sh, which sets
/// the umask and execs the program (the same pid and start time).
[[nodiscard]] std::shared_ptr<ProcessLauncher> make_default_launcher();

}  // namespace azcopy_runner
