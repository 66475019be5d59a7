// SPDX-License-Identifier: MIT
// Internal: the one check that a directory is usable by the runner (issue 12 will make it
// refuse directories that another user controls).
#pragma once

#include <filesystem>

namespace azcopy_runner::detail {

/// Creates a directory (and parents) with mode 0700; returns false when it is not usable (not a
/// directory, or not writable and searchable by us).
bool make_private_dir(const std::filesystem::path& dir);

}  // namespace azcopy_runner::detail
