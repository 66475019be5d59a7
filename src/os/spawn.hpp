// SPDX-License-Identifier: MIT
// Internal: starting a process (posix_spawn: its own session, umask 077, stdio on the given
// descriptors, every other descriptor closed, no PATH search), and following it.
#pragma once

#include <sys/types.h>

#include "azcopy_runner/process.hpp"

namespace azcopy_runner::detail {

/// Starts spec.executable (an absolute path) with spec.args and the environment of this
/// process overridden by spec.env, in its own session, with umask 077; returns its pid. No code
/// of ours runs in the child. @throws AzCopyStartError when it cannot be started.
pid_t spawn_process(const ProcessSpec& spec, int in_fd, int out_fd, int err_fd);

/// A waitpid() status as an ExitStatus.
ExitStatus decode_wait_status(int status);

/// A pidfd of @p pid (pidfd_open(2)); -1 where the kernel has none.
int open_pidfd(pid_t pid);

}  // namespace azcopy_runner::detail
