// SPDX-License-Identifier: MIT
// poll through `azcopy jobs show`: the ids it refuses, the states it maps, a job AzCopy does
// not know, a `jobs show` that crashes, hangs or prints garbage, a job whose process is gone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "runner_fixture.hpp"

namespace azcopy_runner {
namespace {

using namespace runner_testing;  // NOLINT(google-build-using-namespace): the shared names

TEST_F(RunnerTest, PollRefusesIdsThatAreNotUuidsBeforeRunningAnything) {
  auto strict = std::make_shared<StrictMock<MockLauncher>>();
  AzCopyRunner r(config_, strict);
  const std::string long_id(std::size_t{10} * 1024, 'a');
  for (const std::string& id : {std::string("../x"), std::string("--help"), std::string(), long_id,
                                std::string("7b0a9c2e-1111-4222-8333-44445555666")}) {
    EXPECT_THROW(r.poll(id), AzCopyJobNotFoundError) << id.substr(0, 20);
    EXPECT_THROW(r.get_summary(id), AzCopyJobNotFoundError);
  }
}

TEST_F(RunnerTest, PollRunsJobsShowWithoutWritingALog) {
  const std::string id = manifest_case(kV, "copy_json_completed")["job_id"];
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Invoke([&](const ProcessSpec& spec, auto, auto) {
        EXPECT_EQ(spec.args,
                  (std::vector<std::string>{"jobs", "show", id, "--output-type=json",
                                            "--log-level=NONE", "--skip-version-check"}));
        EXPECT_EQ(spec.env.at("AZCOPY_JOB_PLAN_LOCATION"), config_.work_dir);
        return exited_with(0, fixture(kV, "jobs_show_json_completed_from_json.stdout"));
      }));
  const AzCopyProgress p = runner().poll(id);
  EXPECT_EQ(p.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(p.raw_status, "Completed");
  EXPECT_EQ(p.files_transferred, 4);
  EXPECT_EQ(p.bytes_transferred, 600003);
}

TEST_F(RunnerTest, PollOfAnUnknownJobIsNotFound) {
  expect_jobs_show(fixture(kV, "jobs_show_json_notfound.stdout"), 1);
  try {
    runner().poll("7b0a9c2e-1111-4222-8333-444455556666");
    FAIL() << "no error";
  } catch (const AzCopyJobNotFoundError& e) {
    EXPECT_EQ(e.job_id(), "7b0a9c2e-1111-4222-8333-444455556666");
    EXPECT_THAT(e.excerpt(), HasSubstr("no job with JobId"));
  }
}

struct StateCase {
  std::string fixture_name;
  AzCopyJobState state;
};

void PrintTo(const StateCase& c, std::ostream* os) { *os << c.fixture_name; }

class PollMapsStates : public RunnerTest, public ::testing::WithParamInterface<StateCase> {};

TEST_P(PollMapsStates, FromJobsShow) {
  expect_jobs_show(fixture(kV, GetParam().fixture_name));
  EXPECT_EQ(runner().poll("7b0a9c2e-1111-4222-8333-444455556666").state, GetParam().state);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, PollMapsStates,
    ::testing::Values(
        StateCase{"jobs_show_json_completed_from_json.stdout", AzCopyJobState::Succeeded},
        StateCase{"jobs_show_json_skipped_from_json.stdout", AzCopyJobState::Succeeded},
        StateCase{"jobs_show_json_errors_from_json.stdout", AzCopyJobState::Failed},
        StateCase{"jobs_show_json_errors_and_skipped_from_json.stdout", AzCopyJobState::Failed},
        StateCase{"jobs_show_json_failed_from_json.stdout", AzCopyJobState::Failed},
        StateCase{"jobs_show_json_cancelled_from_json.stdout", AzCopyJobState::Canceled},
        StateCase{"jobs_show_json_inprogress.stdout", AzCopyJobState::Running}));

// A job known only to AzCopy (the runner's records lost with a redeploy, or another runner's
// job): a FAILED one still says why, from the failed files' codes and the job's log if present.
TEST_F(RunnerTest, AFailedJobWithoutARecordSaysWhyFromItsCodes) {
  const std::string id = manifest_case(kV, "copy_json_errors")["job_id"];
  expect_jobs_show(fixture(kV, "jobs_show_json_errors_from_json.stdout"));
  const AzCopySummary s = runner().get_summary(id);
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  EXPECT_EQ(s.failure_reason, "1 transfer(s) failed (error 412); " +
                                  (fs::path(config_.work_dir) / (id + ".log")).string() +
                                  " could not be read for the reason");
}

TEST_F(RunnerTest, PollIsPendingWhileTheRecordKnowsTheJobAndAzCopyDoesNot) {
  config_.poll_from_output = false;  // the poll asks `jobs show`, which does not know the job
  expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  expect_jobs_show(fixture(kV, "jobs_show_json_notfound.stdout"), 1);
  EXPECT_EQ(r.poll(ref.job_id).state, AzCopyJobState::Pending);
}

// Until AzCopy prints its first Progress (it is scanning the source), a poll of the job it runs
// on this host answers Pending from the job's own output: no `jobs show`, which would start one
// more AzCopy reading the plan files being written, at every poll. A resume is asked: its plan
// already holds the job's figures.
TEST_F(RunnerTest, PollOfACopyThatHasReportedNoProgressYetIsPendingWithoutJobsShow) {
  expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .Times(0);
  for (int i = 0; i < 3; ++i) {
    const AzCopyProgress p = r.poll(ref.job_id);
    EXPECT_EQ(p.state, AzCopyJobState::Pending);
    EXPECT_THAT(p.reason, HasSubstr("has not reported progress yet"));
    EXPECT_EQ(p.files_transferred, 0);
    EXPECT_EQ(p.raw_status, "");
  }
}

// `jobs show` reading the plan files that a running AzCopy is still writing can die of SIGBUS
// (seen in the first half second of a 20,000-file job); Go prints this and exits with 2.
constexpr const char* kGoFault =
    "unexpected fault address 0x7f2d5c3a1000\n"
    "fatal error: fault\n"
    "[signal SIGBUS: bus error code=0x2 addr=0x7f2d5c3a1000 pc=0x46c2f1]\n\n"
    "goroutine 1 [running]:\nruntime.throw({0x1c0a6d2?, 0x0?})\n";

TEST_F(RunnerTest, AJobsShowThatCrashesWhileTheJobRunsIsPendingNotAnError) {
  config_.poll_from_output = false;  // the poll asks `jobs show` while the job's AzCopy runs
  expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillRepeatedly(Return(exited_with(2, "", kGoFault)));
  const AzCopyProgress p = r.poll(ref.job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Pending);
  EXPECT_THAT(p.reason, HasSubstr("exit code 2"));
  EXPECT_THAT(p.reason, HasSubstr("unexpected fault address"));
  try {
    r.get_summary(ref.job_id);
    FAIL() << "no error";
  } catch (const AzCopyNotFinishedError& e) {
    EXPECT_EQ(e.partial_summary().state, AzCopyJobState::Pending);
  }
}

TEST_F(RunnerTest, AJobsShowThatCrashesAfterTheJobEndedIsAParseError) {
  expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillRepeatedly(Return(exited_with(2, "", kGoFault)));
  try {
    r.poll(ref.job_id);
    FAIL() << "no error";
  } catch (const AzCopyParseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("exit code 2"));
    EXPECT_THAT(e.excerpt(), HasSubstr("SIGBUS"));
    EXPECT_EQ(e.job_id(), ref.job_id);
  }
}

TEST_F(RunnerTest, AJobWhoseProcessExitedWithoutAPlanFailed) {
  expect_spawn(fixture(kV, "copy_json_scan_error.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("missing", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(fixture(kV, "jobs_show_json_notfound.stdout"), 1);
  const AzCopyProgress p = r.poll(ref.job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Failed);
  EXPECT_THAT(p.reason, HasSubstr("without leaving a job plan"));
  EXPECT_THAT(p.reason, HasSubstr("failed to scan path"));
  const AzCopySummary s = r.get_summary(ref.job_id);
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  EXPECT_EQ(s.files_transferred, 0);
}

TEST_F(RunnerTest, AKilledJobIsFailedAndResumableNotRunningForever) {
  expect_spawn(fixture(kV, "copy_json_killed.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("big", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(fixture(kV, "jobs_show_json_killed.stdout"));
  const AzCopyProgress p = r.poll(ref.job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Failed);
  EXPECT_EQ(p.raw_status, "InProgress");
  EXPECT_TRUE(p.resumable);
  EXPECT_THAT(p.reason, HasSubstr("is gone"));
}

TEST_F(RunnerTest, ALiveJobThatAzCopyReportsInProgressIsRunning) {
  expect_spawn(fixture(kV, "copy_json_killed.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("big", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  expect_jobs_show(fixture(kV, "jobs_show_json_inprogress.stdout"));
  EXPECT_EQ(r.poll(ref.job_id).state, AzCopyJobState::Running);
}

TEST_F(RunnerTest, JobsShowThatTimesOutIsAParseError) {
  RunResult timed_out;
  timed_out.timed_out = true;
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(timed_out));
  try {
    runner().poll("7b0a9c2e-1111-4222-8333-444455556666");
    FAIL() << "no error";
  } catch (const AzCopyParseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("did not answer"));
  }
}

TEST_F(RunnerTest, JobsShowGarbageOrAPanicIsAParseError) {
  expect_jobs_show("panic: runtime error: invalid memory address\n\ngoroutine 1 [running]:\n", 2);
  try {
    runner().poll("7b0a9c2e-1111-4222-8333-444455556666");
    FAIL() << "no error";
  } catch (const AzCopyParseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("exit code 2"));
    EXPECT_THAT(e.excerpt(), HasSubstr("panic"));
  }
}

}  // namespace
}  // namespace azcopy_runner
