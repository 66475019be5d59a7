// SPDX-License-Identifier: MIT
#include "state/job_state.hpp"

#include <algorithm>
#include <chrono>

#include "azcopy_runner/parse.hpp"
#include "os/launcher.hpp"
#include "parse/output_parser.hpp"
#include "text/messages.hpp"
#include "text/text.hpp"
#include "text/timestamp.hpp"

namespace azcopy_runner::detail {

namespace {

/// The first non-blank line of @p text, at most 200 bytes (not cutting a UTF-8 sequence).
std::string first_line(std::string_view text) {
  constexpr std::size_t kMax = 200;
  const std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) {
    return {};
  }
  const std::string_view line = text.substr(begin);
  return std::string(utf8_head(line.substr(0, line.find_first_of("\r\n")), kMax));
}

std::string exit_suffix(const JobRecord& record) {
  return record.exit ? " (" + describe_exit(*record.exit) + ")" : std::string();
}

/// No plan: the process has not written it yet, ended without it, or runs on another host.
StateDecision decide_without_plan(const std::string& job_id, const JobRecord* record,
                                  Liveness liveness) {
  StateDecision d;
  if (record == nullptr) {
    d.verdict = Verdict::NotKnown;
    d.reason = "no job " + job_id +
               " on this host: the runner has no record of it and AzCopy no plan. After a "
               "redeploy on an ephemeral filesystem both are gone, and AzCopy's process with "
               "them: start the copy again (overwrite=ifSourceNewer skips what already arrived)";
  } else if (liveness == Liveness::Alive) {
    d.verdict = Verdict::NoPlan;
    d.state = AzCopyJobState::Pending;
    d.reason = "AzCopy is running but has not written its job plan yet";
  } else if (liveness == Liveness::Dead && record->cancel_requested) {
    d.verdict = Verdict::EndedWithoutPlan;
    d.state = AzCopyJobState::Canceled;
    d.reason = "canceled before AzCopy wrote its job plan";
  } else if (liveness == Liveness::Dead) {
    d.verdict = Verdict::EndedWithoutPlan;
    d.state = AzCopyJobState::Failed;
    d.reason = "AzCopy exited" + exit_suffix(*record) + " without leaving a job plan";
    d.add_own_error = true;
  } else {
    d.verdict = Verdict::NoPlan;
    d.state = AzCopyJobState::Unknown;
    d.reason = "the job was started on host " + record->process.host +
               " and AzCopy on this host does not know it";
  }
  return d;
}

/// A plan that says InProgress while its process is gone.
void decide_orphaned_plan(StateDecision& d, const JobRecord& record) {
  AzCopySummary& summary = *d.summary;
  if (record.cancel_requested) {
    // `azcopy cancel` of an orphaned plan leaves it "Cancelling" (shown as InProgress)
    // unless it had time to close every part: nothing runs it any more, it is canceled.
    d.state = AzCopyJobState::Canceled;
    d.reason = "canceled; the AzCopy process is gone and its plan says " + summary.raw_status;
  } else {
    d.state = AzCopyJobState::Failed;
    d.resumable = summary.total_transfers > 0;
    d.reason = "the AzCopy process (pid " + std::to_string(record.process.pid) + ") is gone" +
               exit_suffix(record) + " while its plan says " + summary.raw_status +
               (d.resumable ? "; it can be resumed (azcopy jobs resume)"
                            : "; scanning had not finished, it cannot be resumed");
  }
  summary.state = d.state;
  if (d.state == AzCopyJobState::Failed) {
    summary.failure_reason = d.reason;
  }
  add_message(summary.messages, d.reason);
}

/// A job AzCopy calls successful that did not do what it was asked: FAILED (AzCopy's own
/// status stays in raw_status), and @p message first among the messages.
void fail_with_first_message(AzCopySummary& summary, std::string message) {
  if (summary.state == AzCopyJobState::Succeeded) {
    summary.state = AzCopyJobState::Failed;
    message += " (AzCopy's status " + summary.raw_status + " is in raw_status)";
  }
  put_message_first(summary.messages, redacted_excerpt(message, kMaxExcerptBytes));
}

/// A job whose source AzCopy could not wholly list: the files it did not see are in no count,
/// so a job AzCopy calls Completed did not copy what it was asked to. FAILED, and the first
/// message says why, from AzCopy's scanning log (`<job id>-scanning.log` beside its log).
void note_scan_failure(const OwnOutput& own, AzCopySummary& summary) {
  std::string message =
      "AzCopy could not list part of the source: the files there are in no "
      "count of this job";
  if (!own.scanning_log.empty()) {
    message +=
        "; its scanning log " + own.scanning_log +
        (own.scanning_reason.empty() ? std::string(" says no more")
                                     : " says: " + redacted_excerpt(own.scanning_reason, 400));
  }
  fail_with_first_message(summary, message);
}

/// A resumed job that AzCopy let skip files because they exist at the destination (overwrite
/// not `true`): the process that died had created some of them, at their full size, without
/// all their bytes (seen: a RESTORE killed mid-way, resumed with `ifSourceNewer`, "succeeded"
/// with 36 of 40 files skipped and left full of zeros). Those files cannot be told from the
/// ones that were there before: FAILED, and the first message says what to do.
void note_resumed_skips(const JobRecord& record, AzCopySummary& summary) {
  const std::string overwrite = record.copy ? record.copy->overwrite : "true";
  if (ascii_iequals(overwrite, "true")) {
    return;
  }
  std::string message =
      "this job was resumed after its AzCopy process ended, and AzCopy skipped " +
      std::to_string(summary.skipped_transfers) +
      " files because they exist at the destination (--overwrite=" + overwrite +
      "): files the ended process had begun are among them and may be incomplete (created at "
      "their full size, not all their bytes written); copy again with overwrite=true";
  fail_with_first_message(summary, message);
}

/// AzCopy cancels a job itself after a transfer fails on an authentication error (a 403: a
/// SAS that expired or was refused; seen on 10.32 when the share's SAS expired mid-COOL). No
/// one asked for that cancel: FAILED, with the failed transfers, and `jobs resume` with fresh
/// tokens continues it.
void note_cancelled_by_azcopy(AzCopySummary& summary) {
  summary.state = AzCopyJobState::Failed;
  std::string codes;
  for (const auto& f : summary.failed_files) {
    if (!f.error_code.empty() && codes.find(f.error_code) == std::string::npos) {
      codes += (codes.empty() ? "" : ", ") + f.error_code;
    }
  }
  put_message_first(
      summary.messages,
      "AzCopy cancelled this job itself after " + std::to_string(summary.failed_transfers) +
          " failed transfer(s)" + (codes.empty() ? std::string() : " (error " + codes + ")") +
          "; no cancel was requested (AzCopy's status " + summary.raw_status +
          " is in raw_status): a 403 means a SAS expired or was refused; resume the job "
          "with fresh SAS tokens");
}

/// A URL of the job's command as the root of its side: no query, decoded, no trailing "/*".
std::string url_root(std::string_view url) {
  std::string root = source_key(url);
  while (!root.empty() && (root.back() == '*' || root.back() == '/')) {
    root.pop_back();
  }
  return root.find("://") == std::string::npos ? std::string() : root;
}

/// "source" or "destination": the side a refused request went to (or, for a code about the
/// copy source, the side the destination's service could not read); "" when not known.
std::string side_of(const LoggedFailure& f, const JobRecord& record) {
  if (f.service_code.find("CopySource") != std::string::npos) {
    return "source";
  }
  if (f.request_url.empty() || !record.copy) {
    return {};
  }
  const std::string src = url_root(record.copy->source);
  const std::string dst = url_root(record.copy->destination);
  const auto under = [&f](const std::string& root) {
    return !root.empty() && f.request_url.starts_with(root) &&
           (f.request_url.size() == root.size() || f.request_url[root.size()] == '/');
  };
  const bool in_src = under(src);
  const bool in_dst = under(dst);
  if (in_src && in_dst) {
    return src.size() >= dst.size() ? "source" : "destination";
  }
  return in_src ? "source" : (in_dst ? "destination" : "");
}

/// Each failed file's reason and the job's causes, from AzCopy's log.
void explain_failed_transfers(AzCopySummary& summary, const JobRecord& record,
                              const FailureLog& log) {
  for (FailedFile& file : summary.failed_files) {
    if (const auto it = log.by_source.find(source_key(file.source)); it != log.by_source.end()) {
      file.reason = it->second.message;
      file.http_status = it->second.http_status;
      file.service_code = it->second.service_code;
    }
  }
  summary.failure_causes.clear();
  for (const LoggedCause& c : log.causes) {
    if (summary.failure_causes.size() >= kMaxFailureCauses) {
      break;
    }
    summary.failure_causes.push_back(FailureCause{c.count, c.failure.http_status,
                                                  c.failure.service_code, c.failure.message,
                                                  side_of(c.failure, record), c.failure.at});
  }
}

/// "403 AuthorizationPermissionMismatch on the destination (Could not check ...)".
std::string cause_text(int status, const std::string& code, const std::string& side,
                       std::string_view message) {
  std::string text = status != 0 ? std::to_string(status) : std::string();
  if (!code.empty()) {
    text += (text.empty() ? "" : " ") + code;
  }
  if (!side.empty()) {
    text += (text.empty() ? "refused by the " : " on the ") + side;
  }
  while (message.ends_with('.') || message.ends_with(':') || message.ends_with(' ')) {
    message.remove_suffix(1);
  }
  if (message.empty()) {
    return text;
  }
  return text.empty() ? std::string(message) : text + " (" + std::string(message) + ")";
}

/// For 403s that came after a side's SAS expired: which one, when, and what to do.
std::string expired_sas_note(const FailureCause& cause, const JobRecord& record) {
  if (cause.http_status != 403 || !cause.first_at) {
    return {};
  }
  std::vector<std::pair<std::string, TimePoint>> expired;
  for (const auto& [side, expiry] :
       {std::pair{std::string("source"), record.source_sas_expiry},
        std::pair{std::string("destination"), record.destination_sas_expiry}}) {
    if (expiry && *expiry <= *cause.first_at && (cause.side.empty() || cause.side == side)) {
      expired.emplace_back(side, *expiry);
    }
  }
  std::string note;
  for (const auto& [side, expiry] : expired) {
    note += "; the " + side + "'s SAS expired at " + format_timestamp(expiry);
  }
  if (!note.empty()) {
    note += ", before these failures (from " + format_timestamp(*cause.first_at) +
            "): resume the job with fresh SAS tokens to continue it";
  }
  return note;
}

/// Failed transfers whose cause AzCopy's log did not give: their count, their error codes and
/// what became of the log.
std::string unexplained_failures(const AzCopySummary& summary, const OwnOutput& own) {
  std::string codes;
  for (const auto& f : summary.failed_files) {
    if (!f.error_code.empty() && f.error_code != "0" &&
        codes.find(f.error_code) == std::string::npos) {
      codes += (codes.empty() ? "" : ", ") + f.error_code;
    }
  }
  const std::string log = own.azcopy_log.empty() ? "AzCopy's job log" : own.azcopy_log;
  return std::to_string(summary.failed_transfers) + " transfer(s) failed" +
         (codes.empty() ? std::string() : " (error " + codes + ")") + "; " +
         (own.failure_log && own.failure_log->readable ? log + " has no failure line for them"
                                                       : log + " could not be read for the reason");
}

/// The one line that says why a FAILED job failed (see AzCopySummary::failure_reason).
std::string failure_line(const AzCopySummary& summary, const JobRecord& record,
                         const OwnOutput& own) {
  if (summary.failed_transfers > 0 && !summary.failure_causes.empty()) {
    const FailureCause& top = summary.failure_causes.front();
    std::string line =
        std::to_string(top.count) + " of " + std::to_string(summary.failed_transfers) +
        " failed: " + cause_text(top.http_status, top.service_code, top.side, top.message);
    const std::int64_t others = own.failure_log ? own.failure_log->failures - top.count : 0;
    if (others > 0) {
      line += "; " + std::to_string(others) + " with other causes (failure_causes)";
    }
    return line + expired_sas_note(top, record);
  }
  if (summary.failed_transfers > 0) {
    return unexplained_failures(summary, own);
  }
  const auto error =
      std::find_if(summary.messages.begin(), summary.messages.end(), [](const std::string& m) {
        return !m.starts_with("WARN") && !m.starts_with("INFO") &&
               !m.starts_with("Any empty folders");
      });
  return error == summary.messages.end() ? std::string() : error_headline(*error, record);
}

/// Whether the job's own last summary (of the process the runner started: its EndOfJob, or the
/// Progress line of a terminal status AzCopy prints just before it, which `jobs show` may
/// already match while the EndOfJob is not written yet) counted its folders and tells the same
/// outcome as the plan's (`jobs show`).
bool own_counts_folders(const ParsedOutput& own, const AzCopySummary& plan) {
  return own.summary && (own.end_of_job || is_terminal(own.summary->state)) &&
         own.uncounted_folders == 0 && own.summary->job_id == plan.job_id &&
         own.summary->raw_status == plan.raw_status &&
         own.summary->total_transfers == plan.total_transfers &&
         own.summary->failed_transfers == plan.failed_transfers &&
         own.summary->skipped_transfers == plan.skipped_transfers;
}

}  // namespace

