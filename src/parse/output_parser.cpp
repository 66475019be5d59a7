// SPDX-License-Identifier: MIT
#include "parse/output_parser.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <new>

#include "azcopy_runner/parse.hpp"
#include "os/mapped_file.hpp"
#include "parse/json_stream.hpp"
#include "state/state_rules.hpp"
#include "text/messages.hpp"
#include "text/parse_text.hpp"

namespace azcopy_runner::detail {

namespace {
/// The most of a text summary block kept for its raw_summary (blocks are a few hundred bytes).
constexpr std::size_t kMaxBlockBytes = 4 * kMaxRawSummaryBytes;
}  // namespace

void OutputParser::feed(std::string_view text) {
  std::size_t pos = 0;
  const std::size_t n = text.size();
  if (!started_) {
    started_ = true;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") {
      pos = 3;
    }
  }
  const char* base = text.data();
  while (pos < n) {
    // The next '\n' or '\r' (memchr: a summary line can be megabytes long).
    const void* lf = std::memchr(base + pos, '\n', n - pos);
    const std::size_t lf_at =
        lf == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(lf) - base);
    const void* cr = pos < lf_at ? std::memchr(base + pos, '\r', lf_at - pos) : nullptr;
    const std::size_t end =
        cr == nullptr ? lf_at : static_cast<std::size_t>(static_cast<const char*>(cr) - base);
    segment(text.substr(pos, end - pos));
    if (end >= n) {
      pending_break_ = {};  // the output's last line, without a break
      break;
    }
    // CR LF is one line break; a lone CR separates text progress reports.
    const std::size_t next =
        (text[end] == '\r' && end + 1 < n && text[end + 1] == '\n') ? end + 2 : end + 1;
    pending_break_ = next - end == 2     ? std::string_view("\r\n")
                     : text[end] == '\r' ? std::string_view("\r")
                                         : std::string_view("\n");
    pos = next;
  }
}

void OutputParser::feed_json_line(std::string_view line) {
  started_ = true;
  pending_break_ = {};
  segment(line);
}

void OutputParser::segment(std::string_view raw) {
  try {
    const std::string_view line = trim(raw);
    if (block_.open) {
      if (block_raw_.size() < kMaxBlockBytes) {  // the block's text, as it was printed
        block_raw_ += pending_break_;
        block_raw_.append(raw);
      }
      if (line.empty()) {
        if (block_.labels > 0) {
          close_block();
        }
        return;
      }
      if (line.front() != '{' && read_label_line(line, block_)) {
        block_raw_end_ = block_raw_.size();
        cancel_prompt_ = false;
        if (block_.final_status) {
          close_block();
        }
        return;
      }
      close_block();
    }
    if (line.empty()) {
      return;
    }
    if (line.front() == '{') {
      json_line(line);
    } else {
      text_line(raw, line);
    }
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception&) {
    // A line that cannot be read is skipped, whatever went wrong.
  }
}

void OutputParser::json_line(std::string_view line) {
  Envelope env;
  if (!read_envelope(line, env)) {
    return;  // not JSON, truncated, or not an AzCopy message: skipped
  }
  const std::optional<TimePoint> ts = parse_timestamp(env.timestamp);
  if (ts) {
    if (!first_ts_ || *ts < *first_ts_) {
      first_ts_ = ts;
    }
    if (!last_ts_ || *ts > *last_ts_) {
      last_ts_ = ts;
    }
  }
  message(env, ts);
}

bool OutputParser::read_envelope(std::string_view line, Envelope& env) {
  // A huge line: the envelope without its content, and the content read from the line.
  std::string reduced;
  std::string_view literal;
  // Counts only: the content up to its lists (every counter comes before them).
  bool streamed = counts_only_ && split_content_before_lists(line, reduced, before_lists_);
  if (streamed) {
    literal = before_lists_;
  } else {
    streamed =
        (counts_only_ || line.size() > kStreamedLineBytes) && split_content(line, reduced, literal);
  }
  const std::string_view text = streamed ? std::string_view(reduced) : line;
  if (!parse_envelope(text, env) || env.type.empty()) {
    return false;
  }
  if (streamed) {
    if (!env.content_is_string || !env.content.empty()) {
      return false;  // the key found was not the envelope's MessageContent
    }
    env.escaped_content = literal;
    env.keep_entries = counts_only_ ? 0 : kMaxFailedFiles;
    // Enough for raw_summary (see summary_message()); counts only: for error messages.
    env.content =
        unescape_prefix(literal, counts_only_ ? kMaxExcerptBytes : 2 * kMaxRawSummaryBytes + 1);
  }
  return true;
}

