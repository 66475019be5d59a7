// SPDX-License-Identifier: MIT
// Internal: a file mapped read-only, for reading a large file without copying it: only the
// pages that are looked at are read in.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace azcopy_runner::detail {

class MappedFile {
 public:
  /// Maps @p file as it is now (a file that grows later keeps this size here). A missing,
  /// empty or unreadable file, a symlink, or a file another user could have written
  /// (untrusted_file_reason()) gives an empty view.
  explicit MappedFile(const std::filesystem::path& file);
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&&) = delete;
  MappedFile& operator=(MappedFile&&) = delete;
  ~MappedFile();

  /// The file's bytes (valid while the object lives).
  [[nodiscard]] std::string_view view() const noexcept { return {data_, size_}; }

  /// Gives the pages of [0, @p offset) back (they are read again if looked at): reading a
  /// large file from start to end then holds the memory of one line, not of the file.
  void release_before(std::size_t offset) noexcept;

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t released_ = 0;
};

}  // namespace azcopy_runner::detail
