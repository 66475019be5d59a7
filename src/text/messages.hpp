// SPDX-License-Identifier: MIT
// Internal: the one home of the bound on a summary's messages (AzCopySummary::messages, at
// most kMaxMessages). Every message the runner adds goes through these.
#pragma once

#include <string>
#include <vector>

namespace azcopy_runner::detail {

/// Appends @p message when there is room; returns whether it did.
bool add_message(std::vector<std::string>& messages, std::string message);

/// Appends @p message when there is room and it is not there yet; returns whether it did.
bool add_new_message(std::vector<std::string>& messages, std::string message);

/// Appends @p message, dropping the oldest when full (AzCopy's own: the last error usually
/// explains).
void add_newest_message(std::vector<std::string>& messages, std::string message);

/// Puts @p message before the others; when full, the last of them goes.
void put_message_first(std::vector<std::string>& messages, std::string message);

/// Puts @p message first unless it is there already; when full, the oldest of the others (the
/// second) goes.
void put_notice_first(std::vector<std::string>& messages, const std::string& message);

}  // namespace azcopy_runner::detail
