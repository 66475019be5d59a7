// SPDX-License-Identifier: MIT
// azcopy_runner_bench_tool: the measurements that need a process of their own, and the helpers
// that make the benchmark data. Driven by bench/bench.py; every mode prints `key=value` lines.
//
//   start          --src S --dst D [--from-to F] [--arg A]...   start a job, print its id
//   wait           --job ID [--timeout-s N]                      wait for a job, print figures
//   upload         --src S --dst D [--from-to F] [--overwrite V] [--arg A]... [--interval-ms N]
//                  [--poll-every-ms M]                          start, wait (polling every N
//                                   ms), summary; with M, a second thread polls the running
//                                   job every M ms and times it; VmHWM along the way,
//                                   and the process's own CPU time
//   memory         --job ID [--first 1 [--no-log 1]]             VmHWM growth of get_summary;
//                                   with --first, of the first get_summary of the finished job
//                                   (its record without a summary: AzCopy's log is read too;
//                                   with --no-log, the same with that log out of reach)
//   scan-log       --log FILE [--runs N]                         AzCopy's log read for the
//                                   reasons of failed transfers, against a bare pass over it
//   start-latency  --src S --dst D [--runs N]                    start_copy return vs Init
//   cpu            --src-file F --dst CONTAINER_URL [--jobs N] [--interval-ms N] [--seconds N]
//                  [--cap-mbps X]                                CPU of polling N running jobs
//   soak           --src S --dst D [--jobs N] [--threads T] [--prune-every K] [--prune-age-s A]
//                  [--expect-state S] [--expect-files N] [--expect-bytes N] [--checkpoints C]
//                                   N jobs started, waited for and checked from T threads of
//                                   one runner, pruned every K jobs (age A); prints the
//                                   runner's memory, descriptors, threads, zombie children and
//                                   disk use at C checkpoints
// Common options: --azcopy PATH --work DIR (AzCopy's plans and logs) --logs DIR (records),
// --azcopy-env NAME=VALUE (repeated: RunnerConfig::extra_env, AzCopy's further variables).
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "azcopy_runner/azcopy_runner.hpp"
#include "bench_common.hpp"
#include "parse/failure_log.hpp"  // src/: the scan of AzCopy's log, measured alone

namespace {

namespace fs = std::filesystem;
using azcopy_runner::AzCopyJobRef;
using azcopy_runner::AzCopyProgress;
using azcopy_runner::AzCopyRunner;
using azcopy_runner::AzCopySummary;
using azcopy_runner::CopyOptions;
using azcopy_runner::RunnerConfig;
using azcopy_runner::bench::bench_config;
using azcopy_runner::bench::median;
using azcopy_runner::bench::proc_status_kib;
using Clock = std::chrono::system_clock;
using namespace std::chrono_literals;

struct Args {
  std::map<std::string, std::string> named;
  std::vector<std::string> extra;          // repeated --arg
  std::map<std::string, std::string> env;  // repeated --azcopy-env NAME=VALUE

  [[nodiscard]] std::string get(const std::string& key, const std::string& fallback = {}) const {
    const auto it = named.find(key);
    if (it != named.end()) {
      return it->second;
    }
    if (fallback.empty()) {
      throw std::runtime_error("missing --" + key);
    }
    return fallback;
  }
  [[nodiscard]] long long num(const std::string& key, long long fallback) const {
    const auto it = named.find(key);
    return it == named.end() ? fallback : std::stoll(it->second);
  }
};

Args parse_args(int argc, char** argv, int first) {
  Args a;
  for (int i = first; i < argc; ++i) {
    const std::string key = argv[i];
    if (!key.starts_with("--") || i + 1 >= argc) {
      throw std::runtime_error("bad argument: " + key);
    }
    const std::string value = argv[++i];
    if (key == "--arg") {
      a.extra.push_back(value);
    } else if (key == "--azcopy-env") {
      const auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw std::runtime_error("bad --azcopy-env (NAME=VALUE expected): " + value);
      }
      a.env[value.substr(0, eq)] = value.substr(eq + 1);
    } else {
      a.named[key.substr(2)] = value;
    }
  }
  return a;
}

AzCopyRunner make_runner(const Args& a) {
  RunnerConfig config = bench_config(a.get("azcopy"), a.get("work"), a.get("logs"));
  config.extra_env = a.env;
  return AzCopyRunner(std::move(config));
}

