// SPDX-License-Identifier: MIT
/// @file exit_codes.hpp
/// @brief The exit codes of the `azcopy-runner` command-line tool. They are stable: scripts may
/// rely on them. The same table is printed by `azcopy-runner --help`.
///
/// | code | meaning                                                                        |
/// |------|--------------------------------------------------------------------------------|
/// |  0   | success; for `copy --wait`, `wait`, `summary`, `parse`: the job SUCCEEDED      |
/// |  1   | the job FAILED (`copy --wait`, `wait`, `summary`, `parse`)                     |
/// |  2   | usage error (unknown command or option, missing or invalid argument)           |
/// |  3   | the job was CANCELED (`copy --wait`, `wait`, `summary`, `parse`)               |
/// |  4   | job not found (AzCopyJobNotFoundError; also a malformed job id)                |
/// |  5   | AzCopy is not installed (AzCopyNotInstalledError)                              |
/// |  6   | job not finished: `summary` of a running job, `wait --timeout` expired,        |
/// |      | `parse` of the output of a job still in progress, `cancel` left it running     |
/// |  7   | the job could not be started (AzCopyStartError, AzCopyJobIdNotFoundError)      |
/// |  8   | AzCopy's output could not be understood (AzCopyParseError)                     |
/// |  9   | any other error (I/O error, unknown job state, internal error)                 |
/// | 130  | interrupted by Ctrl-C while waiting: the AzCopy job keeps running              |
///
/// `poll` exits 0 whenever it obtained the job's progress, whatever the job's state (the state
/// is in its output); `cancel` exits 0 when the job is no longer running afterwards.
#pragma once

#include <exception>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/types.hpp"

namespace azcopy_runner::cli {

enum ExitCode : int {
  kExitSuccess = 0,
  kExitJobFailed = 1,
  kExitUsage = 2,
  kExitJobCanceled = 3,
  kExitJobNotFound = 4,
  kExitNotInstalled = 5,
  kExitNotFinished = 6,
  kExitStartError = 7,
  kExitParseError = 8,
  kExitOtherError = 9,
  kExitInterrupted = 130,
};

/// The exit code that reports a job's state: SUCCEEDED 0, FAILED 1, CANCELED 3,
/// PENDING/RUNNING 6 (not finished), UNKNOWN 9.
[[nodiscard]] constexpr int exit_code_for_state(AzCopyJobState state) noexcept {
  switch (state) {
    case AzCopyJobState::Succeeded:
      return kExitSuccess;
    case AzCopyJobState::Failed:
      return kExitJobFailed;
    case AzCopyJobState::Canceled:
      return kExitJobCanceled;
    case AzCopyJobState::Pending:
    case AzCopyJobState::Running:
      return kExitNotFinished;
    case AzCopyJobState::Unknown:
      break;
  }
  return kExitOtherError;
}

/// The exit code that reports an exception thrown by the library (see the table above).
[[nodiscard]] inline int exit_code_for_error(const std::exception& error) noexcept {
  if (dynamic_cast<const AzCopyNotFinishedError*>(&error) != nullptr) {
    return kExitNotFinished;
  }
  if (dynamic_cast<const AzCopyJobNotFoundError*>(&error) != nullptr) {
    return kExitJobNotFound;
  }
  if (dynamic_cast<const AzCopyNotInstalledError*>(&error) != nullptr) {
    return kExitNotInstalled;
  }
  if (dynamic_cast<const AzCopyStartError*>(&error) != nullptr ||
      dynamic_cast<const AzCopyJobIdNotFoundError*>(&error) != nullptr) {
    return kExitStartError;
  }
  if (dynamic_cast<const AzCopyParseError*>(&error) != nullptr) {
    return kExitParseError;
  }
  return kExitOtherError;
}

}  // namespace azcopy_runner::cli
