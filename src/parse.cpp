// SPDX-License-Identifier: MIT
// Parsers of AzCopy output (JSON lines or text, AzCopy 10.10 to 10.32).
//
// Design:
// - The input is scanned once as string_views, split into segments at '\n' and '\r' (text
//   progress lines are '\r'-separated; a JSON message never holds a raw CR or LF).
// - A segment starting with '{' is a JSON message. Both the envelope and the summary it holds
//   (MessageContent, JSON encoded a second time) are read with nlohmann's SAX interface: no DOM
//   is built, only the fields used are kept, FailedTransfers is bounded while it is read, and
//   nesting depth costs no recursion.
// - Any other segment is read as text: "Job <id> has started", summary blocks read by label,
//   progress lines, errors and warnings.
// Everything is linear in the size of the input.
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iterator>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "parse_detail.hpp"
#include "text.hpp"

namespace azcopy_runner {
namespace {

using json = nlohmann::json;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
/// Bound on one field of a failed-transfer entry (a path or a URL).
constexpr std::size_t kMaxEntryFieldBytes = std::size_t{8} * 1024;
/// Bound on short fields (job id, status, message type, timestamp).
constexpr std::size_t kMaxShortFieldBytes = 128;
/// Bound on a log file path.
constexpr std::size_t kMaxPathBytes = std::size_t{4} * 1024;
/// Bound on the AzCopy text quoted in a not-found / parse error message.
constexpr std::size_t kMaxErrorQuoteBytes = 1024;

// ---------------------------------------------------------------------------------------------
// Small text helpers (ASCII case folding; bytes >= 0x80 are compared verbatim).

constexpr char lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr bool is_hex_digit(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

constexpr bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower_ascii(a[i]) != lower_ascii(b[i])) {
      return false;
    }
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool iends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

/// Case-insensitive search of a short, lower-case @p needle.
bool icontains(std::string_view s, std::string_view needle) noexcept {
  if (needle.empty()) {
    return true;
  }
  if (s.size() < needle.size()) {
    return false;
  }
  const char first = needle.front();
  const std::size_t last_start = s.size() - needle.size();
  for (std::size_t i = 0; i <= last_start; ++i) {
    if (lower_ascii(s[i]) != first) {
      continue;
    }
    std::size_t k = 1;
    while (k < needle.size() && lower_ascii(s[i + k]) == needle[k]) {
      ++k;
    }
    if (k == needle.size()) {
      return true;
    }
  }
  return false;
}

using detail::is_safe_boundary;
using detail::is_utf8_continuation;

/// The first @p max bytes of redact(@p text), cut at a UTF-8 boundary, without redacting more
/// of a long text than needed. The redaction window ends at a character no secret spans, so
/// cutting it cannot leave part of a secret unredacted.
std::string redact_prefix(std::string_view text, std::size_t max) {
  std::size_t end = text.size();
  if (end > max) {
    end = max;
    while (end < text.size() && !is_safe_boundary(text[end])) {
      ++end;
    }
  }
  std::string out = redact(text.substr(0, end));
  if (out.size() > max) {
    std::size_t cut = max;
    for (int step = 0; step < 3 && cut > 0 && is_utf8_continuation(out[cut]); ++step) {
      --cut;
    }
    out.resize(cut);
  }
  return out;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  // Both operands are >= 0 here.
  return a > kInt64Max - b ? kInt64Max : a + b;
}

// ---------------------------------------------------------------------------------------------
// Numbers. AzCopy prints counters as JSON strings of uint32/uint64; accept numbers too.
// Deterministic for any input: negative -> 0, too large -> INT64_MAX, garbage -> 0.

std::int64_t clamp_from_double(double d) noexcept {
  if (!(d > 0.0)) {  // also NaN
    return 0;
  }
  if (d >= 9223372036854775807.0) {
    return kInt64Max;
  }
  return static_cast<std::int64_t>(d);
}

std::optional<double> parse_double(std::string_view t) noexcept {
  if (t.empty()) {
    return std::nullopt;
  }
  double value = 0.0;
  const char* first = t.data();
  const char* last = t.data() + t.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range) {
    // Overflow or underflow: tell them apart by the exponent sign is not worth it; a huge
    // value is the only plausible one for a counter.
    return (t.front() == '-') ? 0.0 : std::numeric_limits<double>::max();
  }
  if (ec != std::errc() || ptr != last || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::int64_t parse_counter_text(std::string_view text) noexcept {
  const std::string_view t = trim(text);
  if (t.empty()) {
    return 0;
  }
  if (std::all_of(t.begin(), t.end(), is_digit)) {
    std::int64_t value = 0;
    for (const char c : t) {
      const auto digit = static_cast<std::int64_t>(c - '0');
      if (value > (kInt64Max - digit) / 10) {
        return kInt64Max;
      }
      value = value * 10 + digit;
    }
    return value;
  }
  if (const auto d = parse_double(t)) {
    return clamp_from_double(*d);
  }
  return 0;
}

double clamp_percent(double d) noexcept {
  if (!(d > 0.0)) {
    return 0.0;
  }
  return d > 100.0 ? 100.0 : d;
}

double parse_percent_text(std::string_view text) noexcept {
  const auto d = parse_double(trim(text));
  return d ? clamp_percent(*d) : 0.0;
}

// ---------------------------------------------------------------------------------------------
// Job ids.

bool is_uuid_at(std::string_view s, std::size_t pos) noexcept {
  if (s.size() - pos < 36) {
    return false;
  }
  for (std::size_t i = 0; i < 36; ++i) {
    const char c = s[pos + i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') {
        return false;
      }
    } else if (!is_hex_digit(c)) {
      return false;
    }
  }
  return true;
}

/// The first UUID in @p text that is not part of a longer hex/hyphen run.
std::optional<std::string> find_uuid(std::string_view text) {
  for (std::size_t i = 0; i + 36 <= text.size(); ++i) {
    if (!is_hex_digit(text[i]) || (i > 0 && (is_hex_digit(text[i - 1]) || text[i - 1] == '-'))) {
      continue;
    }
    if (is_uuid_at(text, i) &&
        (i + 36 == text.size() || !(is_hex_digit(text[i + 36]) || text[i + 36] == '-'))) {
      return std::string(text.substr(i, 36));
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// What one summary message (JSON MessageContent, or a text block / progress line) holds.

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

/// Parses a summary / Init object. False (and @p fields unusable) when it is not valid JSON.
bool parse_summary_content(std::string_view content, SummaryFields& fields) {
  SummaryHandler handler(fields);
  try {
    return json::sax_parse(content.begin(), content.end(), &handler);
  } catch (const json::exception&) {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Huge lines: a summary listing 20,000 failed transfers is a 4.6 MB line, and decoding its
// MessageContent into a string (the lexer's buffer grows by doubling) would hold several copies
// of it at once. Above kStreamedLineBytes, the content is parsed straight from the line through
// UnescapingIterator, and only a prefix of it is decoded (for raw_summary).

constexpr std::size_t kStreamedLineBytes = std::size_t{1} << 20;

/// The characters denoted by the raw bytes of a JSON string literal (between its quotes), one
/// at a time: escapes are decoded on the fly (\uXXXX, surrogate pairs included, to UTF-8).
class UnescapingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  UnescapingIterator() = default;
  UnescapingIterator(const char* pos, const char* end) : pos_(pos), end_(end) { fill(); }

  /// Where, in the raw literal, the escape that gives the current character starts / ends.
  [[nodiscard]] const char* raw_begin() const { return start_; }
  [[nodiscard]] const char* raw_end() const { return pos_; }

  char operator*() const { return pending_[index_]; }
  UnescapingIterator& operator++() {
    if (++index_ >= count_) {
      fill();
    }
    return *this;
  }
  UnescapingIterator operator++(int) {
    UnescapingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const UnescapingIterator& other) const {
    if (count_ == 0 || other.count_ == 0) {
      return count_ == other.count_;
    }
    return pos_ == other.pos_ && index_ == other.index_;
  }

 private:
  unsigned hex4() {
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = pos_ < end_ ? *pos_++ : '0';
      value <<= 4U;
      if (c >= '0' && c <= '9') {
        value |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<unsigned>(c - 'A' + 10);
      }
    }
    return value;
  }

  void put_utf8(unsigned cp) {
    auto byte = [](unsigned v) { return static_cast<char>(static_cast<unsigned char>(v)); };
    if (cp < 0x80U) {
      pending_[0] = byte(cp);
      count_ = 1;
    } else if (cp < 0x800U) {
      pending_[0] = byte(0xC0U | (cp >> 6U));
      pending_[1] = byte(0x80U | (cp & 0x3FU));
      count_ = 2;
    } else if (cp < 0x10000U) {
      pending_[0] = byte(0xE0U | (cp >> 12U));
      pending_[1] = byte(0x80U | ((cp >> 6U) & 0x3FU));
      pending_[2] = byte(0x80U | (cp & 0x3FU));
      count_ = 3;
    } else {
      pending_[0] = byte(0xF0U | (cp >> 18U));
      pending_[1] = byte(0x80U | ((cp >> 12U) & 0x3FU));
      pending_[2] = byte(0x80U | ((cp >> 6U) & 0x3FU));
      pending_[3] = byte(0x80U | (cp & 0x3FU));
      count_ = 4;
    }
  }

  void fill() {
    index_ = 0;
    count_ = 0;
    start_ = pos_;
    if (pos_ >= end_) {
      return;
    }
    const char c = *pos_++;
    count_ = 1;
    if (c != '\\' || pos_ >= end_) {
      pending_[0] = c;
      return;
    }
    const char e = *pos_++;
    switch (e) {
      case 'b':
        pending_[0] = '\b';
        break;
      case 'f':
        pending_[0] = '\f';
        break;
      case 'n':
        pending_[0] = '\n';
        break;
      case 'r':
        pending_[0] = '\r';
        break;
      case 't':
        pending_[0] = '\t';
        break;
      case 'u': {
        unsigned cp = hex4();
        if (cp >= 0xD800U && cp <= 0xDBFFU && end_ - pos_ >= 6 && pos_[0] == '\\' &&
            pos_[1] == 'u') {
          pos_ += 2;
          const unsigned low = hex4();
          cp = (low >= 0xDC00U && low <= 0xDFFFU)
                   ? 0x10000U + ((cp - 0xD800U) << 10U) + (low - 0xDC00U)
                   : 0xFFFDU;
        } else if (cp >= 0xD800U && cp <= 0xDFFFU) {
          cp = 0xFFFDU;  // a lone surrogate
        }
        put_utf8(cp);
        break;
      }
      default:  // \" \\ \/ (and, in malformed input, anything else: kept as is)
        pending_[0] = e;
        break;
    }
  }

  const char* start_ = nullptr;
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  std::array<char, 4> pending_{};
  unsigned index_ = 0;
  unsigned count_ = 0;
};

/// The MessageContent string literal of an envelope line: its raw bytes (between the quotes)
/// in @p literal, and the line with that literal emptied in @p reduced. False when the key is
/// not near the start of the line or the literal is not terminated (the line is then read the
/// ordinary way, and rejected there).
bool split_content(std::string_view line, std::string& reduced, std::string_view& literal) {
  constexpr std::string_view kKey = R"("MessageContent":")";
  const std::size_t key = line.substr(0, 1024).find(kKey);
  if (key == std::string_view::npos) {
    return false;
  }
  const std::size_t begin = key + kKey.size();
  // The closing quote: the first one not escaped (preceded by an even run of backslashes).
  std::size_t i = line.find('"', begin);
  while (i != std::string_view::npos) {
    std::size_t backslashes = 0;
    while (i - backslashes > begin && line[i - backslashes - 1] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 0) {
      break;
    }
    i = line.find('"', i + 1);
  }
  if (i == std::string_view::npos) {
    return false;
  }
  literal = line.substr(begin, i - begin);
  reduced.reserve(line.size() - literal.size());
  reduced.append(line.substr(0, begin)).append(line.substr(i));
  return true;
}

/// The first @p max characters that @p literal denotes.
std::string unescape_prefix(std::string_view literal, std::size_t max) {
  std::string out;
  const UnescapingIterator end(literal.data() + literal.size(), literal.data() + literal.size());
  for (UnescapingIterator it(literal.data(), literal.data() + literal.size());
       it != end && out.size() < max; ++it) {
    out.push_back(*it);
  }
  return out;
}

/// The parts of a summary literal that SummaryHandler would only count or skip: the objects of
/// each top-level FailedTransfers / SkippedTransfers array after the first @p keep.
/// One quick pass over the characters, no JSON lexer. The literal without these parts is then
/// parsed as usual: the result is the same, at a fraction of the cost, for a list of 20,000.
struct Elision {
  std::vector<std::pair<std::size_t, std::size_t>> cuts;  ///< [begin, end) in the literal.
  std::int64_t failed_objects = 0;  ///< FailedTransfers objects inside the cuts.
};

Elision find_elision(std::string_view literal, std::size_t keep) {
  const auto kept = static_cast<std::int64_t>(keep);
  Elision result;
  const char* const first = literal.data();
  const char* const last = first + literal.size();
  int depth = 0;
  bool in_string = false;
  bool escape = false;      // the previous character was a backslash inside a string
  bool expect_key = false;  // at depth 1: the next string is a key
  bool capturing = false;   // reading a depth-1 key
  std::string key;
  bool list = false;  // inside a depth-1 FailedTransfers / SkippedTransfers array
  bool failed_list = false;
  std::int64_t objects = 0;
  const char* cut_begin = nullptr;
  const char* p = first;
  while (p < last) {
    // The characters are those the literal denotes: a raw byte stands for itself, except a
    // backslash, which starts an escape (decoded by UnescapingIterator).
    const char* at = p;
    char c = *p;
    if (c == '\\') {
      const UnescapingIterator it(p, last);
      c = *it;
      p = it.raw_end();  // past the whole escape (a multi-byte \uXXXX is never structural)
    } else {
      ++p;
    }
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
        capturing = false;
      } else if (capturing) {
        if (key.size() < 32) {
          key.push_back(c);
        }
      } else if (c != '\\') {
        // Nothing inside a string matters but its end: skip to the next escape in the
        // literal (every quote and backslash of the content is escaped there).
        const void* next = std::memchr(p, '\\', static_cast<std::size_t>(last - p));
        p = next == nullptr ? last : static_cast<const char*>(next);
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        if (depth == 1 && expect_key) {
          capturing = true;
          key.clear();
        }
        break;
      case ':':
        if (depth == 1) {
          expect_key = false;
        }
        break;
      case ',':
        if (depth == 1) {
          expect_key = true;
        }
        break;
      case '{':
      case '[':
        if (depth == 0 && c != '{') {
          return {};  // not an object: leave it to the parser
        }
        if (depth == 0) {
          expect_key = true;
        } else if (depth == 1 && c == '[' &&
                   (key == "FailedTransfers" || key == "SkippedTransfers")) {
          list = true;
          failed_list = key == "FailedTransfers";
          objects = 0;
          cut_begin = kept == 0 ? p : nullptr;
        } else if (depth == 2 && list && c == '{') {
          ++objects;
        }
        ++depth;
        break;
      case '}':
      case ']':
        --depth;
        if (depth < 0) {
          return {};
        }
        if (depth == 2 && list && c == '}' && kept > 0 && objects == kept) {
          cut_begin = p;  // right after the last object kept
        } else if (depth == 1 && list) {
          list = false;
          if (cut_begin != nullptr) {
            result.cuts.emplace_back(static_cast<std::size_t>(cut_begin - first),
                                     static_cast<std::size_t>(at - first));
            if (failed_list) {
              result.failed_objects += objects - kept;
            }
          }
        }
        break;
      default:
        break;
    }
  }
  if (depth != 0 || in_string) {
    return {};  // malformed: leave it to the parser, which rejects it
  }
  return result;
}

/// parse_summary_content() of the characters @p literal denotes, without decoding it whole,
/// keeping at most @p keep entries of each list.
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

// ---------------------------------------------------------------------------------------------
// The JSON envelope: {"TimeStamp","MessageType","MessageContent","PromptDetails"}.

struct Envelope {
  std::string timestamp;
  std::string type;
  std::string content;  ///< For a streamed line: a prefix of it (see escaped_content).
  bool content_is_string = false;
  std::string prompt_type;
  /// A huge line's MessageContent, as written in the line (escaped); empty otherwise.
  std::string_view escaped_content;
  /// Entries of FailedTransfers read from escaped_content (the others are only counted).
  std::size_t keep_entries = kMaxFailedFiles;

  /// parse_summary_content() of the whole content.
  [[nodiscard]] bool parse_content(SummaryFields& fields) const {
    return escaped_content.empty() ? parse_summary_content(content, fields)
                                   : parse_summary_literal(escaped_content, fields, keep_entries);
  }
};

enum class EnvelopeKey { Other, TimeStamp, MessageType, MessageContent, PromptDetails };

class EnvelopeHandler {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit EnvelopeHandler(Envelope& envelope) : e_(envelope) {}

  [[nodiscard]] bool null() const { return root_seen_; }
  [[nodiscard]] bool boolean(bool /*value*/) const { return root_seen_; }
  [[nodiscard]] bool number_integer(number_integer_t /*value*/) const { return root_seen_; }
  [[nodiscard]] bool number_unsigned(number_unsigned_t /*value*/) const { return root_seen_; }
  [[nodiscard]] bool number_float(number_float_t /*value*/, const string_t& /*text*/) const {
    return root_seen_;
  }
  [[nodiscard]] bool binary(binary_t& /*value*/) const { return root_seen_; }

  bool string(string_t& value) {
    if (depth_ == 1) {
      switch (key_) {
        case EnvelopeKey::TimeStamp:
          if (value.size() <= kMaxShortFieldBytes) {
            e_.timestamp = value;
          }
          break;
        case EnvelopeKey::MessageType:
          if (value.size() <= kMaxShortFieldBytes) {
            e_.type = value;
          }
          break;
        case EnvelopeKey::MessageContent:
          // The lexer's buffer: taking it avoids copying a summary that can be megabytes.
          e_.content = std::move(value);
          e_.content_is_string = true;
          break;
        default:
          break;
      }
    } else if (depth_ == 2 && in_prompt_ && prompt_key_ && value.size() <= kMaxShortFieldBytes) {
      e_.prompt_type = value;
    }
    return root_seen_;
  }

  bool start_object(std::size_t /*elements*/) {
    if (depth_ == 0) {
      root_seen_ = true;
    } else if (depth_ == 1 && key_ == EnvelopeKey::PromptDetails) {
      in_prompt_ = true;
      prompt_key_ = false;
    }
    ++depth_;
    return true;
  }

  bool key(string_t& name) {
    if (depth_ == 1) {
      if (name == "TimeStamp") {
        key_ = EnvelopeKey::TimeStamp;
      } else if (name == "MessageType") {
        key_ = EnvelopeKey::MessageType;
      } else if (name == "MessageContent") {
        key_ = EnvelopeKey::MessageContent;
        // A MessageContent of another type must not leave an earlier string in place.
        e_.content.clear();
        e_.content_is_string = false;
      } else if (name == "PromptDetails") {
        key_ = EnvelopeKey::PromptDetails;
      } else {
        key_ = EnvelopeKey::Other;
      }
    } else if (depth_ == 2 && in_prompt_) {
      prompt_key_ = (name == "PromptType");
    }
    return true;
  }

  bool end_object() {
    --depth_;
    if (depth_ == 1) {
      in_prompt_ = false;
    }
    return true;
  }

  bool start_array(std::size_t /*elements*/) {
    if (depth_ == 0) {
      return false;
    }
    ++depth_;
    return true;
  }

  bool end_array() {
    --depth_;
    return true;
  }

  static bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                          const json::exception& /*ex*/) {
    return false;  // stop: the text is not (complete) JSON
  }

 private:
  Envelope& e_;
  int depth_ = 0;
  bool root_seen_ = false;
  EnvelopeKey key_ = EnvelopeKey::Other;
  bool in_prompt_ = false;
  bool prompt_key_ = false;
};

// ---------------------------------------------------------------------------------------------
// Text summary blocks ("Job <id> summary" ... "Final Job Status: <status>").

struct TextBlock {
  bool open = false;
  std::size_t begin = 0;  ///< Offset of the "Job <id> summary" line in the output.
  std::size_t end = 0;    ///< Offset just past the last line read into the block.
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
    out.push_back(lower_ascii(c));
  }
  return out;
}

/// Reads a "Label: value" line into @p block. False when the line is not a label line.
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

/// Reads "66.7 %, 3 Done, 1 Failed, 0 Pending, 0 Skipped, 4 Total, 2-sec Throughput ...".
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

/// A text line that reads as an AzCopy error (not INFO, not a summary line).
bool is_text_error_line(std::string_view line) noexcept {
  return istarts_with(line, "error") || istarts_with(line, "failed to") ||
         istarts_with(line, "cannot perform") || istarts_with(line, "panic:") ||
         istarts_with(line, "fatal") || istarts_with(line, "list progress summary of job failed") ||
         icontains(line, "due to error") || is_not_found_text(line);
}

// ---------------------------------------------------------------------------------------------
// The parse itself.

/// A summary-bearing message that may become the result.
struct Candidate {
  SummaryFields fields;
  bool final = false;          ///< EndOfJob / GetJobSummary / text block with a final status.
  bool text_progress = false;  ///< A text progress line: no JobStatus, the job is running.
  std::string raw_owned;       ///< MessageContent (JSON).
  std::string_view raw_view;   ///< Text block or line (a view of the input).
  std::optional<TimePoint> timestamp;
};

struct Extra {
  std::string not_found_text;
  std::string not_found_job_id;
};

class OutputParser {
 public:
  /// @param counts_only  the lists of failed and skipped transfers are counted, not read.
  explicit OutputParser(std::string_view output, bool counts_only = false)
      : output_(output), counts_only_(counts_only) {}

