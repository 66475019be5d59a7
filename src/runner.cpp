// SPDX-License-Identifier: MIT
#include "azcopy_runner/runner.hpp"

#include <fcntl.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <random>
#include <thread>

// Boost 1.81's v2 headers miss these includes when BOOST_PROCESS_USE_STD_FS is defined.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>
// clang-format off
#include <boost/process/v2/environment.hpp>
// clang-format on

#include "azcopy_runner/parse.hpp"
#include "fd.hpp"
#include "parse_detail.hpp"
#include "proc_info.hpp"
#include "record.hpp"
#include "text.hpp"

namespace azcopy_runner {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kStartBufferLimit = std::size_t{4} << 20;
/// How much of the end of AzCopy's own log a failed start reads (before its stack traces go).
constexpr std::size_t kLogTailBytes = std::size_t{64} << 10;
constexpr std::size_t kStdoutTailBytes = std::size_t{8} << 20;
/// The end of a job's stdout read for its prompts and error messages.
constexpr std::size_t kOwnTailBytes = std::size_t{64} << 10;
/// The end of a job's stdout read to see whether it shows its EndOfJob yet.
constexpr std::size_t kEndOfJobTailBytes = std::size_t{16} << 10;
/// The most read_from() returns at once.
constexpr std::size_t kReadChunkBytes = std::size_t{64} << 10;
/// Below this much free space the log dir is treated as full (AzCopy's output must fit).
constexpr std::uint64_t kMinFreeBytes = std::uint64_t{8} << 20;

/// Bytes available to us on the file system of @p dir (max when unknown).
std::uint64_t free_bytes(const fs::path& dir) {
  std::error_code ec;
  const fs::space_info info = fs::space(dir, ec);
  return ec ? std::numeric_limits<std::uint64_t>::max() : info.available;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string random_hex(std::size_t bytes) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::random_device rd;
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto v = rd();
    out.push_back(kHex[v & 0xFU]);
    out.push_back(kHex[(v >> 4U) & 0xFU]);
  }
  return out;
}

/// The flag name of an argument: "--overwrite=false" -> "overwrite"; "" for non-flags.
std::string flag_name(std::string_view arg) {
  if (!arg.starts_with("-")) {
    return {};
  }
  arg.remove_prefix(arg.starts_with("--") ? 2 : 1);
  return lower(arg.substr(0, arg.find('=')));
}

/// Environment variable names whose values must never be recorded.
bool is_secret_env(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kKnown = {
      "AZCOPY_SPA_CLIENT_SECRET", "AZCOPY_SPA_CERT_PASSWORD",
      "AZCOPY_OAUTH_TOKEN_INFO",  "ACCOUNT_KEY",
      "CPK_ENCRYPTION_KEY",       "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",        "MSI_SECRET",
      "IDENTITY_HEADER"};
  if (std::find(kKnown.begin(), kKnown.end(), name) != kKnown.end()) {
    return true;
  }
  const std::string upper = [&] {
    std::string u(name);
    std::transform(u.begin(), u.end(), u.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return u;
  }();
  static constexpr std::array<std::string_view, 6> kWords = {"SECRET", "TOKEN", "PASSWORD",
                                                             "KEY",    "SAS",   "CREDENTIAL"};
  return std::any_of(kWords.begin(), kWords.end(), [&upper](std::string_view word) {
    return upper.find(word) != std::string::npos;
  });
}

/// The first non-blank line of @p text, at most 200 bytes (not cutting a UTF-8 sequence).
std::string first_line(std::string_view text) {
  constexpr std::size_t kMax = 200;
  const std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) {
    return {};
  }
  std::string_view line = text.substr(begin);
  line = line.substr(0, line.find_first_of("\r\n"));
  if (line.size() > kMax) {
    std::size_t cut = kMax;
    while (cut > 0 && detail::is_utf8_continuation(line[cut])) {
      --cut;
    }
    line = line.substr(0, cut);
  }
  return std::string(line);
}

std::string describe_exit(const ExitStatus& status) {
  if (status.signal != 0) {
    return "killed by signal " + std::to_string(status.signal);
  }
  return "exit code " + std::to_string(status.exit_code);
}

AzCopyProgress progress_from_summary(const AzCopySummary& s) {
  AzCopyProgress p;
  p.job_id = s.job_id;
  p.state = s.state;
  p.raw_status = s.raw_status;
  p.files_done = s.files_transferred;
  p.files_total = s.total_transfers;
  p.bytes_done = s.bytes_transferred;
  p.bytes_expected = s.bytes_expected;
  p.failed = s.failed_transfers;
  p.skipped = s.skipped_transfers;
  p.percent = s.percent_complete;
  p.last_updated_at = s.finished_at.value_or(std::chrono::system_clock::now());
  return p;
}

/// A private file that is removed when the object goes.
class TempFile {
 public:
  /// An empty path creates nothing (created() is false).
  explicit TempFile(fs::path path) : path_(std::move(path)) {
    if (path_.empty()) {
      return;
    }
    detail::UniqueFd fd(
        ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    created_ = static_cast<bool>(fd);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  TempFile(TempFile&&) = delete;
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (created_) {
      ::unlink(path_.c_str());
    }
  }
  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] bool created() const { return created_; }

 private:
  fs::path path_;
  bool created_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

/// What the runner knows of a job at one instant.
struct Observation {
  AzCopyJobState state = AzCopyJobState::Unknown;
  std::optional<AzCopySummary> summary;  ///< From `jobs show` (or the record).
  std::optional<detail::JobRecord> record;
  std::string reason;
  bool resumable = false;
  TimePoint at{};
  /// Folder transfers that `jobs show` did not count (see ParsedOutput::uncounted_folders).
  std::int64_t uncounted_folders = 0;
};

class AzCopyRunner::Impl {
 public:
  Impl(RunnerConfig config, std::shared_ptr<ProcessLauncher> launcher,
       std::shared_ptr<spdlog::logger> logger)
      : config_(std::move(config)),
        launcher_(launcher ? std::move(launcher) : make_default_launcher()),
        log_(logger ? std::move(logger)
                    : std::make_shared<spdlog::logger>(
                          "azcopy_runner", std::make_shared<spdlog::sinks::null_sink_mt>())) {
    if (detail::make_private_dir(config_.work_dir)) {
      child_env_["AZCOPY_LOG_LOCATION"] = config_.work_dir;
      child_env_["AZCOPY_JOB_PLAN_LOCATION"] = config_.work_dir;
    } else {
      log_->warn("work dir {} is not writable: AzCopy keeps its default locations",
                 config_.work_dir);
    }
    for (const auto& [key, value] : config_.extra_env) {
      child_env_[key] = value;
    }
    log_root_ = config_.effective_log_dir();
    if (!detail::make_private_dir(log_root_)) {
      const fs::path fallback =
          fs::temp_directory_path() / ("azcopy-runner-" + std::to_string(::getuid()));
      log_->warn("log dir {} is not writable; using {}", log_root_.string(), fallback.string());
      log_root_ = fallback;
      if (!detail::make_private_dir(log_root_)) {
        log_->warn("fallback log dir {} is not writable either", log_root_.string());
      }
    }
  }

  [[nodiscard]] const RunnerConfig& config() const { return config_; }

  // ----- AzCopy executable ------------------------------------------------------------------

