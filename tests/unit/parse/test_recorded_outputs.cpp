// SPDX-License-Identifier: MIT
// Every recorded AzCopy output (10.18.1 and 10.32.2) against its manifest's ground truth.
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

struct FixtureCase {
  std::string version;
  std::string name;         ///< File stem, e.g. "jobs_show_json_errors_from_text".
  std::string expect_from;  ///< Manifest case whose `expect` applies ("" when none).
  std::optional<json> expect;
  std::optional<std::string> job_id;  ///< The job the output is about, when known.
  bool text = false;                  ///< Text output type.
  bool jobs_show = false;
};

/// The case's recording in the test log (not a dump of its bytes).
void PrintTo(const FixtureCase& c, std::ostream* os) { *os << c.version << "/" << c.name; }

/// A GoogleTest parameter name: letters, digits and underscores.
std::string sanitize(std::string name) {
  for (char& ch : name) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) {
      ch = '_';
    }
  }
  return name;
}

std::string param_name(const FixtureCase& c) { return sanitize("v" + c.version + "_" + c.name); }

std::optional<std::string> manifest_job_id(const json& c) {
  if (c.contains("job_id") && c["job_id"].is_string()) {
    return c["job_id"].get<std::string>();
  }
  return std::nullopt;
}

/// Every case of both manifests. A `jobs_show_<of>_<case>_from_<fmt>` output is about the job
/// of `copy_<fmt>_<case>`: its expected figures are those of that copy case.
std::vector<FixtureCase> all_cases() {
  std::vector<FixtureCase> out;
  for (const std::string& version : versions()) {
    const json& cases = manifest(version).at("cases");
    for (const auto& [name, c] : cases.items()) {
      FixtureCase fc;
      fc.version = version;
      fc.name = name;
      // Output type: the word after "copy_", "jobs_show_", "jobs_list_", "jobs_resume_".
      fc.text = name.rfind("copy_text", 0) == 0 || name.rfind("jobs_show_text", 0) == 0 ||
                name.rfind("jobs_list_text", 0) == 0 || name.rfind("jobs_resume_text", 0) == 0;
      fc.jobs_show = name.rfind("jobs_show_", 0) == 0;
      std::string source;
      if (name.rfind("copy_", 0) == 0 || name.rfind("jobs_resume_", 0) == 0) {
        source = name;
      } else if (const auto from = name.find("_from_"); fc.jobs_show && from != std::string::npos) {
        const std::string of_and_case = name.substr(10, from - 10);  // "<of>_<case>"
        const std::string the_case = of_and_case.substr(of_and_case.find('_') + 1);
        source = "copy_" + name.substr(from + 6) + "_" + the_case;
      } else if (name.find("_killed") != std::string::npos ||
                 name.find("_inprogress") != std::string::npos) {
        source = "copy_json_killed";  // the job that was running, then SIGKILLed
      } else if (name == "jobs_show_json_resumed") {
        source = "jobs_resume_text_killed";
      }
      if (!source.empty()) {
        const json& s = cases.at(source);
        fc.expect_from = source;
        if (s.contains("expect") && name.find("_inprogress") == std::string::npos) {
          fc.expect = s["expect"];
        }
        fc.job_id = manifest_job_id(s);
      }
      // jobs show / jobs resume name their job in argv.
      const json& command = c.at("command");
      if (command.size() > 3 && command[1] == "jobs" &&
          is_valid_job_id(command[3].get<std::string>())) {
        fc.job_id = command[3].get<std::string>();
      }
      out.push_back(std::move(fc));
    }
  }
  return out;
}

std::vector<FixtureCase> cases_where(bool (*keep)(const FixtureCase&)) {
  std::vector<FixtureCase> out;
  for (FixtureCase& c : all_cases()) {
    if (keep(c)) {
      out.push_back(std::move(c));
    }
  }
  return out;
}

// The README's states table for the statuses the fixtures hold, written out here on purpose
// rather than asked of src/state/state_rules.cpp: the parser is checked against the table, not
// against the code that the parser itself applies.
AzCopyJobState expected_state(const std::string& job_status) {
  if (job_status == "Completed" || job_status == "CompletedWithSkipped") {
    return AzCopyJobState::Succeeded;
  }
  if (job_status == "CompletedWithErrors" || job_status == "CompletedWithErrorsAndSkipped" ||
      job_status == "Failed") {
    return AzCopyJobState::Failed;
  }
  if (job_status == "Cancelled") {
    return AzCopyJobState::Canceled;
  }
  if (job_status == "InProgress") {
    return AzCopyJobState::Running;
  }
  return AzCopyJobState::Unknown;
}

