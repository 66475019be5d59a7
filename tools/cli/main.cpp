// SPDX-License-Identifier: MIT
/// @file main.cpp
/// @brief `azcopy-runner`: start, watch, cancel and resume AzCopy copy jobs from the shell.
/// See `azcopy-runner --help`, and exit_codes.hpp for the exit codes.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "azcopy_runner/azcopy_runner.hpp"
#include "exit_codes.hpp"
#include "help.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "text/text.hpp"

namespace azcopy_runner::cli {
namespace {

using std::chrono::milliseconds;

// ---- Ctrl-C while waiting ----

// Set by the signal handler, read by the watcher thread: a lock-free atomic (a volatile
// sig_atomic_t is safe for the handler's own thread only; TSan reported the race).
std::atomic<int> g_interrupted{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void on_interrupt(int signal_number) {
  if (g_interrupted.load() != 0) {
    // Second Ctrl-C: give up at once, the default way (async-signal-safe calls only).
    (void)std::signal(signal_number, SIG_DFL);
    (void)std::raise(signal_number);
    return;
  }
  g_interrupted.store(1);
}

/// Installs on_interrupt() for SIGINT while alive: waiting stops at the next check, the AzCopy
/// job (in its own session) keeps running.
class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    installed_ = sigaction(SIGINT, &action, &previous_) == 0;
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  InterruptGuard(InterruptGuard&&) = delete;
  InterruptGuard& operator=(InterruptGuard&&) = delete;
  ~InterruptGuard() {
    if (installed_) {
      sigaction(SIGINT, &previous_, nullptr);
    }
  }

 private:
  struct sigaction previous_ {};
  bool installed_ = false;
};

bool interrupted() { return g_interrupted.load() != 0; }

// ---- helpers ----

/// Reads a whole file, or stdin for "-". @throws CliError (IOError).
std::string read_input(const std::string& path) {
  std::string text;
  std::array<char, std::size_t{64} * 1024> buffer{};
  const auto read_all = [&](std::istream& in) {
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
      text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    return !in.bad();
  };
  if (path == "-") {
    if (!read_all(std::cin)) {
      throw CliError("IOError", "cannot read standard input", kExitOtherError);
    }
    return text;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    const int error = errno;
    throw CliError(
        "IOError",
        fmt::format("cannot open '{}': {}", redact(path),
                    error != 0 ? std::generic_category().message(error) : "unknown error"),
        kExitOtherError);
  }
  if (!read_all(in)) {
    throw CliError("IOError", fmt::format("cannot read '{}'", redact(path)), kExitOtherError);
  }
  return text;
}

/// The SAS token held by the environment variable @p variable (named by @p option), surrounding
/// blanks removed (AzCopyRunner::resume() takes it with or without its leading '?').
/// @throws UsageError when the variable is not set.
std::string sas_from_env(const std::optional<std::string>& variable, std::string_view option) {
  if (!variable) {
    return {};
  }
  const char* value =
      std::getenv(variable->c_str());  // NOLINT(concurrency-mt-unsafe): no setenv here
  if (value == nullptr) {
    throw UsageError(
        fmt::format("environment variable {} (named by {}) is not set", *variable, option),
        Command::Resume);
  }
  std::string_view sas(value);
  while (!sas.empty() && (sas.front() == ' ' || sas.front() == '\t' || sas.front() == '\n')) {
    sas.remove_prefix(1);
  }
  while (!sas.empty() &&
         (sas.back() == ' ' || sas.back() == '\t' || sas.back() == '\n' || sas.back() == '\r')) {
    sas.remove_suffix(1);
  }
  return std::string(sas);
}

/// Warnings always go to stderr (e.g. a default work dir skipped because another user made
/// it); -v adds what the runner does, -vv more.
std::shared_ptr<spdlog::logger> make_logger(int verbosity) {
  auto logger = std::make_shared<spdlog::logger>(
      "azcopy-runner", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_level(verbosity >= 2   ? spdlog::level::trace
                    : verbosity == 1 ? spdlog::level::debug
                                     : spdlog::level::warn);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  return logger;
}

// ---- the commands ----

class Cli {
 public:
  explicit Cli(ParsedArgs args) : args_(std::move(args)) {}

  int run() {
    try {
      return dispatch();
    } catch (const std::exception& error) {
      report_error(error);
      return error_exit_code(error);
    }
  }

 private:
  int dispatch() {
    switch (args_.command) {
      case Command::Copy:
        return copy();
      case Command::Poll:
        return poll();
      case Command::Summary:
        return summary();
      case Command::Wait:
        return wait();
      case Command::Cancel:
        return cancel();
      case Command::Resume:
        return resume();
      case Command::Jobs:
        return jobs();
      case Command::Remove:
        return remove();
      case Command::Prune:
        return prune();
      case Command::Parse:
        return parse();
      case Command::Version:
        return version();
      case Command::None:
      case Command::Help:
        break;
    }
    fmt::print("{}", help_text(args_.help_topic));
    return kExitSuccess;
  }

  AzCopyRunner& runner() {
    if (!runner_) {
      RunnerConfig config = RunnerConfig::from_env();
      if (args_.global.azcopy_path) {
        config.azcopy_path = *args_.global.azcopy_path;
      }
      if (args_.global.work_dir) {
        config.work_dir = *args_.global.work_dir;
      }
      if (args_.global.log_dir) {
        config.log_dir = *args_.global.log_dir;
      }
      runner_ = std::make_unique<AzCopyRunner>(std::move(config), nullptr,
                                               make_logger(args_.global.verbosity));
    }
    return *runner_;
  }

  [[nodiscard]] bool json_output() const { return args_.global.json; }

  void report_error(const std::exception& error) const {
    try {
      (void)std::fflush(stdout);
      if (json_output()) {
        print_json_line(error_json(error, job_id_));
      } else {
        print_text(stderr, format_error(error, job_id_));
        if (dynamic_cast<const UsageError*>(&error) != nullptr) {
          print_text(stderr,
                     fmt::format("Try 'azcopy-runner {} --help'.\n", command_name(args_.command)));
        }
      }
    } catch (...) {  // NOLINT(bugprone-empty-catch): stdout/stderr are gone, nothing to report on
    }
  }

  int copy() {
    std::optional<InterruptGuard> guard;
    if (args_.wait) {
      guard.emplace();  // a Ctrl-C while AzCopy starts stops the wait once the job id is known
    }
    const AzCopyJobRef ref = runner().start_copy(args_.source, args_.destination, args_.copy);
    job_id_ = ref.job_id;
    return report_started(ref, "Started");
  }

  int resume() {
    const std::string source_sas = sas_from_env(args_.source_sas_env, "--source-sas-env");
    const std::string destination_sas =
        sas_from_env(args_.destination_sas_env, "--destination-sas-env");
    std::optional<InterruptGuard> guard;
    if (args_.wait) {
      guard.emplace();
    }
    job_id_ = args_.job_id;
    const AzCopyJobRef ref = runner().resume(args_.job_id, source_sas, destination_sas);
    job_id_ = ref.job_id;
    return report_started(ref, "Resumed");
  }

  int report_started(const AzCopyJobRef& ref, std::string_view verb) {
    if (!args_.wait) {
      if (json_output()) {
        print_json_line(ref_json(ref));
      } else {
        print_text(stdout, fmt::format("{}Watch it with: azcopy-runner wait {}\n",
                                       format_ref(ref, verb), ref.job_id));
      }
      return kExitSuccess;
    }
    if (!json_output()) {
      print_text(stdout, format_ref(ref, verb));
      (void)std::fflush(stdout);
    }
    return wait_and_report(ref.job_id, ref.started_at);
  }

  int poll() {
    job_id_ = args_.job_id;
    const AzCopyProgress progress = runner().poll(args_.job_id);
    if (json_output()) {
      print_json_line(progress_json(progress));
    } else {
      print_text(stdout, format_progress(progress));
    }
    return kExitSuccess;
  }

  int summary() {
    job_id_ = args_.job_id;
    print_summary(runner().get_summary(args_.job_id));
    return last_state_code_;
  }

  int wait() {
    job_id_ = args_.job_id;
    const InterruptGuard guard;
    return wait_and_report(args_.job_id, recorded_start(args_.job_id));
  }

  /// When the runner's records say @p job_id started (for the elapsed time shown while
  /// waiting); now if they do not know it.
  TimePoint recorded_start(std::string_view job_id) {
    try {
      for (const JobRecordInfo& job : runner().list_jobs()) {
        if (detail::ascii_iequals(job_id, job.ref.job_id)) {
          return job.ref.started_at;
        }
      }
    } catch (const std::exception&) {  // best effort: only the elapsed time depends on it
    }
    return std::chrono::system_clock::now();
  }

  int cancel() {
    job_id_ = args_.job_id;
    const milliseconds grace = args_.grace.value_or(std::chrono::seconds(10));
    const AzCopyProgress progress = runner().cancel(args_.job_id, grace);
    if (json_output()) {
      print_json_line(progress_json(progress));
    } else {
      print_text(stdout, format_progress(progress));
    }
    return is_terminal(progress.state) ? kExitSuccess : kExitNotFinished;
  }

  int jobs() {
    const std::vector<JobRecordInfo> list = runner().list_jobs();
    if (json_output()) {
      print_json_line(jobs_json(list));
    } else {
      print_text(stdout, format_jobs(list));
    }
    return kExitSuccess;
  }

  int remove() {
    job_id_ = args_.job_id;
    runner().remove_job(args_.job_id);
    if (json_output()) {
      print_json_line(removed_json(PruneResult{{args_.job_id}, {}}));
    } else {
      print_text(stdout, fmt::format("Removed job {}.\n", args_.job_id));
    }
    return kExitSuccess;
  }

  int prune() {
    const PruneResult removed = runner().prune(args_.older_than.value_or(std::chrono::seconds(0)));
    if (json_output()) {
      print_json_line(removed_json(removed));
    } else {
      print_text(stdout, format_removed(removed));
    }
    return kExitSuccess;
  }

  int parse() {
    const std::string text = read_input(args_.file);
    print_summary(parse_summary(text));
    return last_state_code_;
  }

  int version() {
    if (!json_output()) {
      print_text(stdout, fmt::format("azcopy-runner {}\n", kVersion));
      (void)std::fflush(stdout);
    }
    std::string azcopy;
    try {
      azcopy = runner().azcopy_version();
    } catch (const std::exception& error) {
      if (json_output()) {
        Json out = error_json(error);
        out["azcopy_runner"] = kVersion;
        print_json_line(out);
      } else {
        report_error(error);
      }
      return error_exit_code(error);
    }
    if (json_output()) {
      print_json_line(Json{{"azcopy_runner", kVersion}, {"azcopy", azcopy}});
    } else {
      print_text(stdout, fmt::format("azcopy {}\n", azcopy));
    }
    return kExitSuccess;
  }

  void print_summary(AzCopySummary summary) {
    if (summary.job_id.empty()) {
      summary.job_id = job_id_;
    }
    last_state_code_ = exit_code_for_state(summary.state);
    if (json_output()) {
      Json out = summary_json(summary);
      if (summary.job_id.empty()) {
        out["job_id"] = nullptr;
      }
      print_json_line(out);
    } else {
      print_text(stdout, format_summary(summary));
    }
  }

  /// Polls @p job_id until it is terminal, the --timeout passes or Ctrl-C, showing progress;
  /// then prints the summary. Returns the job state's exit code.
  int wait_and_report(const std::string& job_id, TimePoint started_at) {
    const ProgressMode mode = json_output()                ? ProgressMode::Off
                              : isatty(STDOUT_FILENO) != 0 ? ProgressMode::Terminal
                                                           : ProgressMode::Plain;
    milliseconds interval = args_.interval.value_or(runner().config().poll_interval);
    if (interval <= milliseconds::zero()) {
      interval = std::chrono::seconds(5);
    }
    WaitOptions options;
    options.interval = interval;
    if (args_.timeout) {
      options.timeout = *args_.timeout;
    }
    // Ctrl-C sets a flag (all a signal handler may do); this thread turns it into a stop.
    std::stop_source stop;
    options.stop = stop.get_token();
    std::jthread watcher([&stop](const std::stop_token& done) {
      while (!done.stop_requested() && !interrupted()) {
        std::this_thread::sleep_for(milliseconds(20));
      }
      if (interrupted()) {
        stop.request_stop();
      }
    });
    AzCopySummary summary;
    {
      ProgressDisplay display(mode, stdout, started_at);
      options.on_progress = [&display](const AzCopyProgress& progress) {
        display.update(progress);
      };
      try {
        summary = runner().wait(job_id, options);
      } catch (const std::exception& error) {
        display.finish();
        if (interrupted()) {  // the Ctrl-C may also have ended an `azcopy jobs show` early
          throw CliError("Interrupted",
                         fmt::format("stopped waiting; job {} keeps running (watch it again with "
                                     "'azcopy-runner wait {}')",
                                     job_id, job_id),
                         kExitInterrupted, job_id);
        }
        const auto* not_finished = dynamic_cast<const AzCopyNotFinishedError*>(&error);
        if (not_finished == nullptr || !args_.timeout) {
          throw;
        }
        throw AzCopyNotFinishedError(
            fmt::format("timed out after {} waiting for job {}; it keeps running",
                        format_duration(std::chrono::floor<std::chrono::seconds>(*args_.timeout)),
                        job_id),
            ErrorContext{not_finished->job_id().empty() ? job_id : not_finished->job_id(),
                         not_finished->log_dir(), not_finished->excerpt()},
            not_finished->partial_summary());
      }
      display.finish();
    }
    print_summary(summary);
    return last_state_code_;
  }

  ParsedArgs args_;
  std::unique_ptr<AzCopyRunner> runner_;
  std::string job_id_;  ///< The job the command is about, once known (for error reports).
  int last_state_code_ = kExitOtherError;
};

/// Whether --json appears before any `--` (to report a usage error in the requested format).
bool wants_json(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--") {
      break;
    }
    if (arg == "--json") {
      return true;
    }
  }
  return false;
}

int run(const std::vector<std::string>& arguments) {
  ParsedArgs args;
  try {
    args = parse_args(arguments);
  } catch (const UsageError& error) {
    if (wants_json(arguments)) {
      print_json_line(error_json(error));
    } else {
      print_text(stderr, format_error(error));
      print_text(stderr,
                 fmt::format("Try 'azcopy-runner {}{}--help'.\n", command_name(error.command()),
                             error.command() == Command::None ? "" : " "));
    }
    return kExitUsage;
  }
  if (args.help) {
    fmt::print("{}", help_text(args.help_topic));
    return kExitSuccess;
  }
  if (args.command == Command::None) {
    if (args.global.json) {
      print_json_line(error_json(UsageError("no command given", Command::None)));
    } else {
      fmt::print(stderr, "{}", help_text(Command::None));
    }
    return kExitUsage;
  }
  return Cli(std::move(args)).run();
}

}  // namespace
}  // namespace azcopy_runner::cli

int main(int argc, char** argv) {
  try {
    std::vector<std::string> arguments;
    arguments.reserve(static_cast<std::size_t>(std::max(argc - 1, 0)));
    for (int i = 1; i < argc; ++i) {
      arguments.emplace_back(argv[i]);
    }
    return azcopy_runner::cli::run(arguments);
  } catch (const std::exception& error) {
    (void)std::fprintf(stderr, "azcopy-runner: InternalError: %s\n",
                       azcopy_runner::redact(error.what()).c_str());
  } catch (...) {
    (void)std::fprintf(stderr, "azcopy-runner: InternalError: unknown exception\n");
  }
  return azcopy_runner::cli::kExitOtherError;
}
