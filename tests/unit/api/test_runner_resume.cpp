// SPDX-License-Identifier: MIT
// resume of a killed job: `azcopy jobs resume`, its new process in the job's record, and a
// resume that exits at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "runner_fixture.hpp"
#include "store/record.hpp"

namespace azcopy_runner {
namespace {

using namespace runner_testing;  // NOLINT(google-build-using-namespace): the shared names

/// A job started from the recorded killed copy, its process gone: FAILED and resumable.
AzCopyJobRef killed_job(AzCopyRunner& r, ::testing::NiceMock<MockLauncher>& launcher) {
  AzCopyJobRef ref = r.start_copy("big", "dst", CopyOptions{});
  EXPECT_CALL(launcher, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  return ref;
}

TEST_F(RunnerTest, AResumeRunsJobsResumeOfTheJobAndRecordsItsNewProcess) {
  expect_spawn(fixture(kV, "copy_json_killed.stdout"));
  auto r = runner();
  const AzCopyJobRef ref = killed_job(r, *launcher_);
  expect_jobs_show(fixture(kV, "jobs_show_json_killed.stdout"));
  ASSERT_TRUE(r.poll(ref.job_id).resumable);

  expect_spawn(fixture(kV, "jobs_resume_text_killed.stdout"), 4343);
  const AzCopyJobRef resumed = r.resume(ref.job_id, "", "?" + kSas);
  EXPECT_EQ(resumed.job_id, ref.job_id);
  EXPECT_EQ(resumed.pid, 4343);
  const std::vector<std::string>& args = last_spawn_.process.args;
  ASSERT_GE(args.size(), 3U);
  EXPECT_EQ(args[0], "jobs");
  EXPECT_EQ(args[1], "resume");
  EXPECT_EQ(args[2], ref.job_id);
  EXPECT_THAT(args, ::testing::Contains("--destination-sas=" + kSas)) << "without its '?'";
  EXPECT_THAT(args, ::testing::Contains("--output-type=json"));
  // The resumed process starts in a staging directory, then its output moves to resume-1/,
  // next to the job's record.
  EXPECT_TRUE(fs::path(last_spawn_.stdout_path)
                  .parent_path()
                  .filename()
                  .string()
                  .starts_with(".starting-"));
  const auto record = detail::load_record(config_.log_dir, ref.job_id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->kind, detail::ProcessKind::Resume);
  EXPECT_EQ(record->resumes, 1);
  EXPECT_EQ(record->process.pid, 4343);
  EXPECT_EQ(fs::path(record->output_dir()).filename(), "resume-1");
  ASSERT_TRUE(record->copy) << "what the copy was asked to do is kept";
  EXPECT_EQ(record->copy->source, "big");
  EXPECT_TRUE(record->stdout_is_json());
  EXPECT_THAT(slurp(fs::path(ref.log_dir) / "record.json"), Not(HasSubstr(kSigValue)));
}

// A resumed job that has printed no progress yet is not taken as a scan (as a copy's is): its
// plan already holds the job's figures, so the poll asks `jobs show`.
TEST_F(RunnerTest, APollOfAResumeWithoutProgressYetAsksJobsShow) {
  expect_spawn(fixture(kV, "copy_json_killed.stdout"));
  auto r = runner();
  const AzCopyJobRef ref = killed_job(r, *launcher_);
  // The resumed AzCopy, alive, has printed its Init and no progress yet.
  expect_spawn(until_init(fixture(kV, "copy_json_killed.stdout")), 4343);
  static_cast<void>(r.resume(ref.job_id, "", "?" + kSas));
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))));
  const AzCopyProgress p = r.poll(ref.job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Running);
  EXPECT_EQ(p.raw_status, "InProgress");
}

TEST_F(RunnerTest, AResumeThatExitsAtOnceNamesTheJobNotAnUnknownId) {
  expect_spawn(fixture(kV, "copy_json_killed.stdout"));
  auto r = runner();
  const AzCopyJobRef ref = killed_job(r, *launcher_);
  expect_spawn("failed to perform resume command due to error: cannot resume job\n", 4343);
  EXPECT_CALL(*launcher_, try_reap(Field(&ProcessIdentity::pid, 4343)))
      .WillRepeatedly(Return(ExitStatus{1, 0}));
  try {
    static_cast<void>(r.resume(ref.job_id, "", ""));
    FAIL() << "no error";
  } catch (const AzCopyStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr("azcopy jobs resume " + ref.job_id +
                                    " exited (exit code 1) without resuming the job"));
    EXPECT_THAT(e.what(), Not(HasSubstr("before printing a job id")));
    EXPECT_EQ(e.job_id(), ref.job_id);
    EXPECT_THAT(e.excerpt(), HasSubstr("cannot resume job"));
  }
  // The job's record is as it was: a later resume can still be tried.
  const auto record = detail::load_record(config_.log_dir, ref.job_id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->kind, detail::ProcessKind::Copy);
  EXPECT_EQ(record->resumes, 0);
}

}  // namespace
}  // namespace azcopy_runner
