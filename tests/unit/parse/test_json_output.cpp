// SPDX-License-Identifier: MIT
// Synthetic JSON outputs of AzCopy: what each kind of message gives.
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

TEST(ParseJson, EndOfJobIsNotOverriddenByLaterProgress) {
  const std::string out = init() + message("EndOfJob", summary_json("Completed").dump()) +
                          message("Progress", summary_json("InProgress", 1).dump());
  const AzCopySummary s = parse_summary(out);
  EXPECT_EQ(s.raw_status, "Completed");
  EXPECT_EQ(s.files_transferred, 4);
}

TEST(ParseJson, LastProgressWinsBeforeEndOfJob) {
  const std::string out = init() + message("Progress", summary_json("InProgress", 1).dump()) +
                          message("Progress", summary_json("InProgress", 2).dump());
  const AzCopySummary s = parse_summary(out);
  EXPECT_EQ(s.state, AzCopyJobState::Running);
  EXPECT_EQ(s.files_transferred, 2);
  EXPECT_FALSE(s.finished_at.has_value());
}

TEST(ParseJson, GetJobSummaryIsASummary) {
  const AzCopySummary s = parse_summary(message("GetJobSummary", summary_json("Completed").dump()));
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(s.job_id, kJobId);
}

TEST(ParseJson, CompletedWithAFailedTransferIsFailed) {
  // Whatever AzCopy says, a terminal job with a failed transfer did not succeed.
  json j = summary_json("Completed", 3, 1);
  const AzCopySummary s = parse_summary(message("EndOfJob", j.dump()));
  EXPECT_EQ(s.raw_status, "Completed");
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  j["JobStatus"] = "CompletedWithSkipped";
  EXPECT_EQ(parse_summary(message("EndOfJob", j.dump())).state, AzCopyJobState::Failed);
  // Not terminal: still running.
  j["JobStatus"] = "InProgress";
  EXPECT_EQ(parse_summary(message("Progress", j.dump())).state, AzCopyJobState::Running);
}

TEST(ParseJson, FilesExcludeFolders) {
  json j = summary_json("Completed", 10);
  j["FoldersCompleted"] = "3";
  EXPECT_EQ(parse_summary(message("EndOfJob", j.dump())).files_transferred, 7);
  j["FoldersCompleted"] = "30";  // never negative
  EXPECT_EQ(parse_summary(message("EndOfJob", j.dump())).files_transferred, 0);
}

