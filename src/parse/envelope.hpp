// SPDX-License-Identifier: MIT
// Internal: the JSON envelope of an AzCopy message:
// {"TimeStamp","MessageType","MessageContent","PromptDetails"}.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "azcopy_runner/types.hpp"
#include "parse/summary_json.hpp"

namespace azcopy_runner::detail {

struct Envelope {
  std::string timestamp;
  std::string type;
  std::string content;  ///< For a streamed line: a prefix of it (see escaped_content).
  bool content_is_string = false;
  std::string prompt_type;
  /// A huge line's MessageContent, as written in the line (escaped); empty otherwise.
  std::string_view escaped_content;
  /// Entries of FailedTransfers read from escaped_content (the others are only counted).
  std::size_t keep_entries = kMaxFailedFiles;

  /// parse_summary_content() of the whole content.
  [[nodiscard]] bool parse_content(SummaryFields& fields) const;
};

/// Reads the envelope of one JSON line (SAX, nothing else of the line is kept). False when @p text
/// is not JSON, is truncated or is not an object.
bool parse_envelope(std::string_view text, Envelope& envelope);

}  // namespace azcopy_runner::detail