  detail::ParsedOutput run(Extra& extra) {
    std::size_t pos = 0;
    const std::size_t n = output_.size();
    if (output_.substr(0, 3) == "\xEF\xBB\xBF") {
      pos = 3;
    }
    while (pos <= n) {
      // The next '\n' or '\r' (memchr: a summary line can be megabytes long).
      // (An empty view may have a null data(): memchr must not see it, even for 0 bytes.)
      const char* base = output_.data();
      const void* lf = pos < n ? std::memchr(base + pos, '\n', n - pos) : nullptr;
      const std::size_t lf_at =
          lf == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(lf) - base);
      const void* cr = pos < lf_at ? std::memchr(base + pos, '\r', lf_at - pos) : nullptr;
      const std::size_t end =
          cr == nullptr ? lf_at : static_cast<std::size_t>(static_cast<const char*>(cr) - base);
      segment(output_.substr(pos, end - pos), pos, end);
      if (end >= n) {
        break;
      }
      // CR LF is one line break; a lone CR separates text progress reports.
      pos = (output_[end] == '\r' && end + 1 < n && output_[end + 1] == '\n') ? end + 2 : end + 1;
    }
    close_block();
    return finish(extra);
  }

 private:
  void segment(std::string_view raw, std::size_t begin, std::size_t end) {
    try {
      const std::string_view line = trim(raw);
      if (block_.open) {
        if (line.empty()) {
          if (block_.labels > 0) {
            close_block();
          }
          return;
        }
        if (line.front() != '{' && read_label_line(line, block_)) {
          block_.end = end;
          cancel_prompt_ = false;
          if (block_.final_status) {
            close_block();
          }
          return;
        }
        close_block();
      }
      if (line.empty()) {
        return;
      }
      if (line.front() == '{') {
        json_line(line);
      } else {
        text_line(line, begin, end);
      }
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception&) {
      // A line that cannot be read is skipped, whatever went wrong.
    }
  }