// ---------------------------------------------------------------------------------------------
// Every output with ground truth: copy_*, jobs_resume_*, jobs_show_*_<case>_from_<fmt>,
// jobs_show_*_killed, jobs_show_json_resumed.

class SummaryFixture : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(SummaryFixture, MatchesManifest) {
  const FixtureCase& c = GetParam();
  ASSERT_TRUE(c.expect.has_value());
  const json& e = *c.expect;
  const AzCopySummary s = parse_summary(fixture(c.version, c.name));

  const std::string status = e.at("JobStatus").get<std::string>();
  EXPECT_EQ(s.raw_status, status);
  EXPECT_EQ(s.state, expected_state(status));
  EXPECT_EQ(s.total_transfers, to_int(e.at("TotalTransfers")));
  // No fixture has folder transfers (LocalBlob/BlobLocal to a flat namespace): files equal
  // TransfersCompleted.
  EXPECT_EQ(s.files_transferred, to_int(e.at("TransfersCompleted")));
  EXPECT_EQ(s.files_total, to_int(e.at("TotalTransfers")));
  EXPECT_EQ(s.failed_transfers, to_int(e.at("TransfersFailed")));
  EXPECT_EQ(s.skipped_transfers, to_int(e.at("TransfersSkipped")));

  const std::int64_t bytes = to_int(e.at("TotalBytesTransferred"));
  const std::int64_t expected_bytes = to_int(e.at("TotalBytesExpected"));
  if (c.text && c.jobs_show && c.version == "10.18.1") {
    // `jobs show` text of 10.18 (and older) prints no bytes line at all.
    EXPECT_EQ(s.bytes_transferred, 0);
  } else {
    EXPECT_EQ(s.bytes_transferred, bytes);
  }
  if (c.text) {
    // Text output never prints TotalBytesExpected.
    EXPECT_EQ(s.bytes_expected, 0);
  } else if (c.jobs_show) {
    EXPECT_EQ(s.bytes_expected, expected_bytes);
  } else {
    // The copy's own summary counts every enumerated byte; `jobs show` (the manifest's truth)
    // later leaves out the bytes of failed and skipped files. Equal when nothing failed or was
    // skipped.
    EXPECT_GE(s.bytes_expected, expected_bytes);
    if (s.failed_transfers == 0 && s.skipped_transfers == 0) {
      EXPECT_EQ(s.bytes_expected, expected_bytes);
    }
  }

  ASSERT_TRUE(c.job_id.has_value());
  EXPECT_EQ(s.job_id, *c.job_id);
  EXPECT_FALSE(s.raw_summary.empty());
  EXPECT_LE(s.raw_summary.size(), kMaxRawSummaryBytes);
  EXPECT_NE(s.raw_summary.find(status), std::string::npos);
  if (!c.text) {
    ASSERT_TRUE(s.started_at.has_value());
    if (is_terminal(s.state)) {
      ASSERT_TRUE(s.finished_at.has_value());
      EXPECT_LE(*s.started_at, *s.finished_at);
    } else {
      EXPECT_FALSE(s.finished_at.has_value());
    }
  }
  EXPECT_LE(s.messages.size(), kMaxMessages);
  EXPECT_LE(s.failed_files.size(), kMaxFailedFiles);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, SummaryFixture,
                         ::testing::ValuesIn(cases_where([](const FixtureCase& c) {
                           return c.expect.has_value();
                         })),
                         [](const ::testing::TestParamInfo<FixtureCase>& param_info) {
                           return param_name(param_info.param);
                         });

// ---------------------------------------------------------------------------------------------
// parse_job_id on every copy_* / jobs_resume_* output.

