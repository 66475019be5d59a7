// SPDX-License-Identifier: MIT
// The AzCopy command a copy is started with (AzCopyRunner::build_copy_args): the defaults,
// the options, the redacted command, and the requests it refuses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "azcopy_runner/azcopy_runner.hpp"
#include "runner_fixture.hpp"

namespace azcopy_runner {
namespace {

using namespace runner_testing;  // NOLINT(google-build-using-namespace): the shared names

TEST(BuildCopyArgs, DefaultsFollowTheTask) {
  const auto args = AzCopyRunner::build_copy_args("src", "dst", CopyOptions{}, "INFO");
  EXPECT_EQ(args, (std::vector<std::string>{"copy", "src", "dst", "--recursive=true",
                                            "--overwrite=true", "--log-level=INFO",
                                            "--output-type=json", "--skip-version-check"}));
}

TEST(BuildCopyArgs, OptionsAndExtraArgsAreApplied) {
  CopyOptions o;
  o.recursive = false;
  o.overwrite = "ifSourceNewer";
  o.from_to = "FileBlob";
  o.log_level = "WARNING";
  o.output_type = OutputType::Text;
  o.extra_args = {"--cap-mbps=8", "--check-length=true"};
  const auto args = AzCopyRunner::build_copy_args("a", "b", o, "INFO");
  EXPECT_EQ(args, (std::vector<std::string>{
                      "copy", "a", "b", "--recursive=false", "--overwrite=ifSourceNewer",
                      "--from-to=FileBlob", "--log-level=WARNING", "--output-type=text",
                      "--skip-version-check", "--cap-mbps=8", "--check-length=true"}));
}

TEST(BuildCopyArgs, KeepDirectoriesMakesACoolWriteDirectoryStubs) {
  CopyOptions o;
  o.keep_directories = true;
  o.from_to = "FileBlob";
  EXPECT_THAT(AzCopyRunner::build_copy_args("a", "b", o, "INFO"),
              ::testing::Contains("--include-directory-stub=true"));
  // A RESTORE's directories are made by the runner: AzCopy is not given the flag (10.18.1
  // crashes with it, 10.27 and later skip the stubs of empty directories).
  o.from_to = "BlobFile";
  EXPECT_THAT(AzCopyRunner::build_copy_args("a", "b", o, "INFO"),
              ::testing::Not(::testing::Contains(HasSubstr("directory-stub"))));
}

TEST(BuildCopyArgs, EmptyLogLevelTakesTheConfiguredDefault) {
  CopyOptions o;
  o.log_level.clear();
  const auto args = AzCopyRunner::build_copy_args("a", "b", o, "ERROR");
  EXPECT_THAT(args, ::testing::Contains("--log-level=ERROR"));
}

TEST(BuildCopyArgs, ReturnedCommandIsRedacted) {
  const auto args = AzCopyRunner::build_copy_args(
      "/data", "https://acct.blob.core.windows.net/c?" + kSas, CopyOptions{}, "INFO");
  for (const auto& a : args) {
    EXPECT_THAT(a, Not(HasSubstr(kSigValue)));
  }
  EXPECT_THAT(args[2], HasSubstr("https://acct.blob.core.windows.net/c"));
}

struct BadRequest {
  std::string name;
  std::string source;
  std::string destination;
  CopyOptions options;
  std::string expected_text;
};

/// The case's name in the test log (not a dump of its bytes).
void PrintTo(const BadRequest& c, std::ostream* os) { *os << c.name; }

class BuildCopyArgsRefuses : public ::testing::TestWithParam<BadRequest> {};

TEST_P(BuildCopyArgsRefuses, WithAStartError) {
  const auto& p = GetParam();
  try {
    static_cast<void>(AzCopyRunner::build_copy_args(p.source, p.destination, p.options, "INFO"));
    FAIL() << "accepted";
  } catch (const AzCopyStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr(p.expected_text));
  }
}

CopyOptions with(auto&& mutate) {
  CopyOptions o;
  mutate(o);
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Validation, BuildCopyArgsRefuses,
    ::testing::Values(
        BadRequest{"EmptySource", "", "dst", {}, "must not be empty"},
        BadRequest{"EmptyDestination", "src", "", {}, "must not be empty"},
        BadRequest{"FlagAsSource", "--help", "dst", {}, "must not start with '-'"},
        BadRequest{"OverwritePrompt", "s", "d",
                   with([](CopyOptions& o) { o.overwrite = "prompt"; }), "prompt"},
        BadRequest{"OverwriteUnknown", "s", "d",
                   with([](CopyOptions& o) { o.overwrite = "sometimes"; }), "overwrite must be"},
        BadRequest{"LogLevelUnknown", "s", "d", with([](CopyOptions& o) { o.log_level = "LOUD"; }),
                   "unknown log level"},
        BadRequest{"FromToInjection", "s", "d",
                   with([](CopyOptions& o) { o.from_to = "LocalBlob --x"; }), "from_to"},
        BadRequest{"OutputLevelQuiet", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"--output-level=quiet"}; }),
                   "output-level"},
        BadRequest{"OutputLevelEssential", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"--output-level=essential"}; }),
                   "output-level"},
        BadRequest{"ManagedOutputType", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"--output-type=text"}; }),
                   "managed by the runner"},
        BadRequest{"ManagedOverwrite", "s", "d", with([](CopyOptions& o) {
                     o.extra_args = {"--overwrite", "prompt"};
                   }),
                   "managed by the runner"},
        BadRequest{"ManagedRecursiveCase", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"--Recursive=false"}; }),
                   "managed by the runner"},
        BadRequest{"ManagedDirectoryStub", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"--include-directory-stub"}; }),
                   "CopyOptions::keep_directories"},
        BadRequest{"KeepDirectoriesWithoutFromTo", "s", "d",
                   with([](CopyOptions& o) { o.keep_directories = true; }),
                   "keep_directories needs from_to FileBlob"},
        BadRequest{"KeepDirectoriesOfAnUpload", "s", "d", with([](CopyOptions& o) {
                     o.keep_directories = true;
                     o.from_to = "LocalBlob";
                   }),
                   "keep_directories needs from_to FileBlob"},
        BadRequest{"KeepDirectoriesNotRecursive", "s", "d", with([](CopyOptions& o) {
                     o.keep_directories = true;
                     o.from_to = "BlobFile";
                     o.recursive = false;
                   }),
                   "needs a recursive copy"},
        BadRequest{"PositionalExtra", "s", "d",
                   with([](CopyOptions& o) { o.extra_args = {"/etc"}; }), "is not a flag"}),
    [](const ::testing::TestParamInfo<BadRequest>& p) { return p.param.name; });

}  // namespace
}  // namespace azcopy_runner
