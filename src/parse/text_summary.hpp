// SPDX-License-Identifier: MIT
// Internal: AzCopy's text output: summary blocks ("Job <id> summary" ... "Final Job Status:"),
// progress lines, and the texts that mark prompts, unknown jobs and errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parse/summary_json.hpp"

namespace azcopy_runner::detail {

struct TextBlock {
  bool open = false;
  std::string job_id;
  int labels = 0;
  bool final_status = false;
  std::optional<std::int64_t> total, file_transfers, folder_transfers;
  std::optional<std::int64_t> files_completed, folders_completed, all_completed;
  std::optional<std::int64_t> files_failed, folders_failed, all_failed;
  std::optional<std::int64_t> files_skipped, folders_skipped, all_skipped;
  std::optional<std::int64_t> bytes_transferred;
  std::optional<double> percent;
  std::string status;
};

/// Reads a "Label: value" line into @p block. False when the line is not a label line.
bool read_label_line(std::string_view line, TextBlock& block);

/// The summary a block of label lines gives.
SummaryFields fields_from_block(const TextBlock& block);

/// Reads "66.7 %, 3 Done, 1 Failed, 0 Pending, 0 Skipped, 4 Total, 2-sec Throughput ...".
std::optional<SummaryFields> read_progress_line(std::string_view line);

/// AzCopy's Cancel prompt ("are you sure you want to cancel", ...).
bool is_cancel_prompt_text(std::string_view text) noexcept;

/// "no job with JobId ... exists" / "invalid jobId given".
bool is_not_found_text(std::string_view text) noexcept;

/// A text line that reads as an AzCopy error (not INFO, not a summary line).
bool is_text_error_line(std::string_view line) noexcept;

}  // namespace azcopy_runner::detail
