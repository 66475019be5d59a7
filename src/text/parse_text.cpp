// SPDX-License-Identifier: MIT
#include "text/parse_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include "azcopy_runner/parse.hpp"

namespace azcopy_runner::detail {

// ---------------------------------------------------------------------------------------------
// Small text helpers (ASCII case folding; bytes >= 0x80 are compared verbatim).

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && ascii_iequals(s.substr(0, prefix.size()), prefix);
}

bool iends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && ascii_iequals(s.substr(s.size() - suffix.size()), suffix);
}

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
    if (ascii_lower(s[i]) != first) {
      continue;
    }
    std::size_t k = 1;
    while (k < needle.size() && ascii_lower(s[i + k]) == needle[k]) {
      ++k;
    }
    if (k == needle.size()) {
      return true;
    }
  }
  return false;
}

std::string redact_prefix(std::string_view text, std::size_t max) {
  std::size_t end = text.size();
  if (end > max) {
    end = max;
    while (end < text.size() && !is_safe_boundary(text[end])) {
      ++end;
    }
  }
  std::string out = redact(text.substr(0, end));
  out.resize(utf8_head(out, max).size());
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

}  // namespace azcopy_runner::detail
