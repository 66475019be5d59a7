// SPDX-License-Identifier: MIT
// AzCopyRunner through a mocked ProcessLauncher fed with recorded AzCopy output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <atomic>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <stop_token>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "parse/output_parser.hpp"
#include "runner_fixture.hpp"
#include "store/record.hpp"

namespace azcopy_runner {
namespace {

using ::testing::_;
using testing::ArgsStartWith;
using testing::exited_with;
using ::testing::Field;
using testing::fixture;
using ::testing::HasSubstr;
using ::testing::Invoke;
using testing::manifest_case;
using testing::MockLauncher;
using ::testing::Not;
using ::testing::Return;
using ::testing::StrictMock;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::kSas;
using testing::kSigValue;
using testing::kV;
using testing::RunnerTest;
using testing::slurp;

// ----- command building and validation ---------------------------------------------------------

TEST(BuildCopyArgs, DefaultsFollowTheTask) {
  const auto args = AzCopyRunner::build_copy_args("src", "dst", CopyOptions{}, "INFO");
  EXPECT_EQ(args, (std::vector<std::string>{"copy", "src", "dst", "--recursive=true",
                                            "--overwrite=true", "--log-level=INFO",
                                            "--output-type=json", "--skip-version-check"}));
}

TEST(BuildCopyArgs, OptionsAndExtraArgsAreApplied) {
  CopyOptions o;
  o.recursive = false;
  o.overwrite = "ifSourceNewer";
  o.from_to = "FileBlob";
  o.log_level = "WARNING";
  o.output_type = OutputType::Text;
  o.extra_args = {"--cap-mbps=8", "--check-length=true"};
  const auto args = AzCopyRunner::build_copy_args("a", "b", o, "INFO");
  EXPECT_EQ(args, (std::vector<std::string>{
                      "copy", "a", "b", "--recursive=false", "--overwrite=ifSourceNewer",
                      "--from-to=FileBlob", "--log-level=WARNING", "--output-type=text",
                      "--skip-version-check", "--cap-mbps=8", "--check-length=true"}));
}

TEST(BuildCopyArgs, KeepDirectoriesMakesACoolWriteDirectoryStubs) {
  CopyOptions o;
  o.keep_directories = true;
  o.from_to = "FileBlob";
  EXPECT_THAT(AzCopyRunner::build_copy_args("a", "b", o, "INFO"),
              ::testing::Contains("--include-directory-stub=true"));
  // A RESTORE's directories are made by the runner: AzCopy is not given the flag (10.18.1
  // crashes with it, 10.27 and later skip the stubs of empty directories).
  o.from_to = "BlobFile";
  EXPECT_THAT(AzCopyRunner::build_copy_args("a", "b", o, "INFO"),
              ::testing::Not(::testing::Contains(HasSubstr("directory-stub"))));
}

TEST(BuildCopyArgs, EmptyLogLevelTakesTheConfiguredDefault) {
  CopyOptions o;
  o.log_level.clear();
  const auto args = AzCopyRunner::build_copy_args("a", "b", o, "ERROR");
  EXPECT_THAT(args, ::testing::Contains("--log-level=ERROR"));
}

TEST(BuildCopyArgs, ReturnedCommandIsRedacted) {
  const auto args = AzCopyRunner::build_copy_args(
      "/data", "https://acct.blob.core.windows.net/c?" + kSas, CopyOptions{}, "INFO");
  for (const auto& a : args) {
    EXPECT_THAT(a, Not(HasSubstr(kSigValue)));
  }
  EXPECT_THAT(args[2], HasSubstr("https://acct.blob.core.windows.net/c"));
}

struct BadRequest {
  std::string name;
  std::string source;
  std::string destination;
  CopyOptions options;
  std::string expected_text;
};

/// The case's name in the test log (not a dump of its bytes).
void PrintTo(const BadRequest& c, std::ostream* os) { *os << c.name; }

class BuildCopyArgsRefuses : public ::testing::TestWithParam<BadRequest> {};

TEST_P(BuildCopyArgsRefuses, WithAStartError) {
  const auto& p = GetParam();
  try {
    static_cast<void>(AzCopyRunner::build_copy_args(p.source, p.destination, p.options, "INFO"));
    FAIL() << "accepted";
  } catch (const AzCopyStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr(p.expected_text));
  }
}

CopyOptions with(auto&& mutate) {
  CopyOptions o;
  mutate(o);
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Validation, BuildCopyArgsRefuses,
    ::testing::Values(
        BadRequest{"EmptySource", "", "dst", {}, "must not be empty"},
        BadRequest{"EmptyDestination", "src", "", {}, "must not be empty"},
        BadRequest{"FlagAsSource", "--help", "dst", {}, "must not start with '-'"},
        BadRequest{"OverwritePrompt", "s", "d",
                   with([](CopyOptions& o) { o.overwrite = "prompt"; }), "prompt"},
        BadRequest{"OverwriteUnknown", "s", "d",
                   with([](CopyOptions& o) { o.overwrite = "sometimes"; }), "overwrite must be"},
        BadRequest{"LogLevelUnknown", "s", "d", with([](CopyOptions& o) { o.log_level = "LOUD"; }),
                   "unknown log level"},
        BadRequest{"FromToInjection", "s", "d",
                   with([](CopyOptions& o) { o.from_to = "LocalBlob --x"; }), "from_to"},
        BadRequest{"OutputLevelQuiet", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"--output-level=quiet"}; }),
                   "output-level"},
        BadRequest{"OutputLevelEssential", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"--output-level=essential"}; }),
                   "output-level"},
        BadRequest{"ManagedOutputType", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"--output-type=text"}; }),
                   "managed by the runner"},
        BadRequest{"ManagedOverwrite", "s", "d", with([](CopyOptions& o) {
                     o.extra_args = {"--overwrite", "prompt"};
                   }),
                   "managed by the runner"},
        BadRequest{"ManagedRecursiveCase", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"--Recursive=false"}; }),
                   "managed by the runner"},
        BadRequest{"ManagedDirectoryStub", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"--include-directory-stub"}; }),
                   "CopyOptions::keep_directories"},
        BadRequest{"KeepDirectoriesWithoutFromTo", "s", "d",
                   with([](CopyOptions& o) { o.keep_directories = true; }),
                   "keep_directories needs from_to FileBlob"},
        BadRequest{"KeepDirectoriesOfAnUpload", "s", "d", with([](CopyOptions& o) {
                     o.keep_directories = true;
                     o.from_to = "LocalBlob";
                   }),
                   "keep_directories needs from_to FileBlob"},
        BadRequest{"KeepDirectoriesNotRecursive", "s", "d", with([](CopyOptions& o) {
                     o.keep_directories = true;
                     o.from_to = "BlobFile";
                     o.recursive = false;
                   }),
                   "needs a recursive copy"},
        BadRequest{"PositionalExtra", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"/etc"}; }), "is not a flag"}),
    [](const ::testing::TestParamInfo<BadRequest>& p) { return p.param.name; });

