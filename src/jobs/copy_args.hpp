// SPDX-License-Identifier: MIT
// Internal: the command line and the environment a copy job runs with, and their checks.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/types.hpp"
#include "jobs/azcopy_binary.hpp"

namespace azcopy_runner::detail {

/// `copy SRC DST --recursive=… --overwrite=… [--from-to=…] --log-level=… --output-type=…
/// --skip-version-check [extra args]`, after checking the request (not redacted).
/// @throws AzCopyStartError ("invalid copy request: …") for a request the runner refuses.
std::vector<std::string> build_copy_args(std::string_view source, std::string_view destination,
                                         const CopyOptions& options,
                                         std::string_view default_log_level);

/// AzCopy before 10.32 (10.18.1 seen, docs/FILES-FACTS.md, "Traps") writes whole URLs, real SAS
/// signature included, into `<job id>-chunks.log`, which it makes only at --log-level=DEBUG,
/// in the work dir: the runner promises that no signature is written where it manages, so
/// DEBUG is refused there. 10.32.2 is the first version checked not to (its chunk log has no
/// query strings; tests/integration/test_files_faults.cpp checks it on every run). AzCopy's
/// version is asked for only when @p args hold --log-level=DEBUG.
/// @throws AzCopyStartError naming @p log_dir, and AzCopyNotInstalledError.
void refuse_debug_log_that_leaks(const std::vector<std::string>& args, AzCopyBinary& azcopy,
                                 const std::string& log_dir);

/// A SAS query string without its leading '?'.
std::string_view strip_sas_question(std::string_view sas) noexcept;

/// The words of @p command joined by single spaces (for the log).
std::string command_text(const std::vector<std::string>& command);

/// Whether an environment variable of that name may hold a secret (never recorded).
bool is_secret_env(std::string_view name);

/// @p env without its secret variables, every value redacted: what a job's record keeps.
std::map<std::string, std::string> safe_environment(const std::map<std::string, std::string>& env);

}  // namespace azcopy_runner::detail
