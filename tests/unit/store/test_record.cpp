// SPDX-License-Identifier: MIT
// The job record's typed fields (record.hpp) and the checked job id (job_id.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "azcopy_runner/errors.hpp"
#include "store/job_id.hpp"
#include "store/record.hpp"

namespace azcopy_runner::detail {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kId = "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6";

TEST(JobIdType, IsTheUuidInLowerCase) {
  const JobId id = JobId::checked("0D1E2F3A-4B5C-6D7E-8F90-A1B2C3D4E5F6");
  EXPECT_EQ(id.str(), kId);
  EXPECT_EQ(id, JobId::checked(kId));
  EXPECT_FALSE(JobId::parse("../0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f"));
  EXPECT_FALSE(JobId::parse(std::string(kId) + "/"));
  EXPECT_FALSE(JobId::parse(""));
}

TEST(JobIdType, RefusesOtherTextWithoutRepeatingASignature) {
  try {
    static_cast<void>(JobId::checked("https://a.blob.core.windows.net/c?sv=1&sig=SeCrEt0123%3D"));
    FAIL() << "accepted";
  } catch (const AzCopyJobNotFoundError& e) {
    EXPECT_THAT(e.what(), HasSubstr("is not an AzCopy job id"));
    EXPECT_THAT(e.what(), Not(HasSubstr("SeCrEt0123")));
  }
}

JobRecord copy_record(OutputType output_type) {
  JobRecord r;
  r.ref.job_id = kId;
  r.ref.command = {"azcopy", "copy", "https://f/share/p?REDACTED", "https://b/c?REDACTED",
                   "--overwrite=true"};
  r.copy = CopyFacts{"https://f/share/p?REDACTED", "https://b/c?REDACTED", "FileBlob",
                     "ifSourceNewer", output_type};
  return r;
}

TEST(RecordFields, KindAndCopyFactsSurviveTheRecordsText) {
  JobRecord r = copy_record(OutputType::Text);
  r.kind = ProcessKind::Resume;
  const auto back = record_from_json(record_to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, ProcessKind::Resume);
  ASSERT_TRUE(back->copy);
  EXPECT_EQ(back->copy->source, r.copy->source);
  EXPECT_EQ(back->copy->destination, r.copy->destination);
  EXPECT_EQ(back->copy->from_to, "FileBlob");
  // Read from the facts, not from the command line (which says otherwise here).
  EXPECT_EQ(back->copy->overwrite, "ifSourceNewer");
  EXPECT_EQ(back->copy->output_type, OutputType::Text);
}

TEST(RecordFields, ARecordWithoutFactsGetsThemFromItsCommandLine) {
  // A record written before the facts were kept: its command is all there is.
  JobRecord old;
  old.ref.job_id = kId;
  old.ref.command = {"/opt/azcopy",
                     "copy",
                     "/data/p",
                     "https://b/c?REDACTED",
                     "--recursive=true",
                     "--overwrite=false",
                     "--from-to=LocalBlob",
                     "--output-type=text"};
  const auto back = record_from_json(record_to_json(old));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, ProcessKind::Copy);
  ASSERT_TRUE(back->copy);
  EXPECT_EQ(back->copy->source, "/data/p");
  EXPECT_EQ(back->copy->destination, "https://b/c?REDACTED");
  EXPECT_EQ(back->copy->from_to, "LocalBlob");
  EXPECT_EQ(back->copy->overwrite, "false");
  EXPECT_EQ(back->copy->output_type, OutputType::Text);

  JobRecord resumed_by_id;
  resumed_by_id.ref.job_id = kId;
  resumed_by_id.kind = ProcessKind::Resume;
  resumed_by_id.ref.command = {"azcopy", "jobs", "resume", kId};
  const auto by_id = record_from_json(record_to_json(resumed_by_id));
  ASSERT_TRUE(by_id);
  EXPECT_FALSE(by_id->copy);
}

TEST(RecordFields, StdoutIsJsonForAJsonCopyAndEveryResume) {
  EXPECT_TRUE(copy_record(OutputType::Json).stdout_is_json());
  JobRecord text = copy_record(OutputType::Text);
  EXPECT_FALSE(text.stdout_is_json());
  text.kind = ProcessKind::Resume;  // `jobs resume` is always given --output-type=json
  EXPECT_TRUE(text.stdout_is_json());
}

}  // namespace
}  // namespace azcopy_runner::detail
