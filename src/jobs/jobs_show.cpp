// SPDX-License-Identifier: MIT
#include "jobs/jobs_show.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "azcopy_runner/parse.hpp"
#include "jobs/runner_core.hpp"
#include "os/dirs.hpp"
#include "os/fd.hpp"
#include "parse/output_parser.hpp"
#include "parse/output_scan.hpp"

namespace azcopy_runner::detail {
namespace fs = std::filesystem;

namespace {

/// A private file that is removed when the object goes.
class TempFile {
 public:
  /// An empty path creates nothing (created() is false).
  explicit TempFile(fs::path path) : path_(std::move(path)) {
    if (path_.empty()) {
      return;
    }
    UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
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

JobsShow run_jobs_show(RunnerCore& core, const std::string& job_id, bool stop_early) {
  ProcessSpec spec;
  spec.executable = core.azcopy.path();
  spec.args = {
      "jobs", "show", job_id, "--output-type=json", "--log-level=NONE", "--skip-version-check"};
  spec.env = core.child_env;
  if (stop_early) {
    spec.stop_after_line = [](std::string_view head) { return is_job_summary_head(head); };
  }
  // On a full disk the output is captured in memory instead (the file would stay empty).
  const fs::path& root = core.store.root();
  const bool root_has_room = free_bytes(root) >= kMinFreeBytes;
  const fs::path scratch = root_has_room ? root : fs::temp_directory_path();
  TempFile out_file(root_has_room || free_bytes(scratch) >= kMinFreeBytes
                        ? scratch / (std::string(kJobsShowScratchPrefix) + random_hex(8) + ".json")
                        : fs::path());
  if (out_file.created()) {
    spec.stdout_file = out_file.path().string();
  }
  JobsShow shown;
  shown.result =
      core.launcher->run(spec, core.config.command_timeout, core.config.max_command_output);
  const RunResult& r = shown.result;
  const bool in_file = r.out.empty() && out_file.created();
  if (!r.timed_out) {
    shown.parsed = in_file ? parse_output_file(out_file.path()) : parse_output(r.out);
  }
  if (!shown.parsed.job_not_found && !shown.parsed.summary) {
    // "invalid jobId given" and panics arrive as plain text, maybe on stderr.
    shown.parsed.job_not_found = parse_output(r.err).job_not_found;
  }
  if (!shown.parsed.summary) {
    shown.excerpt = redacted_excerpt(
        (in_file ? read_tail(out_file.path(), kMaxExcerptBytes).value_or("") : r.out) + r.err);
  }
  return shown;
}

}  // namespace azcopy_runner::detail
