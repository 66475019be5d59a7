// SPDX-License-Identifier: MIT
// `azcopy jobs show` that hangs, panics, prints garbage or megabytes before its summary, or
// does not know the job; the runner stops reading once the summary is printed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <string>

#include "fake_azcopy_harness.hpp"
#include "harness.hpp"
#include "support/expect_same.hpp"

namespace azcopy_runner::integration {
namespace {

/// CPU time used by this process so far (all threads): unlike the wall clock, it does not grow
/// when other processes load the machine.
std::chrono::nanoseconds process_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

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
  set_mode(GetParam());
  // Writing the 50 MB line takes the fake itself seconds on a loaded machine (tests run side
  // by side): the command timeout is the wall bound, so that only a hang reaches it.
  config_.command_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(kWallBound);
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

}  // namespace
}  // namespace azcopy_runner::integration
