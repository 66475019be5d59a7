// SPDX-License-Identifier: MIT
#include "parse/summary_json.hpp"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "parse/json_stream.hpp"
#include "text/parse_text.hpp"

namespace azcopy_runner::detail {

using json = nlohmann::json;

namespace {

enum class SummaryKey {
  Other,
  JobId,
  JobStatus,
  ErrorMsg,
  LogFileLocation,
  TotalTransfers,
  FileTransfers,
  TransfersCompleted,
  FolderPropertyTransfers,
  FoldersCompleted,
  FoldersFailed,
  FoldersSkipped,
  TransfersFailed,
  TransfersSkipped,
  TotalBytesTransferred,
  TotalBytesExpected,
  TotalBytesEnumerated,
  PercentComplete,
  FailedTransfers,
};

SummaryKey summary_key(std::string_view k) noexcept {
  static constexpr std::array<std::pair<std::string_view, SummaryKey>, 18> kKeys{{
      {"JobID", SummaryKey::JobId},
      {"JobStatus", SummaryKey::JobStatus},
      {"ErrorMsg", SummaryKey::ErrorMsg},
      {"LogFileLocation", SummaryKey::LogFileLocation},
      {"TotalTransfers", SummaryKey::TotalTransfers},
      {"FileTransfers", SummaryKey::FileTransfers},
      {"TransfersCompleted", SummaryKey::TransfersCompleted},
      {"FolderPropertyTransfers", SummaryKey::FolderPropertyTransfers},
      {"FoldersCompleted", SummaryKey::FoldersCompleted},
      {"FoldersFailed", SummaryKey::FoldersFailed},
      {"FoldersSkipped", SummaryKey::FoldersSkipped},
      {"TransfersFailed", SummaryKey::TransfersFailed},
      {"TransfersSkipped", SummaryKey::TransfersSkipped},
      {"TotalBytesTransferred", SummaryKey::TotalBytesTransferred},
      {"TotalBytesExpected", SummaryKey::TotalBytesExpected},
      {"TotalBytesEnumerated", SummaryKey::TotalBytesEnumerated},
      {"PercentComplete", SummaryKey::PercentComplete},
      {"FailedTransfers", SummaryKey::FailedTransfers},
  }};
  for (const auto& [name, key] : kKeys) {
    if (name == k) {
      return key;
    }
  }
  return SummaryKey::Other;
}

enum class EntryKey { Other, Src, Dst, TransferStatus, TransferSize, ErrorCode };

EntryKey entry_key(std::string_view k) noexcept {
  if (k == "Src") {
    return EntryKey::Src;
  }
  if (k == "Dst") {
    return EntryKey::Dst;
  }
  if (k == "TransferStatus") {
    return EntryKey::TransferStatus;
  }
  if (k == "TransferSize") {
    return EntryKey::TransferSize;
  }
  if (k == "ErrorCode") {
    return EntryKey::ErrorCode;
  }
  return EntryKey::Other;
}

/// SAX handler for a summary / Init object. Keeps the top-level scalars it knows and the first
/// kMaxFailedFiles entries of FailedTransfers; counts the other entries. Everything else
/// (SkippedTransfers, PerformanceAdvice, nested values, unknown fields) is skipped.
class SummaryHandler {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit SummaryHandler(SummaryFields& fields) : f_(fields) {}

  bool null() { return scalar_done(); }
  bool boolean(bool /*value*/) { return scalar_done(); }

  bool number_integer(number_integer_t value) {
    if (depth_ == 1) {
      set_top_counter(value < 0 ? 0 : static_cast<std::int64_t>(value), static_cast<double>(value));
    } else if (in_entry_field()) {
      if (entry_key_ == EntryKey::TransferSize) {
        entry_.size = value < 0 ? 0 : static_cast<std::int64_t>(value);
      } else if (entry_key_ == EntryKey::ErrorCode) {
        entry_.error_code = std::to_string(value);
      }
    }
    return scalar_done();
  }

  bool number_unsigned(number_unsigned_t value) {
    const std::int64_t clamped = value > static_cast<number_unsigned_t>(kInt64Max)
                                     ? kInt64Max
                                     : static_cast<std::int64_t>(value);
    if (depth_ == 1) {
      set_top_counter(clamped, static_cast<double>(value));
    } else if (in_entry_field()) {
      if (entry_key_ == EntryKey::TransferSize) {
        entry_.size = clamped;
      } else if (entry_key_ == EntryKey::ErrorCode) {
        entry_.error_code = std::to_string(value);
      }
    }
    return scalar_done();
  }

  bool number_float(number_float_t value, const string_t& /*text*/) {
    if (depth_ == 1) {
      set_top_counter(clamp_from_double(value), value);
    } else if (in_entry_field() && entry_key_ == EntryKey::TransferSize) {
      entry_.size = clamp_from_double(value);
    }
    return scalar_done();
  }

  bool string(string_t& value) {
    if (depth_ == 1) {
      set_top_string(value);
    } else if (in_entry_field()) {
      switch (entry_key_) {
        case EntryKey::Src:
          entry_.source = redact_prefix(value, kMaxEntryFieldBytes);
          break;
        case EntryKey::Dst:
          entry_.destination = redact_prefix(value, kMaxEntryFieldBytes);
          break;
        case EntryKey::TransferStatus:
          entry_.transfer_status = redact_prefix(value, kMaxShortFieldBytes);
          break;
        case EntryKey::TransferSize:
          entry_.size = parse_counter_text(value);
          break;
        case EntryKey::ErrorCode:
          entry_.error_code = redact_prefix(value, kMaxShortFieldBytes);
          break;
        case EntryKey::Other:
          break;
      }
    }
    return scalar_done();
  }

