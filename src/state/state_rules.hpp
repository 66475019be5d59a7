// SPDX-License-Identifier: MIT
// Internal: the rules that turn AzCopy's status words into a state (the first rows of the
// README's states table). The rules that need more than a summary (a process that is gone, a
// cancel no one asked for, a failed scan, ...) are in job_state.hpp; both are the state module,
// and tests/unit/state/test_job_state.cpp checks the README's table against them.
#pragma once

#include <cstdint>
#include <string_view>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner::detail {

/// The state of a summary AzCopy printed with status @p job_status and @p failed_transfers
/// failed transfers: map_azcopy_status(), except that a job that "completed" with a failed
/// transfer is FAILED (AzCopy never says so, but a higher layer must not count it done).
[[nodiscard]] AzCopyJobState state_of_status(std::string_view job_status,
                                             std::int64_t failed_transfers) noexcept;

}  // namespace azcopy_runner::detail
