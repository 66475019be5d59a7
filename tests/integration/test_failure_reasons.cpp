// SPDX-License-Identifier: MIT
// A failed COOL or RESTORE says why, in its summary (failure_reason, failure_causes, each failed
// file's reason), from real AzCopy (10.32.2, and 10.18.1 as "@10.18") on the local storage of
// scripts/storage.sh, with the token shapes a service issues: a share SAS (sr=s) or a Files
// account SAS (ss=f) on the Files side, a container SAS (sr=c) on the Blob side.
#include "storage_harness.hpp"

namespace azcopy_runner::integration {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

bool is_10_18() { return env_or_empty("AZCOPY_RUNNER_TEST_AZCOPY_VERSION") == "10.18"; }

class FailureReasons : public RealStorage {
 protected:
  /// A share holding a tree of @p n files under project/; its name (and the tree in @p tree).
  std::string project_share(int n, Tree* tree = nullptr) {
    std::string name;
    const fs::path root = share("why", name) / "project";
    const Tree made = make_tree(root, n, 700);
    if (tree != nullptr) {
      *tree = made;
    }
    return name;
  }

  /// A container holding a tree of @p n files under project/ (uploaded by the control tool).
  std::string project_container(int n) {
    std::string name = container("why");
    TempDir local("why-src");
    const Tree tree = make_tree(local.path(), n, 500);
    for (const auto& [rel, size] : tree) {
      static_cast<void>(Env::get().ctl_run(
          {"put", joined({name, "/project/", rel}), (local.path() / rel).string()}));
    }
    return name;
  }

  AzCopySummary cool(const std::string& share_name, const std::string& share_token,
                     const std::string& cont, const std::string& container_token,
                     const std::string& overwrite = "true") {
    CopyOptions o;
    o.from_to = "FileBlob";
    o.overwrite = overwrite;
    return copy_and_wait(file_url(share_name + "/project/*", share_token),
                         blob_url(cont + "/project", container_token), o);
  }

  AzCopySummary restore(const std::string& cont, const std::string& container_token,
                        const std::string& share_name, const std::string& share_token) {
    CopyOptions o;
    o.from_to = "BlobFile";
    o.overwrite = "ifSourceNewer";
    return copy_and_wait(blob_url(cont + "/project", container_token),
                         file_url(share_name, share_token), o);
  }

  /// Every failed file names the same status and reason as the job's first cause.
  static void expect_files_explained(const AzCopySummary& s, int status,
                                     const std::string& reason_start) {
    ASSERT_FALSE(s.failed_files.empty());
    for (const auto& f : s.failed_files) {
      EXPECT_EQ(f.http_status, status) << f.source;
      EXPECT_THAT(f.reason, StartsWith(reason_start)) << f.source;
    }
    ASSERT_FALSE(s.failure_causes.empty());
    EXPECT_EQ(s.failure_causes.front().count, s.failed_transfers);
  }