TEST(ParseJson, CountersAsNumbersStringsAndGarbage) {
  json j = summary_json("Completed");
  j["TotalTransfers"] = 4;
  j["TransfersCompleted"] = 4.0;
  j["TotalBytesTransferred"] = "99999999999999999999999";  // beyond int64: clamped
  j["TotalBytesExpected"] = "-5";                          // negative: 0
  j["TransfersSkipped"] = "abc";                           // garbage: 0
  j["TransfersFailed"] = -3;
  j["PercentComplete"] = "66.7";
  const auto parsed = detail::parse_output(message("EndOfJob", j.dump()));
  ASSERT_TRUE(parsed.summary.has_value());
  const AzCopySummary& s = *parsed.summary;
  EXPECT_EQ(s.total_transfers, 4);
  EXPECT_EQ(s.files_transferred, 4);
  EXPECT_EQ(s.bytes_transferred, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(s.bytes_expected, 0);
  EXPECT_EQ(s.skipped_transfers, 0);
  EXPECT_EQ(s.failed_transfers, 0);

  j["TotalBytesTransferred"] = 1e300;
  j["TotalBytesExpected"] = 18446744073709551615ULL;
  j["TransfersFailed"] = "1e3";
  j["TransfersSkipped"] = " 12 ";
  const AzCopySummary t = parse_summary(message("EndOfJob", j.dump()));
  EXPECT_EQ(t.bytes_transferred, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(t.bytes_expected, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(t.failed_transfers, 1000);
  EXPECT_EQ(t.skipped_transfers, 12);
}

TEST(ParseJson, ErrorsWarningsAndMessages) {
  std::string out = init();
  out += message("Info", "INFO: Scanning...");
  out += message("Info", "WARN: slow https://h/c?sig=SECRET1");
  out += message("Error", "failed: https://h/c?sv=1&sig=SECRET2");
  json j = summary_json("Failed", 0, 4);
  j["ErrorMsg"] = "boom sig=SECRET3";
  out += message("EndOfJob", j.dump());
  const AzCopySummary s = parse_summary(out);
  EXPECT_EQ(s.warnings, 1);
  EXPECT_EQ(s.errors, 2);  // the Error message and the ErrorMsg
  ASSERT_EQ(s.messages.size(), 3U);
  for (const std::string& m : s.messages) {
    EXPECT_EQ(m.find("SECRET"), std::string::npos) << m;
  }
  EXPECT_EQ(s.messages[0], "WARN: slow https://h/c?REDACTED");
}

TEST(ParseJson, MessagesAreBounded) {
  std::string out = init();
  for (int i = 0; i < 100; ++i) {
    out += message("Info", "WARN: number " + std::to_string(i) + " " + std::string(5000, 'w'));
  }
  out += message("EndOfJob", summary_json("Completed").dump());
  const AzCopySummary s = parse_summary(out);
  EXPECT_EQ(s.warnings, 100);
  ASSERT_EQ(s.messages.size(), kMaxMessages);
  for (const std::string& m : s.messages) {
    EXPECT_LE(m.size(), kMaxExcerptBytes);
  }
  EXPECT_EQ(s.messages.back().rfind("WARN: number 99 ", 0), 0U);  // the newest are kept
}

TEST(ParseJson, RawSummaryIsRedactedAndBounded) {
  json j = summary_json("CompletedWithErrors", 3, 1);
  j["FailedTransfers"] =
      json::array({{{"Src", "/d/f"},
                    {"Dst", "https://a.blob.core.windows.net/c/f?sv=1&sig=SECRET"},
                    {"IsFolderProperties", false},
                    {"TransferStatus", "Failed"},
                    {"TransferSize", 3},
                    {"ErrorCode", "412"}}});
  const AzCopySummary s = parse_summary(message("EndOfJob", j.dump()));
  EXPECT_EQ(s.raw_summary.find("SECRET"), std::string::npos);
  EXPECT_NE(s.raw_summary.find("\"JobStatus\":\"CompletedWithErrors\""), std::string::npos);
  ASSERT_EQ(s.failed_files.size(), 1U);
  EXPECT_EQ(s.failed_files[0].destination, "https://a.blob.core.windows.net/c/f?REDACTED");
  EXPECT_EQ(s.failed_files[0].size, 3);
}

json failed_entries(int count, int offset = 0) {
  json list = json::array();
  for (int i = 0; i < count; ++i) {
    const std::string n = std::to_string(offset + i);
    std::string dst = "https://acct.blob.core.windows.net/c/file";
    dst.append(n).append(".bin?sv=1&sig=S").append(n);
    list.push_back({{"Src", "/data/src/file" + n + ".bin"},
                    {"Dst", dst},
                    {"IsFolderProperties", false},
                    {"TransferStatus", "Failed"},
                    {"TransferSize", 1000},
                    {"ErrorCode", "403"}});
  }
  return list;
}

TEST(ParseJson, TwentyThousandFailuresAreBounded) {
  json j = summary_json("Failed", 0, 20000);
  j["FailedTransfers"] = failed_entries(20000);
  j["SkippedTransfers"] = failed_entries(500, 100000);  // skipped: not failures
  const std::string line = message("GetJobSummary", j.dump());
  ASSERT_GT(line.size(), 4U << 20U);
  const AzCopySummary s = parse_summary(line);
  EXPECT_EQ(s.failed_transfers, 20000);
  EXPECT_EQ(s.failed_files.size(), kMaxFailedFiles);
  EXPECT_EQ(s.failed_files_omitted, 19900);
  EXPECT_LE(s.raw_summary.size(), kMaxRawSummaryBytes);
  EXPECT_EQ(s.raw_summary.find("sig=S"), std::string::npos);
  EXPECT_EQ(s.failed_files.front().source, "/data/src/file0.bin");
  EXPECT_EQ(s.failed_files.back().source, "/data/src/file99.bin");
  for (const FailedFile& f : s.failed_files) {
    EXPECT_NE(f.destination.find("?REDACTED"), std::string::npos);
  }
  // 10.32 `jobs show` prints the list twice (GetJobSummary, then EndOfJob): counted once.
  const AzCopySummary twice = parse_summary(line + message("EndOfJob", j.dump()));
  EXPECT_EQ(twice.failed_files.size(), kMaxFailedFiles);
  EXPECT_EQ(twice.failed_files_omitted, 19900);
}

TEST(ParseJson, FailedTransfersAsWholeListsAreNotCountedTwice) {
  // AzCopy 10.18 repeats the whole list in every Progress and in EndOfJob.
  json p1 = summary_json("InProgress", 0, 60);
  p1["FailedTransfers"] = failed_entries(60);
  json p2 = summary_json("InProgress", 0, 120);
  p2["FailedTransfers"] = failed_entries(120);
  json end = summary_json("Failed", 0, 120);
  end["FailedTransfers"] = failed_entries(120);
  const AzCopySummary s =
      parse_summary(init() + message("Progress", p1.dump()) + message("Progress", p2.dump()) +
                    message("EndOfJob", end.dump()));
  EXPECT_EQ(s.failed_files.size(), kMaxFailedFiles);
  EXPECT_EQ(s.failed_files_omitted, 20);
}

TEST(ParseJson, FailedTransfersOfCopyProgressAccumulate) {
  // In 10.32 copy output FailedTransfers are deltas since the previous Progress.
  json p1 = summary_json("InProgress", 0, 60);
  p1["FailedTransfers"] = failed_entries(60);
  json p2 = summary_json("InProgress", 0, 120);
  p2["FailedTransfers"] = failed_entries(60, 60);
  json end = summary_json("Failed", 0, 120);
  end["FailedTransfers"] = json::array();
  const AzCopySummary s =
      parse_summary(init() + message("Progress", p1.dump()) + message("Progress", p2.dump()) +
                    message("EndOfJob", end.dump()));
  EXPECT_EQ(s.failed_files.size(), kMaxFailedFiles);
  EXPECT_EQ(s.failed_files_omitted, 20);
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
}

TEST(ParseJson, ScanErrorAfterInit) {
  const std::string out =
      init() + message("Error", "Cannot perform copy due to error: failed to scan");
  EXPECT_EQ(parse_job_id(out), kJobId);
  try {
    (void)parse_summary(out);
    ADD_FAILURE() << "no exception";
  } catch (const AzCopyParseError& e) {
    EXPECT_EQ(e.job_id(), kJobId);
    EXPECT_NE(std::string(e.what()).find("failed to scan"), std::string::npos);
  }
}

TEST(ParseJson, JobIdPrefersInitThenSummary) {
  const std::string other = "5403e1b9-78cc-f147-47f5-826f19df12e9";
  EXPECT_EQ(parse_job_id(init(other) + message("EndOfJob", summary_json("Completed").dump())),
            other);
  EXPECT_EQ(parse_job_id(message("EndOfJob", summary_json("Completed").dump())), kJobId);
  EXPECT_EQ(parse_job_id(init("not-a-uuid")), std::nullopt);
  EXPECT_EQ(parse_job_id(init("CDEBEF2F-DCA8-A446-7A8A-D6DF4A35D1DD")),
            "CDEBEF2F-DCA8-A446-7A8A-D6DF4A35D1DD");
}

TEST(ParseJson, CancelPrompt) {
  const std::string prompt =
      message("Prompt",
              "The source enumeration is not complete, cancelling the job at this point means it "
              "cannot be resumed.",
              "2026-11-29T18:23:11Z", "Cancel");
  const std::string cancelling =
      message("Info", "INFO: Cancellation requested. Beginning clean shutdown...");
  EXPECT_TRUE(detail::parse_output(init() + cancelling + prompt).cancel_prompt);
  // Answered: AzCopy prints nothing while a prompt waits, so anything after it means it is gone.
  EXPECT_FALSE(detail::parse_output(init() + cancelling + prompt +
                                    message("Progress", summary_json("Cancelling", 0).dump()))
                   .cancel_prompt);
  // Another prompt type.
  EXPECT_FALSE(detail::parse_output(
                   init() + message("Prompt", "Overwrite?", "2026-11-29T18:23:11Z", "Overwrite"))
                   .cancel_prompt);
  // A truncated line after the prompt does not hide it.
  EXPECT_TRUE(detail::parse_output(init() + prompt + "{\"TimeStamp\":\"2026").cancel_prompt);
}

TEST(ParseJson, NotFoundJobIdComesFromTheMessage) {
  const std::string id = "7b0a9c2e-1111-4222-8333-444455556666";
  try {
    (void)parse_summary(message("Error", "failed to get job summary for job " + id +
                                             " due to error: no job with JobId " + id + " exists"));
    ADD_FAILURE() << "no exception";
  } catch (const AzCopyJobNotFoundError& e) {
    EXPECT_EQ(e.job_id(), id);
  }
}

}  // namespace
}  // namespace azcopy_runner
