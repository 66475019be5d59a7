// SPDX-License-Identifier: MIT
// AzCopyRunner for Python: the configuration from the environment with keyword overrides, the
// task's start_copy() options as keywords, and wait() that Ctrl-C interrupts. The GIL is released
// in every call that waits on AzCopy or the disk.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <exception>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "azcopy_runner/runner.hpp"
#include "bindings.hpp"

namespace azcopy_runner::python {

using namespace pybind11::literals;

namespace {

using std::chrono::milliseconds;

/// How often wait() looks for Ctrl-C (Python's signal handlers run on the main thread only).
constexpr milliseconds kSignalCheck{100};

RunnerConfig make_config(bool from_env, const std::optional<std::string>& azcopy_path,
                         const std::optional<std::string>& work_dir,
                         const std::optional<std::string>& log_dir, py::handle poll_interval,
                         const std::optional<std::string>& default_log_level,
                         py::handle start_timeout, py::handle command_timeout,
                         py::handle min_sas_validity, std::optional<bool> poll_from_output,
                         const std::optional<std::map<std::string, std::string>>& extra_env) {
  RunnerConfig config = from_env ? RunnerConfig::from_env() : RunnerConfig{};
  if (azcopy_path) {
    config.azcopy_path = *azcopy_path;
  }
  if (work_dir) {
    config.work_dir = *work_dir;
  }
  if (log_dir) {
    config.log_dir = *log_dir;
  }
  if (default_log_level) {
    config.default_log_level = *default_log_level;
  }
  if (auto d = to_duration(poll_interval, "poll_interval")) {
    config.poll_interval = *d;
  }
  if (auto d = to_duration(start_timeout, "start_timeout")) {
    config.start_timeout = *d;
  }
  if (auto d = to_duration(command_timeout, "command_timeout")) {
    config.command_timeout = *d;
  }
  if (auto d = to_duration(min_sas_validity, "min_sas_validity")) {
    config.min_sas_validity = std::chrono::duration_cast<std::chrono::seconds>(*d);
  }
  if (poll_from_output) {
    config.poll_from_output = *poll_from_output;
  }
  if (extra_env) {
    for (const auto& [name, value] : *extra_env) {
      config.extra_env[name] = value;
    }
  }
  return config;
}

double seconds_of(milliseconds d) { return std::chrono::duration<double>(d).count(); }

py::dict config_dict(const RunnerConfig& c) {
  py::dict d;
  d["azcopy_path"] = text(c.azcopy_path);
  d["work_dir"] = text(c.work_dir);
  d["log_dir"] = text(c.effective_log_dir());
  d["poll_interval"] = seconds_of(c.poll_interval);
  d["default_log_level"] = c.default_log_level;
  d["start_timeout"] = seconds_of(c.start_timeout);
  d["command_timeout"] = seconds_of(c.command_timeout);
  d["min_sas_validity"] = static_cast<double>(c.min_sas_validity.count());
  d["poll_from_output"] = c.poll_from_output;
  // The values may hold secrets: only the names.
  py::list names;
  for (const auto& entry : c.extra_env) {
    names.append(text(entry.first));
  }
  d["extra_env_names"] = names;
  return d;
}

OutputType output_type_of(const std::string& text) {
  if (text == "json") {
    return OutputType::Json;
  }
  if (text == "text") {
    return OutputType::Text;
  }
  throw py::value_error("output_type must be 'json' or 'text', not '" + text + "'");
}

CopyOptions copy_options(bool recursive, std::string overwrite, std::optional<std::string> from_to,
                         std::string log_level, const std::string& output_type,
                         std::vector<std::string> extra_args, bool keep_directories) {
  CopyOptions o;
  o.recursive = recursive;
  o.overwrite = std::move(overwrite);
  o.from_to = std::move(from_to);
  o.log_level = std::move(log_level);
  o.output_type = output_type_of(output_type);
  o.extra_args = std::move(extra_args);
  o.keep_directories = keep_directories;
  return o;
}

/// A binding taking @p Lead (the runner, for a method) and then the copy keywords of
/// start_copy() and build_copy_args(), which calls @p f(lead..., source_uri, dest_uri, options):
/// both take the same keywords, in the same order, with copy_keywords() as their defaults.
template <typename... Lead, typename F>
auto with_copy_options(F f) {
  return
      [f = std::move(f)](Lead... lead, const std::string& source_uri, const std::string& dest_uri,
                         bool recursive, std::string overwrite, std::optional<std::string> from_to,
                         std::string log_level, const std::string& output_type,
                         std::vector<std::string> extra_args, bool keep_directories) {
        const CopyOptions options =
            copy_options(recursive, std::move(overwrite), std::move(from_to), std::move(log_level),
                         output_type, std::move(extra_args), keep_directories);
        return f(std::forward<Lead>(lead)..., source_uri, dest_uri, options);
      };
}

/// The arguments of with_copy_options(), and the defaults of the copy keywords (CopyOptions').
auto copy_keywords() {
  return std::make_tuple("source_uri"_a, "dest_uri"_a, py::kw_only(), "recursive"_a = true,
                         "overwrite"_a = "true", "from_to"_a = py::none(), "log_level"_a = "INFO",
                         "output_type"_a = "json", "extra_args"_a = std::vector<std::string>{},
                         "keep_directories"_a = false);
}

/// wait(): the runner's wait() on a worker thread, the GIL released; this thread looks for
/// Ctrl-C (KeyboardInterrupt, or any exception a signal handler raises) every 100 ms and then
/// stops the wait. The progress callback runs on the worker thread with the GIL; an exception it
/// raises stops the wait too and is raised here. The job itself keeps running either way.
AzCopySummary wait_interruptible(AzCopyRunner& runner, const std::string& job_id,
                                 py::handle timeout, py::handle interval,
                                 const py::object& on_progress) {
  WaitOptions options;
  if (auto d = to_duration(timeout, "timeout")) {
    options.timeout = *d;
  }
  if (auto d = to_duration(interval, "interval")) {
    options.interval = *d;
  }
  std::stop_source stop;
  options.stop = stop.get_token();
  std::mutex error_mutex;
  std::exception_ptr callback_error;
  if (!on_progress.is_none()) {
    options.on_progress = [&](const AzCopyProgress& progress) {
      const py::gil_scoped_acquire gil;
      try {
        on_progress(progress);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        callback_error = std::current_exception();
        stop.request_stop();
      }
    };
  }

  std::optional<py::error_already_set> interrupted;
  std::future<AzCopySummary> result;
  {
    const py::gil_scoped_release release;
    result = std::async(std::launch::async,
                        [&runner, &job_id, &options] { return runner.wait(job_id, options); });
    while (result.wait_for(kSignalCheck) != std::future_status::ready) {
      if (interrupted) {
        continue;
      }
      const py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) {
        interrupted.emplace();  // takes the pending exception
        stop.request_stop();
      }
    }
  }
  try {
    AzCopySummary summary = result.get();
    if (interrupted) {
      throw std::move(*interrupted);
    }
    return summary;
  } catch (const AzCopyNotFinishedError&) {
    // A stop this module asked for: the reason is the interruption or the callback's error.
    if (interrupted) {
      throw std::move(*interrupted);
    }
    const std::lock_guard lock(error_mutex);
    if (callback_error) {
      std::rethrow_exception(callback_error);
    }
    throw;
  }
}

template <typename F>
auto without_gil(F&& f) {
  const py::gil_scoped_release release;
  return std::forward<F>(f)();
}

}  // namespace

