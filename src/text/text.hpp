// SPDX-License-Identifier: MIT
// Internal: the one copy of the byte-level text helpers that the parsers, the redaction, the
// runner and the CLI share: ASCII case folding (never locale-dependent), hex digits, and cutting
// a text without splitting a UTF-8 sequence.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace azcopy_runner::detail {

/// A UTF-8 continuation byte (10xxxxxx): never cut a text before one.
constexpr bool is_utf8_continuation(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

/// The longest prefix of @p text of at most @p max bytes that does not end inside a UTF-8
/// sequence (at most 3 bytes are given back: a sequence is at most 4 bytes long).
constexpr std::string_view utf8_head(std::string_view text, std::size_t max) noexcept {
  if (text.size() <= max) {
    return text;
  }
  std::size_t cut = max;
  for (int step = 0; step < 3 && cut > 0 && is_utf8_continuation(text[cut]); ++step) {
    --cut;
  }
  return text.substr(0, cut);
}

/// The longest suffix of @p text of at most @p max bytes that does not begin inside a UTF-8
/// sequence (at most 3 bytes more are left out).
constexpr std::string_view utf8_tail(std::string_view text, std::size_t max) noexcept {
  if (text.size() <= max) {
    return text;
  }
  std::size_t cut = text.size() - max;
  for (int step = 0; step < 3 && cut < text.size() && is_utf8_continuation(text[cut]); ++step) {
    ++cut;
  }
  return text.substr(cut);
}

/// Characters no secret construct (URL, key=value) spans: a safe place to start or end a
/// redaction window.
constexpr bool is_safe_boundary(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == '"' || u == '\'';
}

/// @p c in lower case when it is an ASCII capital letter, else @p c.
constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// @p text with its ASCII capital letters in lower case (other bytes unchanged).
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = ascii_lower(c);
  }
  return out;
}

/// @p text with its ASCII small letters in upper case (other bytes unchanged).
inline std::string ascii_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

/// Whether @p a and @p b are equal but for the case of ASCII letters.
constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

constexpr bool is_hex_digit(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// The value of hex digit @p c (0 to 15); 0 for a character that is not one.
constexpr unsigned hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return static_cast<unsigned>(c - '0');
  }
  const char lower = ascii_lower(c);
  return lower >= 'a' && lower <= 'f' ? static_cast<unsigned>(lower - 'a' + 10) : 0U;
}

/// Appends @p text to @p out with each `%XX` (two hex digits) decoded; any other `%` is kept.
inline void append_percent_decoded(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && is_hex_digit(text[i + 1]) &&
        is_hex_digit(text[i + 2])) {
      out.push_back(
          static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
}

}  // namespace azcopy_runner::detail
