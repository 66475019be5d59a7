// SPDX-License-Identifier: MIT
#include "azcopy_runner/errors.hpp"

#include <string>
#include <utility>

#include "azcopy_runner/parse.hpp"

namespace azcopy_runner {
namespace {

/// Every string an error carries is redacted here, whoever built it: messages often quote
/// command lines or AzCopy output, which hold SAS tokens.
ErrorContext redact_context(ErrorContext context) {
  context.job_id = redact(context.job_id);
  context.log_dir = redact(context.log_dir);
  context.excerpt = redacted_excerpt(context.excerpt, kMaxExcerptBytes);
  return context;
}

/// "message (job <id>, logs in <dir>)", with only the parts that are known.
std::string build_what(const std::string& message, const ErrorContext& context) {
  std::string what = redact(message);
  const std::string job_id = redact(context.job_id);
  const std::string log_dir = redact(context.log_dir);
  if (job_id.empty() && log_dir.empty()) {
    return what;
  }
  what.append(" (");
  if (!job_id.empty()) {
    what.append("job ").append(job_id);
  }
  if (!log_dir.empty()) {
    if (!job_id.empty()) {
      what.append(", ");
    }
    what.append("logs in ").append(log_dir);
  }
  what.push_back(')');
  return what;
}

}  // namespace

// The base is initialised before the member: build_what() still sees the caller's context.
AzCopyError::AzCopyError(const std::string& message, ErrorContext context)
    : std::runtime_error(build_what(message, context)),
      context_(redact_context(std::move(context))) {}

AzCopySasExpiredError::AzCopySasExpiredError(const std::string& message, ErrorContext context,
                                             std::string side, TimePoint expires_at)
    : AzCopyStartError(message, std::move(context)),
      side_(std::move(side)),
      expires_at_(expires_at) {}

AzCopyNotFinishedError::AzCopyNotFinishedError(const std::string& message, ErrorContext context,
                                               AzCopySummary partial)
    : AzCopyError(message, std::move(context)), partial_(std::move(partial)) {}

}  // namespace azcopy_runner
