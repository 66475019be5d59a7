// SPDX-License-Identifier: MIT
// Internal: why transfers failed, read from AzCopy's own job log (`<job id>.log`).
//
// AzCopy writes one entry per failed transfer (both 10.18 and 10.32):
//   <date> <time> ERR: [P#<part>-T#<transfer>] COPYFAILED: <source> : <status> : <message>
//   [further lines of the message: the refused request and its status and error code]
//      Dst: <destination>
// and, before it, the refused response as a block of its own:
//   <date> <time> ==> REQUEST/RESPONSE (...) -- RESPONSE STATUS CODE ERROR
//      <METHOD> <url>
//      RESPONSE Status: 403 ...
//      X-Ms-Error-Code: AuthorizationPermissionMismatch   (10.18: in brackets)
//      X-Ms-Request-Id: <id>
// A failure whose own lines lack the status or the code is joined to that block by its
// request id. Each process of the job (the first, then each `jobs resume`) starts its part of
// the log with an `AzcopyVersion` line: only the last part counts.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner::detail {

/// What the log says of one failed transfer.
struct LoggedFailure {
  int http_status = 0;
  std::string service_code;
  std::string message;      ///< AzCopy's message without URLs, redacted, bounded.
  std::string request_url;  ///< The refused request's URL: no query, percent-decoded.
  std::optional<TimePoint> at;
};

/// One cause and how often it occurred.
struct LoggedCause {
  LoggedFailure failure;  ///< The first failure of this cause.
  std::int64_t count = 0;
};

/// What a scan of a job log found (its last run only).
struct FailureLog {
  bool readable = false;            ///< The log could be read.
  std::int64_t failures = 0;        ///< Failure entries.
  std::vector<LoggedCause> causes;  ///< Most frequent first; at most kMaxCausesTracked.
  std::int64_t other_causes = 0;    ///< Failures whose cause was beyond that bound.
  /// The failures of the files asked for, by source_key() of their source.
  std::map<std::string, LoggedFailure> by_source;
};

/// Distinct causes kept while scanning (a log of a million failures has a handful).
inline constexpr std::size_t kMaxCausesTracked = 64;

/// The key by which a failed file's source is matched with the log: the URL without its query
/// string, percent-decoded.
std::string source_key(std::string_view url);
/// source_key() into @p out (its buffer reused).
void assign_source_key(std::string& out, std::string_view url);

/// Responses kept to join failures to (by request id): the most recent ones.
inline constexpr std::size_t kMaxResponsesKept = 256;

/// Scans a job log's text line by line. @p wanted: source_key()s of the files whose own failure
/// is wanted (the summary's list, at most kMaxFailedFiles).
class FailureLogScanner {
 public:
  explicit FailureLogScanner(std::vector<std::string> wanted);
  /// One line, without its line break.
  void feed(std::string_view line);
  /// Ends the scan (closes the entry under way).
  FailureLog finish();

 private:
  struct Detail {
    int status = 0;
    std::string code;
    std::string request_id;
    std::string url;  ///< the request's URL as logged
    void clear();     ///< Empties it, keeping the strings' buffers.
  };
  enum class Block { None, Response, Failure };
  void close_block();
  void close_failure();
  [[nodiscard]] const Detail* response(std::string_view request_id) const;

  std::vector<std::string> wanted_;
  FailureLog out_;
  std::map<std::string, std::size_t, std::less<>> cause_index_;  ///< cause key -> out_.causes
  std::string cause_key_;  ///< the key of the failure under way (its buffer reused)
  /// The most recent responses (any status: AzCopy logs a 404 or a 412 it expects as received),
  /// by request id; a ring whose strings keep their buffers.
  std::array<Detail, kMaxResponsesKept> responses_;
  std::size_t response_next_ = 0;

  Block block_ = Block::None;
  Detail detail_;
  std::string failure_time_;  ///< "YYYY/MM/DD hh:mm:ss" of the failure under way
  std::string failure_source_;
  std::string failure_message_;
};

/// Scans the log file @p log (mapped, its pages released as the scan moves on: the memory
/// held is that of one line). A missing or untrusted file gives readable = false.
FailureLog read_failure_log(const std::filesystem::path& log, std::vector<std::string> wanted);

/// What an error text of AzCopy (an Error message of its output, a line of its log) says: the
/// status and service code it names ("RESPONSE 403: ...", "ERROR CODE: X", "ServiceCode=X",
/// "X-Ms-Error-Code: X"), the refused request's URL, and its first line as a message.
LoggedFailure describe_error_text(std::string_view text);

}  // namespace azcopy_runner::detail