  /// Resolves, checks and identifies the AzCopy executable (once).
  std::string ensure_azcopy() {
    std::lock_guard lock(azcopy_mutex_);
    if (!azcopy_exe_.empty()) {
      return azcopy_exe_;
    }
    const std::string& configured = config_.azcopy_path;
    fs::path exe;
    if (configured.find('/') != std::string::npos) {
      exe = fs::absolute(configured);
    } else if (!configured.empty()) {
      exe = boost::process::v2::environment::find_executable(configured);
    }
    if (exe.empty() || ::access(exe.c_str(), X_OK) != 0 || fs::is_directory(exe)) {
      throw AzCopyNotInstalledError("AzCopy not found or not executable: tried '" + configured +
                                        "' (set AZCOPY_PATH to the azcopy binary)",
                                    ErrorContext{{}, log_root_.string(), {}});
    }
    // `azcopy --version` can take seconds (10.18 waits on its version check even then):
    // the answer is kept per binary (path, inode, size, mtime) in the log root.
    const std::string key = binary_key(exe);
    if (auto cached = cached_version(key)) {
      azcopy_version_ = *cached;
      azcopy_exe_ = exe.string();
      return azcopy_exe_;
    }
    ProcessSpec spec{exe.string(), {"--version"}, child_env_, {}, {}, {}};
    RunResult r;
    try {
      r = launcher_->run(spec, std::min(config_.command_timeout, std::chrono::milliseconds(30s)),
                         std::size_t{1} << 16);
    } catch (const AzCopyError& e) {
      throw AzCopyNotInstalledError("cannot run '" + exe.string() + " --version': " + e.what(),
                                    ErrorContext{{}, log_root_.string(), {}});
    }
    const std::string text = r.out + r.err;
    const auto pos = text.find("azcopy version ");
    if (r.timed_out || pos == std::string::npos) {
      throw AzCopyNotInstalledError("'" + exe.string() +
                                        "' is not AzCopy (its --version says no "
                                        "\"azcopy version\")",
                                    ErrorContext{{}, log_root_.string(), redacted_excerpt(text)});
    }
    std::string version = text.substr(pos + 15);
    version = version.substr(0, version.find_first_of(" \r\n"));
    int major = 0;
    int minor = 0;
    const char* const end = version.data() + version.size();
    const auto [after_major, major_error] = std::from_chars(version.data(), end, major);
    const bool parsed = major_error == std::errc() && after_major != end && *after_major == '.' &&
                        std::from_chars(after_major + 1, end, minor).ec == std::errc();
    if (!parsed || major != 10 || minor < 10) {
      throw AzCopyNotInstalledError("AzCopy " + version + " at '" + exe.string() +
                                        "' is not supported (need 10.10 or later 10.x)",
                                    ErrorContext{{}, log_root_.string(), {}});
    }
    azcopy_version_ = version;
    azcopy_exe_ = exe.string();
    remember_version(key, version);
    log_->debug("using AzCopy {} at {}", azcopy_version_, azcopy_exe_);
    return azcopy_exe_;
  }

  static std::string binary_key(const fs::path& exe) {
    struct stat st {};
    if (::stat(exe.c_str(), &st) != 0) {
      return {};
    }
    return exe.string() + "|" + std::to_string(st.st_ino) + "|" + std::to_string(st.st_size) + "|" +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  }

  [[nodiscard]] fs::path version_cache() const { return log_root_ / ".azcopy-versions"; }

  [[nodiscard]] std::optional<std::string> cached_version(const std::string& key) const {
    if (key.empty()) {
      return std::nullopt;
    }
    std::ifstream in(version_cache());
    for (std::string line; std::getline(in, line);) {
      const auto tab = line.rfind('\t');
      if (tab != std::string::npos && line.substr(0, tab) == key) {
        return line.substr(tab + 1);
      }
    }
    return std::nullopt;
  }

  void remember_version(const std::string& key, const std::string& version) const {
    if (key.empty() || key.find('\n') != std::string::npos) {
      return;
    }
    detail::UniqueFd fd(
        ::open(version_cache().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (fd) {
      const std::string line = key + "\t" + version + "\n";
      [[maybe_unused]] const auto n = ::write(fd.get(), line.data(), line.size());
    }
  }

  std::string azcopy_version() {
    ensure_azcopy();
    std::lock_guard lock(azcopy_mutex_);
    return azcopy_version_;
  }

  // ----- start ------------------------------------------------------------------------------

  AzCopyJobRef start_copy(std::string_view source, std::string_view destination,
                          const CopyOptions& options) {
    std::vector<std::string> args =
        build_args(source, destination, options, config_.default_log_level);
    refuse_debug_log_that_leaks(args);
    return launch_job(args, "copy", std::nullopt);
  }

  /// AzCopy before 10.32 (10.18.1 seen, FILES-FACTS.md section 7) writes whole URLs, real SAS
  /// signature included, into `<job id>-chunks.log`, which it makes only at --log-level=DEBUG,
  /// in the work dir: the runner promises that no signature is written where it manages, so
  /// DEBUG is refused there. 10.32.2 is the first version checked not to (its chunk log has no
  /// query strings; tests/integration/test_files_faults.cpp checks it on every run).
  void refuse_debug_log_that_leaks(const std::vector<std::string>& args) {
    if (std::none_of(args.begin(), args.end(),
                     [](const std::string& a) { return lower(a) == "--log-level=debug"; })) {
      return;
    }
    const std::string version = azcopy_version();
    int major = 0;
    int minor = 0;
    const char* const end = version.data() + version.size();
    const auto [after_major, ec] = std::from_chars(version.data(), end, major);
    if (ec == std::errc() && after_major != end && *after_major == '.') {
      std::from_chars(after_major + 1, end, minor);
    }
    if (major > 10 || (major == 10 && minor >= 32)) {
      return;
    }
    throw AzCopyStartError(
        "--log-level=DEBUG is refused with AzCopy " + version +
            ": before 10.32, AzCopy writes the real SAS signatures of the job's URLs into "
            "<job id>-chunks.log in its work dir at that level; use INFO (the default) or "
            "AzCopy 10.32 or later",
        ErrorContext{{}, log_root_.string(), {}});
  }

  /// The error of a start that gave no job id: AzCopy exited (@p exited) or was killed at the
  /// start timeout. It carries the job id AzCopy had chosen and the redacted end of AzCopy's
  /// own log for this start when that log is known (@p azcopy_log, else the one new job log in
  /// AzCopy's log location), after the end of its stdout and stderr; the start's directory is
  /// removed (nothing in it that the error does not carry).
  [[noreturn]] void throw_start_error(const std::optional<ExitStatus>& exited,
                                      const std::string& seen, const DetachedSpec& spec,
                                      const fs::path& dir, std::optional<std::string> azcopy_log,
                                      TimePoint started_at) const {
    const std::string err = detail::read_tail(spec.stderr_path, kMaxExcerptBytes).value_or("");
    std::string message =
        exited ? "AzCopy exited (" + describe_exit(*exited) + ") before printing a job id"
               : "AzCopy printed no job id within " +
                     std::to_string(config_.start_timeout.count()) + " ms; it was killed";
    if (!azcopy_log) {  // a file's mtime comes from a coarser clock: a second of slack
      azcopy_log = sole_new_job_log(started_at - 1s);
    }
    std::string chosen_id;
    std::string excerpt;
    if (azcopy_log) {
      chosen_id = fs::path(*azcopy_log).stem().string();
      // AzCopy 10.32 logs a Go stack trace after each failed try: keep the log's own lines.
      const std::string log_tail =
          without_stack_traces(detail::read_tail(*azcopy_log, kLogTailBytes).value_or(""));
      const std::string header = "\n--- the end of AzCopy's log " + redact(*azcopy_log) + ":\n";
      excerpt = redacted_excerpt(seen + err, kMaxExcerptBytes / 4);
      excerpt += header;
      excerpt +=
          redacted_excerpt(log_tail, kMaxExcerptBytes - std::min(kMaxExcerptBytes, excerpt.size()));
      message += "; AzCopy had chosen job id " + chosen_id + ", its log: " + redact(*azcopy_log);
      if (const std::string reason = last_error_line(log_tail); !reason.empty()) {
        message += "; its last error: " + redacted_excerpt(reason, 400);
      }
    } else {
      excerpt = redacted_excerpt(seen + err);
      message += "; AzCopy's own log of this start was not found";
    }
    std::error_code ec;
    fs::remove_all(dir, ec);  // stdout.log, stderr.log and the FIFO: their ends are in excerpt
    ErrorContext context{chosen_id, log_root_.string(), excerpt};
    if (exited) {
      throw AzCopyStartError(message, std::move(context));
    }
    throw AzCopyJobIdNotFoundError(message, std::move(context));
  }

  /// The one `<job id>.log` in AzCopy's log location written since @p since that belongs to
  /// no job of this runner; std::nullopt when there is none or more than one (a start that
  /// exited before its log was seen open; several starts at once are not told apart).
  [[nodiscard]] std::optional<std::string> sole_new_job_log(TimePoint since) const {
    const auto location = child_env_.find("AZCOPY_LOG_LOCATION");
    if (location == child_env_.end()) {
      return std::nullopt;
    }
    std::optional<std::string> found;
    std::error_code ec;
    for (fs::directory_iterator it(location->second, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() != 40 || !name.ends_with(".log") ||
          !is_valid_job_id(std::string_view(name).substr(0, 36))) {
        continue;
      }
      struct stat st {};
      if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
          std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec) +
                  std::chrono::nanoseconds(st.st_mtim.tv_nsec) <
              since ||
          fs::exists(log_root_ / name.substr(0, 36), ec)) {
        continue;
      }
      if (found) {
        return std::nullopt;
      }
      found = it->path().string();
    }
    return found;
  }