void bind_runner(py::module_& m) {
  py::class_<AzCopyRunner> runner(
      m, "AzCopyRunner",
      "Runs AzCopy jobs; thread-safe: one instance may serve many threads.\n\n"
      "Its configuration is read from the environment (AZCOPY_PATH, "
      "AZCOPY_WORK_DIR, AZCOPY_LOG_DIR, AZCOPY_POLL_INTERVAL_SECONDS, "
      "AZCOPY_DEFAULT_LOG_LEVEL, ...) unless from_env is False; each "
      "keyword given overrides it. Durations are seconds (int or float) "
      "or datetime.timedelta.");
  runner
      .def(py::init([](bool from_env, const std::optional<std::string>& azcopy_path,
                       const std::optional<std::string>& work_dir,
                       const std::optional<std::string>& log_dir, const py::object& poll_interval,
                       const std::optional<std::string>& default_log_level,
                       const py::object& start_timeout, const py::object& command_timeout,
                       const py::object& min_sas_validity, std::optional<bool> poll_from_output,
                       const std::optional<std::map<std::string, std::string>>& extra_env,
                       const py::object& logger) {
             std::shared_ptr<spdlog::logger> log = python_logger(logger);
             RunnerConfig config = make_config(
                 from_env, azcopy_path, work_dir, log_dir, poll_interval, default_log_level,
                 start_timeout, command_timeout, min_sas_validity, poll_from_output, extra_env);
             return without_gil(
                 [&] { return std::make_unique<AzCopyRunner>(std::move(config), nullptr, log); });
           }),
           py::kw_only(), "from_env"_a = true, "azcopy_path"_a = py::none(),
           "work_dir"_a = py::none(), "log_dir"_a = py::none(), "poll_interval"_a = py::none(),
           "default_log_level"_a = py::none(), "start_timeout"_a = py::none(),
           "command_timeout"_a = py::none(), "min_sas_validity"_a = py::none(),
           "poll_from_output"_a = py::none(), "extra_env"_a = py::none(), "logger"_a = py::none(),
           "logger: where the runner logs (a logging.Logger; None: the logger "
           "'azcopy_runner'), its messages redacted. Raises AzCopyStartError when the work dir "
           "or the log dir is not usable.")
      .def(
          "poll",
          [](AzCopyRunner& r, const std::string& job_id) {
            return without_gil([&] { return r.poll(job_id); });
          },
          "job_id"_a,
          "The current state of a job without blocking on it (AzCopyProgress). Raises "
          "AzCopyJobNotFoundError, AzCopyParseError.")
      .def(
          "get_summary",
          [](AzCopyRunner& r, const std::string& job_id) {
            return without_gil([&] { return r.get_summary(job_id); });
          },
          "job_id"_a,
          "The final summary of a terminal job (AzCopySummary). Raises AzCopyNotFinishedError "
          "(with partial_summary) while it runs, and the errors of poll().")
      .def(
          "wait",
          [](AzCopyRunner& r, const std::string& job_id, const py::object& timeout,
             const py::object& interval, const py::object& on_progress) {
            return wait_interruptible(r, job_id, timeout, interval, on_progress);
          },
          "job_id"_a, py::kw_only(), "timeout"_a = py::none(), "interval"_a = py::none(),
          "on_progress"_a = py::none(),
          "Polls until the job is terminal and returns its summary. timeout: None for no limit; "
          "interval: between polls (None: the runner's poll_interval); on_progress: called with "
          "each AzCopyProgress. Ctrl-C raises KeyboardInterrupt within about 100 ms; the "
          "timeout raises AzCopyNotFinishedError; the job keeps running in both cases.")
      .def(
          "cancel",
          [](AzCopyRunner& r, const std::string& job_id, const py::object& grace) {
            const milliseconds g = to_duration(grace, "grace").value_or(std::chrono::seconds(10));
            return without_gil([&] { return r.cancel(job_id, g); });
          },
          "job_id"_a, py::kw_only(), "grace"_a = 10,
          "Cancels a job (AzCopy's own cancel, then SIGTERM, then after grace SIGKILL) and "
          "returns its final AzCopyProgress.")
      .def(
          "resume",
          [](AzCopyRunner& r, const std::string& job_id, const std::string& source_sas,
             const std::string& destination_sas) {
            return without_gil([&] { return r.resume(job_id, source_sas, destination_sas); });
          },
          "job_id"_a, py::kw_only(), "source_sas"_a = "", "destination_sas"_a = "",
          "Resumes a job whose process died (`azcopy jobs resume`); SAS tokens without '?'.")
      .def(
          "list", [](AzCopyRunner& r) { return without_gil([&] { return r.list_jobs(); }); },
          "The jobs this host's records know, newest first (list of JobRecord).")
      .def(
          "remove",
          [](AzCopyRunner& r, const std::string& job_id) {
            without_gil([&] { r.remove_job(job_id); });
          },
          "job_id"_a,
          "Removes everything the job left on this host (records, outputs, AzCopy's plan and "
          "log). Raises AzCopyNotFinishedError while its AzCopy may run.")
      .def(
          "prune",
          [](AzCopyRunner& r, const py::object& older_than) {
            if (older_than.is_none()) {
              throw py::type_error("older_than must be a number of seconds or a timedelta");
            }
            const milliseconds age =
                to_duration(older_than, "older_than").value_or(milliseconds{0});
            const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(age);
            return without_gil([&] { return r.prune(seconds); });
          },
          "older_than"_a, "Removes every job that ended more than older_than ago (PruneResult).")
      .def(
          "azcopy_version",
          [](AzCopyRunner& r) { return text(without_gil([&] { return r.azcopy_version(); })); },
          "`azcopy --version`, e.g. '10.32.2'. Raises AzCopyNotInstalledError.")
      .def_property_readonly(
          "config", [](const AzCopyRunner& r) { return config_dict(r.config()); },
          "The configuration in use (a dict; extra_env by name only).");

  std::apply(
      [&runner](const auto&... keywords) {
        runner.def(
            "start_copy",
            with_copy_options<AzCopyRunner&>([](AzCopyRunner& r, const std::string& source_uri,
                                                const std::string& dest_uri,
                                                const CopyOptions& options) {
              return without_gil([&] { return r.start_copy(source_uri, dest_uri, options); });
            }),
            keywords...,
            "Starts `azcopy copy` detached and returns as soon as AzCopy printed the job id "
            "(AzCopyJobRef). Raises AzCopyStartError, AzCopyJobIdNotFoundError, "
            "AzCopyNotInstalledError.");
        runner.def_static(
            "build_copy_args",
            with_copy_options<>([](const std::string& source_uri, const std::string& dest_uri,
                                   const CopyOptions& options) {
              return texts(AzCopyRunner::build_copy_args(source_uri, dest_uri, options, "INFO"));
            }),
            keywords...,
            "The command line start_copy() would run, redacted. Raises "
            "AzCopyStartError.");
      },
      copy_keywords());
}

}  // namespace azcopy_runner::python
