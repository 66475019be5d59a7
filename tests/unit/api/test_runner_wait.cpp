// SPDX-License-Identifier: MIT
// get_summary and wait: a summary kept in the record, the polls of a wait, what wakes it, its
// timeout and its stop.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "runner_fixture.hpp"

namespace azcopy_runner {
namespace {

using namespace runner_testing;  // NOLINT(google-build-using-namespace): the shared names

TEST_F(RunnerTest, GetSummaryOfARunningJobThrowsNotFinishedWithThePartialSummary) {
  expect_jobs_show(fixture(kV, "jobs_show_json_inprogress.stdout"));
  try {
    runner().get_summary("7b0a9c2e-1111-4222-8333-444455556666");
    FAIL() << "no error";
  } catch (const AzCopyNotFinishedError& e) {
    EXPECT_EQ(e.partial_summary().state, AzCopyJobState::Running);
    EXPECT_EQ(e.partial_summary().raw_status, "InProgress");
    EXPECT_GT(e.partial_summary().total_transfers, 0);
  }
}

TEST_F(RunnerTest, TerminalSummaryIsKeptInTheRecordAndServedFromThere) {
  expect_spawn(fixture(kV, "copy_json_errors.stdout"));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .Times(1)
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_errors_from_json.stdout"))));
  const auto expect = manifest_case(kV, "copy_json_errors")["expect"];
  const AzCopySummary first = r.get_summary(ref.job_id);
  EXPECT_EQ(first.state, AzCopyJobState::Failed);
  EXPECT_EQ(first.raw_status, "CompletedWithErrors");
  EXPECT_EQ(std::to_string(first.bytes_transferred), expect["TotalBytesTransferred"]);
  EXPECT_EQ(std::to_string(first.failed_transfers), expect["TransfersFailed"]);
  ASSERT_TRUE(first.finished_at.has_value());
  // A second runner (another process, say) reads the record: no second jobs show.
  AzCopyRunner other(config_, launcher_);
  const AzCopySummary again = other.get_summary(ref.job_id);
  EXPECT_EQ(again.files_transferred, first.files_transferred);
  EXPECT_EQ(again.bytes_transferred, first.bytes_transferred);
  EXPECT_EQ(again.state, first.state);
  EXPECT_EQ(other.poll(ref.job_id).state, AzCopyJobState::Failed);
}

TEST_F(RunnerTest, WaitPollsUntilTerminalAndReportsProgress) {
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillRepeatedly(
          Return(exited_with(0, fixture(kV, "jobs_show_json_completed_from_json.stdout"))));
  std::vector<AzCopyJobState> seen;
  const AzCopySummary s = runner().wait("7b0a9c2e-1111-4222-8333-444455556666", 10s, 1ms,
                                        [&](const AzCopyProgress& p) { seen.push_back(p.state); });
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_EQ(seen, (std::vector<AzCopyJobState>{AzCopyJobState::Running, AzCopyJobState::Running,
                                               AzCopyJobState::Succeeded}));
}

// wait() with a long interval still returns as soon as the job's own stdout shows its EndOfJob
// (AzCopy then takes tens of milliseconds more to exit), or as soon as its process ends. With
// a 60 s interval, a wait that only woke at the interval would take 60 s.
TEST_F(RunnerTest, WaitWakesAtTheEndOfJobInTheJobsOwnOutput) {
  const std::string copy = fixture(kV, "copy_json_completed.stdout");
  expect_spawn(until_init(copy));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));  // never exits
  // The first poll answers from the output (no Progress yet: pending); once the EndOfJob is
  // there, `jobs show` is asked for the plan's final figures.
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillRepeatedly(
          Return(exited_with(0, fixture(kV, "jobs_show_json_completed_from_json.stdout"))));
  std::thread finisher([&] {
    std::this_thread::sleep_for(200ms);
    // (The job's directory was renamed to its id once the id was known.)
    std::ofstream(fs::path(ref.log_dir) / "stdout.log", std::ios::binary | std::ios::app)
        << copy.substr(until_init(copy).size());
  });
  const auto t0 = std::chrono::steady_clock::now();
  const AzCopySummary s = r.wait(ref.job_id, 120s, 60s);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  finisher.join();
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_LT(elapsed, 30s);
}

