// SPDX-License-Identifier: MIT
// One AzCopyRunner shared by many threads (label "concurrency": also run under TSan).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

constexpr int kThreads = 8;
constexpr int kJobs = 20;

TEST_F(RealAzCopy, EightThreadsTwentyJobsEverySummaryExact) {
  struct Job {
    std::unique_ptr<TempDir> src;
    Tree tree;
    std::string container;
    std::string job_id;
  };
  std::vector<Job> jobs(kJobs);
  for (int i = 0; i < kJobs; ++i) {
    jobs[static_cast<std::size_t>(i)].src = std::make_unique<TempDir>("conc");
    jobs[static_cast<std::size_t>(i)].tree = make_tree(
        jobs[static_cast<std::size_t>(i)].src->path(), 2 + i % 4, 20'000, static_cast<unsigned>(i));
    jobs[static_cast<std::size_t>(i)].container = container("conc");
  }
  std::atomic<int> next_start{0};
  std::atomic<int> errors{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  auto fail = [&](const std::string& what) {
    std::lock_guard lock(failures_mutex);
    failures.push_back(what);
    ++errors;
  };

  // Phase 1: the 8 threads start the 20 jobs, all running at once.
  // Phase 2: every thread polls every job until all are terminal, then checks the summaries.
  std::atomic<int> started{0};
  auto worker = [&] {
    for (int i = next_start++; i < kJobs; i = next_start++) {
      Job& job = jobs[static_cast<std::size_t>(i)];
      try {
        job.job_id =
            runner_->start_copy(job.src->path().string(), url(job.container), upload()).job_id;
      } catch (const AzCopyError& e) {
        fail(std::string("start: ") + e.what());
      }
      ++started;
    }
    while (started.load() < kJobs) {
      std::this_thread::sleep_for(10ms);
    }
    const auto deadline = std::chrono::steady_clock::now() + 300s;
    bool all_done = false;
    while (!all_done && std::chrono::steady_clock::now() < deadline) {
      all_done = true;
      for (const Job& job : jobs) {
        if (job.job_id.empty()) {
          continue;
        }
        try {
          if (!is_terminal(runner_->poll(job.job_id).state)) {
            all_done = false;
          }
        } catch (const AzCopyError& e) {
          fail(std::string("poll: ") + e.what());
        }
      }
      std::this_thread::sleep_for(50ms);
    }
    for (const Job& job : jobs) {
      if (job.job_id.empty()) {
        continue;
      }
      try {
        const AzCopySummary s = runner_->get_summary(job.job_id);
        if (s.state != AzCopyJobState::Succeeded ||
            s.files_transferred != static_cast<std::int64_t>(job.tree.size()) ||
            s.bytes_transferred != total_bytes(job.tree)) {
          fail("job " + job.job_id + ": " + std::string(to_string(s.state)) + " " +
               std::to_string(s.files_transferred) + " files " +
               std::to_string(s.bytes_transferred) + " bytes, expected " +
               std::to_string(job.tree.size()) + " / " + std::to_string(total_bytes(job.tree)));
        }
      } catch (const AzCopyError& e) {
        fail(std::string("summary: ") + e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(worker);
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(errors.load(), 0) << ::testing::PrintToString(failures);
  for (const Job& job : jobs) {
    EXPECT_TRUE(is_valid_job_id(job.job_id));
  }
  EXPECT_EQ(runner_->list_jobs().size(), static_cast<std::size_t>(kJobs));
}

}  // namespace
}  // namespace azcopy_runner::integration
