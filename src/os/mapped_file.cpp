// SPDX-License-Identifier: MIT
#include "os/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/dirs.hpp"
#include "os/fd.hpp"

namespace azcopy_runner::detail {

MappedFile::MappedFile(const std::filesystem::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !untrusted_file_reason(st).empty() || st.st_size <= 0) {
    return;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) {
    return;
  }
  data_ = static_cast<const char*>(map);
  size_ = size;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): munmap takes a void*
    ::munmap(const_cast<char*>(data_), size_);
  }
}

void MappedFile::release_before(std::size_t offset) noexcept {
  static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t done = std::min(offset, size_) / page * page;
  if (data_ != nullptr && done > released_) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): madvise takes a void*
    ::madvise(const_cast<char*>(data_) + released_, done - released_, MADV_DONTNEED);
    released_ = done;
  }
}

}  // namespace azcopy_runner::detail
