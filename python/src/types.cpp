// SPDX-License-Identifier: MIT
// The value types as read-only Python classes with the task's field names: states as strings,
// times as timezone-aware datetimes, the raw summary as a dict (or a str for text output).
#include <pybind11/stl.h>

#include <cmath>
#include <string>

#include "azcopy_runner/json.hpp"
#include "azcopy_runner/types.hpp"
#include "bindings.hpp"

namespace azcopy_runner::python {

using namespace pybind11::literals;

py::str text(std::string_view s) {
  PyObject* decoded = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (decoded == nullptr) {
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::str>(decoded);
}

py::list texts(const std::vector<std::string>& v) {
  py::list out;
  for (const auto& s : v) {
    out.append(text(s));
  }
  return out;
}

py::object to_datetime(TimePoint t) {
  const py::module_ datetime = py::module_::import("datetime");
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
  const py::object epoch =
      datetime.attr("datetime")(1970, 1, 1, "tzinfo"_a = datetime.attr("timezone").attr("utc"));
  return epoch.attr("__add__")(datetime.attr("timedelta")("microseconds"_a = us.count()));
}

py::object to_datetime(const std::optional<TimePoint>& t) {
  return t ? to_datetime(*t) : py::none();
}

std::optional<std::chrono::milliseconds> to_duration(py::handle value, std::string_view name) {
  if (value.is_none()) {
    return std::nullopt;
  }
  double seconds = 0.0;
  const py::module_ datetime = py::module_::import("datetime");
  if (py::isinstance(value, datetime.attr("timedelta"))) {
    seconds = value.attr("total_seconds")().cast<double>();
  } else if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)) {
    seconds = value.cast<double>();
  } else {
    throw py::type_error(std::string(name) +
                         " must be a number of seconds or a datetime.timedelta");
  }
  // Beyond about 292 years the milliseconds overflow; such a bound means "no limit".
  constexpr double kMaxSeconds = 9.0e15;
  if (!std::isfinite(seconds) || seconds < 0.0) {
    throw py::value_error(std::string(name) + " must be a finite, non-negative duration");
  }
  if (seconds >= kMaxSeconds) {
    return std::chrono::milliseconds::max();
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

namespace {

/// The raw summary: the JSON object AzCopy printed as a dict, else the text as it is (text
/// output, or a summary cut at its bound).
py::object raw_summary(const std::string& text) {
  if (text.empty()) {
    return py::str("");
  }
  try {
    py::object parsed = py::module_::import("json").attr("loads")(python::text(text));
    if (py::isinstance<py::dict>(parsed)) {
      return parsed;
    }
  } catch (const py::error_already_set&) {
    // Not JSON: kept as text.
  }
  return python::text(text);
}

/// json.loads(to_json(value)): a dict of plain values (times as ISO 8601 strings), for storing.
template <typename T>
py::object to_dict(const T& value) {
  return py::module_::import("json").attr("loads")(text(to_json(value)));
}

std::string state_name(AzCopyJobState state) { return std::string(to_string(state)); }

/// The getter of a std::string member as text() (any byte is readable).
template <typename T>
auto text_of(std::string T::*member) {
  return [member](const T& v) { return text(v.*member); };
}

/// The getter of a std::vector<std::string> member as a list of text().
template <typename T>
auto texts_of(std::vector<std::string> T::*member) {
  return [member](const T& v) { return texts(v.*member); };
}

/// "Name(field=value, ...)" of the fields named, read through Python (so states and times show
/// as Python shows them).
std::string repr_of(const py::object& self, const char* type,
                    std::initializer_list<const char*> fields) {
  std::string out = type;
  out += '(';
  bool first = true;
  for (const char* field : fields) {
    if (!first) {
      out += ", ";
    }
    first = false;
    out += field;
    out += '=';
    out += py::repr(self.attr(field)).cast<std::string>();
  }
  out += ')';
  return out;
}

void bind_failed_file(py::module_& m) {
  py::class_<FailedFile>(m, "FailedFile", "One failed or skipped transfer (URLs redacted).")
      .def_property_readonly("source", text_of(&FailedFile::source))
      .def_property_readonly("destination", text_of(&FailedFile::destination))
      .def_property_readonly("error_code", text_of(&FailedFile::error_code),
                             "AzCopy's ErrorCode: an HTTP status ('404', '412') or '0'.")
      .def_property_readonly("transfer_status", text_of(&FailedFile::transfer_status),
                             "'Failed', 'SkippedEntityAlreadyExists', ...")
      .def_readonly("size", &FailedFile::size)
      .def_property_readonly("reason", text_of(&FailedFile::reason),
                             "Why it failed, from AzCopy's job log (redacted, bounded), or ''.")
      .def_readonly("http_status", &FailedFile::http_status)
      .def_property_readonly("service_code", text_of(&FailedFile::service_code))
      .def("__repr__", [](const py::object& self) {
        return repr_of(self, "FailedFile",
                       {"source", "destination", "transfer_status", "error_code", "size"});
      });
}

void bind_failure_cause(py::module_& m) {
  py::class_<FailureCause>(m, "FailureCause",
                           "One cause of a job's failed transfers, counted in AzCopy's job log.")
      .def_readonly("count", &FailureCause::count)
      .def_readonly("http_status", &FailureCause::http_status)
      .def_property_readonly("service_code", text_of(&FailureCause::service_code))
      .def_property_readonly("message", text_of(&FailureCause::message))
      .def_property_readonly("side", text_of(&FailureCause::side), "'source', 'destination' or ''.")
      .def_property_readonly(
          "first_at", [](const FailureCause& c) { return to_datetime(c.first_at); },
          "The first such failure (datetime, UTC), or None.")
      .def("__repr__", [](const py::object& self) {
        return repr_of(self, "FailureCause",
                       {"count", "http_status", "service_code", "side", "message"});
      });
}

void bind_directory_counts(py::module_& m) {
  py::class_<DirectoryCounts>(m, "DirectoryCounts", "The directories of a job, apart from files.")
      .def_readonly("made", &DirectoryCounts::made)
      .def_readonly("skipped", &DirectoryCounts::skipped)
      .def_readonly("failed", &DirectoryCounts::failed)
      .def("__repr__", [](const py::object& self) {
        return repr_of(self, "DirectoryCounts", {"made", "skipped", "failed"});
      });
}

void bind_job_ref(py::module_& m) {
  py::class_<AzCopyJobRef>(m, "AzCopyJobRef",
                           "A started job: its job_id is what a service persists.")
      .def_property_readonly("job_id", text_of(&AzCopyJobRef::job_id))
      .def_property_readonly("started_at",
                             [](const AzCopyJobRef& r) { return to_datetime(r.started_at); })
      .def_property_readonly("command", texts_of(&AzCopyJobRef::command),
                             "argv, every URL query string redacted.")
      .def_property_readonly(
          "environment",
          [](const AzCopyJobRef& r) {
            py::dict env;
            for (const auto& [name, value] : r.environment) {
              env[text(name)] = text(value);
            }
            return env;
          },
          "The AZCOPY_* variables passed, no secrets.")
      .def_property_readonly("log_dir", text_of(&AzCopyJobRef::log_dir))
      .def_property_readonly("azcopy_log_file", text_of(&AzCopyJobRef::azcopy_log_file))
      .def_readonly("pid", &AzCopyJobRef::pid)
      .def("to_dict", &to_dict<AzCopyJobRef>, "A dict of plain values (times as ISO 8601).")
      .def("to_json", [](const AzCopyJobRef& r) { return to_json(r); })
      .def_static(
          "from_json", [](std::string_view text) { return job_ref_from_json(text); },
          "Reads what to_json() wrote.")
      .def("__repr__", [](const py::object& self) {
        return repr_of(self, "AzCopyJobRef", {"job_id", "started_at", "log_dir"});
      });
}

void bind_progress(py::module_& m) {
  py::class_<AzCopyProgress>(m, "AzCopyProgress", "What poll() returns: a cheap view of a job.")
      .def_property_readonly("job_id", text_of(&AzCopyProgress::job_id))
      .def_property_readonly("state", [](const AzCopyProgress& p) { return state_name(p.state); })
      .def_property_readonly(
          "last_updated_at",
          [](const AzCopyProgress& p) {
            return p.last_updated_at == TimePoint{} ? py::none() : to_datetime(p.last_updated_at);
          },
          "When AzCopy wrote the figures (datetime, UTC); None before it wrote any.")
      .def_property_readonly("raw_status", text_of(&AzCopyProgress::raw_status))
      .def_readonly("files_transferred", &AzCopyProgress::files_transferred)
      .def_readonly("files_total", &AzCopyProgress::files_total)
      .def_readonly("total_transfers", &AzCopyProgress::total_transfers)
      .def_readonly("bytes_transferred", &AzCopyProgress::bytes_transferred)
      .def_readonly("bytes_expected", &AzCopyProgress::bytes_expected)
      .def_readonly("failed_transfers", &AzCopyProgress::failed_transfers)
      .def_readonly("skipped_transfers", &AzCopyProgress::skipped_transfers)
      .def_readonly("percent_complete", &AzCopyProgress::percent_complete)
      .def_property_readonly("reason", text_of(&AzCopyProgress::reason))
      .def_readonly("resumable", &AzCopyProgress::resumable)
      .def("to_dict", &to_dict<AzCopyProgress>, "A dict of plain values (times as ISO 8601).")
      .def("to_json", [](const AzCopyProgress& p) { return to_json(p); })
      .def("__repr__", [](const py::object& self) {
        return repr_of(self, "AzCopyProgress",
                       {"job_id", "state", "raw_status", "files_transferred", "files_total",
                        "bytes_transferred", "failed_transfers", "skipped_transfers"});
      });
}

void bind_summary(py::module_& m) {
  py::class_<AzCopySummary>(m, "AzCopySummary", "The final (or partial) statistics of a job.")
      .def_property_readonly("job_id", text_of(&AzCopySummary::job_id))
      .def_property_readonly("state", [](const AzCopySummary& s) { return state_name(s.state); })
      .def_property_readonly("raw_status", text_of(&AzCopySummary::raw_status))
      .def_readonly("files_transferred", &AzCopySummary::files_transferred)
      .def_readonly("bytes_transferred", &AzCopySummary::bytes_transferred)
      .def_readonly("failed_transfers", &AzCopySummary::failed_transfers)
      .def_readonly("skipped_transfers", &AzCopySummary::skipped_transfers)
      .def_readonly("total_transfers", &AzCopySummary::total_transfers)
      .def_readonly("files_total", &AzCopySummary::files_total)
      .def_readonly("bytes_expected", &AzCopySummary::bytes_expected)
      .def_readonly("percent_complete", &AzCopySummary::percent_complete)
      .def_readonly("warnings", &AzCopySummary::warnings)
      .def_readonly("errors", &AzCopySummary::errors)
      .def_property_readonly("started_at",
                             [](const AzCopySummary& s) { return to_datetime(s.started_at); })
      .def_property_readonly("finished_at",
                             [](const AzCopySummary& s) { return to_datetime(s.finished_at); })
      .def_property_readonly(
          "raw_summary", [](const AzCopySummary& s) { return raw_summary(s.raw_summary); },
          "AzCopy's own summary, redacted and bounded (64 KiB): a dict for JSON output, else "
          "the text.")
      .def_readonly("failed_files", &AzCopySummary::failed_files)
      .def_readonly("failed_files_omitted", &AzCopySummary::failed_files_omitted)
      .def_property_readonly("messages", texts_of(&AzCopySummary::messages))
      .def_readonly("empty_folders_not_processed", &AzCopySummary::empty_folders_not_processed)
      .def_property_readonly("failure_reason", text_of(&AzCopySummary::failure_reason),
                             "For a FAILED job, the line a person reads first; '' otherwise.")
      .def_readonly("failure_causes", &AzCopySummary::failure_causes)
      .def_readonly("directories", &AzCopySummary::directories,
                    "DirectoryCounts when known, else None.")
      .def("to_dict", &to_dict<AzCopySummary>, "A dict of plain values (times as ISO 8601).")
      .def("to_json", [](const AzCopySummary& s) { return to_json(s); })
      .def_static(
          "from_json", [](std::string_view text) { return summary_from_json(text); },
          "Reads what to_json() wrote.")
      .def("__repr__", [](const py::object& self) {
        return repr_of(self, "AzCopySummary",
                       {"job_id", "state", "files_transferred", "bytes_transferred",
                        "failed_transfers", "skipped_transfers", "finished_at"});
      });
}

void bind_records(py::module_& m) {
  py::class_<JobRecordInfo>(m, "JobRecord", "A job the runner's records know on this host.")
      .def_readonly("ref", &JobRecordInfo::ref)
      .def_property_readonly("last_state",
                             [](const JobRecordInfo& r) { return state_name(r.last_state); })
      .def_readonly("summary", &JobRecordInfo::summary, "The summary once terminal, else None.")
      .def("__repr__", [](const py::object& self) {
        return repr_of(self, "JobRecord", {"ref", "last_state"});
      });
  py::class_<PruneResult>(m, "PruneResult", "What prune() removed.")
      .def_property_readonly("removed_jobs", texts_of(&PruneResult::removed_jobs))
      .def_property_readonly("removed_paths", texts_of(&PruneResult::removed_paths))
      .def("__repr__", [](const py::object& self) {
        return repr_of(self, "PruneResult", {"removed_jobs", "removed_paths"});
      });
}

}  // namespace

void bind_types(py::module_& m) {
  bind_failed_file(m);
  bind_failure_cause(m);
  bind_directory_counts(m);
  bind_job_ref(m);
  bind_progress(m);
  bind_summary(m);
  bind_records(m);

  m.attr("STATES") =
      py::make_tuple("PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN");
  m.attr("TERMINAL_STATES") = py::frozenset(py::make_tuple("SUCCEEDED", "FAILED", "CANCELED"));
  m.def(
      "map_azcopy_status",
      [](std::string_view status) { return state_name(map_azcopy_status(status)); }, "status"_a,
      "The state of an AzCopy JobStatus ('Completed' -> 'SUCCEEDED', 'CompletedWithErrors' -> "
      "'FAILED', 'InProgress' -> 'RUNNING', ...; anything unknown -> 'UNKNOWN').");
  m.def(
      "is_terminal",
      [](std::string_view state) {
        const auto parsed = parse_job_state(state);
        return parsed && azcopy_runner::is_terminal(*parsed);
      },
      "state"_a, "True for 'SUCCEEDED', 'FAILED' and 'CANCELED'.");
}

}  // namespace azcopy_runner::python
