// SPDX-License-Identifier: MIT
// The fixture of the tests on the local storage of scripts/storage.sh (the Azure Files test
// server, Azurite behind the from-URL proxy): shares, containers, SAS tokens, project trees.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>

#include "harness.hpp"

namespace azcopy_runner::integration {

/// The project tree of the tests: three levels, a zero-byte file, a file over 8 MiB (two
/// blocks of a COOL, three ranges of a RESTORE), names with spaces and non-ASCII characters,
/// and an empty directory. Returns the files (relative path -> size).
inline Tree make_project(const fs::path& root) {
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

/// Every directory below @p root, relative ("a", "a/b", ...).
inline std::set<std::string> read_dirs(const fs::path& root) {
  std::set<std::string> dirs;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_directory()) {
      dirs.insert(fs::relative(e.path(), root).generic_string());
    }
  }
  return dirs;
}

/// A SAS made by sas.py with @p args (e.g. {"share", NAME, "--permissions", "rl"}), valid for
/// @p minutes (different minutes give different signatures).
inline std::string sas_token(std::vector<std::string> args, double minutes = 60) {
  std::vector<std::string> argv{"python3", AZCOPY_RUNNER_SAS_TOOL};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--expiry-minutes", std::to_string(minutes)});
  const CommandResult r = run_command(argv);
  EXPECT_EQ(r.status, 0) << "sas.py";
  std::string sas = r.out;
  while (!sas.empty() && (sas.back() == '\n' || sas.back() == '\r')) {
    sas.pop_back();
  }
  return sas;
}

/// An account SAS (ss=bf) signed with the development key, valid for @p minutes: different
/// minutes give different signatures, so each side of a copy can have its own. @p permissions:
/// `sp` (default: all, rwdlacup). Expiry is counted in whole minutes from now (sas.py).
inline std::string storage_sas(int minutes, const std::string& permissions = "") {
  std::vector<std::string> args{"account"};
  if (!permissions.empty()) {
    args.insert(args.end(), {"--permissions", permissions});
  }
  return sas_token(args, minutes);
}

/// An account SAS (ss=bf, all permissions) that expires @p seconds from now.
inline std::string expiring_sas(std::chrono::seconds seconds) {
  return sas_token({"account"}, static_cast<double>(seconds.count()) / 60.0);
}

/// A Files service SAS for share @p name (sr=s) with permissions @p sp.
inline std::string share_sas(const std::string& name, const std::string& sp, double minutes = 60) {
  return sas_token({"share", name, "--permissions", sp}, minutes);
}

/// A Blob service SAS for container @p name (sr=c) with permissions @p sp.
inline std::string container_sas(const std::string& name, const std::string& sp,
                                 double minutes = 60) {
  return sas_token({"container", name, "--permissions", sp}, minutes);
}

/// An account SAS for the File service only (ss=f, srt=sco) with permissions @p sp: what the
/// service signs for its Files side.
inline std::string files_account_sas(const std::string& sp, double minutes = 60) {
  return sas_token({"account", "--services", "f", "--permissions", sp}, minutes);
}

inline std::string signature_of(const std::string& sas) {
  const auto pos = sas.find("sig=");
  return pos == std::string::npos ? std::string()
                                  : sas.substr(pos + 4, sas.find('&', pos) - pos - 4);
}

