// SPDX-License-Identifier: MIT
// The production ProcessLauncher: detached children started by os/spawn.hpp, run() by
// os/watched_run.hpp, and a reaper thread that collects every detached child as it exits
// (pidfds), keeping its exit under the process's identity (pid and start time).
#include "os/launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/process.hpp"
#include "os/fd.hpp"
#include "os/proc_info.hpp"
#include "os/spawn.hpp"
#include "os/watched_run.hpp"

namespace azcopy_runner {
namespace {

using detail::decode_wait_status;
using detail::open_pidfd;
using detail::spawn_process;

/// How many exit statuses of reaped detached children a launcher keeps for try_reap() and
/// probe(). A runner's poll that sees the job end records the exit with the job; a process
/// whose exit was forgotten is told Dead by /proc, as by a runner that did not start it.
constexpr std::size_t kRememberedExits = 1024;

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
    const pid_t pid = spawn_process(spec.process, in.get(), out.get(), err.get());
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
      return record_exit_locked(who.pid, decode_wait_status(status));
    }
    return std::nullopt;
  }

  RunResult run(const ProcessSpec& spec, std::chrono::milliseconds timeout,
                std::size_t max_output) override {
    return detail::run_watched(spec, timeout, max_output);
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
    detail::UniqueFd pidfd(open_pidfd(static_cast<pid_t>(who.pid)));
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
    detail::UniqueFd pidfd(open_pidfd(static_cast<pid_t>(who.pid)));
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
      children_.insert_or_assign(pid, Child{detail::UniqueFd(open_pidfd(pid)), start_time});
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
          record_exit_locked(pids[i], decode_wait_status(status));
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
