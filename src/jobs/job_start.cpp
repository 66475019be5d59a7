// SPDX-License-Identifier: MIT
#include "jobs/job_start.hpp"

#include <fcntl.h>
#include <spdlog/logger.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "jobs/copy_args.hpp"
#include "jobs/runner_core.hpp"
#include "os/fd.hpp"
#include "os/launcher.hpp"
#include "os/proc_info.hpp"
#include "parse/azcopy_log.hpp"
#include "parse/output_parser.hpp"

namespace azcopy_runner::detail {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// The most of AzCopy's stdout a start reads while waiting for the job id.
constexpr std::size_t kStartBufferLimit = std::size_t{4} << 20;
/// The most read_from() returns at once.
constexpr std::size_t kReadChunkBytes = std::size_t{64} << 10;

/// Reads up to @p max bytes of @p path from @p offset.
std::optional<std::string> read_from(const std::string& path, std::uintmax_t offset,
                                     std::size_t max) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd || max == 0) {
    return std::nullopt;
  }
  std::string data(std::min<std::size_t>(max, kReadChunkBytes), '\0');
  const ssize_t n = ::pread(fd.get(), data.data(), data.size(), static_cast<off_t>(offset));
  if (n <= 0) {
    return std::nullopt;
  }
  data.resize(static_cast<std::size_t>(n));
  return data;
}

/// The one `<job id>.log` in AzCopy's log location written since @p since that belongs to
/// no job of this runner; std::nullopt when there is none or more than one (a start that
/// exited before its log was seen open; several starts at once are not told apart).
std::optional<std::string> sole_new_job_log(const RunnerCore& core, TimePoint since) {
  const std::string location = core.azcopy_log_location();
  if (location.empty()) {
    return std::nullopt;
  }
  std::optional<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(location, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto id = name.size() == 40 && name.ends_with(".log")
                        ? JobId::parse(std::string_view(name).substr(0, 36))
                        : std::nullopt;
    if (!id) {
      continue;
    }
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec) +
                std::chrono::nanoseconds(st.st_mtim.tv_nsec) <
            since ||
        core.store.knows(*id)) {
      continue;
    }
    if (found) {
      return std::nullopt;
    }
    found = it->path().string();
  }
  return found;
}

/// The error of a start that gave no job id: AzCopy exited (@p exited) or was killed at the
/// start timeout. It carries the job id AzCopy had chosen and the redacted end of AzCopy's
/// own log for this start when that log is known (@p azcopy_log, else the one new job log in
/// AzCopy's log location), after the end of its stdout and stderr; the start's directory is
/// removed (nothing in it that the error does not carry).
/// A resume (@p resumed: the job's id) says so: its job id is known, AzCopy did not take it up.
[[noreturn]] void throw_start_error(const RunnerCore& core, const std::optional<ExitStatus>& exited,
                                    const std::string& seen, const DetachedSpec& spec,
                                    const fs::path& dir, std::optional<std::string> azcopy_log,
                                    TimePoint started_at, const std::string& resumed) {
  const std::string err = read_tail(spec.stderr_path, kMaxExcerptBytes).value_or("");
  const std::string timeout = std::to_string(core.config.start_timeout.count()) + " ms";
  std::string message;
  if (resumed.empty()) {
    message = exited ? "AzCopy exited (" + describe_exit(*exited) + ") before printing a job id"
                     : "AzCopy printed no job id within " + timeout + "; it was killed";
  } else {
    message = exited ? "azcopy jobs resume " + resumed + " exited (" + describe_exit(*exited) +
                           ") without resuming the job"
                     : "azcopy jobs resume " + resumed + " did not resume the job within " +
                           timeout + "; it was killed";
  }
  if (!azcopy_log) {  // a file's mtime comes from a coarser clock: a second of slack
    azcopy_log = sole_new_job_log(core, started_at - 1s);
  }
  std::string chosen_id;
  std::string excerpt;
  if (azcopy_log) {
    chosen_id = fs::path(*azcopy_log).stem().string();
    // AzCopy 10.32 logs a Go stack trace after each failed try: keep the log's own lines.
    const std::string log_tail =
        without_stack_traces(read_tail(*azcopy_log, kLogTailBytes).value_or(""));
    const std::string header = "\n--- the end of AzCopy's log " + redact(*azcopy_log) + ":\n";
    excerpt = redacted_excerpt(seen + err, kMaxExcerptBytes / 4);
    excerpt += header;
    excerpt +=
        redacted_excerpt(log_tail, kMaxExcerptBytes - std::min(kMaxExcerptBytes, excerpt.size()));
    message += (resumed.empty() ? "; AzCopy had chosen job id " + chosen_id + ", its log: "
                                : std::string("; AzCopy's log: ")) +
               redact(*azcopy_log);
    if (const std::string reason = last_error_line(log_tail); !reason.empty()) {
      message += "; its last error: " + redacted_excerpt(reason, 400);
    }
  } else {
    excerpt = redacted_excerpt(seen + err);
    message += "; AzCopy's own log of this start was not found";
  }
  std::error_code ec;
  fs::remove_all(dir, ec);  // stdout.log, stderr.log and the FIFO: their ends are in excerpt
  ErrorContext context{resumed.empty() ? chosen_id : resumed, core.store.root().string(), excerpt};
  if (exited) {
    throw AzCopyStartError(message, std::move(context));
  }
  throw AzCopyJobIdNotFoundError(message, std::move(context));
}