std::string error_headline(std::string_view text, const JobRecord& record) {
  const LoggedFailure d = describe_error_text(text);
  if (d.http_status == 0 && d.service_code.empty()) {
    return std::string(utf8_head(redact(text.substr(0, text.find('\n'))), kMaxReasonBytes));
  }
  return cause_text(d.http_status, d.service_code, side_of(d, record), d.message);
}

StateDecision decide_state(const std::string& job_id, const JobRecord* record, Liveness liveness,
                           ShownJob shown) {
  if (shown.job_not_found) {
    return decide_without_plan(job_id, record, liveness);
  }
  StateDecision d;
  if (!shown.summary) {
    const auto& e = shown.exit;
    d.reason = e && (e->exit_code != 0 || e->signal != 0)
                   ? "'azcopy jobs show' failed (" + describe_exit(*e) + ")"
                   : "'azcopy jobs show' printed no job summary";
    if (record != nullptr && liveness == Liveness::Alive) {
      // The job's AzCopy runs, and `jobs show` reads the plan files it is still writing:
      // early in a large job it can die of SIGBUS (Go: "unexpected fault address"). The
      // job is not known to `jobs show` yet; the next poll asks again.
      d.verdict = Verdict::NoPlan;
      d.state = AzCopyJobState::Pending;
      d.reason = "AzCopy is running; its job plan could not be read yet (" + d.reason + ": " +
                 first_line(shown.excerpt) + ")";
    } else {
      d.verdict = Verdict::Unreadable;
    }
    return d;
  }
  d.verdict = Verdict::FromPlan;
  d.summary = std::move(shown.summary);
  d.summary->job_id = job_id;
  d.state = d.summary->state;
  if (d.state == AzCopyJobState::Running && record != nullptr && liveness == Liveness::Dead) {
    decide_orphaned_plan(d, *record);
  }
  d.keep = record != nullptr && is_terminal(d.state) && d.reason.empty();
  return d;
}

