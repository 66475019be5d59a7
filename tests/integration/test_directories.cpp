// SPDX-License-Identifier: MIT
// CopyOptions::keep_directories with the real AzCopy on the local storage of scripts/storage.sh:
// a COOL writes one directory stub per directory, a RESTORE makes back every directory they
// describe, empty ones included, and the summary counts directories apart from files.
#include "storage_harness.hpp"

namespace azcopy_runner::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

/// make_project()'s files and its empty directory, and more empty directories: nested, one
/// inside another empty one, names with spaces and non-ASCII characters.
Tree make_project_with_empty_directories(const fs::path& root) {
  Tree tree = make_project(root);
  for (const char* dir :
       {"raw/empty leaf", "processed/\xC3\xA9t\xC3\xA9/deeper/empty in empty", "vide", "a/b/c"}) {
    fs::create_directories(root / dir);
  }
  return tree;
}

void expect_directories(const AzCopySummary& s, std::int64_t made, std::int64_t skipped,
                        std::int64_t failed) {
  ASSERT_TRUE(s.directories) << s.raw_summary;
  EXPECT_EQ(s.directories->made, made);
  EXPECT_EQ(s.directories->skipped, skipped);
  EXPECT_EQ(s.directories->failed, failed);
}

TEST_F(RealStorage, KeepDirectoriesBringsBackEveryDirectoryEmptyOnesIncluded) {
  std::string share_name;
  const fs::path project = share("dirs", share_name) / "project";
  const Tree tree = make_project_with_empty_directories(project);
  const std::set<std::string> dirs = read_dirs(project);
  ASSERT_EQ(dirs.size(), 11U);
  const auto n_dirs = static_cast<std::int64_t>(dirs.size());
  const std::string cont = container("dirs");
  // The tokens the service signs: rl on the Files side as a source, racwd on the container.
  const std::string cool_files = files_account_sas("rl", 60);
  const std::string cool_blob = container_sas(cont, "racwd", 61);

  const AzCopySummary c = cool_folder(share_name, cool_files, cont, cool_blob, "project", true);
  expect_exact(c, tree);  // files_transferred counts files only
  EXPECT_EQ(c.total_transfers, static_cast<std::int64_t>(tree.size()) + n_dirs);
  expect_directories(c, n_dirs, 0, 0);
  EXPECT_FALSE(c.empty_folders_not_processed);
  // One zero-length stub per directory, marked as a folder.
  Tree expected_blobs = tree;
  for (const auto& d : dirs) {
    expected_blobs[d] = 0;
  }
  EXPECT_EQ(blobs(cont, "project/"), expected_blobs);
  const auto stub = head(blob_url(joined({cont, "/project/raw/empty%20leaf"}), cool_blob));
  EXPECT_EQ(header(stub, "x-ms-meta-hdi_isfolder"), "true");

  // RESTORE into a new share; two transient answers to the runner's directory requests are
  // tried again.
  std::string restore_name;
  const fs::path restored = share("dirs-back", restore_name) / "project";
  set_fault(restore_name, R"({"answer": "503", "times": 2, "ops": ["CreateDirectory"]})");
  const std::string back_blob = container_sas(cont, "rl", 62);
  const std::string back_files = files_account_sas("racwd", 63);
  const AzCopySummary r =
      restore_folder(cont, back_blob, restore_name, back_files, "project", true);
  expect_exact(r, tree);
  expect_directories(r, n_dirs, 0, 0);
  EXPECT_FALSE(r.empty_folders_not_processed);
  EXPECT_EQ(read_dirs(restored), dirs);
  ASSERT_EQ(read_tree(restored), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(slurp(restored / rel), slurp(project / rel)) << rel;
  }
  EXPECT_EQ(faults_answered("files.log", restore_name), 2);

  // Again, with ifSourceNewer: every file and every directory is there already.
  CopyOptions again;
  again.from_to = "FileBlob";
  again.overwrite = "ifSourceNewer";
  again.keep_directories = true;
  const AzCopySummary c2 = copy_and_wait(file_url(joined({share_name, "/project/*"}), cool_files),
                                         blob_url(joined({cont, "/project"}), cool_blob), again);
  EXPECT_EQ(c2.state, AzCopyJobState::Succeeded) << c2.raw_summary;
  EXPECT_EQ(c2.raw_status, "CompletedWithSkipped");
  EXPECT_EQ(c2.files_transferred, 0);
  EXPECT_EQ(c2.skipped_transfers, static_cast<std::int64_t>(tree.size()) + n_dirs);
  expect_directories(c2, 0, n_dirs, 0);
  const AzCopySummary r2 =
      restore_folder(cont, back_blob, restore_name, back_files, "project", true);
  EXPECT_EQ(r2.state, AzCopyJobState::Succeeded) << r2.raw_summary;
  EXPECT_EQ(r2.files_transferred, 0);
  EXPECT_EQ(r2.skipped_transfers, static_cast<std::int64_t>(tree.size()));
  expect_directories(r2, 0, n_dirs, 0);
  EXPECT_EQ(read_dirs(restored), dirs);

  expect_no_signature_in_written_files({signature_of(cool_files), signature_of(cool_blob),
                                        signature_of(back_blob), signature_of(back_files)});
}

