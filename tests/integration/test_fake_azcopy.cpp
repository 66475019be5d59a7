// SPDX-License-Identifier: MIT
// Fault tests: the runner with its real default launcher against tests/fakes/fake-azcopy, an
// AzCopy stand-in that hangs, crashes, prints garbage, ignores signals... (see the comment at
// the top of the script). No real AzCopy and no Azurite needed: these run everywhere.
//
// Every test puts a unique FAKE_AZCOPY_MARKER into the environment of the processes the runner
// starts; a process left behind is found by looking for it in /proc/*/environ.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "support/expect_same.hpp"

#ifndef AZCOPY_RUNNER_FAKE_AZCOPY
#error "AZCOPY_RUNNER_FAKE_AZCOPY must name tests/fakes/fake-azcopy (set in CMakeLists.txt)"
#endif

namespace azcopy_runner::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kFake = AZCOPY_RUNNER_FAKE_AZCOPY;
constexpr auto kCommandTimeout = 2s;

std::string random_job_id() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32U) ^ rd());
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) {
      id += '-';
    }
    id += kHex[rng() % 16];
  }
  return id;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// CPU time used by this process so far (all threads): unlike the wall clock, it does not grow
/// when other processes load the machine.
std::chrono::nanoseconds process_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

/// Prints (and records in the XML output) something the test observed.
void note(const std::string& key, const std::string& value) {
  ::testing::Test::RecordProperty(key, value);
  std::cout << "[ observed ] " << key << ": " << value << '\n';
}

/// pid -> command line of every process whose environment or command line holds @p marker.
std::map<pid_t, std::string> marked_processes(const std::string& marker) {
  std::map<pid_t, std::string> found;
  const std::string needle = "FAKE_AZCOPY_MARKER=" + marker;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid()) {
      continue;
    }
    // A zombie's environ and cmdline read as empty: it counts as gone.
    const std::string environ = read_proc(entry.path() / "environ");
    std::string cmdline = read_proc(entry.path() / "cmdline");
    if (environ.find(needle) != std::string::npos || cmdline.find(marker) != std::string::npos) {
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      found[pid] = cmdline;
    }
  }
  return found;
}

/// Waits up to @p limit for every marked process to disappear; returns those that remain.
std::map<pid_t, std::string> wait_marked_gone(const std::string& marker,
                                              Clock::duration limit = 2s) {
  const auto deadline = Clock::now() + limit;
  auto left = marked_processes(marker);
  while (!left.empty() && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    left = marked_processes(marker);
  }
  return left;
}

std::string describe(const std::map<pid_t, std::string>& procs) {
  std::string out;
  for (const auto& [pid, cmd] : procs) {
    out += "\n  pid " + std::to_string(pid) + ": " + cmd;
  }
  return out;
}

struct Stat {
  char state = '?';
  long pgrp = 0;     // field 5
  long session = 0;  // field 6
};

