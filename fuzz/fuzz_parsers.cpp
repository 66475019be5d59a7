// SPDX-License-Identifier: MIT
// libFuzzer target for the output parsers and redaction (see fuzz/README.md).
//
// Every call below must return normally for any input; parse_summary() may in addition throw
// AzCopyJobNotFoundError or AzCopyParseError. Any other exception escapes (an uncaught exception
// aborts: libFuzzer reports a crash), and each invariant of parse.hpp / types.hpp that does not
// hold calls std::abort() after printing which one.
//
// The same file builds without libFuzzer: fuzz/replay_main.cpp runs it over a corpus.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "azcopy_runner/types.hpp"
#include "jobs/directory_stubs.hpp"
#include "parse/output_parser.hpp"
#include "parse/output_scan.hpp"

namespace {

using azcopy_runner::AzCopySummary;

/// Aborts, naming the invariant (each @p what is unique), when @p condition is false.
/// (No std::source_location: Clang 14 with libstdc++ 12 lacks it.)
void check(bool condition, const char* what) {
  if (!condition) {
    static_cast<void>(std::fprintf(stderr, "fuzz_parsers: invariant violated: %s\n", what));
    std::abort();
  }
}

constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Bytes that end a secret value in redact() (src/text/redact.cpp: ends_url() plus '&', ';', ',').
constexpr bool ends_value(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' ||
         c == '{' || c == '}' || c == '|' || c == '^' || c == '&' || c == ';' || c == ',';
}

/// parse.hpp: redact() replaces every `sig=`, `signature=`, `token=`, `credential=`,
/// `AccountKey=` and `SharedAccessSignature=` value. In its output, each such key (any case) is
/// followed by "REDACTED", or by nothing (end of text, a byte that ends a value, or a backslash:
/// a JSON escape such as \" or \u0026 that ends it), i.e. an empty value.
///
/// One tolerated case, for the two keys that start with hex digits: inside a URL, redact()
/// copies a JSON escape \uXXXX whole, so in "\u000credential=x" the 'c' belongs to the escape and
/// the text really reads U+000C "redential=x", and "\u00accountkey=x" reads U+00AC "countkey=x":
/// no key, nothing to redact.
/// Whether @p pos is one of the four hex digits of a JSON escape \uXXXX.
bool inside_unicode_escape(std::string_view text, std::size_t pos) noexcept {
  for (std::size_t back = 2; back <= 5 && back <= pos; ++back) {
    const std::size_t escape = pos - back;  // the backslash
    if (text[escape] != '\\' || text[escape + 1] != 'u' || escape + 6 > text.size()) {
      continue;
    }
    if (std::all_of(text.begin() + static_cast<std::ptrdiff_t>(escape + 2),
                    text.begin() + static_cast<std::ptrdiff_t>(escape + 6), is_hex)) {
      return true;
    }
  }
  return false;
}

void check_no_secret_value(std::string_view text) {
  static constexpr std::array<std::string_view, 6> kKeys{
      "sig=", "signature=", "token=", "credential=", "accountkey=", "sharedaccesssignature=",
  };
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), lower);
  for (const std::string_view key : kKeys) {
    for (std::size_t pos = lowered.find(key); pos != std::string::npos;
         pos = lowered.find(key, pos + 1)) {
      if (inside_unicode_escape(text, pos)) {
        continue;  // the tolerated \uXXXX case above
      }
      const std::size_t value = pos + key.size();
      const bool redacted = text.substr(value, 8) == "REDACTED";
      const bool empty = value >= text.size() || ends_value(text[value]) || text[value] == '\\';
      if (!redacted && !empty) {
        static_cast<void>(std::fprintf(stderr,
                                       "fuzz_parsers: value of '%.*s' survives redaction at %zu\n",
                                       static_cast<int>(key.size()), key.data(), value));
      }
      check(redacted || empty, "redact() leaves no secret value");
    }
  }
}

