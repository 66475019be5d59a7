// SPDX-License-Identifier: MIT
// Internal: reading huge JSON lines without decoding them whole.
// Huge lines: a summary listing 20,000 failed transfers is a 4.6 MB line, and decoding its
// MessageContent into a string (the lexer's buffer grows by doubling) would hold several copies
// of it at once. Above kStreamedLineBytes, the content is parsed straight from the line through
// UnescapingIterator, and only a prefix of it is decoded (for raw_summary).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text/text.hpp"

namespace azcopy_runner::detail {

inline constexpr std::size_t kStreamedLineBytes = std::size_t{1} << 20;

/// The characters denoted by the raw bytes of a JSON string literal (between its quotes), one
/// at a time: escapes are decoded on the fly (\uXXXX, surrogate pairs included, to UTF-8).
class UnescapingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  UnescapingIterator() = default;
  UnescapingIterator(const char* pos, const char* end) : pos_(pos), end_(end) { fill(); }

  /// Where, in the raw literal, the escape that gives the current character starts / ends.
  [[nodiscard]] const char* raw_begin() const { return start_; }
  [[nodiscard]] const char* raw_end() const { return pos_; }

  char operator*() const { return pending_[index_]; }
  UnescapingIterator& operator++() {
    if (++index_ >= count_) {
      fill();
    }
    return *this;
  }
  UnescapingIterator operator++(int) {
    UnescapingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const UnescapingIterator& other) const {
    if (count_ == 0 || other.count_ == 0) {
      return count_ == other.count_;
    }
    return pos_ == other.pos_ && index_ == other.index_;
  }

 private:
  unsigned hex4() {
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = pos_ < end_ ? *pos_++ : '0';
      value = (value << 4U) | hex_digit_value(c);
    }
    return value;
  }

  void put_utf8(unsigned cp) {
    auto byte = [](unsigned v) { return static_cast<char>(static_cast<unsigned char>(v)); };
    if (cp < 0x80U) {
      pending_[0] = byte(cp);
      count_ = 1;
    } else if (cp < 0x800U) {
      pending_[0] = byte(0xC0U | (cp >> 6U));
      pending_[1] = byte(0x80U | (cp & 0x3FU));
      count_ = 2;
    } else if (cp < 0x10000U) {
      pending_[0] = byte(0xE0U | (cp >> 12U));
      pending_[1] = byte(0x80U | ((cp >> 6U) & 0x3FU));
      pending_[2] = byte(0x80U | (cp & 0x3FU));
      count_ = 3;
    } else {
      pending_[0] = byte(0xF0U | (cp >> 18U));
      pending_[1] = byte(0x80U | ((cp >> 12U) & 0x3FU));
      pending_[2] = byte(0x80U | ((cp >> 6U) & 0x3FU));
      pending_[3] = byte(0x80U | (cp & 0x3FU));
      count_ = 4;
    }
  }

  void fill() {
    index_ = 0;
    count_ = 0;
    start_ = pos_;
    if (pos_ >= end_) {
      return;
    }
    const char c = *pos_++;
    count_ = 1;
    if (c != '\\' || pos_ >= end_) {
      pending_[0] = c;
      return;
    }
    const char e = *pos_++;
    switch (e) {
      case 'b':
        pending_[0] = '\b';
        break;
      case 'f':
        pending_[0] = '\f';
        break;
      case 'n':
        pending_[0] = '\n';
        break;
      case 'r':
        pending_[0] = '\r';
        break;
      case 't':
        pending_[0] = '\t';
        break;
      case 'u': {
        unsigned cp = hex4();
        if (cp >= 0xD800U && cp <= 0xDBFFU && end_ - pos_ >= 6 && pos_[0] == '\\' &&
            pos_[1] == 'u') {
          pos_ += 2;
          const unsigned low = hex4();
          cp = (low >= 0xDC00U && low <= 0xDFFFU)
                   ? 0x10000U + ((cp - 0xD800U) << 10U) + (low - 0xDC00U)
                   : 0xFFFDU;
        } else if (cp >= 0xD800U && cp <= 0xDFFFU) {
          cp = 0xFFFDU;  // a lone surrogate
        }
        put_utf8(cp);
        break;
      }
      default:  // \" \\ \/ (and, in malformed input, anything else: kept as is)
        pending_[0] = e;
        break;
    }
  }

  const char* start_ = nullptr;
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  std::array<char, 4> pending_{};
  unsigned index_ = 0;
  unsigned count_ = 0;
};

/// The MessageContent string literal of an envelope line: its raw bytes (between the quotes)
/// in @p literal, and the line with that literal emptied in @p reduced. False when the key is
/// not near the start of the line or the literal is not terminated (the line is then read the
/// ordinary way, and rejected there).
bool split_content(std::string_view line, std::string& reduced, std::string_view& literal);

/// For a progress figure: the MessageContent literal of an envelope line up to its first list
/// of transfers (`,\"FailedTransfers\":`), closed as an object, still escaped, in @p content;
/// and the envelope up to its content, with an empty content, in @p reduced. AzCopy (10.18 and
/// 10.32) prints every counter before its lists, and the lists can hold thousands of entries:
/// the cost is that of the counters, not of the line. A `,\"` with a single backslash is never
/// inside a string of the content (there, a quote is escaped twice: `\\\"`), so the match is a
/// key. False when the line has no MessageType before its content, no such list, or not every
/// counter of a progress figure before it (then the line is read whole).
bool split_content_before_lists(std::string_view line, std::string& reduced, std::string& content);

/// The first @p max characters that @p literal denotes.
std::string unescape_prefix(std::string_view literal, std::size_t max);

/// The parts of a summary literal that SummaryHandler would only count or skip: the objects of
/// each top-level FailedTransfers / SkippedTransfers array after the first @p keep.
/// One quick pass over the characters, no JSON lexer. The literal without these parts is then
/// parsed as usual: the result is the same, at a fraction of the cost, for a list of 20,000.
struct Elision {
  std::vector<std::pair<std::size_t, std::size_t>> cuts;  ///< [begin, end) in the literal.
  std::int64_t failed_objects = 0;  ///< FailedTransfers objects inside the cuts.
};

Elision find_elision(std::string_view literal, std::size_t keep);

}  // namespace azcopy_runner::detail