/// /proc/<pid>/stat fields 3, 5 and 6; std::nullopt when the process does not exist.
std::optional<Stat> proc_stat(std::int64_t pid) {
  const std::string text = read_proc("/proc/" + std::to_string(pid) + "/stat");
  const auto close = text.rfind(')');
  if (text.empty() || close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream in(text.substr(close + 1));
  Stat s;
  long ppid = 0;
  in >> s.state >> ppid >> s.pgrp >> s.session;
  return s;
}

/// Waits up to @p limit until @p pid is gone (a zombie counts as not yet gone: the runner
/// reaps its own children).
bool wait_pid_gone(std::int64_t pid, Clock::duration limit = 2s) {
  const auto deadline = Clock::now() + limit;
  while (proc_stat(pid)) {
    if (Clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

/// Runs @p f, which must throw exactly @p E; returns the exception (a copy).
template <typename E, typename F>
std::optional<E> expect_error(F&& f) {
  const std::string wanted(E("", ErrorContext{}).type_name());
  try {
    std::forward<F>(f)();
    ADD_FAILURE() << "expected " << wanted << ", nothing was thrown";
  } catch (const E& e) {
    return e;
  } catch (const AzCopyError& e) {
    ADD_FAILURE() << "expected " << wanted << ", got " << e.type_name() << ": " << e.what()
                  << "\nexcerpt: " << e.excerpt();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected " << wanted << ", got a std::exception: " << e.what();
  }
  return std::nullopt;
}

class FakeAzCopy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(::access(kFake, X_OK), 0) << kFake << " is missing or not executable (chmod +x)";
  }

  FakeAzCopy() {
    config_.azcopy_path = kFake;
    config_.work_dir = (dir_.path() / "work").string();
    config_.log_dir = (dir_.path() / "runner").string();
    config_.command_timeout = kCommandTimeout;
    config_.start_timeout = 10s;  // a bound for the tests that expect a job id
    config_.poll_interval = 100ms;
    config_.extra_env["FAKE_AZCOPY_MARKER"] = marker_;
    config_.extra_env["FAKE_AZCOPY_LOG"] = (dir_.path() / "invocations.log").string();
  }

  void TearDown() override {
    // Whatever a failed test left behind goes now (the runner is still there to reap it).
    for (const auto& [pid, cmd] : marked_processes(marker_)) {
      ::kill(pid, SIGKILL);
    }
    static_cast<void>(wait_marked_gone(marker_));
  }

  void set_mode(const std::string& mode) { config_.extra_env["FAKE_AZCOPY_MODE"] = mode; }

  AzCopyRunner& runner() {
    if (!runner_) {
      runner_ = std::make_unique<AzCopyRunner>(config_);
    }
    return *runner_;
  }

  AzCopyJobRef start() {
    CopyOptions o;
    o.from_to = "LocalBlob";
    return runner().start_copy(dir_.path().string(),
                               "https://example.invalid/container/dir?sv=2019-12-12&sig=SECRET", o);
  }

  void expect_no_process_left() {
    const auto left = wait_marked_gone(marker_);
    EXPECT_TRUE(left.empty()) << "processes left behind:" << describe(left);
  }

  /// What the fake was asked to do, one invocation a line.
  [[nodiscard]] std::string invocations() const { return slurp(dir_.path() / "invocations.log"); }

  TempDir dir_{"fake"};
  std::string marker_ = unique_name("fake-azcopy-marker");
  RunnerConfig config_;
  std::unique_ptr<AzCopyRunner> runner_;
};

// ----- jobs show ---------------------------------------------------------------------------------

TEST_F(FakeAzCopy, JobsShowThatHangsIsKilledWithItsChildrenAtTheCommandTimeout) {
  set_mode("hang");
  const auto t0 = Clock::now();
  const auto e = expect_error<AzCopyParseError>([&] { runner().poll(random_job_id()); });
  const auto elapsed = Clock::now() - t0;
  note("elapsed_s", std::to_string(seconds(elapsed)));
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr("did not answer"));
  EXPECT_GE(elapsed, kCommandTimeout - 100ms);
  EXPECT_LT(elapsed, 10s);
  expect_no_process_left();  // the shell *and* its `sleep` child
}

TEST_F(FakeAzCopy, JobsShowThatPanicsGivesParseErrorWithThePanicAndTheExitCode) {
  set_mode("crash");
  const auto e = expect_error<AzCopyParseError>([&] { runner().poll(random_job_id()); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->excerpt(), HasSubstr("panic"));
  EXPECT_THAT(e->what(), HasSubstr("exit code 2"));
  EXPECT_LE(e->excerpt().size(), kMaxExcerptBytes);
  expect_no_process_left();
}

class FakeAzCopyUnparsable : public FakeAzCopy,
                             public ::testing::WithParamInterface<std::string> {};

TEST_P(FakeAzCopyUnparsable, GivesParseErrorWithABoundedExcerptWithinTheTimeout) {
  set_mode(GetParam());
  const std::string id = random_job_id();
  const auto t0 = Clock::now();
  const auto cpu0 = process_cpu_time();
  const auto e = expect_error<AzCopyParseError>([&] { runner().poll(id); });
  const auto cpu = process_cpu_time() - cpu0;
  const auto elapsed = Clock::now() - t0;
  note("elapsed_s", std::to_string(seconds(elapsed)));
  note("runner_cpu_s", std::to_string(seconds(cpu)));
  ASSERT_TRUE(e);
  note("what", e->what());
  // The answer was read and judged, not cut by the timeout.
  EXPECT_THAT(e->what(), Not(HasSubstr("did not answer")));
  // The fake answers at once; what the runner then spends on the answer is bounded. The CPU
  // time is the deterministic measure; the wall clock only guards against a hang (it grows
  // with the load of the machine). Under a sanitizer the same work costs up to 40 times more
  // (TSan: 12.5 s of CPU for the 50 MB line, 0.3 s without).
#ifdef AZCOPY_RUNNER_SANITIZED
  constexpr auto kCpuBound = 60s;
  constexpr auto kWallBound = 100s;
#else
  constexpr auto kCpuBound = 10s;
  constexpr auto kWallBound = 30s;
#endif
  EXPECT_LT(cpu, kCpuBound);
  EXPECT_LT(elapsed, kWallBound);
  EXPECT_LE(e->excerpt().size(), kMaxExcerptBytes);
  EXPECT_EQ(e->job_id(), id);
  expect_no_process_left();
}

INSTANTIATE_TEST_SUITE_P(Modes, FakeAzCopyUnparsable,
                         ::testing::Values("garbage", "unknown-types", "huge-line"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST_F(FakeAzCopy, SummaryAfterTenMegabytesOfJunkIsFound) {
  set_mode("huge-summary");
  const auto t0 = Clock::now();
  const AzCopyProgress p = runner().poll(random_job_id());
  note("elapsed_s", std::to_string(seconds(Clock::now() - t0)));
  EXPECT_EQ(p.state, AzCopyJobState::Running) << to_string(p.state) << " " << p.reason;
  EXPECT_EQ(p.raw_status, "InProgress");
  EXPECT_EQ(p.files_total, 60);
  EXPECT_EQ(p.bytes_expected, 60'000'000);
}

TEST_F(FakeAzCopy, InProgressFixtureIsRunning) {
  set_mode("inprogress");
  const AzCopyProgress p = runner().poll(random_job_id());
  EXPECT_EQ(p.state, AzCopyJobState::Running) << to_string(p.state) << " " << p.reason;
  EXPECT_EQ(p.files_total, 60);
}

TEST_F(FakeAzCopy, UnknownJobWithoutRecordIsJobNotFound) {
  set_mode("notfound");
  const std::string id = random_job_id();
  const auto e = expect_error<AzCopyJobNotFoundError>([&] { runner().poll(id); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr(id));
}

// A redeploy on an ephemeral filesystem: AzCopy's process, its plan and the runner's record
// are gone. The new runner's poll says so, where it looked and what to do.
TEST_F(FakeAzCopy, AfterARedeployThePollSaysNeitherRecordNorPlanIsHereAndWhatToDo) {
  set_mode("copy-run");
  config_.extra_env["FAKE_AZCOPY_SHOW_MODE"] = "notfound";  // as AzCopy says without the plan
  const AzCopyJobRef ref = start();
  ::kill(-static_cast<pid_t>(ref.pid), SIGKILL);  // its group: the fake and its `sleep`
  ASSERT_TRUE(wait_pid_gone(ref.pid));
  runner_.reset();  // the old container goes, and its files with it
  fs::remove_all(config_.work_dir);
  fs::remove_all(config_.log_dir);
  const auto e = expect_error<AzCopyJobNotFoundError>([&] { runner().poll(ref.job_id); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->job_id(), ref.job_id);
  EXPECT_THAT(e->what(),
              HasSubstr("on this host: the runner has no record of it and AzCopy no plan"));
  EXPECT_THAT(e->what(), HasSubstr("start the copy again"));
  EXPECT_THAT(e->what(), HasSubstr("records looked for in " + config_.log_dir));
  EXPECT_THAT(e->what(), HasSubstr("plans in " + config_.work_dir));
  expect_no_process_left();
}

/// The recorded output that the fake's summary modes print.
std::string completed_fixture() {
  return slurp(fs::path(kFake).parent_path().parent_path() / "data" / "azcopy-fixtures" /
               "10.32.2" / "jobs_show_json_completed_from_json.stdout");
}

TEST_F(FakeAzCopy, JobsShowIsStoppedOnceItHasPrintedTheSummary) {
  // The fake prints the summary line and then never exits: only a runner that stops reading
  // at the summary answers (a runner waiting for the exit would hit the command timeout).
  set_mode("summary-then-hang");
  const std::string id = random_job_id();
  const AzCopySummary s = runner().get_summary(id);
  const AzCopySummary whole = parse_summary(completed_fixture());
  ::azcopy_runner::testing::expect_same_figures(whole, s, "stopped at the summary");
  EXPECT_EQ(runner().poll(id).state, whole.state);
  expect_no_process_left();  // the shell and its `sleep` were killed as a group
}

TEST_F(FakeAzCopy, ASummaryLineThatDoesNotParseIsReadAgainToTheEnd) {
  set_mode("broken-summary-then-summary");
  const AzCopySummary s = runner().get_summary(random_job_id());
  const AzCopySummary whole = parse_summary(completed_fixture());
  ::azcopy_runner::testing::expect_same_figures(whole, s, "read again to the end");
  // Stopped at the cut line, then asked once more and read to the end.
  const std::string calls = invocations();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), '\n'), 3) << calls;  // --version + 2 shows
  expect_no_process_left();
}

// ----- the default launcher's stop_after_line ---------------------------------------------------

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

// ----- the executable ---------------------------------------------------------------------------

TEST_F(FakeAzCopy, MissingPathIsNotInstalledAndNamesThePath) {
  const std::string path = (dir_.path() / "no-such-dir" / "azcopy").string();
  config_.azcopy_path = path;
  const auto e = expect_error<AzCopyNotInstalledError>([&] { runner().azcopy_version(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr(path));
  // start_copy() and poll() check the executable first too.
  const auto s = expect_error<AzCopyNotInstalledError>([&] { start(); });
  ASSERT_TRUE(s);
  EXPECT_THAT(s->what(), HasSubstr(path));
  static_cast<void>(expect_error<AzCopyNotInstalledError>([&] { runner().poll(random_job_id()); }));
}

TEST_F(FakeAzCopy, FileWithoutExecuteBitIsNotInstalledAndNamesIt) {
  const fs::path path = dir_.path() / "azcopy";
  {
    std::ofstream out(path);
    out << "#!/bin/sh\necho 'azcopy version 10.32.2'\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  config_.azcopy_path = path.string();
  const auto e = expect_error<AzCopyNotInstalledError>([&] { runner().azcopy_version(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr(path.string()));
}

TEST_F(FakeAzCopy, DirectoryIsNotInstalledAndNamesIt) {
  const fs::path path = dir_.path() / "azcopy-dir";
  fs::create_directories(path);
  config_.azcopy_path = path.string();
  const auto e = expect_error<AzCopyNotInstalledError>([&] { runner().azcopy_version(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr(path.string()));
}

TEST_F(FakeAzCopy, ProgramThatIsNotAzCopyIsNotInstalled) {
  set_mode("not-azcopy");
  const auto e = expect_error<AzCopyNotInstalledError>([&] { runner().azcopy_version(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr(kFake));
  EXPECT_THAT(e->excerpt(), HasSubstr("hello"));
}

TEST_F(FakeAzCopy, BareNameNotOnPathIsNotInstalledAndNamesIt) {
  config_.azcopy_path = "azcopy-does-not-exist-xyz";
  const auto e = expect_error<AzCopyNotInstalledError>([&] { runner().azcopy_version(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr("azcopy-does-not-exist-xyz"));
}

TEST_F(FakeAzCopy, VersionOfTheFakeIsRead) { EXPECT_EQ(runner().azcopy_version(), "10.32.2"); }

// ----- start ------------------------------------------------------------------------------------

/// The runner's directory holds no `.starting-*` directory (a failed start leaves none).
void expect_no_staging_dir(const fs::path& log_dir) {
  for (const auto& entry : fs::directory_iterator(log_dir)) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".starting-")) << entry.path();
  }
}

TEST_F(FakeAzCopy, CopyThatExitsBeforeInitIsStartErrorWithTheExcerpt) {
  set_mode("copy-exit");
  const std::string id = random_job_id();
  config_.extra_env["FAKE_AZCOPY_JOB_ID"] = id;
  const auto e = expect_error<AzCopyStartError>([&] { start(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->excerpt(), HasSubstr("error parsing the input given by the user"));
  EXPECT_THAT(e->what(), HasSubstr("exit code 1"));
  EXPECT_THAT(e->excerpt(), Not(HasSubstr("SECRET")));
  // AzCopy's own log of that start (the fake opens <work>/<id>.log as AzCopy does): its id and
  // its end are in the error.
  EXPECT_EQ(e->job_id(), id);
  EXPECT_THAT(e->what(), HasSubstr(id));
  EXPECT_THAT(e->excerpt(), HasSubstr("ERROR CODE: InvalidFlag"));
  EXPECT_THAT(e->what(), HasSubstr("its last error: 2026/12/05 01:57:32 ERROR CODE: InvalidFlag"));
  EXPECT_LE(e->excerpt().size(), kMaxExcerptBytes);
  expect_no_staging_dir(config_.log_dir);
  expect_no_process_left();
}

TEST_F(FakeAzCopy, CopyWithoutJobIdIsJobIdNotFoundAndLeavesNoProcess) {
  set_mode("copy-no-jobid");
  config_.start_timeout = 1s;
  const auto t0 = Clock::now();
  const auto e = expect_error<AzCopyJobIdNotFoundError>([&] { start(); });
  const auto elapsed = Clock::now() - t0;
  note("elapsed_s", std::to_string(seconds(elapsed)));
  ASSERT_TRUE(e);
  EXPECT_THAT(e->excerpt(), HasSubstr("Scanning"));
  EXPECT_GE(elapsed, 1s - 50ms);
  EXPECT_LT(elapsed, 5s);
  expect_no_process_left();  // the shell *and* its `sleep` child
}

TEST_F(FakeAzCopy, CopyWithoutJobIdSaysWhyFromAzCopysOwnLogAndLeavesNoStagingDir) {
  set_mode("copy-no-jobid");  // as AzCopy 10.32 retrying a closed port before its Init
  const std::string id = random_job_id();
  config_.extra_env["FAKE_AZCOPY_JOB_ID"] = id;
  config_.start_timeout = 1s;
  const auto e = expect_error<AzCopyJobIdNotFoundError>([&] { start(); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->job_id(), id);  // the id AzCopy had chosen, from the log it held open
  EXPECT_THAT(e->what(), HasSubstr("AzCopy had chosen job id " + id));
  EXPECT_THAT(e->what(), HasSubstr((fs::path(config_.work_dir) / (id + ".log")).string()));
  EXPECT_THAT(e->what(), HasSubstr("connect: connection refused"));
  EXPECT_THAT(e->excerpt(), HasSubstr("Scanning"));  // its stdout first
  EXPECT_THAT(e->excerpt(), HasSubstr("dial tcp 127.0.0.1:9: connect: connection refused"));
  EXPECT_LE(e->excerpt().size(), kMaxExcerptBytes);
  EXPECT_EQ(e->log_dir(), config_.log_dir);
  expect_no_staging_dir(config_.log_dir);
  expect_no_process_left();
}

// ----- cancel -----------------------------------------------------------------------------------

TEST_F(FakeAzCopy, CancelOfJobIgnoringSignalsKillsItWithinTheGrace) {
  set_mode("copy-ignore-signals");
  config_.extra_env["FAKE_AZCOPY_SHOW_MODE"] = "notfound";  // as after a kill during scanning
  const AzCopyJobRef ref = start();
  ASSERT_TRUE(is_valid_job_id(ref.job_id));
  ASSERT_GT(ref.pid, 0);
  ASSERT_TRUE(proc_stat(ref.pid)) << "the job's process is not running";

  const auto t0 = Clock::now();
  const AzCopyProgress p = runner().cancel(ref.job_id, 1s);
  const auto elapsed = Clock::now() - t0;
  note("elapsed_s", std::to_string(seconds(elapsed)));
  note("state", std::string(to_string(p.state)));
  note("raw_status", p.raw_status);
  note("reason", p.reason);
  note("azcopy_invocations", invocations());

  EXPECT_LT(elapsed, 1s + 4s);
  EXPECT_NE(p.state, AzCopyJobState::Running);
  EXPECT_TRUE(wait_pid_gone(ref.pid)) << "pid " << ref.pid << " still exists (state "
                                      << proc_stat(ref.pid).value_or(Stat{}).state << ")";
  expect_no_process_left();  // the shell *and* its `sleep` child
}

// ----- the child's stdin, descriptors and session
// -------------------------------------------------

TEST_F(FakeAzCopy, CopyHasAnOpenIdleStdinNoLeakedDescriptorAndItsOwnSession) {
  set_mode("copy-check-stdin");
  const fs::path report = dir_.path() / "report";
  config_.extra_env["FAKE_AZCOPY_REPORT"] = report.string();
  // A descriptor of the test process without O_CLOEXEC: it must not reach the child.
  const fs::path sentinel = dir_.path() / ("sentinel-" + marker_);
  const int fd = ::open(sentinel.c_str(), O_RDWR | O_CREAT, 0600);  // NOLINT: no O_CLOEXEC
  ASSERT_GE(fd, 0);

  const AzCopyJobRef ref = start();
  const auto stat = proc_stat(ref.pid);
  ASSERT_TRUE(stat) << "the job's process is gone already";
  EXPECT_EQ(stat->session, ref.pid) << "not a session leader";
  EXPECT_EQ(stat->pgrp, ref.pid) << "not a process group leader";

  // The fake waits 2 s for a line on stdin, then reports.
  const auto deadline = Clock::now() + 8s;
  while (!fs::exists(report) && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ::close(fd);
  ASSERT_TRUE(fs::exists(report)) << "the fake wrote no report";
  EXPECT_EQ(slurp(report), "open\n") << "stdin reached EOF or received data";

  const std::string fds = slurp(fs::path(report.string() + ".fds"));
  note("child_fds", fds);
  std::set<int> numbers;
  std::map<int, std::string> targets;
  std::istringstream lines(fds);
  for (std::string line; std::getline(lines, line);) {
    const auto arrow = line.find(" -> ");
    if (arrow == std::string::npos) {
      continue;  // "total 0"
    }
    const auto space = line.rfind(' ', arrow - 1);
    const int n = std::stoi(line.substr(space + 1, arrow - space - 1));
    numbers.insert(n);
    targets[n] = line.substr(arrow + 4);
  }
  const std::set<int> with_script{0, 1, 2, 255};
  const std::set<int> without_script{0, 1, 2};
  EXPECT_TRUE(numbers == with_script || numbers == without_script) << fds;
  EXPECT_THAT(targets[0], HasSubstr("stdin.fifo"));
  EXPECT_THAT(targets[1], HasSubstr("stdout.log"));
  EXPECT_THAT(targets[2], HasSubstr("stderr.log"));
  EXPECT_THAT(fds, Not(HasSubstr(sentinel.string())));
  EXPECT_TRUE(wait_pid_gone(ref.pid, 3s));
  expect_no_process_left();
}

// ----- a recycled pid ------------------------------------------------------------------------

// A new job whose AzCopy gets the pid of an earlier job of the same runner, finished and
// reaped, is not taken for that job: its start succeeds and its poll says RUNNING (a launcher
// that kept exits by bare pid saw the new child as exited at once). The pid is reused on
// purpose: the test runs itself again as the first process of a private PID namespace
// (unshare), where writing /proc/sys/kernel/ns_last_pid chooses the next pid.
TEST_F(FakeAzCopy, ANewJobOnTheRecycledPidOfAFinishedJobStartsAndPollsRunning) {
  const std::string name = "FakeAzCopy.ANewJobOnTheRecycledPidOfAFinishedJobStartsAndPollsRunning";
  if (std::getenv("AZCOPY_RUNNER_TEST_IN_PID_NS") == nullptr) {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "a private PID namespace needs root (the test command runs as root)";
    }
    const fs::path self = fs::read_symlink("/proc/self/exe");
    const fs::path out = dir_.path() / "in-namespace.out";
    std::string command =
        "env -u GTEST_OUTPUT AZCOPY_RUNNER_TEST_IN_PID_NS=1 unshare --pid --fork --mount-proc '";
    command.append(self.string()).append("' --gtest_filter=").append(name);
    command.append(" >'").append(out.string()).append("' 2>&1");
    const int rc = std::system(command.c_str());  // NOLINT(cert-env33-c): a fixed command
    const std::string output = slurp(out);
    EXPECT_EQ(rc, 0) << output;
    EXPECT_THAT(output, HasSubstr("[  PASSED  ] 1 test.")) << output;
    return;
  }
  // In the namespace: this process is pid 1 and the only other processes are the runner's.
  const fs::path mode_file = dir_.path() / "copy-mode";
  config_.extra_env["FAKE_AZCOPY_COPY_MODE_FILE"] = mode_file.string();
  config_.extra_env["FAKE_AZCOPY_SHOW_MODE"] = "inprogress";
  std::ofstream(mode_file) << "copy-init-exit\n";
  const AzCopyJobRef first = start();
  ASSERT_TRUE(wait_pid_gone(first.pid, 5s)) << "the first job's AzCopy was not reaped";
  // Start times count 10 ms clock ticks: the second process starts in a later one.
  std::this_thread::sleep_for(30ms);
  std::ofstream(mode_file, std::ios::trunc) << "copy-run\n";
  {
    std::ofstream last_pid("/proc/sys/kernel/ns_last_pid");
    last_pid << first.pid - 1;
    last_pid.close();
    ASSERT_TRUE(last_pid) << "cannot write /proc/sys/kernel/ns_last_pid";
  }
  std::optional<AzCopyJobRef> second;
  try {
    second = start();
  } catch (const AzCopyError& e) {
    FAIL() << e.type_name() << ": " << e.what() << "\nexcerpt: " << e.excerpt();
  }
  ASSERT_EQ(second->pid, first.pid) << "the premise: the second AzCopy got the first one's pid";
  ASSERT_NE(second->job_id, first.job_id);
  const AzCopyProgress p = runner().poll(second->job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Running) << p.reason;
  EXPECT_TRUE(proc_stat(second->pid)) << "the second job's AzCopy is gone";
}

// ----- removing jobs and pruning old ones ----------------------------------------------------

/// Files shaped as AzCopy names a job's plan and logs, in @p work_dir (its plan and log
/// location): what `azcopy jobs rm` removes.
std::vector<fs::path> make_azcopy_files(const fs::path& work_dir, const std::string& id) {
  std::vector<fs::path> files{work_dir / (id + "--00000.steV18"), work_dir / (id + ".log"),
                              work_dir / (id + "-scanning.log")};
  fs::create_directories(work_dir);
  for (const auto& f : files) {
    std::ofstream(f) << "x";
  }
  return files;
}

/// Sets the modification time of @p path @p age into the past.
void age_by(const fs::path& path, std::chrono::seconds age) {
  const auto when = std::chrono::system_clock::now() - age;
  const std::array<timespec, 2> times{timespec{std::chrono::system_clock::to_time_t(when), 0},
                                      timespec{std::chrono::system_clock::to_time_t(when), 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times.data(), AT_SYMLINK_NOFOLLOW), 0) << path;
}

TEST_F(FakeAzCopy, RemoveRefusesARunningJobAndOnceItEndedRemovesItsFilesAndAzCopysOnly) {
  set_mode("copy-run");
  config_.extra_env["FAKE_AZCOPY_SHOW_MODE"] = "notfound";
  const AzCopyJobRef ref = start();
  const auto own = make_azcopy_files(config_.work_dir, ref.job_id);
  const auto other = make_azcopy_files(config_.work_dir, random_job_id());

  std::optional<AzCopyNotFinishedError> refused;
  try {
    runner().remove_job(ref.job_id);
  } catch (const AzCopyNotFinishedError& e) {
    refused = e;
  }
  ASSERT_TRUE(refused) << "a running job was removed (or another error was thrown)";
  EXPECT_THAT(refused->what(), HasSubstr("still running (pid " + std::to_string(ref.pid)));
  EXPECT_EQ(refused->job_id(), ref.job_id);
  EXPECT_TRUE(fs::exists(ref.log_dir));
  for (const auto& f : own) {
    EXPECT_TRUE(fs::exists(f)) << f;
  }
  EXPECT_TRUE(proc_stat(ref.pid)) << "a refused remove must leave the job running";

  runner().cancel(ref.job_id, 1s);
  runner().remove_job(ref.job_id);
  EXPECT_FALSE(fs::exists(ref.log_dir));
  for (const auto& f : own) {
    EXPECT_FALSE(fs::exists(f)) << f;
  }
  for (const auto& f : other) {
    EXPECT_TRUE(fs::exists(f)) << "another job's file was removed: " << f;
  }
  const auto gone = expect_error<AzCopyJobNotFoundError>([&] { runner().poll(ref.job_id); });
  ASSERT_TRUE(gone);
  const auto again = expect_error<AzCopyJobNotFoundError>([&] { runner().remove_job(ref.job_id); });
  ASSERT_TRUE(again);
  EXPECT_THAT(again->what(), HasSubstr("no job " + ref.job_id + " to remove"));
  expect_no_process_left();
}

TEST_F(FakeAzCopy, PruneRemovesJobsEndedBeforeTheAgeKeepsARunningOneAndAbandonedStartsGo) {
  const fs::path mode_file = dir_.path() / "copy-mode";
  config_.extra_env["FAKE_AZCOPY_COPY_MODE_FILE"] = mode_file.string();
  config_.extra_env["FAKE_AZCOPY_SHOW_MODE"] = "notfound";
  std::ofstream(mode_file) << "copy-init-exit\n";
  const AzCopyJobRef a = start();
  const AzCopyJobRef b = start();
  std::ofstream(mode_file, std::ios::trunc) << "copy-run\n";
  const AzCopyJobRef running = start();
  ASSERT_TRUE(wait_pid_gone(a.pid, 5s));
  ASSERT_TRUE(wait_pid_gone(b.pid, 5s));
  const auto a_files = make_azcopy_files(config_.work_dir, a.job_id);
  const fs::path root = config_.log_dir;
  const fs::path old_start = root / ".starting-0123456789abcdef";
  const fs::path new_start = root / ".starting-fedcba9876543210";
  const fs::path old_scratch = root / ".azcopy-runner-jobs-show-0123456789abcdef.json";
  fs::create_directory(old_start);
  fs::create_directory(new_start);
  std::ofstream(old_scratch) << "{}";
  age_by(old_start, 2h);  // beyond the start timeout (10 s) plus a minute
  age_by(old_scratch, 2h);

  // Ended seconds ago: an hour keeps them (their ends are observed and recorded meanwhile).
  const PruneResult none = runner().prune(1h);
  EXPECT_TRUE(none.removed_jobs.empty());
  EXPECT_EQ(none.removed_paths,
            (std::vector<std::string>{old_scratch.string(), old_start.string()}));
  EXPECT_TRUE(fs::exists(new_start)) << "a start that may be under way was removed";
  EXPECT_TRUE(runner().get_summary(a.job_id).state == AzCopyJobState::Failed)
      << "the end of a job whose process is gone is recorded";

  std::vector<std::string> ended{a.job_id, b.job_id};
  std::sort(ended.begin(), ended.end());
  const PruneResult all = runner().prune(0s);
  EXPECT_EQ(all.removed_jobs, ended);
  EXPECT_TRUE(all.removed_paths.empty());
  EXPECT_FALSE(fs::exists(a.log_dir));
  EXPECT_FALSE(fs::exists(b.log_dir));
  for (const auto& f : a_files) {
    EXPECT_FALSE(fs::exists(f)) << f;
  }
  EXPECT_TRUE(fs::exists(running.log_dir));
  EXPECT_FALSE(is_terminal(runner().poll(running.job_id).state));
  EXPECT_TRUE(proc_stat(running.pid));
  EXPECT_TRUE(expect_error<AzCopyJobNotFoundError>([&] { runner().poll(a.job_id); }));
  EXPECT_THROW((void)runner().prune(-1s), std::invalid_argument);
}

// ----- the command-line tool's wait: Ctrl-C stops it through WaitOptions::stop ---------------

#ifdef AZCOPY_RUNNER_CLI
// `azcopy-runner copy --wait` waits through the library's wait(); a Ctrl-C stops that wait
// (a stop_token) well before its 30 s interval: exit 130, the message says the job keeps
// running, and AzCopy (the fake, in its own session) does keep running.
TEST_F(FakeAzCopy, CtrlCStopsTheCliWaitAndTheJobKeepsRunning) {
  const fs::path out = dir_.path() / "cli.stdout";
  const fs::path err = dir_.path() / "cli.stderr";
  // Everything the child needs is made before fork(): after it, only async-signal-safe calls.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    env.emplace_back(*e);
  }
  for (const auto& [key, value] :
       std::map<std::string, std::string>{{"AZCOPY_PATH", kFake},
                                          {"AZCOPY_WORK_DIR", config_.work_dir},
                                          {"AZCOPY_LOG_DIR", config_.log_dir},
                                          {"FAKE_AZCOPY_MODE", "copy-run"},
                                          {"FAKE_AZCOPY_SHOW_MODE", "inprogress"},
                                          {"FAKE_AZCOPY_MARKER", marker_}}) {
    env.push_back(std::string(key).append("=").append(value));
  }
  std::vector<std::string> args{AZCOPY_RUNNER_CLI,
                                "copy",
                                dir_.path().string(),
                                "https://example.invalid/c?sv=2019-12-12&sig=SECRET",
                                "--wait",
                                "--interval",
                                "30"};
  std::vector<char*> envp;
  std::vector<char*> argv;
  envp.reserve(env.size() + 1);
  argv.reserve(args.size() + 1);
  for (auto& e : env) {
    envp.push_back(e.data());
  }
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  envp.push_back(nullptr);
  argv.push_back(nullptr);
  const pid_t cli = ::fork();
  ASSERT_GE(cli, 0);
  if (cli == 0) {
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  // Until the CLI shows the job's progress: it is waiting then.
  const auto deadline = Clock::now() + 20s;
  while (slurp(out).find("RUNNING") == std::string::npos && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_NE(slurp(out).find("RUNNING"), std::string::npos) << slurp(out) << slurp(err);
  ASSERT_EQ(::kill(cli, SIGINT), 0);
  int status = 0;
  pid_t reaped = 0;
  const auto give_up = Clock::now() + 10s;  // far below the 30 s interval
  while ((reaped = ::waitpid(cli, &status, WNOHANG)) == 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(10ms);
  }
  if (reaped == 0) {
    ::kill(cli, SIGKILL);
    ::waitpid(cli, &status, 0);
    FAIL() << "the CLI kept waiting after Ctrl-C";
  }
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 130) << slurp(err);
  EXPECT_THAT(slurp(err), HasSubstr("keeps running"));
  EXPECT_THAT(slurp(err) + slurp(out), Not(HasSubstr("SECRET")));
  EXPECT_FALSE(marked_processes(marker_).empty()) << "the AzCopy job must outlive the wait";
}
#endif

}  // namespace
}  // namespace azcopy_runner::integration