CopyOptions upload_options(const Args& a) {
  CopyOptions o;
  o.from_to = a.get("from-to", "LocalBlob");
  o.overwrite = a.get("overwrite", "true");
  o.extra_args = a.extra;
  return o;
}

/// This process's own CPU time (user and system, its children not counted), in seconds.
double process_cpu_s() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// "2026-11-29T20:17:08.44076168Z" -> time point (UTC); std::nullopt when malformed.
std::optional<Clock::time_point> parse_rfc3339(const std::string& s) {
  // YYYY-MM-DDTHH:MM:SS at fixed offsets
  auto field = [&s](std::size_t pos, std::size_t len, int& out) {
    const char* first = s.data() + pos;
    return pos + len <= s.size() && std::from_chars(first, first + len, out).ptr == first + len;
  };
  std::tm tm{};
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || !field(0, 4, tm.tm_year) ||
      !field(5, 2, tm.tm_mon) || !field(8, 2, tm.tm_mday) || !field(11, 2, tm.tm_hour) ||
      !field(14, 2, tm.tm_min) || !field(17, 2, tm.tm_sec)) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t secs = ::timegm(&tm);
  double frac = 0;
  const std::size_t start = 19;
  if (start < s.size() && s[start] == '.') {
    const std::size_t end = s.find_first_not_of("0123456789", start + 1);
    std::string digits = "0";
    digits.append(s, start, end == std::string::npos ? std::string::npos : end - start);
    frac = std::stod(digits);
  }
  return Clock::from_time_t(secs) +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(frac));
}

/// The TimeStamp of the first line of @p file whose MessageType is @p type.
std::optional<Clock::time_point> first_timestamp(const fs::path& file, const std::string& type) {
  std::ifstream in(file);
  const std::string needle = R"("MessageType":")" + type + R"(")";
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) == std::string::npos) {
      continue;
    }
    const std::string key = R"("TimeStamp":")";
    const auto pos = line.find(key);
    if (pos == std::string::npos) {
      return std::nullopt;
    }
    const auto begin = pos + key.size();
    return parse_rfc3339(line.substr(begin, line.find('"', begin) - begin));
  }
  return std::nullopt;
}

bool file_contains(const fs::path& file, const std::string& needle) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

/// The destination URL of @p container_url with "/name" appended to its path (before the SAS).
std::string with_blob(const std::string& container_url, const std::string& name) {
  const auto q = container_url.find('?');
  if (q == std::string::npos) {
    return container_url + "/" + name;
  }
  return container_url.substr(0, q) + "/" + name + container_url.substr(q);
}

/// wait() that outlasts the transient failure of `azcopy jobs show` while AzCopy is still
/// writing a new job's plan (seen with 20,000 files: the reader dies of SIGBUS, exit code 2):
/// the runner reports it as AzCopyParseError; here it is counted and the wait goes on.
AzCopySummary wait_through(AzCopyRunner& runner, const std::string& job,
                           std::chrono::milliseconds interval, int& parse_errors,
                           const azcopy_runner::ProgressCallback& on_progress = {}) {
  while (true) {
    try {
      return runner.wait(job, 2h, interval, on_progress);
    } catch (const azcopy_runner::AzCopyParseError& e) {
      ++parse_errors;
      std::cerr << "wait " << job << ": " << e.what() << " (retrying)\n";
      if (parse_errors > 100) {
        throw;
      }
      std::this_thread::sleep_for(interval);
    }
  }
}

void print_summary(const AzCopySummary& s) {
  std::cout << "state=" << to_string(s.state) << "\nraw_status=" << s.raw_status
            << "\nfiles_transferred=" << s.files_transferred
            << "\nbytes_transferred=" << s.bytes_transferred
            << "\nfailed_transfers=" << s.failed_transfers
            << "\ntotal_transfers=" << s.total_transfers
            << "\nraw_summary_bytes=" << s.raw_summary.size()
            << "\nfailed_files=" << s.failed_files.size()
            << "\nfailed_files_omitted=" << s.failed_files_omitted << "\n";
}

int cmd_start(const Args& a) {
  AzCopyRunner runner = make_runner(a);
  const AzCopyJobRef ref = runner.start_copy(a.get("src"), a.get("dst"), upload_options(a));
  std::cout << "job_id=" << ref.job_id << "\nlog_dir=" << ref.log_dir << "\npid=" << ref.pid
            << "\n";
  return 0;
}