// ----- start_copy ------------------------------------------------------------------------------

TEST_F(RunnerTest, StartCopyReturnsTheJobIdOfTheInitMessage) {
  expect_spawn(fixture(kV, "copy_json_completed.stdout"));
  auto r = runner();
  const AzCopyJobRef ref =
      r.start_copy("src", "http://127.0.0.1:10000/devstoreaccount1/c?" + kSas, CopyOptions{});
  EXPECT_EQ(ref.job_id, manifest_case(kV, "copy_json_completed")["job_id"]);
  EXPECT_EQ(ref.pid, 4242);
  EXPECT_EQ(fs::path(ref.log_dir), fs::path(config_.log_dir) / ref.job_id);
  EXPECT_TRUE(fs::exists(fs::path(ref.log_dir) / "stdout.log"));
  EXPECT_EQ(ref.environment.at("AZCOPY_LOG_LOCATION"), config_.work_dir);
  EXPECT_EQ(ref.environment.at("AZCOPY_JOB_PLAN_LOCATION"), config_.work_dir);
  // The child got the real command; what is returned and recorded is redacted.
  EXPECT_THAT(last_spawn_.process.args[2], HasSubstr(kSigValue));
  for (const auto& a : ref.command) {
    EXPECT_THAT(a, Not(HasSubstr(kSigValue)));
  }
  const std::string record = slurp(fs::path(ref.log_dir) / "record.json");
  EXPECT_THAT(record, HasSubstr(ref.job_id));
  EXPECT_THAT(record, Not(HasSubstr(kSigValue)));
}

TEST_F(RunnerTest, StartCopyRecordsWhatTheCopyWasAskedToDoRedacted) {
  expect_spawn(fixture(kV, "copy_text_completed.stdout"));
  auto r = runner();
  CopyOptions options;
  options.from_to = "LocalBlob";
  options.overwrite = "ifSourceNewer";
  options.output_type = OutputType::Text;
  const AzCopyJobRef ref =
      r.start_copy("src", "http://127.0.0.1:10000/devstoreaccount1/c?" + kSas, options);
  const auto record = detail::load_record(config_.log_dir, ref.job_id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->kind, detail::ProcessKind::Copy);
  ASSERT_TRUE(record->copy);
  EXPECT_EQ(record->copy->source, "src");
  EXPECT_THAT(record->copy->destination, HasSubstr("/devstoreaccount1/c?"));
  EXPECT_THAT(record->copy->destination, Not(HasSubstr(kSigValue)));
  EXPECT_EQ(record->copy->from_to, "LocalBlob");
  EXPECT_EQ(record->copy->overwrite, "ifSourceNewer");
  EXPECT_EQ(record->copy->output_type, OutputType::Text);
  EXPECT_FALSE(record->stdout_is_json());
}

TEST_F(RunnerTest, LogsGoToTheHostsLoggerWithoutTheSas) {
  std::ostringstream sink_text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(sink_text);
  auto logger = std::make_shared<spdlog::logger>("host", sink);
  logger->set_level(spdlog::level::debug);
  expect_spawn(fixture(kV, "copy_json_completed.stdout"));
  AzCopyRunner r(config_, launcher_, logger);
  const auto ref =
      r.start_copy("src", "https://acct.blob.core.windows.net/c?" + kSas, CopyOptions{});
  logger->flush();
  EXPECT_THAT(sink_text.str(), HasSubstr("starting azcopy"));
  EXPECT_THAT(sink_text.str(), HasSubstr(ref.job_id));
  EXPECT_THAT(sink_text.str(), Not(HasSubstr(kSigValue)));
  EXPECT_EQ(spdlog::get("azcopy_runner"), nullptr);  // nothing registered globally
}

TEST_F(RunnerTest, StartCopyFindsTheJobIdInTextOutput) {
  expect_spawn(fixture(kV, "copy_text_completed.stdout"));
  CopyOptions o;
  o.output_type = OutputType::Text;
  const AzCopyJobRef ref = runner().start_copy("src", "dst", o);
  EXPECT_EQ(ref.job_id, manifest_case(kV, "copy_text_completed")["job_id"]);
}

