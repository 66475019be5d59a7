// SPDX-License-Identifier: MIT
// Internal: the expiry (`se`) of the SAS tokens a job is given, read before it starts.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner::detail {

/// The `se` of a SAS: @p sas is a URL (its query string is read) or a bare query string as
/// resume() takes it ("sv=...&se=...", with or without '?'). Accepts Azure's forms
/// (YYYY-MM-DD, YYYY-MM-DDThh:mmZ, YYYY-MM-DDThh:mm:ss[.f]Z, percent-encoded or not).
/// std::nullopt when there is no `se` (not a SAS, a local path) or it is not such a date.
std::optional<TimePoint> sas_expiry(std::string_view sas);

/// Refuses a SAS that has expired at @p now, or expires less than @p margin after it.
/// @param side "source" or "destination" (named in the error).
/// @throws AzCopySasExpiredError with @p job_id and @p log_dir (either may be empty).
void refuse_expiring_sas(std::string_view side, std::optional<TimePoint> expiry, TimePoint now,
                         std::chrono::seconds margin, const std::string& job_id,
                         const std::string& log_dir);

}  // namespace azcopy_runner::detail
