// SPDX-License-Identifier: MIT
#include "args.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

#include <fmt/format.h>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/runner.hpp"
#include "text/text.hpp"

namespace azcopy_runner::cli {
namespace {

enum class Opt {
  Json,
  Verbose,
  Help,
  WorkDir,
  LogDir,
  Azcopy,
  FromTo,
  Overwrite,
  NoRecursive,
  KeepDirectories,
  LogLevel,
  Wait,
  Timeout,
  Interval,
  Grace,
  SourceSasEnv,
  DestinationSasEnv,
  OlderThan,
};

struct OptionSpec {
  Opt id;
  std::string_view name;  ///< Long name, with the leading "--".
  char short_name;        ///< 0: none.
  bool takes_value;
};

constexpr std::array kOptions{
    OptionSpec{Opt::Json, "--json", 0, false},
    OptionSpec{Opt::Verbose, "--verbose", 'v', false},
    OptionSpec{Opt::Help, "--help", 'h', false},
    OptionSpec{Opt::WorkDir, "--work-dir", 0, true},
    OptionSpec{Opt::LogDir, "--log-dir", 0, true},
    OptionSpec{Opt::Azcopy, "--azcopy", 0, true},
    OptionSpec{Opt::FromTo, "--from-to", 0, true},
    OptionSpec{Opt::Overwrite, "--overwrite", 0, true},
    OptionSpec{Opt::NoRecursive, "--no-recursive", 0, false},
    OptionSpec{Opt::KeepDirectories, "--keep-directories", 0, false},
    OptionSpec{Opt::LogLevel, "--log-level", 0, true},
    OptionSpec{Opt::Wait, "--wait", 0, false},
    OptionSpec{Opt::Timeout, "--timeout", 0, true},
    OptionSpec{Opt::Interval, "--interval", 0, true},
    OptionSpec{Opt::Grace, "--grace", 0, true},
    OptionSpec{Opt::SourceSasEnv, "--source-sas-env", 0, true},
    OptionSpec{Opt::DestinationSasEnv, "--destination-sas-env", 0, true},
    OptionSpec{Opt::OlderThan, "--older-than", 0, true},
};

struct CommandSpec {
  Command command;
  std::string_view name;
};

constexpr std::array kCommands{
    CommandSpec{Command::Help, "help"},     CommandSpec{Command::Copy, "copy"},
    CommandSpec{Command::Poll, "poll"},     CommandSpec{Command::Summary, "summary"},
    CommandSpec{Command::Wait, "wait"},     CommandSpec{Command::Cancel, "cancel"},
    CommandSpec{Command::Resume, "resume"}, CommandSpec{Command::Jobs, "jobs"},
    CommandSpec{Command::Remove, "rm"},     CommandSpec{Command::Prune, "prune"},
    CommandSpec{Command::Parse, "parse"},   CommandSpec{Command::Version, "version"},
};

/// Whether @p option is accepted by @p command (global options are accepted everywhere).
bool option_applies(Opt option, Command command) {
  switch (option) {
    case Opt::Json:
    case Opt::Verbose:
    case Opt::Help:
    case Opt::WorkDir:
    case Opt::LogDir:
    case Opt::Azcopy:
      return true;
    case Opt::FromTo:
    case Opt::Overwrite:
    case Opt::NoRecursive:
    case Opt::KeepDirectories:
    case Opt::LogLevel:
      return command == Command::Copy;
    case Opt::Wait:
      return command == Command::Copy || command == Command::Resume;
    case Opt::Timeout:
    case Opt::Interval:
      return command == Command::Copy || command == Command::Resume || command == Command::Wait;
    case Opt::Grace:
      return command == Command::Cancel;
    case Opt::SourceSasEnv:
    case Opt::DestinationSasEnv:
      return command == Command::Resume;
    case Opt::OlderThan:
      return command == Command::Prune;
  }
  return false;
}

const OptionSpec* find_long(std::string_view name) {
  const auto* it = std::find_if(kOptions.begin(), kOptions.end(),
                                [&](const OptionSpec& spec) { return spec.name == name; });
  return it == kOptions.end() ? nullptr : &*it;
}

const OptionSpec* find_short(char name) {
  const auto* it = std::find_if(kOptions.begin(), kOptions.end(),
                                [&](const OptionSpec& spec) { return spec.short_name == name; });
  return it == kOptions.end() ? nullptr : &*it;
}

std::optional<Command> find_command(std::string_view name) {
  const auto* it = std::find_if(kCommands.begin(), kCommands.end(),
                                [&](const CommandSpec& spec) { return spec.name == name; });
  if (it == kCommands.end()) {
    return std::nullopt;
  }
  return it->command;
}

std::string where(Command command) {
  return command == Command::None ? std::string{}
                                  : fmt::format(" for command '{}'", command_name(command));
}

[[noreturn]] void unknown_option(std::string_view name, Command command) {
  std::string hint;
  if (name == "--source-sas" || name == "--destination-sas") {
    hint = fmt::format(" (SAS tokens are never taken from the command line: use {}-env VAR)", name);
  } else if (const OptionSpec* spec = find_long(name); spec != nullptr) {
    hint = command == Command::None
               ? " (command options go after the command name)"
               : fmt::format(" ('{}' does not accept it)", command_name(command));
  }
  throw UsageError(fmt::format("unknown option '{}'{}{}", name, where(command), hint), command);
}

/// The library's check of a copy option (AzCopyRunner::build_copy_args()) as a usage error that
/// names @p option: the tool accepts exactly what the library accepts.
void check_copy_option(const CopyOptions& options, std::string_view option, Command command) {
  try {
    static_cast<void>(AzCopyRunner::build_copy_args("source", "destination", options, "INFO"));
  } catch (const AzCopyStartError& e) {
    std::string_view why = e.what();
    constexpr std::string_view kPrefix = "invalid copy request: ";
    if (why.starts_with(kPrefix)) {
      why.remove_prefix(kPrefix.size());
    }
    throw UsageError(fmt::format("invalid value for {}: {}", option, why), command);
  }
}

/// --overwrite, checked by the library, spelled as AzCopy documents it.
std::string parse_overwrite(std::string_view value, Command command) {
  CopyOptions options;
  options.overwrite = std::string(value);
  check_copy_option(options, "--overwrite", command);
  const std::string low = detail::ascii_lower(value);
  return low == "ifsourcenewer" ? std::string("ifSourceNewer") : low;
}

/// --log-level, checked by the library, in capitals.
std::string parse_log_level(std::string_view value, Command command) {
  CopyOptions options;
  options.log_level = std::string(value);
  check_copy_option(options, "--log-level", command);
  return detail::ascii_upper(value);
}

/// --from-to, checked by the library.
std::string parse_from_to(std::string_view value, Command command) {
  CopyOptions options;
  options.from_to = std::string(value);
  check_copy_option(options, "--from-to", command);
  return std::string(value);
}

std::string parse_env_name(std::string_view value, std::string_view option, Command command) {
  const auto is_start = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  };
  const auto is_rest = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  if (value.empty() || !is_start(value.front()) ||
      !std::all_of(value.begin() + 1, value.end(), is_rest)) {
    throw UsageError(fmt::format("{} expects the NAME of an environment variable holding the SAS "
                                 "token (the token itself must not be on the command line)",
                                 option),
                     command);
  }
  return std::string(value);
}

void apply_option(ParsedArgs& out, const OptionSpec& spec, const std::string& value) {
  const Command command = out.command;
  switch (spec.id) {
    case Opt::Json:
      out.global.json = true;
      break;
    case Opt::Verbose:
      ++out.global.verbosity;
      break;
    case Opt::Help:  // handled by the caller
      break;
    case Opt::WorkDir:
    case Opt::LogDir:
    case Opt::Azcopy: {
      if (value.empty()) {
        throw UsageError(fmt::format("{} needs a non-empty value", spec.name), command);
      }
      auto& slot = spec.id == Opt::WorkDir  ? out.global.work_dir
                   : spec.id == Opt::LogDir ? out.global.log_dir
                                            : out.global.azcopy_path;
      slot = value;
      break;
    }
    case Opt::FromTo:
      out.copy.from_to = parse_from_to(value, command);
      break;
    case Opt::Overwrite:
      out.copy.overwrite = parse_overwrite(value, command);
      break;
    case Opt::NoRecursive:
      out.copy.recursive = false;
      break;
    case Opt::KeepDirectories:
      out.copy.keep_directories = true;
      break;
    case Opt::LogLevel:
      out.copy.log_level = parse_log_level(value, command);
      break;
    case Opt::Wait:
      out.wait = true;
      break;
    case Opt::Timeout:
      out.timeout = parse_seconds(value, spec.name, command);
      break;
    case Opt::Interval: {
      const auto interval = parse_seconds(value, spec.name, command);
      if (interval <= std::chrono::milliseconds::zero()) {
        throw UsageError("--interval must be greater than 0", command);
      }
      out.interval = interval;
      break;
    }
    case Opt::Grace:
      out.grace = parse_seconds(value, spec.name, command);
      break;
    case Opt::SourceSasEnv:
      out.source_sas_env = parse_env_name(value, spec.name, command);
      break;
    case Opt::DestinationSasEnv:
      out.destination_sas_env = parse_env_name(value, spec.name, command);
      break;
    case Opt::OlderThan:
      out.older_than = parse_age(value, spec.name, command);
      break;
  }
}

void expect_positionals(const ParsedArgs& out, const std::vector<std::string>& positionals,
                        std::size_t min, std::size_t max, std::string_view what) {
  if (positionals.size() < min) {
    throw UsageError(
        fmt::format("missing argument: '{}' needs {}", command_name(out.command), what),
        out.command);
  }
  if (positionals.size() > max) {
    throw UsageError(fmt::format("unexpected argument '{}' for command '{}'", positionals[max],
                                 command_name(out.command)),
                     out.command);
  }
}

/// `copy`: SOURCE, DESTINATION and the AzCopy flags after `--`.
void finish_copy(ParsedArgs& out, const std::vector<std::string>& positionals) {
  expect_positionals(out, positionals, 2, 2, "SOURCE and DESTINATION");
  for (const std::string& extra : out.copy.extra_args) {
    if (!extra.starts_with("--") || extra.size() < 3) {
      throw UsageError(
          "the AzCopy arguments after '--' must be flags, each written --flag or --flag=value",
          out.command);
    }
  }
  out.source = positionals[0];
  out.destination = positionals[1];
  if (out.source.empty() || out.destination.empty()) {
    throw UsageError("SOURCE and DESTINATION must not be empty", out.command);
  }
}

void finish(ParsedArgs& out, const std::vector<std::string>& positionals) {
  switch (out.command) {
    case Command::None:
      break;
    case Command::Help:
      expect_positionals(out, positionals, 0, 1, "at most one COMMAND");
      out.help = true;
      out.help_topic = Command::None;
      if (!positionals.empty()) {
        const auto topic = find_command(positionals.front());
        if (!topic) {
          throw UsageError(fmt::format("unknown command '{}'", positionals.front()), Command::None);
        }
        out.help_topic = *topic;
      }
      break;
    case Command::Copy:
      finish_copy(out, positionals);
      break;
    case Command::Poll:
    case Command::Summary:
    case Command::Wait:
    case Command::Cancel:
    case Command::Resume:
    case Command::Remove:
      expect_positionals(out, positionals, 1, 1, "a job ID");
      out.job_id = positionals[0];
      if (out.job_id.empty()) {
        throw UsageError("the job ID must not be empty", out.command);
      }
      break;
    case Command::Jobs:
    case Command::Version:
      expect_positionals(out, positionals, 0, 0, "no argument");
      break;
    case Command::Prune:
      expect_positionals(out, positionals, 0, 0, "no argument");
      if (!out.older_than) {
        throw UsageError("'prune' needs --older-than DURATION (e.g. 7d, 12h, 30m or 0s)",
                         out.command);
      }
      break;
    case Command::Parse:
      expect_positionals(out, positionals, 1, 1, "a FILE ('-' for stdin)");
      out.file = positionals[0];
      if (out.file.empty()) {
        throw UsageError("FILE must not be empty ('-' reads stdin)", out.command);
      }
      break;
  }
  if (out.command == Command::Wait) {
    out.wait = true;
  } else if (!out.wait && (out.timeout || out.interval)) {
    throw UsageError(fmt::format("{} needs --wait", out.timeout ? "--timeout" : "--interval"),
                     out.command);
  }
}

}  // namespace

