// SPDX-License-Identifier: MIT
#include "parse/failure_log.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "azcopy_runner/parse.hpp"
#include "os/mapped_file.hpp"
#include "text/text.hpp"
#include "text/timestamp.hpp"

namespace azcopy_runner::detail {

namespace {

/// The log's lines are read in steps of this many bytes before their pages are given back.
constexpr std::size_t kReleaseStep = std::size_t{1} << 20;
/// "YYYY/MM/DD hh:mm:ss " at the start of each entry of the log.
constexpr std::size_t kTimePrefix = 20;
/// A line longer than this is read only up to it (a response body on one line).
constexpr std::size_t kMaxLineRead = std::size_t{64} << 10;

constexpr std::array<std::string_view, 6> kMethods = {"GET ",  "HEAD ",   "PUT ",
                                                      "POST ", "DELETE ", "PATCH "};

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) noexcept {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

/// Whether @p line starts with the log's "YYYY/MM/DD hh:mm:ss " (a new entry).
bool has_log_time(std::string_view line) noexcept {
  return line.size() >= kTimePrefix && line[4] == '/' && line[7] == '/' && line[10] == ' ' &&
         line[13] == ':' && line[16] == ':' && line[19] == ' ' && is_digit(line[0]) &&
         is_digit(line[18]);
}

/// The time of such a prefix ("YYYY/MM/DD hh:mm:ss", UTC: AzCopy logs in UTC).
std::optional<TimePoint> log_time(std::string_view prefix) {
  std::string iso(prefix.substr(0, kTimePrefix - 1));
  iso[4] = '-';
  iso[7] = '-';
  iso[10] = 'T';
  iso.push_back('Z');
  return parse_timestamp(iso);
}

/// A status of three digits at the start of @p text (0 when none).
int leading_status(std::string_view text) noexcept {
  if (text.size() < 3 || !is_digit(text[0]) || !is_digit(text[1]) || !is_digit(text[2]) ||
      (text.size() > 3 && is_digit(text[3]))) {
    return 0;
  }
  return (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
}

/// A header's value, without the brackets 10.18 puts around it.
std::string_view header_value(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
    value = value.substr(1, value.size() - 2);
  }
  return trim(value);
}

/// The value after @p key in @p line, up to a space, ')' or ']' (for "ServiceCode=X) ====").
std::string word_after(std::string_view line, std::string_view key) {
  const auto at = line.find(key);
  if (at == std::string_view::npos) {
    return {};
  }
  std::string_view rest = line.substr(at + key.size());
  rest = rest.substr(0, rest.find_first_of(" )]\t\r"));
  return std::string(rest);
}

/// The URL a request line names: "<METHOD> <url>" anywhere in @p text; "" when none.
std::string_view request_url_in(std::string_view text) {
  for (std::size_t at = text.find("http"); at != std::string_view::npos;
       at = text.find("http", at + 4)) {
    const std::string_view rest = text.substr(at);
    if (!rest.starts_with("http://") && !rest.starts_with("https://")) {
      continue;
    }
    const std::string_view before = text.substr(0, at);
    if (std::any_of(kMethods.begin(), kMethods.end(),
                    [&](std::string_view m) { return before.ends_with(m); })) {
      return rest.substr(0, rest.find_first_of(" \t\r"));
    }
  }
  return {};
}

/// What one line of a response or failure block tells.
/// The text after the first @p key in @p line ("" when absent).
std::string_view after(std::string_view line, std::string_view key) {
  const auto at = line.find(key);
  return at == std::string_view::npos ? std::string_view{} : line.substr(at + key.size());
}

/// What one line of a response or failure block tells (each field kept once set).
template <typename Detail>
void absorb(std::string_view raw, Detail& d) {
  const std::string_view line = trim(raw);
  if (d.status == 0) {
    for (const std::string_view key : {"RESPONSE Status: ", "RESPONSE ", "Description="}) {
      if (const int status = leading_status(after(line, key)); status != 0) {
        d.status = status;
        break;
      }
    }
  }
  if (d.code.empty()) {
    if (const auto v = after(line, "X-Ms-Error-Code:"); !v.empty()) {
      d.code = header_value(v);
    } else if (line.find("ERROR CODE: ") != std::string_view::npos) {
      d.code = word_after(line, "ERROR CODE: ");
    } else if (line.find("ServiceCode=") != std::string_view::npos) {
      d.code = word_after(line, "ServiceCode=");
    }
  }
  if (d.request_id.empty()) {
    if (const auto v = after(line, "X-Ms-Request-Id:"); !v.empty()) {
      const std::string_view id = header_value(v);
      d.request_id = id.substr(0, id.find_first_of(" \t"));
    }
  }
  if (d.url.empty()) {
    d.url.assign(request_url_in(line));
  }
}

/// What one line of a response block tells: only its own lines are looked at (the request line,
/// the status, the error code and the request id), by their start: most of a log is responses.
template <typename Detail>
void absorb_response_line(std::string_view raw, Detail& d) {
  const std::string_view line = trim(raw);
  constexpr std::size_t kHeader = 16;  // "X-Ms-Error-Code:", "X-Ms-Request-Id:"
  if (line.size() > kHeader && (line[0] == 'X' || line[0] == 'x') && line[1] == '-') {
    const std::string_view name = line.substr(0, kHeader);
    if (ascii_iequals(name, "X-Ms-Error-Code:") && d.code.empty()) {
      d.code = header_value(line.substr(kHeader));
    } else if (ascii_iequals(name, "X-Ms-Request-Id:") && d.request_id.empty()) {
      d.request_id = header_value(line.substr(kHeader));
    }
  } else if (line.starts_with("RESPONSE Status: ")) {
    d.status = d.status != 0 ? d.status : leading_status(line.substr(17));
  } else if (d.url.empty()) {
    for (const std::string_view m : kMethods) {
      if (line.starts_with(m)) {  // "PUT <url>": as logged, decoded when a failure keeps it
        const std::string_view url = line.substr(m.size());
        d.url.assign(url.substr(0, url.find(' ')));
        break;
      }
    }
  }
}

/// AzCopy's message without what varies from one file to the next: the request's URL and id,
/// 10.18's source position (" -> github.com/..."), a leading repeat of the status.
std::string_view clean_message(std::string_view message, int status) {
  message = trim(message);
  for (const std::string_view cut :
       {std::string_view(" -> "), std::string_view("X-Ms-Request-Id:")}) {
    message = message.substr(0, message.find(cut));
  }
  if (const std::string_view url = request_url_in(message); !url.empty()) {
    const auto at = static_cast<std::size_t>(url.data() - message.data());
    std::string_view before = message.substr(0, at);
    for (const auto m : kMethods) {
      if (before.ends_with(m)) {
        before.remove_suffix(m.size());
      }
    }
    message = before;
  } else if (const auto at = message.find("http");
             at != std::string_view::npos && (message.substr(at).starts_with("http://") ||
                                              message.substr(at).starts_with("https://"))) {
    message = message.substr(0, at);
  }
  message = trim(message);
  if (status != 0 && leading_status(message) == status) {
    message = trim(message.substr(3));
  }
  return message;
}

/// What a summary keeps of a message: redacted, at most kMaxReasonBytes.
std::string kept_message(std::string_view message) {
  return std::string(utf8_head(redact(message), kMaxReasonBytes));
}

}  // namespace

std::string source_key(std::string_view url) {
  std::string out;
  assign_source_key(out, url);
  return out;
}

void assign_source_key(std::string& out, std::string_view url) {
  out.clear();
  append_percent_decoded(out, url.substr(0, url.find('?')));
}

FailureLogScanner::FailureLogScanner(std::vector<std::string> wanted) : wanted_(std::move(wanted)) {
  std::sort(wanted_.begin(), wanted_.end());
  out_.readable = true;
}

void FailureLogScanner::feed(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (!has_log_time(line)) {
    if (block_ == Block::Response) {
      absorb_response_line(line, detail_);
    } else if (block_ == Block::Failure) {
      if (trim(line).starts_with("Dst: ")) {
        close_block();
      } else {
        absorb(line, detail_);
      }
    }
    return;
  }
  close_block();
  const std::string_view rest = line.substr(kTimePrefix);
  if (rest.starts_with("==> REQUEST/RESPONSE")) {
    // Kept whatever its status: AzCopy logs some refusals (a 412) as "SUCCESSFULLY RECEIVED".
    block_ = Block::Response;
    return;
  }
  if (rest.starts_with("AzcopyVersion")) {
    // A new process of the job (a resume): what the earlier ones logged is not its outcome.
    out_ = FailureLog{};
    out_.readable = true;
    cause_index_.clear();
    return;
  }
  if (!rest.starts_with("ERR: [P#")) {
    return;
  }
  const auto failed = rest.find("FAILED: ");
  if (failed == std::string_view::npos) {
    return;
  }
  block_ = Block::Failure;
  failure_time_.assign(line.substr(0, kTimePrefix - 1));
  std::string_view body = rest.substr(failed + 8);
  if (body.starts_with('(')) {  // "(folder properties) ", "(symlink) "...
    body.remove_prefix(std::min(body.size(), body.find(") ") + 2));
  }
  // "<source> : <status> : <message>"
  for (auto sep = body.find(" : "); sep != std::string_view::npos;
       sep = body.find(" : ", sep + 1)) {
    if (sep + 9 <= body.size() && body.substr(sep + 6, 3) == " : " && is_digit(body[sep + 3]) &&
        is_digit(body[sep + 4]) && is_digit(body[sep + 5])) {
      assign_source_key(failure_source_, body.substr(0, sep));
      detail_.status = leading_status(body.substr(sep + 3, 3));
      failure_message_.assign(body.substr(sep + 9));
      absorb(failure_message_, detail_);
      return;
    }
  }
  failure_source_.clear();
  failure_message_.assign(body);
}

void FailureLogScanner::Detail::clear() {
  status = 0;
  code.clear();
  request_id.clear();
  url.clear();
}

void FailureLogScanner::close_block() {
  if (block_ == Block::Response && !detail_.request_id.empty()) {
    // Copied into a slot whose strings keep their capacity: no allocation once warm.
    Detail& slot = responses_[response_next_];
    slot.status = detail_.status;
    slot.code.assign(detail_.code);
    slot.request_id.assign(detail_.request_id);
    slot.url.assign(detail_.url);
    response_next_ = (response_next_ + 1) % responses_.size();
  } else if (block_ == Block::Failure) {
    close_failure();
  }
  block_ = Block::None;
  detail_.clear();
  failure_source_.clear();
  failure_message_.clear();
}

const FailureLogScanner::Detail* FailureLogScanner::response(std::string_view request_id) const {
  // Most recent first: a failure's response is logged just before it.
  for (std::size_t n = 0, i = response_next_; n < responses_.size(); ++n) {
    i = (i == 0 ? responses_.size() : i) - 1;
    const std::string& id = responses_[i].request_id;
    if (id.size() == request_id.size() && !id.empty() && id.front() == request_id.front() &&
        id == request_id) {
      return &responses_[i];
    }
  }
  return nullptr;
}

void FailureLogScanner::close_failure() {
  if ((detail_.status == 0 || detail_.code.empty() || detail_.url.empty()) &&
      !detail_.request_id.empty()) {
    if (const Detail* r = response(detail_.request_id); r != nullptr) {
      detail_.status = detail_.status != 0 ? detail_.status : r->status;
      if (detail_.code.empty()) {
        detail_.code = r->code;
      }
      if (detail_.url.empty()) {
        detail_.url = r->url;
      }
    }
  }
  // Redacted and copied only when kept (a new cause, a wanted file): a log of many failures has
  // few causes.
  ++out_.failures;
  const std::string_view message = clean_message(failure_message_, detail_.status);
  cause_key_.assign(std::to_string(detail_.status));
  cause_key_.append("\x1f").append(detail_.code).append("\x1f").append(message);
  const auto it = cause_index_.find(cause_key_);
  const bool wanted = !failure_source_.empty() &&
                      std::binary_search(wanted_.begin(), wanted_.end(), failure_source_);
  const bool new_cause = it == cause_index_.end() && out_.causes.size() < kMaxCausesTracked;
  if (it != cause_index_.end()) {
    ++out_.causes[it->second].count;
  } else if (!new_cause) {
    ++out_.other_causes;
  }
  if (!new_cause && !wanted) {
    return;
  }
  LoggedFailure f;
  f.http_status = detail_.status;
  f.service_code = std::string(utf8_head(redact(detail_.code), 100));
  f.message = kept_message(message);
  f.request_url = redact(source_key(detail_.url));
  f.at = log_time(failure_time_);
  if (new_cause) {
    cause_index_.emplace(cause_key_, out_.causes.size());
    out_.causes.push_back(LoggedCause{f, 1});
  }
  if (wanted) {
    out_.by_source[failure_source_] = std::move(f);
  }
}

FailureLog FailureLogScanner::finish() {
  close_block();
  std::stable_sort(out_.causes.begin(), out_.causes.end(),
                   [](const LoggedCause& a, const LoggedCause& b) { return a.count > b.count; });
  FailureLog out = std::move(out_);
  out_ = FailureLog{};
  cause_index_.clear();
  return out;
}

FailureLog read_failure_log(const std::filesystem::path& log, std::vector<std::string> wanted) {
  MappedFile file(log);
  const std::string_view text = file.view();
  if (text.empty()) {
    return {};
  }
  FailureLogScanner scanner(std::move(wanted));
  std::size_t released = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const std::size_t end =
        nl == nullptr ? text.size()
                      : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data());
    scanner.feed(text.substr(pos, std::min(end - pos, kMaxLineRead)));
    pos = end + 1;
    if (pos - released >= kReleaseStep) {
      file.release_before(pos);
      released = pos;
    }
  }
  return scanner.finish();
}

LoggedFailure describe_error_text(std::string_view text) {
  struct {
    int status = 0;
    std::string code;
    std::string request_id;
    std::string url;
  } d;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto end = std::min(text.find('\n', pos), text.size());
    absorb(text.substr(pos, end - pos), d);
    pos = end + 1;
  }
  LoggedFailure f;
  f.http_status = d.status;
  f.service_code = std::string(utf8_head(redact(d.code), 100));
  f.message = kept_message(clean_message(text.substr(0, text.find('\n')), d.status));
  f.request_url = redact(source_key(d.url));
  return f;
}

}  // namespace azcopy_runner::detail
