// SPDX-License-Identifier: MIT
// The azcopy-runner command-line tool, run as a process against AzCopy and Azurite.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

struct CliResult {
  int status = -1;
  std::string out;
  std::string err;
};

class Cli : public RealAzCopy {
 protected:
  /// Runs the CLI with the test's work/log dirs and AzCopy, capturing stdout and stderr.
  CliResult cli(std::vector<std::string> args) {
    const fs::path err_file = dir_.path() / "cli.stderr";
    std::vector<std::string> argv{"env",
                                  "AZCOPY_PATH=" + config_.azcopy_path,
                                  "AZCOPY_WORK_DIR=" + config_.work_dir,
                                  "AZCOPY_LOG_DIR=" + config_.log_dir,
                                  "sh",
                                  "-c",
                                  "exec \"$@\" 2>\"$0\"",
                                  err_file.string(),
                                  AZCOPY_RUNNER_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult r = run_command(argv);
    CliResult result{r.status, r.out, slurp(err_file)};
    const std::string sig = Env::get().signature();
    EXPECT_THAT(result.out, Not(HasSubstr(sig)));
    EXPECT_THAT(result.err, Not(HasSubstr(sig)));
    return result;
  }

  static json parse(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << text;
    return j;
  }
};

TEST_F(Cli, CopyWaitJsonThenPollSummaryAndJobs) {
  TempDir src("cli");
  const Tree tree = make_tree(src.path(), 5, 30'000);
  const std::string cont = container("cli");
  const CliResult copy =
      cli({"copy", src.path().string(), url(cont), "--from-to", "LocalBlob", "--wait", "--json"});
  ASSERT_EQ(copy.status, 0) << copy.out << copy.err;
  const json s = parse(copy.out);
  EXPECT_EQ(s["state"], "SUCCEEDED");
  EXPECT_EQ(s["files_transferred"], tree.size());
  EXPECT_EQ(s["bytes_transferred"], total_bytes(tree));
  EXPECT_EQ(s["failed_transfers"], 0);
  const std::string id = s["job_id"];
  ASSERT_TRUE(is_valid_job_id(id));

  const CliResult poll = cli({"poll", id, "--json"});
  EXPECT_EQ(poll.status, 0);
  EXPECT_EQ(parse(poll.out)["state"], "SUCCEEDED");

  const CliResult summary = cli({"summary", id});
  EXPECT_EQ(summary.status, 0);
  EXPECT_THAT(summary.out, HasSubstr(id));

  const CliResult jobs = cli({"jobs", "--json"});
  EXPECT_EQ(jobs.status, 0);
  EXPECT_THAT(jobs.out, HasSubstr(id));
}

TEST_F(Cli, CopyWithoutJsonPrintsPlainProgressLinesWhenNotATerminal) {
  TempDir src("cli-plain");
  make_tree(src.path(), 3, 10'000);
  const CliResult copy = cli(
      {"copy", src.path().string(), url(container("plain")), "--from-to", "LocalBlob", "--wait"});
  EXPECT_EQ(copy.status, 0) << copy.err;
  EXPECT_THAT(copy.out + copy.err, HasSubstr("SUCCEEDED"));
  EXPECT_THAT(copy.out + copy.err, Not(HasSubstr("\r")));  // no redrawn line on a pipe
}

TEST_F(Cli, AFailedJobExitsOne) {
  TempDir src("cli-fail");
  make_tree(src.path(), 2, 1'000);
  const CliResult copy = cli({"copy", src.path().string(), url(unique_name("nosuchcontainer")),
                              "--from-to", "LocalBlob", "--wait", "--json"});
  EXPECT_EQ(copy.status, 1) << copy.out;
  EXPECT_EQ(parse(copy.out)["state"], "FAILED");
}

TEST_F(Cli, ErrorsAreTypedJsonWithDistinctExitCodes) {
  const CliResult bad_id = cli({"poll", "../etc/passwd", "--json"});
  EXPECT_EQ(bad_id.status, 4);
  EXPECT_EQ(parse(bad_id.out)["error"], "AzCopyJobNotFoundError");

  const CliResult unknown = cli({"summary", "7b0a9c2e-1111-4222-8333-444455556666", "--json"});
  EXPECT_EQ(unknown.status, 4);
  const json e = parse(unknown.out);
  EXPECT_EQ(e["error"], "AzCopyJobNotFoundError");
  EXPECT_EQ(e["job_id"], "7b0a9c2e-1111-4222-8333-444455556666");
  EXPECT_TRUE(e.contains("log_dir"));

  const CliResult human = cli({"summary", "7b0a9c2e-1111-4222-8333-444455556666"});
  EXPECT_EQ(human.status, 4);
  EXPECT_THAT(human.err, HasSubstr("AzCopyJobNotFoundError"));

  const CliResult missing = cli({"--azcopy", "/nonexistent/azcopy", "poll",
                                 "7b0a9c2e-1111-4222-8333-444455556666", "--json"});
  EXPECT_EQ(missing.status, 5);
  EXPECT_EQ(parse(missing.out)["error"], "AzCopyNotInstalledError");

  const CliResult usage = cli({"copy", "--no-such-option"});
  EXPECT_EQ(usage.status, 2);
  EXPECT_THAT(usage.err, HasSubstr("--no-such-option"));

  const CliResult prompt = cli({"copy", "src", url("x"), "--overwrite", "prompt", "--json"});
  EXPECT_EQ(prompt.status, 2);  // the CLI refuses it before the library is asked

  const CliResult refused = cli({"copy", "src", url("x"), "--json", "--", "--output-level=quiet"});
  EXPECT_EQ(refused.status, 7);
  EXPECT_EQ(parse(refused.out)["error"], "AzCopyStartError");
}

TEST_F(Cli, CancelThenSummaryExitsThree) {
  TempDir src("cli-cancel");
  make_tree(src.path(), 12, 1'000'000);
  const CliResult copy = cli({"copy", src.path().string(), url(container("cancel")), "--from-to",
                              "LocalBlob", "--json", "--", "--cap-mbps=8"});
  ASSERT_EQ(copy.status, 0) << copy.err;
  const std::string id = parse(copy.out)["job_id"];
  const CliResult cancel = cli({"cancel", id, "--grace", "20", "--json"});
  EXPECT_EQ(cancel.status, 0) << cancel.out << cancel.err;
  EXPECT_EQ(parse(cancel.out)["state"], "CANCELED");
  EXPECT_EQ(cli({"summary", id}).status, 3);
}

// `rm` and `prune` against real AzCopy: its own plan files and logs (named by AzCopy, in the
// work dir) go with the runner's directory of the job, and nothing of another job.
TEST_F(Cli, RmAndPruneRemoveWhatEndedJobsLeftAndPollThenSaysNotFound) {
  TempDir src("cli-rm");
  make_tree(src.path(), 3, 10'000);
  const std::string cont = container("clirm");
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    const CliResult copy =
        cli({"copy", src.path().string(), url(cont), "--from-to", "LocalBlob", "--wait", "--json"});
    ASSERT_EQ(copy.status, 0) << copy.out << copy.err;
    ids.push_back(parse(copy.out)["job_id"]);
  }
  // `copy --wait` returns at the job's EndOfJob and AzCopy exits a moment later; prune leaves a
  // job whose process still runs: both must be gone first (on a loaded machine it takes longer).
  const json listed = parse(cli({"jobs", "--json"}).out);  // the loop must not outlive it
  for (const auto& job : listed["jobs"]) {
    ASSERT_TRUE(wait_gone(job["pid"].get<std::int64_t>(), 30s, true)) << job["job_id"];
  }
  const auto azcopy_files = [&](const std::string& id) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(config_.work_dir)) {
      if (entry.path().filename().string().find(id) != std::string::npos) {
        names.push_back(entry.path().filename().string());
      }
    }
    return names;
  };
  const auto first_files = azcopy_files(ids[0]);
  ASSERT_FALSE(first_files.empty()) << "AzCopy left no plan or log in " << config_.work_dir;
  EXPECT_TRUE(std::any_of(first_files.begin(), first_files.end(), [](const std::string& n) {
    return n.find(".steV") != std::string::npos;
  })) << "no plan file among AzCopy's files of the job";

  const CliResult rm = cli({"rm", ids[0], "--json"});
  EXPECT_EQ(rm.status, 0) << rm.out << rm.err;
  EXPECT_EQ(parse(rm.out)["removed"], json::array({ids[0]}));
  EXPECT_TRUE(azcopy_files(ids[0]).empty());
  EXPECT_FALSE(fs::exists(fs::path(config_.log_dir) / ids[0]));
  EXPECT_FALSE(azcopy_files(ids[1]).empty()) << "the other job's files were removed";

  const CliResult gone = cli({"poll", ids[0]});
  EXPECT_EQ(gone.status, 4) << gone.out << gone.err;
  EXPECT_THAT(gone.err, HasSubstr("the runner has no record of it and AzCopy no plan"));
  EXPECT_EQ(cli({"rm", ids[0]}).status, 4);

  const CliResult young = cli({"prune", "--older-than", "1h", "--json"});
  EXPECT_EQ(young.status, 0) << young.err;
  EXPECT_EQ(parse(young.out)["removed"], json::array());
  const CliResult all = cli({"prune", "--older-than", "0s", "--json"});
  EXPECT_EQ(all.status, 0) << all.err;
  EXPECT_EQ(parse(all.out)["removed"], json::array({ids[1]}));
  EXPECT_TRUE(azcopy_files(ids[1]).empty());
  EXPECT_THAT(cli({"prune", "--older-than", "0s"}).out, HasSubstr("Nothing to remove."));
  EXPECT_EQ(cli({"prune", "--older-than", "7x"}).status, 2);
}

TEST_F(Cli, ParseASavedOutput) {
  const CliResult parsed =
      cli({"parse", std::string(AZCOPY_RUNNER_FIXTURES_DIR) + "/10.32.2/copy_json_errors.stdout",
           "--json"});
  EXPECT_EQ(parsed.status, 1);
  const json s = parse(parsed.out);
  EXPECT_EQ(s["state"], "FAILED");
  EXPECT_EQ(s["failed_transfers"], 1);
}

}  // namespace
}  // namespace azcopy_runner::integration
