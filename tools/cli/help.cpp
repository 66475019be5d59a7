// SPDX-License-Identifier: MIT
#include "help.hpp"

#include <fmt/format.h>

#include <string>

#include "exit_codes.hpp"

namespace azcopy_runner::cli {

namespace {

/// The "Exit codes:" part of the help, made from kExitCodes.
std::string exit_code_help() {
  std::string text = "\nExit codes:\n";
  for (const auto& [code, meaning] : kExitCodes) {
    text += fmt::format("  {:<4} {}\n", code, meaning);
  }
  text += "'poll' exits 0 whatever the job's state: the state is in its output.\n";
  return text;
}

}  // namespace

std::string help_text(Command command) {
  switch (command) {
    case Command::None:
    case Command::Help:
      return R"(Usage: azcopy-runner [GLOBAL OPTIONS] COMMAND [ARGS...]

Runs Microsoft AzCopy copy jobs in the background and monitors them. The job id printed by
'copy' is all that is needed to poll, wait for, cancel or resume the job later, from any
process on this host that uses the same --work-dir/--log-dir.

Commands:
  copy SRC DST     start an AzCopy copy job (and with --wait, wait for it)
  poll ID          print a job's current progress, without blocking
  summary ID       print the final summary of a finished job
  wait ID          wait for a job to finish, showing its progress, then print its summary
  cancel ID        cancel a running job
  resume ID        resume a job whose AzCopy process died
  jobs             list the jobs recorded on this host, newest first
  rm ID            remove what a finished job left on disk (its record, output, AzCopy's
                   plan and log)
  prune --older-than DURATION
                   remove every job that ended more than DURATION ago (7d, 12h, 30m, 0s)
  parse FILE       parse a saved AzCopy output file ('-': stdin) and print its summary
  version          print the versions of azcopy-runner and of AzCopy
  help [COMMAND]   print this help, or a command's help

Global options (accepted before or after the command):
  --json           print exactly one JSON object on stdout, errors included
  --work-dir D     AzCopy's directory for logs and job plans (env AZCOPY_WORK_DIR;
                   default: the first usable of /app/.azcopy, /tmp/.azcopy,
                   $XDG_RUNTIME_DIR/azcopy-runner, $HOME/.azcopy-runner); it must be a real
                   directory of this user not writable by others, or it is refused (exit 7)
  --log-dir D      the runner's per-job records (env AZCOPY_LOG_DIR; default <work-dir>/runner)
  --azcopy PATH    the AzCopy executable (env AZCOPY_PATH; default 'azcopy' on PATH)
  -v, --verbose    log what the runner does to stderr (-vv: more); warnings are
                   printed there without it
  -h, --help       print help; after a command name, that command's help

Also read from the environment: AZCOPY_POLL_INTERVAL_SECONDS, AZCOPY_DEFAULT_LOG_LEVEL,
AZCOPY_RUNNER_START_TIMEOUT_SECONDS, AZCOPY_RUNNER_COMMAND_TIMEOUT_SECONDS.

Secrets: every URL this tool prints has its query string (SAS) redacted. SAS tokens for
'resume' are read from environment variables named by --source-sas-env/--destination-sas-env,
never from the command line, where 'ps' would show them.
)" + exit_code_help();
    case Command::Copy:
      return R"(Usage: azcopy-runner copy SRC DST [OPTIONS] [-- AZCOPY_FLAGS...]

Starts 'azcopy copy SRC DST' as a detached background job and prints its job reference: job
id, pid, log directory, the (redacted) command. The job survives this command. With --wait,
waits for the job, showing its progress, and prints its summary instead.

Options:
  --from-to X      AzCopy --from-to: LocalBlob, BlobLocal, BlobBlob, FileBlob, BlobFile, ...
                   (needed when AzCopy cannot infer the location types, e.g. an emulator)
  --overwrite V    true (default), false or ifSourceNewer
  --no-recursive   do not copy directories recursively
  --keep-directories
                   keep every directory, empty ones included, across Blob: a COOL
                   (--from-to FileBlob) writes directory stubs, a RESTORE (BlobFile) makes
                   the directories they describe (both URLs need a SAS)
  --log-level L    AzCopy --log-level: DEBUG, INFO, WARNING, ERROR, PANIC, NONE
                   (default: AZCOPY_DEFAULT_LOG_LEVEL, else INFO)
  --wait           wait for the job to finish and print its summary (Ctrl-C stops waiting,
                   the job keeps running: 'azcopy-runner wait ID' resumes watching it)
  --timeout S      with --wait: stop waiting after S seconds (exit 6; the job keeps running)
  --interval S     with --wait: seconds between polls (default AZCOPY_POLL_INTERVAL_SECONDS, 5)
  -- FLAGS...      further AzCopy flags, passed verbatim, each written --flag or --flag=value
                   (e.g. -- --cap-mbps=100); the flags set above, --output-type and
                   --cancel-from-stdin are managed by the runner and refused
  plus the global options (--json, --work-dir, --log-dir, --azcopy, -v, -h)

SRC or DST may hold a SAS. It is never printed or recorded, but while this command runs it is
visible in 'ps', as it is in the arguments of the AzCopy process (an AzCopy limitation).

Exit codes: 0 started (with --wait: SUCCEEDED), 1 FAILED, 3 CANCELED, 6 --timeout expired,
7 could not start, 5 AzCopy not installed, 2 usage error, 130 interrupted.
)";
    case Command::Poll:
      return R"(Usage: azcopy-runner poll ID

