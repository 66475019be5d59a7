// SPDX-License-Identifier: MIT
// Hostile inputs: the parsers never crash and throw only this library's errors.
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
// Hostile inputs: never crash, only this library's errors.

// NOLINTNEXTLINE(readability-function-cognitive-complexity): a catch per error type, each checked
void expect_only_library_errors(std::string_view input) {
  try {
    const AzCopySummary s = parse_summary(input);
    EXPECT_LE(s.raw_summary.size(), kMaxRawSummaryBytes);
    EXPECT_LE(s.failed_files.size(), kMaxFailedFiles);
    EXPECT_LE(s.messages.size(), kMaxMessages);
  } catch (const AzCopyJobNotFoundError& e) {
    EXPECT_LE(e.excerpt().size(), kMaxExcerptBytes);
  } catch (const AzCopyParseError& e) {
    EXPECT_LE(e.excerpt().size(), kMaxExcerptBytes);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "foreign exception: " << e.what();
  }
  (void)parse_job_id(input);
  (void)detail::parse_output(input);
}

TEST(Hostile, EmptyAndGarbage) {
  EXPECT_THROW((void)parse_summary(""), AzCopyParseError);
  EXPECT_EQ(parse_job_id(""), std::nullopt);
  for (const std::string_view input :
       {"\n\n\r\r", "garbage", "{", "}", "[", "{}", "{\"MessageType\":1}", "null", "\"str\"",
        R"({"MessageType":"EndOfJob"})", R"({"MessageType":"EndOfJob","MessageContent":"{"})",
        R"({"MessageType":"EndOfJob","MessageContent":"[1,2]"})",
        R"({"MessageType":"EndOfJob","MessageContent":"null"})",
        "Job  summary\nFinal Job Status:", "Job x summary\n: \n:\n", "100 %, Done Total",
        "1 %, 1 Done, 1 Total", "%%%%", "\xEF\xBB\xBF"}) {
    SCOPED_TRACE(input);
    expect_only_library_errors(input);
  }
}

TEST(Hostile, TruncatedJsonLines) {
  const std::string full = message("EndOfJob", summary_json("Completed").dump());
  for (std::size_t cut = 0; cut < full.size(); cut += 7) {
    const std::string truncated = full.substr(0, cut);
    const auto parsed = detail::parse_output(truncated);
    if (cut + 2 < full.size()) {
      EXPECT_FALSE(parsed.summary.has_value()) << cut;
    }
    expect_only_library_errors(truncated);
  }
  // A truncated last line does not hide the summary before it.
  const AzCopySummary s = parse_summary(full + full.substr(0, full.size() / 2));
  EXPECT_EQ(s.raw_status, "Completed");
}

TEST(Hostile, WrongTypes) {
  for (
      const std::string& line : {
          std::string(R"({"MessageType":"EndOfJob","MessageContent":{"JobStatus":"Completed"}})"),
          std::string(R"({"MessageType":"EndOfJob","MessageContent":42})"),
          std::string(R"({"MessageType":"EndOfJob","MessageContent":null})"),
          std::string(R"({"MessageType":["EndOfJob"],"MessageContent":"{}"})"),
          std::string(R"({"MessageType":"EndOfJob","MessageContent":"{\"JobStatus\":5}"})"),
          std::string(
              R"({"MessageType":"EndOfJob","MessageContent":"{\"JobStatus\":\"Completed\",\"FailedTransfers\":{\"a\":1}}"})"),
          std::string(
              R"({"MessageType":"EndOfJob","MessageContent":"{\"JobStatus\":\"Failed\",\"FailedTransfers\":[1,\"x\",null,[],{\"Src\":[1],\"Dst\":{},\"TransferSize\":\"big\",\"ErrorCode\":404}]}"})"),
          std::string(R"({"MessageType":"Init","MessageContent":"{\"JobID\":12}"})"),
          std::string(R"({"MessageType":"Prompt","PromptDetails":"Cancel"})"),
          std::string(R"({"TimeStamp":12,"MessageType":"Info","MessageContent":"WARN: x"})"),
      }) {
    SCOPED_TRACE(line);
    expect_only_library_errors(line);
  }
  // An object MessageContent is not accepted (AzCopy always encodes it as a string).
  EXPECT_THROW((void)parse_summary(
                   R"({"MessageType":"EndOfJob","MessageContent":{"JobStatus":"Completed"}})"),
               AzCopyParseError);
  // Non-string entry fields are ignored, the entry still counts.
  const AzCopySummary s = parse_summary(
      R"({"MessageType":"EndOfJob","MessageContent":"{\"JobStatus\":\"Failed\",\"FailedTransfers\":[1,{\"Src\":[1],\"Dst\":{},\"TransferSize\":\"big\",\"ErrorCode\":404}]}"})");
  ASSERT_EQ(s.failed_files.size(), 1U);
  EXPECT_EQ(s.failed_files[0].error_code, "404");
  EXPECT_EQ(s.failed_files[0].size, 0);
}

TEST(Hostile, DeepNesting) {
  const std::string deep(100000, '[');
  expect_only_library_errors(deep);
  expect_only_library_errors("{\"a\":" + deep);
  expect_only_library_errors(R"({"MessageType":"EndOfJob","X":)" + deep + std::string(100000, ']') +
                             R"(,"MessageContent":"{}"})");
  // Deep JSON inside MessageContent.
  json j;
  j["MessageType"] = "EndOfJob";
  j["MessageContent"] = R"({"JobStatus":"Completed","X":)" + deep + std::string(100000, ']') + "}";
  const AzCopySummary s = parse_summary(j.dump());
  EXPECT_EQ(s.raw_status, "Completed");
  j["MessageContent"] = R"({"JobStatus":"Completed","X":)" + deep;
  expect_only_library_errors(j.dump());
}

TEST(Hostile, InvalidUtf8AndNulBytes) {
  using namespace std::string_view_literals;
  std::string input = message("Info", "WARN: x");
  input += "\xff\xfe\xc3\x28\n";
  input.push_back('\0');
  input += "Job \xff summary\nFinal Job Status: \xc3\n";
  input += "{\"MessageType\":\"Error\",\"MessageContent\":\"\xff\xfe\"}\n"sv;
  input += "{\"MessageType\":\"Error\",\"MessageContent\":\"a\0b\"}\n"sv;
  input += message("EndOfJob", summary_json("Completed").dump());
  input.push_back('\0');
  input += "\r\0\0\0"sv;
  expect_only_library_errors(input);
  EXPECT_EQ(parse_summary(input).raw_status, "Completed");
}

TEST(Hostile, TenMegabyteSingleLine) {
  const std::string line(10U << 20U, 'a');
  EXPECT_THROW((void)parse_summary(line), AzCopyParseError);
  EXPECT_EQ(parse_job_id(line), std::nullopt);
  const std::string json_line = R"({"MessageType":"Error","MessageContent":")" + line + "\"}";
  try {
    (void)parse_summary(json_line);
    ADD_FAILURE() << "no exception";
  } catch (const AzCopyParseError& e) {
    EXPECT_LE(std::string_view(e.what()).size(), 2 * kMaxExcerptBytes);
    EXPECT_LE(e.excerpt().size(), kMaxExcerptBytes);
  }
  const std::string url_line = "https://h/p?sig=" + line;
  try {
    (void)parse_summary(url_line);
    ADD_FAILURE() << "no exception";
  } catch (const AzCopyParseError& e) {
    EXPECT_EQ(e.excerpt().find("aaaa"), std::string::npos);  // redacted, not quoted
  }
  EXPECT_THROW((void)parse_summary(std::string(10U << 20U, '9') + " %, 1 Done, 1 Total"),
               AzCopyParseError);
}

