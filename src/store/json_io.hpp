// SPDX-License-Identifier: MIT
// Internal: nlohmann::json conversions of the value types (shared by json_io.cpp, behind
// the public json.hpp, and record.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include "azcopy_runner/process.hpp"
#include "azcopy_runner/types.hpp"

namespace azcopy_runner::detail {

nlohmann::ordered_json to_json_value(const AzCopyJobRef& ref);
nlohmann::ordered_json to_json_value(const AzCopyProgress& progress);
nlohmann::ordered_json to_json_value(const AzCopySummary& summary);
nlohmann::ordered_json to_json_value(const ProcessIdentity& who);
nlohmann::ordered_json to_json_value(const DirectoryCounts& directories);

/// The readers tolerate missing fields (defaults) and throw nlohmann::json::exception on
/// wrong types; callers convert that into AzCopyParseError.
AzCopyJobRef job_ref_from_value(const nlohmann::ordered_json& j);
AzCopySummary summary_from_value(const nlohmann::ordered_json& j);
ProcessIdentity identity_from_value(const nlohmann::ordered_json& j);
/// Counts of an object {"made", "skipped", "failed"}; zeros for anything else.
DirectoryCounts directory_counts_from_value(const nlohmann::ordered_json& j);

/// Redacts (redact()) every string of @p value, at any depth; keys are left as they are.
void redact_strings(nlohmann::ordered_json& value);

/// dump() that never throws on invalid UTF-8 (replaces it).
std::string dump(const nlohmann::ordered_json& j, int indent = -1);

nlohmann::ordered_json optional_time(const std::optional<TimePoint>& t);
std::optional<TimePoint> time_from_value(const nlohmann::ordered_json& j);

}  // namespace azcopy_runner::detail
