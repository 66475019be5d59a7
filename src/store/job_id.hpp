// SPDX-License-Identifier: MIT
// Internal: an AzCopy job id that has been checked (a UUID, in lower case). Every internal
// function that finds a job's files or record by its id takes this type, so that no text a
// caller passed reaches a path unchecked.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace azcopy_runner::detail {

class JobId {
 public:
  /// @p text as a job id. @throws AzCopyJobNotFoundError (its excerpt redacted) when it is
  /// not a UUID.
  [[nodiscard]] static JobId checked(std::string_view text);

  /// @p text as a job id; std::nullopt when it is not a UUID.
  [[nodiscard]] static std::optional<JobId> parse(std::string_view text);

  /// The id in lower case, as AzCopy prints it and the store names its directory.
  [[nodiscard]] const std::string& str() const noexcept { return value_; }

  friend bool operator==(const JobId&, const JobId&) = default;

 private:
  explicit JobId(std::string lower) : value_(std::move(lower)) {}
  std::string value_;
};

}  // namespace azcopy_runner::detail
