// SPDX-License-Identifier: MIT
// The shared host end to end (README, "Running on a shared host"): two users on one host, the CLI
// run by the service user against real AzCopy and Azurite. Mallory makes /tmp/.azcopy first, mode
// 0777 (the directory the runner took as AzCopy's work dir before the runner checked its
// directories); svc, for whom /app is not writable, runs `azcopy-runner copy` with no
// AZCOPY_WORK_DIR; then mallory tries what she did then.
//
// The test runs itself again as root in a private mount namespace (unshare --mount): there /tmp
// is a fresh tmpfs (whatever /tmp/.azcopy holds on the host), /mnt another one holding the users'
// homes, the source tree and the binaries (bind-mounted), and /etc/passwd and /etc/group are
// copies holding the two users. Nothing of the host changes, and nothing is left when it ends.
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace azcopy_runner::integration {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kName = "SharedHost.MallorysTmpAzcopyIsSkippedAndHerTamperingChangesNoFigure";
constexpr const char* kInNamespace = "AZCOPY_RUNNER_TEST_IN_MOUNT_NS";

/// Quotes @p s for sh.
std::string quoted(const std::string& s) {
  std::string q = "'";
  for (const char c : s) {
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return q + "'";
}

/// Runs @p command with sh as root; stdout and stderr together.
CommandResult root_sh(const std::string& command) {
  return run_command({"sh", "-c", command + " 2>&1"});
}

struct User {
  std::string name;
  uid_t uid = 0;
  fs::path home;
};

/// A uid (and gid) from @p from on that the host has no user or group for.
uid_t free_id(uid_t from) {
  uid_t id = from;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the test's one thread
  while (::getpwuid(id) != nullptr || ::getgrgid(static_cast<gid_t>(id)) != nullptr) {
    ++id;
  }
  return id;
}

class SharedHost : public ::testing::Test {
 protected:
  /// What @p user's command printed: stdout, and stderr (written to a file of the user's own).
  struct Run {
    int status = -1;
    std::string out;
    std::string err;
  };

  /// Runs @p argv as @p user (setpriv: no PAM, no session), umask 022, with only @p env.
  static Run as(const User& user, const std::vector<std::string>& env,
                const std::vector<std::string>& argv) {
    const fs::path err_file = user.home / "last.stderr";
    std::vector<std::string> cmd{"setpriv",
                                 "--reuid=" + user.name,
                                 "--regid=" + user.name,
                                 "--init-groups",
                                 "--",
                                 "env",
                                 "-i",
                                 "PATH=/usr/bin:/bin",
                                 "HOME=" + user.home.string()};
    cmd.insert(cmd.end(), env.begin(), env.end());
    cmd.insert(cmd.end(), {"sh", "-c", R"(umask 022; exec "$@" 2>"$0")", err_file.string()});
    cmd.insert(cmd.end(), argv.begin(), argv.end());
    const CommandResult r = run_command(cmd);
    Run run{r.status, r.out, slurp(err_file)};
    fs::remove(err_file);
    return run;
  }

  /// Runs the shell command @p command as @p user; its status.
  static int sh_as(const User& user, const std::string& command) {
    return as(user, {}, {"sh", "-c", command}).status;
  }

  static json parse(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << text;
    return j;
  }
};

TEST_F(SharedHost, MallorysTmpAzcopyIsSkippedAndHerTamperingChangesNoFigure) {
  AZCOPY_REQUIRE_ENVIRONMENT();
  if (std::getenv(kInNamespace) == nullptr) {  // NOLINT(concurrency-mt-unsafe): one thread
    if (::geteuid() != 0) {
      GTEST_SKIP() << "two users and a private mount namespace need root (the test command runs "
                      "as root)";
    }
    TempDir dir("shared-host");
    const fs::path out = dir.path() / "in-namespace.out";
    const fs::path self = fs::read_symlink("/proc/self/exe");
    const std::string command = "env -u GTEST_OUTPUT " + std::string(kInNamespace) +
                                "=1 unshare --mount --propagation private " + quoted(self) +
                                " --gtest_filter=" + kName + " >" + quoted(out) + " 2>&1";
    // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): a fixed command, one thread
    const int rc = std::system(command.c_str());
    const std::string output = slurp(out);
    EXPECT_EQ(rc, 0) << output;
    EXPECT_THAT(output, HasSubstr("[  PASSED  ] 1 test.")) << output;
    EXPECT_THAT(output, Not(HasSubstr(Env::get().signature())));
    return;
  }

  // ----- in the namespace, as root: what needs the host's /tmp first ----------------------------
  const Env& env = Env::get();
  const std::string sig = env.signature();
  ASSERT_FALSE(sig.empty());
  const std::string cont = unique_name("shared");
  static_cast<void>(env.ctl_run({"mkcontainer", cont}));
  const std::string dst = env.endpoint() + "/" + cont + "?" + env.sas();

  const fs::path mnt = "/mnt";
  ASSERT_TRUE(fs::is_directory(mnt)) << "no /mnt to mount the test's tmpfs on";
  const CommandResult mounted = root_sh(
      "mount -t tmpfs -o mode=0755 azr-shared-host /mnt && mkdir -m 0755 /mnt/bin /mnt/etc && "
      "touch /mnt/bin/azcopy /mnt/bin/azcopy-runner && "
      "mount --bind " +
      quoted(env.azcopy) +
      " /mnt/bin/azcopy && "
      "mount --bind " +
      quoted(AZCOPY_RUNNER_CLI) + " /mnt/bin/azcopy-runner");
  ASSERT_EQ(mounted.status, 0) << mounted.out;

  const uid_t mallory_id = free_id(4300);
  const uid_t svc_id = free_id(mallory_id + 1);
  const User mallory{"azr-mallory", mallory_id, mnt / "home-mallory"};
  const User svc{"azr-svc", svc_id, mnt / "home-svc"};
  {
    std::ofstream passwd(mnt / "etc/passwd");
    std::ofstream group(mnt / "etc/group");
    passwd << slurp("/etc/passwd");
    group << slurp("/etc/group");
    for (const User* u : {&mallory, &svc}) {
      const std::string id = std::to_string(u->uid);
      passwd << u->name << ":x:" << id << ":" << id << "::" << u->home.string()
             << ":/usr/sbin/nologin\n";
      group << u->name << ":x:" << id << ":\n";
    }
  }
  const fs::path src = mnt / "src";
  const Tree tree = make_tree(src, 6, 20'000);
  const std::string svc_ids = std::to_string(svc.uid) + ":" + std::to_string(svc.uid);
  const std::string mallory_ids = std::to_string(mallory.uid) + ":" + std::to_string(mallory.uid);
  const CommandResult users = root_sh(
      "chmod 0644 /mnt/etc/passwd /mnt/etc/group && "
      "mount --bind /mnt/etc/passwd /etc/passwd && mount --bind /mnt/etc/group /etc/group && "
      "mkdir -m 0700 /mnt/home-svc /mnt/home-mallory && chown " +
      svc_ids +
      " /mnt/home-svc && "
      "chown " +
      mallory_ids + " /mnt/home-mallory && chown -R " + svc_ids +
      " /mnt/src && "
      "mount -t tmpfs -o mode=1777 azr-shared-host-tmp /tmp");
  ASSERT_EQ(users.status, 0) << users.out;

  // ----- mallory first, then svc's job
  // -------------------------------------------------------------
  ASSERT_EQ(sh_as(mallory, "mkdir /tmp/.azcopy && chmod 0777 /tmp/.azcopy"), 0);
  const std::vector<std::string> svc_env{"AZCOPY_PATH=/mnt/bin/azcopy",
                                         "AZCOPY_POLL_INTERVAL_SECONDS=1"};
  const Run copy = as(svc, svc_env,
                      {"/mnt/bin/azcopy-runner", "copy", src.string(), dst, "--from-to",
                       "LocalBlob", "--wait", "--json"});
  ASSERT_EQ(copy.status, 0) << copy.out << copy.err;
  const json s = parse(copy.out);
  EXPECT_EQ(s["state"], "SUCCEEDED");
  EXPECT_EQ(s["files_transferred"], tree.size());
  EXPECT_EQ(s["bytes_transferred"], total_bytes(tree));
  const std::string id = s.value("job_id", "");
  ASSERT_TRUE(is_valid_job_id(id)) << copy.out;
  EXPECT_THAT(copy.err, HasSubstr("default work dir /tmp/.azcopy skipped: it is owned by uid " +
                                  std::to_string(mallory.uid)));

  // Nothing of svc's job in mallory's directory; all of it in svc's own, private.
  EXPECT_TRUE(fs::is_empty("/tmp/.azcopy")) << "svc's job left something in mallory's directory";
  const fs::path work = svc.home / ".azcopy-runner";
  bool plan_seen = false;
  for (const auto& entry : fs::recursive_directory_iterator(work)) {
    struct stat st {};
    ASSERT_EQ(::lstat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, svc.uid) << entry.path();
    EXPECT_EQ(st.st_mode & 077U, 0U) << entry.path() << " is open to group or others";
    const std::string name = entry.path().filename().string();
    plan_seen = plan_seen ||
                (name.find(id) != std::string::npos && name.find(".steV") != std::string::npos);
  }
  EXPECT_TRUE(plan_seen) << "AzCopy's plan of the job is not in " << work;
  for (const auto& [path, content] : all_files(work)) {
    EXPECT_THAT(content, Not(HasSubstr(sig))) << path;
  }

  // ----- mallory's attempts
  // --------------------------------------------------------------------------
  const std::string w = work.string();
  EXPECT_NE(sh_as(mallory, "ls " + w), 0) << "mallory listed svc's work dir";
  EXPECT_NE(sh_as(mallory, "cat " + w + "/" + id + ".log"), 0) << "mallory read AzCopy's log";
  EXPECT_NE(sh_as(mallory, "mv " + w + "/runner /tmp/.azcopy/stolen"), 0)
      << "mallory moved svc's runner directory";
  EXPECT_NE(sh_as(mallory, "mkdir -p " + w + "/runner/" + id), 0);
  // Her own forged record where the runner used to keep them: never read.
  ASSERT_EQ(sh_as(mallory, "mkdir -p /tmp/.azcopy/runner/" + id + " && echo '{\"job_id\":\"" + id +
                               "\",\"last_state\":\"FAILED\"}' >/tmp/.azcopy/runner/" + id +
                               "/record.json"),
            0);
  EXPECT_TRUE(fs::is_directory(work / "runner" / id));

  // svc's figures are still the true ones.
  const Run poll = as(svc, svc_env, {"/mnt/bin/azcopy-runner", "poll", id, "--json"});
  EXPECT_EQ(poll.status, 0) << poll.out << poll.err;
  EXPECT_EQ(parse(poll.out)["state"], "SUCCEEDED");
  const Run summary = as(svc, svc_env, {"/mnt/bin/azcopy-runner", "summary", id, "--json"});
  ASSERT_EQ(summary.status, 0) << summary.out << summary.err;
  const json t = parse(summary.out);
  EXPECT_EQ(t["state"], "SUCCEEDED");
  EXPECT_EQ(t["files_transferred"], tree.size());
  EXPECT_EQ(t["bytes_transferred"], total_bytes(tree));
  EXPECT_EQ(t["failed_transfers"], 0);

  // Mallory's directory given explicitly is refused before anything runs.
  std::vector<std::string> given = svc_env;
  given.emplace_back("AZCOPY_WORK_DIR=/tmp/.azcopy");
  const Run refused = as(svc, given, {"/mnt/bin/azcopy-runner", "poll", id});
  EXPECT_EQ(refused.status, 7) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("work dir /tmp/.azcopy is not usable: it is owned by uid " +
                                     std::to_string(mallory.uid)));
  for (const Run* r : {&copy, &poll, &summary, &refused}) {
    EXPECT_THAT(r->out + r->err, Not(HasSubstr(sig)));
  }
}

}  // namespace
}  // namespace azcopy_runner::integration
