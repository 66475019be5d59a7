// SPDX-License-Identifier: MIT
// Internal: reading AzCopy's own log files (`<job id>.log`, `<job id>-scanning.log`) for the
// reason of a failure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace azcopy_runner::detail {

/// How much of the end of one of AzCopy's logs is read for a reason.
inline constexpr std::size_t kLogTailBytes = std::size_t{64} << 10;

/// @p log without Go stack traces: a frame is a function line followed by a tab-indented
/// file line; `goroutine N [...]:` headers go too. (AzCopy 10.32 logs a stack trace after each
/// failed try.)
std::string without_stack_traces(std::string_view log);

/// The last line of AzCopy's log that says why a request failed (a connection error or a
/// service's error code), trimmed; empty when none does.
std::string last_error_line(std::string_view log);

/// The scanning log AzCopy writes beside its job log @p job_log (`<id>.log` ->
/// `<id>-scanning.log`); empty when @p job_log is not such a path.
std::string scanning_log_of(std::string_view job_log);

}  // namespace azcopy_runner::detail