TEST_F(RunnerTest, RunnerFilesArePrivate) {
  expect_spawn(fixture(kV, "copy_json_completed.stdout"));
  const AzCopyJobRef ref = runner().start_copy("src", "dst", CopyOptions{});
  struct stat st {};
  ASSERT_EQ(::stat(ref.log_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0700U);
  ASSERT_EQ(::stat((fs::path(ref.log_dir) / "record.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
}

TEST_F(RunnerTest, StartCopyRefusesBadRequestsBeforeRunningAnything) {
  EXPECT_CALL(*launcher_, spawn_detached(_)).Times(0);
  CopyOptions o;
  o.overwrite = "prompt";
  auto r = runner();
  EXPECT_THROW(r.start_copy("src", "dst", o), AzCopyStartError);
  EXPECT_THROW(r.start_copy("", "dst", CopyOptions{}), AzCopyStartError);
}

TEST_F(RunnerTest, AnExpiredOrExpiringSasIsRefusedBeforeAnythingRunsNamingItsSide) {
  EXPECT_CALL(*launcher_, spawn_detached(_)).Times(0);
  const auto in = [](std::chrono::seconds from_now) {
    const auto t =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() + from_now);
    const std::time_t c = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&c, &tm);
    std::array<char, 32> buf{};
    const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H%%3A%M%%3A%SZ", &tm);
    return "sv=2021-08-06&sr=c&sp=rl&se=" + std::string(buf.data(), n) + "&sig=c2lnbmF0dXJl";
  };
  const std::string good = "https://a.blob.core.windows.net/c?" + in(2h);
  const std::string expired = "https://a.file.core.windows.net/s/p?" + in(-1min);
  auto r = runner();
  try {
    r.start_copy(expired, good, CopyOptions{});
    ADD_FAILURE() << "not refused";
  } catch (const AzCopySasExpiredError& e) {
    EXPECT_EQ(e.side(), "source");
    EXPECT_LT(e.expires_at(), std::chrono::system_clock::now());
    EXPECT_THAT(e.what(), HasSubstr("the source's SAS expired at "));
    EXPECT_THAT(e.what(), Not(HasSubstr("c2lnbmF0dXJl")));
  }
  EXPECT_THROW(r.start_copy(good, expired, CopyOptions{}), AzCopySasExpiredError);
  // Valid for 30 more minutes: refused when a job must be given an hour.
  config_.min_sas_validity = 1h;
  auto strict = runner();
  const std::string soon = "https://a.blob.core.windows.net/c?" + in(30min);
  try {
    strict.start_copy(good, soon, CopyOptions{});
    ADD_FAILURE() << "not refused";
  } catch (const AzCopySasExpiredError& e) {
    EXPECT_EQ(e.side(), "destination");
    EXPECT_THAT(e.what(), HasSubstr("less than the 3600 s"));
  }
  // resume() checks the tokens it is given, and nothing runs.
  EXPECT_THROW(strict.resume("0bd1a7e4-3f0c-4a4e-a1e5-2b4b0c1d9e77", in(2h), in(10min)),
               AzCopySasExpiredError);
}

TEST_F(RunnerTest, StartCopyReportsAnEarlyExitWithTheExcerpt) {
  expect_spawn(fixture(kV, "copy_json_bad_flag.stdout"));
  EXPECT_CALL(*launcher_, try_reap(Field(&ProcessIdentity::pid, 4242)))
      .WillRepeatedly(Return(ExitStatus{1, 0}));
  try {
    runner().start_copy("src", "dst", CopyOptions{});
    FAIL() << "no error";
  } catch (const AzCopyStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr("exit code 1"));
    EXPECT_THAT(e.excerpt(), HasSubstr("couldn't parse"));
    EXPECT_FALSE(e.log_dir().empty());
    EXPECT_LE(e.excerpt().size(), kMaxExcerptBytes);
  }
}

// A start that exits before its job log is seen open: the one job log written in the work
// dir since the start (and known to no record) is taken as its own.
TEST_F(RunnerTest, AnEarlyExitCarriesTheJobIdAndTheEndOfTheOneNewAzCopyLog) {
  const std::string id = "0b0e6b3c-5f0e-2c4a-6d1e-3a9f8c7d6e5f";
  fs::create_directories(config_.work_dir);
  std::ofstream(fs::path(config_.work_dir) / (id + ".log"))
      << "2026/12/05 02:17:08 AzcopyVersion  10.18.1\n"
         "===== RESPONSE ERROR (ServiceCode=AuthenticationFailed) =====\n"
         "   GET http://127.0.0.1:1/a/s?sig=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG%3D&sv=1\n";
  std::ofstream(fs::path(config_.work_dir) / "not-a-job.log") << "ServiceCode=Other\n";
  expect_spawn(fixture(kV, "copy_json_bad_flag.stdout"));
  EXPECT_CALL(*launcher_, try_reap(Field(&ProcessIdentity::pid, 4242)))
      .WillRepeatedly(Return(ExitStatus{1, 0}));
  try {
    runner().start_copy("src", "dst", CopyOptions{});
    FAIL() << "no error";
  } catch (const AzCopyStartError& e) {
    EXPECT_EQ(e.job_id(), id);
    EXPECT_THAT(e.what(), HasSubstr("its last error: ===== RESPONSE ERROR "
                                    "(ServiceCode=AuthenticationFailed)"));
    EXPECT_THAT(e.excerpt(), HasSubstr("couldn't parse"));  // stdout first, then the log
    EXPECT_THAT(e.excerpt(), HasSubstr("AzcopyVersion  10.18.1"));
    EXPECT_THAT(e.excerpt(), Not(HasSubstr("abcdefghijklmnopqrstuvwxyz0123456789")));
    EXPECT_LE(e.excerpt().size(), kMaxExcerptBytes);
    for (const auto& entry : fs::directory_iterator(config_.log_dir)) {
      EXPECT_FALSE(entry.path().filename().string().starts_with(".starting-")) << entry.path();
    }
  }
}

// Two new job logs: the runner cannot tell which is this start's and names none.
TEST_F(RunnerTest, AnEarlyExitNamesNoJobIdWhenTwoNewAzCopyLogsCouldBeIts) {
  fs::create_directories(config_.work_dir);
  for (const char* id :
       {"0b0e6b3c-5f0e-2c4a-6d1e-3a9f8c7d6e5f", "1b0e6b3c-5f0e-2c4a-6d1e-3a9f8c7d6e5f"}) {
    std::ofstream(fs::path(config_.work_dir) / (std::string(id) + ".log")) << "x\n";
  }
  expect_spawn(fixture(kV, "copy_json_bad_flag.stdout"));
  EXPECT_CALL(*launcher_, try_reap(Field(&ProcessIdentity::pid, 4242)))
      .WillRepeatedly(Return(ExitStatus{1, 0}));
  try {
    runner().start_copy("src", "dst", CopyOptions{});
    FAIL() << "no error";
  } catch (const AzCopyStartError& e) {
    EXPECT_EQ(e.job_id(), "");
    EXPECT_THAT(e.what(), HasSubstr("AzCopy's own log of this start was not found"));
    EXPECT_THAT(e.excerpt(), HasSubstr("couldn't parse"));
  }
}

TEST_F(RunnerTest, StartCopyKillsAProcessThatPrintsNoJobId) {
  config_.start_timeout = 200ms;
  expect_spawn("INFO: Scanning...\n");
  EXPECT_CALL(*launcher_, send_signal(_, SIGKILL)).WillOnce(Return(true));
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  try {
    runner().start_copy("src", "dst", CopyOptions{});
    FAIL() << "no error";
  } catch (const AzCopyJobIdNotFoundError& e) {
    EXPECT_THAT(e.excerpt(), HasSubstr("Scanning"));
  }
}

TEST_F(RunnerTest, MissingExecutableIsNotInstalled) {
  config_.azcopy_path = (root_ / "no-such-azcopy").string();
  EXPECT_CALL(*launcher_, spawn_detached(_)).Times(0);
  try {
    runner().start_copy("src", "dst", CopyOptions{});
    FAIL() << "no error";
  } catch (const AzCopyNotInstalledError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no-such-azcopy"));
  }
}

TEST_F(RunnerTest, AnExecutableThatIsNotAzCopyIsRefused) {
  ON_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"--version"}), _, _))
      .WillByDefault(Return(exited_with(0, "")));
  EXPECT_THROW(runner().poll("7b0a9c2e-1111-4222-8333-444455556666"), AzCopyNotInstalledError);
}

