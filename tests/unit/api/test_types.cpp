// SPDX-License-Identifier: MIT
// Job states: names, parsing, and the mapping of AzCopy's JobStatus strings.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/types.hpp"

namespace azcopy_runner {
namespace {

constexpr std::array kAllStates{AzCopyJobState::Pending,   AzCopyJobState::Running,
                                AzCopyJobState::Succeeded, AzCopyJobState::Failed,
                                AzCopyJobState::Canceled,  AzCopyJobState::Unknown};

TEST(JobState, ToStringNames) {
  EXPECT_EQ(to_string(AzCopyJobState::Pending), "PENDING");
  EXPECT_EQ(to_string(AzCopyJobState::Running), "RUNNING");
  EXPECT_EQ(to_string(AzCopyJobState::Succeeded), "SUCCEEDED");
  EXPECT_EQ(to_string(AzCopyJobState::Failed), "FAILED");
  EXPECT_EQ(to_string(AzCopyJobState::Canceled), "CANCELED");
  EXPECT_EQ(to_string(AzCopyJobState::Unknown), "UNKNOWN");
}

TEST(JobState, RoundTrip) {
  for (const AzCopyJobState state : kAllStates) {
    const auto parsed = parse_job_state(to_string(state));
    ASSERT_TRUE(parsed.has_value()) << to_string(state);
    EXPECT_EQ(*parsed, state);
  }
}

TEST(JobState, ParseIsCaseInsensitive) {
  EXPECT_EQ(parse_job_state("succeeded"), AzCopyJobState::Succeeded);
  EXPECT_EQ(parse_job_state("Running"), AzCopyJobState::Running);
  EXPECT_EQ(parse_job_state("cAnCeLeD"), AzCopyJobState::Canceled);
}

TEST(JobState, ParseRejectsOtherText) {
  EXPECT_FALSE(parse_job_state("").has_value());
  EXPECT_FALSE(parse_job_state("CANCELLED").has_value());  // AzCopy's spelling, not ours
  EXPECT_FALSE(parse_job_state("Completed").has_value());
  EXPECT_FALSE(parse_job_state(" RUNNING").has_value());
  EXPECT_FALSE(parse_job_state("RUNNING\n").has_value());
  EXPECT_FALSE(parse_job_state(std::string_view("RUN\0NING", 8)).has_value());
}

TEST(JobState, Terminal) {
  EXPECT_FALSE(is_terminal(AzCopyJobState::Pending));
  EXPECT_FALSE(is_terminal(AzCopyJobState::Running));
  EXPECT_TRUE(is_terminal(AzCopyJobState::Succeeded));
  EXPECT_TRUE(is_terminal(AzCopyJobState::Failed));
  EXPECT_TRUE(is_terminal(AzCopyJobState::Canceled));
  EXPECT_FALSE(is_terminal(AzCopyJobState::Unknown));
}

TEST(MapAzCopyStatus, EveryAzCopyStatus) {
  const std::array<std::pair<std::string_view, AzCopyJobState>, 10> cases{{
      {"InProgress", AzCopyJobState::Running},
      {"Paused", AzCopyJobState::Running},
      {"Cancelling", AzCopyJobState::Running},
      {"Cancelled", AzCopyJobState::Canceled},
      {"Completed", AzCopyJobState::Succeeded},
      {"CompletedWithSkipped", AzCopyJobState::Succeeded},
      {"CompletedWithErrors", AzCopyJobState::Failed},
      {"CompletedWithErrorsAndSkipped", AzCopyJobState::Failed},
      {"Failed", AzCopyJobState::Failed},
      {"All", AzCopyJobState::Unknown},  // a JobStatus value used only as a filter
  }};
  for (const auto& [status, expected] : cases) {
    EXPECT_EQ(map_azcopy_status(status), expected) << status;
  }
}

TEST(MapAzCopyStatus, AnythingElseIsUnknown) {
  EXPECT_EQ(map_azcopy_status(""), AzCopyJobState::Unknown);
  EXPECT_EQ(map_azcopy_status("Canceled"), AzCopyJobState::Unknown);
  EXPECT_EQ(map_azcopy_status("completed"), AzCopyJobState::Unknown);
  EXPECT_EQ(map_azcopy_status("Completed "), AzCopyJobState::Unknown);
  EXPECT_EQ(map_azcopy_status("SomethingNew"), AzCopyJobState::Unknown);
  EXPECT_EQ(map_azcopy_status(std::string(100000, 'x')), AzCopyJobState::Unknown);
  EXPECT_EQ(map_azcopy_status(std::string_view("Completed\0", 10)), AzCopyJobState::Unknown);
}

// --- errors.hpp -------------------------------------------------------------------------------

TEST(Errors, WhatHasJobIdAndLogDir) {
  const AzCopyError error("copy failed", ErrorContext{"cdebef2f-dca8-a446-7a8a-d6df4a35d1dd",
                                                      "/var/log/azcopy-runner/job1", "tail"});
  EXPECT_STREQ(error.what(),
               "copy failed (job cdebef2f-dca8-a446-7a8a-d6df4a35d1dd, logs in "
               "/var/log/azcopy-runner/job1)");
  EXPECT_EQ(error.job_id(), "cdebef2f-dca8-a446-7a8a-d6df4a35d1dd");
  EXPECT_EQ(error.log_dir(), "/var/log/azcopy-runner/job1");
  EXPECT_EQ(error.excerpt(), "tail");
  EXPECT_EQ(error.type_name(), "AzCopyError");
}

TEST(Errors, WhatWithPartialContext) {
  EXPECT_STREQ(AzCopyError("m", ErrorContext{}).what(), "m");
  EXPECT_STREQ(AzCopyError("m", ErrorContext{"id", "", ""}).what(), "m (job id)");
  EXPECT_STREQ(AzCopyError("m", ErrorContext{"", "/d", ""}).what(), "m (logs in /d)");
}

TEST(Errors, MessageAndContextAreRedacted) {
  const AzCopyStartError error(
      "cannot run azcopy copy src https://acct.blob.core.windows.net/c?sv=1&sig=SECRET1",
      ErrorContext{"", "/logs", "out: https://h/c?sig=SECRET2 and sig=SECRET3"});
  const std::string what = error.what();
  EXPECT_EQ(what.find("SECRET"), std::string::npos) << what;
  EXPECT_NE(what.find("https://acct.blob.core.windows.net/c?REDACTED"), std::string::npos);
  EXPECT_EQ(error.excerpt().find("SECRET"), std::string::npos) << error.excerpt();
  EXPECT_EQ(error.type_name(), "AzCopyStartError");
}

TEST(Errors, ExcerptIsBounded) {
  const AzCopyParseError error("m", ErrorContext{"", "", std::string(100000, 'a') + "END"});
  EXPECT_LE(error.excerpt().size(), kMaxExcerptBytes);
  EXPECT_EQ(error.excerpt().substr(error.excerpt().size() - 3), "END");  // the tail is kept
}

TEST(Errors, TypeNamesAndHierarchy) {
  const ErrorContext ctx{"j", "d", "e"};
  EXPECT_EQ(AzCopyNotInstalledError("m", ctx).type_name(), "AzCopyNotInstalledError");
  EXPECT_EQ(AzCopyJobIdNotFoundError("m", ctx).type_name(), "AzCopyJobIdNotFoundError");
  EXPECT_EQ(AzCopyJobNotFoundError("m", ctx).type_name(), "AzCopyJobNotFoundError");
  EXPECT_EQ(AzCopyParseError("m", ctx).type_name(), "AzCopyParseError");
  try {
    throw AzCopyJobNotFoundError("gone", ctx);
  } catch (const AzCopyError& e) {
    EXPECT_EQ(e.type_name(), "AzCopyJobNotFoundError");
    EXPECT_EQ(e.job_id(), "j");
  }
}

TEST(Errors, NotFinishedCarriesPartialSummary) {
  AzCopySummary partial;
  partial.job_id = "cdebef2f-dca8-a446-7a8a-d6df4a35d1dd";
  partial.state = AzCopyJobState::Running;
  partial.files_transferred = 3;
  const AzCopyNotFinishedError error("not finished", ErrorContext{partial.job_id, "/d", ""},
                                     partial);
  EXPECT_EQ(error.type_name(), "AzCopyNotFinishedError");
  EXPECT_EQ(error.partial_summary().state, AzCopyJobState::Running);
  EXPECT_EQ(error.partial_summary().files_transferred, 3);
  EXPECT_EQ(error.job_id(), partial.job_id);
}

}  // namespace
}  // namespace azcopy_runner
