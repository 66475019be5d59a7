// SPDX-License-Identifier: MIT
#include "text/messages.hpp"

#include <algorithm>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner::detail {

bool add_message(std::vector<std::string>& messages, std::string message) {
  if (messages.size() >= kMaxMessages) {
    return false;
  }
  messages.push_back(std::move(message));
  return true;
}

bool add_new_message(std::vector<std::string>& messages, std::string message) {
  if (std::find(messages.begin(), messages.end(), message) != messages.end()) {
    return false;
  }
  return add_message(messages, std::move(message));
}

void add_newest_message(std::vector<std::string>& messages, std::string message) {
  while (messages.size() >= kMaxMessages && !messages.empty()) {
    messages.erase(messages.begin());
  }
  messages.push_back(std::move(message));
}

void put_message_first(std::vector<std::string>& messages, std::string message) {
  messages.insert(messages.begin(), std::move(message));
  while (messages.size() > kMaxMessages) {
    messages.pop_back();
  }
}

void put_notice_first(std::vector<std::string>& messages, const std::string& message) {
  if (std::find(messages.begin(), messages.end(), message) != messages.end()) {
    return;
  }
  messages.insert(messages.begin(), message);
  while (messages.size() > kMaxMessages) {
    messages.erase(messages.begin() + 1);
  }
}

}  // namespace azcopy_runner::detail
