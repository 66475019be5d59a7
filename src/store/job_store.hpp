// SPDX-License-Identifier: MIT
// Internal: the runner's job store, one directory per job under the log root (record.hpp has
// the layout and the record's format), the staging directories of starts, and job ids.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/types.hpp"
#include "store/job_id.hpp"
#include "store/record.hpp"

namespace spdlog {
class logger;
}

namespace azcopy_runner::detail {

/// The (inode, size, mtime s, mtime ns) of a record file: it changes when the record does.
using RecordIdentity = std::array<std::int64_t, 4>;

/// The name of a staging directory (make_start_dir()) starts with this.
inline constexpr std::string_view kStagingPrefix = ".starting-";

class JobStore {
 public:
  /// Makes and checks @p root (dirs.hpp).
  /// @throws AzCopyStartError naming it and why when it is not usable.
  JobStore(std::filesystem::path root, std::shared_ptr<spdlog::logger> log);

  /// The log root: one directory per job.
  [[nodiscard]] const std::filesystem::path& root() const { return root_; }

  /// The record of @p job_id; std::nullopt when there is none or it is unreadable.
  [[nodiscard]] std::optional<JobRecord> load(const JobId& job_id) const;

  /// Writes the record (atomically); a failure is logged: polling still works without it.
  void save(const JobRecord& record);

  /// Whether the store has a directory for @p job_id.
  [[nodiscard]] bool knows(const JobId& job_id) const;

  /// The identity of @p job_id's record file, if it exists.
  [[nodiscard]] std::optional<RecordIdentity> record_identity(const JobId& job_id) const;

  /// Every job with a readable record, newest first.
  [[nodiscard]] std::vector<JobRecordInfo> list() const;

  /// A new private directory for the output of a starting AzCopy: `<root>/.starting-<random>`,
  /// or, when the root is full or not writable, a private one in the temp dir (warned).
  /// @throws AzCopyStartError when neither can be made.
  [[nodiscard]] std::filesystem::path make_start_dir() const;

  /// Whether @p dir is one of this store's staging directories (not a temp-dir fallback).
  [[nodiscard]] bool is_staging_dir(const std::filesystem::path& dir) const;

  /// Renames staging directory @p dir to @p final_dir; returns where the files are then
  /// (@p dir when the rename failed, which is logged).
  [[nodiscard]] std::filesystem::path move_start_dir(const std::filesystem::path& dir,
                                                     const std::filesystem::path& final_dir) const;

 private:
  std::filesystem::path root_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex save_mutex_;
};

}  // namespace azcopy_runner::detail
