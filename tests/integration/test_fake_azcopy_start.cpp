// SPDX-License-Identifier: MIT
// start_copy with the fake: an exit before the job id, no job id at all; the child's stdin,
// descriptors and session; a new job on the recycled pid of a finished one.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "fake_azcopy_harness.hpp"
#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

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
TEST_F(FakeAzCopy, ANewJobOnTheRecycledPidOfAFinishedJobStartsAndPollsAlive) {
  const std::string name = "FakeAzCopy.ANewJobOnTheRecycledPidOfAFinishedJobStartsAndPollsAlive";
  if (std::getenv("AZCOPY_RUNNER_TEST_IN_PID_NS") == nullptr) {  // NOLINT(concurrency-mt-unsafe)
    if (::geteuid() != 0) {
      GTEST_SKIP() << "a private PID namespace needs root (the test command runs as root)";
    }
    const fs::path self = fs::read_symlink("/proc/self/exe");
    const fs::path out = dir_.path() / "in-namespace.out";
    std::string command =
        "env -u GTEST_OUTPUT AZCOPY_RUNNER_TEST_IN_PID_NS=1 unshare --pid --fork --mount-proc '";
    command.append(self.string()).append("' --gtest_filter=").append(name);
    command.append(" >'").append(out.string()).append("' 2>&1");
    // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): a fixed command, one thread
    const int rc = std::system(command.c_str());
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
  // Seen alive: pending (the fake prints no Progress), not failed as a gone process would be.
  EXPECT_EQ(p.state, AzCopyJobState::Pending) << p.reason;
  EXPECT_TRUE(proc_stat(second->pid)) << "the second job's AzCopy is gone";
}

}  // namespace
}  // namespace azcopy_runner::integration
