// SPDX-License-Identifier: MIT
/// @file json.hpp
/// @brief JSON text of the value types, with the field names of the task
/// (state, files_transferred, bytes_transferred, ...). Timestamps are ISO 8601 UTC strings.
/// No JSON library appears in this header: the functions take and return text.
#pragma once

#include <string>
#include <string_view>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner {

/// {"job_id","started_at","command":[...],"environment":{...},"log_dir","azcopy_log_file","pid"}
[[nodiscard]] std::string to_json(const AzCopyJobRef& ref);

/// {"job_id","state","raw_status","last_updated_at","files_transferred","files_total",
///  "total_transfers","bytes_transferred","bytes_expected","failed_transfers",
///  "skipped_transfers","percent_complete","reason","resumable"}: the names of the summary's
///  figures.
[[nodiscard]] std::string to_json(const AzCopyProgress& progress);

/// {"job_id","state","raw_status","files_transferred","bytes_transferred","failed_transfers",
///  "skipped_transfers","total_transfers","files_total","bytes_expected","warnings","errors","started_at",
///  "finished_at","failed_files":[{"source","destination","error_code","transfer_status","size"}],
///  "failed_files_omitted","messages":[...],"raw_summary"}
[[nodiscard]] std::string to_json(const AzCopySummary& summary);

/// Reads what to_json(const AzCopySummary&) wrote. @throws AzCopyParseError.
[[nodiscard]] AzCopySummary summary_from_json(std::string_view text);

/// Reads what to_json(const AzCopyJobRef&) wrote. @throws AzCopyParseError.
[[nodiscard]] AzCopyJobRef job_ref_from_json(std::string_view text);

}  // namespace azcopy_runner