int cmd_wait(const Args& a) {
  AzCopyRunner runner = make_runner(a);
  int parse_errors = 0;
  const AzCopySummary s = wait_through(runner, a.get("job"), 200ms, parse_errors);
  std::cout << "parse_errors=" << parse_errors << "\n";
  print_summary(s);
  return 0;
}

/// While wait() runs, a second thread polls the job every @p every, as a service's status page
/// would, and times each poll (the runner's poll of a running job, from its own process).
class Poller {
 public:
  Poller(AzCopyRunner& runner, std::string job, std::chrono::milliseconds every)
      : runner_(runner), job_(std::move(job)), every_(every) {
    if (every_.count() > 0) {
      thread_ = std::thread([this] { run(); });
    }
  }
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;
  ~Poller() { stop(); }

  void stop() {
    done_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  /// Only after stop().
  [[nodiscard]] const std::vector<double>& poll_ms() const { return poll_ms_; }
  [[nodiscard]] int errors() const { return errors_; }

 private:
  void run() {
    while (!done_) {
      for (auto slept = 0ms; slept < every_ && !done_; slept += 50ms) {
        std::this_thread::sleep_for(50ms);
      }
      if (done_) {
        return;
      }
      const auto t0 = Clock::now();
      try {
        if (runner_.poll(job_).state != azcopy_runner::AzCopyJobState::Running) {
          continue;  // only the polls of the running job are timed
        }
        poll_ms_.push_back(ms_between(t0, Clock::now()));
      } catch (const azcopy_runner::AzCopyError& e) {
        ++errors_;
        std::cerr << "poll " << job_ << ": " << e.what() << "\n";
      }
    }
  }

  AzCopyRunner& runner_;
  std::string job_;
  std::chrono::milliseconds every_;
  std::atomic<bool> done_{false};
  std::vector<double> poll_ms_;
  int errors_ = 0;
  std::thread thread_;
};

/// The whole-process comparison with a bare `azcopy copy`: start, poll every interval (wait()),
/// then the summary. bench.py times this process from the outside. With --poll-every-ms, a
/// second thread also polls the running job and times it. The process's VmHWM after the
/// start, at the last progress wait() reported, and after the summary says what waiting and
/// reading the summary cost in memory; cpu_ms is its own CPU time, AzCopy's not counted.
int cmd_upload(const Args& a) {
  AzCopyRunner runner = make_runner(a);
  const auto t0 = Clock::now();
  const AzCopyJobRef ref = runner.start_copy(a.get("src"), a.get("dst"), upload_options(a));
  const auto t1 = Clock::now();
  const std::int64_t hwm_started = proc_status_kib("VmHWM");
  std::int64_t hwm_waiting = hwm_started;
  int polls = 0;
  int parse_errors = 0;
  Poller poller(runner, ref.job_id, std::chrono::milliseconds(a.num("poll-every-ms", 0)));
  const AzCopySummary s =
      wait_through(runner, ref.job_id, std::chrono::milliseconds(a.num("interval-ms", 1000)),
                   parse_errors, [&](const AzCopyProgress&) {
                     ++polls;
                     hwm_waiting = std::max(hwm_waiting, proc_status_kib("VmHWM"));
                   });
  const auto t2 = Clock::now();
  poller.stop();
  const std::int64_t hwm_summary = proc_status_kib("VmHWM");
  std::cout << "job_id=" << ref.job_id << "\nstart_ms=" << ms_between(t0, t1)
            << "\ntotal_ms=" << ms_between(t0, t2) << "\npolls=" << polls
            << "\nparse_errors=" << parse_errors << "\nhwm_started_kib=" << hwm_started
            << "\nhwm_waiting_kib=" << hwm_waiting << "\nhwm_summary_kib=" << hwm_summary
            << "\ncpu_ms=" << 1000 * process_cpu_s() << "\n";
  if (!poller.poll_ms().empty()) {
    std::vector<double> times = poller.poll_ms();
    std::cout << "running_polls=" << times.size() << "\nrunning_poll_ms_median=" << median(times)
              << "\nrunning_poll_ms_max=" << *std::max_element(times.begin(), times.end())
              << "\nrunning_poll_errors=" << poller.errors() << "\n";
  }
  // Where the time goes: AzCopy's own Init and EndOfJob against this process's clock.
  const fs::path out = fs::path(ref.log_dir) / "stdout.log";
  if (const auto init = first_timestamp(out, "Init")) {
    std::cout << "start_to_init_ms=" << ms_between(t0, *init) << "\n";
  }
  if (const auto end = first_timestamp(out, "EndOfJob")) {
    std::cout << "end_of_job_to_summary_ms=" << ms_between(*end, t2) << "\n";
    if (const auto init = first_timestamp(out, "Init")) {
      std::cout << "init_to_end_of_job_ms=" << ms_between(*init, *end) << "\n";
    }
  }
  print_summary(s);
  return 0;
}

/// A copy, in @p fresh_logs, of job @p id's record in @p logs as it was before its summary was
/// first read: no summary, its own stdout beside it, AzCopy's log where it was. get_summary()
/// then goes the way of a job seen finished for the first time (`jobs show`, the job's own
/// output, AzCopy's log for the reasons of its failed transfers).
void copy_record_without_summary(const fs::path& logs, const fs::path& fresh_logs,
                                 const std::string& id, bool without_azcopy_log) {
  std::ifstream in(logs / id / "record.json");
  nlohmann::ordered_json record = nlohmann::ordered_json::parse(in);
  record.erase("summary");
  record["last_state"] = "RUNNING";
  record["process_dir"] = "";
  record["process"]["pid"] = 0;
  if (without_azcopy_log) {  // the baseline: everything else the first summary does
    record["ref"]["azcopy_log_file"] = (fresh_logs / "no-such-azcopy.log").string();
  }
  const fs::path dir = fresh_logs / id;
  fs::create_directories(dir);
  fs::permissions(fresh_logs, fs::perms::owner_all, fs::perm_options::replace);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  record["ref"]["log_dir"] = dir.string();
  fs::copy_file(logs / id / "stdout.log", dir / "stdout.log");
  std::ofstream(dir / "record.json") << record.dump(2);
  fs::permissions(dir / "record.json", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  fs::permissions(dir / "stdout.log", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
}

/// Peak memory of get_summary() through `azcopy jobs show` in a fresh process: the runner is
/// built and AzCopy identified first; then VmHWM is read, get_summary() runs, VmHWM again.
/// With --first 1: of the first get_summary() of the finished job (see above).
int cmd_memory(const Args& a) {
  const fs::path logs =
      fs::temp_directory_path() / ("azcopy-runner-bench-memory-" + std::to_string(::getpid()));
  fs::remove_all(logs);
  if (a.get("first", "0") == "1") {
    copy_record_without_summary(a.get("logs"), logs, a.get("job"), a.get("no-log", "0") == "1");
  }
  AzCopyRunner runner(bench_config(a.get("azcopy"), a.get("work"), logs.string()));
  static_cast<void>(runner.azcopy_version());
  const std::int64_t rss_before = proc_status_kib("VmRSS");
  const std::int64_t hwm_before = proc_status_kib("VmHWM");
  const auto t0 = Clock::now();
  const AzCopySummary s = runner.get_summary(a.get("job"));
  const auto t1 = Clock::now();
  const std::int64_t hwm_after = proc_status_kib("VmHWM");
  const std::int64_t rss_after = proc_status_kib("VmRSS");
  std::cout << "hwm_before_kib=" << hwm_before << "\nhwm_after_kib=" << hwm_after
            << "\nhwm_growth_kib=" << hwm_after - hwm_before << "\nrss_before_kib=" << rss_before
            << "\nrss_after_kib=" << rss_after << "\nget_summary_ms=" << ms_between(t0, t1)
            << "\nfailure_causes=" << s.failure_causes.size() << "\nexplained_files="
            << std::count_if(s.failed_files.begin(), s.failed_files.end(),
                             [](const azcopy_runner::FailedFile& f) { return !f.reason.empty(); })
            << "\n";
  print_summary(s);
  fs::remove_all(logs);
  return 0;
}

/// One pass over @p file that any reading of its lines must make: read(2) in 1 MiB steps and
/// memchr for every line break. Returns the number of lines.
std::int64_t bare_pass(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> buf(std::size_t{1} << 20);
  std::int64_t lines = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    for (const char* p = buf.data();
         (p = static_cast<const char*>(
              std::memchr(p, '\n', got - static_cast<std::size_t>(p - buf.data())))) != nullptr;
         ++p) {
      ++lines;
    }
  }
  return lines;
}

/// The scan of AzCopy's log for the reasons of failed transfers (read_failure_log, as the
/// first summary of a finished job runs it), against bare_pass() of the same file, alternated;
/// medians of N runs each, and the peak memory growth of the scans.
int cmd_scan_log(const Args& a) {
  const fs::path log = a.get("log");
  const long long runs = a.num("runs", 7);
  std::vector<double> scan_ms;
  std::vector<double> bare_ms;
  std::int64_t failures = 0;
  std::int64_t lines = 0;
  const std::int64_t hwm_before = proc_status_kib("VmHWM");
  for (long long i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    failures = azcopy_runner::detail::read_failure_log(log, {}).failures;
    const auto t1 = Clock::now();
    lines = bare_pass(log);
    const auto t2 = Clock::now();
    scan_ms.push_back(ms_between(t0, t1));
    bare_ms.push_back(ms_between(t1, t2));
  }
  std::cout << "log_bytes=" << fs::file_size(log) << "\nlines=" << lines
            << "\nfailures=" << failures << "\nscan_median_ms=" << median(scan_ms)
            << "\nbare_median_ms=" << median(bare_ms)
            << "\nratio=" << median(scan_ms) / median(bare_ms)
            << "\nhwm_growth_kib=" << proc_status_kib("VmHWM") - hwm_before << "\n";
  return 0;
}

/// start_copy() on a large source: when it returns, compared with AzCopy's Init TimeStamp, and
/// whether AzCopy's scan had finished ("Final job part has been created" in its log).
int cmd_start_latency(const Args& a) {
  AzCopyRunner runner = make_runner(a);
  static_cast<void>(runner.azcopy_version());
  const long long runs = a.num("runs", 5);
  std::vector<double> diffs;
  int scan_done_at_return = 0;
  for (long long i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    const AzCopyJobRef ref = runner.start_copy(a.get("src"), a.get("dst"), upload_options(a));
    const auto returned = Clock::now();
    const fs::path azlog = fs::path(a.get("work")) / (ref.job_id + ".log");
    const bool scanned = file_contains(azlog, "Final job part has been created");
    const fs::path out = fs::path(ref.log_dir) / "stdout.log";
    const auto init = first_timestamp(out, "Init");
    // When did the scan end? Wait for the log line (its time has a 1 s resolution) and note
    // when it was seen; the first Progress message comes after it.
    std::optional<Clock::time_point> scan_seen;
    std::optional<Clock::time_point> first_progress;
    const auto limit = Clock::now() + 300s;
    while (Clock::now() < limit && (!scan_seen || !first_progress)) {
      if (!scan_seen && file_contains(azlog, "Final job part has been created")) {
        scan_seen = Clock::now();
      }
      if (!first_progress) {
        first_progress = first_timestamp(out, "Progress");
      }
      std::this_thread::sleep_for(20ms);
    }
    try {
      static_cast<void>(runner.cancel(ref.job_id, 10s));
    } catch (const azcopy_runner::AzCopyError& e) {
      std::cerr << "cancel " << ref.job_id << ": " << e.what() << "\n";
    }
    const double diff = init ? ms_between(*init, returned) : kNaN;
    diffs.push_back(diff);
    scan_done_at_return += scanned ? 1 : 0;
    std::cout << "run=" << i << " job_id=" << ref.job_id
              << " start_copy_ms=" << ms_between(t0, returned) << " return_minus_init_ms=" << diff
              << " scan_done_at_return=" << scanned << " scan_end_seen_after_return_ms="
              << (scan_seen ? ms_between(returned, *scan_seen) : kNaN)
              << " first_progress_after_return_ms="
              << (first_progress ? ms_between(returned, *first_progress) : kNaN) << "\n";
  }
  std::cout << "median_return_minus_init_ms=" << median(diffs)
            << "\nscan_done_at_return=" << scan_done_at_return << "\nruns=" << runs << "\n";
  return 0;
}

/// N throttled jobs polled every interval for a while from this process: the process's own
/// CPU time (user + system; children are not counted in RUSAGE_SELF) over the wall time.
int cmd_cpu(const Args& a) {
  AzCopyRunner runner = make_runner(a);
  static_cast<void>(runner.azcopy_version());
  const long long jobs = a.num("jobs", 20);
  const auto interval = std::chrono::milliseconds(a.num("interval-ms", 100));
  const auto duration = std::chrono::seconds(a.num("seconds", 60));
  CopyOptions o = upload_options(a);
  o.extra_args.push_back("--cap-mbps=" + a.get("cap-mbps", "1"));
  std::vector<std::string> ids;
  for (long long i = 0; i < jobs; ++i) {
    ids.push_back(runner
                      .start_copy(a.get("src-file"),
                                  with_blob(a.get("dst"), "cpu-" + std::to_string(i) + ".bin"), o)
                      .job_id);
  }
  // Let each job leave Pending (its plan written) before measuring the steady state.
  std::this_thread::sleep_for(3s);
  std::map<std::string, int> states;
  long long polls = 0;
  const double cpu0 = process_cpu_s();
  const auto w0 = std::chrono::steady_clock::now();
  auto next = w0;
  while (std::chrono::steady_clock::now() - w0 < duration) {
    for (const auto& id : ids) {
      try {
        states[std::string(to_string(runner.poll(id).state))] += 1;
      } catch (const azcopy_runner::AzCopyError&) {
        states["error"] += 1;
      }
      ++polls;
    }
    next += interval;
    std::this_thread::sleep_until(next);
  }
  const double cpu1 = process_cpu_s();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  std::cout << "jobs=" << jobs << "\npolls=" << polls << "\nwall_s=" << wall
            << "\ncpu_s=" << cpu1 - cpu0
            << "\ncpu_percent_of_one_core=" << 100.0 * (cpu1 - cpu0) / wall
            << "\nus_per_poll=" << 1e6 * (cpu1 - cpu0) / static_cast<double>(polls) << "\n";
  for (const auto& [state, count] : states) {
    std::cout << "polls_" << state << "=" << count << "\n";
  }
  std::vector<std::future<void>> cancels;
  cancels.reserve(ids.size());
  for (const auto& id : ids) {
    cancels.push_back(std::async(std::launch::async, [&runner, id] {
      try {
        static_cast<void>(runner.cancel(id, 10s));
      } catch (const std::exception& e) {
        std::cerr << "cancel " << id << ": " << e.what() << "\n";
      }
    }));
  }
  for (auto& f : cancels) {
    f.get();
  }
  return 0;
}

/// What a long-running runner holds, at one instant.
struct Gauge {
  long long jobs = 0;
  std::int64_t rss_kib = 0;
  long fds = 0;
  long threads = 0;
  long zombies = 0;
  std::uintmax_t disk_bytes = 0;
};

long count_entries(const fs::path& dir) {
  long n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    ++n;
  }
  return n;
}

/// Children of this process that exited and were not reaped.
long zombie_children() {
  long n = 0;
  const std::string self = std::to_string(::getpid());
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    std::ifstream in(it->path() / "stat");
    std::string text;
    std::getline(in, text);
    const auto close = text.rfind(')');
    if (close == std::string::npos) {
      continue;
    }
    std::istringstream fields(text.substr(close + 1));
    std::string state;
    std::string ppid;
    fields >> state >> ppid;
    n += state == "Z" && ppid == self ? 1 : 0;
  }
  return n;
}

