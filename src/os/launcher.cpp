// SPDX-License-Identifier: MIT
// The production ProcessLauncher: posix_spawn (a new session, stdio on our descriptors, every
// other descriptor closed), pidfd-based waits and a reaper thread for detached children.
//
// Not Boost.Process v2's launchers: between fork and exec they call the io_context's
// notify_fork(fork_child), which allocates (asio's service_registry copies its services into a
// std::vector). In a multithreaded caller that deadlocks the child whenever another thread held
// the allocator's lock at the fork: seen under AddressSanitizer (a child stuck in the
// sanitizer allocator's futex, the runner's jobs_show() waiting on it forever), and possible
// with any allocator without fork handlers. glibc's posix_spawn runs no code of ours in the
// child (CLONE_VM|CLONE_VFORK, then the file actions and execve) and reports an exec failure
// as its return value, after reaping the child.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/process.hpp"
#include "os/fd.hpp"
#include "os/launcher.hpp"
#include "os/proc_info.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace azcopy_runner {
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

ExitStatus decode(int status) {
  ExitStatus result;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

/// How many exit statuses of reaped detached children a launcher keeps for try_reap() and
/// probe(). A runner's poll that sees the job end records the exit with the job; a process
/// whose exit was forgotten is told Dead by /proc, as by a runner that did not start it.
constexpr std::size_t kRememberedExits = 1024;

/// Pipe size asked for a watched stdout, and the read size.
constexpr std::size_t kWatchPipeBytes = std::size_t{1} << 20U;

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

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

/// Starts spec.executable (an absolute path: no PATH search) detached from us in its own
/// session, with umask 077; returns the pid. Nothing is buffered twice: no code of ours runs
/// in the child.
pid_t launch(const ProcessSpec& spec, int in_fd, int out_fd, int err_fd) {
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

std::string read_fd(int fd, std::size_t max_bytes, bool& truncated) {
  std::string data;
  if (::lseek(fd, 0, SEEK_SET) < 0) {
    return data;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    data.reserve(std::min(static_cast<std::size_t>(st.st_size), max_bytes));
  }
  std::array<char, 65536> buffer{};
  while (data.size() < max_bytes) {
    const auto want = std::min(buffer.size(), max_bytes - data.size());
    const ssize_t n = ::read(fd, buffer.data(), want);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return data;
    }
    data.append(buffer.data(), static_cast<std::size_t>(n));
  }
  char probe = 0;
  if (::read(fd, &probe, 1) > 0) {
    truncated = true;
  }
  return data;
}

enum class Drain { Again, Eof, Stop };

/// Copies a child's stdout from a pipe to its file and shows each complete line's start to
/// ProcessSpec::stop_after_line.
class LineWatcher {
 public:
  LineWatcher(const std::function<bool(std::string_view)>& stop, int out_fd)
      : stop_(stop), out_fd_(out_fd) {}

  /// Copies @p chunk; true when one of its lines was accepted (the output then ends with it).
  bool feed(std::string_view chunk) {
    std::size_t pos = 0;
    while (pos < chunk.size()) {
      const void* nl = std::memchr(chunk.data() + pos, '\n', chunk.size() - pos);
      const std::size_t end =
          nl == nullptr ? chunk.size()
                        : static_cast<std::size_t>(static_cast<const char*>(nl) - chunk.data());
      if (head_.size() < ProcessSpec::kLineHeadBytes) {
        head_.append(
            chunk.substr(pos, std::min(end - pos, ProcessSpec::kLineHeadBytes - head_.size())));
      }
      if (nl == nullptr) {
        break;
      }
      if (!head_.empty() && head_.back() == '\r') {
        head_.pop_back();
      }
      if (watching_ && accepted(head_)) {
        write_all(chunk.substr(0, end + 1));
        return true;
      }
      head_.clear();
      pos = end + 1;
    }
    write_all(chunk);
    return false;
  }

  /// Reads what the (non-blocking) pipe @p fd holds now.
  Drain drain(int fd) {
    if (!buffer_) {
      buffer_ = std::make_unique<char[]>(kWatchPipeBytes);  // NOLINT(*-avoid-c-arrays)
    }
    while (true) {
      const ssize_t n = ::read(fd, buffer_.get(), kWatchPipeBytes);
      if (n > 0) {
        if (feed(std::string_view(buffer_.get(), static_cast<std::size_t>(n)))) {
          return Drain::Stop;
        }
        continue;
      }
      if (n == 0) {
        return Drain::Eof;
      }
      if (errno == EINTR) {
        continue;
      }
      return errno == EAGAIN || errno == EWOULDBLOCK ? Drain::Again : Drain::Eof;
    }
  }

  [[nodiscard]] bool write_failed() const { return write_failed_; }

 private:
  [[nodiscard]] bool accepted(std::string_view head) const {
    try {
      return stop_ && stop_(head);
    } catch (...) {
      return false;  // documented as not throwing; a throwing one just never stops the child
    }
  }

  void write_all(std::string_view data) {
    while (!data.empty() && !write_failed_) {
      const ssize_t n = ::write(out_fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        // The output is incomplete from here on (a full disk): never stop on a later line,
        // whose file would lack what came before it; the caller sees RunResult::truncated.
        write_failed_ = true;
        watching_ = false;
        return;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  const std::function<bool(std::string_view)>& stop_;
  int out_fd_;
  std::string head_;
  std::unique_ptr<char[]> buffer_;  // NOLINT(*-avoid-c-arrays): uninitialised read buffer
  bool watching_ = true;
  bool write_failed_ = false;
};

/// The descriptors of one ProcessLauncher::run().
struct RunPipes {
  detail::UniqueFd out;      ///< stdout: the caller's file, or a memfd.
  detail::UniqueFd err;      ///< stderr: a memfd.
  detail::UniqueFd in_read;  ///< stdin: a pipe whose write end is held open (never EOF).
  detail::UniqueFd in_write;
  detail::UniqueFd watch_read;   ///< With stop_after_line: stdout through this pipe, copied
  detail::UniqueFd watch_write;  ///< to `out` by the caller's thread.
};

RunPipes make_run_pipes(const ProcessSpec& spec) {
  RunPipes p;
  p.out.reset(spec.stdout_file.empty()
                  ? ::memfd_create("azcopy-runner-out", MFD_CLOEXEC)
                  : ::open(spec.stdout_file.c_str(),
                           O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  p.err.reset(::memfd_create("azcopy-runner-err", MFD_CLOEXEC));
  std::array<int, 2> fds{-1, -1};
  if (!p.out || !p.err || ::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw AzCopyStartError(std::string("cannot create pipes: ") + detail::errno_text(errno),
                           ErrorContext{});
  }
  p.in_read.reset(fds[0]);
  p.in_write.reset(fds[1]);
  if (spec.stop_after_line) {
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
      throw AzCopyStartError(std::string("cannot create pipes: ") + detail::errno_text(errno),
                             ErrorContext{});
    }
    p.watch_read.reset(fds[0]);
    p.watch_write.reset(fds[1]);
    // A summary line can be megabytes: a larger pipe means fewer round trips (may fail).
    ::fcntl(p.watch_write.get(), F_SETPIPE_SZ, static_cast<int>(kWatchPipeBytes));
    ::fcntl(p.watch_read.get(), F_SETFL, O_NONBLOCK);
  }
  return p;
}

/// Follows child @p pid of run() until it exits (reaped: true), the caller's line watcher has
/// the line it wanted or @p deadline passes (false: the child still runs); sets
/// result.exit, .stopped and .timed_out.
bool supervise(pid_t pid, int pidfd, LineWatcher& watcher, detail::UniqueFd& watch_read,
               std::chrono::steady_clock::time_point deadline, RunResult& result) {
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) {
      // Its last words may still be in the pipe (not waiting for EOF: a grandchild may hold
      // the pipe open).
      result.stopped = watch_read && watcher.drain(watch_read.get()) == Drain::Stop;
      // r < 0: someone else reaped it (e.g. SIGCHLD set to SIG_IGN): the status is lost.
      result.exit = r == pid ? decode(status) : ExitStatus{};
      return true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      return false;
    }
    if (watch_read) {
      const Drain d = watcher.drain(watch_read.get());
      if (d == Drain::Stop) {
        result.stopped = true;
        return false;
      }
      if (d == Drain::Eof) {
        watch_read.reset();
        continue;
      }
    }
    std::array<pollfd, 2> p{{{pidfd, POLLIN, 0}, {watch_read.get(), POLLIN, 0}}};
    const nfds_t count = watch_read ? 2 : 1;
    const std::int64_t slice = pidfd >= 0 ? 1000 : 2;
    ::poll(p.data(), count, static_cast<int>(std::min<std::int64_t>(left.count(), slice)));
  }
}

class DefaultLauncher final : public ProcessLauncher {
 public:
  DefaultLauncher() : wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (wake_.get() >= 0) {
      reaper_ = std::thread([this] { reap_loop(); });
    }
  }

  DefaultLauncher(const DefaultLauncher&) = delete;
  DefaultLauncher& operator=(const DefaultLauncher&) = delete;
  DefaultLauncher(DefaultLauncher&&) = delete;
  DefaultLauncher& operator=(DefaultLauncher&&) = delete;

  ~DefaultLauncher() override {
    stop_.store(true);
    wakeup();
    if (reaper_.joinable()) {
      reaper_.join();
    }
    // Children still running stay alive (detached): they are reparented when we exit.
  }

  ProcessIdentity spawn_detached(const DetachedSpec& spec) override {
    detail::UniqueFd out(::open(spec.stdout_path.c_str(),
                                O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
    detail::UniqueFd err(::open(spec.stderr_path.c_str(),
                                O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!out || !err) {
      throw AzCopyStartError(
          "cannot open output files in " + spec.stdout_path + ": " + detail::errno_text(errno),
          ErrorContext{});
    }
    if (::mkfifo(spec.stdin_fifo.c_str(), 0600) != 0 && errno != EEXIST) {
      throw AzCopyStartError(
          "cannot create stdin FIFO " + spec.stdin_fifo + ": " + detail::errno_text(errno),
          ErrorContext{});
    }
    // O_RDWR: the FIFO always has a writer (the child itself), so its stdin never reaches EOF,
    // even after this process is gone; anyone can still write a cancel request into it.
    detail::UniqueFd in(::open(spec.stdin_fifo.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (!in) {
      throw AzCopyStartError(
          "cannot open stdin FIFO " + spec.stdin_fifo + ": " + detail::errno_text(errno),
          ErrorContext{});
    }
    const pid_t pid = launch(spec.process, in.get(), out.get(), err.get());
    ProcessIdentity who = detail::identify(pid);  // not reaped before watch(): still ours
    watch(pid, who.start_time);
    return who;
  }

  std::optional<ExitStatus> try_reap(const ProcessIdentity& who) override {
    std::lock_guard lock(mutex_);
    const ExitKey key{who.pid, who.start_time};
    if (auto it = exited_.find(key); it != exited_.end()) {
      return it->second;
    }
    // Only the very child that was started: a pid of ours that names another process (its
    // start time differs) is not this one.
    auto child = children_.find(who.pid);
    if (child == children_.end() || child->second.start_time != who.start_time) {
      return std::nullopt;
    }
    int status = 0;
    const pid_t r = ::waitpid(static_cast<pid_t>(who.pid), &status, WNOHANG);
    if (r == static_cast<pid_t>(who.pid)) {
      return record_exit_locked(who.pid, decode(status));
    }
    return std::nullopt;
  }

  RunResult run(const ProcessSpec& spec, std::chrono::milliseconds timeout,
                std::size_t max_output) override {
    RunPipes pipes = make_run_pipes(spec);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const pid_t pid =
        launch(spec, pipes.in_read.get(),
               pipes.watch_write ? pipes.watch_write.get() : pipes.out.get(), pipes.err.get());
    pipes.in_read.reset();
    pipes.watch_write.reset();
    detail::UniqueFd pidfd(pidfd_open(pid));

    RunResult result;
    LineWatcher watcher(spec.stop_after_line, pipes.out.get());
    if (!supervise(pid, pidfd.get(), watcher, pipes.watch_read, deadline, result)) {
      // Timed out, or the caller has what it needed: the whole group goes, then the leader
      // is reaped.
      int status = 0;
      ::kill(-pid, SIGKILL);  // its own session: the whole group
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (result.stopped) {
        result.exit = decode(status);
      }
    }
    bool truncated = false;
    if (spec.stdout_file.empty()) {
      result.out = read_fd(pipes.out.get(), max_output, truncated);
    }
    result.err = read_fd(pipes.err.get(), max_output, truncated);
    result.truncated = truncated || watcher.write_failed();
    return result;
  }

  Liveness probe(const ProcessIdentity& who) override {
    if (who.pid <= 0) {
      return Liveness::Dead;
    }
    if (!who.host.empty() && who.host != detail::host_name()) {
      return Liveness::Unknown;
    }
    if (!who.boot_id.empty() && who.boot_id != detail::boot_id()) {
      return Liveness::Dead;  // the machine restarted since: the process is gone
    }
    {
      std::lock_guard lock(mutex_);
      if (exited_.contains(ExitKey{who.pid, who.start_time})) {
        return Liveness::Dead;
      }
    }
    auto stat = detail::read_proc_stat(who.pid);
    if (!stat || stat->state == 'Z' || stat->state == 'X' ||
        (who.start_time != 0 && stat->start_time != who.start_time)) {
      return Liveness::Dead;
    }
    return Liveness::Alive;
  }

  bool wait_for_exit(const ProcessIdentity& who, std::chrono::milliseconds timeout) override {
    // The pidfd is taken before the identity is checked: it then names that very process.
    detail::UniqueFd pidfd(pidfd_open(static_cast<pid_t>(who.pid)));
    if (probe(who) != Liveness::Alive) {
      return true;
    }
    if (!pidfd) {
      return ProcessLauncher::wait_for_exit(who, timeout);  // no pidfd here: probe in slices
    }
    pollfd p{pidfd.get(), POLLIN, 0};
    const auto ms = std::clamp<std::int64_t>(timeout.count(), 0, std::numeric_limits<int>::max());
    static_cast<void>(::poll(&p, 1, static_cast<int>(ms)));
    return probe(who) != Liveness::Alive;
  }

  bool send_signal(const ProcessIdentity& who, int signal) override {
    // pidfd pins the process: once we have checked its start time, the signal cannot reach a
    // different process that reused the pid.
    detail::UniqueFd pidfd(pidfd_open(static_cast<pid_t>(who.pid)));
    if (!pidfd || probe(who) != Liveness::Alive) {
      return false;
    }
    // The child called setsid(): its pid is also its process group id, and the group holds
    // whatever it started (a wrapper script's children, helpers). While the leader lives, that
    // group id cannot name anything else. Signal the group, then the leader through its pidfd
    // (in case it left its group).
    const bool group = ::kill(-static_cast<pid_t>(who.pid), signal) == 0;
    const bool leader = ::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0) == 0;
    return group || leader;
  }

 private:
  void watch(pid_t pid, std::uint64_t start_time) {
    {
      std::lock_guard lock(mutex_);
      children_.insert_or_assign(pid, Child{detail::UniqueFd(pidfd_open(pid)), start_time});
    }
    wakeup();
  }

  void wakeup() const {
    if (wake_.get() >= 0) {
      const std::uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof(one));
    }
  }

  /// Moves a reaped child from children_ to exited_ (keyed on pid *and* start time: once
  /// reaped, its pid may be given to any new process, a child of ours included); the oldest
  /// exit is forgotten beyond kRememberedExits.
  ExitStatus record_exit_locked(std::int64_t pid, ExitStatus status) {
    auto child = children_.find(pid);
    if (child == children_.end()) {
      return status;
    }
    const ExitKey key{pid, child->second.start_time};
    children_.erase(child);
    if (exited_.insert_or_assign(key, status).second) {
      exit_order_.push_back(key);
    }
    while (exit_order_.size() > kRememberedExits) {
      exited_.erase(exit_order_.front());
      exit_order_.pop_front();
    }
    return status;
  }

  /// Waits on the pidfds of the detached children and collects each as soon as it exits.
  void reap_loop() {
    while (!stop_.load()) {
      std::vector<pollfd> fds;
      std::vector<std::int64_t> pids;
      {
        std::lock_guard lock(mutex_);
        fds.push_back({wake_.get(), POLLIN, 0});
        pids.push_back(0);
        for (const auto& [pid, child] : children_) {
          fds.push_back({child.pidfd.get(), POLLIN, 0});
          pids.push_back(pid);
        }
      }
      // Children without a pidfd (old kernels) are checked once a second.
      const int n = ::poll(fds.data(), fds.size(), 1000);
      if (n < 0 && errno != EINTR) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if ((fds[0].revents & POLLIN) != 0) {
        std::uint64_t drained = 0;
        [[maybe_unused]] auto r = ::read(wake_.get(), &drained, sizeof(drained));
      }
      std::lock_guard lock(mutex_);
      for (std::size_t i = 1; i < pids.size(); ++i) {
        int status = 0;
        if (children_.contains(pids[i]) &&
            ::waitpid(static_cast<pid_t>(pids[i]), &status, WNOHANG) == pids[i]) {
          record_exit_locked(pids[i], decode(status));
        }
      }
    }
  }

  /// A detached child not reaped yet: its pid cannot name another process meanwhile.
  struct Child {
    detail::UniqueFd pidfd;  ///< May be invalid (no pidfd_open): then polled once a second.
    std::uint64_t start_time = 0;
  };
  /// A reaped child: its pid and start time (ProcessIdentity's).
  using ExitKey = std::pair<std::int64_t, std::uint64_t>;

  std::mutex mutex_;
  std::map<std::int64_t, Child> children_;  // by pid
  std::map<ExitKey, ExitStatus> exited_;
  std::deque<ExitKey> exit_order_;  // oldest first
  detail::UniqueFd wake_;
  std::atomic<bool> stop_{false};
  std::thread reaper_;
};

}  // namespace

bool ProcessLauncher::wait_for_exit(const ProcessIdentity& who, std::chrono::milliseconds timeout) {
  constexpr auto kSlice = std::chrono::milliseconds(20);
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (probe(who) == Liveness::Alive) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) {
      return false;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(kSlice, until - now));
  }
  return true;
}

std::shared_ptr<ProcessLauncher> make_default_launcher() {
  return std::make_shared<DefaultLauncher>();
}

namespace detail {

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
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace detail
}  // namespace azcopy_runner
