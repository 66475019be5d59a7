// SPDX-License-Identifier: MIT
// Internal: the decision of a job's state, as pure functions of what the runner has read
// (its record, whether its process lives, what `azcopy jobs show` said, the job's own output).
// No I/O here: observe.cpp reads, these decide; tests/unit/state/test_job_state.cpp is their table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "azcopy_runner/process.hpp"
#include "azcopy_runner/types.hpp"
#include "parse/failure_log.hpp"
#include "parse/parsed_output.hpp"
#include "store/record.hpp"

namespace azcopy_runner::detail {

/// What one `azcopy jobs show` of the job answered (it did answer: a timeout is an error
/// before any decision).
struct ShownJob {
  bool job_not_found = false;            ///< AzCopy knows no such job (no plan).
  std::optional<AzCopySummary> summary;  ///< The plan's summary, when it printed one.
  std::int64_t uncounted_folders = 0;    ///< See ParsedOutput::uncounted_folders.
  std::optional<ExitStatus> exit;        ///< How the command ended.
  std::string excerpt;                   ///< Redacted, bounded output when it gave no summary.
};

/// What kind of answer a decision is.
enum class Verdict {
  NotKnown,          ///< Neither AzCopy nor a record knows the job: AzCopyJobNotFoundError.
  Unreadable,        ///< `jobs show` printed no summary and nothing explains it: reason says
                     ///< what, for an AzCopyParseError.
  NoPlan,            ///< No plan (yet): state and reason only (PENDING, UNKNOWN).
  EndedWithoutPlan,  ///< The process ended before writing a plan: terminal, and the summary is
                     ///< made from the job's own output with reason as its last message.
  FromPlan,          ///< summary is the plan's, with state decided; complete_summary() then
                     ///< completes and keeps it when keep is set.
};

struct StateDecision {
  Verdict verdict = Verdict::NotKnown;
  AzCopyJobState state = AzCopyJobState::Unknown;
  std::string reason;  ///< Why the state is not simply the plan's; the error text otherwise.
  bool resumable = false;
  /// The caller appends the last error message of the job's own output to reason (": …").
  bool add_own_error = false;
  /// The plan's terminal summary is the job's final one: complete it and keep it in the record.
  bool keep = false;
  std::optional<AzCopySummary> summary;  ///< FromPlan: the summary with state decided.
};

/// Decides the state of job @p job_id from its record (nullptr: this host has none), the
/// liveness of its process (read *before* `jobs show` ran: a process gone then had written its
/// final status) and what `jobs show` said.
StateDecision decide_state(const std::string& job_id, const JobRecord* record, Liveness liveness,
                           ShownJob shown);

/// What the job's own files say, read for complete_summary().
struct OwnOutput {
  std::optional<ParsedOutput> stdout_tail;  ///< The end of its stdout, parsed (if readable).
  std::string scanning_log;     ///< AzCopy's scanning log, when the output says scan_failed.
  std::string scanning_reason;  ///< That log's last error line ("" when none).
  std::string azcopy_log;       ///< AzCopy's job log, when the job has failed transfers.
  /// What that log says of them (read once, when the job has failed transfers).
  std::optional<FailureLog> failure_log;
};

/// Completes the terminal summary of a job with its record and its own output, and applies
/// the rules by which a job AzCopy ended is FAILED although AzCopy says otherwise: part of the
/// source could not be listed; a resumed job skipped files that the ended process may have left
/// incomplete; AzCopy cancelled the job itself after failed transfers. A FAILED job gets its
/// failure_reason, and its failed files and failure_causes what AzCopy's log says of them.
/// @param uncounted_folders folder transfers whose outcome `jobs show` did not count.
/// @param observed_at       the finish time when nothing better is known.
void complete_summary(AzCopySummary& summary, const JobRecord& record, const OwnOutput& own,
                      std::int64_t uncounted_folders, TimePoint observed_at);

/// The failure_reason of a FAILED job this runner has no record of (its records lost with a
/// redeploy's filesystem, or another runner's job), when the plan gave none: the cause
/// AzCopy's log gives most often, else the count of failed transfers and their error codes,
/// else the plan's first error message. Without the record, no side is named from the URLs and
/// no SAS expiry is known. Its failed files and failure_causes get what @p own's log says.
void explain_unrecorded_failure(AzCopySummary& summary, const OwnOutput& own);

/// Whether `azcopy jobs resume` can continue a job: @p died_mid_plan (its process died while
/// its plan listed transfers: StateDecision::resumable), or a FAILED job with failed transfers
/// (resume retries them, with fresh SAS tokens when theirs expired).
bool is_resumable(bool died_mid_plan, AzCopyJobState state, std::int64_t failed_transfers);

/// One line for an error text of AzCopy or of the runner: "403 AuthorizationPermissionMismatch
/// on the source (its message)" when it names a status or a service code, else its first line;
/// redacted, bounded.
std::string error_headline(std::string_view text, const JobRecord& record);

/// The progress figures of a summary.
AzCopyProgress progress_from_summary(const AzCopySummary& summary);

/// A partial summary holding the figures of @p progress (its inverse, where one exists).
AzCopySummary summary_from_progress(const AzCopyProgress& progress);

}  // namespace azcopy_runner::detail
