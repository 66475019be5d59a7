// SPDX-License-Identifier: MIT
/// @file exit_codes.hpp
/// @brief The exit codes of the `azcopy-runner` command-line tool. They are stable: scripts may
/// rely on them.
///
/// The table below (kExitCodes) is their one description: `azcopy-runner --help` prints it,
/// and a unit test checks that the README's table says the same.
///
/// `poll` exits 0 whenever it obtained the job's progress, whatever the job's state (the state
/// is in its output); `cancel` exits 0 when the job is no longer running afterwards.
#pragma once

#include <array>
#include <exception>
#include <string_view>

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

/// One exit code and what it means.
struct ExitCodeMeaning {
  int code;
  std::string_view meaning;
};

/// Every exit code of the tool, in order.
inline constexpr std::array<ExitCodeMeaning, 11> kExitCodes{{
    {kExitSuccess,
     "success; after 'copy --wait', 'wait', and for 'summary', 'parse': the job "
     "SUCCEEDED"},
    {kExitJobFailed, "the job FAILED"},
    {kExitUsage, "usage error (unknown command or option, missing or invalid argument)"},
    {kExitJobCanceled, "the job was CANCELED"},
    {kExitJobNotFound, "job not found (or not a job id)"},
    {kExitNotInstalled, "AzCopy is not installed"},
    {kExitNotFinished,
     "job not finished ('summary' of a running job, wait timeout, 'cancel' left "
     "it running, 'rm' of a running job)"},
    {kExitStartError, "the job could not be started (AzCopyStartError, AzCopyJobIdNotFoundError)"},
    {kExitParseError, "AzCopy's output could not be understood (AzCopyParseError)"},
    {kExitOtherError, "any other error (I/O error, unknown job state, internal error)"},
    {kExitInterrupted, "interrupted by Ctrl-C while waiting (the AzCopy job keeps running)"},
}};

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
