// SPDX-License-Identifier: MIT
// Internal: ProcessLauncher::run() of the production launcher: a child run to its end, to a
// deadline, or until a line it prints is the one the caller waited for (ProcessSpec::
// stop_after_line); its stdout and stderr captured (bounded) or copied to a file.
#pragma once

#include <chrono>
#include <cstddef>

#include "azcopy_runner/process.hpp"

namespace azcopy_runner::detail {

/// Runs @p spec (spawn.hpp) and waits for it: at @p timeout, or once the line watcher has what
/// it wanted, the child's whole process group is killed and the child reaped. At most
/// @p max_output bytes of each output are kept (RunResult::truncated says so).
RunResult run_watched(const ProcessSpec& spec, std::chrono::milliseconds timeout,
                      std::size_t max_output);

}  // namespace azcopy_runner::detail
