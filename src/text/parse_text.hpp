// SPDX-License-Identifier: MIT
// Internal: the small text and number helpers of the parsers (ASCII case folding as in text.hpp;
// bytes >= 0x80 are compared verbatim).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "text/text.hpp"

namespace azcopy_runner::detail {

inline constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
/// Bound on one field of a failed-transfer entry (a path or a URL).
inline constexpr std::size_t kMaxEntryFieldBytes = std::size_t{8} * 1024;
/// Bound on short fields (job id, status, message type, timestamp).
inline constexpr std::size_t kMaxShortFieldBytes = 128;
/// Bound on a log file path.
inline constexpr std::size_t kMaxPathBytes = std::size_t{4} * 1024;
/// Bound on the AzCopy text quoted in a not-found / parse error message.
inline constexpr std::size_t kMaxErrorQuoteBytes = 1024;

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// @p s without leading and trailing ASCII white space.
std::string_view trim(std::string_view s) noexcept;

/// ASCII case-insensitive comparisons (equality: text.hpp's ascii_iequals).
bool istarts_with(std::string_view s, std::string_view prefix) noexcept;
bool iends_with(std::string_view s, std::string_view suffix) noexcept;
/// Case-insensitive search of a short, lower-case @p needle.
bool icontains(std::string_view s, std::string_view needle) noexcept;

/// The first @p max bytes of redact(@p text), cut at a UTF-8 boundary, without redacting more
/// of a long text than needed. The redaction window ends at a character no secret spans, so
/// cutting it cannot leave part of a secret unredacted.
std::string redact_prefix(std::string_view text, std::size_t max);

/// a + b for a, b >= 0, INT64_MAX when it overflows.
std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept;

// Numbers. AzCopy prints counters as JSON strings of uint32/uint64; numbers are accepted too.
// Deterministic for any input: negative -> 0, too large -> INT64_MAX, garbage -> 0.
std::int64_t clamp_from_double(double d) noexcept;
std::optional<double> parse_double(std::string_view t) noexcept;
std::int64_t parse_counter_text(std::string_view text) noexcept;
double clamp_percent(double d) noexcept;
double parse_percent_text(std::string_view text) noexcept;

/// Whether a UUID (8-4-4-4-12 hex digits) starts at @p pos of @p s.
bool is_uuid_at(std::string_view s, std::size_t pos) noexcept;

/// The first UUID in @p text that is not part of a longer hex/hyphen run.
std::optional<std::string> find_uuid(std::string_view text);

}  // namespace azcopy_runner::detail
