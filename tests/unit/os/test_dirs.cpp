// SPDX-License-Identifier: MIT
// The directory checks (src/os/dirs.cpp): a directory another local user could have
// made or can change is refused, with the reason; the runner refuses such a work or log dir
// given explicitly before anything runs. Ownership cases chown to another uid: they need root
// (the test command runs as root).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "os/dirs.hpp"
#include "store/job_store.hpp"
#include "store/record.hpp"

namespace azcopy_runner::detail {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::NiceMock;

constexpr uid_t kOtherUid = 4242;

class Dirs : public ::testing::Test {
 protected:
  Dirs() {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("azr-dirs-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directory(root_);
    fs::permissions(root_, fs::perms::owner_all);
  }
  ~Dirs() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  Dirs(const Dirs&) = delete;
  Dirs& operator=(const Dirs&) = delete;
  Dirs(Dirs&&) = delete;
  Dirs& operator=(Dirs&&) = delete;

  /// A directory under the test's root with mode @p mode.
  fs::path dir(const std::string& name, mode_t mode = 0700) {
    const fs::path p = root_ / name;
    fs::create_directories(p);
    ::chmod(p.c_str(), mode);
    return p;
  }

  static bool root() { return ::geteuid() == 0; }

  fs::path root_;
};

TEST_F(Dirs, AMissingDirectoryIsCreatedPrivateWithItsParents) {
  const fs::path p = root_ / "a" / "b" / "c";
  EXPECT_EQ(make_private_dir(p), "");
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777U, 0700U);
  ASSERT_EQ(::stat((root_ / "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777U, 0700U);
  EXPECT_EQ(make_private_dir(p), "") << "an existing private directory is usable";
}

TEST_F(Dirs, AnExistingDirectoryOfOursNotWritableByOthersIsUsed) {
  EXPECT_EQ(make_private_dir(dir("readable", 0755)), "");
}

TEST_F(Dirs, ASymbolicLinkIsRefusedEvenToAPrivateDirectory) {
  const fs::path target = dir("target");
  const fs::path link = root_ / "link";
  fs::create_directory_symlink(target, link);
  EXPECT_THAT(make_private_dir(link), HasSubstr("it is a symbolic link"));
  EXPECT_THAT(untrusted_dir_reason(link), HasSubstr("symbolic link"));
}

TEST_F(Dirs, AFileIsNotADirectory) {
  std::ofstream(root_ / "file") << "x";
  EXPECT_THAT(make_private_dir(root_ / "file"), HasSubstr("it is not a directory"));
}

TEST_F(Dirs, ADirectoryWritableByItsGroupOrOthersIsRefusedWithItsMode) {
  EXPECT_THAT(make_private_dir(dir("group", 0770)), HasSubstr("writable by its group (mode 0770)"));
  EXPECT_THAT(make_private_dir(dir("world", 0777)), HasSubstr("writable by others (mode 0777)"));
}

TEST_F(Dirs, ADirectoryOwnedByAnotherUserIsRefused) {
  if (!root()) {
    GTEST_SKIP() << "chown to another uid needs root";
  }
  const fs::path theirs = dir("theirs", 0700);
  ASSERT_EQ(::chown(theirs.c_str(), kOtherUid, kOtherUid), 0);
  EXPECT_THAT(make_private_dir(theirs), HasSubstr("it is owned by uid 4242, not by this user"));
}

TEST_F(Dirs, AParentWritableByOthersIsRefusedUnlessSticky) {
  const fs::path open = dir("open", 0777);
  EXPECT_THAT(make_private_dir(open / "mine"),
              HasSubstr("its parent " + open.string() + " is writable by others (mode 0777"));
  const fs::path sticky = dir("sticky", 01777);
  EXPECT_EQ(make_private_dir(sticky / "mine"), "") << "a sticky parent, as /tmp, is fine";
}

TEST_F(Dirs, AParentOwnedByAnotherUserIsRefused) {
  if (!root()) {
    GTEST_SKIP() << "chown to another uid needs root";
  }
  const fs::path theirs = dir("their-parent", 0755);
  ASSERT_EQ(::chown(theirs.c_str(), kOtherUid, kOtherUid), 0);
  EXPECT_THAT(make_private_dir(theirs / "mine"),
              HasSubstr("its parent " + theirs.string() + " is owned by uid 4242"));
}

TEST_F(Dirs, ANewDirectoryMustNotExistYet) {
  EXPECT_EQ(make_new_private_dir(root_ / "fresh"), "");
  EXPECT_THAT(make_new_private_dir(root_ / "fresh"), HasSubstr("cannot be created"));
}

TEST_F(Dirs, TheDefaultCandidatesBeginWithAppThenTmp) {
  const auto candidates = default_work_dirs();
  ASSERT_GE(candidates.size(), 2U);
  EXPECT_EQ(candidates[0], "/app/.azcopy");
  EXPECT_EQ(candidates[1], "/tmp/.azcopy");
}

// ----- files: a record, an output or a cache someone else could have written is ignored -----

TEST_F(Dirs, AFileOfAnotherUserOrWritableByOthersOrNotRegularIsNotTrusted) {
  const fs::path mine = root_ / "mine";
  std::ofstream(mine) << "x";
  ::chmod(mine.c_str(), 0644);
  struct stat st {};
  ASSERT_EQ(::stat(mine.c_str(), &st), 0);
  EXPECT_EQ(untrusted_file_reason(st), "");
  ::chmod(mine.c_str(), 0666);
  ASSERT_EQ(::stat(mine.c_str(), &st), 0);
  EXPECT_THAT(untrusted_file_reason(st), HasSubstr("writable by others (mode 0666)"));
  ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0600), 0);
  ASSERT_EQ(::stat((root_ / "fifo").c_str(), &st), 0);
  EXPECT_THAT(untrusted_file_reason(st), HasSubstr("not a regular file"));
  // A FIFO put where a file was expected is not opened for reading (that would block).
  EXPECT_FALSE(read_tail(root_ / "fifo", 100));
  EXPECT_FALSE(read_tail(mine, 100)) << "a file writable by others was read";
  if (root()) {
    ::chmod(mine.c_str(), 0600);
    ASSERT_EQ(::chown(mine.c_str(), kOtherUid, kOtherUid), 0);
    ASSERT_EQ(::stat(mine.c_str(), &st), 0);
    EXPECT_THAT(untrusted_file_reason(st), HasSubstr("owned by uid 4242"));
    EXPECT_FALSE(read_tail(mine, 100)) << "another user's file was read";
  }
}

/// A job store under the test's root holding one record of its own; its warnings kept.
class StoredJob : public Dirs {
 protected:
  void SetUp() override {
    record.ref.job_id = id;
    record.ref.log_dir = (store.root() / id).string();
    ASSERT_EQ(make_private_dir(record.ref.log_dir), "");
    ASSERT_EQ(write_record(record), "");
  }

