// SPDX-License-Identifier: MIT
// Faults on the production path (COOL = FileBlob, RESTORE = BlobFile) with the real AzCopy, on
// the local storage of scripts/storage.sh (docs/EMULATORS.md): a Files endpoint that cannot be
// reached, refused SAS tokens and a missing share, a cancelled COOL, killed and resumed COOL and
// RESTORE. Each runs with AzCopy 10.32.2 and 10.18.1 (docs/RELIABILITY.md maps them).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include "storage_harness.hpp"

namespace azcopy_runner::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool is_10_18() { return env_or_empty("AZCOPY_RUNNER_TEST_AZCOPY_VERSION") == "10.18"; }

/// A loopback port nothing listens on: bound to find a free one, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  auto* any = reinterpret_cast<sockaddr*>(&addr);
  EXPECT_EQ(::bind(fd, any, sizeof addr), 0);
  EXPECT_EQ(::getsockname(fd, any, &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// What a COOL gave: the start's error, or the finished job's summary.
struct Outcome {
  std::string kind;  ///< the error's type name, or "summary"
  std::string text;  ///< what(), excerpt(); or raw_status, messages, raw_summary
  std::string job_id;
  AzCopyJobState state = AzCopyJobState::Unknown;
};

class ProductionFaults : public RealStorage {
 protected:
  Outcome cool(const std::string& src, const std::string& dst) {
    CopyOptions o;
    o.from_to = "FileBlob";
    try {
      const AzCopyJobRef ref = runner_->start_copy(src, dst, o);
      const AzCopySummary s = runner_->wait(ref.job_id, 120s, 200ms);
      std::string text = s.raw_status + "\n";
      for (const auto& m : s.messages) {
        text += m + "\n";
      }
      return {"summary", text + s.raw_summary, ref.job_id, s.state};
    } catch (const AzCopyError& e) {
      return {std::string(e.type_name()), std::string(e.what()) + "\n" + e.excerpt(), e.job_id(),
              AzCopyJobState::Unknown};
    }
  }

  /// A share with @p files files of @p size random bytes under project/; the tree.
  Tree project_share(const std::string& prefix, std::string& name, int files, std::int64_t size) {
    const fs::path root = share(prefix, name) / "project";
    return make_tree(root, files, size);
  }

  void expect_no_staging_dir() const {
    for (const auto& entry : fs::directory_iterator(config_.log_dir)) {
      EXPECT_FALSE(entry.path().filename().string().starts_with(".starting-")) << entry.path();
    }
  }
};

// ----- start errors ------------------------------------------------------------------------------

TEST_F(ProductionFaults, AFilesEndpointThatCannotBeReachedSaysWhyFromAzCopysOwnLog) {
  // AzCopy 10.32 retries Get Share Properties for over a minute before its Init message, 10.18
  // its listing: neither prints a job id. The runner kills it at the start timeout.
  config_.start_timeout = 8s;
  runner_ = std::make_unique<AzCopyRunner>(config_);
  const std::string sas = storage_sas(60 + 3);
  const std::string unreachable =
      "http://127.0.0.1:" + std::to_string(closed_port()) + "/devstoreaccount1";
  const Outcome o = cool(unreachable + "/share/project/*?" + sas,
                         blob_url(container("unreach") + "/project", sas));
  EXPECT_EQ(o.kind, "AzCopyJobIdNotFoundError") << o.text;
  // The job id AzCopy had chosen, from the log it held open, and that log's end.
  ASSERT_TRUE(is_valid_job_id(o.job_id)) << o.text;
  EXPECT_TRUE(fs::exists(fs::path(config_.work_dir) / (o.job_id + ".log")));
  EXPECT_THAT(o.text, HasSubstr("AzCopy had chosen job id " + o.job_id));
  EXPECT_THAT(o.text, HasSubstr("the end of AzCopy's log"));
  if (is_10_18()) {
    EXPECT_THAT(o.text, HasSubstr("AzcopyVersion  10.18.1"));  // it logs no retry at INFO
  } else {
    EXPECT_THAT(o.text, HasSubstr("its last error:"));
    EXPECT_THAT(o.text, HasSubstr("connect: connection refused"));
  }
  EXPECT_THAT(o.text, Not(HasSubstr(signature_of(sas))));
  expect_no_staging_dir();
  expect_no_signature_in_written_files({signature_of(sas)});
}

struct Refusal {
  const char* name;
  const char* error_code;  ///< what the runner's answer must name
};

class RefusedOnTheFilesSide : public ProductionFaults,
                              public ::testing::WithParamInterface<Refusal> {};

TEST_P(RefusedOnTheFilesSide, NamesAzCopysErrorCode) {
  const std::string name = GetParam().name;
  const std::string good = storage_sas(60 + 4);
  std::string share_name;
  project_share("refused", share_name, 3, 1000);
  std::string share_sas = good;
  if (name == "wrong_signature") {
    const auto at = share_sas.find("sig=") + 4;
    share_sas.replace(at, share_sas.find('&', at) - at,
                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D");
  } else if (name == "no_list_permission") {
    share_sas = storage_sas(60 + 5, "r");
  } else if (name == "missing_share") {
    share_name = unique_name("missing");
  }
  const std::string cont = container("refused");
  const Outcome o =
      cool(file_url(share_name + "/project/*", share_sas), blob_url(cont + "/project", good));
  // 10.32 prints its Init (a job id) before it lists the share, then its error, and exits: the
  // job is FAILED. 10.18 fails before its Init when the share itself is refused: the start's
  // error carries AzCopy's words. A share that can be read but not listed gives, on both,
  // "Failed to scan" and a job AzCopy calls Completed with 0 transfers: the runner says FAILED.
  if (is_10_18() && name != "no_list_permission") {
    EXPECT_EQ(o.kind, "AzCopyStartError") << o.text;
  } else {
    EXPECT_EQ(o.kind, "summary") << o.text;
    EXPECT_EQ(o.state, AzCopyJobState::Failed) << o.text;
    EXPECT_EQ(runner_->poll(o.job_id).state, AzCopyJobState::Failed);
  }
  if (name == "no_list_permission") {
    EXPECT_THAT(o.text, HasSubstr("AzCopy could not list part of the source"));
    EXPECT_THAT(o.text, HasSubstr("raw_status"));
  }
  EXPECT_TRUE(is_valid_job_id(o.job_id)) << o.text;
  EXPECT_THAT(o.text, HasSubstr(GetParam().error_code));
  EXPECT_THAT(blobs(cont, "project/"), ::testing::IsEmpty());
  for (const auto& sas : {good, share_sas}) {
    EXPECT_THAT(o.text, Not(HasSubstr(signature_of(sas))));
  }
  expect_no_staging_dir();
  expect_no_signature_in_written_files({signature_of(good), signature_of(share_sas)});
}

INSTANTIATE_TEST_SUITE_P(Refusals, RefusedOnTheFilesSide,
                         ::testing::Values(Refusal{"wrong_signature", "AuthenticationFailed"},
                                           Refusal{"no_list_permission",
                                                   "AuthorizationPermissionMismatch"},
                                           Refusal{"missing_share", "ShareNotFound"}),
                         [](const ::testing::TestParamInfo<Refusal>& param_info) {
                           return std::string(param_info.param.name);
                         });

}  // namespace
}  // namespace azcopy_runner::integration