  /// The summary's text as a service would store it (its JSON), without any signature.
  void expect_no_signature(const AzCopySummary& s, const std::vector<std::string>& tokens) const {
    std::string text = s.failure_reason + s.raw_summary;
    for (const auto& f : s.failed_files) {
      text += f.source + f.destination + f.reason;
    }
    for (const auto& m : s.messages) {
      text += m;
    }
    std::vector<std::string> sigs;
    for (const auto& t : tokens) {
      EXPECT_THAT(text, Not(HasSubstr(signature_of(t))));
      sigs.push_back(signature_of(t));
    }
    expect_no_signature_in_written_files(sigs);
  }
};

TEST_F(FailureReasons, ARestoreIntoAShareWhoseSasLacksReadNamesTheDestinationsRefusal) {
  const std::string cont = project_container(3);
  std::string target;
  share("why-restore", target);
  const std::string src_token = container_sas(cont, "rl");
  const std::string dst_token = share_sas(target, "cw");
  const AzCopySummary s = restore(cont, src_token, target, dst_token);
  EXPECT_EQ(s.state, AzCopyJobState::Failed) << s.raw_summary;
  EXPECT_EQ(s.files_transferred, 0);
  EXPECT_EQ(s.failed_transfers, 3);
  EXPECT_EQ(s.failure_reason,
            "3 of 3 failed: 403 AuthorizationPermissionMismatch on the destination (Could not "
            "check destination file existence)");
  expect_files_explained(s, 403, "Could not check destination file existence");
  for (const auto& f : s.failed_files) {
    EXPECT_EQ(f.service_code, "AuthorizationPermissionMismatch");
  }
  EXPECT_EQ(runner_->get_summary(s.job_id).failure_reason, s.failure_reason);  // kept
  expect_no_signature(s, {src_token, dst_token});
}

// The runner's records lost (a redeploy), AzCopy's plan and log kept: a new runner still says
// why the job failed, from AzCopy's log, without naming the side (the URLs were in the record).
TEST_F(FailureReasons, AFailedJobWhoseRecordIsLostStillSaysWhy) {
  const std::string cont = project_container(2);
  std::string target;
  share("why-lost", target);
  const AzCopySummary s = restore(cont, container_sas(cont, "rl"), target, share_sas(target, "cw"));
  ASSERT_EQ(s.state, AzCopyJobState::Failed) << s.raw_summary;
  fs::remove_all(fs::path(config_.log_dir) / s.job_id);
  AzCopyRunner fresh(config_);
  const AzCopySummary again = fresh.get_summary(s.job_id);
  EXPECT_EQ(again.state, AzCopyJobState::Failed);
  EXPECT_EQ(again.failed_transfers, 2);
  EXPECT_EQ(again.failure_reason,
            "2 of 2 failed: 403 AuthorizationPermissionMismatch (Could not check destination "
            "file existence)");
  expect_files_explained(again, 403, "Could not check destination file existence");
}

// A job whose every transfer failed (raw status Failed), resumed at once (AzCopy may not have
// exited yet) with a token that allows the copy: 10.32.2 resumes it and every file arrives;
// AzCopy before 10.31 does not resume a Failed job (its `jobs resume` exits 1 with an empty
// error): the runner says so before it tries, and poll() does not call the job resumable.
TEST_F(FailureReasons, AJobThatFailedEveryTransferIsResumedWithTheRightToken) {
  Tree tree;
  const std::string src = project_share(3, &tree);
  const std::string cont = container("why-resume");
  ASSERT_EQ(cool(src, share_sas(src, "rl"), cont, container_sas(cont, "racwdl")).state,
            AzCopyJobState::Succeeded);
  std::string target;
  const fs::path restored = share("why-resume", target) / "project";
  const std::string src_token = container_sas(cont, "rl");
  const AzCopySummary s = restore(cont, src_token, target, share_sas(target, "cw"));
  ASSERT_EQ(s.state, AzCopyJobState::Failed) << s.raw_summary;
  ASSERT_EQ(s.raw_status, "Failed");
  const std::string good = share_sas(target, "rw");
  if (is_10_18()) {
    try {
      static_cast<void>(runner_->resume(s.job_id, src_token, good));
      ADD_FAILURE() << "resume() of a Failed job with AzCopy 10.18.1 did not throw";
    } catch (const AzCopyStartError& e) {
      EXPECT_THAT(e.what(), HasSubstr("does not resume such a job"));
      EXPECT_THAT(e.what(), HasSubstr("AzCopy 10.18.1"));
      EXPECT_EQ(e.job_id(), s.job_id);
    }
    EXPECT_FALSE(runner_->poll(s.job_id).resumable);
    return;
  }
  EXPECT_EQ(runner_->resume(s.job_id, src_token, good).job_id, s.job_id);
  const AzCopySummary r = runner_->wait(s.job_id, 300s, 200ms);
  EXPECT_EQ(r.state, AzCopyJobState::Succeeded) << r.raw_summary;
  EXPECT_EQ(r.files_transferred, 3);
  EXPECT_TRUE(r.failure_reason.empty()) << r.failure_reason;
  ASSERT_EQ(read_tree(restored), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(slurp(restored / rel), slurp(fs::path(files_dir_) / src / "project" / rel)) << rel;
  }
  expect_no_signature(r, {src_token, good});
}

TEST_F(FailureReasons, AJobWithTextOutputSaysWhyAsWell) {
  const std::string cont = project_container(2);
  std::string target;
  share("why-text", target);
  const std::string src_token = container_sas(cont, "rl");
  const std::string dst_token = share_sas(target, "cw");
  CopyOptions o;
  o.from_to = "BlobFile";
  o.overwrite = "ifSourceNewer";
  o.output_type = OutputType::Text;
  const AzCopySummary s =
      copy_and_wait(blob_url(cont + "/project", src_token), file_url(target, dst_token), o);
  EXPECT_EQ(s.state, AzCopyJobState::Failed) << s.raw_summary;
  EXPECT_EQ(s.failed_transfers, 2);
  EXPECT_EQ(s.failure_reason,
            "2 of 2 failed: 403 AuthorizationPermissionMismatch on the destination (Could not "
            "check destination file existence)");
  expect_no_signature(s, {src_token, dst_token});
}

TEST_F(FailureReasons, ACoolIntoAContainerWhoseSasLacksWriteNamesTheDestinationsRefusal) {
  const std::string src = project_share(3);
  const std::string cont = container("why-cool");
  const std::string src_token = share_sas(src, "rl");
  const std::string dst_token = container_sas(cont, "rl");
  const AzCopySummary s = cool(src, src_token, cont, dst_token);
  // AzCopy cancels the job itself after the first 403: FAILED all the same.
  EXPECT_EQ(s.state, AzCopyJobState::Failed) << s.raw_summary;
  EXPECT_EQ(s.raw_status, "Cancelled");
  EXPECT_EQ(s.files_transferred, 0);
  EXPECT_GE(s.failed_transfers, 1);
  EXPECT_THAT(s.failure_reason,
              HasSubstr(" failed: 403 AuthorizationPermissionMismatch on the destination (This "
                        "request is not authorized to perform this operation using this "
                        "permission"));
  expect_files_explained(s, 403, "This request is not authorized");
  EXPECT_THAT(blobs(cont, "project/"), ::testing::IsEmpty());
  expect_no_signature(s, {src_token, dst_token});
}

TEST_F(FailureReasons, ACoolOfAShareWhoseSasLacksReadNamesTheSourcesRefusal) {
  const std::string src = project_share(3);
  const std::string cont = container("why-cool");
  const std::string src_token = share_sas(src, "l");
  const std::string dst_token = container_sas(cont, "racwdl");
  if (is_10_18()) {
    // 10.18 gives up before it prints a job id: the start's error names the refusal.
    try {
      cool(src, src_token, cont, dst_token);
      ADD_FAILURE() << "it started";
    } catch (const AzCopyStartError& e) {
      EXPECT_THAT(e.what(), HasSubstr("AuthorizationPermissionMismatch"));
      EXPECT_THAT(std::string(e.what()) + e.excerpt(), Not(HasSubstr(signature_of(src_token))));
    }
    return;
  }
  const AzCopySummary s = cool(src, src_token, cont, dst_token);
  EXPECT_EQ(s.state, AzCopyJobState::Failed) << s.raw_summary;
  EXPECT_EQ(s.files_transferred, 0);
  EXPECT_THAT(s.failure_reason, StartsWith("403 AuthorizationPermissionMismatch on the source ("));
  expect_no_signature(s, {src_token, dst_token});
}

TEST_F(FailureReasons, ACoolIntoAMissingContainerSaysItDoesNotExist) {
  const std::string src = project_share(2);
  const std::string missing = unique_name("why-missing");
  const std::string src_token = share_sas(src, "rl");
  const std::string dst_token = container_sas(missing, "racwdl");  // cannot create it
  const AzCopySummary s = cool(src, src_token, missing, dst_token);
  EXPECT_EQ(s.state, AzCopyJobState::Failed) << s.raw_summary;
  EXPECT_EQ(s.files_transferred, 0);
  EXPECT_EQ(s.failed_transfers, 2);
  EXPECT_THAT(s.failure_reason,
              StartsWith("2 of 2 failed: 404 on the destination (The specified container does "
                         "not exist"));
  expect_files_explained(s, 404, "The specified container does not exist");
  expect_no_signature(s, {src_token, dst_token});
}

TEST_F(FailureReasons, ACoolOntoALeasedBlobFailsThatFileWithA412AndCopiesTheRest) {
  Tree tree;
  const std::string src = project_share(3, &tree);
  const std::string leased = tree.begin()->first;
  const std::string cont = container("why-lease");
  TempDir local("why-old");
  std::ofstream(local.path() / "old.txt") << "old bytes";
  static_cast<void>(Env::get().ctl_run(
      {"put", cont + "/project/" + leased, (local.path() / "old.txt").string()}));
  static_cast<void>(Env::get().ctl_run({"lease", cont + "/project/" + leased}));
  const std::string src_token = share_sas(src, "rl");
  const std::string dst_token = container_sas(cont, "racwdl");
  const AzCopySummary s = cool(src, src_token, cont, dst_token, "true");
  EXPECT_EQ(s.state, AzCopyJobState::Failed) << s.raw_summary;
  EXPECT_EQ(s.raw_status, "CompletedWithErrors");
  EXPECT_EQ(s.files_transferred, 2);
  EXPECT_EQ(s.failed_transfers, 1);
  EXPECT_THAT(s.failure_reason,
              StartsWith("1 of 1 failed: 412 on the destination (There is currently a lease on "
                         "the blob"));
  expect_files_explained(s, 412, "There is currently a lease on the blob");
  ASSERT_EQ(s.failed_files.size(), 1U);
  std::string encoded = leased;
  for (auto at = encoded.find(' '); at != std::string::npos; at = encoded.find(' ', at)) {
    encoded.replace(at, 1, "%20");
  }
  EXPECT_THAT(s.failed_files[0].source, AnyOf(HasSubstr(leased), HasSubstr(encoded)));
  expect_no_signature(s, {src_token, dst_token});
}

// The tokens a service issues today: a Files account SAS (rl as a source, racwd as a
// destination) and a container SAS (racwd as a destination, rl as a source); and the least each
// direction needs: a share SAS rl and a container SAS w for a COOL (overwrite=true: with
// ifSourceNewer AzCopy reads the destination first, which takes r), a container SAS rl and a
// share SAS rcw for a RESTORE (ifSourceNewer). Each COOL then RESTORE is exact.
struct Shape {
  const char* name;
  bool account;            ///< the Files side is an account SAS (else a share SAS)
  const char* cool_files;  ///< the Files side of the COOL
  const char* cool_blob;   ///< the container of the COOL
  const char* restore_blob;
  const char* restore_files;
};

void PrintTo(const Shape& s, std::ostream* os) { *os << s.name; }

class TokenShapes : public FailureReasons, public ::testing::WithParamInterface<Shape> {};

TEST_P(TokenShapes, CoolThenRestoreAreExact) {
  const Shape& p = GetParam();
  std::string src;
  const fs::path project = share("shape", src) / "project";
  const Tree tree = make_tree(project, 5, 3000);
  const std::string cont = container("shape");
  std::string back;
  const fs::path restored = share("shape-back", back) / "project";
  const auto files_token = [&p](const std::string& name, const char* sp) {
    return p.account ? files_account_sas(sp) : share_sas(name, sp);
  };
  const std::string t1 = files_token(src, p.cool_files);
  const std::string t2 = container_sas(cont, p.cool_blob, 61);
  const std::string t3 = container_sas(cont, p.restore_blob, 62);
  const std::string t4 = files_token(back, p.restore_files);
  const AzCopySummary c = cool(src, t1, cont, t2, "true");
  EXPECT_EQ(c.state, AzCopyJobState::Succeeded) << c.failure_reason << c.raw_summary;
  EXPECT_EQ(c.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(c.bytes_transferred, total_bytes(tree));
  EXPECT_TRUE(c.failure_reason.empty());
  const AzCopySummary r = restore(cont, t3, back, t4);
  EXPECT_EQ(r.state, AzCopyJobState::Succeeded) << r.failure_reason << r.raw_summary;
  EXPECT_EQ(r.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(r.bytes_transferred, total_bytes(tree));
  ASSERT_EQ(read_tree(restored), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(slurp(restored / rel), slurp(project / rel)) << rel;
  }
  expect_no_unknown_operation();
  expect_no_signature_in_written_files(
      {signature_of(t1), signature_of(t2), signature_of(t3), signature_of(t4)});
}

INSTANTIATE_TEST_SUITE_P(
    Service, TokenShapes,
    ::testing::Values(Shape{"TheServicesOwn", true, "rl", "racwd", "rl", "racwd"},
                      Shape{"TheLeastEachNeeds", false, "rl", "w", "rl", "rcw"}),
    [](const ::testing::TestParamInfo<Shape>& param_info) {
      return std::string(param_info.param.name);
    });

// The README's permission table: what a COOL (FileBlob) and a RESTORE (BlobFile, overwrite
// ifSourceNewer) give with a share SAS and a container SAS of each permission set, on each
// AzCopy version: the state (or the start's error) and the reason the summary names.
struct Permissions {
  const char* name;
  bool is_cool;
  const char* overwrite;
  const char* files;     ///< the share SAS's sp
  const char* blob;      ///< the container SAS's sp
  const char* on_10_32;  ///< "SUCCEEDED", "FAILED" or "AzCopyStartError"
  const char* on_10_18;
  const char* reason_has;  ///< in failure_reason (or the error's text); "" for SUCCEEDED
};

void PrintTo(const Permissions& p, std::ostream* os) { *os << p.name; }

class MinimalPermissions : public FailureReasons,
                           public ::testing::WithParamInterface<Permissions> {};

TEST_P(MinimalPermissions, GiveTheStateAndReasonOfTheTable) {
  const Permissions& p = GetParam();
  std::string share_name;
  const std::string cont = container("perm");
  std::string outcome;
  std::string text;
  std::vector<std::string> tokens;
  try {
    AzCopySummary s;
    if (p.is_cool) {
      share_name = project_share(2);
      tokens = {share_sas(share_name, p.files), container_sas(cont, p.blob)};
      s = cool(share_name, tokens[0], cont, tokens[1], p.overwrite);
    } else {
      const std::string src = project_container(2);
      share("perm-restore", share_name);
      tokens = {container_sas(src, p.blob), share_sas(share_name, p.files)};
      s = restore(src, tokens[0], share_name, tokens[1]);
    }
    outcome = std::string(to_string(s.state));
    text = s.failure_reason;
    if (s.state == AzCopyJobState::Succeeded) {
      EXPECT_EQ(s.files_transferred, 2);
      EXPECT_TRUE(s.failure_reason.empty());
    }
  } catch (const AzCopyStartError& e) {
    outcome = "AzCopyStartError";
    text = std::string(e.what()) + "\n" + e.excerpt();
  }
  EXPECT_EQ(outcome, is_10_18() ? p.on_10_18 : p.on_10_32) << text;
  if (outcome == "FAILED") {
    EXPECT_THAT(text, HasSubstr(p.reason_has));
  }
  for (const auto& t : tokens) {
    EXPECT_THAT(text, Not(HasSubstr(signature_of(t))));
  }
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Table, MinimalPermissions,
    ::testing::Values(
        Permissions{"CoolShareRlContainerW",           true,  "true",          "rl", "w",  "SUCCEEDED", "SUCCEEDED", ""},
        Permissions{"CoolShareLContainerW",            true,  "true",          "l",  "w",  "FAILED", "AzCopyStartError", "403 AuthorizationPermissionMismatch on the source"},
        Permissions{"CoolShareRContainerW",            true,  "true",          "r",  "w",  "FAILED", "FAILED", "could not list part of the source"},
        Permissions{"CoolShareRlContainerR",           true,  "true",          "rl", "r",  "FAILED", "FAILED", "403 AuthorizationPermissionMismatch on the destination"},
        Permissions{"CoolIfSourceNewerContainerW",     true,  "ifSourceNewer", "rl", "w",  "FAILED", "FAILED", "403 AuthorizationPermissionMismatch on the destination (Could not check destination file existence)"},
        Permissions{"CoolIfSourceNewerContainerRw",    true,  "ifSourceNewer", "rl", "rw", "SUCCEEDED", "SUCCEEDED", ""},
        Permissions{"RestoreContainerRlShareRw",       false, "ifSourceNewer", "rw", "rl", "SUCCEEDED", "SUCCEEDED", ""},
        Permissions{"RestoreContainerLShareRw",        false, "ifSourceNewer", "rw", "l",  "FAILED", "AzCopyStartError", "403 AuthorizationPermissionMismatch on the source"},
        Permissions{"RestoreContainerRShareRw",        false, "ifSourceNewer", "rw", "r",  "FAILED", "AzCopyStartError", "403 AuthorizationPermissionMismatch"},
        Permissions{"RestoreContainerRlShareCw",       false, "ifSourceNewer", "cw", "rl", "FAILED", "FAILED", "403 AuthorizationPermissionMismatch on the destination (Could not check destination file existence)"},
        Permissions{"RestoreContainerRlShareRc",       false, "ifSourceNewer", "rc", "rl", "FAILED", "FAILED", "403 AuthorizationPermissionMismatch on the destination (Forbidden. When Uploading range from URL)"}),
    [](const ::testing::TestParamInfo<Permissions>& param_info) {
      return std::string(param_info.param.name);
    });
// clang-format on

}  // namespace
}  // namespace azcopy_runner::integration