  /// @p log without Go stack traces: a frame is a function line followed by a tab-indented
  /// file line; `goroutine N [...]:` headers go too.
  static std::string without_stack_traces(std::string_view log) {
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos < log.size();) {
      const auto end = std::min(log.find('\n', pos), log.size());
      lines.push_back(log.substr(pos, end - pos));
      pos = end + 1;
    }
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string_view line = lines[i];
      const bool frame_file = line.starts_with('\t');
      const bool frame_function = i + 1 < lines.size() && lines[i + 1].starts_with('\t');
      if (frame_file || frame_function || line.starts_with("goroutine ")) {
        continue;
      }
      out.append(line);
      out.push_back('\n');
    }
    return out;
  }

  /// The last line of AzCopy's log that says why a request failed (a connection error or a
  /// service's error code); empty when none does.
  static std::string last_error_line(std::string_view log) {
    std::string_view rest = log;
    while (!rest.empty()) {
      const auto cut = rest.rfind('\n', rest.size() - 1);
      const std::string_view line = cut == std::string_view::npos ? rest : rest.substr(cut + 1);
      for (const std::string_view mark : {"dial tcp", "no such host", "ERROR CODE:", "ServiceCode=",
                                          "RESPONSE ERROR", "context deadline exceeded"}) {
        if (line.find(mark) != std::string_view::npos) {
          const auto first = line.find_first_not_of(" \t\r");
          const auto last = line.find_last_not_of(" \t\r");
          return first == std::string_view::npos
                     ? std::string()
                     : std::string(line.substr(first, last - first + 1));
        }
      }
      if (cut == std::string_view::npos) {
        break;
      }
      rest = rest.substr(0, cut);
    }
    return {};
  }

  /// Launches `azcopy <args>` detached and waits for its job id. @p known_id: the id the
  /// output must show (resume), else any.
  AzCopyJobRef launch_job(const std::vector<std::string>& args, const std::string& kind,
                          std::optional<detail::JobRecord> existing) {
    const std::string exe = ensure_azcopy();
    const fs::path staging = log_root_ / (".starting-" + random_hex(8));
    fs::path dir = staging;
    // AzCopy's job id is read from its stdout file: on a full disk it would never arrive.
    const bool room = free_bytes(log_root_) >= kMinFreeBytes;
    if (!room || !detail::make_private_dir(dir)) {
      dir = fs::temp_directory_path() / ("azcopy-runner-" + random_hex(8));
      log_->warn("{} {}; AzCopy's output goes to {}", staging.string(),
                 room ? "cannot be created" : "is on a full file system", dir.string());
      if (!detail::make_private_dir(dir)) {
        throw AzCopyStartError("cannot create a directory for AzCopy's output under " +
                                   log_root_.string() + " or " + dir.parent_path().string(),
                               ErrorContext{{}, log_root_.string(), {}});
      }
    }
    DetachedSpec spec;
    spec.process = ProcessSpec{exe, args, child_env_, {}, {}, {}};
    spec.stdout_path = (dir / "stdout.log").string();
    spec.stderr_path = (dir / "stderr.log").string();
    spec.stdin_fifo = (dir / "stdin.fifo").string();

    std::vector<std::string> command{redact(config_.azcopy_path)};
    for (const auto& a : args) {
      command.push_back(redact(a));
    }
    const TimePoint started_at = std::chrono::system_clock::now();
    log_->info("starting azcopy {}", fmt_command(command));
    ProcessIdentity who = launcher_->spawn_detached(spec);

    // Wait for the job id: read the new bytes of stdout every few milliseconds.
    const auto deadline = std::chrono::steady_clock::now() + config_.start_timeout;
    std::string seen;
    std::optional<std::string> job_id;
    std::optional<ExitStatus> exited;
    std::uintmax_t offset = 0;
    auto read_more = [&] {  // everything written so far (bounded)
      while (auto chunk = read_from(spec.stdout_path, offset, kStartBufferLimit - seen.size())) {
        offset += chunk->size();
        seen += *chunk;
      }
    };
    detail::ParsedOutput start_output;  // what AzCopy has printed so far
    std::size_t parsed_size = 0;
    // AzCopy's own log of this start (<work dir>/<job id>.log), seen open in /proc/<pid>/fd:
    // only needed when no job id comes, to say why and which id AzCopy had chosen.
    std::optional<std::string> azcopy_log;
    auto next_log_look = std::chrono::steady_clock::now() + 5ms;
    auto delay = 1ms;
    while (true) {
      exited = launcher_->try_reap(who.pid);
      read_more();
      if (seen.size() != parsed_size) {  // parse again only when AzCopy printed more
        start_output = detail::parse_output(seen);
        parsed_size = seen.size();
      }
      job_id = start_output.job_id;
      const auto now = std::chrono::steady_clock::now();
      if (!job_id && !exited && !azcopy_log && now >= next_log_look) {  // not reaped: our pid
        azcopy_log = detail::open_job_log(who.pid);
        next_log_look = now + 25ms;
      }
      if (job_id || exited || now >= deadline) {
        break;
      }
      std::this_thread::sleep_for(delay);
      delay = std::min(delay * 2, std::chrono::milliseconds(10));
    }

    if (!job_id) {
      if (!exited) {
        kill_and_reap(who);
      }
      read_more();
      throw_start_error(exited, seen, spec, dir, azcopy_log, started_at);
    }
    if (existing && *job_id != existing->ref.job_id) {
      log_->warn("azcopy {} printed job id {} (expected {})", kind, *job_id, existing->ref.job_id);
    }

    detail::JobRecord record;
    if (existing) {
      record = *existing;
      record.resumes += 1;
      record.summary.reset();
    } else {
      record.ref.job_id = *job_id;
      record.ref.started_at = started_at;
      record.ref.command = command;
      record.ref.environment = safe_environment();
    }
    record.kind = kind;
    record.process = who;
    record.exit = exited;
    record.last_state = AzCopyJobState::Running;
    record.work_dir = child_env_.contains("AZCOPY_JOB_PLAN_LOCATION") ? config_.work_dir : "";
    record.ref.pid = who.pid;
    if (start_output.log_file) {
      record.ref.azcopy_log_file = redact(*start_output.log_file);
    }
    if (!start_output.empty_folders_notice.empty()) {
      record.empty_folders_notice = start_output.empty_folders_notice;
    }
    // Move the output next to the job's record: <root>/<job id>, or <root>/<job id>/resume-N.
    record.process_dir = dir.string();
    if (dir == staging) {
      const fs::path final_dir =
          existing ? fs::path(existing->ref.log_dir) / ("resume-" + std::to_string(record.resumes))
                   : log_root_ / *job_id;
      std::error_code ec;
      fs::rename(staging, final_dir, ec);
      if (ec) {
        log_->warn("cannot rename {} to {}: {}", staging.string(), final_dir.string(),
                   ec.message());
      } else {
        record.process_dir = final_dir.string();
      }
    }
    if (!existing) {
      record.ref.log_dir = record.process_dir;
      record.process_dir.clear();
    }
    save(record);
    log_->info("job {} started (pid {}), files in {}", *job_id, who.pid, record.ref.log_dir);
    return record.ref;
  }

  /// What one `azcopy jobs show` said.
  struct JobsShow {
    RunResult result;
    detail::ParsedOutput parsed;
    std::string excerpt;  ///< Redacted, bounded; only when it gave no summary.
  };

  /// Runs `azcopy jobs show` for @p job_id and parses its output.
  /// @param stop_early  stop AzCopy once it has printed the job's summary: 10.32 prints it as
  ///   GetJobSummary and then repeats the same content as EndOfJob (a second pass over every
  ///   listed failure, a quarter of its run time on a job with thousands of them); the plan
  ///   has been read by then and the command writes nothing.
  JobsShow jobs_show(const std::string& job_id, bool stop_early) {
    ProcessSpec spec;
    spec.executable = ensure_azcopy();
    spec.args = {
        "jobs", "show", job_id, "--output-type=json", "--log-level=NONE", "--skip-version-check"};
    spec.env = child_env_;
    if (stop_early) {
      spec.stop_after_line = [](std::string_view head) {
        return detail::is_job_summary_head(head);
      };
    }
    // A job with thousands of failures prints megabytes: the output goes to a file that is
    // read one line at a time, never whole. On a full disk it is captured in memory instead
    // (the file would stay empty).
    const bool log_root_has_room = free_bytes(log_root_) >= kMinFreeBytes;
    const fs::path scratch = log_root_has_room ? log_root_ : fs::temp_directory_path();
    TempFile out_file(log_root_has_room || free_bytes(scratch) >= kMinFreeBytes
                          ? scratch / (".azcopy-runner-jobs-show-" + random_hex(8) + ".json")
                          : fs::path());
    if (out_file.created()) {
      spec.stdout_file = out_file.path().string();
    }
    JobsShow shown;
    shown.result = launcher_->run(spec, config_.command_timeout, config_.max_command_output);
    const RunResult& r = shown.result;
    const bool in_file = r.out.empty() && out_file.created();
    if (!r.timed_out) {
      shown.parsed =
          in_file ? detail::parse_output_file(out_file.path()) : detail::parse_output(r.out);
    }
    if (!shown.parsed.job_not_found && !shown.parsed.summary) {
      // "invalid jobId given" and panics arrive as plain text, maybe on stderr.
      shown.parsed.job_not_found = detail::parse_output(r.err).job_not_found;
    }
    if (!shown.parsed.summary) {
      shown.excerpt = redacted_excerpt(
          (in_file ? detail::read_tail(out_file.path(), kMaxExcerptBytes).value_or("") : r.out) +
          r.err);
    }
    return shown;
  }

  // ----- observe / poll / summary -------------------------------------------------------------

  Observation observe(std::string_view job_id_view, bool allow_fast) {
    const std::string job_id = check_job_id(job_id_view);
    Observation obs;
    obs.record = detail::load_record(log_root_, job_id);
    if (obs.record && obs.record->summary) {
      obs.summary = obs.record->summary;
      obs.state = obs.record->summary->state;
      obs.at = obs.record->summary->finished_at.value_or(std::chrono::system_clock::now());
      return obs;
    }
    // Liveness is read *before* asking AzCopy: a process that is gone now had written its
    // final status before `jobs show` reads the plan.
    Liveness liveness = Liveness::Unknown;
    if (obs.record) {
      if (auto status = launcher_->try_reap(obs.record->process.pid)) {
        obs.record->exit = status;
      }
      liveness = launcher_->probe(obs.record->process);
    }

    if (allow_fast && config_.poll_from_output && obs.record && liveness != Liveness::Unknown) {
      if (auto fast = observe_from_output(*obs.record, liveness)) {
        fast->record = std::move(obs.record);
        return *fast;
      }
    }

    JobsShow shown = jobs_show(job_id, true);
    if (shown.result.stopped && !shown.parsed.summary && !shown.parsed.job_not_found) {
      shown = jobs_show(job_id, false);  // the line it stopped at was no summary: ask again
    }
    obs.at = std::chrono::system_clock::now();
    const RunResult& r = shown.result;
    detail::ParsedOutput& parsed = shown.parsed;
    const std::string& output_excerpt = shown.excerpt;
    const std::string log_dir = obs.record ? obs.record->ref.log_dir : log_root_.string();
    if (r.timed_out) {
      throw AzCopyParseError("'azcopy jobs show' did not answer within " +
                                 std::to_string(config_.command_timeout.count()) +
                                 " ms; it was killed",
                             ErrorContext{job_id, log_dir, output_excerpt});
    }

    if (parsed.job_not_found) {
      if (!obs.record) {
        throw AzCopyJobNotFoundError("no job " + job_id + " is known to AzCopy or to the runner",
                                     ErrorContext{job_id, log_root_.string(), output_excerpt});
      }
      if (liveness == Liveness::Alive) {
        obs.state = AzCopyJobState::Pending;
        obs.reason = "AzCopy is running but has not written its job plan yet";
      } else if (liveness == Liveness::Dead && obs.record->cancel_requested) {
        obs.state = AzCopyJobState::Canceled;
        obs.reason = "canceled before AzCopy wrote its job plan";
        obs.summary = final_without_plan(*obs.record, obs.state, obs.reason);
      } else if (liveness == Liveness::Dead) {
        obs.state = AzCopyJobState::Failed;
        obs.reason =
            "AzCopy exited" +
            (obs.record->exit ? " (" + describe_exit(*obs.record->exit) + ")" : std::string()) +
            " without leaving a job plan" + own_error_suffix(*obs.record);
        obs.summary = final_without_plan(*obs.record, obs.state, obs.reason);
      } else {
        obs.state = AzCopyJobState::Unknown;
        obs.reason = "the job was started on host " + obs.record->process.host +
                     " and AzCopy on this host does not know it";
      }
      return obs;
    }
    if (!parsed.summary) {
      std::string what = r.exit && (r.exit->exit_code != 0 || r.exit->signal != 0)
                             ? "'azcopy jobs show' failed (" + describe_exit(*r.exit) + ")"
                             : "'azcopy jobs show' printed no job summary";
      if (obs.record && liveness == Liveness::Alive) {
        // The job's AzCopy runs, and `jobs show` reads the plan files it is still writing:
        // early in a large job it can die of SIGBUS (Go: "unexpected fault address"). The
        // job is not known to `jobs show` yet; the next poll asks again.
        obs.state = AzCopyJobState::Pending;
        obs.reason = "AzCopy is running; its job plan could not be read yet (" + what + ": " +
                     first_line(output_excerpt) + ")";
        return obs;
      }
      throw AzCopyParseError(what, ErrorContext{job_id, log_dir, output_excerpt});
    }
    obs.summary = std::move(parsed.summary);
    obs.summary->job_id = job_id;
    obs.uncounted_folders = parsed.uncounted_folders;
    obs.state = obs.summary->state;
    if (obs.state == AzCopyJobState::Running && obs.record && liveness == Liveness::Dead &&
        obs.record->cancel_requested) {
      // `azcopy cancel` of an orphaned plan leaves it "Cancelling" (shown as InProgress)
      // unless it had time to close every part: nothing runs it any more, it is canceled.
      obs.state = AzCopyJobState::Canceled;
      obs.reason =
          "canceled; the AzCopy process is gone and its plan says " + obs.summary->raw_status;
      obs.summary->state = AzCopyJobState::Canceled;
      obs.summary->messages.push_back(obs.reason);
    } else if (obs.state == AzCopyJobState::Running && obs.record && liveness == Liveness::Dead) {
      obs.state = AzCopyJobState::Failed;
      obs.resumable = obs.summary->total_transfers > 0;
      obs.reason =
          "the AzCopy process (pid " + std::to_string(obs.record->process.pid) + ") is gone" +
          (obs.record->exit ? " (" + describe_exit(*obs.record->exit) + ")" : std::string()) +
          " while its plan says " + obs.summary->raw_status +
          (obs.resumable ? "; it can be resumed (azcopy jobs resume)"
                         : "; scanning had not finished, it cannot be resumed");
      obs.summary->state = AzCopyJobState::Failed;
      obs.summary->messages.push_back(obs.reason);
    }
    if (obs.record && is_terminal(obs.state) && obs.reason.empty()) {
      finalize(*obs.record, *obs.summary, obs.at, obs.uncounted_folders);
      obs.state = obs.summary->state;  // finalize may have decided FAILED (see there)
    }
    return obs;
  }

  /// The job's state from the last summary message of its own JSON stdout, when that decides
  /// it: an EndOfJob (terminal), or a Progress while the process is alive (running).
  [[nodiscard]] static std::optional<Observation> observe_from_output(
      const detail::JobRecord& record, Liveness liveness) {
    const auto& cmd = record.ref.command;
    if (std::find(cmd.begin(), cmd.end(), "--output-type=json") == cmd.end() &&
        record.kind == "copy") {
      return std::nullopt;
    }
    // 16 KiB holds a few progress lines; a line listing many failures needs a longer window.
    for (std::size_t window = std::size_t{16} << 10; window <= kStdoutTailBytes; window *= 4) {
      const auto tail = detail::read_tail(record.stdout_path(), window);
      if (!tail) {
        return std::nullopt;
      }
      const std::string_view line = detail::last_summary_line(*tail);
      if (line.empty()) {
        if (tail->size() < window) {
          return std::nullopt;  // the whole file holds no summary yet
        }
        continue;  // a longer window may hold one
      }
      // Counts only: a progress line listing thousands of failures costs no more to read.
      detail::ParsedOutput parsed = detail::parse_progress_line(line);
      if (!parsed.summary) {
        return std::nullopt;
      }
      Observation obs;
      obs.at = parsed.last_timestamp.value_or(std::chrono::system_clock::now());
      if (parsed.end_of_job) {
        // Terminal: the plan's figures are the reference (a cancelled job's last message
        // counts partly sent bytes that the plan does not). One `jobs show`, then the
        // summary is kept in the record and every later poll is served from there.
        return std::nullopt;
      }
      if (liveness == Liveness::Alive) {
        obs.state = AzCopyJobState::Running;  // only EndOfJob is final
        parsed.summary->state = AzCopyJobState::Running;
      } else {
        return std::nullopt;  // gone without an EndOfJob: let the plan decide
      }
      obs.summary = std::move(parsed.summary);
      obs.summary->job_id = record.ref.job_id;
      return obs;
    }
    return std::nullopt;
  }

  AzCopyProgress poll(std::string_view job_id) {
    // A finished job is served from its record, whose summary (up to ~100 KB of JSON) would be
    // parsed again at every poll: its progress is kept instead, keyed by the identity of the
    // record file, so that polling it costs one stat() until the record changes (a resume).
    const std::string id = check_job_id(job_id);
    const auto identity = record_identity(id);
    if (identity) {
      std::lock_guard lock(finished_mutex_);
      if (const auto it = finished_.find(id);
          it != finished_.end() && it->second.first == *identity) {
        AzCopyProgress p = it->second.second;
        p.job_id = std::string(job_id);
        return p;
      }
    }
    const Observation obs = observe(job_id, true);
    AzCopyProgress p;
    if (obs.summary) {
      p = progress_from_summary(*obs.summary);
    }
    p.job_id = std::string(job_id);
    p.state = obs.state;
    p.reason = obs.reason;
    // A finished job with failed transfers can be resumed too: `azcopy jobs resume` retries
    // them (with fresh SAS tokens when theirs expired).
    p.resumable = obs.resumable || (p.state == AzCopyJobState::Failed && p.failed > 0);
    p.last_updated_at = obs.at;
    if (identity && obs.record && obs.record->summary && is_terminal(p.state)) {
      std::lock_guard lock(finished_mutex_);
      if (finished_.size() >= kMaxFinishedKept) {
        finished_.clear();
      }
      finished_[id] = {*identity, p};
    }
    return p;
  }

  /// (inode, size, mtime) of a job's record file, if it exists.
  [[nodiscard]] std::optional<std::array<std::int64_t, 4>> record_identity(
      const std::string& job_id) const {
    struct stat st {};
    if (::stat((log_root_ / job_id / "record.json").c_str(), &st) != 0) {
      return std::nullopt;
    }
    return std::array<std::int64_t, 4>{static_cast<std::int64_t>(st.st_ino),
                                       static_cast<std::int64_t>(st.st_size),
                                       static_cast<std::int64_t>(st.st_mtim.tv_sec),
                                       static_cast<std::int64_t>(st.st_mtim.tv_nsec)};
  }

  AzCopySummary get_summary(std::string_view job_id) {
    Observation obs = observe(job_id, false);
    if (obs.summary && is_terminal(obs.state)) {
      return *obs.summary;
    }
    AzCopySummary partial = obs.summary.value_or(AzCopySummary{});
    partial.job_id = std::string(job_id);
    partial.state = obs.state;
    throw AzCopyNotFinishedError(
        "job " + std::string(job_id) + " is not finished (" + std::string(to_string(obs.state)) +
            (obs.reason.empty() ? "" : ": " + obs.reason) + ")",
        ErrorContext{
            std::string(job_id), obs.record ? obs.record->ref.log_dir : log_root_.string(), {}},
        std::move(partial));
  }

  AzCopySummary wait(std::string_view job_id, std::chrono::milliseconds timeout,
                     std::chrono::milliseconds interval, const ProgressCallback& on_progress) {
    if (interval <= std::chrono::milliseconds::zero()) {
      interval = config_.poll_interval;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool end_seen = false;
    while (true) {
      const AzCopyProgress p = poll(job_id);
      if (on_progress) {
        on_progress(p);
      }
      if (is_terminal(p.state)) {
        return get_summary(job_id);
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        return get_summary(job_id);  // throws AzCopyNotFinishedError with the partial summary
      }
      const Wake wake = sleep_for_news(
          job_id,
          std::min(interval, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)),
          !end_seen);
      // An EndOfJob wakes the wait once: if the plan is not final yet, the exit will tell.
      end_seen = end_seen || wake == Wake::EndOfJob;
    }
  }

  /// Why sleep_for_news() returned.
  enum class Wake { Pause, Exit, EndOfJob };

  /// Sleeps for @p pause, or less when the job's AzCopy process (on this host) ends or, with
  /// @p watch_end, when its own stdout shows its EndOfJob: AzCopy takes tens of milliseconds
  /// more to exit, and the plan holds the final figures by then. wait() then polls at once
  /// rather than up to one interval late.
  Wake sleep_for_news(std::string_view job_id, std::chrono::milliseconds pause, bool watch_end) {
    constexpr auto kEndCheck = std::chrono::milliseconds(20);
    const auto until = std::chrono::steady_clock::now() + pause;
    const auto record = detail::load_record(log_root_, check_job_id(job_id));
    if (!record || launcher_->probe(record->process) != Liveness::Alive) {
      std::this_thread::sleep_for(pause);
      return Wake::Pause;
    }
    const auto& cmd = record->ref.command;
    watch_end = watch_end && std::find(cmd.begin(), cmd.end(), "--output-type=json") != cmd.end();
    std::uintmax_t seen_size = std::numeric_limits<std::uintmax_t>::max();
    for (auto now = std::chrono::steady_clock::now(); now < until;
         now = std::chrono::steady_clock::now()) {
      const auto slice = std::chrono::duration_cast<std::chrono::milliseconds>(
          watch_end ? std::min<std::chrono::steady_clock::duration>(kEndCheck, until - now)
                    : until - now);
      if (launcher_->wait_for_exit(record->process, slice)) {
        return Wake::Exit;
      }
      if (watch_end && shows_end_of_job(record->stdout_path(), seen_size)) {
        return Wake::EndOfJob;
      }
    }
    return Wake::Pause;
  }

  /// Whether the last summary line of @p stdout_path is an EndOfJob; reads only when the file
  /// grew past @p seen_size (updated).
  static bool shows_end_of_job(const fs::path& stdout_path, std::uintmax_t& seen_size) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(stdout_path, ec);
    if (ec || size == seen_size) {
      return false;
    }
    seen_size = size;
    const auto tail = detail::read_tail(stdout_path, kEndOfJobTailBytes);
    return tail && detail::is_end_of_job_line(detail::last_summary_line(*tail));
  }

  // ----- cancel / resume / list -----------------------------------------------------------------

  AzCopyProgress cancel(std::string_view job_id_view, std::chrono::milliseconds grace) {
    const std::string job_id = check_job_id(job_id_view);
    auto record = detail::load_record(log_root_, job_id);
    if (record && !record->summary) {
      record->cancel_requested = true;
      save(*record);
    }
    if (record && launcher_->probe(record->process) == Liveness::Alive) {
      const auto deadline = std::chrono::steady_clock::now() + grace;
      // 1. Ask politely through stdin (works after scanning), 2. answer a Cancel prompt,
      // 3. SIGTERM, 4. SIGKILL at the end of the grace period.
      write_stdin(*record, R"({"TimeStamp":")" +
                               detail::format_timestamp(std::chrono::system_clock::now()) +
                               R"(","RequestType":"CancelJob","Value":""})" + "\n");
      bool termed = false;
      bool answered = false;
      while (launcher_->probe(record->process) == Liveness::Alive) {
        static_cast<void>(launcher_->try_reap(record->process.pid));
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
          log_->warn("job {}: AzCopy still alive after the grace period: SIGKILL", job_id);
          kill_and_reap(record->process);
          break;
        }
        const auto tail = detail::read_tail(record->stdout_path(), kOwnTailBytes).value_or("");
        if (!answered && detail::parse_output(tail).cancel_prompt) {
          write_stdin(*record, "y\n");
          answered = true;
        } else if (!termed && now >= deadline - grace / 2) {
          launcher_->send_signal(record->process, SIGTERM);
          termed = true;
        }
        std::this_thread::sleep_for(50ms);
      }
    }
    // An orphaned plan (process gone, plan InProgress) is closed by `azcopy cancel`.
    AzCopyProgress p = poll(job_id);
    const bool orphaned = p.state == AzCopyJobState::Failed && p.resumable &&
                          (p.raw_status == "InProgress" || p.raw_status == "Cancelling");
    if (p.state == AzCopyJobState::Running || orphaned) {
      ProcessSpec spec{
          ensure_azcopy(), {"cancel", job_id, "--skip-version-check"}, child_env_, {}, {}, {}};
      const RunResult r = launcher_->run(spec, config_.command_timeout, std::size_t{1} << 20);
      log_->info("job {}: azcopy cancel: {}", job_id, redact(r.out + r.err));
      p = poll(job_id);
    }
    return p;
  }

  AzCopyJobRef resume(std::string_view job_id_view, std::string_view source_sas,
                      std::string_view destination_sas) {
    const std::string job_id = check_job_id(job_id_view);
    auto record = detail::load_record(log_root_, job_id);
    if (record && launcher_->probe(record->process) == Liveness::Alive) {
      throw AzCopyStartError("job " + job_id + " is still running (pid " +
                                 std::to_string(record->process.pid) + "): nothing to resume",
                             ErrorContext{job_id, record->ref.log_dir, {}});
    }
    std::vector<std::string> args{"jobs", "resume", job_id, "--output-type=json",
                                  "--skip-version-check"};
    if (!source_sas.empty()) {
      args.push_back("--source-sas=" + std::string(strip_question(source_sas)));
    }
    if (!destination_sas.empty()) {
      args.push_back("--destination-sas=" + std::string(strip_question(destination_sas)));
    }
    if (!record) {
      detail::JobRecord fresh;
      fresh.ref.job_id = job_id;
      fresh.ref.started_at = std::chrono::system_clock::now();
      fresh.ref.environment = safe_environment();
      fresh.ref.command = {redact(config_.azcopy_path), "jobs", "resume", job_id};
      const fs::path dir = log_root_ / job_id;
      detail::make_private_dir(dir);
      fresh.ref.log_dir = dir.string();
      record = fresh;
    }
    return launch_job(args, "resume", record);
  }

  std::vector<JobRecordInfo> list_jobs() {
    std::vector<JobRecordInfo> jobs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(log_root_, ec)) {
      const std::string name = entry.path().filename().string();
      if (!is_valid_job_id(name)) {
        continue;
      }
      if (auto record = detail::load_record(log_root_, name)) {
        jobs.push_back(JobRecordInfo{record->ref, record->last_state, record->summary});
      }
    }
    std::sort(jobs.begin(), jobs.end(), [](const JobRecordInfo& a, const JobRecordInfo& b) {
      return a.ref.started_at > b.ref.started_at;
    });
    return jobs;
  }

  // ----- arguments ----------------------------------------------------------------------------

  static std::vector<std::string> build_args(std::string_view source, std::string_view destination,
                                             const CopyOptions& options,
                                             std::string_view default_log_level) {
    auto refuse = [](const std::string& why) {
      throw AzCopyStartError("invalid copy request: " + why, ErrorContext{});
    };
    if (source.empty() || destination.empty()) {
      refuse("source and destination must not be empty");
    }
    if (source.starts_with("-") || destination.starts_with("-")) {
      refuse("source and destination must not start with '-'");
    }
    const std::string overwrite = lower(options.overwrite);
    if (overwrite == "prompt") {
      refuse("--overwrite=prompt waits for an answer on stdin; use true, false or ifSourceNewer");
    }
    if (overwrite != "true" && overwrite != "false" && overwrite != "ifsourcenewer") {
      refuse("overwrite must be true, false or ifSourceNewer, not '" + options.overwrite + "'");
    }
    std::string level =
        options.log_level.empty() ? std::string(default_log_level) : options.log_level;
    static constexpr std::array<std::string_view, 6> kLevels = {"debug", "info",  "warning",
                                                                "error", "panic", "none"};
    if (std::find(kLevels.begin(), kLevels.end(), lower(level)) == kLevels.end()) {
      refuse("unknown log level '" + level + "'");
    }
    if (options.from_to) {
      const auto& ft = *options.from_to;
      if (ft.empty() || !std::all_of(ft.begin(), ft.end(),
                                     [](unsigned char c) { return std::isalnum(c) != 0; })) {
        refuse("from_to must be a location pair such as LocalBlob or FileBlob");
      }
    }
    static constexpr std::array<std::string_view, 6> kManaged = {
        "recursive", "overwrite", "from-to", "log-level", "output-type", "cancel-from-stdin"};
    for (const auto& arg : options.extra_args) {
      const std::string name = flag_name(arg);
      if (name.empty()) {
        refuse("extra argument '" + redact(arg) + "' is not a flag");
      }
      if (std::find(kManaged.begin(), kManaged.end(), name) != kManaged.end()) {
        refuse("extra argument --" + name + " is managed by the runner (use CopyOptions)");
      }
      if (name == "output-level") {
        const std::string value = lower(arg.substr(std::min(arg.size(), arg.find('=') + 1)));
        if (arg.find('=') == std::string::npos || value == "essential" || value == "quiet") {
          refuse("--output-level essential/quiet hides AzCopy's prompts and progress");
        }
      }
    }
    if (lower(level) == "none") {
      level = "NONE";
    }
    std::vector<std::string> args{
        "copy", std::string(source), std::string(destination),
        std::string("--recursive=") + (options.recursive ? "true" : "false"),
        "--overwrite=" + options.overwrite};
    if (options.from_to) {
      args.push_back("--from-to=" + *options.from_to);
    }
    args.push_back("--log-level=" + level);
    args.push_back(std::string("--output-type=") +
                   (options.output_type == OutputType::Json ? "json" : "text"));
    args.emplace_back("--skip-version-check");
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    return args;
  }

 private:
  static std::string check_job_id(std::string_view job_id) {
    if (!is_valid_job_id(job_id)) {
      throw AzCopyJobNotFoundError("'" + redacted_excerpt(job_id, 80) +
                                       "' is not an AzCopy job id "
                                       "(a UUID)",
                                   ErrorContext{});
    }
    return lower(job_id);
  }

  static std::string_view strip_question(std::string_view sas) {
    if (sas.starts_with("?")) {
      sas.remove_prefix(1);
    }
    return sas;
  }

  static std::string fmt_command(const std::vector<std::string>& command) {
    std::string out;
    for (const auto& c : command) {
      if (!out.empty()) {
        out += ' ';
      }
      out += c;
    }
    return out;
  }

  [[nodiscard]] std::map<std::string, std::string> safe_environment() const {
    std::map<std::string, std::string> env;
    for (const auto& [key, value] : child_env_) {
      if (!is_secret_env(key)) {
        env[key] = redact(value);
      }
    }
    return env;
  }

  /// Reads up to @p max bytes of @p path from @p offset.
  static std::optional<std::string> read_from(const std::string& path, std::uintmax_t offset,
                                              std::size_t max) {
    detail::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
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

  void kill_and_reap(const ProcessIdentity& who) {
    launcher_->send_signal(who, SIGKILL);
    for (int i = 0; i < 200 && !launcher_->try_reap(who.pid); ++i) {
      if (launcher_->probe(who) == Liveness::Dead) {
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
  }

  void write_stdin(const detail::JobRecord& record, const std::string& line) {
    detail::UniqueFd fd(::open(record.stdin_fifo().c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
      log_->warn("job {}: cannot open {}: {}", record.ref.job_id, record.stdin_fifo().string(),
                 detail::errno_text(errno));
      return;
    }
    if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      log_->warn("job {}: short write to its stdin", record.ref.job_id);
    }
  }

  /// The Error messages of the job's own stdout, as a suffix for a reason.
  static std::string own_error_suffix(const detail::JobRecord& record) {
    const auto tail = detail::read_tail(record.stdout_path(), kOwnTailBytes);
    if (!tail) {
      return {};
    }
    const auto parsed = detail::parse_output(*tail);
    if (parsed.messages.empty()) {
      return {};
    }
    return ": " + parsed.messages.back();
  }

  AzCopySummary final_without_plan(const detail::JobRecord& record, AzCopyJobState state,
                                   const std::string& reason) {
    AzCopySummary s;
    s.job_id = record.ref.job_id;
    s.state = state;
    s.started_at = record.ref.started_at;
    if (auto tail = detail::read_tail(record.stdout_path(), kStdoutTailBytes)) {
      auto parsed = detail::parse_output(*tail);
      s.errors = parsed.errors;
      s.warnings = parsed.warnings;
      s.messages = parsed.messages;
      s.finished_at = parsed.last_timestamp;
      s.raw_summary = redacted_excerpt(*tail, kMaxExcerptBytes);
    }
    s.messages.push_back(reason);
    auto copy = record;
    copy.summary = s;
    copy.last_state = state;
    save(copy);
    return s;
  }

  /// Whether the job's own last summary (the EndOfJob of the process the runner started)
  /// counted its folders and tells the same outcome as the plan's (`jobs show`).
  [[nodiscard]] static bool own_counts_folders(const detail::ParsedOutput& own,
                                               const AzCopySummary& plan) {
    return own.end_of_job && own.summary && own.uncounted_folders == 0 &&
           own.summary->job_id == plan.job_id && own.summary->raw_status == plan.raw_status &&
           own.summary->total_transfers == plan.total_transfers &&
           own.summary->failed_transfers == plan.failed_transfers &&
           own.summary->skipped_transfers == plan.skipped_transfers;
  }

  /// A job AzCopy calls successful that did not do what it was asked: FAILED (AzCopy's own
  /// status stays in raw_status), and @p message first among the messages.
  static void fail_with_first_message(AzCopySummary& summary, std::string message) {
    if (summary.state == AzCopyJobState::Succeeded) {
      summary.state = AzCopyJobState::Failed;
      message += " (AzCopy's status " + summary.raw_status + " is in raw_status)";
    }
    put_first(summary.messages, redacted_excerpt(message, kMaxExcerptBytes));
  }

  /// Inserts @p message before the others, keeping at most kMaxMessages (the last goes).
  static void put_first(std::vector<std::string>& messages, std::string message) {
    messages.insert(messages.begin(), std::move(message));
    if (messages.size() > kMaxMessages) {
      messages.pop_back();
    }
  }

  /// A job whose source AzCopy could not wholly list: the files it did not see are in no count,
  /// so a job AzCopy calls Completed did not copy what it was asked to. FAILED, and the first
  /// message says why, from AzCopy's scanning log (`<job id>-scanning.log` beside its log).
  static void note_scan_failure(const detail::JobRecord& record, AzCopySummary& summary) {
    std::string message =
        "AzCopy could not list part of the source: the files there are in no "
        "count of this job";
    const std::string& log = record.ref.azcopy_log_file;
    if (log.size() > 4 && log.ends_with(".log")) {
      const std::string scanning = log.substr(0, log.size() - 4) + "-scanning.log";
      const std::string reason =
          last_error_line(detail::read_tail(scanning, kLogTailBytes).value_or(""));
      message += "; its scanning log " + scanning +
                 (reason.empty() ? std::string(" says no more")
                                 : " says: " + redacted_excerpt(reason, 400));
    }
    fail_with_first_message(summary, message);
  }

  /// A resumed job that AzCopy let skip files because they exist at the destination (overwrite
  /// not `true`): the process that died had created some of them, at their full size, without
  /// all their bytes (seen: a RESTORE killed mid-way, resumed with `ifSourceNewer`, "succeeded"
  /// with 36 of 40 files skipped and left full of zeros). Those files cannot be told from the
  /// ones that were there before: FAILED, and the first message says what to do.
  static void note_resumed_skips(const detail::JobRecord& record, AzCopySummary& summary) {
    std::string overwrite = "true";
    for (const auto& arg : record.ref.command) {
      if (arg.starts_with("--overwrite=")) {
        overwrite = arg.substr(12);
      }
    }
    if (lower(overwrite) == "true") {
      return;
    }
    std::string message =
        "this job was resumed after its AzCopy process ended, and AzCopy skipped " +
        std::to_string(summary.skipped_transfers) +
        " files because they exist at the destination (--overwrite=" + overwrite +
        "): files the ended process had begun are among them and may be incomplete (created at "
        "their full size, not all their bytes written); copy again with overwrite=true";
    fail_with_first_message(summary, message);
  }

  /// AzCopy cancels a job itself after a transfer fails on an authentication error (a 403: a
  /// SAS that expired or was refused; seen on 10.32 when the share's SAS expired mid-COOL). No
  /// one asked for that cancel: FAILED, with the failed transfers, and `jobs resume` with fresh
  /// tokens continues it.
  static void note_cancelled_by_azcopy(AzCopySummary& summary) {
    summary.state = AzCopyJobState::Failed;
    std::string codes;
    for (const auto& f : summary.failed_files) {
      if (!f.error_code.empty() && codes.find(f.error_code) == std::string::npos) {
        codes += (codes.empty() ? "" : ", ") + f.error_code;
      }
    }
    put_first(summary.messages,
              "AzCopy cancelled this job itself after " + std::to_string(summary.failed_transfers) +
                  " failed transfer(s)" +
                  (codes.empty() ? std::string() : " (error " + codes + ")") +
                  "; no cancel was requested (AzCopy's status " + summary.raw_status +
                  " is in raw_status): a 403 means a SAS expired or was refused; resume the job "
                  "with fresh SAS tokens");
  }

  /// Completes a terminal summary with what the job's own output says, and keeps it.
  /// @p uncounted_folders: folder transfers whose outcome `jobs show` did not count.
  void finalize(detail::JobRecord& record, AzCopySummary& summary, TimePoint observed_at,
                std::int64_t uncounted_folders = 0) {
    summary.job_id = record.ref.job_id;
    if (!summary.started_at) {
      summary.started_at = record.ref.started_at;
    }
    std::string empty_folders_notice = record.empty_folders_notice;
    bool scan_failed = false;
    if (auto tail = detail::read_tail(record.stdout_path(), kStdoutTailBytes)) {
      const auto own = detail::parse_output(*tail);
      scan_failed = own.scan_failed;
      if (empty_folders_notice.empty()) {
        empty_folders_notice = own.empty_folders_notice;
      }
      // Only a job run by one process: a resumed one's last process counted its own part.
      if (uncounted_folders > 0 && record.resumes == 0 && own_counts_folders(own, summary)) {
        summary.files_transferred = own.summary->files_transferred;
        uncounted_folders = 0;
      }
      summary.warnings = std::max(summary.warnings, own.warnings);
      summary.errors = std::max(summary.errors, own.errors);
      for (const auto& m : own.messages) {
        if (summary.messages.size() < kMaxMessages &&
            std::find(summary.messages.begin(), summary.messages.end(), m) ==
                summary.messages.end()) {
          summary.messages.push_back(m);
        }
      }
      if (own.end_timestamp) {
        summary.finished_at = own.end_timestamp;
      }
      if (own.first_timestamp && record.resumes == 0) {
        summary.started_at = own.first_timestamp;
      }
    }
    if (scan_failed) {
      note_scan_failure(record, summary);
    }
    if (record.resumes > 0 && summary.skipped_transfers > 0) {
      note_resumed_skips(record, summary);
    }
    if (summary.state == AzCopyJobState::Canceled && !record.cancel_requested &&
        summary.failed_transfers > 0) {
      note_cancelled_by_azcopy(summary);
    }
    if (!empty_folders_notice.empty()) {
      detail::note_empty_folders(summary, empty_folders_notice);
    }
    if (uncounted_folders > 0 && summary.messages.size() < kMaxMessages) {
      summary.messages.push_back(
          "files_transferred may count up to " + std::to_string(uncounted_folders) +
          " folders: 'azcopy jobs show' does not say how many folder transfers completed, and "
          "the job's own output is not available");
    }
    if (!summary.finished_at) {
      summary.finished_at = observed_at;
    }
    record.summary = summary;
    record.last_state = summary.state;
    save(record);
  }

  void save(const detail::JobRecord& record) {
    std::lock_guard lock(record_mutex_);
    const std::string error = detail::write_record(record);
    if (!error.empty()) {
      log_->warn("job {}: record not written ({}); polling still works through azcopy jobs show",
                 record.ref.job_id, error);
    }
  }

  RunnerConfig config_;
  std::shared_ptr<ProcessLauncher> launcher_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<std::string, std::string> child_env_;
  fs::path log_root_;
  std::mutex azcopy_mutex_;
  std::string azcopy_exe_;
  std::string azcopy_version_;
  std::mutex record_mutex_;
  static constexpr std::size_t kMaxFinishedKept = 4096;
  std::mutex finished_mutex_;
  /// poll() of finished jobs: job id -> (record identity, progress). See poll().
  std::map<std::string, std::pair<std::array<std::int64_t, 4>, AzCopyProgress>> finished_;
};

// ---------------------------------------------------------------------------------------------

AzCopyRunner::AzCopyRunner(RunnerConfig config, std::shared_ptr<ProcessLauncher> launcher,
                           std::shared_ptr<spdlog::logger> logger)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(launcher), std::move(logger))) {}