class JobIdFixture : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(JobIdFixture, MatchesManifest) {
  const FixtureCase& c = GetParam();
  const std::optional<std::string> id = parse_job_id(fixture(c.version, c.name));
  // jobs resume prints "Job <id> has started" for the resumed job; the manifest's job_id is
  // null there, the job is the one named in argv (c.job_id).
  EXPECT_EQ(id, c.job_id);
  if (id) {
    EXPECT_TRUE(is_valid_job_id(*id));
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, JobIdFixture,
                         ::testing::ValuesIn(cases_where([](const FixtureCase& c) {
                           return c.name.rfind("copy_", 0) == 0 ||
                                  c.name.rfind("jobs_resume_", 0) == 0;
                         })),
                         [](const ::testing::TestParamInfo<FixtureCase>& param_info) {
                           return param_name(param_info.param);
                         });

TEST(JobIdFixtures, ScanErrorPrintsAJobIdOnlyOn1032) {
  // 10.32 prints the Init JobID (json) / "Job <id> has started" (text) before the scan fails.
  EXPECT_EQ(parse_job_id(fixture("10.32.2", "copy_json_scan_error")),
            "036a16af-a6c2-c244-79b6-1a5c184ffbc2");
  EXPECT_EQ(parse_job_id(fixture("10.32.2", "copy_text_scan_error")),
            "fbf36323-542f-8343-6244-a912a28c20b2");
  EXPECT_EQ(parse_job_id(fixture("10.18.1", "copy_json_scan_error")), std::nullopt);
  EXPECT_EQ(parse_job_id(fixture("10.18.1", "copy_text_scan_error")), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Every fixture file (stdout and stderr): no crash, only library errors.

struct AnyFile {
  std::string version;
  std::string file;
};

void PrintTo(const AnyFile& c, std::ostream* os) { *os << c.version << "/" << c.file; }

std::vector<AnyFile> all_files() {
  std::vector<AnyFile> out;
  for (const std::string& version : versions()) {
    for (const auto& entry : fs::directory_iterator(fixtures_dir() / version)) {
      const std::string ext = entry.path().extension().string();
      if (ext == ".stdout" || ext == ".stderr") {
        out.push_back({version, entry.path().filename().string()});
      }
    }
  }
  return out;
}

class AnyFixtureFile : public ::testing::TestWithParam<AnyFile> {};

TEST_P(AnyFixtureFile, ParsesWithoutCrashOrForeignException) {
  const std::string content = read_file(fixtures_dir() / GetParam().version / GetParam().file);
  const detail::ParsedOutput parsed = detail::parse_output(content);
  EXPECT_LE(parsed.messages.size(), kMaxMessages);
  try {
    const AzCopySummary s = parse_summary(content);
    EXPECT_LE(s.raw_summary.size(), kMaxRawSummaryBytes);
    EXPECT_NE(s.raw_status, "");
  } catch (const AzCopyJobNotFoundError& e) {
    EXPECT_TRUE(parsed.job_not_found);
    EXPECT_LE(e.excerpt().size(), kMaxExcerptBytes);
  } catch (const AzCopyParseError& e) {
    EXPECT_FALSE(parsed.summary.has_value());
    EXPECT_LE(e.excerpt().size(), kMaxExcerptBytes);
  }
  (void)parse_job_id(content);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, AnyFixtureFile, ::testing::ValuesIn(all_files()),
                         [](const ::testing::TestParamInfo<AnyFile>& param_info) {
                           return sanitize("v" + param_info.param.version + "_" +
                                           param_info.param.file);
                         });

// ---------------------------------------------------------------------------------------------
// Specific fixtures.

class PerVersion : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Fixtures, PerVersion, ::testing::ValuesIn(versions()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return sanitize("v" + param_info.param);
                         });

TEST_P(PerVersion, UnknownJobIsJobNotFound) {
  for (const std::string of : {"json", "text"}) {
    SCOPED_TRACE(of);
    try {
      (void)parse_summary(fixture(GetParam(), "jobs_show_" + of + "_notfound"));
      ADD_FAILURE() << "no exception";
    } catch (const AzCopyJobNotFoundError& e) {
      EXPECT_EQ(e.job_id(), "7b0a9c2e-1111-4222-8333-444455556666");
      EXPECT_NE(e.excerpt().find("no job with JobId"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("no job with JobId"), std::string::npos);
    }
    const auto parsed = detail::parse_output(fixture(GetParam(), "jobs_show_" + of + "_notfound"));
    EXPECT_TRUE(parsed.job_not_found);
    EXPECT_EQ(parsed.errors, 1);
  }
}

TEST_P(PerVersion, MalformedJobIdIsJobNotFound) {
  // "invalid jobId given ..." is plain text even with --output-type=json.
  for (const std::string of : {"json", "text"}) {
    SCOPED_TRACE(of);
    const std::string out = fixture(GetParam(), "jobs_show_" + of + "_invalid_id");
    EXPECT_THROW((void)parse_summary(out), AzCopyJobNotFoundError);
    try {
      (void)parse_summary(out);
    } catch (const AzCopyJobNotFoundError& e) {
      EXPECT_EQ(e.job_id(), "");
      EXPECT_NE(e.excerpt().find("invalid jobId given"), std::string::npos);
    }
  }
}

TEST_P(PerVersion, RejectedCommandsHaveNoSummary) {
  for (const std::string name :
       {"copy_json_bad_flag", "copy_text_bad_flag", "copy_json_no_from_to", "copy_text_no_from_to",
        "copy_json_scan_error", "copy_text_scan_error"}) {
    SCOPED_TRACE(name);
    const std::string out = fixture(GetParam(), name);
    try {
      (void)parse_summary(out);
      ADD_FAILURE() << "no exception";
    } catch (const AzCopyParseError& e) {
      EXPECT_FALSE(e.excerpt().empty());
      EXPECT_EQ(e.excerpt().find("sig=-REDACTED-"), std::string::npos);  // our redaction ran
      // The job id, when AzCopy printed one before failing (10.32 scan_error), is kept.
      EXPECT_EQ(e.job_id(), parse_job_id(out).value_or(""));
    }
    const auto parsed = detail::parse_output(out);
    EXPECT_GE(parsed.errors, 1);
    EXPECT_FALSE(parsed.messages.empty());
    EXPECT_FALSE(parsed.job_not_found);
  }
}

TEST_P(PerVersion, KilledJobIsRunningForever) {
  for (const std::string name :
       {"copy_json_killed", "jobs_show_json_killed", "jobs_show_text_killed",
        "jobs_show_json_inprogress", "jobs_show_text_inprogress"}) {
    SCOPED_TRACE(name);
    const AzCopySummary s = parse_summary(fixture(GetParam(), name));
    EXPECT_EQ(s.state, AzCopyJobState::Running);
    EXPECT_EQ(s.raw_status, "InProgress");
    EXPECT_EQ(s.total_transfers, 60);
    EXPECT_FALSE(s.finished_at.has_value());
  }
  // jobs show answers with an EndOfJob even for a running job: EndOfJob is not "terminal".
  const auto parsed = detail::parse_output(fixture(GetParam(), "jobs_show_json_killed"));
  EXPECT_TRUE(parsed.end_of_job);
  // The copy itself never printed EndOfJob.
  EXPECT_FALSE(detail::parse_output(fixture(GetParam(), "copy_json_killed")).end_of_job);
}

TEST_P(PerVersion, CancelledJob) {
  for (const std::string name : {"copy_json_cancelled", "copy_text_cancelled"}) {
    SCOPED_TRACE(name);
    const auto parsed = detail::parse_output(fixture(GetParam(), name));
    ASSERT_TRUE(parsed.summary.has_value());
    EXPECT_EQ(parsed.summary->state, AzCopyJobState::Canceled);
    EXPECT_TRUE(parsed.end_of_job);
    EXPECT_FALSE(parsed.cancel_prompt);  // SIGINT after scanning: no prompt
  }
}

TEST_P(PerVersion, FailedJobListsItsFailedFiles) {
  for (const std::string name :
       {"copy_json_failed", "jobs_show_json_failed_from_json", "jobs_show_json_failed_from_text"}) {
    SCOPED_TRACE(name);
    const AzCopySummary s = parse_summary(fixture(GetParam(), name));
    EXPECT_EQ(s.state, AzCopyJobState::Failed);
    // 10.32 copy: the list in Progress, [] in EndOfJob. 10.18 copy: the list in Progress and
    // again in EndOfJob. 10.32 jobs show: GetJobSummary + an EndOfJob repeating the list.
    // Each failed file is counted once.
    ASSERT_EQ(s.failed_files.size(), 4U);
    EXPECT_EQ(s.failed_files_omitted, 0);
    for (const FailedFile& f : s.failed_files) {
      EXPECT_EQ(f.error_code, "404");
      EXPECT_EQ(f.transfer_status, "Failed");
      EXPECT_EQ(f.source.rfind("/app/data/src/", 0), 0U) << f.source;
      EXPECT_NE(f.destination.find("/nosuchcontainer-run/src/"), std::string::npos);
      const auto sig = f.destination.find("sig=");
      EXPECT_TRUE(sig == std::string::npos || f.destination.substr(sig, 12) == "sig=REDACTED");
    }
  }
  // Sizes are known to the copy, not to jobs show (TransferSize 0 there).
  const AzCopySummary copy = parse_summary(fixture(GetParam(), "copy_json_failed"));
  std::int64_t total = 0;
  for (const FailedFile& f : copy.failed_files) {
    total += f.size;
  }
  EXPECT_EQ(total, 600003);
}

TEST_P(PerVersion, SkippedTransfersAreNotFailures) {
  const AzCopySummary s =
      parse_summary(fixture(GetParam(), "jobs_show_json_errors_and_skipped_from_json"));
  EXPECT_EQ(s.skipped_transfers, 2);
  ASSERT_EQ(s.failed_files.size(), 1U);
  EXPECT_EQ(s.failed_files[0].error_code, "412");
}

TEST_P(PerVersion, TransferListingIsNotASummary) {
  // `jobs show ID --with-status=Failed`: a list of transfers, no job status.
  const std::string out = fixture(GetParam(), "jobs_show_json_failed_with_status_failed");
  EXPECT_THROW((void)parse_summary(out), AzCopyParseError);
  const auto parsed = detail::parse_output(out);
  EXPECT_FALSE(parsed.summary.has_value());
  EXPECT_FALSE(parsed.job_not_found);
  EXPECT_EQ(parsed.errors, 0);
}

TEST_P(PerVersion, JobsListIsNotASummary) {
  for (const std::string name : {"jobs_list_json", "jobs_list_text"}) {
    SCOPED_TRACE(name);
    const std::string out = fixture(GetParam(), name);
    EXPECT_THROW((void)parse_summary(out), AzCopyParseError);
    EXPECT_EQ(parse_job_id(out), std::nullopt);
    const auto parsed = detail::parse_output(out);
    EXPECT_FALSE(parsed.job_not_found);
    EXPECT_EQ(parsed.errors, 0);
  }
}

TEST_P(PerVersion, LogFileAndTimestamps) {
  const auto parsed = detail::parse_output(fixture(GetParam(), "copy_json_completed"));
  ASSERT_TRUE(parsed.job_id.has_value());
  EXPECT_EQ(parsed.log_file, "/app/.azcopy/" + *parsed.job_id + ".log");
  ASSERT_TRUE(parsed.first_timestamp && parsed.last_timestamp && parsed.end_timestamp);
  EXPECT_LE(*parsed.first_timestamp, *parsed.end_timestamp);
  EXPECT_EQ(*parsed.last_timestamp, *parsed.end_timestamp);
  ASSERT_TRUE(parsed.summary.has_value());
  EXPECT_EQ(parsed.summary->started_at, parsed.first_timestamp);
  EXPECT_EQ(parsed.summary->finished_at, parsed.end_timestamp);
  EXPECT_EQ(parsed.warnings, 0);
  EXPECT_EQ(parsed.errors, 0);

  const auto text = detail::parse_output(fixture(GetParam(), "copy_text_completed"));
  ASSERT_TRUE(text.job_id.has_value());
  EXPECT_EQ(text.log_file, "/app/.azcopy/" + *text.job_id + ".log");
  EXPECT_FALSE(text.first_timestamp.has_value());
  EXPECT_TRUE(text.end_of_job);
}

TEST(Fixture1032, Timestamps) {
  const AzCopySummary s = parse_summary(fixture("10.32.2", "copy_json_completed"));
  ASSERT_TRUE(s.started_at && s.finished_at);
  EXPECT_EQ(detail::format_timestamp(*s.started_at), "2026-11-29T18:23:10.301Z");
  EXPECT_EQ(detail::format_timestamp(*s.finished_at), "2026-11-29T18:23:12.304Z");
}

TEST(Fixture1032, TextProgressOfCancelledJobIsReadFromCrSeparatedLines) {
  const auto parsed = detail::parse_output(fixture("10.32.2", "copy_text_cancelled"));
  ASSERT_TRUE(parsed.summary.has_value());
  EXPECT_EQ(parsed.summary->total_transfers, 60);
  EXPECT_EQ(parsed.summary->raw_status, "Cancelled");
  EXPECT_EQ(parsed.warnings, 0);
}

}  // namespace
}  // namespace azcopy_runner
