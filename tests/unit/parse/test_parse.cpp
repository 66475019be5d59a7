// SPDX-License-Identifier: MIT
// Parsers of AzCopy output: every recorded fixture (AzCopy 10.18.1 and 10.32.2) against the
// manifest's ground truth, then synthetic and hostile inputs.
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
#include "support/expect_same.hpp"

namespace azcopy_runner {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Fixtures

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::string content(static_cast<std::size_t>(fs::file_size(path)), '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  return content;
}

const fs::path& fixtures_dir() {
  static const fs::path dir{AZCOPY_RUNNER_FIXTURES_DIR};
  return dir;
}

const std::vector<std::string>& versions() {
  static const std::vector<std::string> list{"10.18.1", "10.32.2"};
  return list;
}

const json& manifest(const std::string& version) {
  static std::map<std::string, json> cache;
  auto it = cache.find(version);
  if (it == cache.end()) {
    it = cache.emplace(version, json::parse(read_file(fixtures_dir() / version / "manifest.json")))
             .first;
  }
  return it->second;
}

std::string fixture(const std::string& version, const std::string& name) {
  return read_file(fixtures_dir() / version / (name + ".stdout"));
}

std::int64_t to_int(const json& value) { return std::stoll(value.get<std::string>()); }

/// One recorded output, and what is known about the job it is about.
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

// ---------------------------------------------------------------------------------------------
// Synthetic JSON outputs.

std::string message(std::string_view type, std::string_view content,
                    std::string_view ts = "2026-11-29T18:23:10.30122744Z",
                    std::string_view prompt_type = "") {
  json j;
  j["TimeStamp"] = ts;
  j["MessageType"] = type;
  j["MessageContent"] = content;
  j["PromptDetails"] = {
      {"PromptType", prompt_type}, {"ResponseOptions", nullptr}, {"PromptTarget", ""}};
  return j.dump() + "\n";
}

constexpr std::string_view kJobId = "cdebef2f-dca8-a446-7a8a-d6df4a35d1dd";

json summary_json(std::string_view status, int completed = 4, int failed = 0, int skipped = 0) {
  return json{{"ErrorMsg", ""},
              {"JobID", kJobId},
              {"JobStatus", status},
              {"TotalTransfers", std::to_string(completed + failed + skipped)},
              {"FileTransfers", std::to_string(completed + failed + skipped)},
              {"TransfersCompleted", std::to_string(completed)},
              {"FoldersCompleted", "0"},
              {"TransfersFailed", std::to_string(failed)},
              {"TransfersSkipped", std::to_string(skipped)},
              {"TotalBytesTransferred", "600003"},
              {"TotalBytesExpected", "600003"},
              {"PercentComplete", "100"},
              {"FailedTransfers", nullptr},
              {"SkippedTransfers", nullptr}};
}

std::string init(std::string_view id = kJobId) {
  return message("Init", json{{"LogFileLocation", "/logs/" + std::string(id) + ".log"},
                              {"JobID", id},
                              {"IsCleanupJob", false}}
                             .dump());
}

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

// ---------------------------------------------------------------------------------------------
// Hostile inputs: never crash, only this library's errors.

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
