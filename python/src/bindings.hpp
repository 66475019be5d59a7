// SPDX-License-Identifier: MIT
// The Python module azcopy_runner: what its three parts share. types.cpp binds the value types,
// errors.cpp the exception classes, runner.cpp the runner; module.cpp calls the three.
#pragma once

#include <pybind11/pybind11.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/types.hpp"

namespace spdlog {
class logger;
}

namespace azcopy_runner::python {

namespace py = pybind11;

void bind_types(py::module_& m);
void bind_errors(py::module_& m);
void bind_runner(py::module_& m);

/// A str of @p s, whose invalid UTF-8 (AzCopy's output may hold any byte) reads as U+FFFD.
py::str text(std::string_view s);
/// A list of text() of each.
py::list texts(const std::vector<std::string>& v);

/// A spdlog logger whose messages go to @p logger (a logging.Logger, or anything with
/// log(level, message)); None: logging.getLogger("azcopy_runner").
std::shared_ptr<spdlog::logger> python_logger(py::object logger);

/// A timezone-aware datetime (UTC) of @p t, to the microsecond.
py::object to_datetime(TimePoint t);
/// to_datetime(), or None when @p t is unset.
py::object to_datetime(const std::optional<TimePoint>& t);

/// A duration given by Python: seconds as an int or a float, or a datetime.timedelta.
/// std::nullopt for None. @throws py::value_error when negative or not finite, py::type_error
/// for anything else.
std::optional<std::chrono::milliseconds> to_duration(py::handle value, std::string_view name);

}  // namespace azcopy_runner::python
