// SPDX-License-Identifier: MIT
// The parsers' smaller parts: job ids, timestamps, huge and progress lines, the scans of a
// job's output.
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
// is_valid_job_id, timestamps.

TEST(JobId, Validation) {
  EXPECT_TRUE(is_valid_job_id("cdebef2f-dca8-a446-7a8a-d6df4a35d1dd"));
  EXPECT_TRUE(is_valid_job_id("CDEBEF2F-DCA8-A446-7A8A-D6DF4A35D1DD"));
  EXPECT_FALSE(is_valid_job_id(""));
  EXPECT_FALSE(is_valid_job_id("not-a-uuid"));
  EXPECT_FALSE(is_valid_job_id("cdebef2f-dca8-a446-7a8a-d6df4a35d1d"));
  EXPECT_FALSE(is_valid_job_id("cdebef2f-dca8-a446-7a8a-d6df4a35d1ddd"));
  EXPECT_FALSE(is_valid_job_id("cdebef2fxdca8-a446-7a8a-d6df4a35d1dd"));
  EXPECT_FALSE(is_valid_job_id("gdebef2f-dca8-a446-7a8a-d6df4a35d1dd"));
  EXPECT_FALSE(is_valid_job_id(" cdebef2f-dca8-a446-7a8a-d6df4a35d1d"));
  EXPECT_FALSE(is_valid_job_id("{cdebef2f-dca8-a446-7a8a-d6df4a35d1}"));
  EXPECT_FALSE(is_valid_job_id(std::string_view("cdebef2f-dca8-a446-7a8a-d6df4a35d1d\0", 36)));
}

