// SPDX-License-Identifier: MIT
// A COOL-style operation then its RESTORE, verified the way the Euphrosyne service does it:
// start the copy, wait with a progress callback, then compare the summary with the figures
// computed from the source (files and bytes). Any mismatch is a failure.
//
//   example_cool_restore SOURCE_DIR CONTAINER_URL SAS RESTORE_DIR
//
// Against Azurite (no Azure Files emulator exists) COOL is LocalBlob and RESTORE BlobLocal.
// In production the same code runs with the Files share as source:
//   COOL:    from_to = "FileBlob", source
//   https://<acct>.file.core.windows.net/<share>/<project>?<sas>
//            destination https://<acct>.blob.core.windows.net/<container>/<project>?<sas>
//   RESTORE: from_to = "BlobFile", the other way round, overwrite = "ifSourceNewer".
#include <azcopy_runner/azcopy_runner.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>

namespace fs = std::filesystem;
using namespace azcopy_runner;

namespace {

struct Expected {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
};

Expected count(const fs::path& root) {
  Expected e;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      ++e.files;
      e.bytes += static_cast<std::int64_t>(entry.file_size());
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
    std::cout << arg << ' ';  // redacted: no SAS here
  }
  std::cout << ")\n";
  const AzCopySummary s = runner.wait(job.job_id, std::chrono::hours(2),
                                      std::chrono::milliseconds(500), [&](const AzCopyProgress& p) {
                                        std::cout << "  " << name << " " << to_string(p.state)
                                                  << " " << p.files_done << "/" << p.files_total
                                                  << " files, " << p.bytes_done << "/"
                                                  << p.bytes_expected << " bytes\n";
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
  std::cout << name << (ok ? ": verified" : ": VERIFICATION FAILED") << " (" << s.files_transferred
            << " files, " << s.bytes_transferred << " bytes)\n";
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: example_cool_restore SOURCE_DIR CONTAINER_URL SAS RESTORE_DIR\n";
    return 2;
  }
  const fs::path source = argv[1];
  const std::string container = argv[2];
  const std::string sas = argv[3];
  const fs::path restore_dir = argv[4];
  try {
    AzCopyRunner runner(RunnerConfig::from_env());
    const Expected expected = count(source);
    std::cout << "source: " << expected.files << " files, " << expected.bytes << " bytes\n";

    CopyOptions cool;
    cool.from_to = "LocalBlob";  // production: "FileBlob"
    cool.overwrite = "true";
    const bool cooled =
        run_and_verify(runner, "COOL", source.string(), container + "?" + sas, cool, expected);

    CopyOptions restore;
    restore.from_to = "BlobLocal";  // production: "BlobFile"
    restore.overwrite = "ifSourceNewer";
    fs::create_directories(restore_dir);
    const std::string project = container + "/" + source.filename().string() + "?" + sas;
    const bool restored =
        run_and_verify(runner, "RESTORE", project, restore_dir.string(), restore, expected);

    // The restored tree must be the source tree.
    const Expected back = count(restore_dir / source.filename());
    const bool same = back.files == expected.files && back.bytes == expected.bytes;
    if (!same) {
      std::cout << "restored tree: " << back.files << " files, " << back.bytes << " bytes\n";
    }
    return cooled && restored && same ? 0 : 1;
  } catch (const AzCopyError& e) {
    std::cerr << e.type_name() << ": " << e.what() << "\n" << e.excerpt() << "\n";
    return 1;
  }
}
