// SPDX-License-Identifier: MIT
// azcopy_runner_bench: Google Benchmark figures measured inside one process.
//
// It reads the manifest written by bench/bench.py (AZCOPY_RUNNER_BENCH_DATA, key=value lines)
// and registers a benchmark for each piece of data present:
//
//   BM_PollOwnOutput/<case>       poll() of a running job started on this host: the fast path
//                                 (the record, the process's liveness, the end of its stdout).
//   BM_PollFromRecord/<case>      poll() of a finished job started on this host (its summary is
//                                 in the record after the first poll).
//   BM_PollViaJobsShow/<case>     poll() of a job with no record here (`azcopy jobs show`),
//   BM_GetSummaryViaJobsShow/...  get_summary() likewise; each iteration also runs the bare
//                                 `azcopy jobs show` with the same flags, in alternating order,
//                                 and the counters give both medians and the median ratio.
//   BM_PollRunningVsJobsShow/FileBlob  poll() of a running COOL started on this host (the fast
//                                 path), paired with the bare `azcopy jobs show` of the same job.
//   BM_ParseJobsShowOutput/<case> parse_summary() of a recorded `jobs show` output.
//
// Run it through scripts/bench.sh (which makes the data), or by hand:
//   AZCOPY_RUNNER_BENCH_DATA=build/bench-data/manifest.txt build/bench/bench/azcopy_runner_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "azcopy_runner/azcopy_runner.hpp"
#include "bench_common.hpp"

namespace {

namespace fs = std::filesystem;
using azcopy_runner::AzCopyJobState;
using azcopy_runner::AzCopyRunner;
using azcopy_runner::bench::bench_config;
using azcopy_runner::bench::median;
using azcopy_runner::bench::run_bare;

std::map<std::string, std::string>& manifest() {
  static std::map<std::string, std::string> m;
  return m;
}

const std::string& item(const std::string& key) { return manifest().at(key); }

/// A runner on the data's work dir and records (the jobs bench.py started).
AzCopyRunner& recorded_runner() {
  static AzCopyRunner runner(bench_config(item("azcopy"), item("work"), item("logs")));
  return runner;
}

/// A runner on the data's work dir but an empty record dir: it knows no job, so every poll and
/// get_summary goes through `azcopy jobs show`.
AzCopyRunner& unrecorded_runner() {
  static const fs::path empty = [] {
    fs::path p =
        fs::temp_directory_path() / ("azcopy-runner-bench-norecords-" + std::to_string(::getpid()));
    fs::remove_all(p);
    return p;
  }();
  static AzCopyRunner runner(bench_config(item("azcopy"), item("work"), empty.string()));
  return runner;
}

void BM_PollOwnOutput(benchmark::State& state, const std::string& job) {
  AzCopyRunner& runner = recorded_runner();
  const auto first = runner.poll(job);
  if (first.state != AzCopyJobState::Running) {
    state.SkipWithError(("job is not running: " + std::string(to_string(first.state))).c_str());
    return;
  }
  std::int64_t running = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    const auto p = runner.poll(job);
    running += p.state == AzCopyJobState::Running ? 1 : 0;
    benchmark::DoNotOptimize(p);
  }
  state.counters["running_fraction"] =
      static_cast<double>(running) / static_cast<double>(state.iterations());
  state.counters["files_total"] = static_cast<double>(first.files_total);
  state.counters["failed"] = static_cast<double>(first.failed_transfers);
}

void BM_PollFromRecord(benchmark::State& state, const std::string& job) {
  AzCopyRunner& runner = recorded_runner();
  const auto first = runner.poll(job);  // the first poll of a finished job asks `jobs show`
  if (!is_terminal(first.state)) {
    state.SkipWithError("job is not finished");
    return;
  }
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    benchmark::DoNotOptimize(runner.poll(job));
  }
  state.counters["failed"] = static_cast<double>(first.failed_transfers);
}

/// One iteration: the bare `azcopy jobs show` and @p ours, in alternating order; the time
/// reported is ours (manual time); the counters hold both medians and the median ratio.
template <typename Ours>
void paired_with_bare(benchmark::State& state, const std::string& job, Ours&& ours) {
  const std::map<std::string, std::string> env{{"AZCOPY_LOG_LOCATION", item("work")},
                                               {"AZCOPY_JOB_PLAN_LOCATION", item("work")}};
  // The flags the runner passes to `jobs show`.
  const std::vector<std::string> args{
      "jobs", "show", job, "--output-type=json", "--log-level=NONE", "--skip-version-check"};
  std::vector<double> bare_s;
  std::vector<double> ours_s;
  std::vector<double> ratios;
  std::size_t bare_bytes = 0;
  ours();  // warm-up (identifies AzCopy once)
  bool bare_first = true;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    double b = 0;
    double o = 0;
    auto time_ours = [&] {
      const auto t0 = std::chrono::steady_clock::now();
      ours();
      o = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    auto time_bare = [&] {
      const auto r = run_bare(item("azcopy"), args, env);
      b = r.seconds;
      bare_bytes = r.out_bytes;
    };
    if (bare_first) {
      time_bare();
      time_ours();
    } else {
      time_ours();
      time_bare();
    }
    bare_first = !bare_first;
    state.SetIterationTime(o);
    bare_s.push_back(b);
    ours_s.push_back(o);
    ratios.push_back(o / b);
  }
  state.counters["bare_median_ms"] = 1000 * median(bare_s);
  state.counters["ours_median_ms"] = 1000 * median(ours_s);
  state.counters["median_ratio"] = median(ratios);
  // The fastest of each: the least disturbed by the other work on a shared machine.
  state.counters["bare_min_ms"] = 1000 * *std::min_element(bare_s.begin(), bare_s.end());
  state.counters["ours_min_ms"] = 1000 * *std::min_element(ours_s.begin(), ours_s.end());
  state.counters["min_ratio"] = state.counters["ours_min_ms"] / state.counters["bare_min_ms"];
  state.counters["bare_output_bytes"] = static_cast<double>(bare_bytes);
}

