// SPDX-License-Identifier: MIT
/// @file version.hpp
/// @brief Library version.
#pragma once

namespace azcopy_runner {
/// The library's semantic version.
inline constexpr const char* kVersion = "0.1.0";
}  // namespace azcopy_runner