TEST_F(RunnerTest, UnsupportedVersionIsRefused) {
  ON_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"--version"}), _, _))
      .WillByDefault(Return(exited_with(0, "azcopy version 10.3.0\n")));
  try {
    runner().poll("7b0a9c2e-1111-4222-8333-444455556666");
    FAIL() << "no error";
  } catch (const AzCopyNotInstalledError& e) {
    EXPECT_THAT(e.what(), HasSubstr("10.3.0"));
  }
}

TEST_F(RunnerTest, TheVersionOfABinaryIsAskedOnceThenKept) {
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"--version"}), _, _))
      .Times(1)
      .WillOnce(Return(exited_with(0, "azcopy version 10.18.1\n")));
  EXPECT_EQ(runner().azcopy_version(), "10.18.1");
  EXPECT_EQ(runner().azcopy_version(), "10.18.1");  // another instance: from the cache
}

// The cache of versions is read and appended to only while it is the runner's own file.
TEST_F(RunnerTest, AVersionCacheOthersCanWriteIsIgnoredWithAWarningAndNotWrittenTo) {
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"--version"}), _, _))
      .Times(2)
      .WillRepeatedly(Return(exited_with(0, "azcopy version 10.18.1\n")));
  EXPECT_EQ(runner().azcopy_version(), "10.18.1");
  const fs::path cache = fs::path(config_.log_dir) / ".azcopy-versions";
  ASSERT_TRUE(fs::exists(cache));
  const std::string before = slurp(cache);
  ::chmod(cache.c_str(), 0666);  // as if another user could write it
  std::ostringstream warnings;
  auto logger = std::make_shared<spdlog::logger>(
      "cache-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(warnings));
  EXPECT_EQ(AzCopyRunner(config_, launcher_, logger).azcopy_version(), "10.18.1");  // asked again
  EXPECT_THAT(warnings.str(), HasSubstr("version cache " + cache.string() +
                                        " ignored: it is writable by others (mode 0666)"));
  EXPECT_EQ(slurp(cache), before) << "the runner wrote into a file others can write";
}

// AzCopy before 10.32 writes real SAS signatures into <job id>-chunks.log at DEBUG.
TEST_F(RunnerTest, DebugLogLevelIsRefusedBeforeAzCopy1032AndNothingRuns) {
  ON_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"--version"}), _, _))
      .WillByDefault(Return(exited_with(0, "azcopy version 10.18.1\n")));
  EXPECT_CALL(*launcher_, spawn_detached(_)).Times(0);
  CopyOptions o;
  o.log_level = "debug";
  try {
    runner().start_copy("src", "dst", o);
    FAIL() << "no error";
  } catch (const AzCopyStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--log-level=DEBUG is refused with AzCopy 10.18.1"));
    EXPECT_THAT(e.what(), HasSubstr("chunks.log"));
  }
  config_.default_log_level = "DEBUG";  // the same through the runner's default
  o.log_level.clear();
  EXPECT_THROW(runner().start_copy("src", "dst", o), AzCopyStartError);
}

TEST_F(RunnerTest, DebugLogLevelRunsWithAzCopy1032) {
  expect_spawn(fixture(kV, "copy_json_completed.stdout"));
  CopyOptions o;
  o.log_level = "DEBUG";
  EXPECT_TRUE(is_valid_job_id(runner().start_copy("src", "dst", o).job_id));
}