void BM_PollViaJobsShow(benchmark::State& state, const std::string& job) {
  paired_with_bare(state, job, [&] { benchmark::DoNotOptimize(unrecorded_runner().poll(job)); });
}

/// What the service does while a COOL runs: poll() it (started on this host), against what it
/// would do without the runner (`azcopy jobs show` of the same job).
void BM_PollRunningVsJobsShow(benchmark::State& state, const std::string& job) {
  AzCopyRunner& runner = recorded_runner();
  if (runner.poll(job).state != AzCopyJobState::Running) {
    state.SkipWithError("job is not running");
    return;
  }
  std::int64_t running = 0;
  paired_with_bare(state, job, [&] {
    const auto p = runner.poll(job);
    running += p.state == AzCopyJobState::Running ? 1 : 0;
    benchmark::DoNotOptimize(p);
  });
  // every poll should have seen the job running: otherwise the figure is not the one named
  state.counters["running_fraction"] =
      static_cast<double>(running) / static_cast<double>(state.iterations() + 1);
}

void BM_GetSummaryViaJobsShow(benchmark::State& state, const std::string& job) {
  paired_with_bare(state, job,
                   [&] { benchmark::DoNotOptimize(unrecorded_runner().get_summary(job)); });
}

void BM_ParseJobsShowOutput(benchmark::State& state, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the idiom
    benchmark::DoNotOptimize(azcopy_runner::parse_summary(text));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

}  // namespace

int main(int argc, char** argv) {
  const char* data = std::getenv("AZCOPY_RUNNER_BENCH_DATA");  // NOLINT(concurrency-mt-unsafe)
  if (data == nullptr || !fs::exists(data)) {
    std::cerr << "set AZCOPY_RUNNER_BENCH_DATA to the manifest written by bench/bench.py "
                 "(scripts/bench.sh does it all)\n";
    return 2;
  }
  manifest() = azcopy_runner::bench::read_manifest(data);
  const long long paired_iterations = [] {
    const char* v = std::getenv("AZCOPY_RUNNER_BENCH_PAIRS");  // NOLINT(concurrency-mt-unsafe)
    return v == nullptr ? 41LL : std::strtoll(v, nullptr, 10);
  }();
  auto has = [](const std::string& key) { return manifest().contains(key); };

  if (has("running_fileblob")) {  // first: the COOL runs for about two minutes
    benchmark::RegisterBenchmark("BM_PollRunningVsJobsShow/FileBlob", BM_PollRunningVsJobsShow,
                                 item("running_fileblob"))
        ->Unit(benchmark::kMillisecond)
        ->UseManualTime()
        ->Iterations(paired_iterations);
  }
  for (const auto& [key, label] :
       std::vector<std::pair<std::string, std::string>>{{"running_4files", "4_files"},
                                                        {"running_5000_failed", "5000_failed"},
                                                        {"running_100mb_stdout", "100MB_stdout"}}) {
    if (has(key)) {
      benchmark::RegisterBenchmark(("BM_PollOwnOutput/" + label).c_str(), BM_PollOwnOutput,
                                   item(key))
          ->Unit(benchmark::kMicrosecond)
          ->Repetitions(5)
          ->ReportAggregatesOnly(true);
    }
  }
  for (const auto& [key, label] : std::vector<std::pair<std::string, std::string>>{
           {"job_4files", "4_files"}, {"job_5000_failed", "5000_failed"}}) {
    if (has(key)) {
      benchmark::RegisterBenchmark(("BM_PollFromRecord/" + label).c_str(), BM_PollFromRecord,
                                   item(key))
          ->Unit(benchmark::kMicrosecond)
          ->Repetitions(5)
          ->ReportAggregatesOnly(true);
    }
  }
  for (const auto& [key, label] :
       std::vector<std::pair<std::string, std::string>>{{"job_4files", "4_files"},
                                                        {"job_5000_failed", "5000_failed"},
                                                        {"job_20000_failed", "20000_failed"}}) {
    if (has(key)) {
      benchmark::RegisterBenchmark(("BM_PollViaJobsShow/" + label).c_str(), BM_PollViaJobsShow,
                                   item(key))
          ->Unit(benchmark::kMillisecond)
          ->UseManualTime()
          ->Iterations(paired_iterations);
      benchmark::RegisterBenchmark(("BM_GetSummaryViaJobsShow/" + label).c_str(),
                                   BM_GetSummaryViaJobsShow, item(key))
          ->Unit(benchmark::kMillisecond)
          ->UseManualTime()
          ->Iterations(paired_iterations);
    }
  }
  for (const auto& [key, label] : std::vector<std::pair<std::string, std::string>>{
           {"show_4files_file", "4_files"}, {"show_5000_failed_file", "5000_failed"}}) {
    if (has(key)) {
      benchmark::RegisterBenchmark(("BM_ParseJobsShowOutput/" + label).c_str(),
                                   BM_ParseJobsShowOutput, item(key))
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
