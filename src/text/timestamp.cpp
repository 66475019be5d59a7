// SPDX-License-Identifier: MIT
#include "text/timestamp.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>

#include "text/parse_text.hpp"

namespace azcopy_runner::detail {

namespace {

bool read_digits(std::string_view s, std::size_t& pos, std::size_t count, int& value) noexcept {
  if (s.size() - pos < count) {
    return false;
  }
  int v = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) {
      return false;
    }
    v = v * 10 + (c - '0');
  }
  pos += count;
  value = v;
  return true;
}

bool expect_char(std::string_view s, std::size_t& pos, char c) noexcept {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

/// ".123456789" (or ",..."): the fraction of a second at @p pos, in nanoseconds (digits past
/// the ninth are read and dropped); 0 when there is none; std::nullopt for a '.' without digits.
std::optional<std::int64_t> read_fraction(std::string_view s, std::size_t& pos) noexcept {
  if (pos >= s.size() || (s[pos] != '.' && s[pos] != ',')) {
    return 0;
  }
  ++pos;
  std::int64_t nanos = 0;
  std::size_t digits = 0;
  for (; pos < s.size() && is_digit(s[pos]); ++pos, ++digits) {
    if (digits < 9) {
      nanos = nanos * 10 + (s[pos] - '0');
    }
  }
  if (digits == 0) {
    return std::nullopt;
  }
  for (std::size_t k = digits; k < 9; ++k) {
    nanos *= 10;
  }
  return nanos;
}

/// "Z", "+hh:mm", "-hhmm" at @p pos: the offset from UTC in seconds; std::nullopt otherwise.
std::optional<std::int64_t> read_utc_offset(std::string_view s, std::size_t& pos) noexcept {
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
    return 0;
  }
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) {
    return std::nullopt;
  }
  const bool negative = s[pos] == '-';
  ++pos;
  int off_h = 0;
  int off_m = 0;
  if (!read_digits(s, pos, 2, off_h)) {
    return std::nullopt;
  }
  expect_char(s, pos, ':');
  if (!read_digits(s, pos, 2, off_m) || off_h > 23 || off_m > 59) {
    return std::nullopt;
  }
  const std::int64_t offset = (static_cast<std::int64_t>(off_h) * 60 + off_m) * 60;
  return negative ? -offset : offset;
}

/// The seconds since the epoch of a civil date and time of day; std::nullopt for a date that
/// does not exist or a time the clock cannot hold (libstdc++: about 1678..2262).
std::optional<std::int64_t> epoch_seconds(int y, int mo, int d, int hh, int mm, int ss) noexcept {
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  const std::int64_t day_count = sys_days{ymd}.time_since_epoch().count();
  return day_count * 86400 + static_cast<std::int64_t>(hh) * 3600 +
         static_cast<std::int64_t>(mm) * 60 + ss;
}

}  // namespace

std::optional<TimePoint> parse_timestamp(std::string_view text) noexcept {
  using namespace std::chrono;
  const std::string_view s = trim(text);
  std::size_t pos = 0;
  int y = 0;
  int mo = 0;
  int d = 0;
  int hh = 0;
  int mm = 0;
  int ss = 0;
  if (!read_digits(s, pos, 4, y) || !expect_char(s, pos, '-') || !read_digits(s, pos, 2, mo) ||
      !expect_char(s, pos, '-') || !read_digits(s, pos, 2, d)) {
    return std::nullopt;
  }
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  if (!read_digits(s, pos, 2, hh) || !expect_char(s, pos, ':') || !read_digits(s, pos, 2, mm) ||
      !expect_char(s, pos, ':') || !read_digits(s, pos, 2, ss) || hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  const auto nanos = read_fraction(s, pos);
  const auto offset = nanos ? read_utc_offset(s, pos) : std::nullopt;
  const auto local = epoch_seconds(y, mo, d, hh, mm, ss);
  if (!offset || pos != s.size() || !local) {
    return std::nullopt;
  }
  const std::int64_t total_seconds = *local - *offset;
  const std::int64_t max_seconds =
      duration_cast<seconds>(system_clock::duration::max()).count() - 1;
  const std::int64_t min_seconds =
      duration_cast<seconds>(system_clock::duration::min()).count() + 1;
  if (total_seconds > max_seconds || total_seconds < min_seconds) {
    return std::nullopt;
  }
  return TimePoint{duration_cast<system_clock::duration>(seconds{total_seconds}) +
                   duration_cast<system_clock::duration>(nanoseconds{*nanos})};
}

std::string format_timestamp(TimePoint t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t.time_since_epoch());
  const auto day_count = floor<days>(ms);
  const year_month_day ymd{sys_days{day_count}};
  const auto in_day = ms - day_count;
  const auto h = duration_cast<hours>(in_day);
  const auto m = duration_cast<minutes>(in_day - h);
  const auto sec = duration_cast<seconds>(in_day - h - m);
  const auto milli = in_day - h - m - sec;
  std::array<char, 64> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                              static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                              static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                              static_cast<int>(m.count()), static_cast<int>(sec.count()),
                              static_cast<int>(milli.count()));
  if (n <= 0) {
    return {};
  }
  return {buf.data(), std::min(static_cast<std::size_t>(n), buf.size() - 1)};
}

}  // namespace azcopy_runner::detail