Prints the current progress of job ID without blocking (at most one 'azcopy jobs show'):
state, files and bytes done, failed and skipped transfers, percent, and whether the job can be
resumed. Exits 0 whatever the job's state; 4 if the job is unknown, 8 if AzCopy's answer could
not be understood.
)";
    case Command::Summary:
      return R"(Usage: azcopy-runner summary ID

Prints the final summary of job ID: state, why it failed (one line, from AzCopy's log), files
and bytes transferred, failed and skipped transfers, the failed files (at most 100) with their
reasons, AzCopy's error and warning messages.
Exit codes: 0 SUCCEEDED, 1 FAILED, 3 CANCELED, 6 still running (with --json the error object
carries the partial summary), 4 job not found.
)";
    case Command::Wait:
      return R"(Usage: azcopy-runner wait ID [--timeout S] [--interval S]

Waits for job ID to finish, showing its progress (one redrawn line on a terminal, a plain line
at most every 5 seconds otherwise, nothing with --json), then prints its summary.
Ctrl-C stops waiting; the job keeps running.

Options:
  --timeout S      stop waiting after S seconds (exit 6; the job keeps running).
                   Default: wait as long as it takes. 0: check once.
  --interval S     seconds between polls (default AZCOPY_POLL_INTERVAL_SECONDS, 5)

Exit codes: 0 SUCCEEDED, 1 FAILED, 3 CANCELED, 6 timeout, 4 job not found, 130 interrupted.
)";
    case Command::Cancel:
      return R"(Usage: azcopy-runner cancel ID [--grace S]

Cancels job ID: asks AzCopy to cancel it, then sends SIGTERM, then after the grace period
SIGKILL; a job whose process is already gone is marked Cancelled. Prints the final progress.

Options:
  --grace S        seconds between SIGTERM and SIGKILL (default 10)

Exit codes: 0 the job is no longer running (whatever its final state), 6 it still runs,
4 job not found.
)";
    case Command::Resume:
      return R"(Usage: azcopy-runner resume ID [--source-sas-env VAR] [--destination-sas-env VAR]
                            [--wait [--timeout S] [--interval S]]

Resumes job ID ('azcopy jobs resume') after its AzCopy process died, and prints the new job
reference (the job id stays the same). AzCopy never stores SAS tokens, so a job on SAS URLs
needs them again: put each token (the query string, with or without '?') in an environment
variable and name the variable here. Tokens are never accepted on the command line, where
'ps' would show them:

  SRC_SAS='sv=...&sig=...' azcopy-runner resume ID --source-sas-env SRC_SAS

Options:
  --source-sas-env VAR       environment variable holding the source SAS token
  --destination-sas-env VAR  environment variable holding the destination SAS token
  --wait, --timeout S, --interval S   as for 'copy'

Exit codes: 0 resumed (with --wait: SUCCEEDED), 1 FAILED, 3 CANCELED, 4 job not found,
7 could not be resumed, 2 usage error (e.g. the variable is not set), 130 interrupted.
)";
    case Command::Jobs:
      return R"(Usage: azcopy-runner jobs

Lists the jobs the runner's records know on this host (the --log-dir), newest first, one line
each: job id, state as last recorded, files and bytes transferred (once known), start time.
With --json: {"jobs": [...]}.
)";
    case Command::Remove:
      return R"(Usage: azcopy-runner rm ID

Removes everything job ID left on this host: the runner's directory of it (record, AzCopy's
stdout and stderr, the stdin FIFO, the output of each resume) and AzCopy's plan files and log
of it (what 'azcopy jobs rm' removes). Its summary cannot be read afterwards. A job whose
AzCopy process is alive is refused: cancel it first.
With --json: {"removed": ["ID"]}.
Exit codes: 0 removed, 6 its AzCopy is still running (nothing removed), 4 job not found.
)";
    case Command::Prune:
      return R"(Usage: azcopy-runner prune --older-than DURATION

Removes, as 'rm' does, every job recorded on this host that ended more than DURATION ago (a
whole number and a unit: 7d, 12h, 30m, 0s; 0s removes every ended job). A job whose process is
gone but whose end was never seen is polled once first; a job whose AzCopy is alive is never
removed. Also removes what a crashed runner left: staging directories of starts and scratch
files of 'jobs show' older than their timeout plus a minute. Prints the removed job ids.
Run it from a service once a day, e.g. 'azcopy-runner prune --older-than 7d'.
With --json: {"removed": [IDs...], "removed_paths": [PATHs...]}.
Exit codes: 0 (also when nothing was old enough), 2 usage error.
)";
    case Command::Parse:
      return R"(Usage: azcopy-runner parse FILE

Parses a saved stdout of 'azcopy copy', 'azcopy jobs show' or 'azcopy jobs resume' (JSON or
text output, AzCopy 10.10 and later) and prints the newest job summary in it. FILE '-' reads
standard input. Does not run AzCopy.
Exit codes: 0 SUCCEEDED, 1 FAILED, 3 CANCELED, 6 job still in progress, 4 the output says the
job does not exist, 8 no summary in the output, 9 the file cannot be read.
)";
    case Command::Version:
      return R"(Usage: azcopy-runner version

Prints the version of azcopy-runner and that of AzCopy ('azcopy --version').
Exit codes: 0, or 5 when AzCopy is not installed (the runner's version is printed anyway).
)";
  }
  return {};
}

}  // namespace azcopy_runner::cli
