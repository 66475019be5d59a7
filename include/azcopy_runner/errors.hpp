// SPDX-License-Identifier: MIT
/// @file errors.hpp
/// @brief The exception hierarchy. Every error says what a person needs to act: the job id
/// when known, the log directory, and a bounded, redacted excerpt of AzCopy's output.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner {

/// What an error knows about where it happened. All strings are already redacted.
struct ErrorContext {
  std::string job_id;   ///< Empty when no job id is known.
  std::string log_dir;  ///< The runner's directory for the job, or its log root.
  std::string excerpt;  ///< Redacted tail of AzCopy's stdout/stderr, at most kMaxExcerptBytes.
};

/// Base class of every error thrown by this library.
class AzCopyError : public std::runtime_error {
 public:
  AzCopyError(const std::string& message, ErrorContext context);

  /// The job id, or an empty string.
  [[nodiscard]] const std::string& job_id() const noexcept { return context_.job_id; }
  /// Directory holding the runner's files for this job (or the log root).
  [[nodiscard]] const std::string& log_dir() const noexcept { return context_.log_dir; }
  /// Bounded (at most 4 KiB), redacted excerpt of AzCopy's output.
  [[nodiscard]] const std::string& excerpt() const noexcept { return context_.excerpt; }
  /// The class name, e.g. "AzCopyJobNotFoundError" (used by the CLI's JSON errors).
  [[nodiscard]] virtual std::string_view type_name() const noexcept { return "AzCopyError"; }

 private:
  ErrorContext context_;
};

/// The AzCopy executable is missing, not executable, or not AzCopy.
class AzCopyNotInstalledError : public AzCopyError {
 public:
  using AzCopyError::AzCopyError;
  [[nodiscard]] std::string_view type_name() const noexcept override {
    return "AzCopyNotInstalledError";
  }
};

/// Invalid copy request, or AzCopy could not be started / exited before printing a job id.
class AzCopyStartError : public AzCopyError {
 public:
  using AzCopyError::AzCopyError;
  [[nodiscard]] std::string_view type_name() const noexcept override { return "AzCopyStartError"; }
};

/// A SAS token of the request has expired, or expires within RunnerConfig::min_sas_validity:
/// refused before AzCopy starts (it would list, start and fail part-way with 403s).
class AzCopySasExpiredError : public AzCopyStartError {
 public:
  /// @param side "source" or "destination".
  AzCopySasExpiredError(const std::string& message, ErrorContext context, std::string side,
                        TimePoint expires_at);
  [[nodiscard]] std::string_view type_name() const noexcept override {
    return "AzCopySasExpiredError";
  }
  /// "source" or "destination": whose SAS it is.
  [[nodiscard]] const std::string& side() const noexcept { return side_; }
  /// The SAS's `se`.
  [[nodiscard]] TimePoint expires_at() const noexcept { return expires_at_; }

 private:
  std::string side_;
  TimePoint expires_at_;
};

/// AzCopy ran but no job id appeared in its output before the deadline.
class AzCopyJobIdNotFoundError : public AzCopyError {
 public:
  using AzCopyError::AzCopyError;
  [[nodiscard]] std::string_view type_name() const noexcept override {
    return "AzCopyJobIdNotFoundError";
  }
};

/// Neither AzCopy nor the runner's records know the job (or the id is not a job id).
class AzCopyJobNotFoundError : public AzCopyError {
 public:
  using AzCopyError::AzCopyError;
  [[nodiscard]] std::string_view type_name() const noexcept override {
    return "AzCopyJobNotFoundError";
  }
};

/// AzCopy's output could not be understood (or `jobs show` failed or timed out).
class AzCopyParseError : public AzCopyError {
 public:
  using AzCopyError::AzCopyError;
  [[nodiscard]] std::string_view type_name() const noexcept override { return "AzCopyParseError"; }
};

/// get_summary() was called before the job reached a terminal state.
class AzCopyNotFinishedError : public AzCopyError {
 public:
  AzCopyNotFinishedError(const std::string& message, ErrorContext context, AzCopySummary partial);
  [[nodiscard]] std::string_view type_name() const noexcept override {
    return "AzCopyNotFinishedError";
  }
  /// The summary as known now (state Running or Pending).
  [[nodiscard]] const AzCopySummary& partial_summary() const noexcept { return partial_; }

 private:
  AzCopySummary partial_;
};

}  // namespace azcopy_runner
