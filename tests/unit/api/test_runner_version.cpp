// SPDX-License-Identifier: MIT
// The AzCopy executable and its version: missing or not AzCopy, too old, asked once and
// cached, and the log level refused before AzCopy 10.32.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "runner_fixture.hpp"

namespace azcopy_runner {
namespace {

using namespace runner_testing;  // NOLINT(google-build-using-namespace): the shared names

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

}  // namespace
}  // namespace azcopy_runner
