// SPDX-License-Identifier: MIT
#include "os/proc_info.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <string_view>

#include "azcopy_runner/parse.hpp"
#include "os/fd.hpp"

namespace azcopy_runner::detail {

std::optional<std::string> read_all(int fd) {
  std::string text;
  std::array<char, 1024> buffer{};
  while (text.size() < std::size_t{64} * 1024) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return std::nullopt;
    }
    if (n == 0) {
      break;
    }
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return text;
}

std::optional<std::string> read_proc_file(const std::string& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return std::nullopt;
  }
  return read_all(fd.get());
}

std::optional<ProcStat> read_proc_stat(std::int64_t pid) {
  const auto read = read_proc_file("/proc/" + std::to_string(pid) + "/stat");
  if (!read) {
    return std::nullopt;
  }
  const std::string& text = *read;
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

std::optional<std::string> open_job_log(std::int64_t pid) {
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) {
    return std::nullopt;
  }
  std::optional<std::string> found;
  std::array<char, 4096> target{};
  while (const dirent* entry = ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe): own DIR
    const std::string link = fd_dir + "/" + entry->d_name;
    const ssize_t n = ::readlink(link.c_str(), target.data(), target.size());
    if (n <= 0 || static_cast<std::size_t>(n) >= target.size()) {
      continue;
    }
    const std::string_view path(target.data(), static_cast<std::size_t>(n));
    const auto slash = path.rfind('/');
    const std::string_view name = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
    constexpr std::string_view kSuffix = ".log";
    if (path.front() == '/' && name.size() == 36 + kSuffix.size() && name.ends_with(kSuffix) &&
        is_valid_job_id(name.substr(0, 36))) {
      found = std::string(path);
      break;
    }
  }
  ::closedir(dir);
  return found;
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
    std::string value = read_proc_file("/proc/sys/kernel/random/boot_id").value_or("");
    value.erase(std::min(value.find('\n'), value.size()));
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
