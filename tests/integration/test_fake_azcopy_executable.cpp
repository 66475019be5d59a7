// SPDX-License-Identifier: MIT
// The AzCopy executable the runner is given: missing, not executable, a directory, another
// program, a bare name not on PATH; and the fake's version.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "fake_azcopy_harness.hpp"
#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

TEST_F(FakeAzCopy, MissingPathIsNotInstalledAndNamesThePath) {
  const std::string path = (dir_.path() / "no-such-dir" / "azcopy").string();
  config_.azcopy_path = path;
  const auto e = expect_error<AzCopyNotInstalledError>([&] { runner().azcopy_version(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr(path));
  // start_copy() and poll() check the executable first too.
  const auto s = expect_error<AzCopyNotInstalledError>([&] { start(); });
  ASSERT_TRUE(s);
  EXPECT_THAT(s->what(), HasSubstr(path));
  static_cast<void>(expect_error<AzCopyNotInstalledError>([&] { runner().poll(random_job_id()); }));
}

TEST_F(FakeAzCopy, FileWithoutExecuteBitIsNotInstalledAndNamesIt) {
  const fs::path path = dir_.path() / "azcopy";
  {
    std::ofstream out(path);
    out << "#!/bin/sh\necho 'azcopy version 10.32.2'\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  config_.azcopy_path = path.string();
  const auto e = expect_error<AzCopyNotInstalledError>([&] { runner().azcopy_version(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr(path.string()));
}

TEST_F(FakeAzCopy, DirectoryIsNotInstalledAndNamesIt) {
  const fs::path path = dir_.path() / "azcopy-dir";
  fs::create_directories(path);
  config_.azcopy_path = path.string();
  const auto e = expect_error<AzCopyNotInstalledError>([&] { runner().azcopy_version(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr(path.string()));
}

TEST_F(FakeAzCopy, ProgramThatIsNotAzCopyIsNotInstalled) {
  set_mode("not-azcopy");
  const auto e = expect_error<AzCopyNotInstalledError>([&] { runner().azcopy_version(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr(kFake));
  EXPECT_THAT(e->excerpt(), HasSubstr("hello"));
}

TEST_F(FakeAzCopy, BareNameNotOnPathIsNotInstalledAndNamesIt) {
  config_.azcopy_path = "azcopy-does-not-exist-xyz";
  const auto e = expect_error<AzCopyNotInstalledError>([&] { runner().azcopy_version(); });
  ASSERT_TRUE(e);
  EXPECT_THAT(e->what(), HasSubstr("azcopy-does-not-exist-xyz"));
}

TEST_F(FakeAzCopy, VersionOfTheFakeIsRead) { EXPECT_EQ(runner().azcopy_version(), "10.32.2"); }

}  // namespace
}  // namespace azcopy_runner::integration
