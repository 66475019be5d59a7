// SPDX-License-Identifier: MIT
// Why transfers failed, read from AzCopy's job log (src/parse/failure_log.hpp), on the logs real
// AzCopy 10.32.2 and 10.18.1 wrote for failing COOLs and RESTOREs (tests/data/azcopy-logs,
// recorded by its record.sh).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "parse/failure_log.hpp"

namespace azcopy_runner::detail {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace fs = std::filesystem;

fs::path log_path(const std::string& version, const std::string& name) {
  return fs::path(AZCOPY_RUNNER_LOGS_DIR) / version / (name + ".log");
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The source URLs of the failure lines of @p text, as source_key() gives them.
std::vector<std::string> failed_sources(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find("FAILED: ");
    if (line.find("ERR: [P#") != std::string::npos && at != std::string::npos) {
      const std::string rest = line.substr(at + 8);
      out.push_back(source_key(rest.substr(0, rest.find(" : "))));
    }
  }
  return out;
}

FailureLog scan_text(const std::string& text, std::vector<std::string> wanted = {}) {
  FailureLogScanner scanner(std::move(wanted));
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    scanner.feed(line);
  }
  return scanner.finish();
}

struct LogCase {
  const char* version;
  const char* name;
  std::int64_t failures;
  int status;
  const char* code;     ///< "" when AzCopy's log does not hold it
  const char* message;  ///< the start of the cause's message
  const char* url_has;  ///< in the refused request's URL
};

void PrintTo(const LogCase& c, std::ostream* os) { *os << c.version << "/" << c.name; }

class RecordedLog : public ::testing::TestWithParam<LogCase> {};

