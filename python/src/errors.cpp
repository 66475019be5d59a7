// SPDX-License-Identifier: MIT
// The library's errors as Python exceptions of the same names under one base class,
// AzCopyError(Exception), each with job_id, log_dir and the redacted excerpt.
#include <pybind11/stl.h>

#include <string>

#include "azcopy_runner/errors.hpp"
#include "bindings.hpp"

namespace azcopy_runner::python {

namespace {

/// Makes the exception class azcopy_runner.NAME deriving from @p base, with the attributes
/// every instance carries (their defaults in the class).
py::object make_class(py::module_& m, const char* name, py::handle base, const char* doc) {
  py::dict attributes;
  attributes["job_id"] = "";
  attributes["log_dir"] = "";
  attributes["excerpt"] = "";
  const std::string qualified = std::string("azcopy_runner.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base.ptr(), attributes.ptr());
  if (type == nullptr) {
    throw py::error_already_set();
  }
  auto cls = py::reinterpret_steal<py::object>(type);
  m.attr(name) = cls;
  return cls;
}

/// Raises the Python exception of @p e: its class by name, its message, its context.
void raise(const AzCopyError& e) {
  const py::module_ m = py::module_::import("azcopy_runner");
  const std::string name(e.type_name());
  py::object cls = py::hasattr(m, name.c_str()) ? m.attr(name.c_str()) : m.attr("AzCopyError");
  py::object error = cls(text(e.what()));
  error.attr("job_id") = text(e.job_id());
  error.attr("log_dir") = text(e.log_dir());
  error.attr("excerpt") = text(e.excerpt());
  if (const auto* expired = dynamic_cast<const AzCopySasExpiredError*>(&e)) {
    error.attr("side") = text(expired->side());
    error.attr("expires_at") = to_datetime(expired->expires_at());
  }
  if (const auto* running = dynamic_cast<const AzCopyNotFinishedError*>(&e)) {
    error.attr("partial_summary") = py::cast(running->partial_summary());
  }
  PyErr_SetObject(cls.ptr(), error.ptr());
}

}  // namespace

void bind_errors(py::module_& m) {
  const py::object base = make_class(
      m, "AzCopyError", PyExc_Exception,
      "Base class of every error of azcopy_runner. job_id: the job's id or ''; log_dir: the "
      "runner's directory for the job (or its log root); excerpt: a bounded (4 KiB), redacted "
      "excerpt of AzCopy's output.");
  make_class(m, "AzCopyNotInstalledError", base,
             "The AzCopy executable is missing, not executable, or not AzCopy.");
  const py::object start =
      make_class(m, "AzCopyStartError", base,
                 "An invalid copy request, or AzCopy could not start or exited before a job id.");
  const py::object expired = make_class(
      m, "AzCopySasExpiredError", start,
      "A SAS of the request has expired or expires too soon: refused before AzCopy starts. "
      "side: 'source' or 'destination'; expires_at: the SAS's se (datetime, UTC).");
  expired.attr("side") = "";
  expired.attr("expires_at") = py::none();
  make_class(m, "AzCopyJobIdNotFoundError", base,
             "AzCopy ran but printed no job id before the start timeout (it was killed).");
  make_class(m, "AzCopyJobNotFoundError", base,
             "Neither AzCopy nor the runner's records know the job (or the id is not a UUID).");
  make_class(m, "AzCopyParseError", base,
             "AzCopy's output could not be understood (or `jobs show` failed or timed out).");
  const py::object running =
      make_class(m, "AzCopyNotFinishedError", base,
                 "The job is not terminal (get_summary, wait's timeout or interruption, remove "
                 "of a live job). partial_summary: the AzCopySummary known now.");
  running.attr("partial_summary") = py::none();

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) {
        std::rethrow_exception(p);
      }
    } catch (const AzCopyError& e) {
      raise(e);
    }
  });
}

}  // namespace azcopy_runner::python
