// SPDX-License-Identifier: MIT
// Faults on the production path (COOL = FileBlob, RESTORE = BlobFile) with the real AzCopy, on
// the local storage of scripts/storage.sh (docs/EMULATORS.md): a Files endpoint that cannot be
// reached, refused SAS tokens and a missing share, a cancelled COOL, killed and resumed COOL and
// RESTORE. Each runs with AzCopy 10.32.2 and 10.18.1 (docs/RELIABILITY.md maps them).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <optional>

#include "storage_harness.hpp"

namespace azcopy_runner::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool is_10_18() { return env_or_empty("AZCOPY_RUNNER_TEST_AZCOPY_VERSION") == "10.18"; }

/// A loopback port nothing listens on: bound to find a free one, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  auto* any = reinterpret_cast<sockaddr*>(&addr);
  EXPECT_EQ(::bind(fd, any, sizeof addr), 0);
  EXPECT_EQ(::getsockname(fd, any, &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// What a COOL gave: the start's error, or the finished job's summary.
struct Outcome {
  std::string kind;  ///< the error's type name, or "summary"
  std::string text;  ///< what(), excerpt(); or raw_status, messages, raw_summary
  std::string job_id;
  AzCopyJobState state = AzCopyJobState::Unknown;
};

class ProductionFaults : public RealStorage {
 protected:
  /// The paced cases (a job kept running by a `slow-` share: tens of seconds each) run in the
  /// default build, once per AzCopy version, not again under a sanitizer: the runner's code
  /// they go through (cancel, resume, the final summary) is the same as for the Local <-> Blob
  /// faults, which do run there.
  void SetUp() override {
    RealStorage::SetUp();
#ifdef AZCOPY_RUNNER_SANITIZED
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (name.starts_with("AKilled") || name.starts_with("Cancel") ||
        name.starts_with("ASourceSas")) {
      GTEST_SKIP() << "a paced case: run in the default build (not under a sanitizer)";
    }
#endif
  }

  Outcome cool(const std::string& src, const std::string& dst) {
    CopyOptions o;
    o.from_to = "FileBlob";
    try {
      const AzCopyJobRef ref = runner_->start_copy(src, dst, o);
      const AzCopySummary s = runner_->wait(ref.job_id, 120s, 200ms);
      std::string text = s.raw_status + "\n";
      for (const auto& m : s.messages) {
        text += m + "\n";
      }
      return {"summary", text + s.raw_summary, ref.job_id, s.state};
    } catch (const AzCopyError& e) {
      return {std::string(e.type_name()), std::string(e.what()) + "\n" + e.excerpt(), e.job_id(),
              AzCopyJobState::Unknown};
    }
  }

  /// A share with @p files files of @p size random bytes under project/; the tree.
  Tree project_share(const std::string& prefix, std::string& name, int files, std::int64_t size) {
    const fs::path root = share(prefix, name) / "project";
    return make_tree(root, files, size);
  }

  /// Waits until the job has moved bytes, SIGKILLs its AzCopy (as an OOM kill would) and
  /// checks that one poll then says FAILED and resumable, not RUNNING forever.
  void kill_mid_way(const AzCopyJobRef& ref) {
    ASSERT_EQ(poll_until(*runner_, ref.job_id,
                         [](const AzCopyProgress& p) { return p.bytes_transferred > 0; })
                  .state,
              AzCopyJobState::Running);
    ASSERT_EQ(::kill(static_cast<pid_t>(ref.pid), SIGKILL), 0);
    ASSERT_TRUE(wait_gone(ref.pid, 5s, true));
    const AzCopyProgress killed = runner_->poll(ref.job_id);
    EXPECT_EQ(killed.state, AzCopyJobState::Failed);
    EXPECT_TRUE(killed.resumable);
    EXPECT_THAT(killed.reason, ::testing::HasSubstr("resume"));
  }

  void expect_no_staging_dir() const {
    for (const auto& entry : fs::directory_iterator(config_.log_dir)) {
      EXPECT_FALSE(entry.path().filename().string().starts_with(".starting-")) << entry.path();
    }
  }
};

// ----- start errors ------------------------------------------------------------------------------

TEST_F(ProductionFaults, AFilesEndpointThatCannotBeReachedSaysWhyFromAzCopysOwnLog) {
  // AzCopy 10.32 retries Get Share Properties for over a minute before its Init message, 10.18
  // its listing: neither prints a job id. The runner kills it at the start timeout.
  config_.start_timeout = 8s;
  runner_ = std::make_unique<AzCopyRunner>(config_);
  const std::string sas = storage_sas(60 + 3);
  const std::string unreachable =
      "http://127.0.0.1:" + std::to_string(closed_port()) + "/devstoreaccount1";
  const Outcome o = cool(unreachable + "/share/project/*?" + sas,
                         blob_url(container("unreach") + "/project", sas));
  EXPECT_EQ(o.kind, "AzCopyJobIdNotFoundError") << o.text;
  // The job id AzCopy had chosen, from the log it held open, and that log's end.
  ASSERT_TRUE(is_valid_job_id(o.job_id)) << o.text;
  EXPECT_TRUE(fs::exists(fs::path(config_.work_dir) / (o.job_id + ".log")));
  EXPECT_THAT(o.text, HasSubstr("AzCopy had chosen job id " + o.job_id));
  EXPECT_THAT(o.text, HasSubstr("the end of AzCopy's log"));
  if (is_10_18()) {
    EXPECT_THAT(o.text, HasSubstr("AzcopyVersion  10.18.1"));  // it logs no retry at INFO
  } else {
    EXPECT_THAT(o.text, HasSubstr("its last error:"));
    EXPECT_THAT(o.text, HasSubstr("connect: connection refused"));
  }
  EXPECT_THAT(o.text, Not(HasSubstr(signature_of(sas))));
  expect_no_staging_dir();
  expect_no_signature_in_written_files({signature_of(sas)});
}

// ----- cancel, kill and resume --------------------------------------------------------------
// `slow-` shares are paced by the Files test server (1 MiB/s shared, docs/EMULATORS.md): a
// COOL from one, or a RESTORE into one, of 40 files of 256 kB runs for about ten seconds.

TEST_F(ProductionFaults, CancelOfARunningCoolEndsCanceledWithNoProcessLeft) {
  const std::string sas = storage_sas(60 + 6);
  std::string share_name;
  project_share("slow-cancel", share_name, 40, 256'000);
  const std::string cont = container("cancel");
  CopyOptions o;
  o.from_to = "FileBlob";
  const AzCopyJobRef ref = runner_->start_copy(file_url(share_name + "/project/*", sas),
                                               blob_url(cont + "/project", sas), o);
  const AzCopyProgress running = poll_until(
      *runner_, ref.job_id, [](const AzCopyProgress& p) { return p.bytes_transferred > 0; });
  ASSERT_EQ(running.state, AzCopyJobState::Running);
  const AzCopyProgress p = runner_->cancel(ref.job_id, 20s);
  EXPECT_EQ(p.state, AzCopyJobState::Canceled) << p.reason;
  EXPECT_TRUE(wait_gone(ref.pid, 5s));
  const AzCopySummary s = runner_->get_summary(ref.job_id);
  EXPECT_EQ(s.state, AzCopyJobState::Canceled);
  EXPECT_LT(s.files_transferred, 40);
  expect_no_signature_in_written_files({signature_of(sas)});
}

TEST_F(ProductionFaults, AKilledCoolIsFailedAtOnceAndResumesWithFreshSasToTheSameBytes) {
  const std::string first_sas = storage_sas(60 + 7);
  std::string share_name;
  const Tree tree = project_share("slow-kill", share_name, 40, 256'000);
  const fs::path project = fs::path(files_dir_) / share_name / "project";
  const std::string cont = container("kill");
  CopyOptions o;
  o.from_to = "FileBlob";
  const AzCopyJobRef ref = runner_->start_copy(file_url(share_name + "/project/*", first_sas),
                                               blob_url(cont + "/project", first_sas), o);
  ASSERT_NO_FATAL_FAILURE(kill_mid_way(ref));

  // The first tokens may have expired by now: the service resumes with fresh ones.
  const std::string fresh = storage_sas(60 + 8);
  const AzCopyJobRef resumed = runner_->resume(ref.job_id, fresh, fresh);
  EXPECT_EQ(resumed.job_id, ref.job_id);
  const AzCopySummary done = runner_->wait(ref.job_id, 300s, 200ms);
  EXPECT_EQ(done.state, AzCopyJobState::Succeeded) << done.raw_summary;
  EXPECT_EQ(done.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(done.bytes_transferred, total_bytes(tree));
  ASSERT_EQ(blobs(cont, "project/"), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(Env::get().ctl_run({"get", cont + "/project/" + rel}), slurp(project / rel)) << rel;
  }
  expect_no_signature_in_written_files({signature_of(first_sas), signature_of(fresh)});
}

// A RESTORE writes into files it creates at their full size first. Killed mid-way and resumed
// with the service's `ifSourceNewer`, AzCopy skips the files the dead process had created (they
// are newer than their blobs) and ends "CompletedWithSkipped": 10.32 and 10.18 both left most
// files full of zeros. The runner says FAILED; copying again with overwrite=true repairs it.
TEST_F(ProductionFaults, AKilledRestoreResumedWithIfSourceNewerIsFailedAndOverwriteRepairsIt) {
  const std::string first_sas = storage_sas(60 + 9);
  // The COOLed project (a share at full speed), then its RESTORE into a paced share.
  std::string source_share;
  const Tree tree = project_share("restore-src", source_share, 40, 256'000);
  const fs::path project = fs::path(files_dir_) / source_share / "project";
  const std::string cont = container("restore");
  CopyOptions cool;
  cool.from_to = "FileBlob";
  ASSERT_EQ(copy_and_wait(file_url(source_share + "/project/*", first_sas),
                          blob_url(cont + "/project", first_sas), cool)
                .state,
            AzCopyJobState::Succeeded);

  std::string target_share;
  const fs::path restored = share("slow-restore", target_share) / "project";
  CopyOptions restore;
  restore.from_to = "BlobFile";
  restore.overwrite = "ifSourceNewer";
  const AzCopyJobRef ref = runner_->start_copy(blob_url(cont + "/project", first_sas),
                                               file_url(target_share, first_sas), restore);
  ASSERT_NO_FATAL_FAILURE(kill_mid_way(ref));

  const std::string fresh = storage_sas(60 + 10);
  EXPECT_EQ(runner_->resume(ref.job_id, fresh, fresh).job_id, ref.job_id);
  const AzCopySummary resumed = runner_->wait(ref.job_id, 300s, 200ms);
  EXPECT_EQ(resumed.state, AzCopyJobState::Failed) << resumed.raw_summary;
  EXPECT_GT(resumed.skipped_transfers, 0);
  EXPECT_LT(resumed.files_transferred, static_cast<std::int64_t>(tree.size()));
  ASSERT_FALSE(resumed.messages.empty());
  EXPECT_THAT(resumed.messages, ::testing::Contains(HasSubstr("copy again with overwrite=true")));
  EXPECT_EQ(runner_->poll(ref.job_id).state, AzCopyJobState::Failed);

  // What the service does then: the same RESTORE again, overwriting.
  restore.overwrite = "true";
  const AzCopySummary again =
      copy_and_wait(blob_url(cont + "/project", fresh), file_url(target_share, fresh), restore);
  EXPECT_EQ(again.state, AzCopyJobState::Succeeded) << again.raw_summary;
  EXPECT_EQ(again.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(again.bytes_transferred, total_bytes(tree));
  ASSERT_EQ(read_tree(restored), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(slurp(restored / rel), slurp(project / rel)) << rel;
  }
  expect_no_signature_in_written_files({signature_of(first_sas), signature_of(fresh)});
}

// ----- an expiring SAS -------------------------------------------------------------------------

// The service's SAS tokens are short-lived: one that expires while a COOL runs makes the Blob
// service's reads of the share fail (403 CannotVerifyCopySource through the proxy, as Azure
// answers). AzCopy 10.32 then cancels the job itself: the runner says FAILED, not CANCELED (no
// one asked). A resume with fresh tokens for both sides copies the rest.
TEST_F(ProductionFaults, ASourceSasThatExpiresDuringACoolFailsItsFilesAndAResumeCompletesIt) {
  std::string share_name;
  const Tree tree = project_share("slow-expire", share_name, 140, 256'000);  // ~35 s at 1 MiB/s
  const fs::path project = fs::path(files_dir_) / share_name / "project";
  const std::string cont = container("expire");
  const std::string container_sas = storage_sas(60 + 13);
  // 10.18 takes ~8 s to list the share; under load (another paced test sharing the budget)
  // longer: the token must outlive the listing, and how many files it carries does not matter.
  const std::string expiring = expiring_sas(24s);
  CopyOptions o;
  o.from_to = "FileBlob";
  const AzCopySummary failed = copy_and_wait(file_url(share_name + "/project/*", expiring),
                                             blob_url(cont + "/project", container_sas), o);
  EXPECT_EQ(failed.state, AzCopyJobState::Failed) << failed.raw_summary;
  EXPECT_THAT(failed.raw_status, ::testing::AnyOf("Cancelled", "CompletedWithErrors"));
  if (failed.raw_status == "Cancelled") {
    EXPECT_THAT(failed.messages,
                ::testing::Contains(HasSubstr("AzCopy cancelled this job itself")));
  }
  EXPECT_GT(failed.failed_transfers, 0);
  EXPECT_LT(failed.files_transferred, static_cast<std::int64_t>(tree.size()));
  // The summary says why: the Blob service could not read the share any more, after the
  // source's SAS expired, and a resume with fresh tokens continues the job.
  EXPECT_THAT(failed.failure_reason,
              HasSubstr(" failed: 403 CannotVerifyCopySource on the source"));
  EXPECT_THAT(failed.failure_reason, HasSubstr("the source's SAS expired at "));
  EXPECT_THAT(failed.failure_reason, Not(HasSubstr("destination's SAS")));
  EXPECT_THAT(failed.failure_reason, HasSubstr("resume the job with fresh SAS tokens"));
  ASSERT_FALSE(failed.failed_files.empty());
  for (const auto& f : failed.failed_files) {
    EXPECT_EQ(f.error_code, "403") << f.source;
    EXPECT_THAT(f.source, Not(HasSubstr(signature_of(expiring))));
  }
  const AzCopyProgress p = runner_->poll(failed.job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Failed);
  EXPECT_TRUE(p.resumable);

  const std::string fresh_share = storage_sas(60 + 14);
  const std::string fresh_container = storage_sas(60 + 15);
  EXPECT_EQ(runner_->resume(failed.job_id, fresh_share, fresh_container).job_id, failed.job_id);
  const AzCopySummary done = runner_->wait(failed.job_id, 300s, 200ms);
  EXPECT_EQ(done.state, AzCopyJobState::Succeeded) << done.raw_summary;
  EXPECT_EQ(done.failed_transfers, 0);
  EXPECT_TRUE(done.failure_reason.empty()) << done.failure_reason;  // the last run's outcome
  ASSERT_EQ(blobs(cont, "project/"), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(Env::get().ctl_run({"get", cont + "/project/" + rel}), slurp(project / rel)) << rel;
  }
  expect_no_signature_in_written_files({signature_of(expiring), signature_of(container_sas),
                                        signature_of(fresh_share), signature_of(fresh_container)});
}

// ----- DEBUG logs ----------------------------------------------------------------------------
// AzCopy 10.18.1 at --log-level=DEBUG wrote real SAS signatures into <job id>-chunks.log in the
// work dir (docs/FILES-FACTS.md, "Traps"): the runner refuses DEBUG before 10.32. 10.32.2 writes no
// query string there: a COOL and a RESTORE at DEBUG leave no signature anywhere.
TEST_F(ProductionFaults, DebugLogLevelIsRefusedOn1018AndLeavesNoSignatureOn1032) {
  const std::string share_sas = storage_sas(60 + 11);
  const std::string container_sas = storage_sas(60 + 12);
  std::string share_name;
  const Tree tree = project_share("debug", share_name, 12, 300'000);
  const std::string cont = container("debug");
  CopyOptions cool;
  cool.from_to = "FileBlob";
  cool.log_level = "DEBUG";
  const std::string src = file_url(share_name + "/project/*", share_sas);
  const std::string dst = blob_url(cont + "/project", container_sas);
  if (is_10_18()) {
    const auto e = [&]() -> std::optional<AzCopyStartError> {
      try {
        runner_->start_copy(src, dst, cool);
      } catch (const AzCopyStartError& err) {
        return err;
      }
      return std::nullopt;
    }();
    ASSERT_TRUE(e.has_value()) << "DEBUG was not refused";
    EXPECT_THAT(e->what(), HasSubstr("chunks.log"));
    EXPECT_TRUE(fs::is_empty(config_.work_dir));  // nothing ran
    return;
  }
  const AzCopySummary c = copy_and_wait(src, dst, cool);
  EXPECT_EQ(c.state, AzCopyJobState::Succeeded) << c.raw_summary;
  EXPECT_EQ(c.files_transferred, static_cast<std::int64_t>(tree.size()));
  std::string restore_share;
  share("debug-restore", restore_share);
  CopyOptions restore;
  restore.from_to = "BlobFile";
  restore.overwrite = "ifSourceNewer";
  restore.log_level = "DEBUG";
  const AzCopySummary r = copy_and_wait(blob_url(cont + "/project", container_sas),
                                        file_url(restore_share, share_sas), restore);
  EXPECT_EQ(r.state, AzCopyJobState::Succeeded) << r.raw_summary;
  EXPECT_EQ(r.files_transferred, static_cast<std::int64_t>(tree.size()));
  int chunk_logs = 0;
  for (const auto& entry : fs::directory_iterator(config_.work_dir)) {
    chunk_logs += entry.path().filename().string().ends_with("-chunks.log") ? 1 : 0;
  }
  EXPECT_EQ(chunk_logs, 2);  // the logs that leaked on 10.18 exist and were checked
  expect_no_signature_in_written_files({signature_of(share_sas), signature_of(container_sas)});
}

struct Refusal {
  const char* name;
  const char* error_code;  ///< what the runner's answer must name
};

/// The case's name in the test log (not a dump of its bytes).
void PrintTo(const Refusal& c, std::ostream* os) { *os << c.name; }

class RefusedOnTheFilesSide : public ProductionFaults,
                              public ::testing::WithParamInterface<Refusal> {};

TEST_P(RefusedOnTheFilesSide, NamesAzCopysErrorCode) {
  const std::string name = GetParam().name;
  const std::string good = storage_sas(60 + 4);
  std::string share_name;
  project_share("refused", share_name, 3, 1000);
  std::string share_sas = good;
  if (name == "wrong_signature") {
    const auto at = share_sas.find("sig=") + 4;
    share_sas.replace(at, share_sas.find('&', at) - at,
                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D");
  } else if (name == "no_list_permission") {
    share_sas = storage_sas(60 + 5, "r");
  } else if (name == "missing_share") {
    share_name = unique_name("missing");
  }
  const std::string cont = container("refused");
  const Outcome o =
      cool(file_url(share_name + "/project/*", share_sas), blob_url(cont + "/project", good));
  // 10.32 prints its Init (a job id) before it lists the share, then its error, and exits: the
  // job is FAILED. 10.18 fails before its Init when the share itself is refused: the start's
  // error carries AzCopy's words. A share that can be read but not listed gives, on both,
  // "Failed to scan" and a job AzCopy calls Completed with 0 transfers: the runner says FAILED.
  if (is_10_18() && name != "no_list_permission") {
    EXPECT_EQ(o.kind, "AzCopyStartError") << o.text;
  } else {
    EXPECT_EQ(o.kind, "summary") << o.text;
    EXPECT_EQ(o.state, AzCopyJobState::Failed) << o.text;
    EXPECT_EQ(runner_->poll(o.job_id).state, AzCopyJobState::Failed);
  }
  if (name == "no_list_permission") {
    EXPECT_THAT(o.text, HasSubstr("AzCopy could not list part of the source"));
    EXPECT_THAT(o.text, HasSubstr("raw_status"));
  }
  EXPECT_TRUE(is_valid_job_id(o.job_id)) << o.text;
  EXPECT_THAT(o.text, HasSubstr(GetParam().error_code));
  EXPECT_THAT(blobs(cont, "project/"), ::testing::IsEmpty());
  for (const auto& sas : {good, share_sas}) {
    EXPECT_THAT(o.text, Not(HasSubstr(signature_of(sas))));
  }
  expect_no_staging_dir();
  expect_no_signature_in_written_files({signature_of(good), signature_of(share_sas)});
}

INSTANTIATE_TEST_SUITE_P(Refusals, RefusedOnTheFilesSide,
                         ::testing::Values(Refusal{"wrong_signature", "AuthenticationFailed"},
                                           Refusal{"no_list_permission",
                                                   "AuthorizationPermissionMismatch"},
                                           Refusal{"missing_share", "ShareNotFound"}),
                         [](const ::testing::TestParamInfo<Refusal>& param_info) {
                           return std::string(param_info.param.name);
                         });

}  // namespace
}  // namespace azcopy_runner::integration
