// SPDX-License-Identifier: MIT
// Internal: AzCopy's timestamps (RFC 3339) and the runner's own (UTC, milliseconds).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner::detail {

/// Parses "2026-11-29T18:23:10.30122744Z" (RFC 3339, any fraction, Z or +hh:mm).
std::optional<TimePoint> parse_timestamp(std::string_view text) noexcept;

/// Formats as "2026-11-29T18:23:10.301Z" (milliseconds, UTC).
std::string format_timestamp(TimePoint t);

}  // namespace azcopy_runner::detail
