// SPDX-License-Identifier: MIT
#include "os/watched_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "azcopy_runner/errors.hpp"
#include "os/fd.hpp"
#include "os/spawn.hpp"

namespace azcopy_runner::detail {
namespace {

/// Pipe size asked for a watched stdout, and the read size.
constexpr std::size_t kWatchPipeBytes = std::size_t{1} << 20U;

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
      result.exit = r == pid ? decode_wait_status(status) : ExitStatus{};
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

}  // namespace

RunResult run_watched(const ProcessSpec& spec, std::chrono::milliseconds timeout,
                      std::size_t max_output) {
  RunPipes pipes = make_run_pipes(spec);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const pid_t pid =
      spawn_process(spec, pipes.in_read.get(),
                    pipes.watch_write ? pipes.watch_write.get() : pipes.out.get(), pipes.err.get());
  pipes.in_read.reset();
  pipes.watch_write.reset();
  detail::UniqueFd pidfd(open_pidfd(pid));

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
      result.exit = decode_wait_status(status);
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

}  // namespace azcopy_runner::detail
