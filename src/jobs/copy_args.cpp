// SPDX-License-Identifier: MIT
#include "jobs/copy_args.hpp"

#include <algorithm>
#include <array>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "text/text.hpp"

namespace azcopy_runner::detail {

namespace {

/// The flag name of an argument: "--overwrite=false" -> "overwrite"; "" for non-flags.
std::string flag_name(std::string_view arg) {
  if (!arg.starts_with("-")) {
    return {};
  }
  arg.remove_prefix(arg.starts_with("--") ? 2 : 1);
  return ascii_lower(arg.substr(0, arg.find('=')));
}

bool is_alnum_ascii(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

[[noreturn]] void refuse(const std::string& why) {
  throw AzCopyStartError("invalid copy request: " + why, ErrorContext{});
}

/// Extra arguments are flags that the runner does not manage itself, and none that would hide
/// AzCopy's prompts or progress.
void check_extra_args(const std::vector<std::string>& extra_args) {
  static constexpr std::array<std::string_view, 7> kManaged = {"recursive",
                                                               "overwrite",
                                                               "from-to",
                                                               "log-level",
                                                               "output-type",
                                                               "cancel-from-stdin",
                                                               "include-directory-stub"};
  for (const auto& arg : extra_args) {
    const std::string name = flag_name(arg);
    if (name.empty()) {
      refuse("extra argument '" + redact(arg) + "' is not a flag");
    }
    if (std::find(kManaged.begin(), kManaged.end(), name) != kManaged.end()) {
      refuse("extra argument --" + name + " is managed by the runner (use CopyOptions" +
             (name == "include-directory-stub" ? "::keep_directories)" : ")"));
    }
    if (name == "output-level") {
      const std::string value = ascii_lower(arg.substr(std::min(arg.size(), arg.find('=') + 1)));
      if (arg.find('=') == std::string::npos || value == "essential" || value == "quiet") {
        refuse("--output-level essential/quiet hides AzCopy's prompts and progress");
      }
    }
  }
}

/// keep_directories is for a COOL or a RESTORE, recursive.
void check_keep_directories(const CopyOptions& options) {
  if (!options.keep_directories) {
    return;
  }
  const auto& ft = options.from_to;
  if (!ft || (!ascii_iequals(*ft, "FileBlob") && !ascii_iequals(*ft, "BlobFile"))) {
    refuse("keep_directories needs from_to FileBlob (a COOL) or BlobFile (a RESTORE)");
  }
  if (!options.recursive) {
    refuse("keep_directories needs a recursive copy");
  }
}

}  // namespace

std::vector<std::string> build_copy_args(std::string_view source, std::string_view destination,
                                         const CopyOptions& options,
                                         std::string_view default_log_level) {
  if (source.empty() || destination.empty()) {
    refuse("source and destination must not be empty");
  }
  if (source.starts_with("-") || destination.starts_with("-")) {
    refuse("source and destination must not start with '-'");
  }
  const std::string overwrite = ascii_lower(options.overwrite);
  if (overwrite == "prompt") {
    refuse(
        "--overwrite=prompt is interactive (it waits for an answer on stdin); use true, false or "
        "ifSourceNewer");
  }
  if (overwrite != "true" && overwrite != "false" && overwrite != "ifsourcenewer") {
    refuse("overwrite must be true, false or ifSourceNewer, not '" + options.overwrite + "'");
  }
  std::string level =
      options.log_level.empty() ? std::string(default_log_level) : options.log_level;
  static constexpr std::array<std::string_view, 6> kLevels = {"debug", "info",  "warning",
                                                              "error", "panic", "none"};
  if (std::find(kLevels.begin(), kLevels.end(), ascii_lower(level)) == kLevels.end()) {
    refuse("unknown log level '" + level + "'");
  }
  if (options.from_to) {
    const auto& ft = *options.from_to;
    if (ft.empty() || !std::all_of(ft.begin(), ft.end(), is_alnum_ascii)) {
      refuse("from_to must be a location pair such as LocalBlob or FileBlob");
    }
  }
  check_extra_args(options.extra_args);
  check_keep_directories(options);
  const bool cool = options.from_to && ascii_iequals(*options.from_to, "FileBlob");
  if (ascii_iequals(level, "none")) {
    level = "NONE";
  }
  std::vector<std::string> args{
      "copy", std::string(source), std::string(destination),
      std::string("--recursive=") + (options.recursive ? "true" : "false"),
      "--overwrite=" + options.overwrite};
  if (options.from_to) {
    args.push_back("--from-to=" + *options.from_to);
  }
  args.push_back("--log-level=" + level);
  args.push_back(std::string("--output-type=") +
                 (options.output_type == OutputType::Json ? "json" : "text"));
  args.emplace_back("--skip-version-check");
  if (options.keep_directories && cool) {
    args.emplace_back("--include-directory-stub=true");
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  return args;
}

void refuse_debug_log_that_leaks(const std::vector<std::string>& args, AzCopyBinary& azcopy,
                                 const std::string& log_dir) {
  if (std::none_of(args.begin(), args.end(),
                   [](const std::string& a) { return ascii_iequals(a, "--log-level=debug"); })) {
    return;
  }
  const std::string version = azcopy.version();
  const auto v = parse_azcopy_version(version);
  if (v && (v->major > 10 || (v->major == 10 && v->minor >= 32))) {
    return;
  }
  throw AzCopyStartError(
      "--log-level=DEBUG is refused with AzCopy " + version +
          ": before 10.32, AzCopy writes the real SAS signatures of the job's URLs into "
          "<job id>-chunks.log in its work dir at that level; use INFO (the default) or "
          "AzCopy 10.32 or later",
      ErrorContext{{}, log_dir, {}});
}

std::string_view strip_sas_question(std::string_view sas) noexcept {
  if (sas.starts_with("?")) {
    sas.remove_prefix(1);
  }
  return sas;
}

std::string command_text(const std::vector<std::string>& command) {
  std::string out;
  for (const auto& c : command) {
    if (!out.empty()) {
      out += ' ';
    }
    out += c;
  }
  return out;
}

bool is_secret_env(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kKnown = {
      "AZCOPY_SPA_CLIENT_SECRET", "AZCOPY_SPA_CERT_PASSWORD",
      "AZCOPY_OAUTH_TOKEN_INFO",  "ACCOUNT_KEY",
      "CPK_ENCRYPTION_KEY",       "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",        "MSI_SECRET",
      "IDENTITY_HEADER"};
  if (std::find(kKnown.begin(), kKnown.end(), name) != kKnown.end()) {
    return true;
  }
  const std::string folded = ascii_lower(name);
  static constexpr std::array<std::string_view, 6> kWords = {"secret", "token", "password",
                                                             "key",    "sas",   "credential"};
  return std::any_of(kWords.begin(), kWords.end(), [&folded](std::string_view word) {
    return folded.find(word) != std::string::npos;
  });
}

std::map<std::string, std::string> safe_environment(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : env) {
    if (!is_secret_env(key)) {
      out[key] = redact(value);
    }
  }
  return out;
}

}  // namespace azcopy_runner::detail
