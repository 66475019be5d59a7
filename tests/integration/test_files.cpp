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
  const AzCopySummary c = cool_folder(share_name, share_sas, cont, container_sas);
  expect_exact(c, tree);
  // Blob has no folders: AzCopy drops the empty directory and counts nothing for it; the
  // summary says so.
  EXPECT_TRUE(c.empty_folders_not_processed);
  ASSERT_FALSE(c.messages.empty());
  EXPECT_THAT(c.messages.front(), HasSubstr("empty folders will not be processed"));
  ASSERT_EQ(blobs(cont, "project/"), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(Env::get().ctl_run({"get", joined({cont, "/project/", rel})}), slurp(project / rel))
        << rel;
  }

  // RESTORE into an empty share, as the service does it.
  std::string restore_name;
  const fs::path restored = share("restore", restore_name) / "project";
  const AzCopySummary r = restore_folder(cont, container_sas, restore_name, share_sas);
  expect_exact(r, tree);
  EXPECT_TRUE(r.empty_folders_not_processed);
  ASSERT_EQ(read_tree(restored), tree);
  for (const auto& [rel, size] : tree) {
    EXPECT_EQ(slurp(restored / rel), slurp(project / rel)) << rel;
  }
  // Blob storage has no folders: the empty directory does not come back (see the README).
  EXPECT_FALSE(fs::exists(restored / "emptydir"));

  // A second RESTORE finds every file as new as its blob: all skipped, nothing transferred.
  const AzCopySummary again = restore_folder(cont, container_sas, restore_name, share_sas);
  EXPECT_EQ(again.state, AzCopyJobState::Succeeded) << again.raw_summary;
  EXPECT_EQ(again.raw_status, "CompletedWithSkipped");
  EXPECT_EQ(again.files_transferred, 0);
  EXPECT_EQ(again.bytes_transferred, 0);
  EXPECT_EQ(again.skipped_transfers, static_cast<std::int64_t>(tree.size()));
  EXPECT_EQ(read_tree(restored), tree);

  // One blob changes (new bytes, a new size, a later Last-Modified: the times have a one-second
  // resolution): the next RESTORE copies exactly that file and skips every other.
  std::this_thread::sleep_for(1100ms);
  const std::string changed = "a/b/deep.txt";
  const std::string new_bytes = "forty bytes that replace the old twelve.";
  TempDir scratch("changed");
  std::ofstream(scratch.path() / "new", std::ios::binary) << new_bytes;
  static_cast<void>(
      Env::get().ctl_run({"put", cont + "/project/" + changed, (scratch.path() / "new").string()}));
  const AzCopySummary one = restore_folder(cont, container_sas, restore_name, share_sas);
  EXPECT_EQ(one.state, AzCopyJobState::Succeeded) << one.raw_summary;
  EXPECT_EQ(one.raw_status, "CompletedWithSkipped");
  EXPECT_EQ(one.files_transferred, 1);
  EXPECT_EQ(one.bytes_transferred, static_cast<std::int64_t>(new_bytes.size()));
  EXPECT_EQ(one.skipped_transfers, static_cast<std::int64_t>(tree.size()) - 1);
  EXPECT_EQ(one.failed_transfers, 0);
  EXPECT_EQ(slurp(restored / changed), new_bytes);
  Tree expected = tree;
  expected[changed] = static_cast<std::int64_t>(new_bytes.size());
  ASSERT_EQ(read_tree(restored), expected);
  for (const auto& [rel, size] : tree) {
    if (rel != changed) {
      EXPECT_EQ(slurp(restored / rel), slurp(project / rel)) << rel;
    }
  }

  expect_no_unknown_operation();
  expect_no_signature_in_written_files({signature_of(share_sas), signature_of(container_sas)});
}