TEST(Hostile, NumbersAsHugeStringsAreDeterministic) {
  json j = summary_json("Completed");
  j["TotalTransfers"] = std::string(5000, '9');
  j["TransfersCompleted"] = "18446744073709551616";
  j["TotalBytesExpected"] = "1e999999";
  j["TotalBytesTransferred"] = "-99999999999999999999999";
  j["PercentComplete"] = "1e999";
  const AzCopySummary a = parse_summary(message("EndOfJob", j.dump()));
  const AzCopySummary b = parse_summary(message("EndOfJob", j.dump()));
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(a.total_transfers, max);
  EXPECT_EQ(a.files_transferred, max);
  EXPECT_EQ(a.bytes_expected, max);
  EXPECT_EQ(a.bytes_transferred, 0);
  EXPECT_EQ(a.total_transfers, b.total_transfers);
  // Same through the text parser.
  const AzCopySummary t = parse_summary(
      "Job cdebef2f-dca8-a446-7a8a-d6df4a35d1dd summary\nTotal Number of Transfers: " +
      std::string(100, '9') +
      "\nNumber of File Transfers Completed: -5\nFinal Job Status: Completed\n");
  EXPECT_EQ(t.total_transfers, max);
  EXPECT_EQ(t.files_transferred, 0);
}

TEST(Hostile, ManyLinesEndOnTheLastSummary) {
  // ~4 MB of JSON progress messages, then ~4 MB of text progress lines. (How the cost grows
  // with the size is measured by the benchmarks, not by a timed test: the machine is shared.)
  const std::string progress = message("Progress", summary_json("InProgress", 2).dump());
  std::string big = init();
  while (big.size() < (4U << 20U)) {
    big += progress;
  }
  big += message("EndOfJob", summary_json("Completed").dump());
  const AzCopySummary s = parse_summary(big);
  EXPECT_EQ(s.raw_status, "Completed");
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);

  std::string text = "Job cdebef2f-dca8-a446-7a8a-d6df4a35d1dd has started\n";
  while (text.size() < (4U << 20U)) {
    text +=
        "\r66.7 %, 3 Done, 1 Failed, 0 Pending, 0 Skipped, 4 Total, 2-sec Throughput (Mb/s): 2.39";
  }
  const AzCopySummary t = parse_summary(text);
  EXPECT_EQ(t.state, AzCopyJobState::Running);
  EXPECT_EQ(t.failed_transfers, 1);
  EXPECT_EQ(t.total_transfers, 4);
}

}  // namespace
}  // namespace azcopy_runner