/// The value of header @p name in @p headers, or "".
inline std::string header(const std::map<std::string, std::string>& headers,
                          const std::string& name) {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

/// The headers of a HEAD of @p url (a blob or a file, with its SAS): lower-case name -> value.
inline std::map<std::string, std::string> head(const std::string& url) {
  std::map<std::string, std::string> out;
  std::istringstream lines(Env::get().ctl_run({"head", url}));
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(": ");
    if (colon != std::string::npos) {
      out[line.substr(0, colon)] = line.substr(colon + 2);
    }
  }
  return out;
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
    std::error_code ec;
    files_log_start_ = fs::file_size(files_log(), ec);
    if (ec) {
      files_log_start_ = 0;
    }
  }

  /// Every storage test: the Files test server met no operation it does not serve while it ran
  /// (another test running at the same time may add its own lines: they must hold none either).
  void TearDown() override {
    if (!IsSkipped() && !file_endpoint_.empty()) {
      expect_no_unknown_operation();
    }
    for (const auto& rule : fault_rules_) {
      std::error_code ec;
      fs::remove(rule, ec);
    }
    RealAzCopy::TearDown();
  }

  /// Faults on demand (docs/EMULATORS.md): @p rule (JSON) for the share or container @p name,
  /// e.g. {"answer": "503", "times": 2}. Removed when the test ends.
  void set_fault(const std::string& name, const std::string& rule) {
    ASSERT_FALSE(faults_dir_.empty()) << "AZCOPY_RUNNER_TEST_FAULTS_DIR (scripts/storage.sh)";
    const fs::path path = fs::path(faults_dir_) / (name + ".json");
    const fs::path tmp = fs::path(faults_dir_) / ("." + name + ".tmp");
    std::ofstream(tmp) << rule;
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write);
    fs::rename(tmp, path);
    fault_rules_.push_back(path);
  }
  /// The faults the Files test server (@p log "files.log") or the proxy ("proxy.log") answered
  /// on paths that hold @p name (a share or container of this test: names are unique).
  [[nodiscard]] int faults_answered(const std::string& log, const std::string& name) const {
    std::istringstream lines(slurp(fs::path(files_dir_).parent_path() / log));
    int count = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.find("\"fault\": ") != std::string::npos &&
          line.find("/" + name + "/") != std::string::npos) {
        ++count;
      }
    }
    return count;
  }

  [[nodiscard]] fs::path files_log() const {
    return fs::path(files_dir_).parent_path() / "files.log";
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

  /// A COOL as the service runs it: `<share>/<folder>/*` into `<container>/<folder>`
  /// (with CopyOptions::keep_directories when @p keep_directories).
  AzCopySummary cool_folder(const std::string& share_name, const std::string& share_token,
                            const std::string& cont, const std::string& cont_token,
                            const std::string& folder = "project", bool keep_directories = false) {
    CopyOptions o;
    o.from_to = "FileBlob";
    o.keep_directories = keep_directories;
    return copy_and_wait(file_url(joined({share_name, "/", folder, "/*"}), share_token),
                         blob_url(joined({cont, "/", folder}), cont_token), o);
  }

  /// A RESTORE as the service runs it: `<container>/<folder>` into the share's root, with
  /// overwrite ifSourceNewer (and CopyOptions::keep_directories when @p keep_directories).
  AzCopySummary restore_folder(const std::string& cont, const std::string& cont_token,
                               const std::string& share_name, const std::string& share_token,
                               const std::string& folder = "project",
                               bool keep_directories = false) {
    CopyOptions o;
    o.from_to = "BlobFile";
    o.overwrite = "ifSourceNewer";
    o.keep_directories = keep_directories;
    return copy_and_wait(blob_url(joined({cont, "/", folder}), cont_token),
                         file_url(share_name, share_token), o);
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

  /// No signature in anything written for the test: the runner's records and outputs and
  /// AzCopy's plans and logs (all below dir_), and the storage's own logs (files.log,
  /// proxy.log, ...: the top level of the storage dir). The shares' contents and Azurite's data
  /// hold only the copied test files (over a gigabyte by the end of the suite): not read. One
  /// file in memory at a time.
  void expect_no_signature_in_written_files(const std::vector<std::string>& sigs) const {
    for (const auto& sig : sigs) {
      ASSERT_GE(sig.size(), 20U);
    }
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir_.path(), ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file()) {
        files.push_back(it->path());
      }
    }
    for (const auto& entry : fs::directory_iterator(fs::path(files_dir_).parent_path(), ec)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path());
      }
    }
    ASSERT_FALSE(files.empty());
    for (const auto& file : files) {
      const std::string content = slurp(file);
      for (const auto& sig : sigs) {
        EXPECT_THAT(content, ::testing::Not(::testing::HasSubstr(sig))) << file;
      }
    }
  }

  /// The Files test server answers 501 to an operation (or method) it does not serve, and logs
  /// it "unknown": none may occur since this test began.
  void expect_no_unknown_operation() const {
    const std::string log = slurp(files_log());
    const std::string mine = log.substr(std::min(files_log_start_, log.size()));
    EXPECT_THAT(mine, ::testing::Not(::testing::HasSubstr("\"unknown\": true")));
  }

  std::size_t files_log_start_ = 0;  ///< files.log's size when the test began
  std::string file_endpoint_ = env_or_empty("AZCOPY_RUNNER_TEST_FILE_ENDPOINT");
  std::string files_dir_ = env_or_empty("AZCOPY_RUNNER_TEST_FILES_DIR");
  std::string faults_dir_ = env_or_empty("AZCOPY_RUNNER_TEST_FAULTS_DIR");
  std::vector<fs::path> fault_rules_;
};

}  // namespace azcopy_runner::integration
