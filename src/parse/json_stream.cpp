// SPDX-License-Identifier: MIT
#include "parse/json_stream.hpp"

#include <cstring>

namespace azcopy_runner::detail {

bool split_content(std::string_view line, std::string& reduced, std::string_view& literal) {
  constexpr std::string_view kKey = R"("MessageContent":")";
  const std::size_t key = line.substr(0, 1024).find(kKey);
  if (key == std::string_view::npos) {
    return false;
  }
  const std::size_t begin = key + kKey.size();
  // The closing quote: the first one not escaped (preceded by an even run of backslashes).
  std::size_t i = line.find('"', begin);
  while (i != std::string_view::npos) {
    std::size_t backslashes = 0;
    while (i - backslashes > begin && line[i - backslashes - 1] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 0) {
      break;
    }
    i = line.find('"', i + 1);
  }
  if (i == std::string_view::npos) {
    return false;
  }
  literal = line.substr(begin, i - begin);
  reduced.reserve(line.size() - literal.size());
  reduced.append(line.substr(0, begin)).append(line.substr(i));
  return true;
}

bool split_content_before_lists(std::string_view line, std::string& reduced, std::string& content) {
  constexpr std::string_view kKey = R"("MessageContent":")";
  constexpr std::string_view kLists = R"(,\"FailedTransfers\":)";
  const std::size_t key = line.substr(0, 1024).find(kKey);
  if (key == std::string_view::npos ||
      line.substr(0, key).find(R"("MessageType":)") == std::string_view::npos) {
    return false;
  }
  const std::size_t begin = key + kKey.size();
  const std::size_t lists = line.find(kLists, begin);
  if (lists == std::string_view::npos) {
    return false;
  }
  // Every counter comes first in the versions seen; a content laid out otherwise is read whole.
  const std::string_view head = line.substr(begin, lists - begin);
  for (const std::string_view counter :
       {R"(\"TotalTransfers\":)", R"(\"TransfersCompleted\":)", R"(\"TransfersFailed\":)",
        R"(\"TotalBytesTransferred\":)", R"(\"JobStatus\":)"}) {
    if (head.find(counter) == std::string_view::npos) {
      return false;
    }
  }
  reduced.assign(line.substr(0, begin)).append(R"("})");
  content.assign(line.substr(begin, lists - begin)).push_back('}');
  return true;
}

std::string unescape_prefix(std::string_view literal, std::size_t max) {
  std::string out;
  const UnescapingIterator end(literal.data() + literal.size(), literal.data() + literal.size());
  for (UnescapingIterator it(literal.data(), literal.data() + literal.size());
       it != end && out.size() < max; ++it) {
    out.push_back(*it);
  }
  return out;
}

namespace {

/// find_elision(), one character of the literal at a time.
class ElisionScanner {
 public:
  ElisionScanner(std::string_view literal, std::size_t keep)
      : first_(literal.data()),
        last_(literal.data() + literal.size()),
        kept_(static_cast<std::int64_t>(keep)) {}

  Elision run() {
    const char* p = first_;
    while (p < last_) {
      // The characters are those the literal denotes: a raw byte stands for itself, except a
      // backslash, which starts an escape (decoded by UnescapingIterator).
      const char* at = p;
      char c = *p;
      if (c == '\\') {
        const UnescapingIterator it(p, last_);
        c = *it;
        p = it.raw_end();  // past the whole escape (a multi-byte \uXXXX is never structural)
      } else {
        ++p;
      }
      if (in_string_) {
        p = string_char(c, p);
      } else if (!structural(c, p, at)) {
        return {};  // not an object, or malformed: leave it to the parser
      }
    }
    if (depth_ != 0 || in_string_) {
      return {};  // malformed: leave it to the parser, which rejects it
    }
    return result_;
  }

 private:
  /// A character inside a string (@p p: just after it); returns where to read on.
  const char* string_char(char c, const char* p) {
    if (escape_) {
      escape_ = false;
    } else if (c == '\\') {
      escape_ = true;
    } else if (c == '"') {
      in_string_ = false;
      capturing_ = false;
    } else if (capturing_) {
      if (key_.size() < 32) {
        key_.push_back(c);
      }
    } else {
      // Nothing inside a string matters but its end: skip to the next escape in the literal
      // (every quote and backslash of the content is escaped there).
      const void* next = std::memchr(p, '\\', static_cast<std::size_t>(last_ - p));
      return next == nullptr ? last_ : static_cast<const char*>(next);
    }
    return p;
  }

  /// A character outside strings (@p p: just after it, @p at: where it starts). False when the
  /// literal is not an object or its brackets do not match.
  bool structural(char c, const char* p, const char* at) {
    switch (c) {
      case '"':
        in_string_ = true;
        if (depth_ == 1 && expect_key_) {
          capturing_ = true;
          key_.clear();
        }
        return true;
      case ':':
        expect_key_ = expect_key_ && depth_ != 1;
        return true;
      case ',':
        expect_key_ = expect_key_ || depth_ == 1;
        return true;
      case '{':
      case '[':
        return open(c, p);
      case '}':
      case ']':
        return close(c, p, at);
      default:
        return true;
    }
  }

  bool open(char c, const char* p) {
    if (depth_ == 0 && c != '{') {
      return false;
    }
    if (depth_ == 0) {
      expect_key_ = true;
    } else if (depth_ == 1 && c == '[' &&
               (key_ == "FailedTransfers" || key_ == "SkippedTransfers")) {
      list_ = true;
      failed_list_ = key_ == "FailedTransfers";
      objects_ = 0;
      cut_begin_ = kept_ == 0 ? p : nullptr;
    } else if (depth_ == 2 && list_ && c == '{') {
      ++objects_;
    }
    ++depth_;
    return true;
  }

  bool close(char c, const char* p, const char* at) {
    --depth_;
    if (depth_ < 0) {
      return false;
    }
    if (depth_ == 2 && list_ && c == '}' && kept_ > 0 && objects_ == kept_) {
      cut_begin_ = p;  // right after the last object kept
    } else if (depth_ == 1 && list_) {
      list_ = false;
      if (cut_begin_ != nullptr) {
        result_.cuts.emplace_back(static_cast<std::size_t>(cut_begin_ - first_),
                                  static_cast<std::size_t>(at - first_));
        if (failed_list_) {
          result_.failed_objects += objects_ - kept_;
        }
      }
    }
    return true;
  }

  const char* first_;
  const char* last_;
  std::int64_t kept_;
  Elision result_;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;      ///< The previous character was a backslash inside a string.
  bool expect_key_ = false;  ///< At depth 1: the next string is a key.
  bool capturing_ = false;   ///< Reading a depth-1 key.
  std::string key_;
  bool list_ = false;  ///< Inside a depth-1 FailedTransfers / SkippedTransfers array.
  bool failed_list_ = false;
  std::int64_t objects_ = 0;
  const char* cut_begin_ = nullptr;
};

}  // namespace

Elision find_elision(std::string_view literal, std::size_t keep) {
  return ElisionScanner(literal, keep).run();
}

}  // namespace azcopy_runner::detail
