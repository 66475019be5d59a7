// SPDX-License-Identifier: MIT
// The expiry (`se`) of SAS tokens (src/jobs/sas_expiry.hpp) and the refusal of expiring ones.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "azcopy_runner/errors.hpp"
#include "jobs/sas_expiry.hpp"
#include "text/timestamp.hpp"

namespace azcopy_runner::detail {
namespace {

using namespace std::chrono_literals;

std::string expiry_text(std::string_view sas) {
  const auto t = sas_expiry(sas);
  return t ? format_timestamp(*t) : "none";
}

TEST(SasExpiry, ReadsEveryFormAzureTakesFromAUrlOrABareToken) {
  EXPECT_EQ(expiry_text("https://a.file.core.windows.net/s/p/*?sv=2021-08-06&ss=f&srt=sco&sp=rl&"
                        "se=2026-12-06T01%3A02%3A03Z&sig=abc%3D"),
            "2026-12-06T01:02:03.000Z");
  EXPECT_EQ(expiry_text("sv=2021-08-06&se=2026-12-06T01:02:03Z&sr=c&sig=x"),
            "2026-12-06T01:02:03.000Z");
  EXPECT_EQ(expiry_text("?se=2026-12-06&sig=x"), "2026-12-06T00:00:00.000Z");
  EXPECT_EQ(expiry_text("se=2026-12-06T01%3A02Z"), "2026-12-06T01:02:00.000Z");
  EXPECT_EQ(expiry_text("se=2026-12-06t01%3a02%3a03z"), "2026-12-06T01:02:03.000Z");
  EXPECT_EQ(expiry_text("se=2026-12-06T01%3A02%3A03.1234567Z"), "2026-12-06T01:02:03.123Z");
}

TEST(SasExpiry, NoneWithoutASe) {
  EXPECT_EQ(expiry_text("https://a.blob.core.windows.net/c"), "none");
  EXPECT_EQ(expiry_text("https://a.blob.core.windows.net/c?sse=2026-12-06&sig=x"), "none");
  EXPECT_EQ(expiry_text("sv=1&se=tomorrow"), "none");
  EXPECT_EQ(expiry_text("se="), "none");
  EXPECT_EQ(expiry_text(""), "none");
  EXPECT_EQ(expiry_text("https://h/c?se=2026-13-45T99%3A00%3A00Z"), "none");
}

TEST(SasExpiry, RefusesAnExpiredTokenAndOneThatExpiresWithinTheMargin) {
  const TimePoint now = std::chrono::system_clock::now();
  EXPECT_NO_THROW(refuse_expiring_sas("source", std::nullopt, now, 0s, "", ""));
  EXPECT_NO_THROW(refuse_expiring_sas("source", now + 10s, now, 0s, "", ""));
  EXPECT_THROW(refuse_expiring_sas("source", now - 1s, now, 0s, "", ""), AzCopySasExpiredError);
  EXPECT_THROW(refuse_expiring_sas("source", now, now, 0s, "", ""), AzCopySasExpiredError);
  EXPECT_THROW(refuse_expiring_sas("destination", now + 10s, now, 60s, "", ""),
               AzCopySasExpiredError);
  EXPECT_NO_THROW(refuse_expiring_sas("destination", now + 61s, now, 60s, "", ""));
  try {
    refuse_expiring_sas("destination", now + 10s, now, 60s, "job-1", "/logs");
    ADD_FAILURE();
  } catch (const AzCopySasExpiredError& e) {
    EXPECT_EQ(e.side(), "destination");
    EXPECT_EQ(e.expires_at(), now + 10s);
    EXPECT_EQ(e.job_id(), "job-1");
    EXPECT_EQ(e.type_name(), "AzCopySasExpiredError");
    EXPECT_THAT(e.what(), ::testing::HasSubstr("the destination's SAS expires at"));
    const AzCopyStartError& as_start = e;  // callers that catch start errors see it
    EXPECT_THAT(as_start.what(), ::testing::HasSubstr("nothing was started"));
  }
}

}  // namespace
}  // namespace azcopy_runner::detail
