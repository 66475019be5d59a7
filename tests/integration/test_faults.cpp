// SPDX-License-Identifier: MIT
// Faults of the job and around it, with the real AzCopy and Azurite (docs/RELIABILITY.md).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class Faults : public RealAzCopy {
 protected:
  /// A throttled upload that runs for several seconds.
  AzCopyJobRef slow_upload(const fs::path& src, const std::string& cont, int mbps = 16) {
    CopyOptions o = upload();
    o.extra_args = {"--cap-mbps=" + std::to_string(mbps)};
    return runner_->start_copy(src.string(), url(cont), o);
  }

  /// Names and sizes of the blobs under <cont>/<folder>/.
  Tree remote_tree(const std::string& cont, const std::string& folder) {
    Tree remote;
    std::istringstream listing(Env::get().ctl_run({"list", cont}));
    for (std::string line; std::getline(listing, line);) {
      const auto tab = line.find('\t');
      const std::string name = line.substr(0, tab);
      if (name.starts_with(folder + "/")) {
        remote[name.substr(folder.size() + 1)] = std::stoll(line.substr(tab + 1));
      }
    }
    return remote;
  }
};

TEST_F(Faults, AKilledJobIsFailedAtOnceAndResumesToTheSameContent) {
  TempDir src("kill");
  const Tree tree = make_tree(src.path(), 24, 1'000'000);
  const std::string cont = container("kill");
  const AzCopyJobRef ref = slow_upload(src.path(), cont);
  const AzCopyProgress running = poll_until(
      *runner_, ref.job_id, [](const AzCopyProgress& p) { return p.bytes_transferred > 0; });
  ASSERT_EQ(running.state, AzCopyJobState::Running);
  ASSERT_EQ(::kill(static_cast<pid_t>(ref.pid), SIGKILL), 0);  // as an OOM kill would
  ASSERT_TRUE(wait_gone(ref.pid, 5s, true));

  const AzCopyProgress killed = runner_->poll(ref.job_id);  // one call, not RUNNING forever
  EXPECT_EQ(killed.state, AzCopyJobState::Failed);
  EXPECT_EQ(killed.raw_status, "InProgress");
  EXPECT_TRUE(killed.resumable);
  EXPECT_THAT(killed.reason, HasSubstr("is gone"));
  EXPECT_THAT(killed.reason, HasSubstr("resume"));
  const AzCopySummary failed = runner_->get_summary(ref.job_id);
  EXPECT_EQ(failed.state, AzCopyJobState::Failed);

  const AzCopyJobRef resumed = runner_->resume(ref.job_id, "", Env::get().sas());
  EXPECT_EQ(resumed.job_id, ref.job_id);
  EXPECT_NE(resumed.pid, ref.pid);
  const AzCopySummary done = runner_->wait(ref.job_id, 300s, 200ms);
  EXPECT_EQ(done.state, AzCopyJobState::Succeeded) << done.raw_summary;
  EXPECT_EQ(done.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(done.bytes_transferred, total_bytes(tree));
  EXPECT_EQ(remote_tree(cont, src.path().filename().string()), tree);
  for (const auto& [rel, size] : tree) {
    const std::string blob = cont + "/" + src.path().filename().string() + "/" + rel;
    EXPECT_EQ(Env::get().ctl_run({"get", blob}), slurp(src.path() / rel)) << rel;
  }
  expect_no_signature_anywhere();
}

TEST_F(Faults, AJobOutlivesItsHostProgramAndANewRunnerSeesItFinish) {
  TempDir src("host");
  const Tree tree = make_tree(src.path(), 8, 1'000'000);
  const std::string cont = container("host");
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t host = ::fork();
  ASSERT_GE(host, 0);
  if (host == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    const std::string dst = url(cont);
    ::execl(AZCOPY_RUNNER_START_JOB_HELPER, "start_job_helper", Env::get().azcopy.c_str(),
            config_.work_dir.c_str(), config_.log_dir.c_str(), src.path().c_str(), dst.c_str(),
            "LocalBlob", "--cap-mbps=8", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c = 0;
  while (::read(out[0], &c, 1) == 1 && c != '\n') {
    line += c;
  }
  ::close(out[0]);
  const std::string job_id = line.substr(0, line.find(' '));
  const std::int64_t azcopy_pid = std::stoll(line.substr(line.find(' ') + 1));
  ASSERT_TRUE(is_valid_job_id(job_id)) << line;
  ASSERT_EQ(::kill(host, SIGKILL), 0);  // the host program dies mid-job
  int status = 0;
  ASSERT_EQ(::waitpid(host, &status, 0), host);
  std::this_thread::sleep_for(500ms);
  EXPECT_NE(proc_state(azcopy_pid), '-') << "AzCopy died with its host program";

  AzCopyRunner fresh(config_);  // as a new process would, from the records and AzCopy
  // Alive (pending while AzCopy scans, before its first progress line, then running) or done.
  const AzCopyJobState first = fresh.poll(job_id).state;
  EXPECT_TRUE(first == AzCopyJobState::Pending || first == AzCopyJobState::Running ||
              first == AzCopyJobState::Succeeded)
      << to_string(first);
  const AzCopySummary s = fresh.wait(job_id, 300s, 200ms);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(s.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(s.bytes_transferred, total_bytes(tree));
}

TEST_F(Faults, TheRunnerReapsItsChildrenNoZombieIsLeft) {
  TempDir src("reap");
  make_tree(src.path(), 2, 1'000);
  const AzCopyJobRef ref =
      runner_->start_copy(src.path().string(), url(container("reap")), upload());
  ASSERT_EQ(runner_->wait(ref.job_id, 120s, 100ms).state, AzCopyJobState::Succeeded);
  EXPECT_TRUE(wait_gone(ref.pid, 10s)) << "state " << proc_state(ref.pid);
}

TEST_F(Faults, CancelOfARunningJobEndsCanceled) {
  TempDir src("cancel");
  make_tree(src.path(), 16, 1'000'000);
  const AzCopyJobRef ref = slow_upload(src.path(), container("cancel"), 8);
  ASSERT_EQ(poll_until(*runner_, ref.job_id,
                       [](const AzCopyProgress& p) { return p.state == AzCopyJobState::Running; })
                .state,
            AzCopyJobState::Running);
  const auto t0 = std::chrono::steady_clock::now();
  const AzCopyProgress p = runner_->cancel(ref.job_id, 20s);
  EXPECT_EQ(p.state, AzCopyJobState::Canceled) << p.reason;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 25s);
  EXPECT_TRUE(wait_gone(ref.pid, 5s));
  EXPECT_EQ(runner_->get_summary(ref.job_id).state, AzCopyJobState::Canceled);
}

TEST_F(Faults, CancelDuringScanningEndsCanceled) {
  TempDir src("scan");
  for (int d = 0; d < 40; ++d) {
    // append(), not `"d" + std::to_string(d)`: GCC 12 at -O3 reports a false -Wrestrict on that
    // operator+ (GCC bug 105329).
    const fs::path dir = src.path() / std::string("d").append(std::to_string(d));
    fs::create_directories(dir);
    for (int i = 0; i < 500; ++i) {
      std::ofstream(dir / std::string("f").append(std::to_string(i))) << i;
    }
  }
  const AzCopyJobRef ref =
      runner_->start_copy(src.path().string(), url(container("scan")), upload());
  const auto t0 = std::chrono::steady_clock::now();
  const AzCopyProgress p = runner_->cancel(ref.job_id, 20s);
  EXPECT_EQ(p.state, AzCopyJobState::Canceled) << p.reason;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
  EXPECT_TRUE(wait_gone(ref.pid, 5s));
}

TEST_F(Faults, CancelOfAnOrphanedPlanEndsCanceled) {
  TempDir src("orphan");
  make_tree(src.path(), 16, 1'000'000);
  const AzCopyJobRef ref = slow_upload(src.path(), container("orphan"), 8);
  poll_until(*runner_, ref.job_id, [](const AzCopyProgress& p) { return p.bytes_transferred > 0; });
  ASSERT_EQ(::kill(static_cast<pid_t>(ref.pid), SIGKILL), 0);
  ASSERT_TRUE(wait_gone(ref.pid, 5s, true));
  ASSERT_EQ(runner_->poll(ref.job_id).state, AzCopyJobState::Failed);
  const AzCopyProgress p = runner_->cancel(ref.job_id, 5s);
  EXPECT_EQ(p.state, AzCopyJobState::Canceled) << p.reason;
  EXPECT_EQ(runner_->get_summary(p.job_id).state, AzCopyJobState::Canceled);
}

TEST_F(Faults, AFullLogDiskDegradesAndTheJobStillRuns) {
  // A 256 KiB tmpfs, filled up: no record, no output file can be written there.
  const fs::path mnt = dir_.path() / "full";
  fs::create_directories(mnt);
  if (run_command({"mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt.string()}).status != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  }
  struct Unmount {
    fs::path at;
    ~Unmount() { static_cast<void>(run_command({"umount", "-l", at.string()})); }
  } unmount{mnt};
  RunnerConfig c = config_;
  c.log_dir = (mnt / "runner").string();
  AzCopyRunner degraded(c);  // creates the log dir while there is room
  {
    std::ofstream filler(mnt / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size())) &&
           filler.flush()) {
    }
  }
  TempDir src("full");
  const Tree tree = make_tree(src.path(), 3, 1'000);
  const AzCopyJobRef ref =
      degraded.start_copy(src.path().string(), url(container("full")), upload());
  EXPECT_THAT(ref.log_dir, Not(HasSubstr(mnt.string())));
  const AzCopySummary s = degraded.wait(ref.job_id, 120s, 100ms);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(s.files_transferred, static_cast<std::int64_t>(tree.size()));
}

TEST_F(Faults, SasInEveryPositionAndOddPathsNeverLeak) {
  const std::string sig = Env::get().signature();
  TempDir src("odd");
  // AzCopy itself refuses a control character in the root path (net/url); names below it
  // may hold any byte.
  const fs::path odd = src.path() / "dir with space";
  fs::create_directories(odd);
  std::ofstream(odd / "a b.bin") << "spaces";
  std::ofstream(odd / "c\nd.bin") << "newline";
  const std::string cont = container("odd");
  std::vector<std::string> seen;  // everything the runner returned or threw
  auto keep = [&](const AzCopySummary& s) { seen.push_back(to_json(s)); };

  // SAS on the destination (upload), then on the source (download).
  const AzCopyJobRef up = runner_->start_copy(odd.string(), url(cont), upload());
  seen.push_back(to_json(up));
  const AzCopySummary ups = runner_->wait(up.job_id, 120s, 100ms);
  keep(ups);
  EXPECT_EQ(ups.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(ups.files_transferred, 2);
  TempDir back("odd-back");
  CopyOptions down;
  down.from_to = "BlobLocal";
  const AzCopyJobRef dn =
      runner_->start_copy(url(cont + "/" + odd.filename().string()), back.path().string(), down);
  seen.push_back(to_json(dn));
  const AzCopySummary dns = runner_->wait(dn.job_id, 120s, 100ms);
  keep(dns);
  EXPECT_EQ(dns.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(slurp(back.path() / odd.filename() / "c\nd.bin"), "newline");
  // SAS on both sides, and in every failed transfer (Azurite has no server-to-server copy).
  CopyOptions s2s;
  s2s.from_to = "BlobBlob";
  const AzCopyJobRef bb = runner_->start_copy(url(cont), url(container("odd-copy")), s2s);
  seen.push_back(to_json(bb));
  seen.push_back(to_json(runner_->cancel(bb.job_id, 10s)));  // older AzCopy retries for long
  keep(runner_->get_summary(bb.job_id));
  // SAS in errors: a download from a missing container, and a refused request.
  try {
    const AzCopyJobRef missing =
        runner_->start_copy(url(unique_name("nosuchcontainer") + "/x"), back.path().string(), down);
    keep(runner_->wait(missing.job_id, 120s, 100ms));
  } catch (const AzCopyError& e) {
    seen.push_back(std::string(e.what()) + e.excerpt());
  }
  try {
    CopyOptions bad = upload();
    bad.extra_args = {"--output-type=text"};
    runner_->start_copy(odd.string(), url(cont), bad);
  } catch (const AzCopyError& e) {
    seen.push_back(std::string(e.what()) + e.excerpt());
  }
  for (const auto& text : seen) {
    EXPECT_THAT(text, Not(HasSubstr(sig)));
  }
  for (const auto& job : runner_->list_jobs()) {
    for (const auto& arg : job.ref.command) {
      EXPECT_THAT(arg, Not(HasSubstr(sig)));
    }
  }
  expect_no_signature_anywhere();
}

}  // namespace
}  // namespace azcopy_runner::integration
