// SPDX-License-Identifier: MIT
// A host program for the fault tests: starts one copy, prints its job id, then waits to be
// killed (the test SIGKILLs it mid-job to show that the job survives its starter).
//   start_job_helper AZCOPY WORK_DIR LOG_DIR SRC DST FROM_TO [EXTRA_ARG...]
#include <azcopy_runner/azcopy_runner.hpp>

#include <chrono>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
  if (argc < 7) {
    std::cerr << "usage: start_job_helper AZCOPY WORK_DIR LOG_DIR SRC DST FROM_TO [EXTRA...]\n";
    return 2;
  }
  azcopy_runner::RunnerConfig config;
  config.azcopy_path = argv[1];
  config.work_dir = argv[2];
  config.log_dir = argv[3];
  azcopy_runner::CopyOptions options;
  options.from_to = argv[6];
  for (int i = 7; i < argc; ++i) {
    options.extra_args.emplace_back(argv[i]);
  }
  try {
    azcopy_runner::AzCopyRunner runner(config);
    const auto ref = runner.start_copy(argv[4], argv[5], options);
    std::cout << ref.job_id << " " << ref.pid << std::endl;
    std::this_thread::sleep_for(std::chrono::hours(1));
  } catch (const azcopy_runner::AzCopyError& e) {
    std::cerr << e.type_name() << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
