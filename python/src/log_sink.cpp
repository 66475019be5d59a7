// SPDX-License-Identifier: MIT
// The runner's log into Python's logging: a spdlog sink that hands each message (already
// redacted by the runner) to a logging.Logger, the GIL taken for it.
#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include <memory>
#include <string>
#include <utility>

#include "bindings.hpp"

namespace azcopy_runner::python {

namespace {

/// Python's logging level of a spdlog level.
int python_level(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return 5;
    case spdlog::level::debug:
      return 10;  // logging.DEBUG
    case spdlog::level::info:
      return 20;
    case spdlog::level::warn:
      return 30;
    case spdlog::level::err:
      return 40;
    case spdlog::level::critical:
      return 50;
    default:
      return 0;
  }
}

/// Calls logger.log(level, message). The runner logs only from the threads of its callers,
/// which hold no GIL while in it; the GIL serialises the sink (no mutex of its own, so no
/// order between a mutex and the GIL to get wrong).
class PythonLogSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit PythonLogSink(py::object logger) : logger_(std::move(logger)) {}
  PythonLogSink(const PythonLogSink&) = delete;
  PythonLogSink& operator=(const PythonLogSink&) = delete;
  PythonLogSink(PythonLogSink&&) = delete;
  PythonLogSink& operator=(PythonLogSink&&) = delete;
  ~PythonLogSink() override {
    const py::gil_scoped_acquire gil;
    logger_ = py::object();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    const py::gil_scoped_acquire gil;
    try {
      logger_.attr("log")(python_level(msg.level), text(payload));
    } catch (py::error_already_set& e) {
      // A failing handler must not fail the copy: reported as Python reports such errors.
      e.discard_as_unraisable("azcopy_runner logging");
    }
  }
  void flush_() override {}

 private:
  py::object logger_;
};

}  // namespace

std::shared_ptr<spdlog::logger> python_logger(py::object logger) {
  if (logger.is_none()) {
    logger = py::module_::import("logging").attr("getLogger")("azcopy_runner");
  }
  auto out = std::make_shared<spdlog::logger>("azcopy_runner",
                                              std::make_shared<PythonLogSink>(std::move(logger)));
  out->set_level(spdlog::level::trace);  // the Python logger's level decides
  return out;
}

}  // namespace azcopy_runner::python
