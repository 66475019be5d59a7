// SPDX-License-Identifier: MIT
// The Python module azcopy_runner (pybind11): the runner of the C++ library with the names of the
// task (start_copy, poll, get_summary; states as strings, times as aware datetimes).
#include "azcopy_runner/version.hpp"
#include "bindings.hpp"

PYBIND11_MODULE(azcopy_runner, m) {
  m.doc() =
      "Run AzCopy as a long-running, monitorable copy job: start it, poll it cheaply, read its "
      "final summary.\n\n"
      "AzCopyRunner() reads its configuration from the environment (AZCOPY_PATH, "
      "AZCOPY_WORK_DIR, AZCOPY_LOG_DIR, ...); states are the strings PENDING, RUNNING, "
      "SUCCEEDED, FAILED, CANCELED and UNKNOWN; times are timezone-aware datetimes (UTC). Every "
      "call that waits on AzCopy or the disk releases the GIL.";
  m.attr("__version__") = azcopy_runner::kVersion;
  azcopy_runner::python::bind_types(m);
  azcopy_runner::python::bind_errors(m);
  azcopy_runner::python::bind_runner(m);
}
