// SPDX-License-Identifier: MIT
// Synthetic text outputs of AzCopy: progress lines, summary blocks, prompts.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "azcopy_runner/process.hpp"
#include "azcopy_runner/types.hpp"
#include "parse/output_parser.hpp"
#include "parse/output_scan.hpp"
#include "parse_support.hpp"
#include "support/expect_same.hpp"

namespace azcopy_runner {
namespace {

using namespace parse_testing;  // NOLINT(google-build-using-namespace): the shared helpers

// ---------------------------------------------------------------------------------------------
// Synthetic text outputs.

TEST(ParseText, OnlyProgressLinesGiveARunningSummary) {
  const std::string out =
      "INFO: Scanning...\n\nJob cdebef2f-dca8-a446-7a8a-d6df4a35d1dd has started\n"
      "Log file is located at: /l/cdebef2f-dca8-a446-7a8a-d6df4a35d1dd.log\n\n"
      "\r0.0 %, 0 Done, 0 Failed, 4 Pending, 0 Skipped, 4 Total (scanning...), 2-sec Throughput "
      "(Mb/s): 0"
      "\r66.7 %, 3 Done, 1 Failed, 0 Pending, 0 Skipped, 4 Total, 2-sec Throughput (Mb/s): 2.39";
  const auto parsed = detail::parse_output(out);
  EXPECT_EQ(parsed.job_id, kJobId);
  EXPECT_EQ(parsed.log_file, "/l/cdebef2f-dca8-a446-7a8a-d6df4a35d1dd.log");
  EXPECT_FALSE(parsed.end_of_job);
  const AzCopySummary s = parse_summary(out);
  EXPECT_EQ(s.state, AzCopyJobState::Running);
  EXPECT_EQ(s.raw_status, "");
  EXPECT_EQ(s.job_id, kJobId);
  EXPECT_EQ(s.files_transferred, 3);
  EXPECT_EQ(s.failed_transfers, 1);
  EXPECT_EQ(s.skipped_transfers, 0);
  EXPECT_EQ(s.total_transfers, 4);
  EXPECT_NE(s.raw_summary.find("66.7 %"), std::string::npos);
}

TEST(ParseText, OlderLabelsAndFolders) {
  // AzCopy before 10.18: "Number of Transfers Completed", "TotalBytesTransferred",
  // "Total Number Of Transfers"; unknown labels are ignored; labels are case-insensitive.
  const std::string old_style =
      "\n\nJob cdebef2f-dca8-a446-7a8a-d6df4a35d1dd summary\n"
      "Elapsed Time (Minutes): 0.0334\nNumber of File Transfers: 4\n"
      "Number of Folder Property Transfers: 0\nTotal Number Of Transfers: 4\n"
      "Number of Transfers Completed: 3\nNumber of Transfers Failed: 1\n"
      "Number of Transfers Skipped: 0\nSome Future Label: 17\nTotalBytesTransferred: 400003\n"
      "Final Job Status: CompletedWithErrors\n";
  const AzCopySummary s = parse_summary(old_style);
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  EXPECT_EQ(s.total_transfers, 4);
  EXPECT_EQ(s.files_transferred, 3);
  EXPECT_EQ(s.failed_transfers, 1);
  EXPECT_EQ(s.bytes_transferred, 400003);

  const std::string folders =
      "Job cdebef2f-dca8-a446-7a8a-d6df4a35d1dd summary\r\n"
      "total number of transfers: 9\r\nNumber of File Transfers Completed: 5\r\n"
      "Number of Folder Transfers Completed: 2\r\nNumber of File Transfers Failed: 1\r\n"
      "Number of Folder Transfers Failed: 1\r\nNumber  of  File Transfers Skipped: 0\r\n"
      "Final Job Status: CompletedWithErrors\r\n";
  const AzCopySummary f = parse_summary(folders);
  EXPECT_EQ(f.files_transferred, 5);
  EXPECT_EQ(f.failed_transfers, 2);
  EXPECT_EQ(f.total_transfers, 9);
  EXPECT_EQ(f.raw_status, "CompletedWithErrors");
}

TEST(ParseText, SummaryBlockWinsOverLaterProgress) {
  const std::string out =
      "Job cdebef2f-dca8-a446-7a8a-d6df4a35d1dd summary\nTotal Number of Transfers: 4\n"
      "Number of File Transfers Completed: 4\nFinal Job Status: Completed\n"
      "\r50.0 %, 2 Done, 0 Failed, 2 Pending, 0 Skipped, 4 Total, 2-sec Throughput (Mb/s): 1\n";
  const AzCopySummary s = parse_summary(out);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(s.files_transferred, 4);
}

TEST(ParseText, TruncatedSummaryBlock) {
  const std::string out =
      "Job cdebef2f-dca8-a446-7a8a-d6df4a35d1dd summary\nTotal Number of Transfers: 4\n"
      "Number of File Transfers Completed: 2";
  const auto parsed = detail::parse_output(out);
  ASSERT_TRUE(parsed.summary.has_value());
  EXPECT_FALSE(parsed.end_of_job);
  EXPECT_EQ(parsed.summary->state, AzCopyJobState::Unknown);
  EXPECT_EQ(parsed.summary->files_transferred, 2);
}

TEST(ParseText, CancelPrompt) {
  const std::string base =
      "Job cdebef2f-dca8-a446-7a8a-d6df4a35d1dd has started\n"
      "\r0.0 %, 0 Done, 0 Failed, 60 Pending, 0 Skipped, 60 Total (scanning...), 2-sec Throughput "
      "(Mb/s): 8"
      "\rINFO: Cancellation requested. Beginning clean shutdown...\n";
  const std::string prompt =
      "The source enumeration is not complete, cancelling the job at this point means it cannot "
      "be resumed. Please confirm with y/n: ";
  EXPECT_TRUE(detail::parse_output(base + prompt).cancel_prompt);
  EXPECT_TRUE(detail::parse_output(base + "Are you sure you want to cancel? (y/n)").cancel_prompt);
  EXPECT_FALSE(detail::parse_output(base).cancel_prompt);
  EXPECT_FALSE(detail::parse_output(base + prompt +
                                    "\n\r0.0 %, 0 Done, 0 Failed, 60 Pending, 0 Skipped, 60 Total, "
                                    "2-sec Throughput (Mb/s): 8")
                   .cancel_prompt);
}

TEST(ParseText, WarningsAndErrors) {
  const std::string out =
      "INFO: Scanning...\nWARN: something odd with https://h/p?sig=SECRET\n"
      "failed to perform copy command due to error: cannot start job sig=SECRET\n";
  const auto parsed = detail::parse_output(out);
  EXPECT_EQ(parsed.warnings, 1);
  EXPECT_EQ(parsed.errors, 1);
  ASSERT_EQ(parsed.messages.size(), 2U);
  for (const std::string& m : parsed.messages) {
    EXPECT_EQ(m.find("SECRET"), std::string::npos);
  }
  EXPECT_THROW((void)parse_summary(out), AzCopyParseError);
}

}  // namespace
}  // namespace azcopy_runner
