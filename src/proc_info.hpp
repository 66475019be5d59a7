// SPDX-License-Identifier: MIT
// Internal: what /proc and the kernel say about processes and this host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "azcopy_runner/process.hpp"

namespace azcopy_runner::detail {

struct ProcStat {
  char state = '?';              ///< R, S, D, Z, X, T, ...
  std::uint64_t start_time = 0;  ///< Field 22: clock ticks after boot.
};

/// Reads /proc/<pid>/stat; std::nullopt when the process does not exist.
std::optional<ProcStat> read_proc_stat(std::int64_t pid);

/// This host's name (gethostname), cached.
const std::string& host_name();

/// /proc/sys/kernel/random/boot_id, cached ("" when unreadable).
const std::string& boot_id();

/// pid + start time + boot id + host of a live process.
ProcessIdentity identify(std::int64_t pid);

}  // namespace azcopy_runner::detail