  bool binary(binary_t& /*value*/) { return scalar_done(); }

  bool start_object(std::size_t /*elements*/) {
    if (depth_ == 0) {
      root_seen_ = true;
    } else if (depth_ == 2 && failed_array_) {
      entry_open_ = true;
      keep_entry_ = f_.failed_files.size() < kMaxFailedFiles;
      entry_ = FailedFile{};
      entry_key_ = EntryKey::Other;
    }
    ++depth_;
    return true;
  }

  bool key(string_t& name) {
    if (depth_ == 1) {
      key_ = summary_key(name);
    } else if (depth_ == 3 && entry_open_) {
      entry_key_ = keep_entry_ ? entry_key(name) : EntryKey::Other;
    }
    return true;
  }

  bool end_object() {
    --depth_;
    if (depth_ == 2 && entry_open_) {
      entry_open_ = false;
      if (keep_entry_) {
        f_.failed_files.push_back(std::move(entry_));
      } else {
        f_.failed_omitted = saturating_add(f_.failed_omitted, 1);
      }
    }
    return true;
  }

  bool start_array(std::size_t /*elements*/) {
    if (depth_ == 0) {
      return false;  // Not an object: not a summary.
    }
    if (depth_ == 1 && key_ == SummaryKey::FailedTransfers) {
      failed_array_ = true;
    }
    ++depth_;
    return true;
  }

  bool end_array() {
    --depth_;
    if (depth_ == 1) {
      failed_array_ = false;
    }
    return scalar_done();
  }

  static bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                          const json::exception& /*ex*/) {
    return false;  // stop: the text is not (complete) JSON
  }

 private:
  [[nodiscard]] bool in_entry_field() const noexcept {
    return depth_ == 3 && entry_open_ && keep_entry_;
  }

  // A scalar at the root: not an object, not a summary.
  [[nodiscard]] bool scalar_done() const noexcept { return root_seen_; }

  void set_top_counter(std::int64_t value, double as_double) {
    switch (key_) {
      case SummaryKey::TotalTransfers:
        f_.total_transfers = value;
        f_.has_counters = true;
        break;
      case SummaryKey::FileTransfers:
        f_.file_transfers = value;
        break;
      case SummaryKey::TransfersCompleted:
        f_.transfers_completed = value;
        f_.has_counters = true;
        break;
      case SummaryKey::FolderPropertyTransfers:
        f_.folder_transfers = value;
        break;
      case SummaryKey::FoldersCompleted:
        f_.folders_completed = value;
        break;
      case SummaryKey::FoldersFailed:
        f_.folders_failed = value;
        break;
      case SummaryKey::FoldersSkipped:
        f_.folders_skipped = value;
        break;
      case SummaryKey::TransfersFailed:
        f_.transfers_failed = value;
        f_.has_counters = true;
        break;
      case SummaryKey::TransfersSkipped:
        f_.transfers_skipped = value;
        break;
      case SummaryKey::TotalBytesTransferred:
        f_.bytes_transferred = value;
        break;
      case SummaryKey::TotalBytesExpected:
        f_.bytes_expected = value;
        break;
      case SummaryKey::TotalBytesEnumerated:
        f_.bytes_enumerated = value;
        break;
      case SummaryKey::PercentComplete:
        f_.percent = clamp_percent(as_double);
        break;
      default:
        break;
    }
  }

  void set_top_string(std::string_view value) {
    switch (key_) {
      case SummaryKey::JobId:
        f_.job_id = value.size() <= kMaxShortFieldBytes ? std::string(value) : std::string();
        break;
      case SummaryKey::JobStatus:
        f_.job_status = redact_prefix(trim(value), kMaxShortFieldBytes);
        f_.has_status = true;
        break;
      case SummaryKey::ErrorMsg:
        f_.error_msg = redact_prefix(trim(value), kMaxExcerptBytes);
        break;
      case SummaryKey::LogFileLocation:
        f_.log_file = redact_prefix(trim(value), kMaxPathBytes);
        break;
      case SummaryKey::PercentComplete:
        f_.percent = parse_percent_text(value);
        break;
      default: {
        const std::int64_t counter = parse_counter_text(value);
        set_top_counter(counter, static_cast<double>(counter));
        break;
      }
    }
  }

  SummaryFields& f_;
  int depth_ = 0;
  bool root_seen_ = false;
  SummaryKey key_ = SummaryKey::Other;
  bool failed_array_ = false;
  bool entry_open_ = false;
  bool keep_entry_ = false;
  EntryKey entry_key_ = EntryKey::Other;
  FailedFile entry_;
};

}  // namespace

bool parse_summary_content(std::string_view content, SummaryFields& fields) {
  SummaryHandler handler(fields);
  try {
    return json::sax_parse(content.begin(), content.end(), &handler);
  } catch (const json::exception&) {
    return false;
  }
}

bool parse_summary_literal(std::string_view literal, SummaryFields& fields, std::size_t keep) {
  const Elision elision = find_elision(literal, keep);
  std::string kept;
  if (!elision.cuts.empty()) {
    std::size_t from = 0;
    for (const auto& [begin, end] : elision.cuts) {
      kept.append(literal.substr(from, begin - from));
      from = end;
    }
    kept.append(literal.substr(from));
    literal = kept;
  }
  SummaryHandler handler(fields);
  const char* first = literal.data();
  const char* last = literal.data() + literal.size();
  try {
    if (!json::sax_parse(UnescapingIterator(first, last), UnescapingIterator(last, last),
                         &handler)) {
      return false;
    }
  } catch (const json::exception&) {
    return false;
  }
  fields.failed_omitted = saturating_add(fields.failed_omitted, elision.failed_objects);
  return true;
}

}  // namespace azcopy_runner::detail
