// SPDX-License-Identifier: MIT
#include "jobs/sas_expiry.hpp"

#include "azcopy_runner/errors.hpp"
#include "text/text.hpp"
#include "text/timestamp.hpp"

namespace azcopy_runner::detail {

namespace {

/// The query string of @p sas: after the first '?' of a URL, or all of a bare token.
std::string_view query_of(std::string_view sas) {
  const auto question = sas.find('?');
  if (question != std::string_view::npos) {
    return sas.substr(question + 1);
  }
  return sas.find("://") == std::string_view::npos ? sas : std::string_view{};
}

/// The raw value of parameter @p key in @p query, if present.
std::optional<std::string_view> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > key.size() && pair.starts_with(key) && pair[key.size()] == '=') {
      return pair.substr(key.size() + 1);
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

/// @p text with %XX decoded ('+' is a space in a query) and ASCII letters in upper case.
std::string decode_upper(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size() && is_hex_digit(text[i + 1]) && is_hex_digit(text[i + 2])) {
      c = static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2]));
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

std::string format_seconds(TimePoint t) {
  std::string text = format_timestamp(t);  // ...T01:02:03.000Z
  if (const auto dot = text.find('.'); dot != std::string::npos) {
    text.erase(dot, text.size() - dot - 1);
  }
  return text;
}

}  // namespace

std::optional<TimePoint> sas_expiry(std::string_view sas) {
  const auto raw = query_value(query_of(sas), "se");
  if (!raw) {
    return std::nullopt;
  }
  std::string se = decode_upper(*raw);
  constexpr std::size_t kDateOnly = 10;         // YYYY-MM-DD
  constexpr std::size_t kMinutesWithZone = 17;  // YYYY-MM-DDThh:mmZ
  if (se.size() == kDateOnly) {
    se += "T00:00:00Z";
  } else if (se.size() == kMinutesWithZone && se[kDateOnly] == 'T' && se.back() == 'Z') {
    se.insert(se.size() - 1, ":00");
  }
  return parse_timestamp(se);
}

void refuse_expiring_sas(std::string_view side, std::optional<TimePoint> expiry, TimePoint now,
                         std::chrono::seconds margin, const std::string& job_id,
                         const std::string& log_dir) {
  if (!expiry || *expiry - margin > now) {
    return;
  }
  const bool expired = *expiry <= now;
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(*expiry - now);
  std::string message =
      "the " + std::string(side) + "'s SAS " +
      (expired ? "expired at " + format_seconds(*expiry)
               : "expires at " + format_seconds(*expiry) + ", in " + std::to_string(left.count()) +
                     " s, less than the " + std::to_string(margin.count()) +
                     " s a job is given (RunnerConfig::min_sas_validity)") +
      ": nothing was started; sign a new one";
  throw AzCopySasExpiredError(message, ErrorContext{job_id, log_dir, {}}, std::string(side),
                              *expiry);
}

}  // namespace azcopy_runner::detail
