// SPDX-License-Identifier: MIT
// Internal: what one summary message holds (a JSON MessageContent, or a text summary block or
// progress line), and the SAX reader of the JSON ones: no DOM is built, only the fields used are
// kept, FailedTransfers is bounded while it is read, and nesting depth costs no recursion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner::detail {

struct SummaryFields {
  bool has_status = false;    ///< A top-level JobStatus string.
  bool has_counters = false;  ///< A top-level TotalTransfers / TransfersCompleted / ...
  std::string job_id;
  std::string job_status;
  std::string error_msg;  ///< Redacted, bounded.
  std::string log_file;   ///< Init's LogFileLocation.
  std::int64_t total_transfers = 0;
  std::int64_t file_transfers = 0;
  std::int64_t transfers_completed = 0;
  std::int64_t folder_transfers = 0;  ///< FolderPropertyTransfers (folders among TotalTransfers).
  std::int64_t folders_completed = 0;
  std::int64_t folders_failed = 0;
  std::int64_t folders_skipped = 0;
  std::int64_t transfers_failed = 0;
  std::int64_t transfers_skipped = 0;
  std::int64_t bytes_transferred = 0;
  std::int64_t bytes_expected = 0;
  std::int64_t bytes_enumerated = 0;
  double percent = 0.0;
  std::vector<FailedFile> failed_files;  ///< At most kMaxFailedFiles, redacted.
  std::int64_t failed_omitted = 0;       ///< Entries seen beyond the bound.

  [[nodiscard]] bool is_summary() const noexcept { return has_status || has_counters; }
};

/// Parses a summary / Init object. False (and @p fields unusable) when it is not valid JSON.
bool parse_summary_content(std::string_view content, SummaryFields& fields);

/// parse_summary_content() of the characters @p literal denotes, without decoding it whole,
/// keeping at most @p keep entries of each list.
bool parse_summary_literal(std::string_view literal, SummaryFields& fields, std::size_t keep);

}  // namespace azcopy_runner::detail
