// SPDX-License-Identifier: MIT
// Redaction of secrets in any text: URL query strings, URL credentials and `key=value` secrets.
//
// One left-to-right pass, no backtracking beyond the current URL's authority: linear in the
// input. No std::regex (slow, and recursive on large inputs).
#include "text/redact.hpp"

#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/null_sink.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "azcopy_runner/parse.hpp"
#include "text/text.hpp"

namespace azcopy_runner {
namespace {

using detail::hex_digit_value;
using detail::is_hex_digit;

constexpr std::string_view kRedacted = "REDACTED";

/// Keys whose value is a secret wherever they appear (lower case; matched case-insensitively).
constexpr std::array<std::string_view, 6> kSecretKeys{
    "sharedaccesssignature=", "credential=", "accountkey=", "signature=", "token=", "sig=",
};
constexpr std::size_t kSharedAccessSignature = 0;
constexpr std::size_t kCredential = 1;
constexpr std::size_t kAccountKey = 2;
constexpr std::size_t kSignature = 3;
constexpr std::size_t kToken = 4;
constexpr std::size_t kSig = 5;

/// Bytes at which redact() has something to check when outside a URL: ':' (of "://") and the
/// first letters of the secret keys.
constexpr std::array<bool, 256> kInteresting = [] {
  std::array<bool, 256> table{};
  for (const char c : std::string_view(":sScCaAtT")) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}();

constexpr bool is_alnum(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

constexpr bool is_scheme_char(unsigned char c) noexcept {
  return is_alnum(c) || c == '+' || c == '-' || c == '.';
}

/// Characters that cannot be part of a URL as it appears in text: whitespace and controls,
/// quotes, angle brackets and a few others never found unescaped in URLs.
constexpr bool ends_url(unsigned char c) noexcept {
  return c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' ||
         c == '{' || c == '}' || c == '|' || c == '^';
}

/// What ends the token being skipped.
enum class Stop {
  Url,    ///< The rest of a URL (its query string).
  Value,  ///< The value of `key=value` (a query parameter, a connection string field).
  Sas,    ///< A whole SAS token (SharedAccessSignature=sv=...&sig=...): '&' belongs to it.
};

constexpr bool stops(unsigned char c, Stop mode) noexcept {
  switch (mode) {
    case Stop::Url:
      return ends_url(c);
    case Stop::Value:
      return ends_url(c) || c == '&' || c == ';' || c == ',';
    case Stop::Sas:
      return ends_url(c) || c == ';';
  }
  return true;
}

/// Result of looking at a backslash: either it ends the current token (an escaped quote or
/// control character in JSON text, or a \u00XX escape of a terminating character), or it is
/// `length` bytes to keep inside the token.
struct EscapeScan {
  bool terminates = false;
  std::size_t length = 1;
};

EscapeScan scan_escape(std::string_view s, std::size_t pos, Stop mode) noexcept {
  std::size_t run = 0;
  while (pos + run < s.size() && s[pos + run] == '\\') {
    ++run;
  }
  const std::size_t next = pos + run;
  if (next >= s.size()) {
    return {false, run};
  }
  const auto c = static_cast<unsigned char>(s[next]);
  if (c == '"' || c == 'n' || c == 'r' || c == 't') {
    return {true, 0};
  }
  if (c == 'u' && next + 4 < s.size() && is_hex_digit(s[next + 1]) && is_hex_digit(s[next + 2]) &&
      is_hex_digit(s[next + 3]) && is_hex_digit(s[next + 4])) {
    const unsigned cp = (hex_digit_value(s[next + 1]) << 12U) |
                        (hex_digit_value(s[next + 2]) << 8U) |
                        (hex_digit_value(s[next + 3]) << 4U) | hex_digit_value(s[next + 4]);
    if (cp < 0x80U) {
      const auto decoded = static_cast<unsigned char>(cp);
      if (stops(decoded, mode)) {
        return {true, 0};
      }
    }
    return {false, run + 5};
  }
  return {false, run};
}

/// Whether @p s at @p pos starts with @p key (lower case), ignoring ASCII case.
bool starts_with_key(std::string_view s, std::size_t pos, std::string_view key) noexcept {
  if (s.size() - pos < key.size()) {
    return false;
  }
  return detail::ascii_iequals(s.substr(pos, key.size()), key);
}

/// Index in kSecretKeys of the secret key (with its '=') starting at @p pos, or npos.
std::size_t match_secret_key(std::string_view s, std::size_t pos) noexcept {
  const auto try_key = [&](std::size_t index) {
    return starts_with_key(s, pos, kSecretKeys[index]) ? index : std::string_view::npos;
  };
  switch (detail::ascii_lower(s[pos])) {
    case 's': {
      // Longest first: "sharedaccesssignature=" contains "signature=".
      for (const std::size_t index : {kSharedAccessSignature, kSignature, kSig}) {
        if (try_key(index) != std::string_view::npos) {
          return index;
        }
      }
      return std::string_view::npos;
    }
    case 'c':
      return try_key(kCredential);
    case 'a':
      return try_key(kAccountKey);
    case 't':
      return try_key(kToken);
    default:
      return std::string_view::npos;
  }
}

/// End of the token starting at @p pos (a URL rest or a secret value).
std::size_t token_end(std::string_view s, std::size_t pos, Stop mode) noexcept {
  std::size_t j = pos;
  while (j < s.size()) {
    const auto d = static_cast<unsigned char>(s[j]);
    if (d == '\\') {
      const EscapeScan esc = scan_escape(s, j, mode);
      if (esc.terminates) {
        break;
      }
      j += esc.length;
      continue;
    }
    if (stops(d, mode)) {
      break;
    }
    ++j;
  }
  return j;
}

/// Position of the last '@' of the authority starting at @p pos (up to the first '/' or the
/// end of the URL), or npos.
std::size_t find_userinfo_end(std::string_view s, std::size_t pos) noexcept {
  std::size_t at = std::string_view::npos;
  std::size_t j = pos;
  while (j < s.size()) {
    const auto d = static_cast<unsigned char>(s[j]);
    if (d == '/') {
      break;
    }
    if (d == '\\') {
      const EscapeScan esc = scan_escape(s, j, Stop::Url);
      if (esc.terminates) {
        break;
      }
      j += esc.length;
      continue;
    }
    if (ends_url(d)) {
      break;
    }
    if (d == '@') {
      at = j;
    }
    ++j;
  }
  return at;
}

using detail::is_safe_boundary;

}  // namespace

namespace {

/// redact(), one position at a time.
class Redactor {
 public:
  explicit Redactor(std::string_view text) : text_(text) { out_.reserve(text.size() + 16); }

