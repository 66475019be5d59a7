// SPDX-License-Identifier: MIT
/// @file args.hpp
/// @brief Command-line parsing of `azcopy-runner`: a pure function from the arguments to a
/// ParsedArgs, or a UsageError. No I/O, no environment, no library calls.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/types.hpp"

namespace azcopy_runner::cli {

/// The sub-commands.
enum class Command {
  None,  ///< No command given (only global options): print the global help.
  Help,  ///< `help [COMMAND]`.
  Copy,
  Poll,
  Summary,
  Wait,
  Cancel,
  Resume,
  Jobs,
  Remove,  ///< `rm ID`
  Prune,
  Parse,
  Version,
};

/// The name of a command as typed ("copy", ...); "" for Command::None.
[[nodiscard]] std::string_view command_name(Command command) noexcept;

/// Options accepted by every command, before or after the command name.
struct GlobalOptions {
  bool json = false;                       ///< --json
  int verbosity = 0;                       ///< -v / --verbose, repeatable.
  std::optional<std::string> work_dir;     ///< --work-dir D
  std::optional<std::string> log_dir;      ///< --log-dir D
  std::optional<std::string> azcopy_path;  ///< --azcopy PATH
};

/// The result of parse_args().
struct ParsedArgs {
  Command command = Command::None;
  /// --help / -h was given: print the help of `help_topic` (Command::None: global help).
  bool help = false;
  Command help_topic = Command::None;
  GlobalOptions global;

  // copy
  std::string source;
  std::string destination;
  CopyOptions copy;  ///< recursive, overwrite, from_to, log_level, extra_args (after `--`).

  // copy --wait, resume --wait, wait
  bool wait = false;                                  ///< --wait (always true for `wait`).
  std::optional<std::chrono::milliseconds> timeout;   ///< --timeout S (none: wait forever).
  std::optional<std::chrono::milliseconds> interval;  ///< --interval S (none: config default).

  // poll, summary, wait, cancel, resume, rm
  std::string job_id;
  // prune
  std::optional<std::chrono::seconds> older_than;  ///< --older-than DURATION (required)
  // cancel
  std::optional<std::chrono::milliseconds> grace;  ///< --grace S
  // resume: names of environment variables holding the SAS tokens (never the tokens).
  std::optional<std::string> source_sas_env;
  std::optional<std::string> destination_sas_env;

  // parse
  std::string file;  ///< A path, or "-" for stdin.
};

/// A malformed command line. what() names the offending option or argument (never its value,
/// which may hold a secret); command() is the command being parsed, for a "see --help" hint.
class UsageError : public std::runtime_error {
 public:
  UsageError(const std::string& message, Command command)
      : std::runtime_error(message), command_(command) {}
  [[nodiscard]] Command command() const noexcept { return command_; }

 private:
  Command command_;
};

/// Parses the arguments (without argv[0]).
/// Global options may appear anywhere before `--`; a command's options after its name.
/// `--opt VALUE` and `--opt=VALUE` are both accepted; `-` alone is a positional argument.
/// For `copy`, everything after `--` is passed to AzCopy verbatim.
/// @throws UsageError
[[nodiscard]] ParsedArgs parse_args(const std::vector<std::string>& args);

/// Parses a duration in seconds ("5", "0.5", "1e3"): finite, >= 0, at most ten years.
/// @throws UsageError naming @p option.
[[nodiscard]] std::chrono::milliseconds parse_seconds(std::string_view text,
                                                      std::string_view option, Command command);

/// Parses an age: a whole number and a unit, `s`, `m`, `h` or `d` ("7d", "12h", "30m", "0s"),
/// at most ten years. @throws UsageError naming @p option.
[[nodiscard]] std::chrono::seconds parse_age(std::string_view text, std::string_view option,
                                             Command command);

}  // namespace azcopy_runner::cli