TEST(Timestamp, ParsesRfc3339) {
  using namespace std::chrono;
  const auto t = detail::parse_timestamp("2026-11-29T18:23:10.30122744Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(detail::format_timestamp(*t), "2026-11-29T18:23:10.301Z");
  EXPECT_EQ(duration_cast<nanoseconds>(t->time_since_epoch()).count() % 1000000000, 301227440);

  EXPECT_EQ(detail::parse_timestamp("2026-11-29T18:23:10Z"),
            detail::parse_timestamp("2026-11-29T20:23:10+02:00"));
  EXPECT_EQ(detail::parse_timestamp("2026-11-29T18:23:10Z"),
            detail::parse_timestamp("2026-11-29T13:53:10-04:30"));
  EXPECT_EQ(detail::parse_timestamp("2026-11-29t18:23:10.5z"),
            detail::parse_timestamp("2026-11-29 18:23:10.500000000000Z"));
  EXPECT_EQ(detail::format_timestamp(*detail::parse_timestamp("1970-01-01T00:00:00Z")),
            "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(detail::format_timestamp(*detail::parse_timestamp("1969-12-31T23:59:59.9996Z")),
            "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(detail::format_timestamp(*detail::parse_timestamp("2024-02-29T23:59:59.999Z")),
            "2024-02-29T23:59:59.999Z");
}

TEST(Timestamp, RejectsInvalid) {
  for (const std::string_view text :
       {"", "2026", "2026-11-29", "2026-11-29T18:23:10", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T18:60:00Z",
        "2026-11-29T18:23:10.Z", "2026-11-29T18:23:10Zjunk", "2026-11-29X18:23:10Z",
        "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-11-29T18:23:10+25:00",
        "２026-11-29T18:23:10Z", "2026-11-29T18:23:10+0"}) {
    EXPECT_FALSE(detail::parse_timestamp(text).has_value()) << text;
  }
}

TEST(Timestamp, FormatRoundTrip) {
  const TimePoint now = std::chrono::system_clock::now();
  const std::string text = detail::format_timestamp(now);
  const auto back = detail::parse_timestamp(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(detail::format_timestamp(*back), text);
  EXPECT_LT(now - *back, std::chrono::milliseconds(1));
}

// A summary line over 1 MiB (thousands of failed transfers) is parsed straight from the line,
// its MessageContent never decoded whole: the result must be that of an ordinary line.
std::string summary_line(int failures, bool ascii_only) {
  json failed = json::array();
  json skipped = json::array();
  for (int i = 0; i < failures; ++i) {
    skipped.push_back({{"Src", "/data/s{[" + std::to_string(i)}, {"TransferStatus", "Skipped"}});
    failed.push_back({{"Src", "/data/f\u00e9\U0001F600 \"q\"\\{[]}" + std::to_string(i) + "\t.bin"},
                      {"Dst", "https://acct.blob.core.windows.net/c/f" + std::to_string(i) +
                                  "?sv=2020&sig=SECRET" + std::to_string(i)},
                      {"IsFolderProperties", false},
                      {"TransferStatus", "Failed"},
                      {"TransferSize", "7"},
                      {"ErrorCode", "404"}});
  }
  const json content = {{"ErrorMsg", ""},
                        {"JobID", "f10be22f-cfad-394a-5639-b8d2f9c72fe3"},
                        {"JobStatus", "Failed"},
                        {"TotalTransfers", std::to_string(failures)},
                        {"TransfersCompleted", "0"},
                        {"TransfersFailed", std::to_string(failures)},
                        {"FailedTransfers", failed},
                        {"SkippedTransfers", skipped},
                        {"TransfersSkipped", "0"}};
  const json envelope = {{"TimeStamp", "2026-11-29T20:25:30.595Z"},
                         {"MessageType", "GetJobSummary"},
                         {"MessageContent", content.dump(-1, ' ', ascii_only)},
                         {"PromptDetails", {{"PromptType", ""}}}};
  return envelope.dump(-1, ' ', ascii_only) + "\n";
}

TEST(HugeLine, IsParsedLikeAnOrdinaryLine) {
  for (const bool ascii_only : {true, false}) {
    const std::string small = summary_line(150, ascii_only);
    const std::string huge = summary_line(8'000, ascii_only);
    ASSERT_LT(small.size(), std::size_t{1} << 20);
    ASSERT_GT(huge.size(), std::size_t{1} << 20);
    const AzCopySummary a = parse_summary(small);
    const AzCopySummary b = parse_summary(huge);
    EXPECT_EQ(b.state, AzCopyJobState::Failed);
    EXPECT_EQ(b.failed_transfers, 8'000);
    EXPECT_EQ(b.total_transfers, 8'000);
    ASSERT_EQ(b.failed_files.size(), kMaxFailedFiles);
    EXPECT_EQ(b.failed_files_omitted, 8'000 - static_cast<std::int64_t>(kMaxFailedFiles));
    ASSERT_EQ(a.failed_files.size(), kMaxFailedFiles);
    for (std::size_t i = 0; i < kMaxFailedFiles; ++i) {
      EXPECT_EQ(a.failed_files[i].source, b.failed_files[i].source);
      EXPECT_EQ(a.failed_files[i].destination, b.failed_files[i].destination);
      EXPECT_EQ(a.failed_files[i].error_code, b.failed_files[i].error_code);
      EXPECT_EQ(a.failed_files[i].size, b.failed_files[i].size);
    }
    EXPECT_EQ(a.failed_files_omitted, 150 - static_cast<std::int64_t>(kMaxFailedFiles));
    EXPECT_EQ(b.failed_files[0].source, "/data/f\u00e9\U0001F600 \"q\"\\{[]}0\t.bin");
    EXPECT_EQ(b.failed_files[0].destination, "https://acct.blob.core.windows.net/c/f0?REDACTED");
    EXPECT_LE(b.raw_summary.size(), kMaxRawSummaryBytes);
    EXPECT_EQ(b.raw_summary.substr(0, 200), a.raw_summary.substr(0, 200));
    EXPECT_EQ(b.raw_summary.find("SECRET"), std::string::npos);
  }
}

// poll() reads the last progress line of a job for its counters only.
TEST(ProgressLine, CountsWithoutReadingTheLists) {
  for (const int failures : {0, 3, 150, 8'000}) {
    for (const bool ascii_only : {true, false}) {
      const std::string line = summary_line(failures, ascii_only);
      const detail::ParsedOutput full = detail::parse_output(line);
      const detail::ParsedOutput quick = detail::parse_progress_line(line);
      ASSERT_TRUE(full.summary && quick.summary) << failures;
      EXPECT_EQ(quick.summary->state, full.summary->state);
      EXPECT_EQ(quick.summary->raw_status, full.summary->raw_status);
      EXPECT_EQ(quick.summary->failed_transfers, failures);
      EXPECT_EQ(quick.summary->total_transfers, full.summary->total_transfers);
      EXPECT_EQ(quick.summary->files_transferred, full.summary->files_transferred);
      EXPECT_EQ(quick.summary->bytes_transferred, full.summary->bytes_transferred);
      EXPECT_EQ(quick.summary->skipped_transfers, full.summary->skipped_transfers);
      EXPECT_EQ(quick.summary->finished_at, full.summary->finished_at);
      EXPECT_TRUE(quick.summary->failed_files.empty());
      EXPECT_EQ(quick.summary->failed_files_omitted, failures);
      EXPECT_TRUE(quick.summary->raw_summary.empty());
      EXPECT_EQ(quick.end_of_job, full.end_of_job);
      EXPECT_EQ(quick.last_timestamp, full.last_timestamp);
    }
  }
}

TEST(ProgressLine, RealProgressLinesGiveTheSameCounters) {
  for (const auto& dir : {fixtures_dir() / "10.32.2", fixtures_dir() / "10.18.1"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".stdout") {
        continue;
      }
      const std::string text = read_file(entry.path());
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with('{')) {
          continue;
        }
        const detail::ParsedOutput full = detail::parse_output(line);
        const detail::ParsedOutput quick = detail::parse_progress_line(line);
        ASSERT_EQ(full.summary.has_value(), quick.summary.has_value()) << entry.path();
        if (full.summary) {
          EXPECT_EQ(quick.summary->state, full.summary->state) << entry.path();
          EXPECT_EQ(quick.summary->failed_transfers, full.summary->failed_transfers);
          EXPECT_EQ(quick.summary->total_transfers, full.summary->total_transfers);
          EXPECT_EQ(quick.summary->files_transferred, full.summary->files_transferred);
          EXPECT_EQ(quick.summary->bytes_transferred, full.summary->bytes_transferred);
          EXPECT_EQ(quick.summary->percent_complete, full.summary->percent_complete);
        }
      }
    }
  }
}

TEST(HugeLine, MalformedIsStillRejected) {
  std::string huge = summary_line(8'000, true);
  huge.resize(huge.size() - 40);  // cut inside PromptDetails: not JSON any more
  EXPECT_THROW(static_cast<void>(parse_summary(huge + "\n")), AzCopyParseError);
  std::string unterminated = summary_line(8'000, true);
  unterminated.resize(unterminated.size() / 2);  // cut inside the content
  EXPECT_THROW(static_cast<void>(parse_summary(unterminated + "\n")), AzCopyParseError);
}

// poll() and get_summary() stop `azcopy jobs show` at the first line that is_job_summary_head()
// accepts (10.32 prints the summary as GetJobSummary, then repeats it as EndOfJob).
TEST(JobsShowStop, HeadsOfSummaryLinesOnly) {
  const std::string ts = R"({"TimeStamp":"2026-11-29T18:23:53.002831152Z",)";
  EXPECT_TRUE(detail::is_job_summary_head(ts + R"("MessageType":"GetJobSummary","MessageC)"));
  EXPECT_TRUE(detail::is_job_summary_head(ts + R"("MessageType":"EndOfJob","MessageContent":")"));
  EXPECT_FALSE(detail::is_job_summary_head(ts + R"("MessageType":"Progress","MessageContent")"));
  EXPECT_FALSE(detail::is_job_summary_head(ts + R"("MessageType":"Error","MessageContent":")"));
  EXPECT_FALSE(detail::is_job_summary_head(ts + R"("MessageType":"ListJobTransfers","Mess)"));
  EXPECT_FALSE(detail::is_job_summary_head(ts + R"("MessageType":"Init","MessageContent":")"));
  EXPECT_FALSE(detail::is_job_summary_head(R"(Job abc summary "MessageType":"EndOfJob")"));
  EXPECT_FALSE(detail::is_job_summary_head(R"("MessageType":"EndOfJob")"));
  EXPECT_FALSE(detail::is_job_summary_head(""));
  EXPECT_FALSE(detail::is_job_summary_head("{"));
}

// wait() and observe() look at the end of a job's stdout for its own final summary.
TEST(OwnEnd, IsShownByTheRecordedOutputsOfFinishedJobsOnly) {
  for (const std::string& version : versions()) {
    for (const char* name : {"copy_json_completed", "copy_json_errors", "copy_text_completed"}) {
      const std::string out = fixture(version, name);
      EXPECT_TRUE(detail::shows_end_of_job(out)) << version << " " << name;
      // Cut before its last summary: a job still running.
      const auto at = out.find(out.find("Final Job Status:") != std::string::npos
                                   ? "Final Job Status:"
                                   : R"("MessageType":"EndOfJob")");
      ASSERT_NE(at, std::string::npos);
      EXPECT_FALSE(detail::shows_end_of_job(out.substr(0, out.rfind('\n', at) + 1)))
          << version << " " << name;
    }
    EXPECT_FALSE(detail::shows_end_of_job(fixture(version, "copy_json_killed")));
  }
  EXPECT_FALSE(detail::shows_end_of_job(""));
}

TEST(JobsShowStop, OutputCutAfterTheFirstSummaryLineParsesLikeTheWholeOutput) {
  int compared = 0;
  for (const std::string& version : versions()) {
    for (const auto& entry : fs::directory_iterator(fixtures_dir() / version)) {
      const std::string name = entry.path().filename().string();
      if (!name.starts_with("jobs_show_json_") || entry.path().extension() != ".stdout") {
        continue;
      }
      const std::string whole = read_file(entry.path());
      // What the launcher keeps: the output up to and including the accepted line.
      std::string cut;
      bool accepted = false;
      std::istringstream lines(whole);
      for (std::string line; !accepted && std::getline(lines, line);) {
        cut += line + "\n";
        accepted = detail::is_job_summary_head(
            std::string_view(line).substr(0, ProcessSpec::kLineHeadBytes));
      }
      const detail::ParsedOutput a = detail::parse_output(whole);
      const detail::ParsedOutput b = detail::parse_output(cut);
      ASSERT_EQ(a.summary.has_value(), b.summary.has_value()) << version << "/" << name;
      EXPECT_EQ(a.job_not_found, b.job_not_found) << name;
      if (!a.summary) {
        continue;
      }
      EXPECT_TRUE(accepted) << name << ": a summary, but no line was accepted";
      std::string where = version;
      where += "/";
      where += name;
      EXPECT_EQ(a.summary->job_id, b.summary->job_id) << where;
      ::azcopy_runner::testing::expect_same_figures(*a.summary, *b.summary, where);
      ++compared;
    }
  }
  // every jobs_show_json_* fixture with a summary, 22 per version: 17 LocalBlob/BlobLocal and
  // 5 of the production path (FileBlob/BlobFile)
  EXPECT_EQ(compared, 44);
}

// AzCopy's "Failed to scan" notice (an Info message: part of the source was not listed, and no
// count shows it). The lines are AzCopy's own, as printed by 10.32.2 and 10.18.1 for a share
// whose SAS lacks the list permission (tests/integration/test_files_faults.cpp).
TEST(ParseOutput, TheFailedToScanNoticeIsSeenInJsonAndText) {
  const std::string json_10_32 =
      R"({"TimeStamp":"2026-12-05T02:24:43.117611149Z","MessageType":"Info","MessageContent":)"
      R"("INFO: Failed to scan Directory/File . Logging errors in scanning logs.","PromptDetails":)"
      R"({"PromptType":"","ResponseOptions":null,"PromptTarget":""}})"
      "\n";
  const std::string json_10_18 =
      R"({"TimeStamp":"2026-12-05T02:24:45.151574666Z","MessageType":"Info","MessageContent":)"
      R"("INFO: Failed to scan directory/file . Logging errors in scanning logs.","PromptDetails":)"
      R"({"PromptType":"","ResponseOptions":null,"PromptTarget":""}})"
      "\n";
  EXPECT_TRUE(detail::parse_output(json_10_32).scan_failed);
  EXPECT_TRUE(detail::parse_output(json_10_18).scan_failed);
  EXPECT_TRUE(detail::parse_output(
                  "INFO: Failed to scan directory/file . Logging errors in scanning logs.\n")
                  .scan_failed);
  // Not the notice: an Error that says the job could not start, and a completed job.
  for (const char* version : {"10.32.2", "10.18.1"}) {
    EXPECT_FALSE(detail::parse_output(fixture(version, "copy_json_scan_error")).scan_failed);
    EXPECT_FALSE(detail::parse_output(fixture(version, "copy_json_completed")).scan_failed);
  }
}

}  // namespace
}  // namespace azcopy_runner
