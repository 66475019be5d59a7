// SPDX-License-Identifier: MIT
// What /proc says about processes: reads that race with the process's exit.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc_info.hpp"

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

}  // namespace
}  // namespace azcopy_runner::detail
