// SPDX-License-Identifier: MIT
// The azcopy-runner command-line tool: argument parsing, exit codes, output formatting.
// Needs the `azcopy_runner_cli` target (tools/CMakeLists.txt) linked into the test executable;
// without it (tools not built) the file reduces to one skipped test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#if __has_include("cli/args.hpp")

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "azcopy_runner/errors.hpp"
#include "cli/args.hpp"
#include "cli/exit_codes.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "support/readme_table.hpp"

namespace azcopy_runner::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

ParsedArgs parse(const std::vector<std::string>& args) { return parse_args(args); }

/// The message of the UsageError thrown for @p args ("" if none was thrown).
std::string usage_error(const std::vector<std::string>& args) {
  try {
    (void)parse_args(args);
  } catch (const UsageError& error) {
    return error.what();
  }
  return {};
}

// ---- parse_args ----

TEST(CliArgs, CopyWithEveryOption) {
  const ParsedArgs a = parse({"copy", "/data", "https://acct.blob.core.windows.net/c?sig=x",
                              "--from-to", "LocalBlob", "--overwrite=ifsourcenewer",
                              "--no-recursive", "--log-level", "warning", "--wait", "--timeout",
                              "90", "--interval=0.5", "--json", "--", "--cap-mbps=10", "--json"});
  EXPECT_EQ(a.command, Command::Copy);
  EXPECT_FALSE(a.help);
  EXPECT_EQ(a.source, "/data");
  EXPECT_EQ(a.destination, "https://acct.blob.core.windows.net/c?sig=x");
  ASSERT_TRUE(a.copy.from_to.has_value());
  EXPECT_EQ(*a.copy.from_to, "LocalBlob");
  EXPECT_EQ(a.copy.overwrite, "ifSourceNewer");
  EXPECT_FALSE(a.copy.recursive);
  EXPECT_EQ(a.copy.log_level, "WARNING");
  EXPECT_TRUE(a.wait);
  EXPECT_EQ(a.timeout, std::chrono::milliseconds(90s));
  EXPECT_EQ(a.interval, std::chrono::milliseconds(500ms));
  EXPECT_TRUE(a.global.json);
  // After `--`, everything goes to AzCopy, even what looks like our own options.
  EXPECT_EQ(a.copy.extra_args, (std::vector<std::string>{"--cap-mbps=10", "--json"}));
}

TEST(CliArgs, KeepDirectoriesIsACopyOption) {
  EXPECT_TRUE(parse({"copy", "s", "d", "--from-to", "BlobFile", "--keep-directories"})
                  .copy.keep_directories);
  EXPECT_FALSE(parse({"copy", "s", "d"}).copy.keep_directories);
  EXPECT_THROW(parse({"poll", "00000000-0000-0000-0000-000000000000", "--keep-directories"}),
               UsageError);
}

TEST(CliArgs, CopyDefaults) {
  const ParsedArgs a = parse({"copy", "src", "dst"});
  EXPECT_TRUE(a.copy.recursive);
  EXPECT_EQ(a.copy.overwrite, "true");
  EXPECT_FALSE(a.copy.from_to.has_value());
  EXPECT_EQ(a.copy.log_level, "");  // the runner's default (AZCOPY_DEFAULT_LOG_LEVEL)
  EXPECT_FALSE(a.wait);
  EXPECT_FALSE(a.timeout.has_value());
  EXPECT_FALSE(a.interval.has_value());
  EXPECT_FALSE(a.global.json);
  EXPECT_TRUE(a.copy.extra_args.empty());
}

TEST(CliArgs, GlobalOptionsBeforeOrAfterTheCommand) {
  const ParsedArgs a = parse({"--work-dir", "/w", "-v", "poll", "ID", "--log-dir=/l", "--azcopy",
                              "/bin/azcopy", "-vv", "--json"});
  EXPECT_EQ(a.command, Command::Poll);
  EXPECT_EQ(a.job_id, "ID");
  EXPECT_EQ(a.global.work_dir, "/w");
  EXPECT_EQ(a.global.log_dir, "/l");
  EXPECT_EQ(a.global.azcopy_path, "/bin/azcopy");
  EXPECT_EQ(a.global.verbosity, 3);
  EXPECT_TRUE(a.global.json);
}

