// SPDX-License-Identifier: MIT
#include "job_state.hpp"

#include <algorithm>
#include <chrono>

#include "azcopy_runner/parse.hpp"
#include "runner_core.hpp"
#include "text.hpp"

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
  summary.messages.push_back(d.reason);
}

/// A job AzCopy calls successful that did not do what it was asked: FAILED (AzCopy's own
/// status stays in raw_status), and @p message first among the messages.
void fail_with_first_message(AzCopySummary& summary, std::string message) {
  if (summary.state == AzCopyJobState::Succeeded) {
    summary.state = AzCopyJobState::Failed;
    message += " (AzCopy's status " + summary.raw_status + " is in raw_status)";
  }
  put_first(summary.messages, redacted_excerpt(message, kMaxExcerptBytes));
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
  std::string overwrite = "true";
  for (const auto& arg : record.ref.command) {
    if (arg.starts_with("--overwrite=")) {
      overwrite = arg.substr(12);
    }
  }
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
  put_first(summary.messages,
            "AzCopy cancelled this job itself after " + std::to_string(summary.failed_transfers) +
                " failed transfer(s)" + (codes.empty() ? std::string() : " (error " + codes + ")") +
                "; no cancel was requested (AzCopy's status " + summary.raw_status +
                " is in raw_status): a 403 means a SAS expired or was refused; resume the job "
                "with fresh SAS tokens");
}

/// Whether the job's own last summary (the EndOfJob of the process the runner started)
/// counted its folders and tells the same outcome as the plan's (`jobs show`).
bool own_counts_folders(const ParsedOutput& own, const AzCopySummary& plan) {
  return own.end_of_job && own.summary && own.uncounted_folders == 0 &&
         own.summary->job_id == plan.job_id && own.summary->raw_status == plan.raw_status &&
         own.summary->total_transfers == plan.total_transfers &&
         own.summary->failed_transfers == plan.failed_transfers &&
         own.summary->skipped_transfers == plan.skipped_transfers;
}

}  // namespace

void put_first(std::vector<std::string>& messages, std::string message) {
  messages.insert(messages.begin(), std::move(message));
  if (messages.size() > kMaxMessages) {
    messages.pop_back();
  }
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
  if (uncounted_folders > 0 && record.resumes == 0 && own_counts_folders(own, summary)) {
    summary.files_transferred = own.summary->files_transferred;
    uncounted_folders = 0;
  }
  summary.warnings = std::max(summary.warnings, own.warnings);
  summary.errors = std::max(summary.errors, own.errors);
  for (const auto& m : own.messages) {
    if (summary.messages.size() < kMaxMessages &&
        std::find(summary.messages.begin(), summary.messages.end(), m) == summary.messages.end()) {
      summary.messages.push_back(m);
    }
  }
  if (own.end_timestamp) {
    summary.finished_at = own.end_timestamp;
  }
  if (own.first_timestamp && record.resumes == 0) {
    summary.started_at = own.first_timestamp;
  }
  return uncounted_folders;
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
  if (!empty_folders_notice.empty()) {
    note_empty_folders(summary, empty_folders_notice);
  }
  if (uncounted_folders > 0 && summary.messages.size() < kMaxMessages) {
    summary.messages.push_back(
        "files_transferred may count up to " + std::to_string(uncounted_folders) +
        " folders: 'azcopy jobs show' does not say how many folder transfers completed, and "
        "the job's own output is not available");
  }
  if (!summary.finished_at) {
    summary.finished_at = observed_at;
  }
}

bool is_resumable(bool died_mid_plan, AzCopyJobState state, std::int64_t failed_transfers) {
  return died_mid_plan || (state == AzCopyJobState::Failed && failed_transfers > 0);
}

AzCopySummary summary_from_progress(const AzCopyProgress& p) {
  AzCopySummary s;
  s.job_id = p.job_id;
  s.state = p.state;
  s.raw_status = p.raw_status;
  s.files_transferred = p.files_done;
  s.total_transfers = p.files_total;
  s.bytes_transferred = p.bytes_done;
  s.bytes_expected = p.bytes_expected;
  s.failed_transfers = p.failed;
  s.skipped_transfers = p.skipped;
  s.percent_complete = p.percent;
  return s;
}

AzCopyProgress progress_from_summary(const AzCopySummary& s) {
  AzCopyProgress p;
  p.job_id = s.job_id;
  p.state = s.state;
  p.raw_status = s.raw_status;
  p.files_done = s.files_transferred;
  p.files_total = s.total_transfers;
  p.bytes_done = s.bytes_transferred;
  p.bytes_expected = s.bytes_expected;
  p.failed = s.failed_transfers;
  p.skipped = s.skipped_transfers;
  p.percent = s.percent_complete;
  p.last_updated_at = s.finished_at.value_or(std::chrono::system_clock::now());
  return p;
}

}  // namespace azcopy_runner::detail
