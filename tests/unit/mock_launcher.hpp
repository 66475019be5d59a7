// SPDX-License-Identifier: MIT
// A GMock ProcessLauncher, and helpers to feed it recorded AzCopy output.
#pragma once

#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "azcopy_runner/process.hpp"

namespace azcopy_runner::testing {

class MockLauncher : public ProcessLauncher {
 public:
  MOCK_METHOD(ProcessIdentity, spawn_detached, (const DetachedSpec&), (override));
  MOCK_METHOD(std::optional<ExitStatus>, try_reap, (const ProcessIdentity&), (override));
  MOCK_METHOD(RunResult, run, (const ProcessSpec&, std::chrono::milliseconds, std::size_t),
              (override));
  MOCK_METHOD(Liveness, probe, (const ProcessIdentity&), (override));
  MOCK_METHOD(bool, send_signal, (const ProcessIdentity&, int), (override));
};

inline std::filesystem::path fixture_dir() { return AZCOPY_RUNNER_FIXTURES_DIR; }

/// The bytes of a recorded fixture, e.g. fixture("10.32.2", "copy_json_completed.stdout").
inline std::string fixture(const std::string& version, const std::string& name) {
  std::ifstream in(fixture_dir() / version / name, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + version + "/" + name);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// A recorded output of tests/data/azcopy-folders (jobs that transfer folders).
inline std::string folder_fixture(const std::string& version, const std::string& name) {
  return fixture("../azcopy-folders/" + version, name);
}

/// A case of the fixture manifest (command, exit_code, job_id, expect).
inline nlohmann::json manifest_case(const std::string& version, const std::string& name) {
  return nlohmann::json::parse(fixture(version, "manifest.json")).at("cases").at(name);
}

inline RunResult exited_with(int code, std::string out, std::string err = {}) {
  RunResult r;
  r.exit = ExitStatus{code, 0};
  r.out = std::move(out);
  r.err = std::move(err);
  return r;
}

/// Matches a ProcessSpec whose arguments start with the given words.
MATCHER_P(ArgsStartWith, words, "") {
  const std::vector<std::string>& args = arg.args;
  if (args.size() < words.size()) {
    return false;
  }
  return std::equal(words.begin(), words.end(), args.begin());
}

}  // namespace azcopy_runner::testing
