// SPDX-License-Identifier: MIT
// Internal: the directories the runner uses, checked so that no other local user controls them:
// the check itself, the making of private directories, and the default work dir's
// candidates.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace azcopy_runner::detail {

/// @p bytes random bytes as lowercase hex.
std::string random_hex(std::size_t bytes);

/// Bytes available to us on the file system of @p dir (max when unknown).
std::uint64_t free_bytes(const std::filesystem::path& dir);

/// Below this much free space a directory is treated as full (AzCopy's output must fit).
inline constexpr std::uint64_t kMinFreeBytes = std::uint64_t{8} << 20;

/// Why @p dir is not a directory that only this user controls, or "" when it is: a real
/// directory (not a symbolic link), owned by the effective uid, not writable by its group or
/// others, writable and searchable by us; and every directory above it owned by root or the
/// effective uid and not writable by group or others unless sticky (as /tmp): the lstat check
/// of OpenSSH and systemd. Whoever controls a directory can replace every file in it.
std::string untrusted_dir_reason(const std::filesystem::path& dir);

/// The first checks of untrusted_dir_reason() on an lstat of a directory only (no access
/// check, no parent chain): for the job directories below a log dir already checked whole.
std::string untrusted_dir_stat_reason(const struct stat& st);

/// Why the file of @p st (an fstat or lstat of it) cannot be trusted, or "" when it can: a
/// regular file owned by the effective uid and not writable by group or others. A file that
/// fails is ignored where it is read (records, AzCopy's output, the version cache).
std::string untrusted_file_reason(const struct stat& st);

/// Why the existing @p file is one the runner does not read: a symbolic link, or a file
/// untrusted_file_reason() refuses; "" when it is missing or fine (lstat, never followed).
std::string ignored_file_reason(const std::filesystem::path& file);

/// Creates @p dir where missing (each missing component with mode 0700), then checks it with
/// untrusted_dir_reason(). Returns "" when it is usable, else why not.
std::string make_private_dir(const std::filesystem::path& dir);

/// Creates @p dir, which must not exist yet (mode 0700: a name nobody could have made first),
/// and checks it. Returns "" when it is usable, else why not.
std::string make_new_private_dir(const std::filesystem::path& dir);

/// The default work dir's candidates, in order: /app/.azcopy, /tmp/.azcopy, then directories
/// only this user can own: $XDG_RUNTIME_DIR/azcopy-runner and $HOME/.azcopy-runner when those
/// variables are set (config.cpp: the one place that reads the environment).
std::vector<std::filesystem::path> default_work_dirs();

/// The first of @p candidates that make_private_dir() makes or finds usable; each one refused
/// before it is added to @p skipped with the reason. std::nullopt when none is usable.
std::optional<std::filesystem::path> first_private_dir(
    const std::vector<std::filesystem::path>& candidates,
    std::vector<std::pair<std::filesystem::path, std::string>>& skipped);

}  // namespace azcopy_runner::detail
