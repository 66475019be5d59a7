// SPDX-License-Identifier: MIT
// Internal: the one parser of AzCopy output, fed incrementally. parse_output() (a string),
// parse_output_file() (a file, one line at a time), parse_progress_line() (counts only) and
// parse_summary() all feed it, so that the same output gives the same result by every path.
//
// The input is split into segments at '\n' and '\r' (text progress lines are '\r'-separated;
// a JSON message never holds a raw CR or LF). A segment starting with '{' is a JSON message
// (envelope.hpp, summary_json.hpp); any other is read as text (text_summary.hpp). The parser
// keeps no view of what it was fed: memory is bounded whatever the length of the output.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/envelope.hpp"
#include "parse/parsed_output.hpp"
#include "parse/summary_json.hpp"
#include "parse/text_summary.hpp"

namespace azcopy_runner::detail {

class OutputParser {
 public:
  /// @param counts_only  the lists of failed and skipped transfers are counted, not read, and
  ///                     no raw_summary is made (a progress figure).
  explicit OutputParser(bool counts_only = false) : counts_only_(counts_only) {}

  /// Reads @p text, the next part of the output: whole lines, each with its line break (the
  /// last line of the output may have none). A line that cannot be read is skipped.
  void feed(std::string_view text);

  /// Reads one JSON message line, without its line break: what feed() does with it, without
  /// looking for line breaks in it (a JSON message never holds a raw CR or LF), so that a
  /// megabyte line costs no pass over all of it.
  void feed_json_line(std::string_view line);

  /// The result of everything fed. Call once.
  ParsedOutput finish();

  /// After finish(): the text of AzCopy's "no job with JobId ..." (redacted, bounded), and the
  /// job id it names; empty when there is none.
  [[nodiscard]] const std::string& not_found_text() const { return not_found_text_; }
  [[nodiscard]] const std::string& not_found_job_id() const { return not_found_job_id_; }

 private:
  /// A summary-bearing message that may become the result.
  struct Candidate {
    SummaryFields fields;
    bool final = false;          ///< EndOfJob / GetJobSummary / text block with a final status.
    bool text_progress = false;  ///< A text progress line: no JobStatus, the job is running.
    std::string raw;             ///< MessageContent (JSON), or the text block or line.
    std::optional<TimePoint> timestamp;
  };

  void segment(std::string_view raw);
  void json_line(std::string_view line);
  /// The envelope of a JSON line; for a huge line (or counts only) its content stays in the line
  /// (Envelope::escaped_content, valid while the line and before_lists_ are). False when the
  /// line is not an AzCopy message.
  bool read_envelope(std::string_view line, Envelope& env);
  /// What one message of type Init, Progress, EndOfJob, Error, Info... tells.
  void message(Envelope& env, std::optional<TimePoint> ts);
  void init_message(const Envelope& env);
  void summary_message(Envelope& env, std::optional<TimePoint> ts);
  void merge_failed(SummaryFields& f, bool whole_list);
  void text_line(std::string_view raw, std::string_view line);
  void close_block();
  void offer(Candidate c);
  void add_message(std::string_view text);
  void empty_folders_check(std::string_view text);
  void scan_failed_check(std::string_view text);
  void not_found_check(std::string_view text);
  static std::int64_t folders_completed(const SummaryFields& f, AzCopyJobState state,
                                        ParsedOutput& out);
  AzCopySummary build_summary(Candidate& c, ParsedOutput& out);

  bool counts_only_ = false;
  bool started_ = false;            ///< Something was fed (a BOM is skipped at the very start).
  std::string before_lists_;        ///< Counts only: the content of the last line up to its lists.
  std::string_view pending_break_;  ///< The line break after the last segment read (a literal).
  TextBlock block_;
  std::string block_raw_;          ///< The open block's text as read so far (bounded).
  std::size_t block_raw_end_ = 0;  ///< Its length up to the end of its last label line.
  std::optional<Candidate> current_;
  std::vector<FailedFile> failed_files_;
  std::int64_t failed_omitted_ = 0;
  std::optional<std::string> init_job_id_;
  std::optional<std::string> started_job_id_;
  std::optional<std::string> summary_job_id_;
  std::optional<std::string> log_file_;
  bool end_of_job_ = false;
  bool job_not_found_ = false;
  bool cancel_prompt_ = false;
  bool empty_folders_ = false;
  std::string empty_folders_notice_;
  bool scan_failed_ = false;
  std::int64_t warnings_ = 0;
  std::int64_t errors_ = 0;
  std::vector<std::string> messages_;
  std::string not_found_text_;
  std::string not_found_job_id_;
  std::optional<TimePoint> first_ts_;
  std::optional<TimePoint> last_ts_;
  std::optional<TimePoint> end_ts_;
};

/// Marks @p summary as a job whose empty folders AzCopy did not process, and puts AzCopy's
/// @p notice first among its messages (once; the bound on messages is kept).
void note_empty_folders(AzCopySummary& summary, const std::string& notice);

/// Parses a whole output (an OutputParser fed once). Never throws anything but std::bad_alloc.
ParsedOutput parse_output(std::string_view output);

/// parse_output() for a progress figure only (poll()): the FailedTransfers and SkippedTransfers
/// lists of JSON summaries are not read (AzCopy prints every counter before them: only the
/// content up to them is parsed; failed_files stays empty, failed_files_omitted 0, raw_summary
/// empty), so that reading the last progress line of a job costs the same whatever number of
/// failures it lists.
ParsedOutput parse_progress_line(std::string_view line);

/// parse_output() of a file, fed to the same parser one line at a time through a memory map
/// whose pages are released after each line: the memory held is that of the longest line, not
/// of the file; the result is that of parse_output() of the file's text. A missing or
/// unreadable file gives an empty result.
ParsedOutput parse_output_file(const std::filesystem::path& file);

}  // namespace azcopy_runner::detail
