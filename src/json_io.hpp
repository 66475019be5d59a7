// SPDX-License-Identifier: MIT
// Internal: nlohmann::json conversions of the value types (shared by json.cpp and record.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include "azcopy_runner/process.hpp"
#include "azcopy_runner/types.hpp"

namespace azcopy_runner::detail {

nlohmann::json to_json_value(const AzCopyJobRef& ref);
nlohmann::json to_json_value(const AzCopyProgress& progress);
nlohmann::json to_json_value(const AzCopySummary& summary);
nlohmann::json to_json_value(const ProcessIdentity& who);

/// The readers tolerate missing fields (defaults) and throw nlohmann::json::exception on
/// wrong types; callers convert that into AzCopyParseError.
AzCopyJobRef job_ref_from_value(const nlohmann::json& j);
AzCopySummary summary_from_value(const nlohmann::json& j);
ProcessIdentity identity_from_value(const nlohmann::json& j);

/// dump() that never throws on invalid UTF-8 (replaces it).
std::string dump(const nlohmann::json& j, int indent = -1);

nlohmann::json optional_time(const std::optional<TimePoint>& t);
std::optional<TimePoint> time_from_value(const nlohmann::json& j);

}  // namespace azcopy_runner::detail
