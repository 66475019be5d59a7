// SPDX-License-Identifier: MIT
#include "parse/envelope.hpp"

#include <nlohmann/json.hpp>

#include "text/parse_text.hpp"

namespace azcopy_runner::detail {

using json = nlohmann::json;

namespace {

enum class EnvelopeKey { Other, TimeStamp, MessageType, MessageContent, PromptDetails };

class EnvelopeHandler {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit EnvelopeHandler(Envelope& envelope) : e_(envelope) {}

  [[nodiscard]] bool null() const { return root_seen_; }
  [[nodiscard]] bool boolean(bool /*value*/) const { return root_seen_; }
  [[nodiscard]] bool number_integer(number_integer_t /*value*/) const { return root_seen_; }
  [[nodiscard]] bool number_unsigned(number_unsigned_t /*value*/) const { return root_seen_; }
  [[nodiscard]] bool number_float(number_float_t /*value*/, const string_t& /*text*/) const {
    return root_seen_;
  }
  [[nodiscard]] bool binary(binary_t& /*value*/) const { return root_seen_; }

  bool string(string_t& value) {
    if (depth_ == 1) {
      switch (key_) {
        case EnvelopeKey::TimeStamp:
          if (value.size() <= kMaxShortFieldBytes) {
            e_.timestamp = value;
          }
          break;
        case EnvelopeKey::MessageType:
          if (value.size() <= kMaxShortFieldBytes) {
            e_.type = value;
          }
          break;
        case EnvelopeKey::MessageContent:
          // The lexer's buffer: taking it avoids copying a summary that can be megabytes.
          e_.content = std::move(value);
          e_.content_is_string = true;
          break;
        default:
          break;
      }
    } else if (depth_ == 2 && in_prompt_ && prompt_key_ && value.size() <= kMaxShortFieldBytes) {
      e_.prompt_type = value;
    }
    return root_seen_;
  }

  bool start_object(std::size_t /*elements*/) {
    if (depth_ == 0) {
      root_seen_ = true;
    } else if (depth_ == 1 && key_ == EnvelopeKey::PromptDetails) {
      in_prompt_ = true;
      prompt_key_ = false;
    }
    ++depth_;
    return true;
  }

  bool key(string_t& name) {
    if (depth_ == 1) {
      if (name == "TimeStamp") {
        key_ = EnvelopeKey::TimeStamp;
      } else if (name == "MessageType") {
        key_ = EnvelopeKey::MessageType;
      } else if (name == "MessageContent") {
        key_ = EnvelopeKey::MessageContent;
        // A MessageContent of another type must not leave an earlier string in place.
        e_.content.clear();
        e_.content_is_string = false;
      } else if (name == "PromptDetails") {
        key_ = EnvelopeKey::PromptDetails;
      } else {
        key_ = EnvelopeKey::Other;
      }
    } else if (depth_ == 2 && in_prompt_) {
      prompt_key_ = (name == "PromptType");
    }
    return true;
  }

  bool end_object() {
    --depth_;
    if (depth_ == 1) {
      in_prompt_ = false;
    }
    return true;
  }

  bool start_array(std::size_t /*elements*/) {
    if (depth_ == 0) {
      return false;
    }
    ++depth_;
    return true;
  }

  bool end_array() {
    --depth_;
    return true;
  }

  static bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                          const json::exception& /*ex*/) {
    return false;  // stop: the text is not (complete) JSON
  }

 private:
  Envelope& e_;
  int depth_ = 0;
  bool root_seen_ = false;
  EnvelopeKey key_ = EnvelopeKey::Other;
  bool in_prompt_ = false;
  bool prompt_key_ = false;
};

}  // namespace

bool Envelope::parse_content(SummaryFields& fields) const {
  return escaped_content.empty() ? parse_summary_content(content, fields)
                                 : parse_summary_literal(escaped_content, fields, keep_entries);
}

bool parse_envelope(std::string_view text, Envelope& envelope) {
  EnvelopeHandler handler(envelope);
  try {
    return json::sax_parse(text.begin(), text.end(), &handler);
  } catch (const json::exception&) {
    return false;
  }
}

}  // namespace azcopy_runner::detail