TEST_F(RunnerTest, WaitWakesAtTheExitOfTheJobsProcess) {
  expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
  auto r = runner();
  const auto ref = r.start_copy("src", "dst", CopyOptions{});
  std::atomic<bool> alive{true};
  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Invoke([&](const ProcessIdentity&) {
    return alive.load() ? Liveness::Alive : Liveness::Dead;
  }));
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillRepeatedly(
          Return(exited_with(0, fixture(kV, "jobs_show_json_completed_from_json.stdout"))));
  std::thread exiter([&] {
    std::this_thread::sleep_for(200ms);
    alive = false;
  });
  const auto t0 = std::chrono::steady_clock::now();
  const AzCopySummary s = r.wait(ref.job_id, 120s, 60s);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  exiter.join();
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
  EXPECT_LT(elapsed, 30s);
}

TEST_F(RunnerTest, WaitTimesOutWithNotFinished) {
  expect_jobs_show(fixture(kV, "jobs_show_json_inprogress.stdout"));
  EXPECT_THROW(runner().wait("7b0a9c2e-1111-4222-8333-444455556666", 30ms, 5ms),
               AzCopyNotFinishedError);
}

// WaitOptions' default timeout is no limit (not an overflow into the past).
TEST_F(RunnerTest, WaitWithoutATimeoutWaitsForTheEnd) {
  EXPECT_CALL(*launcher_, run(ArgsStartWith(std::vector<std::string>{"jobs", "show"}), _, _))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillOnce(Return(exited_with(0, fixture(kV, "jobs_show_json_inprogress.stdout"))))
      .WillRepeatedly(
          Return(exited_with(0, fixture(kV, "jobs_show_json_completed_from_json.stdout"))));
  WaitOptions options;
  options.interval = 1ms;
  const AzCopySummary s = runner().wait("7b0a9c2e-1111-4222-8333-444455556666", options);
  EXPECT_EQ(s.state, AzCopyJobState::Succeeded);
}

// A stop requested on WaitOptions::stop ends a wait whose job runs on, whether its process runs
// on this host (the wait sleeps on it) or not (a plain pause), long before the timeout or the
// interval: the error says the wait was stopped, and carries the last progress.
TEST_F(RunnerTest, WaitStopsWhenAStopIsRequested) {
  for (const bool own_process : {true, false}) {
    std::string job_id = "7b0a9c2e-1111-4222-8333-444455556666";
    auto r = runner();
    if (own_process) {
      expect_spawn(until_init(fixture(kV, "copy_json_completed.stdout")));
      job_id = r.start_copy("src", "dst", CopyOptions{}).job_id;
      EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Alive));
    }
    expect_jobs_show(fixture(kV, "jobs_show_json_inprogress.stdout"));
    std::stop_source stop;
    WaitOptions options;
    options.timeout = 600s;
    options.interval = 300s;
    options.stop = stop.get_token();
    int polls = 0;
    options.on_progress = [&](const AzCopyProgress&) { ++polls; };
    std::thread stopper([&] {
      std::this_thread::sleep_for(100ms);
      stop.request_stop();
    });
    try {
      r.wait(job_id, options);
      ADD_FAILURE() << "wait() returned for a running job";
    } catch (const AzCopyNotFinishedError& e) {
      EXPECT_THAT(e.what(), HasSubstr("stopped waiting for job " + job_id)) << own_process;
      // Its own output shows no Progress yet (pending); AzCopy's plan says InProgress.
      EXPECT_EQ(e.partial_summary().state,
                own_process ? AzCopyJobState::Pending : AzCopyJobState::Running);
      EXPECT_EQ(e.partial_summary().job_id, job_id);
    }
    stopper.join();
    EXPECT_EQ(polls, 1) << "one poll, then the stop during the first pause";
    ::testing::Mock::VerifyAndClearExpectations(launcher_.get());
  }
}

}  // namespace
}  // namespace azcopy_runner
