// SPDX-License-Identifier: MIT
#include "jobs/job_cancel.hpp"

#include <fcntl.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <thread>

#include "azcopy_runner/parse.hpp"
#include "jobs/runner_core.hpp"
#include "os/fd.hpp"
#include "os/launcher.hpp"
#include "parse/output_parser.hpp"

namespace azcopy_runner::detail {
using namespace std::chrono_literals;

namespace {

/// The end of a job's stdout read for a Cancel prompt.
constexpr std::size_t kPromptTailBytes = std::size_t{64} << 10;

void write_stdin(spdlog::logger& log, const JobRecord& record, const std::string& line) {
  UniqueFd fd(::open(record.stdin_fifo().c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    log.warn("job {}: cannot open {}: {}", record.ref.job_id, record.stdin_fifo().string(),
             errno_text(errno));
    return;
  }
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    log.warn("job {}: short write to its stdin", record.ref.job_id);
  }
}

/// Stops the job's live process: asks, answers a prompt, terminates, kills.
void stop_process(RunnerCore& core, const JobRecord& record, std::chrono::milliseconds grace) {
  ProcessLauncher& launcher = *core.launcher;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  write_stdin(*core.log, record,
              R"({"TimeStamp":")" + format_timestamp(std::chrono::system_clock::now()) +
                  R"(","RequestType":"CancelJob","Value":""})" + "\n");
  bool termed = false;
  bool answered = false;
  while (launcher.probe(record.process) == Liveness::Alive) {
    static_cast<void>(launcher.try_reap(record.process));
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      core.log->warn("job {}: AzCopy still alive after the grace period: SIGKILL",
                     record.ref.job_id);
      kill_and_reap(launcher, record.process);
      break;
    }
    const auto tail = read_tail(record.stdout_path(), kPromptTailBytes).value_or("");
    if (!answered && parse_output(tail).cancel_prompt) {
      write_stdin(*core.log, record, "y\n");
      answered = true;
    } else if (!termed && now >= deadline - grace / 2) {
      launcher.send_signal(record.process, SIGTERM);
      termed = true;
    }
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace

AzCopyProgress cancel_job(RunnerCore& core, const JobId& id, std::chrono::milliseconds grace,
                          const std::function<AzCopyProgress()>& poll) {
  const std::string& job_id = id.str();
  auto record = core.store.load(id);
  if (record && !record->summary) {
    record->cancel_requested = true;
    core.store.save(*record);
  }
  if (record && core.launcher->probe(record->process) == Liveness::Alive) {
    stop_process(core, *record, grace);
  }
  // An orphaned plan (process gone, plan InProgress) is closed by `azcopy cancel`.
  AzCopyProgress p = poll();
  const bool orphaned = p.state == AzCopyJobState::Failed && p.resumable &&
                        (p.raw_status == "InProgress" || p.raw_status == "Cancelling");
  if (p.state == AzCopyJobState::Running || orphaned) {
    ProcessSpec spec{
        core.azcopy.path(), {"cancel", job_id, "--skip-version-check"}, core.child_env, {}, {}};
    const RunResult r = core.launcher->run(spec, core.config.command_timeout, std::size_t{1} << 20);
    core.log->info("job {}: azcopy cancel: {}", job_id, redact(r.out + r.err));
    p = poll();
  }
  return p;
}

}  // namespace azcopy_runner::detail
