// SPDX-License-Identifier: MIT
#include "jobs/observe.hpp"

#include <algorithm>
#include <chrono>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "jobs/jobs_show.hpp"
#include "jobs/runner_core.hpp"
#include "os/mapped_file.hpp"
#include "parse/azcopy_log.hpp"
#include "parse/failure_log.hpp"
#include "parse/output_parser.hpp"
#include "parse/output_scan.hpp"
#include "state/job_state.hpp"
#include "text/messages.hpp"

namespace azcopy_runner::detail {

namespace {

/// The end of a job's stdout read for its final messages and counts.
constexpr std::size_t kStdoutTailBytes = std::size_t{8} << 20;
/// The end of a job's stdout read for its last error message.
constexpr std::size_t kOwnTailBytes = std::size_t{64} << 10;
/// The longest wait for a finished job's process to print its own final summary.
constexpr std::chrono::milliseconds kOwnEndWait{3000};
/// How often that wait looks at the job's stdout (it wakes at the process's exit anyway).
constexpr std::chrono::milliseconds kOwnEndLook{20};

/// The job's state from the last summary message of its own JSON stdout, when that decides
/// it: a Progress while the process is alive (running). An EndOfJob does not: a terminal job's
/// plan holds the reference figures (a cancelled job's last message counts partly sent bytes
/// that the plan does not), read once with `jobs show` and then kept in the record.
/// A copy whose process is alive and has printed no Progress yet is scanning its source: it is
/// pending, and `jobs show` is not asked (see the comment below).
std::optional<Observation> observe_from_output(const JobRecord& record, Liveness liveness) {
  if (liveness != Liveness::Alive || !record.stdout_is_json()) {
    return std::nullopt;  // gone: let the plan decide
  }
  // The file is mapped, not read: the last summary line is found by a byte scan back from the
  // end, and only its start is parsed (parse_progress_line), whatever the number of failures
  // it lists.
  const MappedFile stdout_file(record.stdout_path());
  const std::string_view line = last_summary_line(stdout_file.view());
  if (line.empty()) {
    // AzCopy prints its first Progress once the scan has dispatched transfers (about 10 s
    // into a 10,000-file COOL), then every 2 s. Until then each `jobs show` would be one
    // more AzCopy process reading the plan files this one is still writing, at every poll
    // (measured: 28 of them in those 10 s, polling every 500 ms and 1 s), on the host that
    // runs the job. A resume's plan already holds the job's figures: it is asked.
    if (record.kind != ProcessKind::Copy) {
      return std::nullopt;
    }
    Observation obs;
    obs.at = std::chrono::system_clock::now();
    obs.state = AzCopyJobState::Pending;
    obs.reason = "AzCopy is scanning the source; it has not reported progress yet";
    return obs;
  }
  ParsedOutput parsed = parse_progress_line(line);
  if (!parsed.summary || parsed.end_of_job) {
    return std::nullopt;
  }
  Observation obs;
  obs.at = parsed.last_timestamp.value_or(std::chrono::system_clock::now());
  obs.state = AzCopyJobState::Running;  // only EndOfJob is final
  obs.summary = std::move(parsed.summary);
  obs.summary->state = AzCopyJobState::Running;
  obs.summary->job_id = record.ref.job_id;
  return obs;
}

/// The last Error message of the job's own stdout, as a suffix for a reason.
std::string own_error_suffix(const JobRecord& record) {
  const auto tail = read_tail(record.stdout_path(), kOwnTailBytes);
  if (!tail) {
    return {};
  }
  const auto parsed = parse_output(*tail);
  if (parsed.messages.empty()) {
    return {};
  }
  return ": " + parsed.messages.back();
}

/// The final summary of a job whose process ended without a plan, from its own output; kept.
AzCopySummary final_without_plan(JobStore& store, const JobRecord& record, AzCopyJobState state,
                                 const std::string& reason) {
  AzCopySummary s;
  s.job_id = record.ref.job_id;
  s.state = state;
  s.started_at = record.ref.started_at;
  if (auto tail = read_tail(record.stdout_path(), kStdoutTailBytes)) {
    auto parsed = parse_output(*tail);
    s.errors = parsed.errors;
    s.warnings = parsed.warnings;
    s.messages = parsed.messages;
    s.finished_at = parsed.last_timestamp;
    s.raw_summary = redacted_excerpt(*tail, kMaxExcerptBytes);
  }
  add_message(s.messages, reason);
  if (state == AzCopyJobState::Failed) {
    s.failure_reason = error_headline(reason, record);
  }
  auto copy = record;
  copy.summary = s;
  copy.last_state = state;
  store.save(copy);
  return s;
}

/// AzCopy writes the plan's final status before its process prints its own final summary
/// (whose folder counts `jobs show` lacks): a finished job whose process still runs is given a
/// moment to print it and exit, so that the summary kept in the record has them.
void await_own_end(const RunnerCore& core, JobRecord& record, Liveness liveness) {
  if (liveness != Liveness::Alive) {
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + kOwnEndWait;
  bool gone = false;
  while (!gone && std::chrono::steady_clock::now() < deadline) {
    if (const auto tail = read_tail(record.stdout_path(), kOwnTailBytes);
        tail && shows_end_of_job(*tail)) {
      return;
    }
    gone = core.launcher->wait_for_exit(record.process, kOwnEndLook);
  }
  if (auto status = core.launcher->try_reap(record.process)) {
    record.exit = status;
  }
}

/// AzCopy's log of job @p job_id: @p named (where its output said), else `<job id>.log` in
/// the runner's AzCopy log location.
std::string azcopy_log_of(const RunnerCore& core, const std::string& job_id,
                          const std::string& named) {
  if (!named.empty()) {
    return named;
  }
  const std::string location = core.azcopy_log_location();
  return location.empty() ? std::string()
                          : (std::filesystem::path(location) / (job_id + ".log")).string();
}

/// For a job with failed transfers: what AzCopy's log @p log says of them (one pass over it).
void read_failure_causes(OwnOutput& own, std::string log, const AzCopySummary& plan) {
  if (plan.failed_transfers <= 0) {
    return;
  }
  own.azcopy_log = std::move(log);
  std::vector<std::string> wanted;
  for (const FailedFile& f : plan.failed_files) {
    wanted.push_back(source_key(f.source));
  }
  if (!own.azcopy_log.empty()) {
    own.failure_log = read_failure_log(own.azcopy_log, std::move(wanted));
  }
}

/// Reads what complete_summary() needs of the job's own files: the end of its stdout, and,
/// for a job with failed transfers, what AzCopy's log says of them (here, once: the summary
/// is then kept in the record).
OwnOutput read_own_output(const RunnerCore& core, const JobRecord& record,
                          const AzCopySummary& plan) {
  OwnOutput own;
  read_failure_causes(own, azcopy_log_of(core, record.ref.job_id, record.ref.azcopy_log_file),
                      plan);
  if (auto tail = read_tail(record.stdout_path(), kStdoutTailBytes)) {
    own.stdout_tail = parse_output(*tail);
    if (own.stdout_tail->scan_failed) {
      own.scanning_log = scanning_log_of(record.ref.azcopy_log_file);
      if (!own.scanning_log.empty()) {
        own.scanning_reason =
            last_error_line(read_tail(own.scanning_log, kLogTailBytes).value_or(""));
      }
    }
  }
  return own;
}

/// `jobs show`, stopped at the summary; asked again in full when it stopped at something else.
ShownJob ask_azcopy(RunnerCore& core, const std::string& job_id, const std::string& log_dir) {
  JobsShow shown = run_jobs_show(core, job_id, true);
  if (shown.result.stopped && !shown.parsed.summary && !shown.parsed.job_not_found) {
    shown = run_jobs_show(core, job_id, false);
  }
  if (shown.result.timed_out) {
    throw AzCopyParseError("'azcopy jobs show' did not answer within " +
                               std::to_string(core.config.command_timeout.count()) +
                               " ms; it was killed",
                           ErrorContext{job_id, log_dir, shown.excerpt});
  }
  return ShownJob{shown.parsed.job_not_found, std::move(shown.parsed.summary),
                  shown.parsed.uncounted_folders, shown.result.exit, std::move(shown.excerpt)};
}

}  // namespace

Observation observe(RunnerCore& core, const JobId& id, bool allow_fast) {
  const std::string& job_id = id.str();
  Observation obs;
  obs.record = core.store.load(id);
  if (obs.record && obs.record->summary) {
    obs.summary = obs.record->summary;
    obs.state = obs.record->summary->state;
    obs.at = obs.record->summary->finished_at.value_or(std::chrono::system_clock::now());
    return obs;
  }
  // Liveness is read *before* asking AzCopy: a process that is gone now had written its
  // final status before `jobs show` reads the plan.
  Liveness liveness = Liveness::Unknown;
  if (obs.record) {
    if (auto status = core.launcher->try_reap(obs.record->process)) {
      obs.record->exit = status;
    }
    liveness = core.launcher->probe(obs.record->process);
  }
  if (allow_fast && core.config.poll_from_output && obs.record) {
    if (auto fast = observe_from_output(*obs.record, liveness)) {
      fast->record = std::move(obs.record);
      return *fast;
    }
  }

  const std::string log_dir = obs.record ? obs.record->ref.log_dir : core.store.root().string();
  ShownJob shown = ask_azcopy(core, job_id, log_dir);
  obs.at = std::chrono::system_clock::now();
  const std::string excerpt = shown.excerpt;
  const std::int64_t uncounted_folders = shown.uncounted_folders;
  StateDecision d =
      decide_state(job_id, obs.record ? &*obs.record : nullptr, liveness, std::move(shown));
  switch (d.verdict) {
    case Verdict::NotKnown: {
      const std::string plans = core.azcopy_plan_location();
      d.reason += " (records looked for in " + core.store.root().string() + ", plans in " +
                  (plans.empty() ? std::string("AzCopy's default plan folder") : plans) + ")";
      throw AzCopyJobNotFoundError(d.reason,
                                   ErrorContext{job_id, core.store.root().string(), excerpt});
    }
    case Verdict::Unreadable:
      throw AzCopyParseError(d.reason, ErrorContext{job_id, log_dir, excerpt});
    case Verdict::NoPlan:
      break;
    case Verdict::EndedWithoutPlan:
      if (d.add_own_error) {
        d.reason += own_error_suffix(*obs.record);
      }
      obs.summary = final_without_plan(core.store, *obs.record, d.state, d.reason);
      break;
    case Verdict::FromPlan:
      obs.summary = std::move(d.summary);
      if (d.keep) {
        await_own_end(core, *obs.record, liveness);
        complete_summary(*obs.summary, *obs.record,
                         read_own_output(core, *obs.record, *obs.summary), uncounted_folders,
                         obs.at);
        obs.record->summary = *obs.summary;
        obs.record->last_state = obs.summary->state;
        core.store.save(*obs.record);
        d.state = obs.summary->state;  // complete_summary may have decided FAILED
      } else if (!obs.record && obs.summary->state == AzCopyJobState::Failed) {
        // No record to keep the summary in (lost with a redeploy's filesystem, or another
        // runner's job): AzCopy's log is read at each observation of the job, if it is here.
        OwnOutput own;
        read_failure_causes(own, azcopy_log_of(core, job_id, {}), *obs.summary);
        explain_unrecorded_failure(*obs.summary, own);
      }
      break;
  }
  obs.state = d.state;
  obs.reason = std::move(d.reason);
  obs.resumable = d.resumable;
  return obs;
}

}  // namespace azcopy_runner::detail