void OutputParser::message(Envelope& env, std::optional<TimePoint> ts) {
  const std::string_view type = env.type;
  cancel_prompt_ = type == "Prompt" &&
                   (ascii_iequals(env.prompt_type, "Cancel") || is_cancel_prompt_text(env.content));
  if (type == "Init") {
    init_message(env);
  } else if (type == "Progress" || type == "EndOfJob" || type == "GetJobSummary" ||
             type == "Response") {
    if (type == "EndOfJob") {
      end_of_job_ = true;
      if (ts) {
        end_ts_ = ts;
      }
    }
    summary_message(env, ts);
  } else if (type == "Error") {
    ++errors_;
    add_message(env.content);
    not_found_check(env.content);
  } else if (type == "Info") {
    if (istarts_with(trim(env.content), "WARN:")) {
      ++warnings_;
      add_message(trim(env.content));
    } else {
      empty_folders_check(env.content);
      scan_failed_check(env.content);
    }
  }
}

void OutputParser::init_message(const Envelope& env) {
  if (!env.content_is_string) {
    return;
  }
  SummaryFields f;
  if (!env.parse_content(f)) {
    return;
  }
  if (!init_job_id_ && is_valid_job_id(f.job_id)) {
    init_job_id_ = f.job_id;
  }
  if (!log_file_ && !f.log_file.empty()) {
    log_file_ = f.log_file;
  }
}

void OutputParser::summary_message(Envelope& env, std::optional<TimePoint> ts) {
  if (!env.content_is_string) {
    return;
  }
  Candidate c;
  if (!env.parse_content(c.fields) || !c.fields.is_summary()) {
    return;
  }
  const std::string_view type = env.type;
  merge_failed(c.fields, type == "GetJobSummary");
  c.final = type == "EndOfJob" || type == "GetJobSummary";
  c.timestamp = ts;
  if (env.content.size() > 2 * kMaxRawSummaryBytes) {
    c.raw = redact_prefix(env.content, kMaxRawSummaryBytes);  // free the rest now
  } else {
    c.raw = std::move(env.content);
  }
  offer(std::move(c));
}

/// FailedTransfers differ by version and command: 10.32 copy/resume sends deltas since the
/// previous report (EndOfJob usually []); 10.18 sends the whole list every time; `jobs show`
/// sends the whole list (10.32: GetJobSummary, then an EndOfJob repeating it). A list that
/// starts with the entry the kept list starts with is a whole list and replaces it; any other
/// list is a delta and is appended.
void OutputParser::merge_failed(SummaryFields& f, bool whole_list) {
  if (f.failed_files.empty() && f.failed_omitted == 0) {
    return;
  }
  const bool replace =
      whole_list || (!failed_files_.empty() && !f.failed_files.empty() &&
                     failed_files_.front().source == f.failed_files.front().source &&
                     failed_files_.front().destination == f.failed_files.front().destination);
  if (replace) {
    failed_files_ = std::move(f.failed_files);
    failed_omitted_ = f.failed_omitted;
    return;
  }
  for (FailedFile& file : f.failed_files) {
    if (failed_files_.size() < kMaxFailedFiles) {
      failed_files_.push_back(std::move(file));
    } else {
      failed_omitted_ = saturating_add(failed_omitted_, 1);
    }
  }
  failed_omitted_ = saturating_add(failed_omitted_, f.failed_omitted);
}

// --- Text ----------------------------------------------------------------------------------

void OutputParser::text_line(std::string_view raw, std::string_view line) {
  cancel_prompt_ = is_cancel_prompt_text(line);
  if (istarts_with(line, "Job ")) {
    const std::string_view rest = trim(line.substr(4));
    if (iends_with(rest, " summary")) {
      const std::string_view id = trim(rest.substr(0, rest.size() - 8));
      block_ = TextBlock{};
      block_.open = true;
      block_raw_.assign(raw);
      block_raw_end_ = block_raw_.size();
      if (is_valid_job_id(id)) {
        block_.job_id = std::string(id);
      }
      return;
    }
    if (iends_with(rest, " has started")) {
      const std::string_view id = trim(rest.substr(0, rest.size() - 12));
      if (!started_job_id_ && is_valid_job_id(id)) {
        started_job_id_ = std::string(id);
      }
      return;
    }
  }
  if (istarts_with(line, "Log file is located at:")) {
    if (!log_file_) {
      const std::string path = redact_prefix(trim(line.substr(23)), kMaxPathBytes);
      if (!path.empty()) {
        log_file_ = path;
      }
    }
    return;
  }
  if (auto progress = read_progress_line(line)) {
    Candidate c;
    c.fields = std::move(*progress);
    c.text_progress = true;
    c.raw = std::string(line);
    offer(std::move(c));
    return;
  }
  if (istarts_with(line, "WARN:")) {
    ++warnings_;
    add_message(line);
    return;
  }
  if (istarts_with(line, "INFO:")) {
    empty_folders_check(line);
    scan_failed_check(line);
    return;
  }
  not_found_check(line);
  if (is_text_error_line(line)) {
    ++errors_;
    add_message(line);
  }
}

