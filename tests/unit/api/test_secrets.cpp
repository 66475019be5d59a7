// SPDX-License-Identifier: MIT
// A signature fed in through every input of the runner is found on none of its outputs: the
// host's log, the records and other files it writes, the errors it throws, and what it returns
// (refs, progress, summaries, job lists). AzCopy's own output files (stdout.log, stderr.log) are
// AzCopy's writing, redirected: AzCopy redacts `sig` in them itself, and they are not checked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include "azcopy_runner/azcopy_runner.hpp"
#include "mock_launcher.hpp"
#include "runner_fixture.hpp"
#include "store/record.hpp"
#include "text/redact.hpp"

namespace azcopy_runner {
namespace {

using namespace runner_testing;  // NOLINT(google-build-using-namespace): the shared names

/// Not a real signature, but shaped as one (base64, percent-encoded '=').
const std::string kSecret = "U2VjcmV0U2lnbmF0dXJlRm9yVGVzdHM";
const std::string kSasWithSecret =
    "sv=2022-11-02&ss=bf&srt=sco&sp=rwdlc&se=2126-01-01T00%3A00%3A00Z&sig=" + kSecret + "%3D";

/// Every output the test collects, each with where it came from.
class Outputs {
 public:
  void add(const std::string& where, const std::string& text) { seen_.emplace_back(where, text); }

  void add_error(const std::string& where, const AzCopyError& e) {
    add(where + ": what()", e.what());
    add(where + ": job_id()", e.job_id());
    add(where + ": log_dir()", e.log_dir());
    add(where + ": excerpt()", e.excerpt());
  }

  /// Every file under @p root but AzCopy's own output files (its stdout and stderr, its
  /// `<job id>.log`).
  void add_files(const fs::path& root, const std::string& job_id) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      const std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || name == "stdout.log" || name == "stderr.log" ||
          name == job_id + ".log") {
        continue;
      }
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      add(entry.path().string(), text.str());
    }
  }

  void expect_no_secret() const {
    for (const auto& [where, text] : seen_) {
      EXPECT_EQ(text.find(kSecret), std::string::npos) << "in " << where << ":\n" << text;
    }
  }

  [[nodiscard]] std::size_t size() const { return seen_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> seen_;
};

/// AzCopy's recorded output of a job with a failed transfer, with the secret where an AzCopy
/// that did not redact would have printed it: on the failed transfer's URL, and in an error.
std::string with_secret(std::string text) {
  const std::string url = "http://127.0.0.1:10000/devstoreaccount1/dest-run/json/src/f2.bin";
  for (auto at = text.find(url); at != std::string::npos; at = text.find(url, at + 1)) {
    text.insert(at + url.size(), "?" + kSasWithSecret);
  }
  return text;
}

class Secrets : public RunnerTest {
 protected:
  void SetUp() override {
    RunnerTest::SetUp();
    host_ = std::make_shared<spdlog::logger>(
        "host", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_));
    host_->set_level(spdlog::level::trace);
    config_.extra_env = {{"AZCOPY_CONCURRENCY_VALUE", "4"},
                         {"MY_SAS", "https://acct.blob.core.windows.net/c?" + kSasWithSecret},
                         {"HTTPS_PROXY", "http://user:" + kSecret + "@proxy:3128"}};
  }

  std::ostringstream log_text_;
  std::shared_ptr<spdlog::logger> host_;
};

