// SPDX-License-Identifier: MIT
// The runner against the real AzCopy and Azurite (see harness.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

TEST_F(RealAzCopy, UploadThenDownloadGivesExactFiguresAndContent) {
  TempDir src("src");
  const Tree tree = make_tree(src.path(), 12, 50'000);
  const std::string cont = container("up");
  // AzCopy uploads the folder itself: <container>/<folder name>/...
  const AzCopySummary up = copy_and_wait(src.path().string(), url(cont), upload());
  expect_exact(up, tree);
  ASSERT_TRUE(up.started_at && up.finished_at);
  EXPECT_LE(*up.started_at, *up.finished_at);

  // What Azurite holds is what we sent.
  Tree remote;
  std::istringstream listing(Env::get().ctl_run({"list", cont}));
  for (std::string line; std::getline(listing, line);) {
    const auto tab = line.find('\t');
    const std::string name = line.substr(0, tab);
    const std::string prefix = src.path().filename().string() + "/";
    ASSERT_TRUE(name.starts_with(prefix)) << name;
    remote[name.substr(prefix.size())] = std::stoll(line.substr(tab + 1));
  }
  EXPECT_EQ(remote, tree);

  TempDir back("down");
  CopyOptions down;
  down.from_to = "BlobLocal";
  const AzCopySummary dn =
      copy_and_wait(url(cont + "/" + src.path().filename().string()), back.path().string(), down);
  EXPECT_EQ(dn.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(dn.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(dn.bytes_transferred, total_bytes(tree));
  const fs::path got = back.path() / src.path().filename();
  EXPECT_EQ(read_tree(got), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(slurp(got / rel), slurp(src.path() / rel)) << rel;
  }
  expect_no_signature_anywhere();
}

TEST_F(RealAzCopy, OverwriteFalseSkipsEverything) {
  TempDir src("skip");
  const Tree tree = make_tree(src.path(), 4, 10'000);
  const std::string cont = container("skip");
  ASSERT_EQ(copy_and_wait(src.path().string(), url(cont), upload()).state,
            AzCopyJobState::Succeeded);
  CopyOptions o = upload();
  o.overwrite = "false";
  const AzCopySummary s = copy_and_wait(src.path().string(), url(cont), o);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(s.raw_status, "CompletedWithSkipped");
  EXPECT_EQ(s.skipped_transfers, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(s.files_transferred, 0);
  EXPECT_EQ(s.bytes_transferred, 0);
}

TEST_F(RealAzCopy, ALeasedBlobIsAPartialFailure) {
  TempDir src("lease");
  const Tree tree = make_tree(src.path(), 5, 10'000);
  const std::string cont = container("lease");
  ASSERT_EQ(copy_and_wait(src.path().string(), url(cont), upload()).state,
            AzCopyJobState::Succeeded);
  const std::string leased = tree.begin()->first;
  static_cast<void>(
      Env::get().ctl_run({"lease", cont + "/" + src.path().filename().string() + "/" + leased}));
  const AzCopySummary s = copy_and_wait(src.path().string(), url(cont), upload());
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  EXPECT_EQ(s.raw_status, "CompletedWithErrors");
  EXPECT_EQ(s.failed_transfers, 1);
  EXPECT_EQ(s.files_transferred, static_cast<std::int64_t>(tree.size()) - 1);
  EXPECT_EQ(s.bytes_transferred, total_bytes(tree) - tree.begin()->second);
  ASSERT_EQ(s.failed_files.size(), 1U);
  EXPECT_THAT(s.failed_files[0].source, HasSubstr(leased));
  EXPECT_FALSE(s.failed_files[0].error_code.empty());
  expect_no_signature_anywhere();
}

TEST_F(RealAzCopy, AMissingContainerFailsEveryTransfer) {
  TempDir src("fail");
  const Tree tree = make_tree(src.path(), 3, 5'000);
  const AzCopySummary s =
      copy_and_wait(src.path().string(), url(unique_name("nosuchcontainer")), upload());
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  EXPECT_EQ(s.raw_status, "Failed");
  EXPECT_EQ(s.failed_transfers, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(s.files_transferred, 0);
  EXPECT_EQ(s.failed_files.size(), tree.size());
  for (const auto& f : s.failed_files) {
    EXPECT_THAT(f.destination, Not(HasSubstr(Env::get().signature())));
  }
  expect_no_signature_anywhere();
}

TEST_F(RealAzCopy, AScanErrorIsAFailedJobOrAStartError) {
  const std::string cont = container("scan");
  try {
    const AzCopyJobRef ref =
        runner_->start_copy((dir_.path() / "missing").string(), url(cont), upload());
    // AzCopy 10.32 prints a job id, then fails the scan and leaves no plan.
    const AzCopySummary s = runner_->wait(ref.job_id, 60s, 100ms);
    EXPECT_EQ(s.state, AzCopyJobState::Failed);
    EXPECT_THAT(::testing::PrintToString(s.messages), HasSubstr("missing"));
  } catch (const AzCopyStartError& e) {
    EXPECT_THAT(e.excerpt(), HasSubstr("missing"));
  }
  expect_no_signature_anywhere();
}

TEST_F(RealAzCopy, ASecondRunnerInstancePollsTheSameJob) {
  TempDir src("second");
  const Tree tree = make_tree(src.path(), 6, 20'000);
  const std::string cont = container("second");
  const AzCopyJobRef ref = runner_->start_copy(src.path().string(), url(cont), upload());
  AzCopyRunner other(config_);
  const AzCopySummary s = other.wait(ref.job_id, 300s, 100ms);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(s.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(s.bytes_transferred, total_bytes(tree));
  const AzCopySummary mine = runner_->get_summary(ref.job_id);
  EXPECT_EQ(mine.files_transferred, s.files_transferred);
  EXPECT_EQ(mine.bytes_transferred, s.bytes_transferred);
}

/// CPU ticks (user + system) of a process, from /proc/<pid>/stat.
std::int64_t cpu_ticks(std::int64_t pid) {
  const std::string text = read_proc("/proc/" + std::to_string(pid) + "/stat");
  const auto close = text.rfind(')');
  if (close == std::string::npos) {
    return -1;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  std::int64_t utime = 0;
  std::int64_t stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) {
      utime = std::stoll(f);
    } else if (i == 15) {
      stime = std::stoll(f);
      break;
    }
  }
  return utime + stime;
}

TEST_F(RealAzCopy, AzCopyStaysIdleWhileItRunsUnderTheRunner) {
  TempDir src("cpu");
  make_tree(src.path(), 8, 1'000'000);
  const std::string cont = container("cpu");
  CopyOptions o = upload();
  o.extra_args = {"--cap-mbps=4"};  // ~8 MB at 4 Mb/s: about 16 s of mostly waiting
  const AzCopyJobRef ref = runner_->start_copy(src.path().string(), url(cont), o);
  std::this_thread::sleep_for(1s);
  const std::int64_t before = cpu_ticks(ref.pid);
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(4s);
  const std::int64_t after = cpu_ticks(ref.pid);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_GE(before, 0);
  ASSERT_GE(after, before) << "AzCopy ended before the measurement";
  const double share =
      static_cast<double>(after - before) / static_cast<double>(::sysconf(_SC_CLK_TCK)) / seconds;
  // A child whose stdin is at EOF spins at ~100% of a core; under the runner it idles.
  EXPECT_LT(share, 0.30) << "AzCopy used " << share * 100 << "% of a core";
  static_cast<void>(runner_->cancel(ref.job_id, 10s));
}

void expect_same_figures(const AzCopyProgress& a, const AzCopyProgress& b) {
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.raw_status, b.raw_status);
  EXPECT_EQ(a.files_transferred, b.files_transferred);
  EXPECT_EQ(a.files_total, b.files_total);
  EXPECT_EQ(a.bytes_transferred, b.bytes_transferred);
  EXPECT_EQ(a.bytes_expected, b.bytes_expected);
  EXPECT_EQ(a.failed_transfers, b.failed_transfers);
  EXPECT_EQ(a.skipped_transfers, b.skipped_transfers);
}

TEST_F(RealAzCopy, PollFromOwnOutputAndFromJobsShowAgree) {
  TempDir src("agree");
  make_tree(src.path(), 6, 20'000);
  RunnerConfig slow_config = config_;
  slow_config.poll_from_output = false;
  AzCopyRunner slow(slow_config);
  for (const std::string& dst : {url(container("agree")), url(unique_name("nosuchcontainer"))}) {
    const AzCopyJobRef ref = runner_->start_copy(src.path().string(), dst, upload());
    static_cast<void>(slow.wait(ref.job_id, 300s, 100ms));
    // The process may still be writing its last lines after the plan is final.
    AzCopyProgress fast;
    for (int i = 0; i < 100; ++i) {
      fast = runner_->poll(ref.job_id);
      if (is_terminal(fast.state)) {
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    expect_same_figures(fast, slow.poll(ref.job_id));
  }
}

// Under the usual umask 022 AzCopy would create its plan and log 0644: every process the runner
// starts gets umask 077, so nothing of a job is readable or writable by group or others, even
// where the work dir lets them reach it.
TEST_F(RealAzCopy, EveryFileAzCopyAndTheRunnerWriteForAJobIsPrivate) {
  const mode_t caller_umask = ::umask(022);
  TempDir src("private");
  make_tree(src.path(), 3, 1'000);
  const AzCopySummary s = copy_and_wait(src.path().string(), url(container("private")), upload());
  ::umask(caller_umask);
  ASSERT_EQ(s.state, AzCopyJobState::Succeeded);
  std::vector<std::string> seen;
  for (const fs::path& root : {fs::path(config_.work_dir), fs::path(config_.log_dir)}) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      const fs::perms p = entry.symlink_status().permissions();
      seen.push_back(entry.path().filename().string());
      EXPECT_EQ(p & (fs::perms::group_all | fs::perms::others_all), fs::perms::none)
          << entry.path() << " is open to group or others";
    }
  }
  const auto has = [&](const std::string& part) {
    return std::any_of(seen.begin(), seen.end(),
                       [&](const std::string& n) { return n.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(has(".steV")) << "no plan file was checked";
  EXPECT_TRUE(has(s.job_id + ".log")) << "no AzCopy log was checked";
  EXPECT_TRUE(has("record.json") && has("stdout.log") && has("stdin.fifo"));
}

TEST_F(RealAzCopy, UnknownJobIsNotFound) {
  EXPECT_THROW(runner_->poll("7b0a9c2e-1111-4222-8333-444455556666"), AzCopyJobNotFoundError);
}

}  // namespace
}  // namespace azcopy_runner::integration
