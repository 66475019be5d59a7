// SPDX-License-Identifier: MIT
// One parser, every path: the same AzCopy output gives the same result whether it is parsed as
// a string (parse_output), from a file (parse_output_file, as `jobs show` output is read), fed
// line by line or in chunks to an OutputParser, or through parse_summary(); and each summary
// line gives the same counters to parse_progress_line() (poll's fast path) as to parse_output().
// Run on every recorded AzCopy output (tests/data/azcopy-fixtures) and on text shapes that the
// recordings do not hold (CR LF, a BOM, no final line break, '\r'-separated progress).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "parse/output_parser.hpp"
#include "parse/output_scan.hpp"
#include "support/expect_same.hpp"

namespace azcopy_runner::detail {
namespace {
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Every field of two results is the same.
void expect_same_result(const ParsedOutput& expected, const ParsedOutput& actual,
                        const std::string& where) {
  EXPECT_EQ(expected.job_id, actual.job_id) << where;
  EXPECT_EQ(expected.log_file, actual.log_file) << where;
  EXPECT_EQ(expected.end_of_job, actual.end_of_job) << where;
  EXPECT_EQ(expected.job_not_found, actual.job_not_found) << where;
  EXPECT_EQ(expected.cancel_prompt, actual.cancel_prompt) << where;
  EXPECT_EQ(expected.warnings, actual.warnings) << where;
  EXPECT_EQ(expected.errors, actual.errors) << where;
  EXPECT_EQ(expected.messages, actual.messages) << where;
  EXPECT_EQ(expected.first_timestamp, actual.first_timestamp) << where;
  EXPECT_EQ(expected.last_timestamp, actual.last_timestamp) << where;
  EXPECT_EQ(expected.end_timestamp, actual.end_timestamp) << where;
  EXPECT_EQ(expected.uncounted_folders, actual.uncounted_folders) << where;
  EXPECT_EQ(expected.empty_folders_not_processed, actual.empty_folders_not_processed) << where;
  EXPECT_EQ(expected.empty_folders_notice, actual.empty_folders_notice) << where;
  EXPECT_EQ(expected.scan_failed, actual.scan_failed) << where;
  ASSERT_EQ(expected.summary.has_value(), actual.summary.has_value()) << where;
  if (expected.summary) {
    testing::expect_same_figures(*expected.summary, *actual.summary, where);
    EXPECT_EQ(expected.summary->job_id, actual.summary->job_id) << where;
    EXPECT_EQ(expected.summary->warnings, actual.summary->warnings) << where;
    EXPECT_EQ(expected.summary->started_at, actual.summary->started_at) << where;
    EXPECT_EQ(expected.summary->finished_at, actual.summary->finished_at) << where;
    EXPECT_EQ(expected.summary->empty_folders_not_processed,
              actual.summary->empty_folders_not_processed)
        << where;
  }
}

/// @p output split into whole lines, each with its line break ('\n' only, as a file is read).
std::vector<std::string_view> lines_of(std::string_view output) {
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < output.size();) {
    const std::size_t lf = output.find('\n', pos);
    const std::size_t next = lf == std::string_view::npos ? output.size() : lf + 1;
    lines.push_back(output.substr(pos, next - pos));
    pos = next;
  }
  return lines;
}

/// A private temp file holding @p content, removed at the end of the scope.
class TempOutput {
 public:
  explicit TempOutput(const std::string& content) {
    std::string pattern = (fs::temp_directory_path() / "parse-paths-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    EXPECT_GE(fd, 0);
    ::close(fd);
    path_ = pattern;
    std::ofstream(path_, std::ios::binary) << content;
  }
  TempOutput(const TempOutput&) = delete;
  TempOutput& operator=(const TempOutput&) = delete;
  TempOutput(TempOutput&&) = delete;
  TempOutput& operator=(TempOutput&&) = delete;
  ~TempOutput() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// Every path gives the result parse_output() gives for @p output.
void expect_every_path_agrees(const std::string& output, const std::string& where) {
  const ParsedOutput whole = parse_output(output);

  const TempOutput file(output);
  expect_same_result(whole, parse_output_file(file.path()), where + " [file]");

  OutputParser by_line;
  for (const std::string_view line : lines_of(output)) {
    by_line.feed(line);
  }
  expect_same_result(whole, by_line.finish(), where + " [line by line]");

  for (std::size_t per_chunk : {2U, 3U, 7U}) {
    OutputParser by_chunk;
    const auto lines = lines_of(output);
    for (std::size_t i = 0; i < lines.size(); i += per_chunk) {
      const std::size_t last = std::min(lines.size(), i + per_chunk) - 1;
      const char* begin = lines[i].data();
      const char* end = lines[last].data() + lines[last].size();
      by_chunk.feed(std::string_view(begin, static_cast<std::size_t>(end - begin)));
    }
    expect_same_result(whole, by_chunk.finish(),
                       where + " [chunks of " + std::to_string(per_chunk) + " lines]");
  }

  if (whole.summary) {
    const AzCopySummary summary = parse_summary(output);
    testing::expect_same_figures(*whole.summary, summary, where + " [parse_summary]");
    EXPECT_EQ(whole.summary->job_id, summary.job_id) << where;
  } else {
    EXPECT_THROW(static_cast<void>(parse_summary(output)), AzCopyError) << where;
  }
}

/// Each JSON summary line gives poll's fast path the figures parse_output() reads from it.
void expect_progress_lines_agree(const std::string& output, const std::string& where) {
  for (const std::string_view with_break : lines_of(output)) {
    const std::string_view line = with_break.substr(0, with_break.find_first_of("\r\n"));
    const std::string terminated = std::string(line) + "\n";
    if (line.empty() || last_summary_line(terminated) != line) {
      continue;  // not a Progress / EndOfJob / GetJobSummary message
    }
    const ParsedOutput full = parse_output(line);
    const ParsedOutput counts = parse_progress_line(line);
    ASSERT_EQ(full.summary.has_value(), counts.summary.has_value()) << where;
    if (!full.summary) {
      continue;  // e.g. `jobs list`: an EndOfJob that holds no job summary
    }
    const AzCopySummary& a = *full.summary;
    const AzCopySummary& b = *counts.summary;
    EXPECT_EQ(a.state, b.state) << where;
    EXPECT_EQ(a.raw_status, b.raw_status) << where;
    EXPECT_EQ(a.files_transferred, b.files_transferred) << where;
    EXPECT_EQ(a.bytes_transferred, b.bytes_transferred) << where;
    EXPECT_EQ(a.failed_transfers, b.failed_transfers) << where;
    EXPECT_EQ(a.skipped_transfers, b.skipped_transfers) << where;
    EXPECT_EQ(a.total_transfers, b.total_transfers) << where;
    EXPECT_EQ(a.bytes_expected, b.bytes_expected) << where;
    EXPECT_EQ(a.percent_complete, b.percent_complete) << where;
    EXPECT_EQ(full.end_of_job, counts.end_of_job) << where;
    EXPECT_EQ(full.last_timestamp, counts.last_timestamp) << where;
    // Counts only: the lists are not read (every counter comes before them); no raw summary.
    EXPECT_TRUE(b.failed_files.empty()) << where;
    EXPECT_EQ(b.failed_files_omitted, 0) << where;
    EXPECT_TRUE(b.raw_summary.empty()) << where;
  }
}

std::vector<fs::path> recorded_outputs() {
  std::vector<fs::path> files;
  for (const auto& version : fs::directory_iterator(AZCOPY_RUNNER_FIXTURES_DIR)) {
    if (!version.is_directory()) {
      continue;
    }
    for (const auto& file : fs::directory_iterator(version.path())) {
      const std::string ext = file.path().extension().string();
      if (ext == ".stdout" || ext == ".stderr") {
        files.push_back(file.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ParsePaths, EveryRecordedOutputGivesTheSameResultByEveryPath) {
  const auto files = recorded_outputs();
  ASSERT_GT(files.size(), 100U) << "the recorded outputs are missing";
  std::size_t with_summary = 0;
  for (const auto& file : files) {
    const std::string output = read_file(file);
    const std::string where =
        file.parent_path().filename().string() + "/" + file.filename().string();
    expect_every_path_agrees(output, where);
    expect_progress_lines_agree(output, where);
    if (parse_output(output).summary) {
      ++with_summary;
    }
  }
  EXPECT_GT(with_summary, 50U) << "the comparison must cover outputs with a summary";
}

// poll's fast path reads a progress line up to its first list (the counters come first). A
// file name or an error text holding `,"FailedTransfers":` does not fool it, and a content whose
// counters come after the lists is read whole: the figures are those of the full parser.
TEST(ParsePaths, AProgressLineIsReadUpToItsListsOnlyWhereTheCountersComeFirst) {
  const std::string counters =
      R"(\"JobID\":\"43c506fd-e11b-4942-4b71-a73b9267e60f\",\"JobStatus\":\"InProgress\",)"
      R"(\"TotalTransfers\":\"10\",\"TransfersCompleted\":\"3\",\"TransfersFailed\":\"2\",)"
      R"(\"TransfersSkipped\":\"1\",\"TotalBytesTransferred\":\"30\",)"
      R"(\"TotalBytesExpected\":\"100\",\"PercentComplete\":\"30\")";
  const std::string lists =
      R"(\"FailedTransfers\":[{\"Src\":\"/a,\\\"FailedTransfers\\\":[\",\"Dst\":\"d\",)"
      R"(\"TransferStatus\":\"Failed\",\"ErrorCode\":\"404\"}],\"SkippedTransfers\":[])";
  const std::string error = R"(\"ErrorMsg\":\"bad ,\\\"FailedTransfers\\\":[ here\")";
  const std::string head =
      R"({"TimeStamp":"2026-12-05T01:53:56.324Z","MessageType":"Progress","MessageContent":"{)";
  const std::string tail = R"(}","PromptDetails":{"PromptType":""}})";
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"counters first", head + error + "," + counters + "," + lists + tail},
      {"lists first", head + error + "," + lists + "," + counters + tail},
  };
  for (const auto& [name, line] : lines) {
    const ParsedOutput full = parse_output(line);
    const ParsedOutput counts = parse_progress_line(line);
    ASSERT_TRUE(full.summary.has_value()) << name;
    ASSERT_TRUE(counts.summary.has_value()) << name;
    EXPECT_EQ(full.summary->total_transfers, 10) << name;
    EXPECT_EQ(full.summary->failed_files.size(), 1U) << name;
    for (const AzCopySummary* s : {&*full.summary, &*counts.summary}) {
      EXPECT_EQ(s->total_transfers, 10) << name;
      EXPECT_EQ(s->files_transferred, 3) << name;
      EXPECT_EQ(s->failed_transfers, 2) << name;
      EXPECT_EQ(s->skipped_transfers, 1) << name;
      EXPECT_EQ(s->bytes_transferred, 30) << name;
      EXPECT_EQ(s->bytes_expected, 100) << name;
      EXPECT_EQ(s->raw_status, "InProgress") << name;
    }
    EXPECT_EQ(full.errors, counts.errors) << name;
    EXPECT_EQ(full.messages, counts.messages) << name;
  }
}

TEST(ParsePaths, TextShapesTheRecordingsDoNotHoldGiveTheSameResultByEveryPath) {
  // Not `"Job " + std::string`: GCC 12 at -O3 reports a false -Wrestrict there (bug 105329).
  std::string job = "Job ";
  job += "0bd1a7e4-3f0c-4a4e-a1e5-2b4b0c1d9e77";
  const std::string block = job +
                            " summary\r\n"
                            "\r\n"
                            "Elapsed Time (Minutes): 0.0334\r\n"
                            "Number of File Transfers: 4\r\n"
                            "Number of File Transfers Completed: 3\r\n"
                            "Number of File Transfers Failed: 1\r\n"
                            "Total Number of Bytes Transferred: 30\r\n"
                            "Final Job Status: CompletedWithErrors\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"CR LF block", std::string("INFO: Scanning...\r\n") + job + " has started\r\n" + block},
      {"BOM", "\xEF\xBB\xBF" + job + " has started\n" + block},
      {"no final break", job + " has started\nFinal Job Status: Completed"},
      {"CR progress",
       job + " has started\n"
             "0.0 %, 0 Done, 0 Failed, 4 Pending, 0 Skipped, 4 Total, 2-sec Throughput (Mb/s): 0\r"
             "50.0 %, 2 Done, 0 Failed, 2 Pending, 0 Skipped, 4 Total, 2-sec Throughput (Mb/s): 1\r"
             "\n"},
      {"block cut by an error", job + " summary\n"
                                      "Number of File Transfers: 4\n"
                                      "\n"
                                      "failed to perform copy command due to error: boom\n"},
      {"empty", ""},
  };
  for (const auto& [name, output] : cases) {
    expect_every_path_agrees(output, name);
  }
  // The block's raw text is what AzCopy printed, line breaks and blank lines included.
  const auto parsed = parse_output(cases[0].second);
  ASSERT_TRUE(parsed.summary.has_value());
  EXPECT_EQ(parsed.summary->raw_summary, block.substr(0, block.size() - 2));
  EXPECT_EQ(parsed.summary->failed_transfers, 1);
}

}  // namespace
}  // namespace azcopy_runner::detail
