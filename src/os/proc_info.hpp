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

/// Everything @p fd reads (at most 64 KiB) with read(2); std::nullopt on a read error. Not an
/// ifstream: a process may exit between the open of its /proc file and the read, which then
/// fails with ESRCH, and libstdc++'s filebuf throws std::ios_base::failure for that out of an
/// istreambuf_iterator (seen: it escaped from wait() in a benchmark).
std::optional<std::string> read_all(int fd);

/// A small /proc file read with read_all(); std::nullopt on any error.
std::optional<std::string> read_proc_file(const std::string& path);

/// Reads /proc/<pid>/stat; std::nullopt when the process does not exist or exits meanwhile.
std::optional<ProcStat> read_proc_stat(std::int64_t pid);

/// The absolute path of an AzCopy job log (`<job id>.log`, no suffix) that process @p pid holds
/// open, read from /proc/<pid>/fd; std::nullopt when there is none or the process is gone.
/// AzCopy opens that log first thing, named after the job id it has chosen, long before it
/// prints the id: this is how a start that never prints one still finds its log.
std::optional<std::string> open_job_log(std::int64_t pid);

/// This host's name (gethostname), cached.
const std::string& host_name();

/// /proc/sys/kernel/random/boot_id, cached ("" when unreadable).
const std::string& boot_id();

/// pid + start time + boot id + host of a live process.
ProcessIdentity identify(std::int64_t pid);

}  // namespace azcopy_runner::detail