TEST_F(RealStorage, KeepDirectoriesOfAContainerCooledWithoutStubsRestoresItsFiles) {
  std::string share_name;
  const fs::path project = share("nostub", share_name) / "project";
  const Tree tree = make_project_with_empty_directories(project);
  const std::string cont = container("nostub");
  const std::string sas = storage_sas(24 * 60 + 7);
  expect_exact(cool_folder(share_name, sas, cont, sas), tree);

  std::string restore_name;
  const fs::path restored = share("nostub-back", restore_name) / "project";
  const AzCopySummary r = restore_folder(cont, sas, restore_name, sas, "project", true);
  expect_exact(r, tree);
  expect_directories(r, 0, 0, 0);
  // The empty directories were not kept by the COOL: the notice stays, and says why.
  EXPECT_TRUE(r.empty_folders_not_processed);
  EXPECT_THAT(r.messages, ::testing::Contains(HasSubstr("holds no directory stubs")));
  EXPECT_EQ(read_tree(restored), tree);
  EXPECT_FALSE(fs::exists(restored / "vide"));
  EXPECT_TRUE(fs::is_directory(restored / "a" / "b"));  // it holds files
}

TEST_F(RealStorage, ADirectoryTheRunnerCannotMakeFailsTheRestoreWithTheReason) {
  std::string share_name;
  const fs::path project = share("dirfail", share_name) / "project";
  const Tree tree = make_project_with_empty_directories(project);
  const auto n_dirs = static_cast<std::int64_t>(read_dirs(project).size());
  const std::string cont = container("dirfail");
  const std::string sas = storage_sas(24 * 60 + 8);
  const AzCopySummary c = cool_folder(share_name, sas, cont, sas, "project", true);
  expect_directories(c, n_dirs, 0, 0);

  // The new share holds a file where the empty directory "vide" goes.
  std::string restore_name;
  const fs::path restored = share("dirfail-back", restore_name) / "project";
  fs::create_directories(restored);
  std::ofstream(restored / "vide") << "a file";
  const AzCopySummary r = restore_folder(cont, sas, restore_name, sas, "project", true);
  EXPECT_EQ(r.state, AzCopyJobState::Failed);
  EXPECT_EQ(r.raw_status, "Completed");  // AzCopy copied every file
  EXPECT_EQ(r.files_transferred, static_cast<std::int64_t>(tree.size()));
  expect_directories(r, n_dirs - 1, 0, 1);
  EXPECT_EQ(r.failure_reason, "1 of " + std::to_string(n_dirs) +
                                  " directories could not be made on the destination "
                                  "(project/vide: 409 ResourceAlreadyExists, and no directory "
                                  "has that name)");
  EXPECT_EQ(slurp(restored / "vide"), "a file");
  // poll() of the finished job tells the same, and the job is not resumable (AzCopy has
  // nothing to redo: the directory is the runner's).
  const AzCopyProgress p = runner_->poll(r.job_id);
  EXPECT_EQ(p.state, AzCopyJobState::Failed);
  EXPECT_FALSE(p.resumable);
}

TEST_F(RealStorage, KeepDirectoriesWithoutListPermissionIsAStartError) {
  const std::string cont = container("nolist");
  const std::string upload_sas = container_sas(cont, "racwd", 64);
  fs::create_directories(dir_.path() / "up" / "d");
  std::ofstream(dir_.path() / "up" / "d" / "f.txt") << "x";
  static_cast<void>(copy_and_wait((dir_.path() / "up" / "*").string(),
                                  blob_url(cont + "/project", upload_sas), upload()));
  std::string restore_name;
  share("nolist-back", restore_name);
  CopyOptions o;
  o.from_to = "BlobFile";
  o.keep_directories = true;
  const std::string read_only = container_sas(cont, "r", 65);
  try {
    static_cast<void>(runner_->start_copy(blob_url(cont + "/project", read_only),
                                          file_url(restore_name, files_account_sas("racwd")), o));
    FAIL() << "started";
  } catch (const AzCopyStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr("could not be listed for its directory stubs: 403"));
    EXPECT_THAT(e.what(), Not(HasSubstr(signature_of(read_only))));
    EXPECT_THAT(e.excerpt(), Not(HasSubstr(signature_of(read_only))));
  }
  EXPECT_TRUE(runner_->list_jobs().size() == 1U);  // the upload only
}

}  // namespace
}  // namespace azcopy_runner::integration
