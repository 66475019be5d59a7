// SPDX-License-Identifier: MIT
// The command-line tool's wait (`azcopy-runner copy --wait`) against the fake: Ctrl-C stops it
// through WaitOptions::stop, and the job keeps running.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "fake_azcopy_harness.hpp"
#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

#ifdef AZCOPY_RUNNER_CLI
// `azcopy-runner copy --wait` waits through the library's wait(); a Ctrl-C stops that wait
// (a stop_token) well before its 30 s interval: exit 130, the message says the job keeps
// running, and AzCopy (the fake, in its own session) does keep running.
TEST_F(FakeAzCopy, CtrlCStopsTheCliWaitAndTheJobKeepsRunning) {
  const fs::path out = dir_.path() / "cli.stdout";
  const fs::path err = dir_.path() / "cli.stderr";
  // Everything the child needs is made before fork(): after it, only async-signal-safe calls.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    env.emplace_back(*e);
  }
  for (const auto& [key, value] :
       std::map<std::string, std::string>{{"AZCOPY_PATH", kFake},
                                          {"AZCOPY_WORK_DIR", config_.work_dir},
                                          {"AZCOPY_LOG_DIR", config_.log_dir},
                                          {"FAKE_AZCOPY_MODE", "copy-run"},
                                          {"FAKE_AZCOPY_SHOW_MODE", "inprogress"},
                                          {"FAKE_AZCOPY_MARKER", marker_}}) {
    env.push_back(std::string(key).append("=").append(value));
  }
  std::vector<std::string> args{AZCOPY_RUNNER_CLI,
                                "copy",
                                dir_.path().string(),
                                "https://example.invalid/c?sv=2019-12-12&sig=SECRET",
                                "--wait",
                                "--interval",
                                "30"};
  std::vector<char*> envp;
  std::vector<char*> argv;
  envp.reserve(env.size() + 1);
  argv.reserve(args.size() + 1);
  for (auto& e : env) {
    envp.push_back(e.data());
  }
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  envp.push_back(nullptr);
  argv.push_back(nullptr);
  const pid_t cli = ::fork();
  ASSERT_GE(cli, 0);
  if (cli == 0) {
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  // Until the CLI shows the job's progress: it is waiting then (PENDING: the fake prints no
  // progress line, as AzCopy while it scans its source).
  const auto deadline = Clock::now() + 20s;
  while (slurp(out).find("PENDING") == std::string::npos && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_NE(slurp(out).find("PENDING"), std::string::npos) << slurp(out) << slurp(err);
  ASSERT_EQ(::kill(cli, SIGINT), 0);
  int status = 0;
  pid_t reaped = 0;
  const auto give_up = Clock::now() + 10s;  // far below the 30 s interval
  while ((reaped = ::waitpid(cli, &status, WNOHANG)) == 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(10ms);
  }
  if (reaped == 0) {
    ::kill(cli, SIGKILL);
    ::waitpid(cli, &status, 0);
    FAIL() << "the CLI kept waiting after Ctrl-C";
  }
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 130) << slurp(err);
  EXPECT_THAT(slurp(err), HasSubstr("keeps running"));
  EXPECT_THAT(slurp(err) + slurp(out), Not(HasSubstr("SECRET")));
  EXPECT_FALSE(marked_processes(marker_).empty()) << "the AzCopy job must outlive the wait";
}
#endif

}  // namespace
}  // namespace azcopy_runner::integration
