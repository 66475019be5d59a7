// SPDX-License-Identifier: MIT
// Integration harness: real AzCopy + Azurite on 127.0.0.1, both provided by scripts/test.sh
// through AZCOPY_RUNNER_TEST_AZCOPY, AZURITE_PORT and AZCOPY_RUNNER_TEST_AZURITE_CTL.
#pragma once

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "azcopy_runner/azcopy_runner.hpp"

namespace azcopy_runner::integration {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): test set-up only
  return v == nullptr ? std::string() : std::string(v);
}

/// Skips (or, under CI, fails) when the real AzCopy and Azurite are not provided.
#define AZCOPY_REQUIRE_ENVIRONMENT()                                           \
  do {                                                                         \
    if (!::azcopy_runner::integration::Env::get().ok()) {                      \
      if (!::azcopy_runner::integration::env_or_empty("CI").empty()) {         \
        FAIL() << "integration environment missing: run scripts/test.sh";      \
      }                                                                        \
      GTEST_SKIP() << "set AZCOPY_RUNNER_TEST_AZCOPY, AZURITE_PORT and "       \
                      "AZCOPY_RUNNER_TEST_AZURITE_CTL (scripts/test.sh does)"; \
    }                                                                          \
  } while (false)

struct CommandResult {
  int status = -1;
  std::string out;
};

/// Runs a shell-free command line (arguments are quoted for /bin/sh), capturing stdout.
inline CommandResult run_command(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    std::string q = "'";
    for (char c : a) {
      if (c == '\'') {
        q += "'\\''";
      } else {
        q += c;
      }
    }
    q += "'";
    line += q + " ";
  }
  CommandResult r;
  FILE* p = ::popen(line.c_str(), "r");
  if (p == nullptr) {
    return r;
  }
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) {
    r.out.append(buf.data(), n);
  }
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class Env {
 public:
  static const Env& get() {
    static const Env env;
    return env;
  }
  [[nodiscard]] bool ok() const { return !azcopy.empty() && !port.empty() && !ctl.empty(); }

  /// The AzCopy under test: AZCOPY_RUNNER_TEST_AZCOPY, or the 10.18.1 binary when
  /// AZCOPY_RUNNER_TEST_AZCOPY_VERSION=10.18 (CTest runs the suite once with each).
  std::string azcopy = env_or_empty("AZCOPY_RUNNER_TEST_AZCOPY_VERSION") == "10.18"
                           ? env_or_empty("AZCOPY_RUNNER_TEST_AZCOPY_10_18")
                           : env_or_empty("AZCOPY_RUNNER_TEST_AZCOPY");
  std::string port = env_or_empty("AZURITE_PORT");
  std::string ctl = env_or_empty("AZCOPY_RUNNER_TEST_AZURITE_CTL");

  [[nodiscard]] std::string endpoint() const {
    return "http://127.0.0.1:" + port + "/devstoreaccount1";
  }

  /// Runs azurite_ctl.py with @p args; fails the test on error.
  [[nodiscard]] std::string ctl_run(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"python3", ctl, "--endpoint", endpoint()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv);
    EXPECT_EQ(r.status, 0) << "azurite_ctl " << (args.empty() ? "" : args[0]);
    return r.out;
  }

  [[nodiscard]] const std::string& sas() const {
    static const std::string value = [this] {
      std::string s = ctl_run({"sas"});
      while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
        s.pop_back();
      }
      return s;
    }();
    return value;
  }

  /// The `sig` value of the SAS (what must never appear in anything the runner writes).
  [[nodiscard]] std::string signature() const {
    const std::string& s = sas();
    const auto pos = s.find("sig=");
    return pos == std::string::npos ? std::string() : s.substr(pos + 4, s.find('&', pos) - pos - 4);
  }

 private:
  Env() = default;
};

/// @p parts one after the other (a path or URL built in a loop, without temporaries).
inline std::string joined(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const auto part : parts) {
    out.append(part);
  }
  return out;
}

inline std::string unique_name(const std::string& prefix) {
  std::random_device rd;
  std::ostringstream out;
  out << prefix << "-" << std::hex << rd() << rd();
  return out.str().substr(0, 40);
}

/// A temporary directory removed at the end of the test.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix)
      : path_(fs::temp_directory_path() / unique_name("azr-" + prefix)) {
    fs::create_directories(path_);
    // Private whatever the umask: the runner refuses a work dir below a group-writable one.
    fs::permissions(path_, fs::perms::owner_all);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// Files of a source tree: relative path -> size.
using Tree = std::map<std::string, std::int64_t>;

/// Writes @p count files of pseudo-random content (sizes spread around @p mean_size),
/// in nested folders, and returns their relative paths and sizes.
inline Tree make_tree(const fs::path& root, int count, std::int64_t mean_size, unsigned seed = 7) {
  std::mt19937_64 rng(seed);
  Tree tree;
  for (int i = 0; i < count; ++i) {
    const std::string rel = (i % 3 == 0   ? std::string("a/")
                             : i % 3 == 1 ? "b/c/"
                                          : "") +
                            "file " + std::to_string(i) + ".bin";
    const auto size = static_cast<std::int64_t>(static_cast<std::uint64_t>(mean_size / 2) +
                                                rng() % static_cast<std::uint64_t>(mean_size));
    fs::create_directories((root / rel).parent_path());
    std::ofstream out(root / rel, std::ios::binary);
    std::string chunk(static_cast<std::size_t>(size), '\0');
    for (auto& c : chunk) {
      c = static_cast<char>(rng());
    }
    out << chunk;
    tree[rel] = size;
  }
  return tree;
}

inline std::int64_t total_bytes(const Tree& tree) {
  std::int64_t sum = 0;
  for (const auto& [name, size] : tree) {
    sum += size;
  }
  return sum;
}

/// Every file below @p root (relative path -> size).
inline Tree read_tree(const fs::path& root) {
  Tree tree;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) {
      tree[fs::relative(e.path(), root).string()] = static_cast<std::int64_t>(e.file_size());
    }
  }
  return tree;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// What a /proc file of another process reads; "" when it cannot be opened, and what was read