  // --- JSON ----------------------------------------------------------------------------------

  void json_line(std::string_view line) {
    Envelope env;
    EnvelopeHandler handler(env);
    // A huge line: the envelope without its content, and the content read from the line.
    std::string reduced;
    std::string_view literal;
    const bool streamed =
        (counts_only_ || line.size() > kStreamedLineBytes) && split_content(line, reduced, literal);
    const std::string_view text = streamed ? std::string_view(reduced) : line;
    bool ok = false;
    try {
      ok = json::sax_parse(text.begin(), text.end(), &handler);
    } catch (const json::exception&) {
      ok = false;
    }
    if (!ok || env.type.empty()) {
      return;  // not JSON, truncated, or not an AzCopy message: skipped
    }
    if (streamed) {
      if (!env.content_is_string || !env.content.empty()) {
        return;  // the key found was not the envelope's MessageContent
      }
      env.escaped_content = literal;
      env.keep_entries = counts_only_ ? 0 : kMaxFailedFiles;
      // Enough for raw_summary (see summary_message()); counts only: for error messages.
      env.content =
          unescape_prefix(literal, counts_only_ ? kMaxExcerptBytes : 2 * kMaxRawSummaryBytes + 1);
      std::string().swap(reduced);
    }
    const std::optional<TimePoint> ts = detail::parse_timestamp(env.timestamp);
    if (ts) {
      if (!first_ts_ || *ts < *first_ts_) {
        first_ts_ = ts;
      }
      if (!last_ts_ || *ts > *last_ts_) {
        last_ts_ = ts;
      }
    }
    const std::string_view type = env.type;
    cancel_prompt_ = type == "Prompt" &&
                     (iequals(env.prompt_type, "Cancel") || is_cancel_prompt_text(env.content));
    if (type == "Init") {
      init_message(env);
    } else if (type == "Progress" || type == "EndOfJob" || type == "GetJobSummary" ||
               type == "Response") {
      if (type == "EndOfJob") {
        end_of_job_ = true;
        if (ts) {
          end_ts_ = ts;
        }
      }
      summary_message(env, ts);
    } else if (type == "Error") {
      ++errors_;
      add_message(env.content);
      not_found_check(env.content);
    } else if (type == "Info") {
      if (istarts_with(trim(env.content), "WARN:")) {
        ++warnings_;
        add_message(trim(env.content));
      } else {
        empty_folders_check(env.content);
        scan_failed_check(env.content);
      }
    }
  }