namespace {

/// What the job's own output adds to the plan's summary: folder counts `jobs show` lacks (for a
/// job run by one process only: a resumed one's last process counted its own part), warnings,
/// errors, messages and times. Returns the folders still uncounted.
std::int64_t merge_own_output(AzCopySummary& summary, const JobRecord& record,
                              const ParsedOutput& own, std::int64_t uncounted_folders) {
  if (record.resumes == 0 && own_counts_folders(own, summary)) {
    if (uncounted_folders > 0) {
      summary.files_transferred = own.summary->files_transferred;
      uncounted_folders = 0;
    }
    if (own.summary->directories) {
      summary.directories = own.summary->directories;
    }
  }
  summary.warnings = std::max(summary.warnings, own.warnings);
  summary.errors = std::max(summary.errors, own.errors);
  for (const auto& m : own.messages) {
    add_new_message(summary.messages, m);
  }
  if (own.end_timestamp) {
    summary.finished_at = own.end_timestamp;
  }
  if (own.first_timestamp && record.resumes == 0) {
    summary.started_at = own.first_timestamp;
  }
  return uncounted_folders;
}

/// The directories the runner made before AzCopy copied the files: their counts, and a job
/// that could not make one is FAILED (the first failure in its reason).
void apply_kept_directories(AzCopySummary& summary, const KeptDirectories& kept) {
  summary.directories = kept.counts;
  if (kept.counts.failed == 0 || !is_terminal(summary.state)) {
    return;
  }
  std::string line = std::to_string(kept.counts.failed) + " of " +
                     std::to_string(kept.counts.made + kept.counts.skipped + kept.counts.failed) +
                     " directories could not be made on the destination";
  if (!kept.failures.empty()) {
    line += " (" + kept.failures.front() + ")";
  }
  if (summary.state == AzCopyJobState::Failed && !summary.failure_reason.empty()) {
    summary.failure_reason += "; " + line;
  } else {
    summary.state = AzCopyJobState::Failed;
    summary.failure_reason = line;
  }
  summary.failure_reason = std::string(utf8_head(summary.failure_reason, kMaxReasonBytes));
  for (const std::string& failure : kept.failures) {
    if (!add_message(summary.messages, "directory not made: " + failure)) {
      break;
    }
  }
}

}  // namespace