TEST(CliArgs, JobCommands) {
  EXPECT_EQ(parse({"summary", "X"}).command, Command::Summary);
  EXPECT_EQ(parse({"jobs"}).command, Command::Jobs);
  EXPECT_EQ(parse({"version"}).command, Command::Version);

  const ParsedArgs w = parse({"wait", "X", "--timeout", "0"});
  EXPECT_EQ(w.command, Command::Wait);
  EXPECT_TRUE(w.wait);
  EXPECT_EQ(w.timeout, std::chrono::milliseconds(0));

  const ParsedArgs c = parse({"cancel", "X", "--grace", "2.5"});
  EXPECT_EQ(c.command, Command::Cancel);
  EXPECT_EQ(c.grace, std::chrono::milliseconds(2500));

  const ParsedArgs r = parse({"resume", "X", "--source-sas-env", "SRC_SAS",
                              "--destination-sas-env=DST_SAS", "--wait", "--interval", "1"});
  EXPECT_EQ(r.command, Command::Resume);
  EXPECT_EQ(r.source_sas_env, "SRC_SAS");
  EXPECT_EQ(r.destination_sas_env, "DST_SAS");
  EXPECT_TRUE(r.wait);
}

TEST(CliArgs, RmTakesAJobIdAndPruneAnAge) {
  const ParsedArgs rm = parse({"rm", "X", "--json"});
  EXPECT_EQ(rm.command, Command::Remove);
  EXPECT_EQ(rm.job_id, "X");
  EXPECT_TRUE(rm.global.json);
  const ParsedArgs prune = parse({"prune", "--older-than", "7d"});
  EXPECT_EQ(prune.command, Command::Prune);
  EXPECT_EQ(prune.older_than, std::chrono::hours(24 * 7));
  EXPECT_EQ(parse({"prune", "--older-than=0s"}).older_than, std::chrono::seconds(0));
  EXPECT_THAT(usage_error({"prune"}), HasSubstr("needs --older-than"));
  EXPECT_THAT(usage_error({"prune", "X", "--older-than", "1h"}), HasSubstr("unexpected argument"));
  EXPECT_THAT(usage_error({"rm"}), HasSubstr("job ID"));
  EXPECT_THAT(usage_error({"rm", "X", "--older-than", "1h"}), HasSubstr("'--older-than'"));
}

TEST(CliArgs, ParseAge) {
  EXPECT_EQ(parse_age("0s", "--older-than", Command::Prune), std::chrono::seconds(0));
  EXPECT_EQ(parse_age("45s", "--older-than", Command::Prune), std::chrono::seconds(45));
  EXPECT_EQ(parse_age("30m", "--older-than", Command::Prune), std::chrono::minutes(30));
  EXPECT_EQ(parse_age("12h", "--older-than", Command::Prune), std::chrono::hours(12));
  EXPECT_EQ(parse_age("7d", "--older-than", Command::Prune), std::chrono::hours(168));
  EXPECT_EQ(parse_age("3650d", "--older-than", Command::Prune), std::chrono::hours(24 * 3650));
  for (const char* bad : {"", "7", "d", "7x", "-1d", "1.5h", "7D", " 7d", "7d ", "3651d",
                          "99999999999999999999s", "1h30m"}) {
    EXPECT_THROW((void)parse_age(bad, "--older-than", Command::Prune), UsageError) << bad;
  }
  try {
    (void)parse_age("soon", "--older-than", Command::Prune);
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--older-than"));
    EXPECT_THAT(e.what(), HasSubstr("7d, 12h, 30m or 0s"));
  }
}

TEST(CliArgs, ParseReadsAFileOrStdin) {
  EXPECT_EQ(parse({"parse", "out.txt"}).file, "out.txt");
  EXPECT_EQ(parse({"parse", "-"}).file, "-");
  EXPECT_EQ(parse({"parse", "--", "-weird-name"}).file, "-weird-name");
}

TEST(CliArgs, Help) {
  const ParsedArgs global = parse({"--help"});
  EXPECT_TRUE(global.help);
  EXPECT_EQ(global.help_topic, Command::None);

  const ParsedArgs copy = parse({"copy", "-h"});  // no SRC/DST needed for help
  EXPECT_TRUE(copy.help);
  EXPECT_EQ(copy.help_topic, Command::Copy);

  const ParsedArgs help_cmd = parse({"help", "wait"});
  EXPECT_TRUE(help_cmd.help);
  EXPECT_EQ(help_cmd.help_topic, Command::Wait);
  EXPECT_EQ(parse({"help"}).help_topic, Command::None);

  EXPECT_EQ(parse({}).command, Command::None);
  EXPECT_FALSE(parse({}).help);

  for (Command c : {Command::None, Command::Copy, Command::Poll, Command::Summary, Command::Wait,
                    Command::Cancel, Command::Resume, Command::Jobs, Command::Remove,
                    Command::Prune, Command::Parse, Command::Version}) {
    EXPECT_THAT(help_text(c), HasSubstr("Usage: azcopy-runner")) << command_name(c);
  }
  EXPECT_THAT(help_text(Command::None), HasSubstr("Exit codes:"));
  EXPECT_THAT(help_text(Command::Resume), HasSubstr("--source-sas-env"));
}

