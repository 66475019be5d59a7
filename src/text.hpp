// SPDX-License-Identifier: MIT
// Internal: byte classes shared by the parsers and the redaction.
#pragma once

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

}  // namespace azcopy_runner::detail
