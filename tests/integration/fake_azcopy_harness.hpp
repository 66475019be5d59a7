// SPDX-License-Identifier: MIT
// What the fault tests against tests/fakes/fake-azcopy share: the FakeAzCopy fixture (the runner
// with its real default launcher, the fake as its AzCopy), and the helpers that look for the
// processes it leaves behind.
//
// Every test puts a unique FAKE_AZCOPY_MARKER into the environment of the processes the runner
// starts; a process left behind is found by looking for it in /proc/*/environ.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "harness.hpp"

#ifndef AZCOPY_RUNNER_FAKE_AZCOPY
#error "AZCOPY_RUNNER_FAKE_AZCOPY must name tests/fakes/fake-azcopy (set in CMakeLists.txt)"
#endif

namespace azcopy_runner::integration {

using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

inline constexpr const char* kFake = AZCOPY_RUNNER_FAKE_AZCOPY;
inline constexpr auto kCommandTimeout = 2s;

inline std::string random_job_id() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32U) ^ rd());
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) {
      id += '-';
    }
    id += kHex[rng() % 16];
  }
  return id;
}

inline double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// Prints (and records in the XML output) something the test observed.
inline void note(const std::string& key, const std::string& value) {
  ::testing::Test::RecordProperty(key, value);
  std::cout << "[ observed ] " << key << ": " << value << '\n';
}

/// pid -> command line of every process whose environment or command line holds @p marker.
inline std::map<pid_t, std::string> marked_processes(const std::string& marker) {
  std::map<pid_t, std::string> found;
  const std::string needle = "FAKE_AZCOPY_MARKER=" + marker;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid()) {
      continue;
    }
    // A zombie's environ and cmdline read as empty: it counts as gone.
    const std::string environ = read_proc(entry.path() / "environ");
    std::string cmdline = read_proc(entry.path() / "cmdline");
    if (environ.find(needle) != std::string::npos || cmdline.find(marker) != std::string::npos) {
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      found[pid] = cmdline;
    }
  }
  return found;
}

/// Waits up to @p limit for every marked process to disappear; returns those that remain.
inline std::map<pid_t, std::string> wait_marked_gone(const std::string& marker,
                                                     Clock::duration limit = 2s) {
  const auto deadline = Clock::now() + limit;
  auto left = marked_processes(marker);
  while (!left.empty() && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    left = marked_processes(marker);
  }
  return left;
}

inline std::string describe(const std::map<pid_t, std::string>& procs) {
  std::string out;
  for (const auto& [pid, cmd] : procs) {
    out += "\n  pid " + std::to_string(pid) + ": " + cmd;
  }
  return out;
}

struct Stat {
  char state = '?';
  long pgrp = 0;     // field 5
  long session = 0;  // field 6
};

/// /proc/<pid>/stat fields 3, 5 and 6; std::nullopt when the process does not exist.
inline std::optional<Stat> proc_stat(std::int64_t pid) {
  const std::string text = read_proc("/proc/" + std::to_string(pid) + "/stat");
  const auto close = text.rfind(')');
  if (text.empty() || close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream in(text.substr(close + 1));
  Stat s;
  long ppid = 0;
  in >> s.state >> ppid >> s.pgrp >> s.session;
  return s;
}

/// Waits up to @p limit until @p pid is gone (a zombie counts as not yet gone: the runner
/// reaps its own children).
inline bool wait_pid_gone(std::int64_t pid, Clock::duration limit = 2s) {
  const auto deadline = Clock::now() + limit;
  while (proc_stat(pid)) {
    if (Clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

/// Runs @p f, which must throw exactly @p E; returns the exception (a copy).
template <typename E, typename F>
std::optional<E> expect_error(F&& f) {
  const std::string wanted(E("", ErrorContext{}).type_name());
  try {
    std::forward<F>(f)();
    ADD_FAILURE() << "expected " << wanted << ", nothing was thrown";
  } catch (const E& e) {
    return e;
  } catch (const AzCopyError& e) {
    ADD_FAILURE() << "expected " << wanted << ", got " << e.type_name() << ": " << e.what()
                  << "\nexcerpt: " << e.excerpt();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected " << wanted << ", got a std::exception: " << e.what();
  }
  return std::nullopt;
}

class FakeAzCopy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(::access(kFake, X_OK), 0) << kFake << " is missing or not executable (chmod +x)";
  }

  FakeAzCopy() {
    config_.azcopy_path = kFake;
    config_.work_dir = (dir_.path() / "work").string();
    config_.log_dir = (dir_.path() / "runner").string();
    config_.command_timeout = kCommandTimeout;
    config_.start_timeout = 10s;  // a bound for the tests that expect a job id
    config_.poll_interval = 100ms;
    config_.extra_env["FAKE_AZCOPY_MARKER"] = marker_;
    config_.extra_env["FAKE_AZCOPY_LOG"] = (dir_.path() / "invocations.log").string();
  }

  void TearDown() override {
    // Whatever a failed test left behind goes now (the runner is still there to reap it).
    for (const auto& [pid, cmd] : marked_processes(marker_)) {
      ::kill(pid, SIGKILL);
    }
    static_cast<void>(wait_marked_gone(marker_));
  }

  void set_mode(const std::string& mode) { config_.extra_env["FAKE_AZCOPY_MODE"] = mode; }

  AzCopyRunner& runner() {
    if (!runner_) {
      runner_ = std::make_unique<AzCopyRunner>(config_);
    }
    return *runner_;
  }

  AzCopyJobRef start() {
    CopyOptions o;
    o.from_to = "LocalBlob";
    return runner().start_copy(dir_.path().string(),
                               "https://example.invalid/container/dir?sv=2019-12-12&sig=SECRET", o);
  }

  void expect_no_process_left() {
    const auto left = wait_marked_gone(marker_);
    EXPECT_TRUE(left.empty()) << "processes left behind:" << describe(left);
  }

  /// What the fake was asked to do, one invocation a line.
  [[nodiscard]] std::string invocations() const { return slurp(dir_.path() / "invocations.log"); }

  TempDir dir_{"fake"};
  std::string marker_ = unique_name("fake-azcopy-marker");
  RunnerConfig config_;
  std::unique_ptr<AzCopyRunner> runner_;
};

}  // namespace azcopy_runner::integration