TEST(CliArgs, UnknownOptionIsNamedButItsValueIsNot) {
  EXPECT_THAT(usage_error({"poll", "X", "--bogus"}), HasSubstr("'--bogus'"));
  const std::string message = usage_error({"copy", "a", "b", "--sas=sv=1&sig=SECRET"});
  EXPECT_THAT(message, HasSubstr("'--sas'"));
  EXPECT_THAT(message, Not(HasSubstr("SECRET")));
  EXPECT_THAT(usage_error({"-x"}), HasSubstr("'-x'"));
  // A command's option used with another command, or before the command name.
  EXPECT_THAT(usage_error({"poll", "X", "--wait"}), HasSubstr("'--wait'"));
  EXPECT_THAT(usage_error({"--wait", "copy", "a", "b"}), HasSubstr("after the command"));
  // SAS tokens are refused on the command line, with a hint.
  EXPECT_THAT(usage_error({"resume", "X", "--source-sas", "tok"}), HasSubstr("--source-sas-env"));
}

TEST(CliArgs, MissingOrExtraArguments) {
  EXPECT_THAT(usage_error({"copy", "a"}), HasSubstr("SOURCE and DESTINATION"));
  EXPECT_THAT(usage_error({"copy", "a", "b", "c"}), HasSubstr("unexpected argument 'c'"));
  EXPECT_THAT(usage_error({"poll"}), HasSubstr("job ID"));
  EXPECT_THAT(usage_error({"jobs", "x"}), HasSubstr("unexpected argument"));
  EXPECT_THAT(usage_error({"parse"}), HasSubstr("FILE"));
  EXPECT_THAT(usage_error({"frobnicate"}), HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(usage_error({"help", "frobnicate"}), HasSubstr("unknown command"));
  EXPECT_THAT(usage_error({"poll", "X", "--work-dir"}), HasSubstr("requires a value"));
  EXPECT_THAT(usage_error({"poll", "X", "--json=yes"}), HasSubstr("takes no value"));
  EXPECT_THAT(usage_error({"poll", "X", "--work-dir="}), HasSubstr("non-empty"));
}

TEST(CliArgs, InvalidValues) {
  EXPECT_THAT(usage_error({"wait", "X", "--timeout", "soon"}), HasSubstr("--timeout"));
  EXPECT_THAT(usage_error({"wait", "X", "--timeout", "-1"}), HasSubstr("--timeout"));
  EXPECT_THAT(usage_error({"wait", "X", "--interval", "0"}), HasSubstr("greater than 0"));
  EXPECT_THAT(usage_error({"copy", "a", "b", "--timeout", "5"}), HasSubstr("needs --wait"));
  EXPECT_THAT(usage_error({"copy", "a", "b", "--overwrite", "prompt"}), HasSubstr("interactive"));
  EXPECT_THAT(usage_error({"copy", "a", "b", "--overwrite", "maybe"}), HasSubstr("--overwrite"));
  EXPECT_THAT(usage_error({"copy", "a", "b", "--log-level", "chatty"}), HasSubstr("--log-level"));
  EXPECT_THAT(usage_error({"copy", "a", "b", "--from-to", "Local Blob"}), HasSubstr("--from-to"));
  EXPECT_THAT(usage_error({"copy", "", "b"}), HasSubstr("must not be empty"));
  EXPECT_THAT(usage_error({"copy", "a", "b", "--", "--cap-mbps", "10"}), HasSubstr("--flag=value"));
  // A token where a variable name is expected is refused, and not echoed.
  const std::string message = usage_error({"resume", "X", "--source-sas-env", "sv=1&sig=SECRET"});
  EXPECT_THAT(message, HasSubstr("NAME of an environment variable"));
  EXPECT_THAT(message, Not(HasSubstr("SECRET")));
}

TEST(CliArgs, ParseSeconds) {
  EXPECT_EQ(parse_seconds("5", "--timeout", Command::Wait), 5000ms);
  EXPECT_EQ(parse_seconds("0.25", "--timeout", Command::Wait), 250ms);
  EXPECT_EQ(parse_seconds("1e3", "--timeout", Command::Wait), 1000000ms);
  EXPECT_EQ(parse_seconds("0", "--timeout", Command::Wait), 0ms);
  for (const char* bad : {"", "abc", "5s", "-0.5", "inf", "nan", "1e300", " 5"}) {
    EXPECT_THROW((void)parse_seconds(bad, "--timeout", Command::Wait), UsageError) << bad;
  }
}

// ---- exit codes ----

TEST(CliExitCodes, Table) {
  EXPECT_EQ(exit_code_for_state(AzCopyJobState::Succeeded), 0);
  EXPECT_EQ(exit_code_for_state(AzCopyJobState::Failed), 1);
  EXPECT_EQ(exit_code_for_state(AzCopyJobState::Canceled), 3);
  EXPECT_EQ(exit_code_for_state(AzCopyJobState::Running), 6);
  EXPECT_EQ(exit_code_for_state(AzCopyJobState::Pending), 6);
  EXPECT_EQ(exit_code_for_state(AzCopyJobState::Unknown), 9);

  const ErrorContext ctx{"job", "/logs", "tail"};
  EXPECT_EQ(error_exit_code(UsageError("x", Command::Copy)), 2);
  EXPECT_EQ(error_exit_code(AzCopyJobNotFoundError("x", ctx)), 4);
  EXPECT_EQ(error_exit_code(AzCopyNotInstalledError("x", ctx)), 5);
  EXPECT_EQ(error_exit_code(AzCopyNotFinishedError("x", ctx, AzCopySummary{})), 6);
  EXPECT_EQ(error_exit_code(AzCopyStartError("x", ctx)), 7);
  EXPECT_EQ(error_exit_code(AzCopyJobIdNotFoundError("x", ctx)), 7);
  EXPECT_EQ(error_exit_code(AzCopyParseError("x", ctx)), 8);
  EXPECT_EQ(error_exit_code(AzCopyError("x", ctx)), 9);
  EXPECT_EQ(error_exit_code(std::runtime_error("x")), 9);
  EXPECT_EQ(error_exit_code(CliError("Interrupted", "x", kExitInterrupted)), 130);
}

// ---- output ----

TEST(CliOutput, ErrorJson) {
  const auto j =
      error_json(AzCopyJobNotFoundError("no job https://a.blob.core.windows.net/c?sig=SECRET",
                                        ErrorContext{"", "/logs", "out"}),
                 "fallback-id");
  EXPECT_EQ(j["error"], "AzCopyJobNotFoundError");
  EXPECT_EQ(j["job_id"], "fallback-id");
  EXPECT_EQ(j["log_dir"], "/logs");
  EXPECT_EQ(j["excerpt"], "out");
  EXPECT_THAT(j["message"].get<std::string>(), Not(HasSubstr("SECRET")));

  const auto usage = error_json(UsageError("bad", Command::Copy));
  EXPECT_EQ(usage["error"], "UsageError");
  EXPECT_TRUE(usage["job_id"].is_null());

  AzCopySummary partial;
  partial.state = AzCopyJobState::Running;
  const auto unfinished =
      error_json(AzCopyNotFinishedError("running", ErrorContext{"id", "", ""}, partial));
  EXPECT_EQ(unfinished["error"], "AzCopyNotFinishedError");
  EXPECT_EQ(unfinished["partial_summary"]["state"], "RUNNING");
}

TEST(CliOutput, SummaryJsonFields) {
  AzCopySummary s;
  s.job_id = "id";
  s.state = AzCopyJobState::Failed;
  s.raw_status = "CompletedWithErrors";
  s.failed_files.push_back(
      FailedFile{"/src/a", "https://a.blob.core.windows.net/c/a?sv=1&sig=SECRET", "412", "Failed",
                 3, "There is currently a lease on the blob", 412, "LeaseIdMissing"});
  s.started_at = TimePoint{} + 1764440590301ms;
  s.failure_reason = "1 of 1 failed: 412 LeaseIdMissing on the destination";
  s.failure_causes.push_back(FailureCause{1, 412, "LeaseIdMissing", "There is a lease",
                                          "destination", TimePoint{} + 1764440591000ms});
  const auto j = summary_json(s);
  for (const char* key : {"job_id",
                          "state",
                          "raw_status",
                          "failure_reason",
                          "files_transferred",
                          "bytes_transferred",
                          "failed_transfers",
                          "skipped_transfers",
                          "total_transfers",
                          "files_total",
                          "bytes_expected",
                          "warnings",
                          "errors",
                          "started_at",
                          "finished_at",
                          "failed_files",
                          "failed_files_omitted",
                          "failure_causes",
                          "messages",
                          "raw_summary"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["state"], "FAILED");
  EXPECT_EQ(j["started_at"], "2025-11-29T18:23:10.301Z");
  EXPECT_TRUE(j["finished_at"].is_null());
  EXPECT_EQ(j["failed_files"][0]["error_code"], "412");
  EXPECT_EQ(j["failed_files"][0]["http_status"], 412);
  EXPECT_EQ(j["failed_files"][0]["service_code"], "LeaseIdMissing");
  EXPECT_EQ(j["failed_files"][0]["reason"], "There is currently a lease on the blob");
  EXPECT_EQ(j["failure_reason"], "1 of 1 failed: 412 LeaseIdMissing on the destination");
  EXPECT_EQ(j["failure_causes"][0]["side"], "destination");
  EXPECT_EQ(j["failure_causes"][0]["first_at"], "2025-11-29T18:23:11.000Z");
  EXPECT_THAT(dump_json(j), Not(HasSubstr("SECRET")));
}

TEST(CliOutput, DumpJsonToleratesInvalidUtf8) {
  EXPECT_NO_THROW((void)dump_json(nlohmann::ordered_json{{"x", std::string("bad \xff byte")}}));
}

TEST(CliOutput, AFailedSummarySaysWhyFirstAndEachFilesReason) {
  AzCopySummary s;
  s.job_id = "id";
  s.state = AzCopyJobState::Failed;
  s.raw_status = "Failed";
  s.failure_reason = "1 of 1 failed: 403 AuthorizationPermissionMismatch on the destination";
  s.failed_files.push_back(FailedFile{"https://a/s/f?sig=SECRET", "https://b/c/f?sig=SECRET", "0",
                                      "Failed", 8, "Could not check destination file.", 403,
                                      "AuthorizationPermissionMismatch"});
  const std::string text = format_summary(s);
  EXPECT_THAT(text, HasSubstr("Job id: FAILED (Failed)\n  why:                1 of 1 failed: 403 "
                              "AuthorizationPermissionMismatch on the destination\n"));
  EXPECT_THAT(text, HasSubstr("\n      403 AuthorizationPermissionMismatch: Could not check "
                              "destination file.\n"));
  EXPECT_THAT(text, Not(HasSubstr("SECRET")));
  s.state = AzCopyJobState::Succeeded;
  s.failure_reason.clear();
  EXPECT_THAT(format_summary(s), Not(HasSubstr("why:")));
}

TEST(CliOutput, DirectoriesAreShownApartWhenKnown) {
  AzCopySummary s;
  s.job_id = "id";
  s.state = AzCopyJobState::Succeeded;
  EXPECT_THAT(format_summary(s), Not(HasSubstr("directories:")));
  s.directories = DirectoryCounts{11, 2, 0};
  EXPECT_THAT(format_summary(s),
              HasSubstr("\n  directories:        11 made, 2 skipped, 0 failed\n"));
}

TEST(CliOutput, Formatting) {
  EXPECT_EQ(format_iso8601(TimePoint{} + 1764440590301ms), "2025-11-29T18:23:10.301Z");
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3.0 * 1024 * 1024 * 1024), "3.0 GiB");
  EXPECT_EQ(format_duration(42s), "42s");
  EXPECT_EQ(format_duration(187s), "3m07s");
  EXPECT_EQ(format_duration(7509s), "2h05m09s");
  EXPECT_EQ(format_duration(-3s), "0s");
  EXPECT_EQ(format_command({"azcopy", "copy", "/my dir", "it's"}),
            "azcopy copy '/my dir' 'it'\\''s'");
  EXPECT_THAT(format_command({"https://a.blob.core.windows.net/c?sig=SECRET"}),
              Not(HasSubstr("SECRET")));
}

