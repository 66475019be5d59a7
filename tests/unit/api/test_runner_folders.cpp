// SPDX-License-Identifier: MIT
// What `jobs show` does not say, in the summary all the same: the folders it does not count
// and AzCopy's empty-folders notice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "parse/output_parser.hpp"
#include "runner_fixture.hpp"

namespace azcopy_runner {
namespace {

using namespace runner_testing;  // NOLINT(google-build-using-namespace): the shared names

TEST_F(RunnerTest, FoldersThatJobsShowDoesNotCountAreTakenFromTheJobsOwnOutput) {
  // A LocalFile rerun (tests/data/azcopy-folders): `jobs show` says FoldersCompleted,
  // FoldersSkipped 0 although the 4 folders were skipped; the copy's own EndOfJob counted them.
  const std::string own = testing::folder_fixture(kV, "copy_json_localfile_rerun.stdout");
  expect_spawn(own);
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(testing::folder_fixture(kV, "jobs_show_json_localfile_rerun.stdout"));
  const AzCopySummary s = r.get_summary(ref.job_id);
  EXPECT_EQ(s.raw_status, "CompletedWithSkipped");
  EXPECT_EQ(s.files_transferred, detail::parse_output(own).summary->files_transferred);
  EXPECT_EQ(s.files_transferred, 2);  // 10.32.2 copied the 2 files again (README.md)
  for (const auto& m : s.messages) {
    EXPECT_THAT(m, Not(HasSubstr("may count")));
  }
}

TEST_F(RunnerTest, FoldersThatNobodyCountedAreSaidInTheMessages) {
  expect_spawn(testing::folder_fixture(kV, "copy_json_localfile_rerun.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  fs::remove(fs::path(ref.log_dir) / "stdout.log");  // the job's own output is lost
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(testing::folder_fixture(kV, "jobs_show_json_localfile_rerun.stdout"));
  const AzCopySummary s = r.get_summary(ref.job_id);
  EXPECT_THAT(s.messages, ::testing::Contains(HasSubstr("may count up to 4 folders")));
}

TEST_F(RunnerTest, TheEmptyFoldersNoticeOfTheStartIsInTheSummaryThoughJobsShowLacksIt) {
  expect_spawn(fixture(kV, "copy_json_completed.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  // Only the record keeps it now: the output files may be gone (a cleaned log directory).
  fs::remove(fs::path(ref.log_dir) / "stdout.log");
  EXPECT_THAT(slurp(fs::path(ref.log_dir) / "record.json"), HasSubstr("empty folders"));
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(fixture(kV, "jobs_show_json_completed_from_json.stdout"));
  const AzCopySummary s = r.get_summary(ref.job_id);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_TRUE(s.empty_folders_not_processed);
  ASSERT_FALSE(s.messages.empty());
  EXPECT_THAT(s.messages.front(), HasSubstr("Any empty folders will not be processed"));
  // Served again from the record, by another runner.
  EXPECT_TRUE(AzCopyRunner(config_, launcher_).get_summary(ref.job_id).empty_folders_not_processed);
}

TEST_F(RunnerTest, AJobWithFoldersOnBothSidesHasNoEmptyFoldersNotice) {
  expect_spawn(testing::folder_fixture(kV, "copy_json_localfile_completed.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(testing::folder_fixture(kV, "jobs_show_json_localfile_completed.stdout"));
  const AzCopySummary s = r.get_summary(ref.job_id);
  EXPECT_FALSE(s.empty_folders_not_processed);
  EXPECT_EQ(s.files_transferred, 2);
}

}  // namespace
}  // namespace azcopy_runner