// ----- poll ------------------------------------------------------------------------------------

TEST_F(RunnerTest, PollRefusesIdsThatAreNotUuidsBeforeRunningAnything) {
  auto strict = std::make_shared<StrictMock<MockLauncher>>();
  AzCopyRunner r(config_, strict);
  const std::string long_id(std::size_t{10} * 1024, 'a');
  for (const std::string& id : {std::string("../x"), std::string("--help"), std::string(), long_id,
                                std::string("7b0a9c2e-1111-4222-8333-44445555666")}) {
    EXPECT_THROW(r.poll(id), AzCopyJobNotFoundError) << id.substr(0, 20);
    EXPECT_THROW(r.get_summary(id), AzCopyJobNotFoundError);
  }
}

TEST_F(RunnerTest, PollRunsJobsShowWithoutWritingALog) {
  const std::string id = manifest_case(kV, "copy_json_completed")["job_id"];
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Invoke([&](const ProcessSpec& spec, auto, auto) {
        EXPECT_EQ(spec.args,
                  (std::vector<std::string>{"jobs", "show", id, "--output-type=json",
                                            "--log-level=NONE", "--skip-version-check"}));
        EXPECT_EQ(spec.env.at("AZCOPY_JOB_PLAN_LOCATION"), config_.work_dir);
        return exited_with(0, fixture(kV, "jobs_show_json_completed_from_json.stdout"));
      }));
  const AzCopyProgress p = runner().poll(id);
  EXPECT_EQ(p.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(p.raw_status, "Completed");
  EXPECT_EQ(p.files_transferred, 4);
  EXPECT_EQ(p.bytes_transferred, 600003);
}

TEST_F(RunnerTest, PollOfAnUnknownJobIsNotFound) {
  expect_jobs_show(fixture(kV, "jobs_show_json_notfound.stdout"), 1);
  try {
    runner().poll("7b0a9c2e-1111-4222-8333-444455556666");
    FAIL() << "no error";
  } catch (const AzCopyJobNotFoundError& e) {
    EXPECT_EQ(e.job_id(), "7b0a9c2e-1111-4222-8333-444455556666");
    EXPECT_THAT(e.excerpt(), HasSubstr("no job with JobId"));
  }
}

struct StateCase {
  std::string fixture_name;
  AzCopyJobState state;
};

void PrintTo(const StateCase& c, std::ostream* os) { *os << c.fixture_name; }

class PollMapsStates : public RunnerTest, public ::testing::WithParamInterface<StateCase> {};

TEST_P(PollMapsStates, FromJobsShow) {
  expect_jobs_show(fixture(kV, GetParam().fixture_name));
  EXPECT_EQ(runner().poll("7b0a9c2e-1111-4222-8333-444455556666").state, GetParam().state);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, PollMapsStates,
    ::testing::Values(
        StateCase{"jobs_show_json_completed_from_json.stdout", AzCopyJobState::Succeeded},
        StateCase{"jobs_show_json_skipped_from_json.stdout", AzCopyJobState::Succeeded},
        StateCase{"jobs_show_json_errors_from_json.stdout", AzCopyJobState::Failed},
        StateCase{"jobs_show_json_errors_and_skipped_from_json.stdout", AzCopyJobState::Failed},
        StateCase{"jobs_show_json_failed_from_json.stdout", AzCopyJobState::Failed},
        StateCase{"jobs_show_json_cancelled_from_json.stdout", AzCopyJobState::Canceled},
        StateCase{"jobs_show_json_inprogress.stdout", AzCopyJobState::Running}));

/// The recorded output up to and including the Init message: a job that is still scanning.
std::string until_init(const std::string& output) {
  const auto init = output.find(R"("MessageType":"Init")");
  return output.substr(0, output.find('\n', init) + 1);
}

TEST_F(RunnerTest, PollIsPendingWhileTheRecordKnowsTheJobAndAzCopyDoesNot) {
  expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  expect_jobs_show(fixture(kV, "jobs_show_json_notfound.stdout"), 1);
  EXPECT_EQ(r.poll(ref.job_id).state, AzCopyJobState::Pending);
}

// `jobs show` reading the plan files that a running AzCopy is still writing can die of SIGBUS
// (seen in the first half second of a 20,000-file job); Go prints this and exits with 2.
constexpr const char* kGoFault =
    "unexpected fault address 0x7f2d5c3a1000\n"
    "fatal error: fault\n"
    "[signal SIGBUS: bus error code=0x2 addr=0x7f2d5c3a1000 pc=0x46c2f1]\n\n"
    "goroutine 1 [running]:\nruntime.throw({0x1c0a6d2?, 0x0?})\n";

TEST_F(RunnerTest, AJobsShowThatCrashesWhileTheJobRunsIsPendingNotAnError) {
  expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillRepeatedly(Return(exited_with(2, "", kGoFault)));
  const AzCopyProgress p = r.poll(ref.job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Pending);
  EXPECT_THAT(p.reason, HasSubstr("exit code 2"));
  EXPECT_THAT(p.reason, HasSubstr("unexpected fault address"));
  try {
    r.get_summary(ref.job_id);
    FAIL() << "no error";
  } catch (const AzCopyNotFinishedError& e) {
    EXPECT_EQ(e.partial_summary().state, AzCopyJobState::Pending);
  }
}

TEST_F(RunnerTest, AJobsShowThatCrashesAfterTheJobEndedIsAParseError) {
  expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillRepeatedly(Return(exited_with(2, "", kGoFault)));
  try {
    r.poll(ref.job_id);
    FAIL() << "no error";
  } catch (const AzCopyParseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("exit code 2"));
    EXPECT_THAT(e.excerpt(), HasSubstr("SIGBUS"));
    EXPECT_EQ(e.job_id(), ref.job_id);
  }
}

