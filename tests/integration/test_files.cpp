// SPDX-License-Identifier: MIT
// COOL (FileBlob) and RESTORE (BlobFile) through the runner with the real AzCopy, against the
// local storage of scripts/storage.sh: the Azure Files test server and Azurite behind the
// from-URL proxy (docs/EMULATORS.md). Also LocalFile then FileLocal.
#include "storage_harness.hpp"

namespace azcopy_runner::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

TEST_F(RealStorage, CoolThenRestoreGiveExactFiguresAndBytes) {
  const std::string share_sas = storage_sas(24 * 60);
  const std::string container_sas = storage_sas(24 * 60 + 1);
  std::string share_name;
  const fs::path project = share("cool", share_name) / "project";
  const Tree tree = make_project(project);
  const std::string cont = container("cool");

  // COOL, with the service's source form <share>/<project>/* and destination <container>/<project>.
  CopyOptions cool;
  cool.from_to = "FileBlob";
  const AzCopySummary c = copy_and_wait(file_url(share_name + "/project/*", share_sas),
                                        blob_url(cont + "/project", container_sas), cool);
  EXPECT_EQ(c.state, AzCopyJobState::Succeeded) << c.raw_summary;
  EXPECT_EQ(c.raw_status, "Completed");
  EXPECT_EQ(c.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(c.bytes_transferred, total_bytes(tree));
  EXPECT_EQ(c.failed_transfers, 0);
  EXPECT_EQ(c.skipped_transfers, 0);
  // Blob has no folders: AzCopy drops the empty directory and counts nothing for it; the
  // summary says so.
  EXPECT_TRUE(c.empty_folders_not_processed);
  ASSERT_FALSE(c.messages.empty());
  EXPECT_THAT(c.messages.front(), HasSubstr("empty folders will not be processed"));
  ASSERT_EQ(blobs(cont, "project/"), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(Env::get().ctl_run({"get", cont + "/project/" + rel}), slurp(project / rel)) << rel;
  }

  // RESTORE into an empty share, as the service does it.
  std::string restore_name;
  const fs::path restored = share("restore", restore_name) / "project";
  CopyOptions restore;
  restore.from_to = "BlobFile";
  restore.overwrite = "ifSourceNewer";
  const AzCopySummary r = copy_and_wait(blob_url(cont + "/project", container_sas),
                                        file_url(restore_name, share_sas), restore);
  EXPECT_EQ(r.state, AzCopyJobState::Succeeded) << r.raw_summary;
  EXPECT_EQ(r.raw_status, "Completed");
  EXPECT_EQ(r.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(r.bytes_transferred, total_bytes(tree));
  EXPECT_EQ(r.failed_transfers, 0);
  EXPECT_TRUE(r.empty_folders_not_processed);
  ASSERT_EQ(read_tree(restored), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(slurp(restored / rel), slurp(project / rel)) << rel;
  }
  // Blob storage has no folders: the empty directory does not come back (see the README).
  EXPECT_FALSE(fs::exists(restored / "emptydir"));

  // A second RESTORE finds every file as new as its blob: all skipped, nothing transferred.
  const AzCopySummary again = copy_and_wait(blob_url(cont + "/project", container_sas),
                                            file_url(restore_name, share_sas), restore);
  EXPECT_EQ(again.state, AzCopyJobState::Succeeded) << again.raw_summary;
  EXPECT_EQ(again.raw_status, "CompletedWithSkipped");
  EXPECT_EQ(again.files_transferred, 0);
  EXPECT_EQ(again.bytes_transferred, 0);
  EXPECT_EQ(again.skipped_transfers, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(read_tree(restored), tree);

  expect_no_unknown_operation();
  expect_no_signature_in_written_files({signature_of(share_sas), signature_of(container_sas)});
}

TEST_F(RealStorage, LocalFileThenFileLocalKeepEveryFileAndTheEmptyDirectory) {
  const std::string sas = storage_sas(24 * 60 + 2);
  TempDir local("lf");
  const fs::path project = local.path() / "project";
  const Tree tree = make_project(project);
  std::string share_name;
  const fs::path on_share = share("lf", share_name) / "project";

  CopyOptions up;
  up.from_to = "LocalFile";
  const AzCopySummary u = copy_and_wait(project.string(), file_url(share_name, sas), up);
  EXPECT_EQ(u.state, AzCopyJobState::Succeeded) << u.raw_summary;
  EXPECT_EQ(u.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(u.bytes_transferred, total_bytes(tree));
  EXPECT_FALSE(u.empty_folders_not_processed);  // both sides have folders
  ASSERT_EQ(read_tree(on_share), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(slurp(on_share / rel), slurp(project / rel)) << rel;
  }
  EXPECT_TRUE(fs::is_directory(on_share / "emptydir"));

  TempDir back("fl");
  CopyOptions down;
  down.from_to = "FileLocal";
  const AzCopySummary d =
      copy_and_wait(file_url(share_name + "/project", sas), back.path().string(), down);
  EXPECT_EQ(d.state, AzCopyJobState::Succeeded) << d.raw_summary;
  EXPECT_EQ(d.files_transferred, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(d.bytes_transferred, total_bytes(tree));
  const fs::path got = back.path() / "project";
  ASSERT_EQ(read_tree(got), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(slurp(got / rel), slurp(project / rel)) << rel;
  }
  EXPECT_TRUE(fs::is_directory(got / "emptydir"));

  expect_no_unknown_operation();
  expect_no_signature_in_written_files({signature_of(sas)});
}

}  // namespace
}  // namespace azcopy_runner::integration