void check_summary(const AzCopySummary& s) {
  check(s.job_id.empty() || azcopy_runner::is_valid_job_id(s.job_id),
        "summary job_id is empty or a valid job id");
  check(s.raw_summary.size() <= azcopy_runner::kMaxRawSummaryBytes,
        "raw_summary.size() <= kMaxRawSummaryBytes");
  check(s.raw_status.size() <= azcopy_runner::kMaxRawSummaryBytes, "raw_status is bounded");
  check(s.failed_files.size() <= azcopy_runner::kMaxFailedFiles,
        "failed_files.size() <= kMaxFailedFiles");
  check(s.messages.size() <= azcopy_runner::kMaxMessages, "messages.size() <= kMaxMessages");
  for (const std::string& m : s.messages) {
    check(m.size() <= azcopy_runner::kMaxExcerptBytes, "summary message is bounded");
  }
  check(s.files_transferred >= 0, "files_transferred >= 0");
  check(s.bytes_transferred >= 0, "bytes_transferred >= 0");
  check(s.failed_transfers >= 0, "failed_transfers >= 0");
  check(s.skipped_transfers >= 0, "skipped_transfers >= 0");
  check(s.total_transfers >= 0, "total_transfers >= 0");
  check(s.bytes_expected >= 0, "bytes_expected >= 0");
  check(s.warnings >= 0, "warnings >= 0");
  check(s.errors >= 0, "errors >= 0");
  check(s.failed_files_omitted >= 0, "failed_files_omitted >= 0");
  check(s.percent_complete >= 0.0 && s.percent_complete <= 100.0,
        "0 <= percent_complete <= 100 (and not NaN)");
  // parse.hpp: "a terminal job with a failed transfer is Failed".
  check(!(s.state == azcopy_runner::AzCopyJobState::Succeeded && s.failed_transfers > 0),
        "a job with a failed transfer is not Succeeded");
  check(s.state != azcopy_runner::AzCopyJobState::Pending, "a parsed summary is never Pending");
  if (s.started_at && s.finished_at) {
    check(*s.started_at <= *s.finished_at, "started_at <= finished_at");
  }
  for (const azcopy_runner::FailedFile& f : s.failed_files) {
    check(f.size >= 0, "failed file size >= 0");
    check(f.source.size() <= azcopy_runner::kMaxRawSummaryBytes &&
              f.destination.size() <= azcopy_runner::kMaxRawSummaryBytes &&
              f.error_code.size() <= azcopy_runner::kMaxRawSummaryBytes &&
              f.transfer_status.size() <= azcopy_runner::kMaxRawSummaryBytes,
          "failed file fields are bounded");
  }
}

bool same_counters(const AzCopySummary& a, const AzCopySummary& b) {
  return a.job_id == b.job_id && a.state == b.state && a.raw_status == b.raw_status &&
         a.files_transferred == b.files_transferred && a.bytes_transferred == b.bytes_transferred &&
         a.failed_transfers == b.failed_transfers && a.skipped_transfers == b.skipped_transfers &&
         a.total_transfers == b.total_transfers && a.bytes_expected == b.bytes_expected &&
         a.raw_summary == b.raw_summary && a.failed_files.size() == b.failed_files.size() &&
         a.failed_files_omitted == b.failed_files_omitted && a.warnings == b.warnings &&
         a.errors == b.errors && a.messages == b.messages;
}

void check_error(const azcopy_runner::AzCopyError& e) {
  check(e.excerpt().size() <= azcopy_runner::kMaxExcerptBytes, "error excerpt is bounded");
  check(e.job_id().empty() || azcopy_runner::is_valid_job_id(e.job_id()),
        "error job_id is empty or a valid job id");
  // The message quotes at most about 1 KiB of AzCopy's output (parse.cpp).
  check(std::strlen(e.what()) <= azcopy_runner::kMaxExcerptBytes, "error message is bounded");
}

void check_redaction(std::string_view input) {
  const std::string once = azcopy_runner::redact(input);
  check(azcopy_runner::redact(once) == once, "redact() is idempotent");
  check_no_secret_value(once);

  // redacted_excerpt() documents no slack: "the last max_bytes ... redacted".
  const std::string excerpt = azcopy_runner::redacted_excerpt(input);
  check(excerpt.size() <= azcopy_runner::kMaxExcerptBytes,
        "redacted_excerpt().size() <= kMaxExcerptBytes");
  // Its window starts at a byte no secret spans, so it is a tail of the whole redaction.
  check(std::string_view(once).ends_with(excerpt), "redacted_excerpt() is a tail of redact()");

  // A small bound taken from the input, to cut at every kind of place.
  const std::size_t small = input.empty() ? 1 : static_cast<unsigned char>(input.front()) % 64U;
  const std::string tail = azcopy_runner::redacted_excerpt(input, small);
  check(tail.size() <= small, "redacted_excerpt(x, n).size() <= n");
  check(std::string_view(once).ends_with(tail), "redacted_excerpt(x, n) is a tail of redact()");
}

