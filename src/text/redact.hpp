// SPDX-License-Identifier: MIT
// Internal: where the runner's text leaves the library, it is redacted here (redact() and
// redacted_excerpt() are public, in parse.hpp). The paths out and what each one uses:
//   - the host's logger: redacting_logger() (every message of the runner, whole);
//   - a job's record: write_record() redacts every string of it (record.hpp);
//   - errors: AzCopyError's constructor redacts its message and context (errors.cpp);
//   - returned command lines: each argument as the job starts (job_start.cpp);
//   - summaries: raw_summary and messages as they are parsed (output_parser.cpp);
//   - the CLI's output: everything it prints (tools/cli/output.hpp).
// tests/unit/api/test_secrets.cpp feeds a signature through every input and looks for it on every
// one of these.
#pragma once

#include <memory>

namespace spdlog {
class logger;
}

namespace azcopy_runner::detail {

/// The runner's logger: each message is redacted whole, then logged by @p host (its level,
/// sinks and pattern apply); a null @p host gives a logger that drops everything.
std::shared_ptr<spdlog::logger> redacting_logger(std::shared_ptr<spdlog::logger> host);

}  // namespace azcopy_runner::detail
