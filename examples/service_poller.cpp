// SPDX-License-Identifier: MIT
// How a service drives several jobs: each start is handed to a small thread pool, every job is
// polled on an interval, a job whose AzCopy process died is resumed, and each final summary is
// reported. (The crash is simulated: the example SIGKILLs one AzCopy process mid-job, as an
// OOM kill or a redeploy would.)
//
//   example_service_poller SOURCE_DIR CONTAINER_URL_PREFIX SAS [JOBS]
// Job i copies SOURCE_DIR to <CONTAINER_URL_PREFIX><i> (the containers must exist).
#include <azcopy_runner/azcopy_runner.hpp>

#include <csignal>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace azcopy_runner;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: example_service_poller SOURCE_DIR CONTAINER_URL_PREFIX SAS [JOBS]\n";
    return 2;
  }
  const std::string source = argv[1];
  const std::string prefix = argv[2];
  const std::string sas = argv[3];
  const int count = argc > 4 ? std::stoi(argv[4]) : 3;
  std::mutex out_mutex;
  auto say = [&](const std::string& line) {
    std::lock_guard lock(out_mutex);
    std::cout << line << std::endl;
  };
  try {
    AzCopyRunner runner(RunnerConfig::from_env());  // one runner, shared by every thread

    // Start the jobs from a pool of threads, as request handlers would.
    std::vector<std::future<AzCopyJobRef>> starts;
    for (int i = 0; i < count; ++i) {
      starts.push_back(std::async(std::launch::async, [&, i] {
        CopyOptions o;
        o.from_to = "LocalBlob";
        o.extra_args = {"--cap-mbps=24"};  // slow enough to watch (and to crash one mid-way)
        return runner.start_copy(source, prefix + std::to_string(i) + "?" + sas, o);
      }));
    }
    std::vector<AzCopyJobRef> jobs;
    for (auto& f : starts) {
      jobs.push_back(f.get());
      say("started " + jobs.back().job_id);
    }

    // Simulate a crash of the first job's AzCopy once it has made progress.
    bool crashed = false;
    std::map<std::string, AzCopySummary> done;
    std::map<std::string, int> resumes;
    const auto deadline = std::chrono::steady_clock::now() + 10min;
    while (done.size() < jobs.size() && std::chrono::steady_clock::now() < deadline) {
      std::vector<std::future<void>> polls;
      for (const auto& job : jobs) {
        if (done.contains(job.job_id)) {
          continue;
        }
        polls.push_back(std::async(std::launch::async, [&, job] {
          const AzCopyProgress p = runner.poll(job.job_id);
          say(job.job_id.substr(0, 8) + " " + std::string(to_string(p.state)) + " " +
              std::to_string(p.files_transferred) + "/" + std::to_string(p.files_total) +
              " files " + std::to_string(p.bytes_transferred) + " bytes" +
              (p.reason.empty() ? "" : " - " + p.reason));
          std::lock_guard lock(out_mutex);
          if (p.state == AzCopyJobState::Failed && p.resumable && resumes[job.job_id] < 2) {
            ++resumes[job.job_id];
            const AzCopyJobRef again = runner.resume(job.job_id, "", sas);
            std::cout << job.job_id.substr(0, 8) << " resumed (pid " << again.pid << ")\n";
          } else if (is_terminal(p.state)) {
            done[job.job_id] = runner.get_summary(job.job_id);
          }
        }));
      }
      for (auto& f : polls) {
        f.get();
      }
      if (!crashed) {
        const AzCopyProgress first = runner.poll(jobs.front().job_id);
        if (first.state == AzCopyJobState::Running && first.bytes_transferred > 0) {
          ::kill(static_cast<pid_t>(jobs.front().pid), SIGKILL);
          say(jobs.front().job_id.substr(0, 8) + " AzCopy killed (simulated crash)");
          crashed = true;
          std::this_thread::sleep_for(200ms);
        }
      }
      std::this_thread::sleep_for(500ms);
    }
    int failures = 0;
    for (const auto& job : jobs) {
      const auto it = done.find(job.job_id);
      if (it == done.end()) {
        say(job.job_id + " did not finish");
        ++failures;
        continue;
      }
      say(job.job_id + " " + std::string(to_string(it->second.state)) + " " +
          std::to_string(it->second.files_transferred) + " files " +
          std::to_string(it->second.bytes_transferred) + " bytes, resumed " +
          std::to_string(resumes[job.job_id]) + " time(s)");
      if (it->second.state != AzCopyJobState::Succeeded) {
        ++failures;
      }
    }
    if (!crashed || resumes[jobs.front().job_id] == 0) {
      say("the simulated crash did not happen before the job ended");
    }
    return failures == 0 ? 0 : 1;
  } catch (const AzCopyError& e) {
    std::cerr << e.type_name() << ": " << e.what() << "\n" << e.excerpt() << "\n";
    return 1;
  }
}
