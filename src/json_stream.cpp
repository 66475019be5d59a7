// SPDX-License-Identifier: MIT
#include "json_stream.hpp"

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

std::string unescape_prefix(std::string_view literal, std::size_t max) {
  std::string out;
  const UnescapingIterator end(literal.data() + literal.size(), literal.data() + literal.size());
  for (UnescapingIterator it(literal.data(), literal.data() + literal.size());
       it != end && out.size() < max; ++it) {
    out.push_back(*it);
  }
  return out;
}

Elision find_elision(std::string_view literal, std::size_t keep) {
  const auto kept = static_cast<std::int64_t>(keep);
  Elision result;
  const char* const first = literal.data();
  const char* const last = first + literal.size();
  int depth = 0;
  bool in_string = false;
  bool escape = false;      // the previous character was a backslash inside a string
  bool expect_key = false;  // at depth 1: the next string is a key
  bool capturing = false;   // reading a depth-1 key
  std::string key;
  bool list = false;  // inside a depth-1 FailedTransfers / SkippedTransfers array
  bool failed_list = false;
  std::int64_t objects = 0;
  const char* cut_begin = nullptr;
  const char* p = first;
  while (p < last) {
    // The characters are those the literal denotes: a raw byte stands for itself, except a
    // backslash, which starts an escape (decoded by UnescapingIterator).
    const char* at = p;
    char c = *p;
    if (c == '\\') {
      const UnescapingIterator it(p, last);
      c = *it;
      p = it.raw_end();  // past the whole escape (a multi-byte \uXXXX is never structural)
    } else {
      ++p;
    }
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
        capturing = false;
      } else if (capturing) {
        if (key.size() < 32) {
          key.push_back(c);
        }
      } else if (c != '\\') {
        // Nothing inside a string matters but its end: skip to the next escape in the
        // literal (every quote and backslash of the content is escaped there).
        const void* next = std::memchr(p, '\\', static_cast<std::size_t>(last - p));
        p = next == nullptr ? last : static_cast<const char*>(next);
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        if (depth == 1 && expect_key) {
          capturing = true;
          key.clear();
        }
        break;
      case ':':
        if (depth == 1) {
          expect_key = false;
        }
        break;
      case ',':
        if (depth == 1) {
          expect_key = true;
        }
        break;
      case '{':
      case '[':
        if (depth == 0 && c != '{') {
          return {};  // not an object: leave it to the parser
        }
        if (depth == 0) {
          expect_key = true;
        } else if (depth == 1 && c == '[' &&
                   (key == "FailedTransfers" || key == "SkippedTransfers")) {
          list = true;
          failed_list = key == "FailedTransfers";
          objects = 0;
          cut_begin = kept == 0 ? p : nullptr;
        } else if (depth == 2 && list && c == '{') {
          ++objects;
        }
        ++depth;
        break;
      case '}':
      case ']':
        --depth;
        if (depth < 0) {
          return {};
        }
        if (depth == 2 && list && c == '}' && kept > 0 && objects == kept) {
          cut_begin = p;  // right after the last object kept
        } else if (depth == 1 && list) {
          list = false;
          if (cut_begin != nullptr) {
            result.cuts.emplace_back(static_cast<std::size_t>(cut_begin - first),
                                     static_cast<std::size_t>(at - first));
            if (failed_list) {
              result.failed_objects += objects - kept;
            }
          }
        }
        break;
      default:
        break;
    }
  }
  if (depth != 0 || in_string) {
    return {};  // malformed: leave it to the parser, which rejects it
  }
  return result;
}

}  // namespace azcopy_runner::detail
