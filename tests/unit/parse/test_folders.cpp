// SPDX-License-Identifier: MIT
// Folder counts: `azcopy jobs show` reports FoldersCompleted 0 whatever happened, so its
// TransfersCompleted - FoldersCompleted counts folders as files. Recorded outputs of jobs with
// folders (tests/data/azcopy-folders), checked against the copy's own EndOfJob.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "parse/output_parser.hpp"
#include "state/job_state.hpp"
#include "store/record.hpp"

namespace azcopy_runner {
namespace {

using testing::folder_fixture;

/// The figures of the copy's own EndOfJob, read here with nlohmann/json (not the library's
/// parser): files = TransfersCompleted - FoldersCompleted, as the copying process counted them.
struct OwnFigures {
  std::int64_t files = 0;
  std::int64_t folders = 0;  ///< FolderPropertyTransfers
  std::int64_t skipped = 0;
  std::string status;
};

OwnFigures own_figures(const std::string& copy_stdout) {
  std::istringstream lines(copy_stdout);
  for (std::string line; std::getline(lines, line);) {
    const auto message = nlohmann::json::parse(line, nullptr, false);
    if (message.is_discarded() || message.value("MessageType", "") != "EndOfJob") {
      continue;
    }
    const auto c = nlohmann::json::parse(message.at("MessageContent").get<std::string>());
    const auto n = [&c](const char* key) { return std::stoll(c.at(key).get<std::string>()); };
    return {n("TransfersCompleted") - n("FoldersCompleted"), n("FolderPropertyTransfers"),
            n("TransfersSkipped"), c.at("JobStatus").get<std::string>()};
  }
  ADD_FAILURE() << "no EndOfJob in the copy's output";
  return {};
}

/// "v10_32_2" for "10.32.2": a test name.
std::string version_name(const ::testing::TestParamInfo<std::string>& version) {
  std::string name = "v" + version.param;
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

class FolderCounts : public ::testing::TestWithParam<std::string> {
 protected:
  [[nodiscard]] std::string out(const std::string& name) const {
    return folder_fixture(GetParam(), name + ".stdout");
  }
};

INSTANTIATE_TEST_SUITE_P(Versions, FolderCounts, ::testing::Values("10.18.1", "10.32.2"),
                         version_name);

TEST_P(FolderCounts, TheCopysOwnSummaryCountsFilesWithoutFolders) {
  const OwnFigures own = own_figures(out("copy_json_localfile_completed"));
  EXPECT_EQ(own.folders, 4);
  const AzCopySummary s = parse_summary(out("copy_json_localfile_completed"));
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(s.files_transferred, own.files);
  EXPECT_EQ(s.files_transferred, 2);  // the recorded tree (README.md)
  EXPECT_EQ(s.files_total, 2) << "of the same unit as files_transferred: no folders";
  EXPECT_EQ(s.total_transfers, 2 + own.folders);
  EXPECT_EQ(s.bytes_transferred, 5);
  ASSERT_TRUE(s.directories);  // apart from the files
  EXPECT_EQ(s.directories->made, own.folders);
  EXPECT_EQ(s.directories->skipped, 0);
  EXPECT_EQ(s.directories->failed, 0);
}

TEST_P(FolderCounts, JobsShowOfAJobWhoseEveryTransferCompletedCountsEveryFolderDone) {
  const OwnFigures own = own_figures(out("copy_json_localfile_completed"));
  for (const char* name :
       {"jobs_show_json_localfile_completed", "jobs_show_text_localfile_completed"}) {
    const std::string output = out(name);
    const auto parsed = detail::parse_output(output);
    ASSERT_TRUE(parsed.summary) << name;
    EXPECT_EQ(parsed.summary->raw_status, "Completed") << name;
    EXPECT_EQ(parsed.summary->files_transferred, own.files) << name;
    EXPECT_EQ(parsed.summary->files_total, own.files) << name;
    EXPECT_EQ(parsed.uncounted_folders, 0) << name;
  }
}

TEST_P(FolderCounts, JobsShowOfAJobWithSkipsCannotTellItsFoldersAndSaysSo) {
  const OwnFigures own = own_figures(out("copy_json_localfile_rerun"));
  EXPECT_EQ(own.status, "CompletedWithSkipped");
  const auto shown = detail::parse_output(out("jobs_show_json_localfile_rerun"));
  ASSERT_TRUE(shown.summary);
  EXPECT_EQ(shown.summary->raw_status, "CompletedWithSkipped");
  EXPECT_EQ(shown.uncounted_folders, own.folders);
  EXPECT_EQ(shown.summary->skipped_transfers, own.skipped);
  // The copy's own summary counted them: nothing is uncertain there.
  const auto copied = detail::parse_output(out("copy_json_localfile_rerun"));
  ASSERT_TRUE(copied.summary);
  EXPECT_EQ(copied.uncounted_folders, 0);
  EXPECT_EQ(copied.summary->files_transferred, own.files);
  ASSERT_TRUE(copied.summary->directories);
  EXPECT_EQ(copied.summary->directories->made + copied.summary->directories->skipped, own.folders);
  // `jobs show` says 0 for every folder count: no directories are claimed from it.
  EXPECT_FALSE(shown.summary->directories);
}

TEST_P(FolderCounts, AProgressHasTheFiguresOfItsSummaryUnderTheSameNames) {
  const AzCopySummary s = parse_summary(out("copy_json_localfile_completed"));
  const AzCopyProgress p = detail::progress_from_summary(s);
  EXPECT_EQ(p.files_transferred, s.files_transferred);
  EXPECT_EQ(p.files_total, s.files_total);
  EXPECT_EQ(p.files_transferred, p.files_total) << "a completed job: every file of the total";
  EXPECT_EQ(p.total_transfers, s.total_transfers);
  EXPECT_EQ(p.bytes_transferred, s.bytes_transferred);
  EXPECT_EQ(p.failed_transfers, s.failed_transfers);
  EXPECT_EQ(p.skipped_transfers, s.skipped_transfers);
  EXPECT_EQ(p.percent_complete, s.percent_complete);
}

TEST_P(FolderCounts, EmptyFoldersAreProcessedWhenBothSidesHaveFolders) {
  const AzCopySummary s = parse_summary(out("copy_json_localfile_completed"));
  EXPECT_FALSE(s.empty_folders_not_processed);
  for (const auto& m : s.messages) {
    EXPECT_THAT(m, ::testing::Not(::testing::HasSubstr("empty folders")));
  }
}

// The notice AzCopy prints before the job id when a side has no folders (Blob): recorded
// uploads (LocalBlob) of tests/data/azcopy-fixtures, both output types.
class EmptyFoldersNotice : public FolderCounts {};

INSTANTIATE_TEST_SUITE_P(Versions, EmptyFoldersNotice, ::testing::Values("10.18.1", "10.32.2"),
                         version_name);

TEST_P(EmptyFoldersNotice, IsASummaryFieldAndTheFirstMessage) {
  for (const char* name : {"copy_json_completed.stdout", "copy_text_completed.stdout"}) {
    const AzCopySummary s = parse_summary(testing::fixture(GetParam(), name));
    EXPECT_TRUE(s.empty_folders_not_processed) << name;
    ASSERT_FALSE(s.messages.empty()) << name;
    EXPECT_THAT(s.messages.front(), ::testing::HasSubstr("Any empty folders will not be processed"))
        << name;
    EXPECT_EQ(s.warnings, 0) << name;  // a notice, not a warning
    EXPECT_EQ(s.state, AzCopyJobState::Succeeded) << name;
  }
}

TEST_P(EmptyFoldersNotice, JobsShowDoesNotSayIt) {
  const AzCopySummary s =
      parse_summary(testing::fixture(GetParam(), "jobs_show_json_completed_from_json.stdout"));
  EXPECT_FALSE(s.empty_folders_not_processed);
}

TEST(DirectoriesJson, SurviveTheSummarysJsonTextAndTheRecord) {
  AzCopySummary s;
  EXPECT_FALSE(summary_from_json(to_json(s)).directories);
  s.directories = DirectoryCounts{7, 2, 1};
  const auto back = summary_from_json(to_json(s)).directories;
  ASSERT_TRUE(back);
  EXPECT_EQ(back->made, 7);
  EXPECT_EQ(back->skipped, 2);
  EXPECT_EQ(back->failed, 1);

  detail::JobRecord r;
  r.ref.job_id = "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6";
  r.directories = detail::KeptDirectories{{3, 0, 1}, {"project/x: 403 AuthorizationFailure"}};
  const auto read = detail::record_from_json(detail::record_to_json(r));
  ASSERT_TRUE(read);
  ASSERT_TRUE(read->directories);
  EXPECT_EQ(read->directories->counts.made, 3);
  EXPECT_EQ(read->directories->counts.failed, 1);
  EXPECT_EQ(read->directories->failures, r.directories->failures);
  r.directories.reset();
  EXPECT_FALSE(detail::record_from_json(detail::record_to_json(r))->directories);
}

TEST(EmptyFoldersNoticeJson, SurvivesTheSummarysJsonText) {
  AzCopySummary s;
  s.empty_folders_not_processed = true;
  EXPECT_TRUE(summary_from_json(to_json(s)).empty_folders_not_processed);
  s.empty_folders_not_processed = false;
  EXPECT_FALSE(summary_from_json(to_json(s)).empty_folders_not_processed);
}

}  // namespace
}  // namespace azcopy_runner