TEST(CliOutput, EverythingPrintedIsRedacted) {
  const std::string secret = "U2VjcmV0U2lnbmF0dXJl";
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  print_text(file, "copying https://a.blob.core.windows.net/c?sv=1&sig=" + secret + " now\n");
  std::rewind(file);
  std::string printed(256, '\0');
  printed.resize(std::fread(printed.data(), 1, printed.size(), file));
  (void)std::fclose(file);
  EXPECT_THAT(printed, ::testing::HasSubstr("copying https://a.blob.core.windows.net/c?"));
  EXPECT_THAT(printed, ::testing::EndsWith(" now\n"));
  EXPECT_EQ(printed.find(secret), std::string::npos) << printed;
}

TEST(CliProgress, RateAndLine) {
  RateEstimator rate(10s);
  const auto t0 = RateEstimator::Clock::now();
  EXPECT_FALSE(rate.bytes_per_second().has_value());
  rate.add(0, t0);
  rate.add(1000, t0 + 100ms);  // too short a span
  EXPECT_FALSE(rate.bytes_per_second().has_value());
  rate.add(2048, t0 + 2s);
  ASSERT_TRUE(rate.bytes_per_second().has_value());
  EXPECT_DOUBLE_EQ(*rate.bytes_per_second(), 1024.0);
  rate.add(10, t0 + 3s);  // went backwards: restart
  EXPECT_FALSE(rate.bytes_per_second().has_value());

  RateEstimator windowed(10s);  // the rate covers the last 10 s only
  windowed.add(0, t0);
  windowed.add(10000, t0 + 10s);
  windowed.add(20000, t0 + 20s);
  EXPECT_DOUBLE_EQ(*windowed.bytes_per_second(), 1000.0);
  windowed.add(20000, t0 + 30s);  // stalled for a whole window
  EXPECT_DOUBLE_EQ(*windowed.bytes_per_second(), 0.0);

  AzCopyProgress p;
  p.state = AzCopyJobState::Running;
  p.files_transferred = 3;
  p.files_total = 4;
  p.bytes_transferred = 1024;
  p.bytes_expected = 3072;
  p.percent_complete = 33.3;
  p.failed_transfers = 1;
  const std::string line = format_progress_line(p, 1024.0, 83s);
  EXPECT_THAT(line, HasSubstr("RUNNING"));
  EXPECT_THAT(line, HasSubstr("3/4 files"));
  EXPECT_THAT(line, HasSubstr("1.0 KiB/3.0 KiB"));
  EXPECT_THAT(line, HasSubstr("33.3%"));
  EXPECT_THAT(line, HasSubstr("1.0 KiB/s"));
  EXPECT_THAT(line, HasSubstr("elapsed 1m23s"));
  EXPECT_THAT(line, HasSubstr("ETA 2s"));
  EXPECT_THAT(line, HasSubstr("1 failed"));
  EXPECT_THAT(format_progress_line(p, std::nullopt, 0s), HasSubstr("ETA --"));
}

}  // namespace
}  // namespace azcopy_runner::cli

