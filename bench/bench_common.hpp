// SPDX-License-Identifier: MIT
// Helpers shared by the benchmark programs: the data manifest written by bench/bench.py,
// /proc/self/status figures, and running a bare command the way a caller would (output
// captured through a pipe and drained).
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/azcopy_runner.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace azcopy_runner::bench {

/// A `key=value` file (one pair a line, '#' comments): the manifest of the generated data.
inline std::map<std::string, std::string> read_manifest(const std::string& path) {
  std::map<std::string, std::string> kv;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto eq = line.find('=');
    if (eq != std::string::npos) {
      kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return kv;
}

/// A field of /proc/self/status in KiB ("VmHWM", "VmRSS"); -1 when unreadable.
inline std::int64_t proc_status_kib(std::string_view field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
      return std::strtoll(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

/// The runner configuration used by every benchmark: AzCopy's plans and logs in @p work_dir,
/// the runner's records in @p log_dir.
inline RunnerConfig bench_config(const std::string& azcopy, const std::string& work_dir,
                                 const std::string& log_dir) {
  RunnerConfig c;
  c.azcopy_path = azcopy;
  c.work_dir = work_dir;
  c.log_dir = log_dir;
  c.start_timeout = std::chrono::seconds(120);
  c.command_timeout = std::chrono::seconds(120);
  return c;
}

/// Runs @p exe with @p args (environment: ours plus @p env), stdin /dev/null, stdout a pipe
/// read to the end and discarded, stderr /dev/null. Returns the wall time in seconds and the
/// number of bytes printed. Throws std::runtime_error when it cannot be started.
struct BareRun {
  double seconds = 0;
  std::size_t out_bytes = 0;
  int status = -1;
};

inline BareRun run_bare(const std::string& exe, const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env) {
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view kv(*e);
    if (!env.contains(std::string(kv.substr(0, kv.find('='))))) {
      env_strings.emplace_back(kv);
    }
  }
  for (const auto& [k, v] : env) {
    env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{exe};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);

  std::array<int, 2> out{-1, -1};
  if (::pipe2(out.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  ::posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);

  BareRun run;
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    throw std::runtime_error("cannot start " + exe);
  }
  std::array<char, 65536> buf{};
  while (true) {
    const ssize_t n = ::read(out[0], buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    run.out_bytes += static_cast<std::size_t>(n);
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

inline double median(std::vector<double> v) {
  if (v.empty()) {
    return 0.0;
  }
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2.0;
}

}  // namespace azcopy_runner::bench