void OutputParser::close_block() {
  if (!block_.open) {
    return;
  }
  block_.open = false;
  if (block_.labels == 0) {
    return;
  }
  end_of_job_ = end_of_job_ || block_.final_status;
  Candidate c;
  c.fields = fields_from_block(block_);
  c.final = block_.final_status;
  c.raw = block_raw_.substr(0, block_raw_end_);
  offer(std::move(c));
}

// --- Shared --------------------------------------------------------------------------------

/// The last summary wins, except that a final one (EndOfJob, GetJobSummary, a text block with
/// a final status) is not replaced by a later progress report.
void OutputParser::offer(Candidate c) {
  if (!summary_job_id_ && is_valid_job_id(c.fields.job_id)) {
    summary_job_id_ = c.fields.job_id;
  }
  if (c.final || !current_ || !current_->final) {
    current_ = std::move(c);
  }
}

void OutputParser::add_message(std::string_view text) {
  std::string m = redact_prefix(trim(text), kMaxExcerptBytes);
  if (m.empty()) {
    return;
  }
  add_newest_message(messages_, std::move(m));
}

/// AzCopy's notice that empty folders are dropped (printed before the job id when a side has
/// no full folder support: Blob in COOL, RESTORE, uploads and downloads).
void OutputParser::empty_folders_check(std::string_view text) {
  if (empty_folders_ ||
      text.find("empty folders will not be processed") == std::string_view::npos) {
    return;
  }
  empty_folders_ = true;
  empty_folders_notice_ = redact_prefix(trim(text), kMaxExcerptBytes);
}

/// AzCopy's "Failed to scan Directory/File <path>. Logging errors in scanning logs." (10.32;
/// 10.18 writes "directory/file"): part of the source was not listed, so its files are in
/// no count of the job.
void OutputParser::scan_failed_check(std::string_view text) {
  if (!scan_failed_ && text.find("ailed to scan ") != std::string_view::npos) {
    scan_failed_ = true;
  }
}

void OutputParser::not_found_check(std::string_view text) {
  if (!is_not_found_text(text)) {
    return;
  }
  job_not_found_ = true;
  if (not_found_text_.empty()) {
    not_found_text_ = redact_prefix(trim(text), kMaxErrorQuoteBytes);
    if (auto id = find_uuid(text)) {
      not_found_job_id_ = std::move(*id);
    }
  }
}

ParsedOutput OutputParser::finish() {
  close_block();
  ParsedOutput out;
  if (init_job_id_) {
    out.job_id = init_job_id_;
  } else if (started_job_id_) {
    out.job_id = started_job_id_;
  } else {
    out.job_id = summary_job_id_;
  }
  out.log_file = log_file_;
  out.end_of_job = end_of_job_;
  out.job_not_found = job_not_found_;
  out.cancel_prompt = cancel_prompt_;
  out.first_timestamp = first_ts_;
  out.last_timestamp = last_ts_;
  out.end_timestamp = end_ts_;
  if (current_) {
    Candidate& c = *current_;
    if (!c.fields.error_msg.empty()) {
      ++errors_;
      add_message(c.fields.error_msg);
    }
    out.summary = build_summary(c, out);
  }
  out.empty_folders_not_processed = empty_folders_;
  out.empty_folders_notice = empty_folders_notice_;
  out.scan_failed = scan_failed_;
  out.warnings = warnings_;
  out.errors = errors_;
  out.messages = messages_;
  if (out.summary) {
    out.summary->warnings = warnings_;
    out.summary->errors = errors_;
    out.summary->messages = std::move(messages_);
    if (empty_folders_) {
      note_empty_folders(*out.summary, empty_folders_notice_);
    }
  }
  return out;
}