void complete_summary(AzCopySummary& summary, const JobRecord& record, const OwnOutput& own,
                      std::int64_t uncounted_folders, TimePoint observed_at) {
  summary.job_id = record.ref.job_id;
  if (!summary.started_at) {
    summary.started_at = record.ref.started_at;
  }
  std::string empty_folders_notice = record.empty_folders_notice;
  bool scan_failed = false;
  if (const auto& out = own.stdout_tail) {
    scan_failed = out->scan_failed;
    if (empty_folders_notice.empty()) {
      empty_folders_notice = out->empty_folders_notice;
    }
    uncounted_folders = merge_own_output(summary, record, *out, uncounted_folders);
  }
  if (scan_failed) {
    note_scan_failure(own, summary);
  }
  if (record.resumes > 0 && summary.skipped_transfers > 0) {
    note_resumed_skips(record, summary);
  }
  if (summary.state == AzCopyJobState::Canceled && !record.cancel_requested &&
      summary.failed_transfers > 0) {
    note_cancelled_by_azcopy(summary);
  }
  if (own.failure_log) {
    explain_failed_transfers(summary, record, *own.failure_log);
  }
  if (summary.state == AzCopyJobState::Failed) {
    summary.failure_reason = failure_line(summary, record, own);
  }
  if (record.directories) {
    apply_kept_directories(summary, *record.directories);
    const DirectoryCounts& c = record.directories->counts;
    if (c.made + c.skipped + c.failed > 0) {
      empty_folders_notice.clear();  // the runner made them: AzCopy's notice does not hold
    } else {
      add_message(summary.messages,
                  "keep_directories: the source holds no directory stubs (was it cooled without "
                  "them?): its empty directories cannot be made back");
    }
  }
  if (!empty_folders_notice.empty()) {
    note_empty_folders(summary, empty_folders_notice);
  }
  if (uncounted_folders > 0) {
    add_message(
        summary.messages,
        "files_transferred may count up to " + std::to_string(uncounted_folders) +
            " folders: 'azcopy jobs show' does not say how many folder transfers completed, and "
            "the job's own output is not available");
  }
  if (!summary.finished_at) {
    summary.finished_at = observed_at;
  }
}