std::string_view command_name(Command command) noexcept {
  const auto* it = std::find_if(kCommands.begin(), kCommands.end(),
                                [&](const CommandSpec& spec) { return spec.command == command; });
  return it == kCommands.end() ? std::string_view{} : it->name;
}

std::chrono::milliseconds parse_seconds(std::string_view text, std::string_view option,
                                        Command command) {
  constexpr double kMaxSeconds = 10.0 * 365 * 24 * 3600;
  double seconds = 0.0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(seconds) || seconds < 0.0 ||
      seconds > kMaxSeconds) {
    throw UsageError(
        fmt::format("invalid value for {}: expected a number of seconds (e.g. 30 or 0.5)", option),
        command);
  }
  return std::chrono::milliseconds{static_cast<std::int64_t>(std::llround(seconds * 1000.0))};
}

std::chrono::seconds parse_age(std::string_view text, std::string_view option, Command command) {
  constexpr std::int64_t kMaxSeconds = std::int64_t{10} * 365 * 24 * 3600;
  std::int64_t count = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, count);
  std::int64_t unit = 0;
  if (ec == std::errc{} && ptr + 1 == end) {
    switch (*ptr) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        break;
    }
  }
  if (unit == 0 || count < 0 || count > kMaxSeconds / unit) {
    throw UsageError(fmt::format("invalid value for {}: expected a whole number and a unit, s, m, "
                                 "h or d (e.g. 7d, 12h, 30m or 0s)",
                                 option),
                     command);
  }
  return std::chrono::seconds{count * unit};
}

