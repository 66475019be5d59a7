// SPDX-License-Identifier: MIT
#include "parse/text_summary.hpp"

#include "text/parse_text.hpp"

namespace azcopy_runner::detail {

namespace {

/// "Number of File Transfers Completed" -> "number of file transfers completed". Empty when the
/// text cannot be a summary label (labels are words, spaces and parentheses).
std::string normalize_label(std::string_view label) {
  std::string out;
  if (label.size() > 80) {
    return out;
  }
  bool pending_space = false;
  for (const char c : label) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (!is_alpha(c) && c != '(' && c != ')') {
      return {};
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(ascii_lower(c));
  }
  return out;
}

/// Total of a "File ... / Folder ..." pair, or the older single "Number of Transfers ..." line.
/// Text prints files as TransfersX - FoldersX (AzCopy source), so the sum is TransfersX.
std::int64_t combine(const std::optional<std::int64_t>& all,
                     const std::optional<std::int64_t>& files,
                     const std::optional<std::int64_t>& folders) {
  if (all) {
    return *all;
  }
  return saturating_add(files.value_or(0), folders.value_or(0));
}

}  // namespace

bool read_label_line(std::string_view line, TextBlock& block) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  const std::string label = normalize_label(line.substr(0, colon));
  if (label.empty()) {
    return false;
  }
  const std::string_view value = trim(line.substr(colon + 1));
  const auto counter = [&value]() { return parse_counter_text(value); };
  if (label == "final job status") {
    block.status = redact_prefix(value, kMaxShortFieldBytes);
    block.final_status = true;
  } else if (label == "total number of transfers") {  // "Total Number Of Transfers" (older)
    block.total = counter();
  } else if (label == "number of file transfers") {
    block.file_transfers = counter();
  } else if (label == "number of folder property transfers") {
    block.folder_transfers = counter();
  } else if (label == "number of file transfers completed") {
    block.files_completed = counter();
  } else if (label == "number of folder transfers completed") {
    block.folders_completed = counter();
  } else if (label == "number of transfers completed") {  // AzCopy before 10.18
    block.all_completed = counter();
  } else if (label == "number of file transfers failed") {
    block.files_failed = counter();
  } else if (label == "number of folder transfers failed") {
    block.folders_failed = counter();
  } else if (label == "number of transfers failed") {
    block.all_failed = counter();
  } else if (label == "number of file transfers skipped") {
    block.files_skipped = counter();
  } else if (label == "number of folder transfers skipped") {
    block.folders_skipped = counter();
  } else if (label == "number of transfers skipped") {
    block.all_skipped = counter();
  } else if (label == "total number of bytes transferred" || label == "totalbytestransferred") {
    block.bytes_transferred = counter();
  } else if (label == "percent complete (approx)" || label == "percent complete") {
    block.percent = parse_percent_text(value);
  }
  // Unknown labels (Elapsed Time, Symlinks, Hardlinks, ...) are tolerated and ignored.
  ++block.labels;
  return true;
}

SummaryFields fields_from_block(const TextBlock& block) {
  SummaryFields f;
  f.has_status = block.final_status;
  f.has_counters = true;
  f.job_id = block.job_id;
  f.job_status = block.status;
  f.total_transfers = block.total.value_or(0);
  f.file_transfers = block.file_transfers.value_or(0);
  f.transfers_completed =
      combine(block.all_completed, block.files_completed, block.folders_completed);
  f.folder_transfers = block.folder_transfers.value_or(0);
  f.folders_completed = block.folders_completed.value_or(0);
  f.folders_failed = block.folders_failed.value_or(0);
  f.folders_skipped = block.folders_skipped.value_or(0);
  f.transfers_failed = combine(block.all_failed, block.files_failed, block.folders_failed);
  f.transfers_skipped = combine(block.all_skipped, block.files_skipped, block.folders_skipped);
  f.bytes_transferred = block.bytes_transferred.value_or(0);  // older `jobs show`: no such line
  f.percent = block.percent.value_or(0.0);
  return f;
}

std::optional<SummaryFields> read_progress_line(std::string_view line) {
  if (line.empty() || !is_digit(line.front())) {
    return std::nullopt;
  }
  const std::size_t percent_sign = line.find('%');
  if (percent_sign > 32) {  // also npos
    return std::nullopt;
  }
  SummaryFields f;
  f.percent = parse_percent_text(line.substr(0, percent_sign));
  bool has_done = false;
  bool has_total = false;
  std::string_view rest = line.substr(percent_sign + 1);
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view token =
        trim(comma == std::string_view::npos ? rest : rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    std::size_t digits = 0;
    while (digits < token.size() && is_digit(token[digits])) {
      ++digits;
    }
    if (digits == 0 || digits == token.size() || token[digits] != ' ') {
      continue;
    }
    const std::int64_t value = parse_counter_text(token.substr(0, digits));
    std::string_view word = token.substr(digits + 1);
    std::size_t word_len = 0;
    while (word_len < word.size() && is_alpha(word[word_len])) {
      ++word_len;
    }
    word = word.substr(0, word_len);
    if (word == "Done") {
      f.transfers_completed = value;
      has_done = true;
    } else if (word == "Failed") {
      f.transfers_failed = value;
    } else if (word == "Skipped") {
      f.transfers_skipped = value;
    } else if (word == "Total") {
      f.total_transfers = value;
      has_total = true;
    }
  }
  if (!has_done || !has_total) {
    return std::nullopt;
  }
  f.has_counters = true;
  return f;
}

bool is_cancel_prompt_text(std::string_view text) noexcept {
  return icontains(text, "cancelling the job at this point") ||
         icontains(text, "are you sure you want to cancel");
}

bool is_not_found_text(std::string_view text) noexcept {
  return icontains(text, "no job with jobid") || icontains(text, "invalid jobid given");
}

bool is_text_error_line(std::string_view line) noexcept {
  return istarts_with(line, "error") || istarts_with(line, "failed to") ||
         istarts_with(line, "cannot perform") || istarts_with(line, "panic:") ||
         istarts_with(line, "fatal") || istarts_with(line, "list progress summary of job failed") ||
         icontains(line, "due to error") || is_not_found_text(line);
}

}  // namespace azcopy_runner::detail
