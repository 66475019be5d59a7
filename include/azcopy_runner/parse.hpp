// SPDX-License-Identifier: MIT
/// @file parse.hpp
/// @brief Pure, deterministic parsers of AzCopy output, and the redaction used everywhere.
///
/// They accept any stdout of `azcopy copy`, `azcopy jobs show` or `azcopy jobs resume`, in
/// JSON (`--output-type=json`, one message a line) or text, from AzCopy 10.10 to 10.32.
/// They never crash on bad input and throw only this library's error types.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner {

/// True when @p id is a canonical, lower- or upper-case 8-4-4-4-12 hex UUID.
[[nodiscard]] bool is_valid_job_id(std::string_view id) noexcept;

/// The job id AzCopy printed: the `Init` message's JobID (JSON), or `Job <id> has started`
/// (text); as a fallback the JobID of a summary. std::nullopt when there is none.
/// Never throws.
[[nodiscard]] std::optional<std::string> parse_job_id(std::string_view output) noexcept;

/// The newest job summary in @p output: the EndOfJob / GetJobSummary / Progress message (JSON)
/// or the `Job <id> summary` block (text); the last one wins, EndOfJob over a later Progress.
/// The state follows map_azcopy_status(), and a terminal job with a failed transfer is Failed.
/// A summary of a job that is not terminal (InProgress) has state Running.
/// @throws AzCopyJobNotFoundError for "no job with JobId ... exists" or "invalid jobId given".
/// @throws AzCopyParseError when the output holds no summary.
[[nodiscard]] AzCopySummary parse_summary(std::string_view output);

/// Removes secrets from any text: the query string of every URL becomes `?REDACTED`,
/// credentials in `scheme://user:password@host` become `REDACTED@`, and any
/// `sig=`, `signature=`, `token=`, `credential=`, `AccountKey=`, `SharedAccessSignature=` value
/// elsewhere is replaced too. Idempotent.
[[nodiscard]] std::string redact(std::string_view text);

/// The last @p max_bytes of @p text, redacted, cut at a UTF-8 boundary.
[[nodiscard]] std::string redacted_excerpt(std::string_view text,
                                           std::size_t max_bytes = kMaxExcerptBytes);

}  // namespace azcopy_runner