  void init_message(const Envelope& env) {
    if (!env.content_is_string) {
      return;
    }
    SummaryFields f;
    if (!env.parse_content(f)) {
      return;
    }
    if (!init_job_id_ && is_valid_job_id(f.job_id)) {
      init_job_id_ = f.job_id;
    }
    if (!log_file_ && !f.log_file.empty()) {
      log_file_ = f.log_file;
    }
  }

  void summary_message(Envelope& env, std::optional<TimePoint> ts) {
    if (!env.content_is_string) {
      return;
    }
    Candidate c;
    if (!env.parse_content(c.fields) || !c.fields.is_summary()) {
      return;
    }
    const std::string_view type = env.type;
    merge_failed(c.fields, type == "GetJobSummary");
    c.final = type == "EndOfJob" || type == "GetJobSummary";
    c.timestamp = ts;
    if (env.content.size() > 2 * kMaxRawSummaryBytes) {
      c.raw_owned = redact_prefix(env.content, kMaxRawSummaryBytes);  // free the rest now
    } else {
      c.raw_owned = std::move(env.content);
    }
    offer(std::move(c));
  }

  /// FailedTransfers differ by version and command: 10.32 copy/resume sends deltas since the
  /// previous report (EndOfJob usually []); 10.18 sends the whole list every time; `jobs show`
  /// sends the whole list (10.32: GetJobSummary, then an EndOfJob repeating it). A list that
  /// starts with the entry the kept list starts with is a whole list and replaces it; any other
  /// list is a delta and is appended.
  void merge_failed(SummaryFields& f, bool whole_list) {
    if (f.failed_files.empty() && f.failed_omitted == 0) {
      return;
    }
    const bool replace =
        whole_list || (!failed_files_.empty() && !f.failed_files.empty() &&
                       failed_files_.front().source == f.failed_files.front().source &&
                       failed_files_.front().destination == f.failed_files.front().destination);
    if (replace) {
      failed_files_ = std::move(f.failed_files);
      failed_omitted_ = f.failed_omitted;
      return;
    }
    for (FailedFile& file : f.failed_files) {
      if (failed_files_.size() < kMaxFailedFiles) {
        failed_files_.push_back(std::move(file));
      } else {
        failed_omitted_ = saturating_add(failed_omitted_, 1);
      }
    }
    failed_omitted_ = saturating_add(failed_omitted_, f.failed_omitted);
  }