/// A local storage of its own (scripts/storage.sh in a temporary directory), for a test that
/// fills Azurite with thousands of blobs: Azurite's periodic clean-up (every ten minutes) of a
/// container that held 5,000 blobs stalls it for tens of seconds (25 s measured on a quiet
/// machine), which would fail the tests sharing it. Stopped, and all it held gone, at the end.
class OwnStorage {
 public:
  OwnStorage() {
    const CommandResult r =
        run_command({"bash", AZCOPY_RUNNER_STORAGE_SCRIPT, "start", "--dir", dir_.path().string()});
    EXPECT_EQ(r.status, 0) << r.out;
    std::istringstream env(slurp(dir_.path() / "endpoints.env"));
    for (std::string line; std::getline(env, line);) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) {
        values_[line.substr(0, eq)] = line.substr(eq + 1);
      }
    }
  }
  OwnStorage(const OwnStorage&) = delete;
  OwnStorage& operator=(const OwnStorage&) = delete;
  OwnStorage(OwnStorage&&) = delete;
  OwnStorage& operator=(OwnStorage&&) = delete;
  ~OwnStorage() {
    static_cast<void>(
        run_command({"bash", AZCOPY_RUNNER_STORAGE_SCRIPT, "stop", "--dir", dir_.path().string()}));
  }

  [[nodiscard]] bool ok() const { return values_.size() >= 3; }
  [[nodiscard]] std::string file(const std::string& path, const std::string& sas) const {
    return joined({value("AZCOPY_RUNNER_TEST_FILE_ENDPOINT"), "/", path, "?", sas});
  }
  [[nodiscard]] std::string blob(const std::string& path, const std::string& sas) const {
    return joined({value("AZCOPY_RUNNER_TEST_BLOB_ENDPOINT"), "/", path, "?", sas});
  }
  [[nodiscard]] fs::path share(const std::string& name) const {
    return fs::path(value("AZCOPY_RUNNER_TEST_FILES_DIR")) / name;
  }
  /// Its Files server's request log (as RealStorage checks the shared one's).
  [[nodiscard]] std::string files_log() const { return slurp(dir_.path() / "files.log"); }
  /// azurite_ctl.py on this storage's Blob endpoint.
  [[nodiscard]] std::string ctl(std::vector<std::string> args) const {
    args.insert(args.begin(), {"python3", Env::get().ctl, "--endpoint",
                               value("AZCOPY_RUNNER_TEST_BLOB_ENDPOINT")});
    const CommandResult r = run_command(args);
    EXPECT_EQ(r.status, 0) << "azurite_ctl " << args[4];
    return r.out;
  }

 private:
  [[nodiscard]] std::string value(const std::string& key) const {
    const auto it = values_.find(key);
    return it == values_.end() ? std::string() : it->second;
  }
  TempDir dir_{"own-storage"};
  std::map<std::string, std::string> values_;
};

