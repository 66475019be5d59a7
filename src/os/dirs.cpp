// SPDX-License-Identifier: MIT
#include "os/dirs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <limits>
#include <random>
#include <system_error>

#include "os/fd.hpp"

namespace azcopy_runner::detail {
namespace fs = std::filesystem;

namespace {

std::string octal_mode(mode_t mode) {
  static constexpr std::array<char, 8> kDigits = {'0', '1', '2', '3', '4', '5', '6', '7'};
  std::string text = "0";
  for (int shift = (mode & 07000U) != 0 ? 9 : 6; shift >= 0; shift -= 3) {
    text += kDigits[(mode >> static_cast<unsigned>(shift)) & 07U];
  }
  return text;
}

/// Who besides its owner may write in a directory of mode @p mode ("" when nobody).
std::string writers(mode_t mode) {
  if ((mode & S_IWOTH) != 0) {
    return "others";
  }
  return (mode & S_IWGRP) != 0 ? "its group" : "";
}

/// The directories above @p dir, checked from its parent up to "/".
std::string parent_chain_reason(const fs::path& dir) {
  std::error_code ec;
  const fs::path parent = fs::canonical(dir.parent_path(), ec);
  if (ec) {
    return "its parent " + dir.parent_path().string() + " cannot be resolved: " + ec.message();
  }
  const uid_t me = ::geteuid();
  for (fs::path p = parent;; p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      return "its parent " + p.string() + " cannot be read: " + errno_text(errno);
    }
    if (st.st_uid != 0 && st.st_uid != me) {
      return "its parent " + p.string() + " is owned by uid " + std::to_string(st.st_uid) +
             " (neither root nor this user, uid " + std::to_string(me) + ")";
    }
    if (const std::string w = writers(st.st_mode); !w.empty() && (st.st_mode & S_ISVTX) == 0) {
      return "its parent " + p.string() + " is writable by " + w + " (mode " +
             octal_mode(st.st_mode & 07777U) + ", not sticky)";
    }
    if (p == p.root_path() || p.parent_path() == p) {
      return {};
    }
  }
}

}  // namespace

std::string untrusted_dir_stat_reason(const struct stat& st) {
  if (S_ISLNK(st.st_mode)) {
    return "it is a symbolic link";
  }
  if (!S_ISDIR(st.st_mode)) {
    return "it is not a directory";
  }
  const uid_t me = ::geteuid();
  if (st.st_uid != me) {
    return "it is owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " +
           std::to_string(me) + ")";
  }
  if (const std::string w = writers(st.st_mode); !w.empty()) {
    return "it is writable by " + w + " (mode " + octal_mode(st.st_mode & 07777U) + ")";
  }
  return {};
}

std::string untrusted_dir_reason(const fs::path& dir) {
  std::error_code ec;
  const fs::path abs = fs::absolute(dir, ec);
  struct stat st {};
  if (ec || ::lstat(abs.c_str(), &st) != 0) {
    return "it cannot be read: " + (ec ? ec.message() : errno_text(errno));
  }
  if (std::string why = untrusted_dir_stat_reason(st); !why.empty()) {
    return why;
  }
  if (::access(abs.c_str(), W_OK | X_OK) != 0) {
    return "this user cannot write in it: " + errno_text(errno);
  }
  return parent_chain_reason(abs);
}

std::string untrusted_file_reason(const struct stat& st) {
  if (!S_ISREG(st.st_mode)) {
    return "it is not a regular file";
  }
  if (st.st_uid != ::geteuid()) {
    return "it is owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " +
           std::to_string(::geteuid()) + ")";
  }
  if (const std::string w = writers(st.st_mode); !w.empty()) {
    return "it is writable by " + w + " (mode " + octal_mode(st.st_mode & 07777U) + ")";
  }
  return {};
}

std::string ignored_file_reason(const fs::path& file) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0) {
    return {};
  }
  return S_ISLNK(st.st_mode) ? std::string("it is a symbolic link") : untrusted_file_reason(st);
}

std::string make_private_dir(const fs::path& dir) {
  std::error_code ec;
  const fs::path abs = fs::absolute(dir, ec);
  if (ec) {
    return "it cannot be resolved: " + ec.message();
  }
  fs::path built;
  for (const fs::path& part : abs) {
    built /= part;
    if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST) {
      return "it cannot be created (" + built.string() + ": " + errno_text(errno) + ")";
    }
  }
  return untrusted_dir_reason(abs);
}

std::string make_new_private_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0) {
    return "it cannot be created: " + errno_text(errno);
  }
  return untrusted_dir_reason(dir);
}

std::optional<fs::path> first_private_dir(const std::vector<fs::path>& candidates,
                                          std::vector<std::pair<fs::path, std::string>>& skipped) {
  for (const fs::path& candidate : candidates) {
    std::string why = make_private_dir(candidate);
    if (why.empty()) {
      return candidate;
    }
    skipped.emplace_back(candidate, std::move(why));
  }
  return std::nullopt;
}

std::string random_hex(std::size_t bytes) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::random_device rd;
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto v = rd();
    out.push_back(kHex[v & 0xFU]);
    out.push_back(kHex[(v >> 4U) & 0xFU]);
  }
  return out;
}

std::uint64_t free_bytes(const fs::path& dir) {
  std::error_code ec;
  const fs::space_info info = fs::space(dir, ec);
  return ec ? std::numeric_limits<std::uint64_t>::max() : info.available;
}

}  // namespace azcopy_runner::detail
