// SPDX-License-Identifier: MIT
// Runs LLVMFuzzerTestOneInput over files, without libFuzzer: builds with any compiler, so that
// the corpus (fuzz/corpus) is a regression test of every build (CTest: fuzz_corpus_replay).
//
// Usage: azcopy_runner_fuzz_replay PATH...
//   Each PATH is a file or a directory (read recursively). Files are run in path order.
//   Exit status 0 when at least one input ran; a failed invariant aborts the process.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open " + path.string());
  }
  std::vector<std::uint8_t> bytes;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    bytes.resize(static_cast<std::size_t>(size));
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as chars.
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    if (in.gcount() != static_cast<std::streamsize>(size)) {
      throw std::runtime_error("cannot read " + path.string());
    }
  }
  return bytes;
}

std::vector<fs::path> collect(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    if (fs::is_directory(arg)) {
      for (const fs::directory_entry& entry : fs::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) {
          files.push_back(entry.path());
        }
      }
    } else if (fs::is_regular_file(arg)) {
      files.push_back(arg);
    } else {
      throw std::runtime_error("no such file or directory: " + arg.string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: azcopy_runner_fuzz_replay FILE_OR_DIR...\n";
    return 2;
  }
  try {
    const std::vector<fs::path> files = collect(argc, argv);
    if (files.empty()) {
      std::cerr << "azcopy_runner_fuzz_replay: no input file found\n";
      return 1;
    }
    std::size_t bytes = 0;
    for (const fs::path& file : files) {
      const std::vector<std::uint8_t> data = read_file(file);
      // Printed before the run: a crash names its input.
      std::cerr << "running " << file.string() << " (" << data.size() << " bytes)\n";
      LLVMFuzzerTestOneInput(data.data(), data.size());
      bytes += data.size();
    }
    std::cout << "azcopy_runner_fuzz_replay: " << files.size() << " inputs (" << bytes
              << " bytes) ran, no invariant violated\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "azcopy_runner_fuzz_replay: " << e.what() << '\n';
    return 1;
  }
}
