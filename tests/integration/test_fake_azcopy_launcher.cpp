// SPDX-License-Identifier: MIT
// The default launcher's run() with stop_after_line, its bounded state over many detached
// children, and a missing executable.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "fake_azcopy_harness.hpp"
#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

class WatchedRun : public FakeAzCopy {
 protected:
  /// /bin/sh -c @p script, its stdout into out_ (or returned in RunResult::out), every line's
  /// head recorded in heads_, stopping at the first line equal to @p stop_at.
  RunResult run_sh(const std::string& script, const std::string& stop_at,
                   std::chrono::milliseconds timeout = 20s, bool to_file = true) {
    ProcessSpec spec;
    spec.executable = "/bin/sh";
    spec.args = {"-c", script};
    spec.env = {{"FAKE_AZCOPY_MARKER", marker_}};
    if (to_file) {
      spec.stdout_file = out_.string();
    }
    spec.stop_after_line = [this, stop_at](std::string_view head) {
      heads_.emplace_back(head);
      return head == stop_at;
    };
    return launcher_->run(spec, timeout, 1U << 20U);
  }

  std::shared_ptr<ProcessLauncher> launcher_ = make_default_launcher();
  fs::path out_ = dir_.path() / "stdout.txt";
  std::vector<std::string> heads_;
};

TEST_F(WatchedRun, AnAcceptedLineEndsTheChildAndItsGroupAndTheOutputEndsWithIt) {
  // `sleep` is a child of the shell, in its group: both must go, and nothing after the line.
  const RunResult r = run_sh("echo first; echo second; sleep 100000; echo never", "second", 60s);
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.timed_out);
  ASSERT_TRUE(r.exit);
  EXPECT_EQ(r.exit->signal, SIGKILL);
  EXPECT_EQ(slurp(out_), "first\nsecond\n");
  EXPECT_EQ(heads_, (std::vector<std::string>{"first", "second"}));
  expect_no_process_left();
}

TEST_F(WatchedRun, WithoutAnAcceptedLineTheChildRunsToItsEndAndEveryByteIsKept) {
  // CR LF, an empty line, a line longer than the head, binary bytes, no final line break.
  const std::string script =
      "printf 'a\\r\\n\\n'; head -c 1000 /dev/zero | tr '\\0' x; printf '\\n'; "
      "printf '\\001\\377\\n'; printf 'last'; exit 3";
  const RunResult r = run_sh(script, "never");
  EXPECT_FALSE(r.stopped);
  ASSERT_TRUE(r.exit);
  EXPECT_EQ(r.exit->exit_code, 3);
  EXPECT_EQ(slurp(out_), "a\r\n\n" + std::string(1000, 'x') + "\n\001\377\nlast");
  // Heads: without the line break, at most kLineHeadBytes; the unterminated "last" is no line.
  EXPECT_EQ(heads_, (std::vector<std::string>{
                        "a", "", std::string(ProcessSpec::kLineHeadBytes, 'x'), "\001\377"}));
}

TEST_F(WatchedRun, AnAcceptedMultiMegabyteLineIsKeptWhole) {
  const RunResult r =
      run_sh("echo before; head -c 5000000 /dev/zero | tr '\\0' y; echo; echo after; sleep 100000",
             std::string(ProcessSpec::kLineHeadBytes, 'y'), 60s);
  EXPECT_TRUE(r.stopped);
  const std::string out = slurp(out_);
  EXPECT_EQ(out.size(), 7 + 5'000'000 + 1);
  EXPECT_EQ(out.substr(0, 7), "before\n");
  EXPECT_EQ(out.find_first_not_of('y', 7), 7 + 5'000'000);
  EXPECT_EQ(out.back(), '\n');
  expect_no_process_left();
}

TEST_F(WatchedRun, WithoutAFileTheOutputUpToTheLineIsReturned) {
  const RunResult r = run_sh("echo first; echo second; sleep 100000", "first", 60s, false);
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.out, "first\n");
  expect_no_process_left();
}

TEST_F(WatchedRun, AWatchedChildThatHangsIsKilledAtTheTimeout) {
  const RunResult r = run_sh("echo hello; sleep 100000", "never", 500ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.stopped);
  EXPECT_FALSE(r.exit);
  EXPECT_EQ(slurp(out_), "hello\n");
  expect_no_process_left();
}

/// Entries of /proc/self/fd (this process's open descriptors, the directory's own included).
long open_descriptors() {
  return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator());
}

/// Children of this process that exited and were not reaped yet.
long zombie_children() {
  long n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;  // not a process (e.g. /proc/net/stat is a directory)
    }
    const std::string text = read_proc(entry.path() / "stat");
    const auto close = text.rfind(')');
    if (close == std::string::npos) {
      continue;
    }
    std::istringstream in(text.substr(close + 1));
    char state = '?';
    long ppid = 0;
    in >> state >> ppid;
    n += state == 'Z' && ppid == ::getpid() ? 1 : 0;
  }
  return n;
}

// A launcher that runs for months keeps a bounded state: once 1,100 detached children have
// exited, their exits are kept for the last 1,024 only, no descriptor is left per child and
// every child is reaped.
TEST_F(WatchedRun, TheDefaultLauncherKeepsTheLast1024ExitsAndNothingPerChild) {
  const long fds_before = open_descriptors();
  DetachedSpec spec;
  spec.process.executable = "/bin/sh";
  spec.process.args = {"-c", "exit 3"};
  spec.process.env = {{"FAKE_AZCOPY_MARKER", marker_}};
  spec.stdout_path = (dir_.path() / "out.log").string();
  spec.stderr_path = (dir_.path() / "err.log").string();
  spec.stdin_fifo = (dir_.path() / "stdin.fifo").string();
  constexpr int kChildren = 1100;
  std::vector<ProcessIdentity> children;
  children.reserve(kChildren);
  for (int i = 0; i < kChildren; ++i) {
    children.push_back(launcher_->spawn_detached(spec));
  }
  for (const auto& who : children) {
    ASSERT_TRUE(launcher_->wait_for_exit(who, 10s)) << "pid " << who.pid;
  }
  const auto deadline = Clock::now() + 10s;
  while (zombie_children() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(zombie_children(), 0);
  int remembered = 0;
  for (const auto& who : children) {
    if (const auto status = launcher_->try_reap(who)) {
      EXPECT_EQ(status->exit_code, 3);
      ++remembered;
    }
    EXPECT_EQ(launcher_->probe(who), Liveness::Dead);
  }
  EXPECT_EQ(remembered, 1024);
  EXPECT_EQ(open_descriptors(), fds_before);
}

TEST_F(WatchedRun, AMissingExecutableIsAStartErrorAndLeavesNoZombie) {
  const std::string path = (dir_.path() / "no-such-azcopy").string();
  ProcessSpec spec;
  spec.executable = path;
  spec.args = {"jobs", "show"};
  const auto e = expect_error<AzCopyStartError>(
      [&] { static_cast<void>(launcher_->run(spec, 5s, 1U << 20U)); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr(path));
  DetachedSpec detached;
  detached.process = spec;
  detached.stdout_path = (dir_.path() / "out.log").string();
  detached.stderr_path = (dir_.path() / "err.log").string();
  detached.stdin_fifo = (dir_.path() / "stdin.fifo").string();
  const auto d = expect_error<AzCopyStartError>(
      [&] { static_cast<void>(launcher_->spawn_detached(detached)); });
  ASSERT_TRUE(d);
  EXPECT_THAT(d->what(), HasSubstr(path));
  // The forked children that could not exec were collected: no child of ours is left.
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace azcopy_runner::integration
