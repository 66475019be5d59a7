// SPDX-License-Identifier: MIT
// The public parsers (azcopy_runner/parse.hpp). Where each layer of the parsing lives:
//   output_parser  the one parser of a whole output, fed line by line (JSON and text)
//   envelope       the JSON envelope of a message
//   summary_json   what a summary message holds, read with a SAX handler
//   json_stream    huge lines read without decoding them whole
//   text_summary   text summary blocks, progress lines, prompts and errors
//   output_scan    the last summary line of a job's output, found without parsing it all
//   parse_text     small text and number helpers; timestamp: RFC 3339 timestamps
// Everything is linear in the size of the input.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "parse/output_parser.hpp"
#include "text/parse_text.hpp"

namespace azcopy_runner {

bool is_valid_job_id(std::string_view id) noexcept {
  return id.size() == 36 && detail::is_uuid_at(id, 0);
}

std::optional<std::string> parse_job_id(std::string_view output) noexcept {
  try {
    return detail::parse_output(output).job_id;
  } catch (...) {
    return std::nullopt;
  }
}

AzCopySummary parse_summary(std::string_view output) {
  try {
    detail::OutputParser parser;
    parser.feed(output);
    detail::ParsedOutput parsed = parser.finish();
    if (parsed.summary) {
      return std::move(*parsed.summary);
    }
    ErrorContext context;
    context.excerpt = redacted_excerpt(output, kMaxExcerptBytes);
    if (parsed.job_not_found) {
      context.job_id = parser.not_found_job_id();
      throw AzCopyJobNotFoundError("AzCopy does not know the job: " + parser.not_found_text(),
                                   std::move(context));
    }
    context.job_id = parsed.job_id.value_or(std::string());
    std::string message = "AzCopy output holds no job summary";
    if (!parsed.messages.empty()) {
      message += ": ";
      message += parsed.messages.back().substr(0, detail::kMaxErrorQuoteBytes);
    }
    throw AzCopyParseError(message, std::move(context));
  } catch (const AzCopyError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    ErrorContext context;
    context.excerpt = redacted_excerpt(output, kMaxExcerptBytes);
    throw AzCopyParseError(std::string("cannot parse AzCopy output: ") + e.what(),
                           std::move(context));
  }
}

}  // namespace azcopy_runner