  // --- Text ----------------------------------------------------------------------------------

  void text_line(std::string_view line, std::size_t begin, std::size_t end) {
    cancel_prompt_ = is_cancel_prompt_text(line);
    if (istarts_with(line, "Job ")) {
      const std::string_view rest = trim(line.substr(4));
      if (iends_with(rest, " summary")) {
        const std::string_view id = trim(rest.substr(0, rest.size() - 8));
        block_ = TextBlock{};
        block_.open = true;
        block_.begin = begin;
        block_.end = end;
        if (is_valid_job_id(id)) {
          block_.job_id = std::string(id);
        }
        return;
      }
      if (iends_with(rest, " has started")) {
        const std::string_view id = trim(rest.substr(0, rest.size() - 12));
        if (!started_job_id_ && is_valid_job_id(id)) {
          started_job_id_ = std::string(id);
        }
        return;
      }
    }
    if (istarts_with(line, "Log file is located at:")) {
      if (!log_file_) {
        const std::string path = redact_prefix(trim(line.substr(23)), kMaxPathBytes);
        if (!path.empty()) {
          log_file_ = path;
        }
      }
      return;
    }
    if (auto progress = read_progress_line(line)) {
      Candidate c;
      c.fields = std::move(*progress);
      c.text_progress = true;
      c.raw_view = line;
      offer(std::move(c));
      return;
    }
    if (istarts_with(line, "WARN:")) {
      ++warnings_;
      add_message(line);
      return;
    }
    if (istarts_with(line, "INFO:")) {
      empty_folders_check(line);
      scan_failed_check(line);
      return;
    }
    not_found_check(line);
    if (is_text_error_line(line)) {
      ++errors_;
      add_message(line);
    }
  }