AzCopyRunner::~AzCopyRunner() = default;
AzCopyRunner::AzCopyRunner(AzCopyRunner&&) noexcept = default;
AzCopyRunner& AzCopyRunner::operator=(AzCopyRunner&&) noexcept = default;

AzCopyJobRef AzCopyRunner::start_copy(std::string_view source, std::string_view destination,
                                      const CopyOptions& options) {
  return impl_->start_copy(source, destination, options);
}
AzCopyProgress AzCopyRunner::poll(std::string_view job_id) { return impl_->poll(job_id); }
AzCopySummary AzCopyRunner::get_summary(std::string_view job_id) {
  return impl_->get_summary(job_id);
}
AzCopySummary AzCopyRunner::wait(std::string_view job_id, std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds interval,
                                 const ProgressCallback& on_progress) {
  return impl_->wait(job_id, timeout, interval, on_progress);
}
AzCopyProgress AzCopyRunner::cancel(std::string_view job_id, std::chrono::milliseconds grace) {
  return impl_->cancel(job_id, grace);
}
AzCopyJobRef AzCopyRunner::resume(std::string_view job_id, std::string_view source_sas,
                                  std::string_view destination_sas) {
  return impl_->resume(job_id, source_sas, destination_sas);
}
std::vector<JobRecordInfo> AzCopyRunner::list_jobs() { return impl_->list_jobs(); }
std::string AzCopyRunner::azcopy_version() { return impl_->azcopy_version(); }
const RunnerConfig& AzCopyRunner::config() const noexcept { return impl_->config(); }

std::vector<std::string> AzCopyRunner::build_copy_args(std::string_view source,
                                                       std::string_view destination,
                                                       const CopyOptions& options,
                                                       std::string_view default_log_level) {
  std::vector<std::string> args = Impl::build_args(source, destination, options, default_log_level);
  for (auto& a : args) {
    a = redact(a);
  }
  return args;
}

}  // namespace azcopy_runner
