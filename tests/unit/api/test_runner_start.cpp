// SPDX-License-Identifier: MIT
// start_copy through the mocked launcher: the job id, the record and the host's log, the
// requests refused before anything runs, the starts that fail; and list_jobs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "runner_fixture.hpp"
#include "store/record.hpp"

namespace azcopy_runner {
namespace {

using namespace runner_testing;  // NOLINT(google-build-using-namespace): the shared names

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

// ----- list_jobs ---------------------------------------------------------------------------------

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