TEST_F(RunnerTest, AJobWhoseProcessExitedWithoutAPlanFailed) {
  expect_spawn(fixture(kV, "copy_json_scan_error.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("missing", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(fixture(kV, "jobs_show_json_notfound.stdout"), 1);
  const AzCopyProgress p = r.poll(ref.job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Failed);
  EXPECT_THAT(p.reason, HasSubstr("without leaving a job plan"));
  EXPECT_THAT(p.reason, HasSubstr("failed to scan path"));
  const AzCopySummary s = r.get_summary(ref.job_id);
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  EXPECT_EQ(s.files_transferred, 0);
}

TEST_F(RunnerTest, AKilledJobIsFailedAndResumableNotRunningForever) {
  expect_spawn(fixture(kV, "copy_json_killed.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("big", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(fixture(kV, "jobs_show_json_killed.stdout"));
  const AzCopyProgress p = r.poll(ref.job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Failed);
  EXPECT_EQ(p.raw_status, "InProgress");
  EXPECT_TRUE(p.resumable);
  EXPECT_THAT(p.reason, HasSubstr("is gone"));
}

// ----- resume ----------------------------------------------------------------------------------

/// A job started from the recorded killed copy, its process gone: FAILED and resumable.
AzCopyJobRef killed_job(AzCopyRunner& r, ::testing::NiceMock<MockLauncher>& launcher) {
  AzCopyJobRef ref = r.start_copy("big", "dst", CopyOptions{});
  EXPECT_CALL(launcher, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  return ref;
}

TEST_F(RunnerTest, AResumeRunsJobsResumeOfTheJobAndRecordsItsNewProcess) {
  expect_spawn(fixture(kV, "copy_json_killed.stdout"));
  auto r = runner();
  const AzCopyJobRef ref = killed_job(r, *launcher_);
  expect_jobs_show(fixture(kV, "jobs_show_json_killed.stdout"));
  ASSERT_TRUE(r.poll(ref.job_id).resumable);

  expect_spawn(fixture(kV, "jobs_resume_text_killed.stdout"), 4343);
  const AzCopyJobRef resumed = r.resume(ref.job_id, "", "?" + kSas);
  EXPECT_EQ(resumed.job_id, ref.job_id);
  EXPECT_EQ(resumed.pid, 4343);
  const std::vector<std::string>& args = last_spawn_.process.args;
  ASSERT_GE(args.size(), 3U);
  EXPECT_EQ(args[0], "jobs");
  EXPECT_EQ(args[1], "resume");
  EXPECT_EQ(args[2], ref.job_id);
  EXPECT_THAT(args, ::testing::Contains("--destination-sas=" + kSas)) << "without its '?'";
  EXPECT_THAT(args, ::testing::Contains("--output-type=json"));
  // The resumed process starts in a staging directory, then its output moves to resume-1/,
  // next to the job's record.
  EXPECT_TRUE(fs::path(last_spawn_.stdout_path)
                  .parent_path()
                  .filename()
                  .string()
                  .starts_with(".starting-"));
  const auto record = detail::load_record(config_.log_dir, ref.job_id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->kind, detail::ProcessKind::Resume);
  EXPECT_EQ(record->resumes, 1);
  EXPECT_EQ(record->process.pid, 4343);
  EXPECT_EQ(fs::path(record->output_dir()).filename(), "resume-1");
  ASSERT_TRUE(record->copy) << "what the copy was asked to do is kept";
  EXPECT_EQ(record->copy->source, "big");
  EXPECT_TRUE(record->stdout_is_json());
  EXPECT_THAT(slurp(fs::path(ref.log_dir) / "record.json"), Not(HasSubstr(kSigValue)));
}

TEST_F(RunnerTest, AResumeThatExitsAtOnceNamesTheJobNotAnUnknownId) {
  expect_spawn(fixture(kV, "copy_json_killed.stdout"));
  auto r = runner();
  const AzCopyJobRef ref = killed_job(r, *launcher_);
  expect_spawn("failed to perform resume command due to error: cannot resume job\n", 4343);
  EXPECT_CALL(*launcher_, try_reap(Field(&ProcessIdentity::pid, 4343)))
      .WillRepeatedly(Return(ExitStatus{1, 0}));
  try {
    static_cast<void>(r.resume(ref.job_id, "", ""));
    FAIL() << "no error";
  } catch (const AzCopyStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr("azcopy jobs resume " + ref.job_id +
                                    " exited (exit code 1) without resuming the job"));
    EXPECT_THAT(e.what(), Not(HasSubstr("before printing a job id")));
    EXPECT_EQ(e.job_id(), ref.job_id);
    EXPECT_THAT(e.excerpt(), HasSubstr("cannot resume job"));
  }
  // The job's record is as it was: a later resume can still be tried.
  const auto record = detail::load_record(config_.log_dir, ref.job_id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->kind, detail::ProcessKind::Copy);
  EXPECT_EQ(record->resumes, 0);
}

TEST_F(RunnerTest, ALiveJobThatAzCopyReportsInProgressIsRunning) {
  expect_spawn(fixture(kV, "copy_json_killed.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("big", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
  expect_jobs_show(fixture(kV, "jobs_show_json_inprogress.stdout"));
  EXPECT_EQ(r.poll(ref.job_id).state, AzCopyJobState::Running);
}

// ----- poll from the job's own output (no process spawned) ------------------------------------

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

TEST_F(RunnerTest, JobsShowThatTimesOutIsAParseError) {
  RunResult timed_out;
  timed_out.timed_out = true;
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(timed_out));
  try {
    runner().poll("7b0a9c2e-1111-4222-8333-444455556666");
    FAIL() << "no error";
  } catch (const AzCopyParseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("did not answer"));
  }
}

TEST_F(RunnerTest, JobsShowGarbageOrAPanicIsAParseError) {
  expect_jobs_show("panic: runtime error: invalid memory address\n\ngoroutine 1 [running]:\n", 2);
  try {
    runner().poll("7b0a9c2e-1111-4222-8333-444455556666");
    FAIL() << "no error";
  } catch (const AzCopyParseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("exit code 2"));
    EXPECT_THAT(e.excerpt(), HasSubstr("panic"));
  }
}

// ----- get_summary / wait ----------------------------------------------------------------------

TEST_F(RunnerTest, GetSummaryOfARunningJobThrowsNotFinishedWithThePartialSummary) {
  expect_jobs_show(fixture(kV, "jobs_show_json_inprogress.stdout"));
  try {
    runner().get_summary("7b0a9c2e-1111-4222-8333-444455556666");
    FAIL() << "no error";
  } catch (const AzCopyNotFinishedError& e) {
    EXPECT_EQ(e.partial_summary().state, AzCopyJobState::Running);
    EXPECT_EQ(e.partial_summary().raw_status, "InProgress");
    EXPECT_GT(e.partial_summary().total_transfers, 0);
  }
}

TEST_F(RunnerTest, TerminalSummaryIsKeptInTheRecordAndServedFromThere) {
  expect_spawn(fixture(kV, "copy_json_errors.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .Times(1)
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_errors_from_json.stdout"))));
  const auto expect = manifest_case(kV, "copy_json_errors")["expect"];
  const AzCopySummary first = r.get_summary(ref.job_id);
  EXPECT_EQ(first.state, AzCopyJobState::Failed);
  EXPECT_EQ(first.raw_status, "CompletedWithErrors");
  EXPECT_EQ(std::to_string(first.bytes_transferred), expect["TotalBytesTransferred"]);
  EXPECT_EQ(std::to_string(first.failed_transfers), expect["TransfersFailed"]);
  ASSERT_TRUE(first.finished_at.has_value());
  // A second runner (another process, say) reads the record: no second jobs show.
  AzCopyRunner other(config_, launcher_);
  const AzCopySummary again = other.get_summary(ref.job_id);
  EXPECT_EQ(again.files_transferred, first.files_transferred);
  EXPECT_EQ(again.bytes_transferred, first.bytes_transferred);
  EXPECT_EQ(again.state, first.state);
  EXPECT_EQ(other.poll(ref.job_id).state, AzCopyJobState::Failed);
}

TEST_F(RunnerTest, WaitPollsUntilTerminalAndReportsProgress) {
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillRepeatedly(
          Return(exited_with(0, fixture(kV, "jobs_show_json_completed_from_json.stdout"))));
  std::vector<AzCopyJobState> seen;
  const AzCopySummary s = runner().wait("7b0a9c2e-1111-4222-8333-444455556666", 10s, 1ms,
                                        [&](const AzCopyProgress& p) { seen.push_back(p.state); });
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(seen, (std::vector<AzCopyJobState>{AzCopyJobState::Running, AzCopyJobState::Running,
                                               AzCopyJobState::Succeeded}));
}

// wait() with a long interval still returns as soon as the job's own stdout shows its EndOfJob
// (AzCopy then takes tens of milliseconds more to exit), or as soon as its process ends. With
// a 60 s interval, a wait that only woke at the interval would take 60 s.
TEST_F(RunnerTest, WaitWakesAtTheEndOfJobInTheJobsOwnOutput) {
  const std::string copy = fixture(kV, "copy_json_completed.stdout");
  expect_spawn(until_init(copy));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));  // never exits
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillRepeatedly(
          Return(exited_with(0, fixture(kV, "jobs_show_json_completed_from_json.stdout"))));
  std::thread finisher([&] {
    std::this_thread::sleep_for(200ms);
    // (The job's directory was renamed to its id once the id was known.)
    std::ofstream(fs::path(ref.log_dir) / "stdout.log", std::ios::binary | std::ios::app)
        << copy.substr(until_init(copy).size());
  });
  const auto t0 = std::chrono::steady_clock::now();
  const AzCopySummary s = r.wait(ref.job_id, 120s, 60s);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  finisher.join();
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_LT(elapsed, 30s);
}

TEST_F(RunnerTest, WaitWakesAtTheExitOfTheJobsProcess) {
  expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  std::atomic<bool> alive{true};
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Invoke([&](const ProcessIdentity&) {
    return alive.load() ? Liveness::Alive : Liveness::Dead;
  }));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillRepeatedly(
          Return(exited_with(0, fixture(kV, "jobs_show_json_completed_from_json.stdout"))));
  std::thread exiter([&] {
    std::this_thread::sleep_for(200ms);
    alive = false;
  });
  const auto t0 = std::chrono::steady_clock::now();
  const AzCopySummary s = r.wait(ref.job_id, 120s, 60s);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  exiter.join();
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_LT(elapsed, 30s);
}

TEST_F(RunnerTest, WaitTimesOutWithNotFinished) {
  expect_jobs_show(fixture(kV, "jobs_show_json_inprogress.stdout"));
  EXPECT_THROW(runner().wait("7b0a9c2e-1111-4222-8333-444455556666", 30ms, 5ms),
               AzCopyNotFinishedError);
}

// WaitOptions' default timeout is no limit (not an overflow into the past).
TEST_F(RunnerTest, WaitWithoutATimeoutWaitsForTheEnd) {
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillRepeatedly(
          Return(exited_with(0, fixture(kV, "jobs_show_json_completed_from_json.stdout"))));
  WaitOptions options;
  options.interval = 1ms;
  const AzCopySummary s = runner().wait("7b0a9c2e-1111-4222-8333-444455556666", options);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
}

// A stop requested on WaitOptions::stop ends a wait whose job runs on, whether its process runs
// on this host (the wait sleeps on it) or not (a plain pause), long before the timeout or the
// interval: the error says the wait was stopped, and carries the last progress.
TEST_F(RunnerTest, WaitStopsWhenAStopIsRequested) {
  for (const bool own_process : {true, false}) {
    std::string job_id = "7b0a9c2e-1111-4222-8333-444455556666";
    auto r = runner();
    if (own_process) {
      expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
      job_id = r.start_copy("src", "dst", CopyOptions{}).job_id;
      EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
    }
    expect_jobs_show(fixture(kV, "jobs_show_json_inprogress.stdout"));
    std::stop_source stop;
    WaitOptions options;
    options.timeout = 600s;
    options.interval = 300s;
    options.stop = stop.get_token();
    int polls = 0;
    options.on_progress = [&](const AzCopyProgress&) { ++polls; };
    std::thread stopper([&] {
      std::this_thread::sleep_for(100ms);
      stop.request_stop();
    });
    try {
      r.wait(job_id, options);
      ADD_FAILURE() << "wait() returned for a running job";
    } catch (const AzCopyNotFinishedError& e) {
      EXPECT_THAT(e.what(), HasSubstr("stopped waiting for job " + job_id)) << own_process;
      EXPECT_EQ(e.partial_summary().state, AzCopyJobState::Running);
      EXPECT_EQ(e.partial_summary().job_id, job_id);
    }
    stopper.join();
    EXPECT_EQ(polls, 1) << "one poll, then the stop during the first pause";
    ::testing::Mock::VerifyAndClearExpectations(launcher_.get());
  }
}

// ----- what `jobs show` does not say: folder counts, the empty-folders notice -------------------

TEST_F(RunnerTest, FoldersThatJobsShowDoesNotCountAreTakenFromTheJobsOwnOutput) {
  // A LocalFile rerun (tests/data/azcopy-folders): `jobs show` says FoldersCompleted,
  // FoldersSkipped 0 although the 4 folders were skipped; the copy's own EndOfJob counted them.
  const std::string own = testing::folder_fixture(kV, "copy_json_localfile_rerun.stdout");
  expect_spawn(own);
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(testing::folder_fixture(kV, "jobs_show_json_localfile_rerun.stdout"));
  const AzCopySummary s = r.get_summary(ref.job_id);
  EXPECT_EQ(s.raw_status, "CompletedWithSkipped");
  EXPECT_EQ(s.files_transferred, detail::parse_output(own).summary->files_transferred);
  EXPECT_EQ(s.files_transferred, 2);  // 10.32.2 copied the 2 files again (README.md)
  for (const auto& m : s.messages) {
    EXPECT_THAT(m, Not(HasSubstr("may count")));
  }
}

TEST_F(RunnerTest, FoldersThatNobodyCountedAreSaidInTheMessages) {
  expect_spawn(testing::folder_fixture(kV, "copy_json_localfile_rerun.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  fs::remove(fs::path(ref.log_dir) / "stdout.log");  // the job's own output is lost
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(testing::folder_fixture(kV, "jobs_show_json_localfile_rerun.stdout"));
  const AzCopySummary s = r.get_summary(ref.job_id);
  EXPECT_THAT(s.messages, ::testing::Contains(HasSubstr("may count up to 4 folders")));
}

TEST_F(RunnerTest, TheEmptyFoldersNoticeOfTheStartIsInTheSummaryThoughJobsShowLacksIt) {
  expect_spawn(fixture(kV, "copy_json_completed.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  // Only the record keeps it now: the output files may be gone (a cleaned log directory).
  fs::remove(fs::path(ref.log_dir) / "stdout.log");
  EXPECT_THAT(slurp(fs::path(ref.log_dir) / "record.json"), HasSubstr("empty folders"));
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(fixture(kV, "jobs_show_json_completed_from_json.stdout"));
  const AzCopySummary s = r.get_summary(ref.job_id);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_TRUE(s.empty_folders_not_processed);
  ASSERT_FALSE(s.messages.empty());
  EXPECT_THAT(s.messages.front(), HasSubstr("Any empty folders will not be processed"));
  // Served again from the record, by another runner.
  EXPECT_TRUE(AzCopyRunner(config_, launcher_).get_summary(ref.job_id).empty_folders_not_processed);
}

TEST_F(RunnerTest, AJobWithFoldersOnBothSidesHasNoEmptyFoldersNotice) {
  expect_spawn(testing::folder_fixture(kV, "copy_json_localfile_completed.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(testing::folder_fixture(kV, "jobs_show_json_localfile_completed.stdout"));
  const AzCopySummary s = r.get_summary(ref.job_id);
  EXPECT_FALSE(s.empty_folders_not_processed);
  EXPECT_EQ(s.files_transferred, 2);
}

TEST_F(RunnerTest, ListJobsShowsRecordedJobsNewestFirst) {
  auto r = runner();
  expect_spawn(fixture(kV, "copy_json_completed.stdout"));
  const auto first = r.start_copy("src", "dst", CopyOptions{});
  std::this_thread::sleep_for(5ms);
  expect_spawn(fixture(kV, "copy_json_errors.stdout"));
  const auto second = r.start_copy("src", "dst", CopyOptions{});
  const auto jobs = r.list_jobs();
  ASSERT_EQ(jobs.size(), 2U);
  EXPECT_EQ(jobs[0].ref.job_id, second.job_id);
  EXPECT_EQ(jobs[1].ref.job_id, first.job_id);
}

}  // namespace
}  // namespace azcopy_runner
