// SPDX-License-Identifier: MIT
// What the parser tests share: the recorded fixtures and their manifests, and synthetic AzCopy
// JSON messages.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace azcopy_runner::parse_testing {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::string content(static_cast<std::size_t>(fs::file_size(path)), '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  return content;
}

inline const fs::path& fixtures_dir() {
  static const fs::path dir{AZCOPY_RUNNER_FIXTURES_DIR};
  return dir;
}

inline const std::vector<std::string>& versions() {
  static const std::vector<std::string> list{"10.18.1", "10.32.2"};
  return list;
}

inline const json& manifest(const std::string& version) {
  static std::map<std::string, json> cache;
  auto it = cache.find(version);
  if (it == cache.end()) {
    it = cache.emplace(version, json::parse(read_file(fixtures_dir() / version / "manifest.json")))
             .first;
  }
  return it->second;
}

/// The recorded stdout of case @p name.
inline std::string fixture(const std::string& version, const std::string& name) {
  return read_file(fixtures_dir() / version / (name + ".stdout"));
}

inline std::int64_t to_int(const json& value) { return std::stoll(value.get<std::string>()); }

inline std::string message(std::string_view type, std::string_view content,
                           std::string_view ts = "2026-11-29T18:23:10.30122744Z",
                           std::string_view prompt_type = "") {
  json j;
  j["TimeStamp"] = ts;
  j["MessageType"] = type;
  j["MessageContent"] = content;
  j["PromptDetails"] = {
      {"PromptType", prompt_type}, {"ResponseOptions", nullptr}, {"PromptTarget", ""}};
  return j.dump() + "\n";
}

inline constexpr std::string_view kJobId = "cdebef2f-dca8-a446-7a8a-d6df4a35d1dd";

inline json summary_json(std::string_view status, int completed = 4, int failed = 0,
                         int skipped = 0) {
  return json{{"ErrorMsg", ""},
              {"JobID", kJobId},
              {"JobStatus", status},
              {"TotalTransfers", std::to_string(completed + failed + skipped)},
              {"FileTransfers", std::to_string(completed + failed + skipped)},
              {"TransfersCompleted", std::to_string(completed)},
              {"FoldersCompleted", "0"},
              {"TransfersFailed", std::to_string(failed)},
              {"TransfersSkipped", std::to_string(skipped)},
              {"TotalBytesTransferred", "600003"},
              {"TotalBytesExpected", "600003"},
              {"PercentComplete", "100"},
              {"FailedTransfers", nullptr},
              {"SkippedTransfers", nullptr}};
}

inline std::string init(std::string_view id = kJobId) {
  return message("Init", json{{"LogFileLocation", "/logs/" + std::string(id) + ".log"},
                              {"JobID", id},
                              {"IsCleanupJob", false}}
                             .dump());
}

}  // namespace azcopy_runner::parse_testing
