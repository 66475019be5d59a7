// SPDX-License-Identifier: MIT
// poll of a job whose process runs on this host, from the job's own output (no `jobs show`),
// and of a finished job, from its record.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "runner_fixture.hpp"

namespace azcopy_runner {
namespace {

using namespace runner_testing;  // NOLINT(google-build-using-namespace): the shared names

TEST_F(RunnerTest, PollOfALiveLocalJobReadsItsOwnOutputInsteadOfRunningJobsShow) {
  const std::string out = fixture(kV, "copy_json_killed.stdout");
  expect_spawn(out);
  auto r = runner();
  const auto ref = r.start_copy("big", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .Times(0);
  const AzCopyProgress p = r.poll(ref.job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Running);
  EXPECT_EQ(p.raw_status, "InProgress");
  // The figures are those of the last Progress line.
  const auto last = out.rfind(R"("MessageType":"Progress")");
  ASSERT_NE(last, std::string::npos);
  const AzCopySummary from_line = parse_summary(
      out.substr(out.rfind('\n', last) + 1, out.find('\n', last) - out.rfind('\n', last)));
  EXPECT_EQ(p.files_total, from_line.files_total);
  EXPECT_EQ(p.total_transfers, from_line.total_transfers);
  EXPECT_EQ(p.bytes_transferred, from_line.bytes_transferred);
  EXPECT_EQ(p.bytes_expected, from_line.bytes_expected);
}

TEST_F(RunnerTest, ATerminalJobIsAskedToAzCopyOnceThenServedFromTheRecord) {
  expect_spawn(fixture(kV, "copy_json_errors.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .Times(1)
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_errors_from_json.stdout"))));
  const auto expect = manifest_case(kV, "copy_json_errors")["expect"];
  for (int i = 0; i < 3; ++i) {
    const AzCopyProgress p = r.poll(ref.job_id);
    EXPECT_EQ(p.state, AzCopyJobState::Failed);
    EXPECT_EQ(p.raw_status, expect["JobStatus"]);
    EXPECT_EQ(std::to_string(p.failed_transfers), expect["TransfersFailed"]);
    EXPECT_EQ(std::to_string(p.bytes_transferred), expect["TotalBytesTransferred"]);
  }
}

TEST_F(RunnerTest, AHalfWrittenLastLineIsIgnored) {
  std::string out = fixture(kV, "copy_json_killed.stdout");
  const auto last = out.rfind(R"({"TimeStamp")");
  out += out.substr(last, 200);  // a Progress line still being written: no newline yet
  expect_spawn(out);
  auto r = runner();
  const auto ref = r.start_copy("big", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  EXPECT_EQ(r.poll(ref.job_id).state, AzCopyJobState::Running);
}

TEST_F(RunnerTest, PollFromOutputCanBeTurnedOff) {
  config_.poll_from_output = false;
  expect_spawn(fixture(kV, "copy_json_completed.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))));
  EXPECT_EQ(r.poll(ref.job_id).state, AzCopyJobState::Running);
}

}  // namespace
}  // namespace azcopy_runner