TEST_P(RecordedLog, NamesTheCauseOfEveryFailedTransfer) {
  const LogCase& c = GetParam();
  const fs::path path = log_path(c.version, c.name);
  ASSERT_TRUE(fs::exists(path)) << path;
  const std::vector<std::string> sources = failed_sources(slurp(path));
  ASSERT_EQ(static_cast<std::int64_t>(sources.size()), c.failures);
  const FailureLog log = read_failure_log(path, sources);
  EXPECT_TRUE(log.readable);
  EXPECT_EQ(log.failures, c.failures);
  ASSERT_EQ(log.causes.size(), 1U);
  const LoggedCause& cause = log.causes.front();
  EXPECT_EQ(cause.count, c.failures);
  EXPECT_EQ(cause.failure.http_status, c.status);
  EXPECT_EQ(cause.failure.service_code, c.code);
  EXPECT_THAT(cause.failure.message, StartsWith(c.message));
  EXPECT_THAT(cause.failure.message, ::testing::Not(HasSubstr("http")));
  EXPECT_THAT(cause.failure.message, ::testing::Not(HasSubstr("X-Ms-Request-Id")));
  EXPECT_LE(cause.failure.message.size(), kMaxReasonBytes);
  EXPECT_THAT(cause.failure.request_url, HasSubstr(c.url_has));
  EXPECT_EQ(cause.failure.request_url.find('?'), std::string::npos);
  EXPECT_TRUE(cause.failure.at.has_value());
  ASSERT_EQ(log.by_source.size(), sources.size());
  for (const auto& source : sources) {
    ASSERT_TRUE(log.by_source.contains(source)) << source;
    EXPECT_EQ(log.by_source.at(source).http_status, c.status) << source;
    EXPECT_THAT(log.by_source.at(source).message, StartsWith(c.message)) << source;
  }
  // The same, line by line from the text.
  const FailureLog fed = scan_text(slurp(path), sources);
  EXPECT_EQ(fed.failures, log.failures);
  EXPECT_EQ(fed.causes.front().failure.message, cause.failure.message);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(
    AzCopyLogs, RecordedLog,
    ::testing::Values(
        LogCase{"10.32.2", "restore-share-sas-cw", 3, 403, "AuthorizationPermissionMismatch", "Could not check destination file existence", "-restore/project/f"},
        LogCase{"10.18.1", "restore-share-sas-cw", 3, 403, "AuthorizationPermissionMismatch", "Could not check destination file existence", "-restore/project/f"},
        LogCase{"10.32.2", "cool-container-sas-rl", 1, 403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission", "/rec-w-"},
        LogCase{"10.18.1", "cool-container-sas-rl", 1, 403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission", "/rec-w-"},
        LogCase{"10.32.2", "cool-leased-blob", 1, 412, "", "There is currently a lease on the blob", "/rec-l-"},
        LogCase{"10.18.1", "cool-leased-blob", 1, 412, "", "There is currently a lease on the blob", "/rec-l-"},
        LogCase{"10.32.2", "cool-missing-container", 3, 404, "", "The specified container does not exist", "/rec-missing-"},
        LogCase{"10.18.1", "cool-missing-container", 3, 404, "", "The specified container does not exist", "/rec-missing-"},
        // A fault that lasts: every Put Range From URL answered 503 ServerBusy; AzCopy gives
        // each transfer up after its 20th try, about a quarter of an hour.
        LogCase{"10.32.2", "restore-server-busy", 2, 503, "ServerBusy", "Service Unavailable. When Uploading range from URL", "-restore/project/f"},
        LogCase{"10.18.1", "restore-server-busy", 2, 503, "ServerBusy", "Service Unavailable. When Uploading range from URL", "-restore/project/f"}),
    [](const ::testing::TestParamInfo<LogCase>& param_info) {
      std::string name = std::string(param_info.param.name) + "_" + param_info.param.version;
      for (char& ch : name) {
        ch = (ch == '-' || ch == '.') ? '_' : ch;
      }
      return name;
    });
// clang-format on

TEST(FailureLog, OnlyTheLastProcessOfAResumedJobCounts) {
  // A resumed job's log is its first process's part, then the resume's, each opening with an
  // AzcopyVersion line: two real logs one after the other stand for it.
  const std::string first = slurp(log_path("10.32.2", "cool-missing-container"));
  const std::string last = slurp(log_path("10.32.2", "restore-share-sas-cw"));
  const FailureLog both = scan_text(first + last);
  const FailureLog alone = scan_text(last);
  EXPECT_EQ(both.failures, 3);
  ASSERT_EQ(both.causes.size(), 1U);
  EXPECT_EQ(both.causes.front().failure.http_status, 403);
  EXPECT_EQ(both.causes.front().failure.message, alone.causes.front().failure.message);
}

TEST(FailureLog, OnlyTheWantedFilesAreKeptOneByOne) {
  const fs::path path = log_path("10.18.1", "restore-share-sas-cw");
  const std::vector<std::string> sources = failed_sources(slurp(path));
  ASSERT_EQ(sources.size(), 3U);
  const FailureLog log = read_failure_log(path, {sources[1]});
  EXPECT_EQ(log.failures, 3);
  ASSERT_EQ(log.by_source.size(), 1U);
  EXPECT_TRUE(log.by_source.contains(sources[1]));
}

TEST(FailureLog, DistinctCausesAreBoundedAndTheRestCounted) {
  // One real failure line, its message varied: 100 distinct causes.
  const std::string text = slurp(log_path("10.32.2", "cool-leased-blob"));
  std::istringstream in(text);
  std::string failure;
  for (std::string line; std::getline(in, line);) {
    if (line.find("COPYFAILED: ") != std::string::npos) {
      failure = line;
    }
  }
  ASSERT_FALSE(failure.empty());
  FailureLogScanner scanner({});
  for (int i = 0; i < 100; ++i) {
    std::string varied = failure;
    varied.replace(varied.find("There is"), 8, "Variant " + std::to_string(i) + " there is");
    scanner.feed(varied);
    scanner.feed("   Dst: http://127.0.0.1:1/devstoreaccount1/c/x");
  }
  const FailureLog log = scanner.finish();
  EXPECT_EQ(log.failures, 100);
  EXPECT_EQ(log.causes.size(), kMaxCausesTracked);
  EXPECT_EQ(log.other_causes, static_cast<std::int64_t>(100 - kMaxCausesTracked));
}

TEST(FailureLog, AnyInputIsReadWithoutCrashing) {
  const std::string text = slurp(log_path("10.18.1", "restore-share-sas-cw"));
  std::istringstream in(text);
  FailureLogScanner scanner({});
  for (std::string line; std::getline(in, line);) {
    for (std::size_t cut = 0; cut <= line.size(); cut += 7) {
      scanner.feed(std::string_view(line).substr(0, cut));  // every kind of truncated line
    }
  }
  scanner.feed(std::string("2026/12/06 00:32:20 ERR: [P#0-T#0] COPYFAILED: \xff\xfe : 9"));
  scanner.feed("2026/12/06 00:32:20 ERR: [P#0-T#0] COPYFAILED: x : 403 : ");
  EXPECT_NO_THROW((void)scanner.finish());
  EXPECT_FALSE(read_failure_log("/nonexistent/azcopy.log", {}).readable);
}

TEST(FailureLog, SourceKeysIgnoreTheQueryAndTheEncoding) {
  EXPECT_EQ(source_key("http://h/a/with%20space.txt?se=1&sig=-REDACTED-"),
            "http://h/a/with space.txt");
  EXPECT_EQ(source_key("http://h/a/with space.txt?REDACTED"), "http://h/a/with space.txt");
  EXPECT_EQ(source_key("http://h/share/project%2Ff1.txt"), "http://h/share/project/f1.txt");
  EXPECT_EQ(source_key("bad%zz%4"), "bad%zz%4");
}

TEST(FailureLog, AnErrorMessageOfAzCopySaysItsStatusCodeAndRequest) {
  const LoggedFailure d = describe_error_text(
      "Cannot perform copy due to error: GET http://127.0.0.1:1/devstoreaccount1/s/project?sv=1&"
      "sig=SECRET\n-----\nRESPONSE 403: 403 Forbidden\nERROR CODE: AuthorizationPermissionMismatch"
      "\n-----");
  EXPECT_EQ(d.http_status, 403);
  EXPECT_EQ(d.service_code, "AuthorizationPermissionMismatch");
  EXPECT_EQ(d.message, "Cannot perform copy due to error:");
  EXPECT_EQ(d.request_url, "http://127.0.0.1:1/devstoreaccount1/s/project");
  const LoggedFailure plain = describe_error_text("disk full");
  EXPECT_EQ(plain.http_status, 0);
  EXPECT_EQ(plain.message, "disk full");
}

}  // namespace
}  // namespace azcopy_runner::detail
