// SPDX-License-Identifier: MIT
// Recorded outputs of the production path (COOL = --from-to FileBlob, RESTORE = BlobFile) of
// AzCopy 10.32.2 and 10.18.1, parsed and compared with their manifest's ground truth (the
// figures `azcopy jobs show` gave for each job). Recorded against scripts/storage.sh by
// `tools/record-azcopy-fixtures.py production` (tests/data/azcopy-fixtures/README.md).
#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "azcopy_runner/parse.hpp"
#include "azcopy_runner/types.hpp"
#include "mock_launcher.hpp"

namespace azcopy_runner {
namespace {

using nlohmann::json;
using testing::fixture;
using testing::manifest_case;

/// One recorded output: `name` is the file stem, `copy_case` the manifest case of the job.
struct ProductionCase {
  std::string version;
  std::string name;
  std::string copy_case;
  bool text = false;
  bool jobs_show = false;
};

/// The case's recording in the test log (not a dump of its bytes).
void PrintTo(const ProductionCase& c, std::ostream* os) { *os << c.version << "/" << c.name; }

/// The production cases recorded for each version (tools/record-azcopy-fixtures.py).
std::vector<ProductionCase> production_cases() {
  std::vector<ProductionCase> out;
  for (const std::string version : {"10.18.1", "10.32.2"}) {
    for (const std::string name :
         {"copy_json_fileblob_completed", "copy_text_fileblob_completed",
          "copy_json_blobfile_completed", "copy_text_blobfile_completed",
          "copy_json_blobfile_skipped", "copy_json_fileblob_errors", "copy_json_fileblob_denied"}) {
      out.push_back({version, name, name, name.rfind("copy_text_", 0) == 0, false});
    }
    // jobs show <of> of the job of copy_<fmt>_<case>: jobs_show_<of>_<case>_from_<fmt>.
    for (const std::string name :
         {"jobs_show_json_fileblob_completed_from_json",
          "jobs_show_text_fileblob_completed_from_json",
          "jobs_show_json_blobfile_completed_from_json",
          "jobs_show_json_blobfile_skipped_from_json", "jobs_show_json_fileblob_errors_from_json",
          "jobs_show_json_fileblob_denied_from_json"}) {
      const auto from = name.find("_from_");
      const std::string of_and_case = name.substr(10, from - 10);
      const std::string the_case = of_and_case.substr(of_and_case.find('_') + 1);
      out.push_back({version, name, "copy_" + name.substr(from + 6) + "_" + the_case,
                     name.rfind("jobs_show_text_", 0) == 0, true});
    }
  }
  return out;
}

std::int64_t to_int(const json& value) { return std::stoll(value.get<std::string>()); }

AzCopyJobState expected_state(const std::string& job_status) {
  if (job_status == "Completed" || job_status == "CompletedWithSkipped") {
    return AzCopyJobState::Succeeded;
  }
  if (job_status == "Failed" || job_status == "CompletedWithErrors" ||
      job_status == "CompletedWithErrorsAndSkipped") {
    return AzCopyJobState::Failed;
  }
  if (job_status == "Cancelled") {
    return AzCopyJobState::Canceled;
  }
  return AzCopyJobState::Unknown;
}

/// True when every `sig=` in @p text is followed by a redaction marker (AzCopy 10.32 writes
/// `sig=REDACTED`, 10.18 `sig=-REDACTED-`, the recorder `sig=REDACTED`).
bool no_signature(std::string_view text) {
  for (auto pos = text.find("sig="); pos != std::string_view::npos;
       pos = text.find("sig=", pos + 4)) {
    const std::string_view rest = text.substr(pos + 4);
    if (rest.rfind("REDACTED", 0) != 0 && rest.rfind("-REDACTED-", 0) != 0) {
      return false;
    }
  }
  return true;
}

std::string param_name(const ::testing::TestParamInfo<ProductionCase>& param_info) {
  std::string name = "v" + param_info.param.version + "_" + param_info.param.name;
  for (char& ch : name) {
    if (ch == '.') {
      ch = '_';
    }
  }
  return name;
}

class ProductionFixture : public ::testing::TestWithParam<ProductionCase> {};

TEST_P(ProductionFixture, MatchesManifest) {
  const ProductionCase& c = GetParam();
  const json source = manifest_case(c.version, c.copy_case);
  ASSERT_TRUE(source.contains("expect")) << c.copy_case;
  const json& e = source.at("expect");
  const AzCopySummary s = parse_summary(fixture(c.version, c.name + ".stdout"));

  const std::string status = e.at("JobStatus").get<std::string>();
  EXPECT_EQ(s.raw_status, status);
  EXPECT_EQ(s.state, expected_state(status));
  EXPECT_EQ(s.job_id, source.at("job_id").get<std::string>());
  EXPECT_EQ(s.total_transfers, to_int(e.at("TotalTransfers")));
  // FileBlob / BlobFile: Blob has no folders, so there are no folder transfers and files are
  // TransfersCompleted.
  EXPECT_EQ(s.files_transferred, to_int(e.at("TransfersCompleted")));
  EXPECT_EQ(s.failed_transfers, to_int(e.at("TransfersFailed")));
  EXPECT_EQ(s.skipped_transfers, to_int(e.at("TransfersSkipped")));
  if (c.text && c.jobs_show && c.version == "10.18.1") {
    EXPECT_EQ(s.bytes_transferred, 0);  // 10.18's `jobs show` text prints no bytes line
  } else {
    EXPECT_EQ(s.bytes_transferred, to_int(e.at("TotalBytesTransferred")));
  }
  if (!c.text && c.jobs_show) {
    EXPECT_EQ(s.bytes_expected, to_int(e.at("TotalBytesExpected")));
  }

  // The copy prints the notice first; `jobs show` does not print it.
  EXPECT_EQ(s.empty_folders_not_processed, !c.jobs_show);
  if (!c.jobs_show) {
    ASSERT_FALSE(s.messages.empty());
    EXPECT_NE(s.messages.front().find("empty folders will not be processed"), std::string::npos)
        << s.messages.front();
  }

  EXPECT_TRUE(no_signature(s.raw_summary)) << s.raw_summary;
  for (const std::string& m : s.messages) {
    EXPECT_TRUE(no_signature(m)) << m;
  }
  for (const FailedFile& f : s.failed_files) {
    EXPECT_TRUE(no_signature(f.source)) << f.source;
    EXPECT_TRUE(no_signature(f.destination)) << f.destination;
  }
  EXPECT_LE(s.messages.size(), kMaxMessages);
  EXPECT_LE(s.failed_files.size(), kMaxFailedFiles);
}

TEST_P(ProductionFixture, RecordedFilesHoldNoSignature) {
  const ProductionCase& c = GetParam();
  EXPECT_TRUE(no_signature(fixture(c.version, c.name + ".stdout")));
  EXPECT_TRUE(no_signature(fixture(c.version, c.name + ".stderr")));
  EXPECT_TRUE(no_signature(manifest_case(c.version, c.name).dump()));
}

INSTANTIATE_TEST_SUITE_P(Production, ProductionFixture, ::testing::ValuesIn(production_cases()),
                         param_name);

// The ground truth itself: what each production case was recorded to show.
class ProductionTruth : public ::testing::TestWithParam<std::string> {};

TEST_P(ProductionTruth, StatusesAreThoseOfTheCases) {
  const std::string& v = GetParam();
  const auto status = [&](const std::string& name) {
    return manifest_case(v, name).at("expect").at("JobStatus").get<std::string>();
  };
  EXPECT_EQ(status("copy_json_fileblob_completed"), "Completed");
  EXPECT_EQ(status("copy_text_fileblob_completed"), "Completed");
  EXPECT_EQ(status("copy_json_blobfile_completed"), "Completed");
  EXPECT_EQ(status("copy_text_blobfile_completed"), "Completed");
  EXPECT_EQ(status("copy_json_blobfile_skipped"), "CompletedWithSkipped");
  EXPECT_EQ(status("copy_json_fileblob_errors"), "CompletedWithErrors");
  EXPECT_EQ(status("copy_json_fileblob_denied"), "Cancelled");

  // 6 files (one of 0 bytes); the empty folder is not a transfer.
  const json done = manifest_case(v, "copy_json_fileblob_completed").at("expect");
  EXPECT_EQ(done.at("TotalTransfers"), "6");
  EXPECT_EQ(done.at("TransfersCompleted"), "6");
  // The second RESTORE skips every file.
  const json again = manifest_case(v, "copy_json_blobfile_skipped").at("expect");
  EXPECT_EQ(again.at("TransfersSkipped"), again.at("TotalTransfers"));
  EXPECT_EQ(again.at("TransfersCompleted"), "0");
}

TEST_P(ProductionTruth, LeasedBlobIsTheOneFailedFile) {
  const std::string& v = GetParam();
  const AzCopySummary s = parse_summary(fixture(v, "copy_json_fileblob_errors.stdout"));
  EXPECT_EQ(s.state, AzCopyJobState::Failed);
  EXPECT_EQ(s.failed_transfers, 1);
  EXPECT_EQ(s.files_transferred, 5);
  EXPECT_TRUE(s.empty_folders_not_processed);
  ASSERT_EQ(s.failed_files.size(), 1U);
  const FailedFile& f = s.failed_files.front();
  EXPECT_NE(f.source.find("/proj/docs/guide.md"), std::string::npos) << f.source;
  EXPECT_NE(f.destination.find("/json/proj/docs/guide.md"), std::string::npos) << f.destination;
  EXPECT_EQ(f.error_code, "412");  // the blob's lease: its overwrite is refused
  EXPECT_EQ(f.transfer_status, "Failed");
  EXPECT_EQ(f.size, 3000);
}

TEST_P(ProductionTruth, WriteDeniedCancelsTheJob) {
  const std::string& v = GetParam();
  const AzCopySummary s = parse_summary(fixture(v, "copy_json_fileblob_denied.stdout"));
  EXPECT_EQ(s.state, AzCopyJobState::Canceled);
  EXPECT_EQ(s.raw_status, "Cancelled");
  EXPECT_GE(s.failed_transfers, 1);
  EXPECT_EQ(s.files_transferred, 0);
  EXPECT_EQ(s.bytes_transferred, 0);
}

INSTANTIATE_TEST_SUITE_P(Production, ProductionTruth, ::testing::Values("10.18.1", "10.32.2"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = "v" + param_info.param;
                           for (char& ch : name) {
                             if (ch == '.') {
                               ch = '_';
                             }
                           }
                           return name;
                         });

}  // namespace
}  // namespace azcopy_runner