// A folder of more files than one listing page (5,000 entries), names with spaces: AzCopy
// follows the Files server's opaque continuation marker and every file is cooled. On a storage
// of its own (OwnStorage). A RESTORE lists the container through Azurite's own paging.
TEST_F(RealStorage, CoolAFolderOfMoreThanOneListingPage) {
#ifdef AZCOPY_RUNNER_SANITIZED
  GTEST_SKIP() << "a slow case: run in the default build (not under a sanitizer)";
#endif
  const OwnStorage storage;
  ASSERT_TRUE(storage.ok());
  const std::string files_sas = files_account_sas("rl", 24 * 60 + 3);
  const fs::path folder = storage.share("pages-share") / "photos";
  fs::create_directories(folder);
  Tree tree;
  constexpr int kFiles = 5'123;  // two pages and a bit
  const auto name_of = [](int i) {
    return "photo " + std::to_string(100'000 + i).substr(1) + ".jpg";
  };
  for (int i = 0; i < kFiles; ++i) {
    const std::string bytes(static_cast<std::size_t>(i % 61), static_cast<char>('a' + i % 26));
    std::ofstream(folder / name_of(i), std::ios::binary) << bytes;
    tree[name_of(i)] = static_cast<std::int64_t>(bytes.size());
  }
  static_cast<void>(storage.ctl({"mkcontainer", "pages-blobs"}));
  const std::string cont_sas = container_sas("pages-blobs", "racwdl", 24 * 60 + 3);

  CopyOptions cool;
  cool.from_to = "FileBlob";
  expect_exact(copy_and_wait(storage.file("pages-share/photos/*", files_sas),
                             storage.blob("pages-blobs/photos", cont_sas), cool),
               tree);
  Tree listed;
  std::istringstream listing(storage.ctl({"list", "pages-blobs", "--prefix", "photos/"}));
  for (std::string line; std::getline(listing, line);) {
    const auto tab = line.find('\t');
    listed[line.substr(7, tab - 7)] = std::stoll(line.substr(tab + 1));
  }
  ASSERT_EQ(listed, tree);
  for (const int i : {0, 4'999, 5'000, kFiles - 1}) {
    EXPECT_EQ(storage.ctl({"get", "pages-blobs/photos/" + name_of(i)}), slurp(folder / name_of(i)))
        << name_of(i);
  }
  const std::string log = storage.files_log();
  EXPECT_THAT(log, HasSubstr("marker=1%21"));  // the second page was asked for
  EXPECT_THAT(log, Not(HasSubstr("\"unknown\": true")));
  EXPECT_THAT(log, Not(HasSubstr(signature_of(files_sas))));
}

// A file's content type and MD5 survive a COOL and then a RESTORE: the upload sets them on the
// share (--content-type, --put-md5), the COOL carries them to the blob and the RESTORE back to a
// new share, where a read answers them.
TEST_F(RealStorage, ContentTypeAndMd5SurviveCoolThenRestore) {
  const std::string sas = storage_sas(24 * 60 + 5);
  TempDir local("md5");
  const fs::path project = local.path() / "project";
  fs::create_directories(project / "scans");
  const std::string small = "a small scan";
  std::string big(static_cast<std::size_t>(5) << 20U, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>((i * 7919U) >> 3U);
  }
  std::ofstream(project / "scans" / "small.tif", std::ios::binary) << small;
  std::ofstream(project / "scans" / "big.tif", std::ios::binary) << big;
  std::string share_name;
  static_cast<void>(share("md5", share_name));
  CopyOptions up;
  up.from_to = "LocalFile";
  up.extra_args = {"--content-type=image/tiff", "--put-md5"};
  const AzCopySummary u = copy_and_wait(project.string(), file_url(share_name, sas), up);
  ASSERT_EQ(u.state, AzCopyJobState::Succeeded) << u.raw_summary;
  std::map<std::string, std::string> on_share;
  for (const std::string name : {"small.tif", "big.tif"}) {
    const auto h = head(file_url(joined({share_name, "/project/scans/", name}), sas));
    EXPECT_EQ(header(h, "content-type"), "image/tiff") << name;
    ASSERT_TRUE(h.contains("content-md5")) << name;
    on_share[name] = h.at("content-md5");
  }
  EXPECT_EQ(on_share["small.tif"], "AFSsDhUpmUel/6FyG9ouPA==");  // MD5 of "a small scan"

  const std::string cont = container("md5");
  const AzCopySummary c = cool_folder(share_name, sas, cont, sas);
  ASSERT_EQ(c.state, AzCopyJobState::Succeeded) << c.raw_summary;
  for (const auto& [name, sum] : on_share) {
    const auto h = head(blob_url(joined({cont, "/project/scans/", name}), sas));
    EXPECT_EQ(header(h, "content-type"), "image/tiff") << name;
    EXPECT_EQ(header(h, "content-md5"), sum) << name;
  }

  std::string restore_name;
  const fs::path restored = share("md5-back", restore_name);
  const AzCopySummary r = restore_folder(cont, sas, restore_name, sas);
  ASSERT_EQ(r.state, AzCopyJobState::Succeeded) << r.raw_summary;
  EXPECT_EQ(slurp(restored / "project/scans/small.tif"), small);
  EXPECT_EQ(slurp(restored / "project/scans/big.tif"), big);
  for (const auto& [name, sum] : on_share) {
    const auto h = head(file_url(joined({restore_name, "/project/scans/", name}), sas));
    EXPECT_EQ(header(h, "content-type"), "image/tiff") << name;
    EXPECT_EQ(header(h, "content-md5"), sum) << name;
  }
}

// A RESTORE of blob names that a share cannot hold as they are: the Files test server keeps
// Azure Files' rules (case-insensitive names, refused names, trailing dots trimmed unless
// x-ms-allow-trailing-dot). The job ends FAILED with those files failed and their reason, never
// with fewer files SUCCEEDED.
TEST_F(RealStorage, RestoreOfNamesAShareCannotHoldFailsThoseFiles) {
  const bool v10_18 = env_or_empty("AZCOPY_RUNNER_TEST_AZCOPY_VERSION") == "10.18";
  const std::string cont = container("names");
  const std::string cont_sas = container_sas(cont, "rl", 24 * 60 + 4);
  TempDir scratch("names");
  for (const std::string name :
       {"ok.txt", "Same.txt", "same.txt", "d/CON", "colon:name.txt", "dot."}) {
    std::ofstream(scratch.path() / "f", std::ios::binary | std::ios::trunc) << "bytes of " << name;
    static_cast<void>(
        Env::get().ctl_run({"put", joined({cont, "/p/", name}), (scratch.path() / "f").string()}));
  }
  std::string share_name;
  const fs::path restored = share("names", share_name) / "p";
  const AzCopySummary r =
      restore_folder(cont, cont_sas, share_name, share_sas(share_name, "rw"), "p");
  EXPECT_EQ(r.state, AzCopyJobState::Failed) << r.raw_summary;
  EXPECT_EQ(r.files_transferred, 4);
  std::map<std::string, FailedFile> failed;
  for (const auto& f : r.failed_files) {
    failed[f.source.substr(f.source.find("/p/") + 3)] = f;
  }
  // "CON" is a name Windows reserves: Azure Files refuses it.
  ASSERT_TRUE(failed.contains("d/CON")) << r.raw_summary;
  EXPECT_EQ(failed["d/CON"].http_status, 400);
  EXPECT_EQ(failed["d/CON"].service_code, "InvalidResourceName");
  // Two names that differ in case only are one file on a share: AzCopy fails the second
  // ("cannot simultaneously send two files to same destination name") or, when the first has
  // arrived already, skips it as existing (ifSourceNewer). Never both counted done.
  EXPECT_EQ(r.failed_transfers + r.skipped_transfers, 2) << r.raw_summary;
  if (r.skipped_transfers == 0) {
    EXPECT_EQ(r.raw_status, "CompletedWithErrors");
    ASSERT_EQ(r.failed_files.size(), 2U) << r.raw_summary;
    const std::string twin = failed.contains("Same.txt") ? "Same.txt" : "same.txt";
    ASSERT_TRUE(failed.contains(twin)) << r.raw_summary;
    EXPECT_THAT(failed[twin].reason, HasSubstr("two files to same destination name"));
    EXPECT_THAT(r.failure_reason, HasSubstr(" of 2 failed"));
  } else {
    EXPECT_EQ(r.raw_status, "CompletedWithErrorsAndSkipped");
    EXPECT_THAT(r.failure_reason, HasSubstr("1 of 1 failed"));
  }
  // The twin that arrived keeps its own name and bytes. AzCopy escapes the characters a share
  // refuses; 10.18.1 does not send x-ms-allow-trailing-dot, so a trailing dot is trimmed (as
  // Azure Files does).
  const Tree got = read_tree(restored);
  const std::string kept_twin = got.contains("Same.txt") ? "Same.txt" : "same.txt";
  EXPECT_EQ(slurp(restored / kept_twin), "bytes of " + kept_twin);
  const Tree expected{
      {"ok.txt", 15}, {kept_twin, 17}, {"colon%3Aname.txt", 23}, {v10_18 ? "dot" : "dot.", 13}};
  EXPECT_EQ(got, expected);
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
