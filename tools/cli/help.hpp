// SPDX-License-Identifier: MIT
/// @file help.hpp
/// @brief The text of `azcopy-runner --help` and of each command's `--help`.
#pragma once

#include <string>

#include "args.hpp"

namespace azcopy_runner::cli {

/// The help text of a command (Command::None: the global help with the exit codes).
[[nodiscard]] std::string help_text(Command command);

}  // namespace azcopy_runner::cli
