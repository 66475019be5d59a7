// SPDX-License-Identifier: MIT
// Test support: two summaries of the same job give the same figures.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner::testing {

/// Every figure of @p actual equals that of @p expected: state, counters, bytes, the kept
/// failed files, raw_summary, errors and messages (not the job id nor the timestamps, which
/// depend on who asked and when). @p where names the case in failure messages.
inline void expect_same_figures(const AzCopySummary& expected, const AzCopySummary& actual,
                                const std::string& where) {
  EXPECT_EQ(expected.state, actual.state) << where;
  EXPECT_EQ(expected.raw_status, actual.raw_status) << where;
  EXPECT_EQ(expected.files_transferred, actual.files_transferred) << where;
  EXPECT_EQ(expected.bytes_transferred, actual.bytes_transferred) << where;
  EXPECT_EQ(expected.failed_transfers, actual.failed_transfers) << where;
  EXPECT_EQ(expected.skipped_transfers, actual.skipped_transfers) << where;
  EXPECT_EQ(expected.total_transfers, actual.total_transfers) << where;
  EXPECT_EQ(expected.bytes_expected, actual.bytes_expected) << where;
  EXPECT_EQ(expected.percent_complete, actual.percent_complete) << where;
  EXPECT_EQ(expected.raw_summary, actual.raw_summary) << where;
  EXPECT_EQ(expected.failed_files_omitted, actual.failed_files_omitted) << where;
  ASSERT_EQ(expected.failed_files.size(), actual.failed_files.size()) << where;
  for (std::size_t i = 0; i < expected.failed_files.size(); ++i) {
    EXPECT_EQ(expected.failed_files[i].source, actual.failed_files[i].source) << where;
    EXPECT_EQ(expected.failed_files[i].destination, actual.failed_files[i].destination) << where;
    EXPECT_EQ(expected.failed_files[i].error_code, actual.failed_files[i].error_code) << where;
    EXPECT_EQ(expected.failed_files[i].size, actual.failed_files[i].size) << where;
  }
  EXPECT_EQ(expected.errors, actual.errors) << where;
  EXPECT_EQ(expected.messages, actual.messages) << where;
}

}  // namespace azcopy_runner::testing
