// SPDX-License-Identifier: MIT
// Eight operations at once from one process, as a service runs them: four COOLs and four
// RESTOREs of different projects started together through one AzCopyRunner and polled by a
// small thread pool until each is finished, then each verified exact (files, bytes,
// directories, and the trees byte for byte). AzCopy's notice that several AzCopy processes run
// on the host (10.31 and later) is not a failure.
#include <atomic>
#include <mutex>
#include <thread>

#include "storage_harness.hpp"

namespace azcopy_runner::integration {
namespace {

using namespace std::chrono_literals;

constexpr int kProjects = 8;     // 0-3: RESTOREd in the eight, 4-7: COOLed in the eight
constexpr int kPollThreads = 3;  // fewer threads than jobs: each thread polls several

struct Project {
  std::string share;  ///< Its share on the Files test server.
  fs::path root;      ///< <share>/project on disk.
  Tree tree;          ///< Its files.
  std::set<std::string> dirs;
  std::string container;
  std::string restore_share;
  fs::path restored;  ///< <restore share>/project on disk.
};

/// Project @p i: its own number of files (so that a summary with another's figures is seen),
/// sizes and contents, and an empty directory.
Tree make_numbered_project(const fs::path& root, int i) {
  Tree tree = make_tree(root, 12 + 7 * i, 24'000 + 3'000 * i, 100U + static_cast<unsigned>(i));
  fs::create_directories(root / ("empty " + std::to_string(i)));
  return tree;
}

class EightOperations : public RealStorage {
 protected:
  /// Starts every (source, destination, options) at once, polls them from kPollThreads threads
  /// until all are terminal, and returns their summaries in the same order.
  std::vector<AzCopySummary> run_at_once(
      const std::vector<std::tuple<std::string, std::string, CopyOptions>>& copies) {
    std::vector<std::string> ids;
    for (const auto& [src, dst, options] : copies) {
      ids.push_back(runner_->start_copy(src, dst, options).job_id);
    }
    std::vector<AzCopySummary> summaries(ids.size());
    std::vector<std::atomic<bool>> done(ids.size());
    std::atomic<std::size_t> next{0};
    std::atomic<int> finished{0};
    std::mutex errors_mutex;
    std::vector<std::string> errors;
    const auto deadline = std::chrono::steady_clock::now() + 600s;
    auto poller = [&] {
      while (finished.load() < static_cast<int>(ids.size()) &&
             std::chrono::steady_clock::now() < deadline) {
        const std::size_t i = next++ % ids.size();
        if (done[i].load()) {
          continue;
        }
        try {
          const AzCopyProgress p = runner_->poll(ids[i]);
          if (p.job_id != ids[i]) {
            throw std::runtime_error("poll of " + ids[i] + " answered for " + p.job_id);
          }
          if (is_terminal(p.state) && !done[i].exchange(true)) {
            summaries[i] = runner_->get_summary(ids[i]);
            ++finished;
          }
        } catch (const std::exception& e) {
          std::lock_guard lock(errors_mutex);
          errors.push_back(e.what());
          done[i] = true;
          ++finished;
        }
        std::this_thread::sleep_for(50ms);
      }
    };
    std::vector<std::jthread> pool;
    for (int t = 0; t < kPollThreads; ++t) {
      pool.emplace_back(poller);
    }
    pool.clear();  // joins
    EXPECT_TRUE(errors.empty()) << errors.front();
    EXPECT_EQ(finished.load(), static_cast<int>(ids.size())) << "not finished in time";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(summaries[i].job_id, ids[i]);
    }
    return summaries;
  }

  static CopyOptions cool_options() {
    CopyOptions o;
    o.from_to = "FileBlob";
    o.keep_directories = true;
    return o;
  }
  static CopyOptions restore_options() {
    CopyOptions o;
    o.from_to = "BlobFile";
    o.overwrite = "ifSourceNewer";
    o.keep_directories = true;
    return o;
  }

