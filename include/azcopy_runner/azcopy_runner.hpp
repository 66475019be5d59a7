// SPDX-License-Identifier: MIT
/// @file azcopy_runner.hpp
/// @brief Umbrella header of the azcopy-runner library.
#pragma once

#include "azcopy_runner/config.hpp"
#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/json.hpp"
#include "azcopy_runner/parse.hpp"
#include "azcopy_runner/process.hpp"
#include "azcopy_runner/runner.hpp"
#include "azcopy_runner/types.hpp"
#include "azcopy_runner/version.hpp"