  void close_block() {
    if (!block_.open) {
      return;
    }
    block_.open = false;
    if (block_.labels == 0) {
      return;
    }
    end_of_job_ = end_of_job_ || block_.final_status;
    Candidate c;
    c.fields = fields_from_block(block_);
    c.final = block_.final_status;
    c.raw_view = output_.substr(block_.begin, block_.end - block_.begin);
    offer(std::move(c));
  }

  // --- Shared --------------------------------------------------------------------------------

  /// The last summary wins, except that a final one (EndOfJob, GetJobSummary, a text block with
  /// a final status) is not replaced by a later progress report.
  void offer(Candidate c) {
    if (!summary_job_id_ && is_valid_job_id(c.fields.job_id)) {
      summary_job_id_ = c.fields.job_id;
    }
    if (c.final || !current_ || !current_->final) {
      current_ = std::move(c);
    }
  }

  void add_message(std::string_view text) {
    std::string m = redact_prefix(trim(text), kMaxExcerptBytes);
    if (m.empty()) {
      return;
    }
    if (messages_.size() >= kMaxMessages) {
      messages_.erase(messages_.begin());  // keep the newest: the last error usually explains
    }
    messages_.push_back(std::move(m));
  }

  /// AzCopy's notice that empty folders are dropped (printed before the job id when a side has
  /// no full folder support: Blob in COOL, RESTORE, uploads and downloads).
  void empty_folders_check(std::string_view text) {
    if (empty_folders_ ||
        text.find("empty folders will not be processed") == std::string_view::npos) {
      return;
    }
    empty_folders_ = true;
    empty_folders_notice_ = redact_prefix(trim(text), kMaxExcerptBytes);
  }

  /// AzCopy's "Failed to scan Directory/File <path>. Logging errors in scanning logs." (10.32;
  /// 10.18 writes "directory/file"): part of the source was not listed, so its files are in
  /// no count of the job.
  void scan_failed_check(std::string_view text) {
    if (!scan_failed_ && text.find("ailed to scan ") != std::string_view::npos) {
      scan_failed_ = true;
    }
  }

  void not_found_check(std::string_view text) {
    if (!is_not_found_text(text)) {
      return;
    }
    job_not_found_ = true;
    if (not_found_text_.empty()) {
      not_found_text_ = redact_prefix(trim(text), kMaxErrorQuoteBytes);
      if (auto id = find_uuid(text)) {
        not_found_job_id_ = std::move(*id);
      }
    }
  }

