// SPDX-License-Identifier: MIT
// Internal: the production ProcessLauncher (make_default_launcher(), declared in the public
// process.hpp: posix_spawn, pidfds, a reaper thread, exits kept by pid and start time), and the
// small helpers over any launcher that starting, cancelling and describing a job use.
#pragma once

#include <string>

#include "azcopy_runner/process.hpp"

namespace azcopy_runner::detail {

/// "exit code 3" / "killed by signal 9".
std::string describe_exit(const ExitStatus& status);

/// SIGKILL to @p who's group, then reaps it (at most about a second).
void kill_and_reap(ProcessLauncher& launcher, const ProcessIdentity& who);

}  // namespace azcopy_runner::detail