// ---- the exit-code table: one source (exit_codes.hpp), printed by --help, quoted by the README

namespace azcopy_runner::cli {
namespace {

TEST(CliExitCodes, TheHelpPrintsEveryCodeOfTheTable) {
  const std::string help = help_text(Command::None);
  for (const auto& [code, meaning] : kExitCodes) {
    EXPECT_NE(help.find(fmt::format("  {:<4} {}\n", code, meaning)), std::string::npos) << code;
  }
}

TEST(CliExitCodes, TheReadmeTableSaysWhatTheSourceSays) {
  std::vector<std::pair<int, std::string> > rows;
  for (auto [code, meaning] :
       azcopy_runner::testing::readme_table(AZCOPY_RUNNER_README, "| exit code | meaning |")) {
    ASSERT_FALSE(meaning.empty()) << "not a row of two cells: " << code;
    std::replace(meaning.begin(), meaning.end(), '`', '\'');
    rows.emplace_back(std::stoi(code), meaning);
  }
  ASSERT_EQ(rows.size(), kExitCodes.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].first, kExitCodes[i].code);
    EXPECT_EQ(rows[i].second, kExitCodes[i].meaning);
  }
}

}  // namespace
}  // namespace azcopy_runner::cli

#else  // the CLI's sources are not available to this build

TEST(Cli, NotBuilt) {
  GTEST_SKIP() << "azcopy_runner_cli is not linked (AZCOPY_RUNNER_BUILD_TOOLS=OFF?)";
}

#endif  // cli/args.hpp