void check_last_summary_line(std::string_view input) {
  const std::string_view line = azcopy_runner::detail::last_summary_line(input);
  if (line.empty()) {
    return;
  }
  // A view into the input, on one complete line.
  check(line.data() >= input.data() && line.data() + line.size() <= input.data() + input.size(),
        "last_summary_line() is a view of its input");
  const auto offset = static_cast<std::size_t>(line.data() - input.data());
  check(offset == 0 || input[offset - 1] == '\n', "last_summary_line() starts a line");
  check(offset + line.size() < input.size() && input[offset + line.size()] == '\n',
        "last_summary_line() is newline-terminated");
  check(line.find('\n') == std::string_view::npos, "last_summary_line() is one line");
  check(line.starts_with(R"({"TimeStamp")"), "last_summary_line() starts with the TimeStamp");
}

void check_parsers(std::string_view input) {
  // noexcept: an exception would terminate.
  const std::optional<std::string> job_id = azcopy_runner::parse_job_id(input);
  if (job_id) {
    check(azcopy_runner::is_valid_job_id(*job_id), "parse_job_id() returns a valid job id");
  }

  const azcopy_runner::detail::ParsedOutput parsed = azcopy_runner::detail::parse_output(input);
  check(parsed.job_id == job_id, "parse_job_id() agrees with parse_output()");
  check(parsed.warnings >= 0 && parsed.errors >= 0, "parse_output() counters >= 0");
  check(parsed.messages.size() <= azcopy_runner::kMaxMessages,
        "parse_output() messages are bounded");
  for (const std::string& m : parsed.messages) {
    check(m.size() <= azcopy_runner::kMaxExcerptBytes, "parse_output() message is bounded");
  }
  if (parsed.log_file) {
    check(parsed.log_file->size() <= azcopy_runner::kMaxExcerptBytes, "log_file is bounded");
  }
  if (parsed.first_timestamp && parsed.last_timestamp) {
    check(*parsed.first_timestamp <= *parsed.last_timestamp, "first_timestamp <= last_timestamp");
  }
  if (parsed.summary) {
    check_summary(*parsed.summary);
  }

  try {
    const AzCopySummary summary = azcopy_runner::parse_summary(input);
    check_summary(summary);
    check(parsed.summary.has_value() && same_counters(summary, *parsed.summary),
          "parse_summary() returns parse_output()'s summary");
  } catch (const azcopy_runner::AzCopyJobNotFoundError& e) {
    check(!parsed.summary && parsed.job_not_found, "AzCopyJobNotFoundError only without summary");
    check_error(e);
  } catch (const azcopy_runner::AzCopyParseError& e) {
    check(!parsed.summary, "AzCopyParseError only without summary");
    check_error(e);
  }
  // Anything else thrown by parse_summary() escapes: a bug.

  check_last_summary_line(input);
}

// Huge lines. parse.cpp reads a JSON line longer than 1 MiB (kStreamedLineBytes there) another
// way: its MessageContent is parsed straight from the escaped literal. Inputs that large are
// too slow to fuzz, so an input that starts with kInflateMarker is also parsed "inflated": after
// the marker, its last `"MessageContent":"` gets kInflatePadding spaces inserted after it
// (leading blanks of the JSON the string holds), which makes that line huge without changing
// what it says. (One line only: each inflated parse costs about 0.2 s under the sanitizers.)
constexpr char kInflateMarker = '\x01';
constexpr std::size_t kInflatePadding = (std::size_t{1} << 20) + 1;

std::string inflate(std::string_view input) {
  constexpr std::string_view kKey = R"("MessageContent":")";
  const std::size_t key = input.rfind(kKey);
  if (key == std::string_view::npos) {
    return {};
  }
  const std::size_t after = key + kKey.size();
  std::string out;
  out.reserve(input.size() + kInflatePadding);
  out.append(input.substr(0, after)).append(kInflatePadding, ' ').append(input.substr(after));
  return out;
}

}  // namespace

/// directory_stubs.hpp: parse_blob_list() returns or throws AzCopyParseError; a stub is one of
/// the blobs listed.
void check_blob_list(std::string_view input) {
  try {
    const auto page = azcopy_runner::detail::parse_blob_list(input);
    check(page.blobs >= 0 && static_cast<std::size_t>(page.blobs) >= page.stubs.size(),
          "parse_blob_list: more stubs than blobs");
  } catch (const azcopy_runner::AzCopyParseError&) {
  }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as chars.
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_parsers(input);
  check_redaction(input);
  check_blob_list(input);
  if (!input.empty() && input.front() == kInflateMarker) {
    const std::string inflated = inflate(input.substr(1));
    if (!inflated.empty()) {
      check_parsers(inflated);  // redact() has no size-dependent path: not run again
    }
  }
  return 0;
}