namespace {

/// parse_args(), one argument at a time.
class ArgReader {
 public:
  explicit ArgReader(const std::vector<std::string>& args) : args_(args) {
    out_.copy.log_level.clear();  // empty: RunnerConfig::default_log_level
  }

  ParsedArgs read() {
    for (next_ = 0; next_ < args_.size();) {
      if (read_one(args_[next_++])) {
        return out_;  // --help: nothing else matters
      }
    }
    finish(out_, positionals_);
    return out_;
  }

 private:
  /// Reads @p arg; true when it asks for help.
  bool read_one(const std::string& arg) {
    if (end_of_options_) {
      (out_.command == Command::Copy ? out_.copy.extra_args : positionals_).push_back(arg);
      return false;
    }
    if (arg == "--") {
      if (out_.command == Command::None) {
        throw UsageError("'--' before any command", Command::None);
      }
      end_of_options_ = true;
      return false;
    }
    if (arg.size() > 2 && arg.starts_with("--")) {
      return long_option(arg);
    }
    if (arg.size() > 1 && arg.front() == '-') {
      return short_flags(arg);
    }
    if (out_.command == Command::None) {
      const auto command = find_command(arg);
      if (!command) {
        throw UsageError(fmt::format("unknown command '{}'", arg), Command::None);
      }
      out_.command = *command;
      return false;
    }
    positionals_.push_back(arg);
    return false;
  }