  std::ostringstream warnings;
  JobStore store{root_ / "logs",
                 std::make_shared<spdlog::logger>(
                     "store-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(warnings))};
  const std::string id = "0b0e6b3c-5f0e-2c4a-6d1e-3a9f8c7d6e5f";
  const JobId job = JobId::checked(id);
  JobRecord record;
};

TEST_F(StoredJob, ARecordReplacedByAnotherUsersFileOrASymlinkIsIgnoredWithAWarning) {
  ASSERT_TRUE(store.load(job)) << "the store's own record must load";
  const fs::path file = store.root() / id / "record.json";

  ::chmod(file.c_str(), 0622);  // as if another user could write it
  EXPECT_FALSE(store.load(job));
  EXPECT_THAT(warnings.str(), HasSubstr("record " + file.string() + " ignored: it is writable by"));

  const fs::path elsewhere = root_ / "elsewhere.json";
  fs::rename(file, elsewhere);
  ::chmod(elsewhere.c_str(), 0600);
  fs::create_symlink(elsewhere, file);
  EXPECT_FALSE(store.load(job));
  EXPECT_THAT(warnings.str(), HasSubstr("ignored: it is a symbolic link"));

  if (root()) {
    fs::remove(file);
    fs::rename(elsewhere, file);
    ASSERT_TRUE(store.load(job));
    ASSERT_EQ(::chown(file.c_str(), kOtherUid, kOtherUid), 0);
    EXPECT_FALSE(store.load(job));
    EXPECT_THAT(warnings.str(), HasSubstr("ignored: it is owned by uid 4242"));
  }
}

TEST_F(StoredJob, AnOutputReplacedByAFileOthersCanWriteIsIgnoredWithAWarning) {
  std::ofstream(record.stdout_path()) << R"({"MessageType":"Progress"})" << '\n';
  ::chmod(record.stdout_path().c_str(), 0600);
  ASSERT_TRUE(store.load(job));
  EXPECT_EQ(warnings.str(), "") << "the job's own output was warned about";

  ::chmod(record.stdout_path().c_str(), 0606);  // as if another user could write it
  ASSERT_TRUE(store.load(job)) << "the record itself is still the store's own";
  EXPECT_THAT(warnings.str(), HasSubstr("output " + record.stdout_path().string() +
                                        " ignored: it is writable by others"));
  EXPECT_FALSE(read_tail(record.stdout_path(), 100)) << "the output was read all the same";
}

TEST_F(StoredJob, AJobDirectoryWritableByItsGroupIsIgnoredWithAWarning) {
  ASSERT_TRUE(store.load(job));
  ASSERT_EQ(store.list().size(), 1U);

  ::chmod(record.ref.log_dir.c_str(), 0770);
  EXPECT_FALSE(store.load(job)) << "a record in a directory its group can write was read";
  EXPECT_THAT(warnings.str(), HasSubstr("job " + id + ": directory " + record.ref.log_dir +
                                        " ignored: it is writable by its group (mode 0770)"));
  EXPECT_TRUE(store.list().empty());

  ::chmod(record.ref.log_dir.c_str(), 0700);
  EXPECT_TRUE(store.load(job));
}

// ----- the runner: a directory given explicitly that fails is an error before anything runs -----

RunnerConfig config_in(const fs::path& work, const fs::path& logs) {
  RunnerConfig c;
  c.azcopy_path = "/nonexistent/azcopy";
  c.work_dir = work.string();
  c.log_dir = logs.string();
  return c;
}

/// The AzCopyStartError of constructing a runner with @p config ("" when none is thrown).
std::string construction_error(const RunnerConfig& config) {
  try {
    AzCopyRunner runner(config, std::make_shared<NiceMock<testing::MockLauncher>>());
  } catch (const AzCopyStartError& e) {
    return e.what();
  }
  return {};
}

TEST_F(Dirs, TheRunnerRefusesAnExplicitWorkDirThatAnotherUserOwns) {
  if (!root()) {
    GTEST_SKIP() << "chown to another uid needs root";
  }
  const fs::path work = dir("work", 0700);
  ASSERT_EQ(::chown(work.c_str(), kOtherUid, kOtherUid), 0);
  const std::string e = construction_error(config_in(work, root_ / "logs"));
  EXPECT_THAT(e,
              HasSubstr("work dir " + work.string() + " is not usable: it is owned by uid 4242"));
  EXPECT_FALSE(fs::exists(root_ / "logs")) << "something was made before the refusal";
}

TEST_F(Dirs, TheRunnerRefusesASymlinkedLogDir) {
  const fs::path elsewhere = dir("elsewhere");
  fs::create_directory_symlink(elsewhere, root_ / "logs");
  const std::string e = construction_error(config_in(root_ / "work", root_ / "logs"));
  EXPECT_THAT(e, HasSubstr("log dir " + (root_ / "logs").string() +
                           " is not usable: it is a symbolic link"));
}

TEST_F(Dirs, TheRunnerRefusesAWorkDirThatCannotBeMade) {
  const std::string e =
      construction_error(config_in("/proc/azcopy-runner-cannot-write-here", root_ / "logs"));
  EXPECT_THAT(e, HasSubstr("work dir /proc/azcopy-runner-cannot-write-here is not usable: it "
                           "cannot be created"));
}

// RunnerConfig::extra_env may move AzCopy's logs or plans out of the work dir: such a
// directory is checked as the work dir is, since `jobs show` trusts the plans in it.
TEST_F(Dirs, TheRunnerRefusesAnExtraEnvLogOrPlanLocationOthersCanWrite) {
  const fs::path shared = dir("shared", 0777);
  RunnerConfig c = config_in(root_ / "work", root_ / "logs");
  c.extra_env["AZCOPY_LOG_LOCATION"] = shared.string();
  EXPECT_THAT(construction_error(c), HasSubstr("AZCOPY_LOG_LOCATION " + shared.string() +
                                               " (extra_env) is not usable: it is writable by"));
  EXPECT_FALSE(fs::exists(root_ / "logs")) << "something was made before the refusal";

  c.extra_env.erase("AZCOPY_LOG_LOCATION");
  c.extra_env["AZCOPY_JOB_PLAN_LOCATION"] = (root_ / "plans").string();
  EXPECT_EQ(construction_error(c), "");
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "plans").c_str(), &st), 0) << "a missing plan location is made";
  EXPECT_EQ(st.st_mode & 07777U, 0700U);
}

// Mallory's directory first among the candidates (another uid when root, mode 0777), as her
// /tmp/.azcopy is among the defaults: skipped with the reason, the next one made and used
// (tests/integration/test_shared_host.cpp runs the real case with two users).
TEST_F(Dirs, ACandidateAnotherUserMadeIsSkippedWithTheReasonAndTheNextIsUsed) {
  const fs::path trap = dir("trap", 0777);
  std::string reason = "it is writable by others";
  if (root()) {
    ASSERT_EQ(::chown(trap.c_str(), kOtherUid, kOtherUid), 0);
    reason = "it is owned by uid 4242";
  }
  std::vector<std::pair<fs::path, std::string>> skipped;
  const auto chosen = first_private_dir({trap, root_ / "next", root_ / "never"}, skipped);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, root_ / "next");
  EXPECT_EQ(untrusted_dir_reason(*chosen), "");
  ASSERT_EQ(skipped.size(), 1U);
  EXPECT_EQ(skipped[0].first, trap);
  EXPECT_THAT(skipped[0].second, HasSubstr(reason));
  EXPECT_FALSE(fs::exists(root_ / "never")) << "a candidate after the chosen one was made";

  skipped.clear();
  EXPECT_FALSE(first_private_dir({trap}, skipped));
  EXPECT_EQ(skipped.size(), 1U);
}

TEST_F(Dirs, TheRunnerMakesPrivateWorkAndLogDirs) {
  const RunnerConfig c = config_in(root_ / "w", root_ / "l");
  EXPECT_EQ(construction_error(c), "");
  for (const char* name : {"w", "l"}) {
    struct stat st {};
    ASSERT_EQ(::stat((root_ / name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777U, 0700U) << name;
  }
}

}  // namespace
}  // namespace azcopy_runner::detail