/// What the wait for a job id saw.
struct StartSeen {
  std::string output;  ///< Everything AzCopy printed (bounded).
  ParsedOutput parsed;
  std::optional<std::string> job_id;
  std::optional<ExitStatus> exited;
  /// AzCopy's own log of this start (<work dir>/<job id>.log), seen open in /proc/<pid>/fd:
  /// only needed when no job id comes, to say why and which id AzCopy had chosen.
  std::optional<std::string> azcopy_log;
};

/// Reads the new bytes of AzCopy's stdout every few milliseconds until it shows a job id,
/// AzCopy exits or the start timeout passes.
StartSeen wait_for_job_id(RunnerCore& core, const ProcessIdentity& who,
                          const std::string& stdout_path) {
  const auto deadline = std::chrono::steady_clock::now() + core.config.start_timeout;
  StartSeen seen;
  std::uintmax_t offset = 0;
  auto read_more = [&] {  // everything written so far (bounded)
    while (auto chunk = read_from(stdout_path, offset, kStartBufferLimit - seen.output.size())) {
      offset += chunk->size();
      seen.output += *chunk;
    }
  };
  std::size_t parsed_size = 0;
  auto next_log_look = std::chrono::steady_clock::now() + 5ms;
  auto delay = 1ms;
  while (true) {
    seen.exited = core.launcher->try_reap(who);
    read_more();
    if (seen.output.size() != parsed_size) {  // parse again only when AzCopy printed more
      seen.parsed = parse_output(seen.output);
      parsed_size = seen.output.size();
    }
    seen.job_id = seen.parsed.job_id;
    const auto now = std::chrono::steady_clock::now();
    if (!seen.job_id && !seen.exited && !seen.azcopy_log &&
        now >= next_log_look) {  // not reaped: our pid
      seen.azcopy_log = open_job_log(who.pid);
      next_log_look = now + 25ms;
    }
    if (seen.job_id || seen.exited || now >= deadline) {
      break;
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(10));
  }
  if (!seen.job_id) {
    if (!seen.exited) {
      kill_and_reap(*core.launcher, who);
    }
    read_more();
  }
  return seen;
}

}  // namespace

AzCopyJobRef launch_job(RunnerCore& core, const std::vector<std::string>& args, ProcessKind kind,
                        std::optional<JobRecord> existing, const SasExpiries& expiries,
                        NewJob fresh) {
  const std::string exe = core.azcopy.path();
  const fs::path dir = core.store.make_start_dir();
  DetachedSpec spec;
  spec.process = ProcessSpec{exe, args, core.child_env, {}, {}};
  spec.stdout_path = (dir / "stdout.log").string();
  spec.stderr_path = (dir / "stderr.log").string();
  spec.stdin_fifo = (dir / "stdin.fifo").string();

  std::vector<std::string> command{redact(core.azcopy.configured())};
  for (const auto& a : args) {
    command.push_back(redact(a));
  }
  const TimePoint started_at = std::chrono::system_clock::now();
  core.log->info("starting azcopy {}", command_text(command));
  const ProcessIdentity who = core.launcher->spawn_detached(spec);

  StartSeen seen = wait_for_job_id(core, who, spec.stdout_path);
  if (!seen.job_id) {
    throw_start_error(core, seen.exited, seen.output, spec, dir, seen.azcopy_log, started_at,
                      existing ? existing->ref.job_id : std::string());
  }
  const std::string& job_id = *seen.job_id;
  if (existing && job_id != existing->ref.job_id) {
    core.log->warn("azcopy {} printed job id {} (expected {})", to_string(kind), job_id,
                   existing->ref.job_id);
  }

  JobRecord record;
  if (existing) {
    record = *existing;
    record.resumes += 1;
    record.summary.reset();
  } else {
    record.ref.job_id = job_id;
    record.ref.started_at = started_at;
    record.ref.command = command;
    record.ref.environment = safe_environment(core.child_env);
    record.copy = std::move(fresh.copy);
    record.directories = std::move(fresh.directories);
  }
  if (expiries.source) {
    record.source_sas_expiry = expiries.source;
  }
  if (expiries.destination) {
    record.destination_sas_expiry = expiries.destination;
  }
  record.kind = kind;
  record.process = who;
  record.exit = seen.exited;
  record.last_state = AzCopyJobState::Running;
  record.ref.pid = who.pid;
  if (seen.parsed.log_file) {
    record.ref.azcopy_log_file = redact(*seen.parsed.log_file);
  }
  if (!seen.parsed.empty_folders_notice.empty()) {
    record.empty_folders_notice = seen.parsed.empty_folders_notice;
  }
  // Move the output next to the job's record: <root>/<job id>, or <root>/<job id>/resume-N.
  record.process_dir = dir.string();
  if (core.store.is_staging_dir(dir)) {
    const fs::path final_dir =
        existing ? fs::path(existing->ref.log_dir) / ("resume-" + std::to_string(record.resumes))
                 : core.store.root() / job_id;
    record.process_dir = core.store.move_start_dir(dir, final_dir).string();
  }
  if (!existing) {
    record.ref.log_dir = record.process_dir;
    record.process_dir.clear();
  }
  core.store.save(record);
  core.log->info("job {} started (pid {}), files in {}", job_id, who.pid, record.ref.log_dir);
  return record.ref;
}

}  // namespace azcopy_runner::detail
