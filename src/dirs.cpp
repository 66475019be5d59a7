// SPDX-License-Identifier: MIT
#include "dirs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <system_error>

namespace azcopy_runner::detail {

bool make_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir, ec)) {
    return false;
  }
  ::chmod(dir.c_str(), 0700);
  return ::access(dir.c_str(), W_OK | X_OK) == 0;
}

}  // namespace azcopy_runner::detail
