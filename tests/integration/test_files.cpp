// SPDX-License-Identifier: MIT
// COOL (FileBlob) and RESTORE (BlobFile) through the runner with the real AzCopy, against the
// local storage of scripts/storage.sh: the Azure Files test server and Azurite behind the
// from-URL proxy (docs/EMULATORS.md). Also LocalFile then FileLocal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

/// The project tree of the tests: three levels, a zero-byte file, a file over 8 MiB (two
/// blocks of a COOL, three ranges of a RESTORE), names with spaces and non-ASCII characters,
/// and an empty directory. Returns the files (relative path -> size).
Tree make_project(const fs::path& root) {
  std::mt19937_64 rng(11);
  const auto write = [&](const std::string& rel, std::size_t size) {
    fs::create_directories((root / rel).parent_path());
    std::string bytes(size, '\0');
    for (auto& c : bytes) {
      c = static_cast<char>(rng());
    }
    std::ofstream(root / rel, std::ios::binary) << bytes;
  };
  const std::vector<std::pair<std::string, std::size_t>> files{
      {"top.txt", 1'300},
      {"empty.bin", 0},
      {"a/mid.txt", 70'001},
      {"a/big.bin", (std::size_t{9} << 20U) + 4'097},
      {"a/b/deep.txt", 12},
      {"a/b/with space.txt", 3'000},
      {"a/b/\xC3\xA9t\xC3\xA9.txt", 515},
  };
  Tree tree;
  for (const auto& [rel, size] : files) {
    write(rel, size);
    tree[rel] = static_cast<std::int64_t>(size);
  }
  fs::create_directories(root / "emptydir");
  return tree;
}

/// An account SAS (ss=bf) signed with the development key, valid for @p minutes: different
/// minutes give different signatures, so each side of a copy can have its own.
std::string storage_sas(int minutes) {
  const CommandResult r = run_command(
      {"python3", AZCOPY_RUNNER_SAS_TOOL, "account", "--expiry-minutes", std::to_string(minutes)});
  EXPECT_EQ(r.status, 0) << "sas.py";
  std::string sas = r.out;
  while (!sas.empty() && (sas.back() == '\n' || sas.back() == '\r')) {
    sas.pop_back();
  }
  return sas;
}

std::string signature_of(const std::string& sas) {
  const auto pos = sas.find("sig=");
  return pos == std::string::npos ? std::string()
                                  : sas.substr(pos + 4, sas.find('&', pos) - pos - 4);
}

class RealStorage : public RealAzCopy {
 protected:
  void SetUp() override {
    RealAzCopy::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    if (file_endpoint_.empty() || files_dir_.empty()) {
      if (!env_or_empty("CI").empty()) {
        FAIL() << "no Files test server: run scripts/test.sh (scripts/storage.sh)";
      }
      GTEST_SKIP() << "set AZCOPY_RUNNER_TEST_FILE_ENDPOINT and AZCOPY_RUNNER_TEST_FILES_DIR "
                      "(scripts/storage.sh writes them)";
    }
  }

  /// A new, empty share on the Files test server (a folder of its data directory).
  fs::path share(const std::string& prefix, std::string& name) {
    name = unique_name(prefix);
    const fs::path dir = fs::path(files_dir_) / name;
    fs::create_directories(dir);
    return dir;
  }
  [[nodiscard]] std::string file_url(const std::string& path, const std::string& sas) const {
    return file_endpoint_ + "/" + path + "?" + sas;
  }
  [[nodiscard]] static std::string blob_url(const std::string& path, const std::string& sas) {
    return Env::get().endpoint() + "/" + path + "?" + sas;
  }

  /// The blobs below @p prefix of @p container: relative name -> size.
  static Tree blobs(const std::string& container, const std::string& prefix) {
    Tree remote;
    std::istringstream listing(Env::get().ctl_run({"list", container, "--prefix", prefix}));
    for (std::string line; std::getline(listing, line);) {
      const auto tab = line.find('\t');
      remote[line.substr(prefix.size(), tab - prefix.size())] = std::stoll(line.substr(tab + 1));
    }
    return remote;
  }

  /// What scripts/storage.sh and the servers wrote (their logs) and what this test wrote.
  [[nodiscard]] std::vector<fs::path> written_dirs() const {
    return {fs::path(config_.log_dir), fs::path(config_.work_dir), dir_.path(),
            fs::path(files_dir_).parent_path()};
  }

  void expect_no_signature_in_written_files(const std::vector<std::string>& sigs) const {
    for (const auto& sig : sigs) {
      ASSERT_GE(sig.size(), 20U);
      for (const auto& root : written_dirs()) {
        for (const auto& [path, content] : all_files(root)) {
          EXPECT_THAT(content, Not(HasSubstr(sig))) << path;
        }
      }
    }
  }

  /// The Files test server answers 501 to an operation it does not serve: none may occur.
  void expect_no_unknown_operation() const {
    const std::string log = slurp(fs::path(files_dir_).parent_path() / "files.log");
    EXPECT_THAT(log, Not(HasSubstr("\"unknown\": true")));
  }

  std::string file_endpoint_ = env_or_empty("AZCOPY_RUNNER_TEST_FILE_ENDPOINT");
  std::string files_dir_ = env_or_empty("AZCOPY_RUNNER_TEST_FILES_DIR");
};

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