/// Folders among TransfersCompleted. `azcopy jobs show` reports FoldersCompleted, -Failed
/// and -Skipped as 0 whatever happened (the copying process alone counts them; seen on
/// 10.18 and 10.32): of a job whose every transfer completed, every folder transfer did; of
/// any other, the number is unknown and ParsedOutput::uncounted_folders says so.
std::int64_t OutputParser::folders_completed(const SummaryFields& f, AzCopyJobState state,
                                             ParsedOutput& out) {
  const bool uncounted = f.folder_transfers > 0 && f.folders_completed == 0 &&
                         f.folders_failed == 0 && f.folders_skipped == 0;
  if (!uncounted || !is_terminal(state)) {
    return f.folders_completed;
  }
  if (f.job_status == "Completed" && f.transfers_completed == f.total_transfers) {
    return f.folder_transfers;
  }
  out.uncounted_folders = f.folder_transfers;
  return 0;
}

AzCopySummary OutputParser::build_summary(Candidate& c, ParsedOutput& out) {
  const SummaryFields& f = c.fields;
  AzCopySummary s;
  if (is_valid_job_id(f.job_id)) {
    s.job_id = f.job_id;
  } else if (out.job_id) {
    s.job_id = *out.job_id;
  }
  s.raw_status = f.job_status;
  // Progress lines are printed while the job runs.
  s.state =
      c.text_progress ? AzCopyJobState::Running : state_of_status(f.job_status, f.transfers_failed);
  const std::int64_t folders = folders_completed(f, s.state, out);
  s.files_transferred = std::max<std::int64_t>(0, f.transfers_completed - folders);
  if (f.folder_transfers > 0 && (folders > 0 || f.folders_failed > 0 || f.folders_skipped > 0)) {
    s.directories = DirectoryCounts{folders, f.folders_skipped, f.folders_failed};
  }
  s.bytes_transferred = f.bytes_transferred;
  s.failed_transfers = f.transfers_failed;
  s.skipped_transfers = f.transfers_skipped;
  s.total_transfers = f.total_transfers;
  s.files_total = std::max<std::int64_t>(0, f.total_transfers - f.folder_transfers);
  s.bytes_expected = f.bytes_expected;
  s.percent_complete = f.percent;
  s.started_at = out.first_timestamp;
  if (is_terminal(s.state)) {
    s.finished_at = out.end_timestamp ? out.end_timestamp : c.timestamp;
  }
  if (!counts_only_) {  // a progress figure does not need it (nor its redaction)
    s.raw_summary = redact_prefix(trim(c.raw), kMaxRawSummaryBytes);
  }
  s.failed_files = std::move(failed_files_);
  s.failed_files_omitted = failed_omitted_;
  return s;
}

namespace {

/// @p feed on a new parser, then its result. Never throws anything but std::bad_alloc: lines
/// that cannot be read are skipped inside, and anything unexpected beyond that yields an empty
/// result.
template <typename Feed>
ParsedOutput parse_safely(bool counts_only, Feed&& feed) {
  try {
    OutputParser parser(counts_only);
    std::forward<Feed>(feed)(parser);
    return parser.finish();
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception&) {
    return ParsedOutput{};
  }
}

}  // namespace

ParsedOutput parse_output(std::string_view output) {
  return parse_safely(false, [output](OutputParser& parser) { parser.feed(output); });
}

ParsedOutput parse_progress_line(std::string_view line) {
  return parse_safely(true, [line](OutputParser& parser) {
    if (line.starts_with('{')) {
      parser.feed_json_line(line);  // poll's last summary line: no pass over all of it
    } else {
      parser.feed(line);
    }
  });
}

ParsedOutput parse_output_file(const std::filesystem::path& file) {
  MappedFile mapped(file);
  const std::string_view all = mapped.view();
  if (all.empty()) {
    return ParsedOutput{};
  }
  return parse_safely(false, [&](OutputParser& parser) {
    std::size_t pos = 0;
    while (pos < all.size()) {
      const std::size_t lf = all.find('\n', pos);
      const std::size_t next = lf == std::string_view::npos ? all.size() : lf + 1;
      parser.feed(all.substr(pos, next - pos));  // the line with its break
      pos = next;
      mapped.release_before(pos);  // the parser keeps no view of what it was fed
    }
  });
}

void note_empty_folders(AzCopySummary& summary, const std::string& notice) {
  summary.empty_folders_not_processed = true;
  if (!notice.empty()) {
    put_notice_first(summary.messages, notice);
  }
}

}  // namespace azcopy_runner::detail