  detail::ParsedOutput finish(Extra& extra) {
    detail::ParsedOutput out;
    if (init_job_id_) {
      out.job_id = init_job_id_;
    } else if (started_job_id_) {
      out.job_id = started_job_id_;
    } else {
      out.job_id = summary_job_id_;
    }
    out.log_file = log_file_;
    out.end_of_job = end_of_job_;
    out.job_not_found = job_not_found_;
    out.cancel_prompt = cancel_prompt_;
    out.first_timestamp = first_ts_;
    out.last_timestamp = last_ts_;
    out.end_timestamp = end_ts_;
    if (current_) {
      Candidate& c = *current_;
      if (!c.fields.error_msg.empty()) {
        ++errors_;
        add_message(c.fields.error_msg);
      }
      out.summary = build_summary(c, out);
    }
    out.empty_folders_not_processed = empty_folders_;
    out.empty_folders_notice = empty_folders_notice_;
    out.scan_failed = scan_failed_;
    out.warnings = warnings_;
    out.errors = errors_;
    out.messages = messages_;
    if (out.summary) {
      out.summary->warnings = warnings_;
      out.summary->errors = errors_;
      out.summary->messages = std::move(messages_);
      if (empty_folders_) {
        detail::note_empty_folders(*out.summary, empty_folders_notice_);
      }
    }
    extra.not_found_text = std::move(not_found_text_);
    extra.not_found_job_id = std::move(not_found_job_id_);
    return out;
  }

  /// Folders among TransfersCompleted. `azcopy jobs show` reports FoldersCompleted, -Failed
  /// and -Skipped as 0 whatever happened (the copying process alone counts them; seen on
  /// 10.18 and 10.32): of a job whose every transfer completed, every folder transfer did; of
  /// any other, the number is unknown and ParsedOutput::uncounted_folders says so.
  static std::int64_t folders_completed(const SummaryFields& f, AzCopyJobState state,
                                        detail::ParsedOutput& out) {
    const bool uncounted = f.folder_transfers > 0 && f.folders_completed == 0 &&
                           f.folders_failed == 0 && f.folders_skipped == 0;
    if (!uncounted || !is_terminal(state)) {
      return f.folders_completed;
    }
    if (f.job_status == "Completed" && f.transfers_completed == f.total_transfers) {
      return f.folder_transfers;
    }
    out.uncounted_folders = f.folder_transfers;
    return 0;
  }

  AzCopySummary build_summary(Candidate& c, detail::ParsedOutput& out) {
    const SummaryFields& f = c.fields;
    AzCopySummary s;
    if (is_valid_job_id(f.job_id)) {
      s.job_id = f.job_id;
    } else if (out.job_id) {
      s.job_id = *out.job_id;
    }
    s.raw_status = f.job_status;
    if (c.text_progress) {
      s.state = AzCopyJobState::Running;  // progress lines are printed while the job runs
    } else {
      s.state = map_azcopy_status(f.job_status);
    }
    s.files_transferred =
        std::max<std::int64_t>(0, f.transfers_completed - folders_completed(f, s.state, out));
    s.bytes_transferred = f.bytes_transferred;
    s.failed_transfers = f.transfers_failed;
    s.skipped_transfers = f.transfers_skipped;
    s.total_transfers = f.total_transfers;
    s.bytes_expected = f.bytes_expected;
    s.percent_complete = f.percent;
    if (s.state == AzCopyJobState::Succeeded && s.failed_transfers > 0) {
      s.state = AzCopyJobState::Failed;
    }
    s.started_at = out.first_timestamp;
    if (is_terminal(s.state)) {
      s.finished_at = out.end_timestamp ? out.end_timestamp : c.timestamp;
    }
    const std::string_view raw = c.raw_owned.empty() ? c.raw_view : std::string_view(c.raw_owned);
    if (!counts_only_) {  // a progress figure does not need it (nor its redaction)
      s.raw_summary = redact_prefix(trim(raw), kMaxRawSummaryBytes);
    }
    s.failed_files = std::move(failed_files_);
    s.failed_files_omitted = failed_omitted_;
    return s;
  }

  std::string_view output_;
  bool counts_only_ = false;
  TextBlock block_;
  std::optional<Candidate> current_;
  std::vector<FailedFile> failed_files_;
  std::int64_t failed_omitted_ = 0;
  std::optional<std::string> init_job_id_;
  std::optional<std::string> started_job_id_;
  std::optional<std::string> summary_job_id_;
  std::optional<std::string> log_file_;
  bool end_of_job_ = false;
  bool job_not_found_ = false;
  bool cancel_prompt_ = false;
  bool empty_folders_ = false;
  std::string empty_folders_notice_;
  bool scan_failed_ = false;
  std::int64_t warnings_ = 0;
  std::int64_t errors_ = 0;
  std::vector<std::string> messages_;
  std::string not_found_text_;
  std::string not_found_job_id_;
  std::optional<TimePoint> first_ts_;
  std::optional<TimePoint> last_ts_;
  std::optional<TimePoint> end_ts_;
};

/// Never throws anything but std::bad_alloc: lines that cannot be read are skipped inside, and
/// anything unexpected beyond that yields an empty result.
detail::ParsedOutput parse_output_impl(std::string_view output, Extra& extra,
                                       bool counts_only = false) {
  try {
    OutputParser parser(output, counts_only);
    return parser.run(extra);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception&) {
    extra = Extra{};
    return detail::ParsedOutput{};
  }
}

// ---------------------------------------------------------------------------------------------
// Timestamps.

bool read_digits(std::string_view s, std::size_t& pos, std::size_t count, int& value) noexcept {
  if (s.size() - pos < count) {
    return false;
  }
  int v = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) {
      return false;
    }
    v = v * 10 + (c - '0');
  }
  pos += count;
  value = v;
  return true;
}

