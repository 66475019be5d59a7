// SPDX-License-Identifier: MIT
// Storage that answers 503 ServerBusy, 500 InternalError or a reset connection for a while
// (faults on demand: a rule file the Files test server and the from-URL proxy read, see
// docs/EMULATORS.md), with the real AzCopy: it retries, and the job ends SUCCEEDED, exact.
#include "storage_harness.hpp"

namespace azcopy_runner::integration {
namespace {

using namespace std::chrono_literals;

struct TransientFault {
  const char* name;    ///< the test's name
  bool restore;        ///< RESTORE (faults on the Files test server) or COOL (on the proxy)
  const char* answer;  ///< "503", "500" or "reset"
};

std::ostream& operator<<(std::ostream& os, const TransientFault& p) { return os << p.name; }

class TransientFaults : public RealStorage, public ::testing::WithParamInterface<TransientFault> {};

// Two data requests of the copy's destination fail; AzCopy retries them (its retry policy waits
// about one, then three seconds) and every file arrives, byte for byte.
TEST_P(TransientFaults, AreRetriedAndTheJobSucceedsExact) {
  const TransientFault& p = GetParam();
  const std::string sas = storage_sas(24 * 60 + 6);
  std::string source_share;
  const fs::path project = share("faults-src", source_share) / "project";
  const Tree tree = make_project(project);
  const std::string cont = container("faults");
  std::string restored_share;
  const fs::path restored = share("faults-dst", restored_share) / "project";
  if (p.restore) {  // the blobs first, without faults
    ASSERT_EQ(cool_folder(source_share, sas, cont, sas).state, AzCopyJobState::Succeeded);
  }
  const std::string target = p.restore ? restored_share : cont;
  set_fault(target, std::string(R"({"answer": ")") + p.answer + R"(", "times": 2})");

  const AzCopySummary s = p.restore ? restore_folder(cont, sas, restored_share, sas)
                                    : cool_folder(source_share, sas, cont, sas);
  EXPECT_EQ(faults_answered(p.restore ? "files.log" : "proxy.log", target), 2);
  expect_exact(s, tree);
  EXPECT_TRUE(s.failure_reason.empty()) << s.failure_reason;
  if (p.restore) {
    ASSERT_EQ(read_tree(restored), tree);
    for (const auto& [rel, size] : tree) {
      EXPECT_EQ(slurp(restored / rel), slurp(project / rel)) << rel;
    }
  } else {
    ASSERT_EQ(blobs(cont, "project/"), tree);
    for (const auto& [rel, size] : tree) {
      EXPECT_EQ(Env::get().ctl_run({"get", joined({cont, "/project/", rel})}), slurp(project / rel))
          << rel;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Storage, TransientFaults,
                         ::testing::Values(TransientFault{"Restore503", true, "503"},
                                           TransientFault{"Restore500", true, "500"},
                                           TransientFault{"RestoreReset", true, "reset"},
                                           TransientFault{"Cool503", false, "503"}),
                         [](const ::testing::TestParamInfo<TransientFault>& param) {
                           return param.param.name;
                         });

}  // namespace
}  // namespace azcopy_runner::integration
