// SPDX-License-Identifier: MIT
// The state decision (src/state/job_state.hpp) as a table: what the runner read -> what it reports.
// No process, no file, no mock: the decision is a pure function.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "state/job_state.hpp"
#include "state/state_rules.hpp"
#include "support/readme_table.hpp"

namespace azcopy_runner::detail {
namespace {

constexpr const char* kId = "0bd1a7e4-3f0c-4a4e-a1e5-2b4b0c1d9e77";

/// What `jobs show` answered, in one word.
enum class Shown { NotFound, NoSummary, InProgress, Completed, Cancelled };

struct DecideCase {
  const char* name;
  bool has_record;
  bool cancel_requested;
  Liveness liveness;
  Shown shown;
  std::int64_t total_transfers;  // of the plan's summary
  // Expected:
  Verdict verdict;
  AzCopyJobState state;
  bool resumable;
  bool keep;
  bool add_own_error;
  const char* reason_has;  // "" when the reason must be empty
};

/// The case's name in the test log (not a dump of its bytes).
void PrintTo(const DecideCase& c, std::ostream* os) { *os << c.name; }

JobRecord record_with(bool cancel_requested) {
  JobRecord r;
  r.ref.job_id = kId;
  r.process.pid = 4242;
  r.process.host = "other-host";
  r.exit = ExitStatus{3, 0};
  r.cancel_requested = cancel_requested;
  return r;
}

ShownJob shown_of(Shown kind, std::int64_t total) {
  ShownJob s;
  s.exit = ExitStatus{0, 0};
  switch (kind) {
    case Shown::NotFound:
      s.job_not_found = true;
      break;
    case Shown::NoSummary:
      s.exit = ExitStatus{0, 7};
      s.excerpt = "\n  unexpected fault address 0x7f\nsecond line";
      break;
    case Shown::InProgress:
    case Shown::Completed:
    case Shown::Cancelled: {
      AzCopySummary summary;
      summary.raw_status = kind == Shown::InProgress  ? "InProgress"
                           : kind == Shown::Completed ? "Completed"
                                                      : "Cancelled";
      summary.state = map_azcopy_status(summary.raw_status);
      summary.total_transfers = total;
      s.summary = summary;
      break;
    }
  }
  return s;
}

// clang-format off
const std::vector<DecideCase> kDecideCases = {
  // name                              record cancel liveness           shown             total verdict                   state                       resum. keep   own    reason has
  {"UnknownEverywhere",                false, false, Liveness::Unknown, Shown::NotFound,   0, Verdict::NotKnown,         AzCopyJobState::Unknown,   false, false, false, "the runner has no record of it and AzCopy no plan"},
  {"NoPlanYetWhileAlive",              true,  false, Liveness::Alive,   Shown::NotFound,   0, Verdict::NoPlan,           AzCopyJobState::Pending,   false, false, false, "has not written its job plan yet"},
  {"CanceledBeforeAnyPlan",            true,  true,  Liveness::Dead,    Shown::NotFound,   0, Verdict::EndedWithoutPlan, AzCopyJobState::Canceled,  false, false, false, "canceled before AzCopy wrote its job plan"},
  {"ExitedWithoutAPlan",               true,  false, Liveness::Dead,    Shown::NotFound,   0, Verdict::EndedWithoutPlan, AzCopyJobState::Failed,    false, false, true,  "AzCopy exited (exit code 3) without leaving a job plan"},
  {"StartedOnAnotherHost",             true,  false, Liveness::Unknown, Shown::NotFound,   0, Verdict::NoPlan,           AzCopyJobState::Unknown,   false, false, false, "started on host other-host"},
  {"PlanUnreadableWhileAlive",         true,  false, Liveness::Alive,   Shown::NoSummary,  0, Verdict::NoPlan,           AzCopyJobState::Pending,   false, false, false, "could not be read yet ('azcopy jobs show' failed (killed by signal 7): unexpected fault address 0x7f)"},
  {"PlanUnreadableProcessGone",        true,  false, Liveness::Dead,    Shown::NoSummary,  0, Verdict::Unreadable,       AzCopyJobState::Unknown,   false, false, false, "'azcopy jobs show' failed (killed by signal 7)"},
  {"PlanUnreadableNoRecord",           false, false, Liveness::Unknown, Shown::NoSummary,  0, Verdict::Unreadable,       AzCopyJobState::Unknown,   false, false, false, "'azcopy jobs show' failed"},
  {"RunningAlive",                     true,  false, Liveness::Alive,   Shown::InProgress, 5, Verdict::FromPlan,         AzCopyJobState::Running,   false, false, false, ""},
  {"RunningOnAnotherHost",             true,  false, Liveness::Unknown, Shown::InProgress, 5, Verdict::FromPlan,         AzCopyJobState::Running,   false, false, false, ""},
  {"RunningNoRecord",                  false, false, Liveness::Unknown, Shown::InProgress, 5, Verdict::FromPlan,         AzCopyJobState::Running,   false, false, false, ""},
  {"KilledMidCopy",                    true,  false, Liveness::Dead,    Shown::InProgress, 5, Verdict::FromPlan,         AzCopyJobState::Failed,    true,  false, false, "(pid 4242) is gone (exit code 3) while its plan says InProgress; it can be resumed"},
  {"KilledWhileScanning",              true,  false, Liveness::Dead,    Shown::InProgress, 0, Verdict::FromPlan,         AzCopyJobState::Failed,    false, false, false, "scanning had not finished, it cannot be resumed"},
  {"CanceledAndGoneWithPlanOpen",      true,  true,  Liveness::Dead,    Shown::InProgress, 5, Verdict::FromPlan,         AzCopyJobState::Canceled,  false, false, false, "canceled; the AzCopy process is gone and its plan says InProgress"},
  {"CompletedIsKept",                  true,  false, Liveness::Dead,    Shown::Completed,  5, Verdict::FromPlan,         AzCopyJobState::Succeeded, false, true,  false, ""},
  {"CompletedWhileStillExiting",       true,  false, Liveness::Alive,   Shown::Completed,  5, Verdict::FromPlan,         AzCopyJobState::Succeeded, false, true,  false, ""},
  {"CompletedNoRecordIsNotKept",       false, false, Liveness::Unknown, Shown::Completed,  5, Verdict::FromPlan,         AzCopyJobState::Succeeded, false, false, false, ""},
  {"CancelledIsKept",                  true,  true,  Liveness::Dead,    Shown::Cancelled,  5, Verdict::FromPlan,         AzCopyJobState::Canceled,  false, true,  false, ""},
};
// clang-format on

class DecideState : public ::testing::TestWithParam<DecideCase> {};

TEST_P(DecideState, GivesTheStateOfTheTable) {
  const DecideCase& c = GetParam();
  const JobRecord record = record_with(c.cancel_requested);
  const StateDecision d = decide_state(kId, c.has_record ? &record : nullptr, c.liveness,
                                       shown_of(c.shown, c.total_transfers));
  EXPECT_EQ(d.verdict, c.verdict);
  EXPECT_EQ(d.state, c.state) << to_string(d.state);
  EXPECT_EQ(d.resumable, c.resumable);
  EXPECT_EQ(d.keep, c.keep);
  EXPECT_EQ(d.add_own_error, c.add_own_error);
  if (std::string(c.reason_has).empty()) {
    EXPECT_EQ(d.reason, "");
  } else {
    EXPECT_NE(d.reason.find(c.reason_has), std::string::npos) << d.reason;
  }
  EXPECT_EQ(d.summary.has_value(), c.verdict == Verdict::FromPlan);
  if (d.summary) {
    EXPECT_EQ(d.summary->job_id, kId);
    EXPECT_EQ(d.summary->state, d.state) << "the summary tells the decided state";
    if (!d.reason.empty()) {
      ASSERT_FALSE(d.summary->messages.empty());
      EXPECT_EQ(d.summary->messages.back(), d.reason) << "the reason is among its messages";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, DecideState, ::testing::ValuesIn(kDecideCases),
                         [](const ::testing::TestParamInfo<DecideCase>& param) {
                           return std::string(param.param.name);
                         });

// ----- complete_summary ------------------------------------------------------------------------

using std::chrono::seconds;
const TimePoint kStarted = TimePoint{} + seconds(1'000'000);
const TimePoint kObserved = kStarted + seconds(500);

AzCopySummary plan_summary(const char* raw_status, std::int64_t failed, std::int64_t skipped) {
  AzCopySummary s;
  s.job_id = kId;
  s.raw_status = raw_status;
  s.state = state_of_status(raw_status, failed);
  s.total_transfers = 10;
  s.files_transferred = 10 - failed - skipped;
  s.failed_transfers = failed;
  s.skipped_transfers = skipped;
  return s;
}

JobRecord job(std::int64_t resumes, bool cancel_requested, const char* overwrite) {
  JobRecord r;
  r.ref.job_id = kId;
  r.ref.started_at = kStarted;
  // The rules read the recorded facts, not the command line (left empty here).
  r.copy =
      CopyFacts{"https://a/s?REDACTED", "https://b/c?REDACTED", "", overwrite, OutputType::Json};
  r.resumes = resumes;
  r.cancel_requested = cancel_requested;
  return r;
}

TEST(CompleteSummary, APlainFinishedJobKeepsItsStateAndGetsItsTimesFromTheRecord) {
  AzCopySummary s = plan_summary("Completed", 0, 0);
  complete_summary(s, job(0, false, "true"), OwnOutput{}, 0, kObserved);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(s.started_at, kStarted);
  EXPECT_EQ(s.finished_at, kObserved);
  EXPECT_TRUE(s.messages.empty());
}

TEST(CompleteSummary, TheJobsOwnOutputGivesMessagesCountsAndTimes) {
  AzCopySummary s = plan_summary("Completed", 0, 0);
  s.warnings = 1;
  s.messages = {"from the plan"};
  OwnOutput own;
  own.stdout_tail.emplace();
  own.stdout_tail->warnings = 3;
  own.stdout_tail->errors = 2;
  own.stdout_tail->messages = {"from the plan", "WARN: own"};
  own.stdout_tail->first_timestamp = kStarted + seconds(1);
  own.stdout_tail->end_timestamp = kStarted + seconds(90);
  complete_summary(s, job(0, false, "true"), own, 0, kObserved);
  EXPECT_EQ(s.warnings, 3);
  EXPECT_EQ(s.errors, 2);
  EXPECT_EQ(s.messages, (std::vector<std::string>{"from the plan", "WARN: own"}));
  EXPECT_EQ(s.started_at, kStarted + seconds(1));
  EXPECT_EQ(s.finished_at, kStarted + seconds(90));

  // A resumed job's own output is that of its last process only: not its start.
  AzCopySummary resumed = plan_summary("Completed", 0, 0);
  complete_summary(resumed, job(1, false, "true"), own, 0, kObserved);
  EXPECT_EQ(resumed.started_at, kStarted);
}

TEST(CompleteSummary, FoldersThePlanDidNotCountComeFromTheJobsOwnEndOfJob) {
  AzCopySummary s = plan_summary("Completed", 0, 0);
  s.files_transferred = 12;  // 10 files and 2 folders, not told apart by `jobs show`
  OwnOutput own;
  own.stdout_tail.emplace();
  own.stdout_tail->end_of_job = true;
  own.stdout_tail->summary = plan_summary("Completed", 0, 0);
  own.stdout_tail->summary->files_transferred = 10;
  complete_summary(s, job(0, false, "true"), own, 2, kObserved);
  EXPECT_EQ(s.files_transferred, 10);
  EXPECT_TRUE(s.messages.empty());

  AzCopySummary without = plan_summary("Completed", 0, 0);
  without.files_transferred = 12;
  complete_summary(without, job(0, false, "true"), OwnOutput{}, 2, kObserved);
  EXPECT_EQ(without.files_transferred, 12);
  ASSERT_EQ(without.messages.size(), 1U);
  EXPECT_NE(without.messages[0].find("may count up to 2 folders"), std::string::npos);
}

struct FailedRuleCase {
  const char* name;
  const char* raw_status;
  std::int64_t failed;
  std::int64_t skipped;
  std::int64_t resumes;
  bool cancel_requested;
  const char* overwrite;
  bool scan_failed;
  AzCopyJobState state;       // expected
  const char* first_message;  // expected part of the first message; "" = no message added
};

void PrintTo(const FailedRuleCase& c, std::ostream* os) { *os << c.name; }

// clang-format off
const std::vector<FailedRuleCase> kFailedRules = {
  {"CompletedAfterAFailedScan",          "Completed",           0, 0, 0, false, "true",          true,  AzCopyJobState::Failed,    "could not list part of the source"},
  {"ResumedAndSkippedWithIfSourceNewer", "CompletedWithSkipped",0, 3, 1, false, "ifSourceNewer", false, AzCopyJobState::Failed,    "AzCopy skipped 3 files because they exist at the destination (--overwrite=ifSourceNewer)"},
  {"ResumedAndSkippedWithFalse",         "CompletedWithSkipped",0, 3, 2, false, "false",         false, AzCopyJobState::Failed,    "copy again with overwrite=true"},
  {"ResumedWithOverwriteTrue",           "CompletedWithSkipped",0, 3, 1, false, "true",          false, AzCopyJobState::Succeeded, ""},
  {"SkippedWithoutAResume",              "CompletedWithSkipped",0, 3, 0, false, "ifSourceNewer", false, AzCopyJobState::Succeeded, ""},
  {"CancelledByAzCopyAfterFailures",     "Cancelled",           2, 0, 0, false, "true",          false, AzCopyJobState::Failed,    "AzCopy cancelled this job itself after 2 failed transfer(s) (error 403)"},
  {"CancelledAsAsked",                   "Cancelled",           2, 0, 0, true,  "true",          false, AzCopyJobState::Canceled,  ""},
  {"CancelledWithoutFailures",           "Cancelled",           0, 0, 0, false, "true",          false, AzCopyJobState::Canceled,  ""},
  {"FailuresStayFailed",                 "CompletedWithErrors", 2, 0, 0, false, "true",          false, AzCopyJobState::Failed,    ""},
};
// clang-format on

class FailedRules : public ::testing::TestWithParam<FailedRuleCase> {};

TEST_P(FailedRules, DecideTheFinalState) {
  const FailedRuleCase& c = GetParam();
  AzCopySummary s = plan_summary(c.raw_status, c.failed, c.skipped);
  for (std::int64_t i = 0; i < c.failed; ++i) {
    s.failed_files.push_back(FailedFile{"src", "dst", "403", "Failed", 1, "", 0, ""});
  }
  s.messages = {"an AzCopy message"};
  OwnOutput own;
  if (c.scan_failed) {
    own.stdout_tail.emplace();
    own.stdout_tail->scan_failed = true;
  }
  complete_summary(s, job(c.resumes, c.cancel_requested, c.overwrite), own, 0, kObserved);
  EXPECT_EQ(s.state, c.state) << to_string(s.state);
  EXPECT_EQ(s.raw_status, c.raw_status) << "AzCopy's own status is kept";
  ASSERT_FALSE(s.messages.empty());
  if (std::string(c.first_message).empty()) {
    EXPECT_EQ(s.messages.front(), "an AzCopy message");
  } else {
    EXPECT_NE(s.messages.front().find(c.first_message), std::string::npos) << s.messages.front();
    EXPECT_EQ(s.messages.at(1), "an AzCopy message");
  }
}

INSTANTIATE_TEST_SUITE_P(Table, FailedRules, ::testing::ValuesIn(kFailedRules),
                         [](const ::testing::TestParamInfo<FailedRuleCase>& param) {
                           return std::string(param.param.name);
                         });

TEST(CompleteSummary, AFailedScanQuotesAzCopysScanningLog) {
  AzCopySummary s = plan_summary("Completed", 0, 0);
  OwnOutput own;
  own.stdout_tail.emplace();
  own.stdout_tail->scan_failed = true;
  const std::string log = std::string("/w/").append(kId).append("-scanning.log");
  own.scanning_log = log;
  own.scanning_reason = "RESPONSE ERROR (ServiceCode=AuthorizationPermissionMismatch)";
  complete_summary(s, job(0, false, "true"), own, 0, kObserved);
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  ASSERT_FALSE(s.messages.empty());
  EXPECT_NE(s.messages[0].find(std::string("its scanning log ")
                                   .append(log)
                                   .append(" says: RESPONSE ERROR "
                                           "(ServiceCode=AuthorizationPermissionMismatch)")),
            std::string::npos)
      << s.messages[0];
  EXPECT_NE(s.messages[0].find("AzCopy's status Completed is in raw_status"), std::string::npos);
}

/// "m<i>", built without `"m" + std::string`: GCC 12 at -O3 reports a false -Wrestrict there
/// (GCC bug 105329).
std::string numbered_message(std::size_t i) {
  std::string m = "m";
  m += std::to_string(i);
  return m;
}

TEST(CompleteSummary, AFirstMessageKeepsTheBoundOnMessages) {
  AzCopySummary s = plan_summary("Completed", 0, 0);
  for (std::size_t i = 0; i < kMaxMessages; ++i) {
    s.messages.push_back(numbered_message(i));
  }
  OwnOutput own;
  own.stdout_tail.emplace();
  own.stdout_tail->scan_failed = true;
  complete_summary(s, job(0, false, "true"), own, 0, kObserved);
  EXPECT_EQ(s.messages.size(), kMaxMessages);
  EXPECT_NE(s.messages.front().find("could not list"), std::string::npos);
  EXPECT_EQ(s.messages.back(), numbered_message(kMaxMessages - 2));
}

// ----- failure reasons -------------------------------------------------------------------------

/// A job log's finding: @p count failures of one cause on @p url (no query, decoded).
FailureLog logged(std::int64_t count, int status, const char* code, const char* message,
                  const char* url, TimePoint at) {
  FailureLog log;
  log.readable = true;
  log.failures = count;
  LoggedFailure f{status, code, message, url, at};
  log.causes.push_back(LoggedCause{f, count});
  log.by_source["https://a/s/f1.txt"] = f;
  return log;
}

AzCopySummary failed_plan(std::int64_t failed) {
  AzCopySummary s = plan_summary("CompletedWithErrors", failed, 0);
  s.failed_files.push_back(FailedFile{"https://a/s/f1.txt?REDACTED", "https://b/c/f1.txt?REDACTED",
                                      "0", "Failed", 1, "", 0, ""});
  s.failed_files.push_back(FailedFile{"https://a/s/f2.txt?REDACTED", "https://b/c/f2.txt?REDACTED",
                                      "0", "Failed", 1, "", 0, ""});
  return s;
}

/// A job log in which all @p count failures are one refusal by the destination (a share SAS
/// without `r`).
OwnOutput refused_by_destination(std::int64_t count) {
  OwnOutput own;
  own.failure_log = logged(count, 403, "AuthorizationPermissionMismatch",
                           "Could not check destination file existence.", "https://b/c/f1.txt",
                           kStarted + seconds(3));
  return own;
}

TEST(FailureReason, TheMostFrequentCauseWithItsCountAndSideComesFirst) {
  AzCopySummary s = failed_plan(5);
  const OwnOutput own = refused_by_destination(5);
  complete_summary(s, job(0, false, "true"), own, 0, kObserved);
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  EXPECT_EQ(s.failure_reason,
            "5 of 5 failed: 403 AuthorizationPermissionMismatch on the destination (Could not "
            "check destination file existence)");
  ASSERT_EQ(s.failure_causes.size(), 1U);
  EXPECT_EQ(s.failure_causes[0].side, "destination");
  EXPECT_EQ(s.failure_causes[0].count, 5);
  EXPECT_EQ(s.failed_files[0].http_status, 403);
  EXPECT_EQ(s.failed_files[0].service_code, "AuthorizationPermissionMismatch");
  EXPECT_EQ(s.failed_files[0].reason, "Could not check destination file existence.");
  EXPECT_EQ(s.failed_files[1].http_status, 0);  // the log did not name it
  EXPECT_TRUE(s.failed_files[1].reason.empty());
}

TEST(FailureReason, OtherCausesAreCountedAndACopySourceCodeIsTheSourcesSide) {
  AzCopySummary s = failed_plan(7);
  OwnOutput own;
  own.failure_log = logged(4, 403, "CannotVerifyCopySource", "This request is not authorized",
                           "https://b/c/f1.txt", kStarted);
  own.failure_log->failures = 7;
  complete_summary(s, job(0, false, "true"), own, 0, kObserved);
  EXPECT_EQ(s.failure_reason,
            "4 of 7 failed: 403 CannotVerifyCopySource on the source (This request is not "
            "authorized); 3 with other causes (failure_causes)");
}

TEST(FailureReason, FourOhThreesAfterASidesSasExpiredSayWhichAndThatAResumeContinues) {
  JobRecord r = job(0, false, "true");
  r.source_sas_expiry = kStarted + seconds(60);
  r.destination_sas_expiry = kStarted + seconds(7200);
  const auto reason_at = [&r](TimePoint first_failure) {
    AzCopySummary s = failed_plan(2);
    OwnOutput own;
    own.failure_log = logged(2, 403, "CannotVerifyCopySource", "When Staging block from URL.",
                             "https://b/c/f1.txt", first_failure);
    complete_summary(s, r, own, 0, kObserved);
    return s.failure_reason;
  };
  const std::string after = reason_at(kStarted + seconds(61));
  EXPECT_NE(after.find("the source's SAS expired at 1970-01-12T13:47:40.000Z, before these "
                       "failures"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("resume the job with fresh SAS tokens"), std::string::npos);
  EXPECT_EQ(after.find("destination's SAS"), std::string::npos);
  const std::string before = reason_at(kStarted + seconds(59));
  EXPECT_EQ(before.find("expired"), std::string::npos) << before;
}

TEST(FailureReason, WithoutALogTheCountAndTheLogThatCouldNotBeReadAreSaid) {
  AzCopySummary s = failed_plan(2);
  s.failed_files[0].error_code = "403";
  OwnOutput own;
  own.azcopy_log = "/w/id.log";
  own.failure_log = FailureLog{};  // not readable
  complete_summary(s, job(0, false, "true"), own, 0, kObserved);
  EXPECT_EQ(s.failure_reason,
            "2 transfer(s) failed (error 403); /w/id.log could not be read for the reason");
}

TEST(FailureReason, AJobWithoutARecordIsExplainedByItsLogWithoutASide) {
  AzCopySummary s = failed_plan(5);
  const OwnOutput own = refused_by_destination(5);
  explain_unrecorded_failure(s, own);
  EXPECT_EQ(s.failure_reason,
            "5 of 5 failed: 403 AuthorizationPermissionMismatch (Could not check destination "
            "file existence)");
  ASSERT_EQ(s.failure_causes.size(), 1U);
  EXPECT_TRUE(s.failure_causes[0].side.empty());  // the URLs of the job are in its record
  EXPECT_EQ(s.failed_files[0].http_status, 403);
}

TEST(FailureReason, AJobWithoutARecordOrLogIsExplainedByItsErrorCodes) {
  AzCopySummary s = failed_plan(2);
  s.failed_files[0].error_code = "412";
  explain_unrecorded_failure(s, OwnOutput{});
  EXPECT_EQ(s.failure_reason,
            "2 transfer(s) failed (error 412); AzCopy's job log could not be read for the reason");
}

TEST(FailureReason, AnUnrecordedJobKeepsAGivenReasonAndOnlyAFailedOneGetsOne) {
  AzCopySummary failed = failed_plan(2);
  failed.failure_reason = "said before";
  explain_unrecorded_failure(failed, OwnOutput{});
  EXPECT_EQ(failed.failure_reason, "said before");
  AzCopySummary done = plan_summary("Completed", 0, 0);
  done.messages = {"some error"};
  explain_unrecorded_failure(done, OwnOutput{});
  EXPECT_TRUE(done.failure_reason.empty());
}

TEST(FailureReason, AFailedJobWithoutFailedTransfersGivesItsFirstErrorAsOneLine) {
  AzCopySummary s = plan_summary("Failed", 0, 0);
  s.messages = {"WARN: something minor",
                "Cannot perform copy due to error: GET https://a/s/project?sv=1&sig=SECRET\n----"
                "\nRESPONSE 403: 403 Forbidden\nERROR CODE: AuthorizationPermissionMismatch"};
  complete_summary(s, job(0, false, "true"), OwnOutput{}, 0, kObserved);
  EXPECT_EQ(s.failure_reason,
            "403 AuthorizationPermissionMismatch on the source (Cannot perform copy due to "
            "error)");
}

TEST(FailureReason, OnlyAFailedJobHasOne) {
  for (const char* status : {"Completed", "Cancelled", "CompletedWithSkipped"}) {
    AzCopySummary s = plan_summary(status, 0, 0);
    s.messages = {"Cannot perform copy due to error"};
    complete_summary(s, job(0, true, "true"), OwnOutput{}, 0, kObserved);
    EXPECT_TRUE(s.failure_reason.empty()) << status;
  }
}

TEST(ProgressAndSummary, AreInversesOnTheFiguresTheyShare) {
  AzCopySummary s = plan_summary("InProgress", 2, 1);
  s.bytes_transferred = 300;
  s.bytes_expected = 1000;
  s.percent_complete = 30.0;
  const AzCopySummary back = summary_from_progress(progress_from_summary(s));
  EXPECT_EQ(back.job_id, s.job_id);
  EXPECT_EQ(back.state, s.state);
  EXPECT_EQ(back.raw_status, s.raw_status);
  EXPECT_EQ(back.files_transferred, s.files_transferred);
  EXPECT_EQ(back.total_transfers, s.total_transfers);
  EXPECT_EQ(back.bytes_transferred, 300);
  EXPECT_EQ(back.bytes_expected, 1000);
  EXPECT_EQ(back.failed_transfers, 2);
  EXPECT_EQ(back.skipped_transfers, 1);
  EXPECT_EQ(back.percent_complete, 30.0);
}

TEST(IsResumable, ADeadPlanOrAFailedJobWithFailedTransfers) {
  EXPECT_TRUE(is_resumable(true, AzCopyJobState::Failed, 0));
  EXPECT_TRUE(is_resumable(false, AzCopyJobState::Failed, 1));
  EXPECT_FALSE(is_resumable(false, AzCopyJobState::Failed, 0));
  EXPECT_FALSE(is_resumable(false, AzCopyJobState::Succeeded, 0));
  EXPECT_FALSE(is_resumable(false, AzCopyJobState::Canceled, 2));
}

// ----- directories a RESTORE made (CopyOptions::keep_directories) -------------------------------

JobRecord with_directories(DirectoryCounts counts, std::vector<std::string> failures = {}) {
  JobRecord r = job(0, false, "ifSourceNewer");
  r.directories = KeptDirectories{counts, std::move(failures)};
  r.empty_folders_notice =
      "Any empty folders will not be processed, because source and/or "
      "destination doesn't have full folder support";
  return r;
}

TEST(CompleteSummary, DirectoriesTheRunnerMadeAreCountedApartFromFiles) {
  AzCopySummary s = plan_summary("Completed", 0, 0);
  complete_summary(s, with_directories({7, 1, 0}), OwnOutput{}, 0, kObserved);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(s.files_transferred, 10);
  ASSERT_TRUE(s.directories);
  EXPECT_EQ(s.directories->made, 7);
  EXPECT_EQ(s.directories->skipped, 1);
  // AzCopy's notice no longer holds: the runner made the empty directories.
  EXPECT_FALSE(s.empty_folders_not_processed);
  EXPECT_TRUE(s.messages.empty());
}

TEST(CompleteSummary, ADirectoryNotMadeMakesTheJobFailedWithTheReason) {
  AzCopySummary s = plan_summary("Completed", 0, 0);
  complete_summary(s,
                   with_directories({6, 0, 2}, {"project/raw: 403 AuthorizationFailure",
                                                "project/x: no answer (timeout)"}),
                   OwnOutput{}, 0, kObserved);
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  EXPECT_EQ(s.raw_status, "Completed");
  EXPECT_EQ(s.failure_reason,
            "2 of 8 directories could not be made on the destination (project/raw: 403 "
            "AuthorizationFailure)");
  EXPECT_THAT(s.messages,
              ::testing::Contains("directory not made: project/x: no answer (timeout)"));
  EXPECT_FALSE(is_resumable(false, s.state, s.failed_transfers));  // AzCopy has nothing to redo

  // A job that failed for its files keeps that reason first.
  AzCopySummary both = plan_summary("CompletedWithErrors", 1, 0);
  complete_summary(both, with_directories({6, 0, 2}, {"project/raw: 403 AuthorizationFailure"}),
                   OwnOutput{}, 0, kObserved);
  EXPECT_EQ(both.state, AzCopyJobState::Failed);
  EXPECT_THAT(both.failure_reason, ::testing::StartsWith("1 transfer(s) failed"));
  EXPECT_THAT(both.failure_reason,
              ::testing::HasSubstr("; 2 of 8 directories could not be made on the destination"));
}

TEST(CompleteSummary, ASourceWithoutStubsKeepsAzCopysNoticeAndSaysWhy) {
  AzCopySummary s = plan_summary("Completed", 0, 0);
  complete_summary(s, with_directories({0, 0, 0}), OwnOutput{}, 0, kObserved);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_TRUE(s.empty_folders_not_processed);
  EXPECT_THAT(s.messages, ::testing::Contains(::testing::HasSubstr("holds no directory stubs")));
}

TEST(CompleteSummary, AzCopysOwnFolderCountsComeFromItsTerminalProgressLineToo) {
  // `jobs show` may report the final status before the copying process printed its EndOfJob:
  // the Progress line of that status (printed just before it) has the same counts.
  AzCopySummary s = plan_summary("CompletedWithSkipped", 0, 10);
  OwnOutput own;
  own.stdout_tail.emplace();
  own.stdout_tail->summary = plan_summary("CompletedWithSkipped", 0, 10);
  own.stdout_tail->summary->directories = DirectoryCounts{0, 4, 0};
  complete_summary(s, job(0, false, "ifSourceNewer"), own, 4, kObserved);
  ASSERT_TRUE(s.directories);
  EXPECT_EQ(s.directories->skipped, 4);
  EXPECT_TRUE(s.messages.empty());

  // A Progress line of a running job does not count.
  AzCopySummary early = plan_summary("CompletedWithSkipped", 0, 10);
  own.stdout_tail->summary->raw_status = "InProgress";
  own.stdout_tail->summary->state = AzCopyJobState::Running;
  complete_summary(early, job(0, false, "ifSourceNewer"), own, 4, kObserved);
  EXPECT_FALSE(early.directories);
  EXPECT_EQ(early.messages.size(), 1U);
}

// ----- the README's states table ----------------------------------------------------------------

/// One row of the README's states table: when (AzCopy's status and what else holds), and what
/// the runner reports.
struct StatesRow {
  std::string when;
  std::string reported;
};

std::vector<StatesRow> readme_states_table() {
  std::vector<StatesRow> rows;
  for (auto [when, reported] : azcopy_runner::testing::readme_table(
           AZCOPY_RUNNER_README, "| AzCopy `JobStatus` | `AzCopyJobState` |")) {
    if (reported.empty()) {
      ADD_FAILURE() << "not a row of two cells: " << when;
      continue;
    }
    rows.push_back({std::move(when), std::move(reported)});
  }
  return rows;
}

/// The state a row reports: its first backquoted state name.
std::optional<AzCopyJobState> reported_state(const std::string& cell) {
  std::optional<AzCopyJobState> first;
  std::size_t first_at = std::string::npos;
  for (const auto state :
       {AzCopyJobState::Pending, AzCopyJobState::Running, AzCopyJobState::Succeeded,
        AzCopyJobState::Failed, AzCopyJobState::Canceled, AzCopyJobState::Unknown}) {
    std::string quoted(1, '`');  // appended, not "`" + ...: GCC 12 -O3 warns (-Wrestrict)
    quoted.append(to_string(state)).push_back('`');
    const auto at = cell.find(quoted);
    if (at < first_at) {
      first_at = at;
      first = state;
    }
  }
  return first;
}

/// What the state module reports in a row's case: the state, and whether it is resumable.
struct Reported {
  AzCopyJobState state;
  bool resumable;
};

Reported decided(bool cancel_requested, Liveness liveness, Shown shown, std::int64_t total) {
  const JobRecord record = record_with(cancel_requested);
  const StateDecision d = decide_state(kId, &record, liveness, shown_of(shown, total));
  return {d.state, is_resumable(d.resumable, d.state, 0)};
}

Reported completed(AzCopySummary s, const JobRecord& record, const OwnOutput& own = {}) {
  for (std::int64_t i = 0; i < s.failed_transfers; ++i) {
    s.failed_files.push_back(FailedFile{"src", "dst", "403", "Failed", 1, "", 0, ""});
  }
  complete_summary(s, record, own, 0, kObserved);
  return {s.state, is_resumable(false, s.state, s.failed_transfers)};
}

/// The cases of the rows that are more than a status word, by the start of their first cell.
/// Each runs the state module's own functions on such a case.
const std::map<std::string, std::function<std::vector<Reported>()>>& row_cases() {
  static const std::map<std::string, std::function<std::vector<Reported>()>> cases = {
      {"not yet known to AzCopy while its process runs",
       [] { return std::vector{decided(false, Liveness::Alive, Shown::NotFound, 0)}; }},
      {"`InProgress`, but the AzCopy process is gone",
       [] { return std::vector{decided(false, Liveness::Dead, Shown::InProgress, 5)}; }},
      {"unknown to AzCopy, and its process exited",
       [] { return std::vector{decided(false, Liveness::Dead, Shown::NotFound, 0)}; }},
      {"`Cancelled` when no cancel was requested",
       [] {
         return std::vector{completed(plan_summary("Cancelled", 2, 0), job(0, false, "true"))};
       }},
      {"`CompletedWithErrors` or `Failed` with failed transfers",
       [] {
         return std::vector{
             completed(plan_summary("CompletedWithErrors", 2, 0), job(0, false, "true")),
             completed(plan_summary("Failed", 10, 0), job(0, false, "true"))};
       }},
      {"`Completed*` after a `resume`",
       [] {
         return std::vector{
             completed(plan_summary("CompletedWithSkipped", 0, 3), job(1, false, "ifSourceNewer"))};
       }},
      {"`Completed`, but AzCopy said \"Failed to scan",
       [] {
         OwnOutput own;
         own.stdout_tail.emplace();
         own.stdout_tail->scan_failed = true;
         return std::vector{completed(plan_summary("Completed", 0, 0), job(0, false, "true"), own)};
       }},
      {"`Completed*` of a RESTORE with `keep_directories`",
       [] {
         return std::vector{completed(plan_summary("Completed", 0, 0),
                                      with_directories({6, 0, 1}, {"project/raw: 403"}))};
       }},
      {"anything else",
       [] {
         return std::vector{
             Reported{state_of_status("Paused2", 0), false},  // a status word AzCopy may add
             decided(false, Liveness::Unknown, Shown::NotFound, 0)};  // started on another host
       }},
  };
  return cases;
}

TEST(StatesTable, EveryRowOfTheReadmeIsWhatTheStateModuleDecides) {
  const std::vector<StatesRow> rows = readme_states_table();
  ASSERT_GE(rows.size(), 10U) << "the README's states table was not found: "
                              << AZCOPY_RUNNER_README;
  std::size_t cases_used = 0;
  for (const StatesRow& row : rows) {
    SCOPED_TRACE(row.when);
    const auto expected = reported_state(row.reported);
    ASSERT_TRUE(expected) << "no state in: " << row.reported;
    const bool resumable = row.reported.find("`resumable`") != std::string::npos;
    std::vector<Reported> got;
    const auto& cases = row_cases();
    const auto it = std::find_if(cases.begin(), cases.end(),
                                 [&row](const auto& c) { return row.when.starts_with(c.first); });
    if (it != cases.end()) {
      got = it->second();
      ++cases_used;
    } else {
      // A row of status words alone: "`Completed`, `CompletedWithSkipped`".
      std::size_t at = 0;
      while ((at = row.when.find('`', at)) != std::string::npos) {
        const auto end = row.when.find('`', at + 1);
        ASSERT_NE(end, std::string::npos) << "unbalanced quotes";
        got.push_back(Reported{state_of_status(row.when.substr(at + 1, end - at - 1), 0), false});
        at = end + 1;
        if (at < row.when.size()) {
          ASSERT_EQ(row.when.compare(at, 2, ", "), 0)
              << "a row that is more than status words has no case in row_cases()";
          at += 2;
        }
      }
      ASSERT_FALSE(got.empty()) << "a row without a status word has no case in row_cases()";
    }
    for (const Reported& r : got) {
      EXPECT_EQ(r.state, *expected) << to_string(r.state);
      EXPECT_EQ(r.resumable, resumable);
    }
  }
  EXPECT_EQ(cases_used, row_cases().size()) << "a case whose row the README no longer has";
}

}  // namespace
}  // namespace azcopy_runner::detail