/// before an error. Not an ifstream: the process may exit between the open and the read, which
/// then fails with ESRCH, and libstdc++'s filebuf throws that out of an istreambuf_iterator
/// (seen in CI: it escaped from a TearDown under ASan).
inline std::string read_proc(const fs::path& p) {
  std::string out;
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return out;
  }
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) {
      break;
    }
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

/// Concatenated content of every file below @p root (to grep for secrets).
inline std::vector<std::pair<fs::path, std::string>> all_files(const fs::path& root) {
  std::vector<std::pair<fs::path, std::string>> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      break;
    }
    if (it->is_regular_file()) {
      files.emplace_back(it->path(), slurp(it->path()));
    }
  }
  return files;
}

/// State letter of /proc/<pid>/stat, or '-' when the process does not exist.
inline char proc_state(std::int64_t pid) {
  const std::string text = read_proc("/proc/" + std::to_string(pid) + "/stat");
  const auto close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() ? '-' : text[close + 2];
}

/// Waits until the process is gone (or a zombie, when @p zombie_ok) for at most @p limit.
inline bool wait_gone(std::int64_t pid, std::chrono::milliseconds limit, bool zombie_ok = false) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const char s = proc_state(pid);
    if (s == '-' || (zombie_ok && s == 'Z')) {
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

/// Polls until @p pred holds for the progress, at most @p limit; returns the last progress.
template <typename Pred>
AzCopyProgress poll_until(AzCopyRunner& runner, const std::string& id, Pred pred,
                          std::chrono::milliseconds limit = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  AzCopyProgress p = runner.poll(id);
  while (!pred(p) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    p = runner.poll(id);
  }
  return p;
}

/// A runner on the real AzCopy, with its own work and log directories.
class RealAzCopy : public ::testing::Test {
 protected:
  void SetUp() override {
    AZCOPY_REQUIRE_ENVIRONMENT();
    config_.azcopy_path = Env::get().azcopy;
    config_.work_dir = (dir_.path() / "work").string();
    config_.log_dir = (dir_.path() / "runner").string();
    config_.poll_interval = 200ms;
    runner_ = std::make_unique<AzCopyRunner>(config_);
  }

  /// A new container and its URL with the SAS.
  std::string container(const std::string& prefix) {
    const std::string name = unique_name(prefix);
    static_cast<void>(Env::get().ctl_run({"mkcontainer", name}));
    return name;
  }
  [[nodiscard]] std::string url(const std::string& path) const {
    return Env::get().endpoint() + "/" + path + "?" + Env::get().sas();
  }

  AzCopySummary copy_and_wait(const std::string& src, const std::string& dst, CopyOptions o) {
    const AzCopyJobRef ref = runner_->start_copy(src, dst, o);
    EXPECT_TRUE(is_valid_job_id(ref.job_id));
    return runner_->wait(ref.job_id, 300s, 200ms);
  }

  /// @p s copied exactly the files of @p tree: SUCCEEDED, Completed, every file and byte,
  /// nothing failed or skipped.
  static void expect_exact(const AzCopySummary& s, const Tree& tree) {
    EXPECT_EQ(s.state, AzCopyJobState::Succeeded) << s.raw_summary;
    EXPECT_EQ(s.raw_status, "Completed");
    EXPECT_EQ(s.files_transferred, static_cast<std::int64_t>(tree.size()));
    EXPECT_EQ(s.bytes_transferred, total_bytes(tree));
    EXPECT_EQ(s.failed_transfers, 0);
    EXPECT_EQ(s.skipped_transfers, 0);
  }

  static CopyOptions upload() {
    CopyOptions o;
    o.from_to = "LocalBlob";
    return o;
  }

  /// Nothing the runner wrote, and nothing it returned, holds the SAS signature.
  void expect_no_signature_anywhere() const {
    const std::string sig = Env::get().signature();
    ASSERT_FALSE(sig.empty());
    for (const auto& [path, content] : all_files(config_.log_dir)) {
      EXPECT_THAT(content, ::testing::Not(::testing::HasSubstr(sig))) << path;
    }
  }

  TempDir dir_{"it"};
  RunnerConfig config_;
  std::unique_ptr<AzCopyRunner> runner_;
};

}  // namespace azcopy_runner::integration
