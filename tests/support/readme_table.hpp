// SPDX-License-Identifier: MIT
// Test support: the rows of a two-column table of the README, for the tests that check a table
// against the code that it describes.
#pragma once

#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace azcopy_runner::testing {

/// The rows (first cell, second cell) of the README table whose header line is @p header, up to
/// the first line that is not a table row; empty when the README or the table is missing. A row
/// that is not two cells is returned with an empty second cell, for the caller to report.
inline std::vector<std::pair<std::string, std::string>> readme_table(const std::string& readme,
                                                                     const std::string& header) {
  std::ifstream in(readme);
  std::vector<std::pair<std::string, std::string>> rows;
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (line == header) {
      in_table = true;
      continue;
    }
    if (in_table && !line.starts_with("|")) {
      break;
    }
    if (!in_table || line.starts_with("|---")) {
      continue;
    }
    const auto bar = line.find(" | ");
    if (bar == std::string::npos || !line.ends_with(" |") || line.size() < bar + 5) {
      rows.emplace_back(line, std::string());
      continue;
    }
    rows.emplace_back(line.substr(2, bar - 2), line.substr(bar + 3, line.size() - bar - 3 - 2));
  }
  return rows;
}

}  // namespace azcopy_runner::testing
