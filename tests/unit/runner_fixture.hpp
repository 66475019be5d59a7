// SPDX-License-Identifier: MIT
// A runner in a private temporary root, its launcher a GMock fed with recorded AzCopy output;
// shared by the test files that drive AzCopyRunner (api/test_runner_*.cpp, api/test_secrets.cpp),
// with the names they use unqualified (namespace runner_testing).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"

namespace azcopy_runner::testing {

inline constexpr const char* kV = "10.32.2";
/// A SAS as the service signs one; its signature is kSigValue (base64, percent-encoded).
inline const std::string kSas =
    "sv=2019-12-12&ss=b&srt=sco&sp=rwdlacup&se=2126-11-30T18%3A23%3A10Z&spr=https%2Chttp&sig="
    "c2VjcmV0LXNpZ25hdHVyZQ%3D%3D";
inline const std::string kSigValue = "c2VjcmV0LXNpZ25hdHVyZQ";

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The recorded output up to and including the Init message: a job that is still scanning.
inline std::string until_init(const std::string& output) {
  const auto init = output.find(R"("MessageType":"Init")");
  return output.substr(0, output.find('\n', init) + 1);
}

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    using ::testing::_;
    using ::testing::AnyNumber;
    using ::testing::Return;
    using namespace std::chrono_literals;
    std::random_device rd;
    root_ = std::filesystem::temp_directory_path() / ("azcopy-runner-unit-" + std::to_string(rd()));
    std::filesystem::create_directories(root_);
    config_.azcopy_path = "/bin/true";  // exists and is executable; the mock answers for it
    config_.work_dir = (root_ / "work").string();
    config_.log_dir = (root_ / "runner").string();
    config_.start_timeout = 2s;
    config_.command_timeout = 5s;
    ON_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"--version"}), _, _))
        .WillByDefault(Return(exited_with(0, "azcopy version 10.32.2\n")));
    EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"--version"}), _, _))
        .Times(AnyNumber());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  AzCopyRunner runner() { return AzCopyRunner(config_, launcher_); }

  /// spawn_detached writes @p stdout_text (and @p stderr_text) into the job's output files,
  /// as AzCopy would.
  void expect_spawn(const std::string& stdout_text, std::int64_t pid = 4242,
                    const std::string& stderr_text = {}) {
    using ::testing::_;
    EXPECT_CALL(*launcher_, spawn_detached(_))
        .WillOnce(
            ::testing::Invoke([this, stdout_text, stderr_text, pid](const DetachedSpec& spec) {
              last_spawn_ = spec;
              std::ofstream(spec.stdout_path, std::ios::binary) << stdout_text;
              std::ofstream(spec.stderr_path, std::ios::binary) << stderr_text;
              return ProcessIdentity{pid, 777, "boot", "host"};
            }));
  }

  void expect_jobs_show(const std::string& output, int exit_code = 0) {
    using ::testing::_;
    EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
        .WillRepeatedly(::testing::Return(exited_with(exit_code, output)));
  }

  std::filesystem::path root_;
  RunnerConfig config_;
  std::shared_ptr<::testing::NiceMock<MockLauncher>> launcher_ =
      std::make_shared<::testing::NiceMock<MockLauncher>>();
  DetachedSpec last_spawn_;
};

}  // namespace azcopy_runner::testing

/// The names the runner's test files use unqualified, declared once: each file says
/// `using namespace runner_testing;`.
namespace azcopy_runner::runner_testing {

using ::testing::_;
using testing::ArgsStartWith;
using testing::exited_with;
using ::testing::Field;
using testing::fixture;
using ::testing::HasSubstr;
using ::testing::Invoke;
using testing::kSas;
using testing::kSigValue;
using testing::kV;
using testing::manifest_case;
using testing::MockLauncher;
using ::testing::Not;
using ::testing::Return;
using testing::RunnerTest;
using testing::slurp;
using ::testing::StrictMock;
using testing::until_init;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

}  // namespace azcopy_runner::runner_testing