  void expect_exact_project(const AzCopySummary& s, const Project& p, const std::string& what) {
    SCOPED_TRACE(what + " " + p.share + " (" + s.job_id + ")");
    expect_exact(s, p.tree);
    ASSERT_TRUE(s.directories) << s.raw_summary;
    EXPECT_EQ(s.directories->made, static_cast<std::int64_t>(p.dirs.size()));
    EXPECT_EQ(s.directories->failed, 0);
    EXPECT_TRUE(s.failure_reason.empty()) << s.failure_reason;
  }
};

TEST_F(EightOperations, FourCoolsAndFourRestoresAtOnceEachExact) {
  const std::string files_sas = files_account_sas("racwdl", 90);
  std::vector<Project> projects(kProjects);
  for (int i = 0; i < kProjects; ++i) {
    Project& p = projects[static_cast<std::size_t>(i)];
    p.root = share("eight", p.share) / "project";
    p.tree = make_numbered_project(p.root, i);
    p.dirs = read_dirs(p.root);
    p.container = container("eight");
    p.restored = share("eight-back", p.restore_share) / "project";
  }
  const auto container_token = [](const Project& p) {
    return container_sas(p.container, "racwdl");
  };
  const auto cool_of = [&](const Project& p) {
    return std::make_tuple(file_url(joined({p.share, "/project/*"}), files_sas),
                           blob_url(joined({p.container, "/project"}), container_token(p)),
                           cool_options());
  };
  const auto restore_of = [&](const Project& p) {
    return std::make_tuple(blob_url(joined({p.container, "/project"}), container_token(p)),
                           file_url(p.restore_share, files_sas), restore_options());
  };

  // The containers the four RESTOREs read: cooled first (four at once too).
  std::vector<std::tuple<std::string, std::string, CopyOptions>> first;
  for (int i = 0; i < 4; ++i) {
    first.push_back(cool_of(projects[static_cast<std::size_t>(i)]));
  }
  const auto cooled = run_at_once(first);
  for (int i = 0; i < 4; ++i) {
    expect_exact_project(cooled[static_cast<std::size_t>(i)], projects[static_cast<std::size_t>(i)],
                         "first COOL");
  }
  ASSERT_FALSE(HasFailure());

  // The eight: RESTOREs of projects 0-3 and COOLs of 4-7, interleaved.
  std::vector<std::tuple<std::string, std::string, CopyOptions>> eight;
  for (int i = 0; i < 4; ++i) {
    eight.push_back(restore_of(projects[static_cast<std::size_t>(i)]));
    eight.push_back(cool_of(projects[static_cast<std::size_t>(4 + i)]));
  }
  const auto summaries = run_at_once(eight);
  bool several_noticed = false;
  for (int i = 0; i < 4; ++i) {
    const Project& restored = projects[static_cast<std::size_t>(i)];
    const Project& cooled_now = projects[static_cast<std::size_t>(4 + i)];
    const AzCopySummary& r = summaries[static_cast<std::size_t>(2 * i)];
    const AzCopySummary& c = summaries[static_cast<std::size_t>(2 * i + 1)];
    expect_exact_project(r, restored, "RESTORE");
    expect_exact_project(c, cooled_now, "COOL");
    // The trees: the restored share is the original, every byte and directory; the container
    // holds each file and a stub per directory.
    EXPECT_EQ(read_dirs(restored.restored), restored.dirs);
    ASSERT_EQ(read_tree(restored.restored), restored.tree);
    for (const auto& [rel, size] : restored.tree) {
      EXPECT_EQ(slurp(restored.restored / rel), slurp(restored.root / rel)) << rel;
    }
    Tree expected_blobs = cooled_now.tree;
    for (const auto& d : cooled_now.dirs) {
      expected_blobs[d] = 0;
    }
    EXPECT_EQ(blobs(cooled_now.container, "project/"), expected_blobs);
    for (const AzCopySummary* s : {&r, &c}) {
      const std::string out = slurp(fs::path(config_.log_dir) / s->job_id / "stdout.log");
      several_noticed =
          several_noticed || out.find("More than one AzCopy process") != std::string::npos;
    }
  }
  // AzCopy 10.31 and later see the others and say so in each job's output (10.18.1 has no such
  // notice); every job still SUCCEEDED (checked above).
  if (env_or_empty("AZCOPY_RUNNER_TEST_AZCOPY_VERSION") != "10.18") {
    EXPECT_TRUE(several_noticed);
  }
}

}  // namespace
}  // namespace azcopy_runner::integration