std::uintmax_t disk_bytes(const std::vector<fs::path>& dirs) {
  std::uintmax_t total = 0;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code size_ec;
      if (it->is_regular_file(size_ec)) {
        const auto size = it->file_size(size_ec);
        total += size_ec ? 0 : size;
      }
    }
  }
  return total;
}

Gauge gauge(long long jobs, const std::vector<fs::path>& dirs) {
  return Gauge{jobs,
               proc_status_kib("VmRSS"),
               count_entries("/proc/self/fd"),
               static_cast<long>(count_entries("/proc/self/task")),
               zombie_children(),
               disk_bytes(dirs)};
}

void print_gauge(const std::string& key, const Gauge& g) {
  std::cout << key << "=" << g.jobs << " " << g.rss_kib << " " << g.fds << " " << g.threads << " "
            << g.zombies << " " << g.disk_bytes << std::endl;
}

/// One runner, many short jobs from several threads: each started, waited for, its summary
/// checked against what is expected, and the ended jobs pruned as they go.
int cmd_soak(const Args& a) {
  AzCopyRunner runner = make_runner(a);
  const long long jobs = a.num("jobs", 500);
  const long long threads = a.num("threads", 8);
  const long long prune_every = std::max(1LL, a.num("prune-every", 25));
  const std::chrono::seconds prune_age(a.num("prune-age-s", 30));
  const long long checkpoints = std::max(1LL, a.num("checkpoints", 10));
  const std::string expect_state = a.get("expect-state", "SUCCEEDED");
  const long long expect_files = a.num("expect-files", -1);
  const long long expect_bytes = a.num("expect-bytes", -1);
  const std::vector<fs::path> dirs{a.get("work"), a.get("logs")};
  const CopyOptions options = upload_options(a);
  std::atomic<long long> next{0};
  std::atomic<long long> done{0};
  std::atomic<long long> mismatches{0};
  std::atomic<long long> errors{0};
  std::atomic<long long> removed{0};
  std::atomic<std::uintmax_t> disk_max{0};
  std::mutex out_mutex;
  const auto report = [&](const std::string& what) {
    std::lock_guard lock(out_mutex);
    std::cerr << what << "\n";
  };
  print_gauge("gauge_start", gauge(0, dirs));
  const auto t0 = std::chrono::steady_clock::now();
  const auto work = [&] {
    for (long long i = next++; i < jobs; i = next++) {
      try {
        const AzCopyJobRef ref = runner.start_copy(a.get("src"), a.get("dst"), options);
        azcopy_runner::WaitOptions w;
        w.interval = 100ms;
        w.timeout = 10min;
        const AzCopySummary s = runner.wait(ref.job_id, w);
        if (to_string(s.state) != expect_state ||
            (expect_files >= 0 && s.files_transferred != expect_files) ||
            (expect_bytes >= 0 && s.bytes_transferred != expect_bytes)) {
          if (mismatches++ < 5) {
            report("mismatch: job " + ref.job_id + " " + std::string(to_string(s.state)) + " " +
                   std::to_string(s.files_transferred) + " files " +
                   std::to_string(s.bytes_transferred) + " bytes");
          }
        }
      } catch (const std::exception& e) {
        if (errors++ < 5) {
          report(std::string("error: ") + e.what());
        }
      }
      const long long d = ++done;
      if (d % prune_every == 0) {
        removed += static_cast<long long>(runner.prune(prune_age).removed_jobs.size());
      }
      if (d % std::max(1LL, jobs / checkpoints) == 0) {
        const Gauge g = gauge(d, dirs);
        disk_max = std::max<std::uintmax_t>(disk_max, g.disk_bytes);
        std::lock_guard lock(out_mutex);
        print_gauge("checkpoint_" + std::to_string(d), g);
      }
    }
  };
  std::vector<std::thread> pool;
  for (long long t = 0; t < threads; ++t) {
    pool.emplace_back(work);
  }
  for (auto& t : pool) {
    t.join();
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // AzCopy exits up to a 2-second tick after its summary: prune until every job is gone.
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (true) {
    removed += static_cast<long long>(runner.prune(0s).removed_jobs.size());
    if (removed >= done || std::chrono::steady_clock::now() >= give_up) {
      break;
    }
    std::this_thread::sleep_for(500ms);
  }
  std::this_thread::sleep_for(200ms);
  print_gauge("gauge_end", gauge(done, dirs));
  std::cout << "jobs=" << done << "\nthreads=" << threads << "\nwall_s=" << wall
            << "\nmismatches=" << mismatches << "\nerrors=" << errors << "\nremoved=" << removed
            << "\ndisk_bytes_max=" << disk_max << "\n";
  return mismatches == 0 && errors == 0 ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: azcopy_runner_bench_tool MODE --azcopy PATH --work DIR --logs DIR ...\n";
    return 2;
  }
  try {
    const std::string mode = argv[1];
    const Args a = parse_args(argc, argv, 2);
    std::cout.precision(6);
    if (mode == "start") {
      return cmd_start(a);
    }
    if (mode == "wait") {
      return cmd_wait(a);
    }
    if (mode == "upload") {
      return cmd_upload(a);
    }
    if (mode == "memory") {
      return cmd_memory(a);
    }
    if (mode == "scan-log") {
      return cmd_scan_log(a);
    }
    if (mode == "start-latency") {
      return cmd_start_latency(a);
    }
    if (mode == "cpu") {
      return cmd_cpu(a);
    }
    if (mode == "soak") {
      return cmd_soak(a);
    }
    std::cerr << "unknown mode " << mode << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "azcopy_runner_bench_tool: " << e.what() << "\n";
    return 1;
  }
}
