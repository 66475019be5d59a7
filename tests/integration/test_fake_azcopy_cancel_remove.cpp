// SPDX-License-Identifier: MIT
// Ending jobs with the fake: cancel of a job that ignores signals, remove_job, and prune of
// the jobs ended before an age.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_azcopy_harness.hpp"
#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

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

}  // namespace
}  // namespace azcopy_runner::integration