bool expect_char(std::string_view s, std::size_t& pos, char c) noexcept {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API.

bool is_valid_job_id(std::string_view id) noexcept { return id.size() == 36 && is_uuid_at(id, 0); }

std::optional<std::string> parse_job_id(std::string_view output) noexcept {
  try {
    Extra extra;
    return parse_output_impl(output, extra).job_id;
  } catch (...) {
    return std::nullopt;
  }
}

AzCopySummary parse_summary(std::string_view output) {
  try {
    Extra extra;
    detail::ParsedOutput parsed = parse_output_impl(output, extra);
    if (parsed.summary) {
      return std::move(*parsed.summary);
    }
    ErrorContext context;
    context.excerpt = redacted_excerpt(output, kMaxExcerptBytes);
    if (parsed.job_not_found) {
      context.job_id = extra.not_found_job_id;
      throw AzCopyJobNotFoundError("AzCopy does not know the job: " + extra.not_found_text,
                                   std::move(context));
    }
    context.job_id = parsed.job_id.value_or(std::string());
    std::string message = "AzCopy output holds no job summary";
    if (!parsed.messages.empty()) {
      message += ": ";
      message += parsed.messages.back().substr(0, kMaxErrorQuoteBytes);
    }
    throw AzCopyParseError(message, std::move(context));
  } catch (const AzCopyError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    ErrorContext context;
    context.excerpt = redacted_excerpt(output, kMaxExcerptBytes);
    throw AzCopyParseError(std::string("cannot parse AzCopy output: ") + e.what(),
                           std::move(context));
  }
}

namespace detail {

void note_empty_folders(AzCopySummary& summary, const std::string& notice) {
  summary.empty_folders_not_processed = true;
  auto& m = summary.messages;
  if (notice.empty() || std::find(m.begin(), m.end(), notice) != m.end()) {
    return;
  }
  m.insert(m.begin(), notice);
  if (m.size() > kMaxMessages) {
    m.erase(m.begin() + 1);  // the oldest of the others
  }
}

ParsedOutput parse_output(std::string_view output) {
  Extra extra;
  return parse_output_impl(output, extra);
}

ParsedOutput parse_progress_line(std::string_view line) {
  Extra extra;
  return parse_output_impl(line, extra, true);
}

std::optional<TimePoint> parse_timestamp(std::string_view text) noexcept {
  using namespace std::chrono;
  const std::string_view s = trim(text);
  std::size_t pos = 0;
  int y = 0;
  int mo = 0;
  int d = 0;
  int hh = 0;
  int mm = 0;
  int ss = 0;
  if (!read_digits(s, pos, 4, y) || !expect_char(s, pos, '-') || !read_digits(s, pos, 2, mo) ||
      !expect_char(s, pos, '-') || !read_digits(s, pos, 2, d)) {
    return std::nullopt;
  }
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  if (!read_digits(s, pos, 2, hh) || !expect_char(s, pos, ':') || !read_digits(s, pos, 2, mm) ||
      !expect_char(s, pos, ':') || !read_digits(s, pos, 2, ss)) {
    return std::nullopt;
  }
  if (hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  std::int64_t nanos = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    std::size_t digits = 0;
    while (pos < s.size() && is_digit(s[pos])) {
      if (digits < 9) {
        nanos = nanos * 10 + (s[pos] - '0');
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      return std::nullopt;
    }
    for (std::size_t k = digits; k < 9; ++k) {
      nanos *= 10;
    }
  }
  std::int64_t offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const bool negative = s[pos] == '-';
    ++pos;
    int off_h = 0;
    int off_m = 0;
    if (!read_digits(s, pos, 2, off_h)) {
      return std::nullopt;
    }
    expect_char(s, pos, ':');
    if (!read_digits(s, pos, 2, off_m) || off_h > 23 || off_m > 59) {
      return std::nullopt;
    }
    offset_seconds = (static_cast<std::int64_t>(off_h) * 60 + off_m) * 60;
    if (negative) {
      offset_seconds = -offset_seconds;
    }
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  const std::int64_t day_count = sys_days{ymd}.time_since_epoch().count();
  const std::int64_t total_seconds = day_count * 86400 + static_cast<std::int64_t>(hh) * 3600 +
                                     static_cast<std::int64_t>(mm) * 60 + ss - offset_seconds;
  // The clock's duration (nanoseconds with libstdc++) covers about 1678..2262.
  const std::int64_t max_seconds =
      duration_cast<seconds>(system_clock::duration::max()).count() - 1;
  const std::int64_t min_seconds =
      duration_cast<seconds>(system_clock::duration::min()).count() + 1;
  if (total_seconds > max_seconds || total_seconds < min_seconds) {
    return std::nullopt;
  }
  return TimePoint{duration_cast<system_clock::duration>(seconds{total_seconds}) +
                   duration_cast<system_clock::duration>(nanoseconds{nanos})};
}

std::string format_timestamp(TimePoint t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t.time_since_epoch());
  const auto day_count = floor<days>(ms);
  const year_month_day ymd{sys_days{day_count}};
  const auto in_day = ms - day_count;
  const auto h = duration_cast<hours>(in_day);
  const auto m = duration_cast<minutes>(in_day - h);
  const auto sec = duration_cast<seconds>(in_day - h - m);
  const auto milli = in_day - h - m - sec;
  std::array<char, 64> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                              static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                              static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                              static_cast<int>(m.count()), static_cast<int>(sec.count()),
                              static_cast<int>(milli.count()));
  if (n <= 0) {
    return {};
  }
  return {buf.data(), std::min(static_cast<std::size_t>(n), buf.size() - 1)};
}

}  // namespace detail
}  // namespace azcopy_runner
