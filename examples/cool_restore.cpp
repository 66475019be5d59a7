// SPDX-License-Identifier: MIT
// COOL then RESTORE, as the Euphrosyne service runs them, verified the way it verifies them:
// start the copy, wait with a progress callback, then compare the summary with the figures the
// service computes from its own inventory of the project (files, bytes and directories). Any
// mismatch is a failure. Both copies keep the directories (CopyOptions::keep_directories): the
// COOL writes a directory stub per directory, the RESTORE makes them back, empty ones included.
//
//   example_cool_restore FILE_ENDPOINT SHARE PROJECT BLOB_ENDPOINT CONTAINER RESTORE_SHARE SAS
//                        PROJECT_DIR
//
//   COOL:    a Files share to a Blob container, from_to = "FileBlob"
//            from <FILE_ENDPOINT>/<SHARE>/<PROJECT>/*?<SAS>
//            to   <BLOB_ENDPOINT>/<CONTAINER>/<PROJECT>?<SAS>
//   RESTORE: back into a fresh share, from_to = "BlobFile", overwrite = "ifSourceNewer"
//            from <BLOB_ENDPOINT>/<CONTAINER>/<PROJECT>?<SAS>
//            to   <FILE_ENDPOINT>/<RESTORE_SHARE>?<SAS>
//            (which makes <RESTORE_SHARE>/<PROJECT>/...)
//
// An endpoint is https://<account>.file.core.windows.net / .blob.core.windows.net in production
// (locally: scripts/storage.sh, docs/EMULATORS.md). SAS is an account SAS valid on both services
// (ss=bf). PROJECT_DIR is the project's tree as the service knows it, here read from disk; the
// expected figures are computed from it. Nothing printed contains a SAS.
#include <azcopy_runner/azcopy_runner.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>

namespace fs = std::filesystem;
using namespace azcopy_runner;

namespace {

/// What a copy of the project must transfer, from the service's inventory.
struct Expected {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
  std::int64_t dirs = 0;        ///< Every directory below the project's root.
  std::int64_t empty_dirs = 0;  ///< Of which empty (Blob has none: kept as directory stubs).
};

Expected inventory(const fs::path& root) {
  Expected e;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      ++e.files;
      e.bytes += static_cast<std::int64_t>(entry.file_size());
    } else if (entry.is_directory()) {
      ++e.dirs;
      e.empty_dirs += fs::is_empty(entry.path()) ? 1 : 0;
    }
  }
  return e;
}

/// Runs one copy to the end and checks it against what was expected.
bool run_and_verify(AzCopyRunner& runner, const std::string& name, const std::string& source,
                    const std::string& destination, const CopyOptions& options,
                    const Expected& expected) {
  const AzCopyJobRef job = runner.start_copy(source, destination, options);
  std::cout << name << ": job " << job.job_id << " (command: ";
  for (const auto& arg : job.command) {
    std::cout << arg << ' ';  // redacted by the runner: no SAS here
  }
  std::cout << ")\n";
  const AzCopySummary s =
      runner.wait(job.job_id, std::chrono::hours(2), std::chrono::milliseconds(500),
                  [&](const AzCopyProgress& p) {
                    std::cout << "  " << name << " " << to_string(p.state) << " "
                              << p.files_transferred << "/" << p.files_total << " files, "
                              << p.bytes_transferred << "/" << p.bytes_expected << " bytes\n";
                  });
  bool ok = true;
  if (s.state != AzCopyJobState::Succeeded) {
    std::cout << name << ": job ended " << to_string(s.state) << " (" << s.raw_status << ")\n";
    ok = false;
  }
  if (s.files_transferred != expected.files) {
    std::cout << name << ": " << s.files_transferred << " files transferred, expected "
              << expected.files << "\n";
    ok = false;
  }
  if (s.bytes_transferred != expected.bytes) {
    std::cout << name << ": " << s.bytes_transferred << " bytes transferred, expected "
              << expected.bytes << "\n";
    ok = false;
  }
  if (s.failed_transfers != 0) {
    std::cout << name << ": " << s.failed_transfers << " failed transfers\n";
    ok = false;
  }
  // Directories are counted apart from files: every one written (COOL: a stub each) or made
  // (RESTORE), empty ones included.
  const std::int64_t dirs_made = s.directories ? s.directories->made : -1;
  if (dirs_made != expected.dirs) {
    std::cout << name << ": " << dirs_made << " directories made, expected " << expected.dirs
              << "\n";
    ok = false;
  }
  std::cout << name << (ok ? ": verified" : ": VERIFICATION FAILED") << " (" << s.files_transferred
            << " files, " << s.bytes_transferred << " bytes, " << dirs_made << " directories)\n";
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 9) {
    std::cerr << "usage: example_cool_restore FILE_ENDPOINT SHARE PROJECT BLOB_ENDPOINT CONTAINER "
                 "RESTORE_SHARE SAS PROJECT_DIR\n";
    return 2;
  }
  const std::string file_endpoint = argv[1];
  const std::string share = argv[2];
  const std::string project = argv[3];
  const std::string blob_endpoint = argv[4];
  const std::string container = argv[5];
  const std::string restore_share = argv[6];
  const std::string sas = argv[7];
  const fs::path project_dir = argv[8];
  try {
    AzCopyRunner runner(RunnerConfig::from_env());
    const Expected expected = inventory(project_dir);
    std::cout << "project " << project << ": " << expected.files << " files, " << expected.bytes
              << " bytes, " << expected.dirs << " directories (" << expected.empty_dirs
              << " empty)\n";

    // COOL: the project's contents ("/*") into <container>/<project>.
    const std::string blob_project = blob_endpoint + "/" + container + "/" + project + "?" + sas;
    CopyOptions cool;
    cool.from_to = "FileBlob";
    cool.overwrite = "true";
    cool.keep_directories = true;
    const bool cooled =
        run_and_verify(runner, "COOL", file_endpoint + "/" + share + "/" + project + "/*?" + sas,
                       blob_project, cool, expected);

    // RESTORE: <container>/<project> into the (empty) restore share, as <restore share>/<project>.
    // Only after a verified COOL: the service never restores what it could not check.
    bool restored = false;
    if (cooled) {
      CopyOptions restore;
      restore.from_to = "BlobFile";
      restore.overwrite = "ifSourceNewer";
      restore.keep_directories = true;
      restored = run_and_verify(runner, "RESTORE", blob_project,
                                file_endpoint + "/" + restore_share + "?" + sas, restore, expected);
    }
    return cooled && restored ? 0 : 1;
  } catch (const AzCopyError& e) {
    std::cerr << e.type_name() << ": " << e.what() << "\n" << e.excerpt() << "\n";
    return 1;
  } catch (const std::exception& e) {  // e.g. PROJECT_DIR unreadable
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