  /// --name, --name=value or --name value.
  bool long_option(const std::string& arg) {
    const auto eq = arg.find('=');
    const std::string_view name = std::string_view(arg).substr(0, eq);
    const OptionSpec* spec = find_long(name);
    if (spec == nullptr || !option_applies(spec->id, out_.command)) {
      unknown_option(name, out_.command);
    }
    std::string value;
    if (spec->takes_value) {
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (next_ < args_.size()) {
        value = args_[next_++];
      } else {
        throw UsageError(fmt::format("option {} requires a value", spec->name), out_.command);
      }
    } else if (eq != std::string::npos) {
      throw UsageError(fmt::format("option {} takes no value", spec->name), out_.command);
    }
    if (spec->id == Opt::Help) {
      return help();
    }
    apply_option(out_, *spec, value);
    return false;
  }

  /// Bundled short flags: -v, -h, -vv.
  bool short_flags(const std::string& arg) {
    for (std::size_t k = 1; k < arg.size(); ++k) {
      const OptionSpec* spec = find_short(arg[k]);
      if (spec == nullptr || spec->takes_value) {
        const std::string name = k == 1 ? arg.substr(0, 2) : std::string{'-', arg[k]};
        throw UsageError(fmt::format("unknown option '{}'{}", name, where(out_.command)),
                         out_.command);
      }
      if (spec->id == Opt::Help) {
        return help();
      }
      apply_option(out_, *spec, {});
    }
    return false;
  }

  bool help() {
    out_.help = true;
    out_.help_topic = out_.command == Command::Help ? Command::None : out_.command;
    return true;
  }

  const std::vector<std::string>& args_;
  std::size_t next_ = 0;
  ParsedArgs out_;
  std::vector<std::string> positionals_;
  bool end_of_options_ = false;
};

}  // namespace

ParsedArgs parse_args(const std::vector<std::string>& args) { return ArgReader(args).read(); }

}  // namespace azcopy_runner::cli
