// SPDX-License-Identifier: MIT
// Internal: byte classes and ASCII case folding shared by the parsers, the redaction and the
// runner. Case folding here never depends on the locale.
#pragma once

#include <string>
#include <string_view>

namespace azcopy_runner::detail {

/// A UTF-8 continuation byte (10xxxxxx): never cut a text before one.
constexpr bool is_utf8_continuation(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
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

}  // namespace azcopy_runner::detail
