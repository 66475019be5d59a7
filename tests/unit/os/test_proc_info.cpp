// SPDX-License-Identifier: MIT
// What /proc says about processes: reads that race with the process's exit.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/proc_info.hpp"

namespace azcopy_runner::detail {
namespace {

TEST(ProcInfo, AStatFileOpenedBeforeItsProcessWasReapedReadsAsNothingNotAnException) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  const std::string path = "/proc/" + std::to_string(child) + "/stat";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  // The kernel answers ESRCH now; an ifstream's istreambuf_iterator threw here.
  std::optional<std::string> text;
  EXPECT_NO_THROW(text = read_all(fd));
  EXPECT_FALSE(text.has_value());
  ::close(fd);
  EXPECT_FALSE(read_proc_stat(child).has_value());
}

TEST(ProcInfo, TheStatOfALiveProcessHasItsStateAndStartTime) {
  const auto stat = read_proc_stat(::getpid());
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->state, 'R');
  EXPECT_GT(stat->start_time, 0U);
  EXPECT_FALSE(boot_id().empty());
  EXPECT_EQ(boot_id().find('\n'), std::string::npos);
}

// What the runner reads when AzCopy prints no job id: the job log AzCopy holds open.
TEST(ProcInfo, TheOpenJobLogOfAProcessIsFoundByItsName) {
  const std::string dir = ::testing::TempDir();
  const std::string log = dir + "/5e163d4c-10e9-1d4c-695f-784f707fe082.log";
  const std::string other = dir + "/5e163d4c-10e9-1d4c-695f-784f707fe082-scanning.log";
  const int other_fd = ::open(other.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(other_fd, 0);
  EXPECT_FALSE(open_job_log(::getpid()).has_value());  // not a job log's name
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  const auto found = open_job_log(::getpid());
  ::close(fd);
  ::close(other_fd);
  ::unlink(log.c_str());
  ::unlink(other.c_str());
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->ends_with("/5e163d4c-10e9-1d4c-695f-784f707fe082.log")) << *found;
  EXPECT_FALSE(open_job_log(::getpid()).has_value());
  EXPECT_FALSE(open_job_log(-1).has_value());
}

}  // namespace
}  // namespace azcopy_runner::detail