  std::string run() {
    while (i_ < text_.size()) {
      if (!in_url_ && !copy_plain_run()) {
        break;
      }
      const auto c = static_cast<unsigned char>(text_[i_]);
      if ((in_url_ && url_char(c)) || scheme(c) || secret_value()) {
        continue;
      }
      out_.push_back(static_cast<char>(c));
      ++i_;
    }
    return std::move(out_);
  }

 private:
  /// Copies the run of bytes that cannot start anything at once; false at the end of the text.
  bool copy_plain_run() {
    std::size_t j = i_;
    while (j < text_.size() && !kInteresting[static_cast<unsigned char>(text_[j])]) {
      ++j;
    }
    out_.append(text_.substr(i_, j - i_));
    i_ = j;
    return i_ < text_.size();
  }

  /// Inside a URL: an escape is copied whole, a character that cannot be in a URL ends it, and
  /// the whole query string, up to the end of the URL, goes. True when it consumed input.
  bool url_char(unsigned char c) {
    if (c == '\\') {
      const EscapeScan esc = scan_escape(text_, i_, Stop::Url);
      if (esc.terminates) {
        in_url_ = false;
        return false;
      }
      out_.append(text_.substr(i_, esc.length));
      i_ += esc.length;
      return true;
    }
    if (ends_url(c)) {
      in_url_ = false;
      return false;
    }
    if (c == '?') {
      out_.push_back('?');
      out_.append(kRedacted);
      i_ = token_end(text_, i_ + 1, Stop::Url);
      in_url_ = false;
      return true;
    }
    return false;
  }

  /// "scheme://": a URL starts; credentials in `user:password@` go.
  bool scheme(unsigned char c) {
    const std::size_t n = text_.size();
    if (c != ':' || i_ == 0 || n - i_ < 3 || text_[i_ + 1] != '/' || text_[i_ + 2] != '/' ||
        !is_scheme_char(static_cast<unsigned char>(text_[i_ - 1]))) {
      return false;
    }
    out_.append("://");
    i_ += 3;
    const std::size_t at = find_userinfo_end(text_, i_);
    if (at != std::string_view::npos) {
      out_.append(kRedacted);
      out_.push_back('@');
      i_ = at + 1;
    }
    in_url_ = true;
    return true;
  }

  /// A secret key (`sig=`, `AccountKey=`...): the key keeps its spelling, its value goes.
  bool secret_value() {
    const std::size_t key = match_secret_key(text_, i_);
    if (key == std::string_view::npos) {
      return false;
    }
    const std::size_t key_len = kSecretKeys[key].size();
    out_.append(text_.substr(i_, key_len));
    i_ += key_len;
    const Stop mode = key == kSharedAccessSignature ? Stop::Sas : Stop::Value;
    const std::size_t end = token_end(text_, i_, mode);
    if (end > i_) {
      out_.append(kRedacted);
    }
    i_ = end;
    return true;
  }

  std::string_view text_;
  std::string out_;
  std::size_t i_ = 0;
  bool in_url_ = false;
};

}  // namespace

std::string redact(std::string_view text) { return Redactor(text).run(); }

std::string redacted_excerpt(std::string_view text, std::size_t max_bytes) {
  if (max_bytes == 0 || text.empty()) {
    return {};
  }
  std::size_t start = 0;
  if (text.size() > max_bytes) {
    // Start the redaction at a character no secret spans, so that the window never begins in
    // the middle of a URL or a secret value (which would then escape redaction).
    start = text.size() - max_bytes;
    while (start > 0 && !is_safe_boundary(text[start - 1])) {
      --start;
    }
  }
  std::string out = redact(text.substr(start));
  out.erase(0, out.size() - detail::utf8_tail(out, max_bytes).size());
  return out;
}

namespace detail {
namespace {

/// Redacts each message and hands it to the host's logger (whose sinks are thread-safe).
class RedactingSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit RedactingSink(std::shared_ptr<spdlog::logger> host) : host_(std::move(host)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string text = redact(std::string_view(msg.payload.data(), msg.payload.size()));
    host_->log(msg.time, msg.source, msg.level, text);
  }
  void flush_() override { host_->flush(); }

 private:
  std::shared_ptr<spdlog::logger> host_;
};

}  // namespace

std::shared_ptr<spdlog::logger> redacting_logger(std::shared_ptr<spdlog::logger> host) {
  if (!host) {
    auto none = std::make_shared<spdlog::logger>("azcopy_runner",
                                                 std::make_shared<spdlog::sinks::null_sink_st>());
    none->set_level(spdlog::level::off);
    return none;
  }
  auto log = std::make_shared<spdlog::logger>(host->name(), std::make_shared<RedactingSink>(host));
  log->set_level(spdlog::level::trace);  // the host's level decides
  return log;
}

}  // namespace detail
}  // namespace azcopy_runner
