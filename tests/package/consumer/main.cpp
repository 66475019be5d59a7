// SPDX-License-Identifier: MIT
// Uses the public API of an installed or vendored azcopy-runner; exits 0 when it works.
#include <azcopy_runner/azcopy_runner.hpp>

#include <iostream>

int main() {
  using namespace azcopy_runner;
  const std::string output =
      R"({"TimeStamp":"2026-11-29T18:23:12.304441214Z","MessageType":"EndOfJob","MessageContent":"{\"JobID\":\"cdebef2f-dca8-a446-7a8a-d6df4a35d1dd\",\"JobStatus\":\"Completed\",\"TotalTransfers\":\"4\",\"TransfersCompleted\":\"4\",\"TotalBytesTransferred\":\"600003\"}"})"
      "\n";
  const AzCopySummary s = parse_summary(output);
  if (s.state != AzCopyJobState::Succeeded || s.files_transferred != 4 ||
      s.bytes_transferred != 600003) {
    std::cerr << "unexpected summary: " << to_json(s) << "\n";
    return 1;
  }
  RunnerConfig config;
  config.azcopy_path = "/nonexistent/azcopy";
  config.work_dir = "/tmp/azcopy-runner-consumer";
  AzCopyRunner runner(config);
  try {
    runner.poll("cdebef2f-dca8-a446-7a8a-d6df4a35d1dd");
  } catch (const AzCopyNotInstalledError& e) {
    std::cout << "consumer ok (library " << kVersion << "): " << e.type_name() << "\n";
    return 0;
  }
  std::cerr << "no AzCopyNotInstalledError\n";
  return 1;
}