TEST_F(Secrets, ASignatureFedThroughEveryInputIsOnNoOutput) {
  Outputs out;
  const std::string source = "https://acct.file.core.windows.net/share/project?" + kSasWithSecret;
  const std::string destination = "https://acct.blob.core.windows.net/cool?" + kSasWithSecret;
  CopyOptions options;
  options.from_to = "FileBlob";
  options.extra_args = {"--include-pattern=*.bin;x?sig=" + kSecret};

  // AzCopy's stdout and stderr, its jobs show answer and its log carry the secret too.
  std::string stdout_text = with_secret(fixture(kV, "copy_json_errors.stdout"));
  const auto last_line = stdout_text.rfind("{\"TimeStamp\"");
  stdout_text.insert(last_line, R"({"TimeStamp":"2026-11-29T18:23:53.1Z","MessageType":"Error",)"
                                R"("MessageContent":"PUT )" +
                                    destination + R"( failed: 403"})" + "\n");
  expect_spawn(stdout_text, 4242, "panic: GET " + source + "\n");
  AzCopyRunner r(config_, launcher_, host_);
  const AzCopyJobRef ref = r.start_copy(source, destination, options);
  out.add("start_copy: ref", to_json(ref));
  for (const auto& arg : ref.command) {
    out.add("start_copy: command", arg);
  }
  {
    std::string log =
        testing::slurp(fs::path(AZCOPY_RUNNER_LOGS_DIR) / kV / "cool-container-sas-rl.log");
    for (auto at = log.find("-REDACTED-"); at != std::string::npos; at = log.find("-REDACTED-")) {
      log.replace(at, 10, kSecret);
    }
    std::ofstream(fs::path(config_.work_dir) / (ref.job_id + ".log")) << log;
  }

  EXPECT_CALL(*launcher_, probe(_)).WillRepeatedly(Return(Liveness::Dead));
  expect_jobs_show(with_secret(fixture(kV, "jobs_show_json_errors_from_json.stdout")));
  const AzCopyProgress progress = r.poll(ref.job_id);
  EXPECT_EQ(progress.state, AzCopyJobState::Failed) << "the scenario is a failed job";
  out.add("poll", to_json(progress));
  const AzCopySummary summary = r.get_summary(ref.job_id);
  ASSERT_FALSE(summary.failed_files.empty()) << "the failed transfer's URL is an input";
  out.add("get_summary", to_json(summary));
  for (const auto& job : r.list_jobs()) {
    out.add("list_jobs", to_json(job.ref));
  }

  // A resume given the tokens: its command, record and log.
  expect_spawn(fixture(kV, "copy_json_completed.stdout"), 4343);
  try {
    out.add("resume: ref", to_json(r.resume(ref.job_id, "?" + kSasWithSecret, kSasWithSecret)));
  } catch (const AzCopyError& e) {
    out.add_error("resume", e);
  }

  // Errors whose inputs hold the secret.
  for (const std::string& bad_id :
       {"https://acct/c?sig=" + kSecret, "0bd1a7e4-3f0c?sig=" + kSecret + " x"}) {
    try {
      static_cast<void>(r.poll(bad_id));
      ADD_FAILURE() << "accepted " << bad_id;
    } catch (const AzCopyError& e) {
      out.add_error("poll of a bad id", e);
    }
  }
  for (const std::string& refused : {"--from-to=BlobBlob?sig=" + kSecret, source}) {
    try {
      CopyOptions bad;
      bad.extra_args = {refused};  // a managed flag, a positional argument
      static_cast<void>(r.start_copy(source, destination, bad));
      ADD_FAILURE() << "accepted " << refused;
    } catch (const AzCopyError& e) {
      out.add_error("start_copy refused", e);
    }
  }
  EXPECT_CALL(*launcher_, spawn_detached(_))
      .WillOnce(::testing::Invoke([](const DetachedSpec& spec) {
        std::ofstream(spec.stdout_path)
            << "failed to parse user input due to error: " << spec.process.args[1] << "\n";
        return ProcessIdentity{4444, 1, "boot", "host"};
      }));
  EXPECT_CALL(*launcher_, try_reap(_)).WillRepeatedly(Return(ExitStatus{1, 0}));
  try {
    static_cast<void>(r.start_copy(source, destination, options));
    ADD_FAILURE() << "a start that exited at once was accepted";
  } catch (const AzCopyError& e) {
    out.add_error("start_copy that exits", e);
  }
  RunnerConfig missing = config_;
  missing.azcopy_path = "/nonexistent/azcopy?sig=" + kSecret;
  try {
    AzCopyRunner m(missing, launcher_, host_);
    static_cast<void>(m.start_copy(source, destination, options));
  } catch (const AzCopyError& e) {
    out.add_error("missing azcopy", e);
  }

  out.add("the host's log", log_text_.str());
  out.add_files(root_, ref.job_id);
  EXPECT_GE(out.size(), 30U);
  EXPECT_NE(log_text_.str().find("starting azcopy"), std::string::npos) << "nothing was logged";
  out.expect_no_secret();
}

// The exits themselves, each given a secret that no call site redacted.

TEST(RedactingLogger, RedactsEachMessageWholeAndKeepsTheHostsLevel) {
  std::ostringstream text;
  auto host = std::make_shared<spdlog::logger>(
      "host", std::make_shared<spdlog::sinks::ostream_sink_mt>(text));
  host->set_level(spdlog::level::info);
  const auto log = detail::redacting_logger(host);
  log->info("GET {} then {}", "https://a.blob.core.windows.net/c?" + kSasWithSecret,
            "AccountKey=" + kSecret);
  log->debug("not at the host's level");
  log->flush();
  EXPECT_THAT(text.str(), ::testing::HasSubstr("GET https://a.blob.core.windows.net/c?"));
  EXPECT_EQ(text.str().find(kSecret), std::string::npos) << text.str();
  EXPECT_EQ(text.str().find("not at the host's level"), std::string::npos);
  host->set_level(spdlog::level::debug);  // the host's level, as it is now, decides
  log->debug("now at the host's level");
  EXPECT_THAT(text.str(), ::testing::HasSubstr("now at the host's level"));

  const auto none = detail::redacting_logger(nullptr);
  none->error("dropped {}", kSecret);  // no host: nothing, and no crash
}

TEST(RecordWriter, RedactsAStringNoCallSiteRedacted) {
  const fs::path dir = fs::temp_directory_path() /
                       (std::string("azcopy-runner-secrets-").append(std::to_string(::getpid())));
  fs::create_directories(dir);
  detail::JobRecord record;
  record.ref.job_id = "0bd1a7e4-3f0c-4a4e-a1e5-2b4b0c1d9e77";
  record.ref.log_dir = dir.string();
  record.ref.command = {"azcopy", "copy", "https://a/c?" + kSasWithSecret, "/tmp/x"};
  record.copy =
      detail::CopyFacts{"https://a/c?" + kSasWithSecret, "/tmp/x", "", "true", OutputType::Json};
  ASSERT_EQ(detail::write_record(record), "");
  const std::string written = testing::slurp(dir / "record.json");
  fs::remove_all(dir);
  EXPECT_THAT(written, ::testing::HasSubstr("https://a/c?"));
  EXPECT_EQ(written.find(kSecret), std::string::npos) << written;
}

}  // namespace
}  // namespace azcopy_runner
