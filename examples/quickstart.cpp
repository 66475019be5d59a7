// SPDX-License-Identifier: MIT
// The smallest complete use of the library: copy SRC to DST and print the summary.
//   example_quickstart SRC DST [FROM_TO]
#include <azcopy_runner/azcopy_runner.hpp>

#include <chrono>
#include <iostream>

int main(int argc, char** argv) {
  using namespace azcopy_runner;
  if (argc < 3) {
    std::cerr << "usage: example_quickstart SRC DST [FROM_TO]\n";
    return 2;
  }
  try {
    AzCopyRunner runner(RunnerConfig::from_env());
    CopyOptions options;
    if (argc > 3) {
      options.from_to = argv[3];
    }
    const AzCopyJobRef job = runner.start_copy(argv[1], argv[2], options);
    std::cout << "job " << job.job_id << " started\n";
    const AzCopySummary summary = runner.wait(
        job.job_id, std::chrono::hours(1), std::chrono::seconds(1), [](const AzCopyProgress& p) {
          std::cout << to_string(p.state) << " " << p.files_transferred << "/" << p.files_total
                    << " files, " << p.bytes_transferred << " bytes\n";
        });
    std::cout << to_json(summary) << "\n";
    return summary.state == AzCopyJobState::Succeeded ? 0 : 1;
  } catch (const AzCopyError& e) {
    std::cerr << e.type_name() << ": " << e.what() << "\n" << e.excerpt() << "\n";
    return 1;
  }
}