void explain_unrecorded_failure(AzCopySummary& summary, const OwnOutput& own) {
  if (summary.state != AzCopyJobState::Failed || !summary.failure_reason.empty()) {
    return;
  }
  const JobRecord none;
  if (own.failure_log) {
    explain_failed_transfers(summary, none, *own.failure_log);
  }
  summary.failure_reason = failure_line(summary, none, own);
}

bool is_resumable(bool died_mid_plan, AzCopyJobState state, std::int64_t failed_transfers) {
  return died_mid_plan || (state == AzCopyJobState::Failed && failed_transfers > 0);
}

namespace {

/// The figures a progress and a summary share, copied from one to the other: the one list of
/// them, so that the two conversions below stay each other's inverse.
template <typename From, typename To>
void copy_shared_figures(const From& from, To& to) {
  to.job_id = from.job_id;
  to.state = from.state;
  to.raw_status = from.raw_status;
  to.files_transferred = from.files_transferred;
  to.files_total = from.files_total;
  to.total_transfers = from.total_transfers;
  to.bytes_transferred = from.bytes_transferred;
  to.bytes_expected = from.bytes_expected;
  to.failed_transfers = from.failed_transfers;
  to.skipped_transfers = from.skipped_transfers;
  to.percent_complete = from.percent_complete;
}

}  // namespace

AzCopySummary summary_from_progress(const AzCopyProgress& progress) {
  AzCopySummary summary;
  copy_shared_figures(progress, summary);
  return summary;
}

AzCopyProgress progress_from_summary(const AzCopySummary& summary) {
  AzCopyProgress progress;
  copy_shared_figures(summary, progress);
  progress.last_updated_at = summary.finished_at.value_or(std::chrono::system_clock::now());
  return progress;
}

}  // namespace azcopy_runner::detail
