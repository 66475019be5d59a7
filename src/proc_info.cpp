// SPDX-License-Identifier: MIT
#include "proc_info.hpp"

#include <unistd.h>

#include <array>
#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>

namespace azcopy_runner::detail {

std::optional<ProcStat> read_proc_stat(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) {
    return std::nullopt;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // "pid (comm) state ..." where comm may hold spaces and parentheses: split after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) {
    return std::nullopt;
  }
  ProcStat stat;
  stat.state = text[close + 2];
  // Fields after comm start at field 3 (state); start_time is field 22.
  std::string_view rest(text);
  rest.remove_prefix(close + 2);
  int field = 3;
  while (!rest.empty() && field < 22) {
    const auto space = rest.find(' ');
    if (space == std::string_view::npos) {
      return std::nullopt;
    }
    rest.remove_prefix(space + 1);
    ++field;
  }
  const auto end = rest.find(' ');
  const std::string_view value = rest.substr(0, end);
  std::from_chars(value.data(), value.data() + value.size(), stat.start_time);
  return stat;
}

const std::string& host_name() {
  static const std::string name = [] {
    std::array<char, 256> buffer{};
    if (::gethostname(buffer.data(), buffer.size() - 1) != 0) {
      return std::string();
    }
    return std::string(buffer.data());
  }();
  return name;
}

const std::string& boot_id() {
  static const std::string id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string value;
    std::getline(in, value);
    return value;
  }();
  return id;
}

ProcessIdentity identify(std::int64_t pid) {
  ProcessIdentity who;
  who.pid = pid;
  if (auto stat = read_proc_stat(pid)) {
    who.start_time = stat->start_time;
  }
  who.boot_id = boot_id();
  who.host = host_name();
  return who;
}

}  // namespace azcopy_runner::detail
