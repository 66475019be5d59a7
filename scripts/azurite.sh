#!/usr/bin/env bash
# Starts, stops or checks a local Azurite blob emulator (in memory, loopback only, no telemetry).
#
# Usage: scripts/azurite.sh start|stop|status [--port N] [--dir D] [--metadata memory|sql]
#   --port N  the blob port (default: $AZURITE_PORT, else 10000)
#   --dir D   where the pid file, the log and the workspace go
#             (default: $AZURITE_DIR, else ${TMPDIR:-/tmp}/azcopy-runner-azurite-<port>)
#   --metadata memory|sql   (start) where Azurite keeps its metadata:
#             memory  (default) everything in memory (--inMemoryPersistence); AZURITE_DB is not
#                     passed on. Its LokiJS store costs O(n) a blob operation: fine for tests,
#                     slow past some thousands of blobs.
#             sql     a SQL database: AZURITE_DB (mysql://USER:PASSWORD@127.0.0.1:PORT/DB, the
#                     database made beforehand; Azurite makes its tables) must be in the
#                     environment; the blob contents go to disk, in D/workspace.
#                     scripts/storage.sh --metadata sql starts a MariaDB server for it.
# start is idempotent: an instance of ours already answering on that port is kept. It waits up to
# 30 s for the emulator to answer. Its access log is off: it would record SAS signatures.
# status exits 0 when running, 3 when not. The endpoint is http://127.0.0.1:<port>/devstoreaccount1.
set -euo pipefail

# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

usage() {
  print_usage "$AZCOPY_RUNNER_ROOT/scripts/azurite.sh" >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
action="$1"
shift
port="${AZURITE_PORT:-10000}"
dir=""
metadata="memory"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port)
      [[ $# -ge 2 ]] || usage
      port="$2"
      shift 2
      ;;
    --port=*)
      port="${1#--port=}"
      shift
      ;;
    --dir)
      [[ $# -ge 2 ]] || usage
      dir="$2"
      shift 2
      ;;
    --dir=*)
      dir="${1#--dir=}"
      shift
      ;;
    --metadata)
      [[ $# -ge 2 ]] || usage
      metadata="$2"
      shift 2
      ;;
    --metadata=*)
      metadata="${1#--metadata=}"
      shift
      ;;
    -h | --help) usage ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ "$port" =~ ^[0-9]+$ && "$port" -gt 0 && "$port" -lt 65536 ]] || die "bad port: $port"
[[ "$metadata" == "memory" || "$metadata" == "sql" ]] || die "bad --metadata: $metadata (memory or sql)"
dir="${dir:-${AZURITE_DIR:-${TMPDIR:-/tmp}/azcopy-runner-azurite-$port}}"
pid_file="$dir/azurite.pid"
log_file="$dir/azurite.log"
metadata_file="$dir/azurite.metadata" # "sql" when the running instance has SQL metadata
endpoint="$(blob_endpoint "$port")"

# our_pid: the pid in the pid file when that process is alive, not a zombie, and is Azurite.
our_pid() { pid_from_file "$pid_file" azurite; }

# answers: true when something answers HTTP on the port (any status: Azurite says 403 or 400
# to an unsigned request, which is enough to know it is up).
answers() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$endpoint?comp=list" 2>/dev/null || true)"
  [[ -n "$code" && "$code" != "000" ]]
}

start() {
  local pid waited=0 running
  need_cmd curl
  [[ -x "$AZURITE_BLOB" ]] || die "azurite-blob not found at $AZURITE_BLOB: run scripts/setup.sh first"
  if [[ "$metadata" == "sql" && -z "${AZURITE_DB:-}" ]]; then
    die "--metadata sql needs AZURITE_DB=mysql://USER:PASSWORD@127.0.0.1:PORT/DB in the environment"
  fi
  if pid="$(our_pid)"; then
    running="$(cat "$metadata_file" 2>/dev/null || printf 'memory')"
    if [[ "$running" != "$metadata" ]]; then
      warn "pid $pid runs with --metadata $running, not $metadata: restarting it"
      stop
    elif answers; then
      log "already running (pid $pid) at $endpoint"
      return 0
    else
      warn "pid $pid does not answer on port $port: restarting it"
      stop
    fi
  fi
  if answers; then
    die "port $port is already taken by another server (not started by this script with --dir $dir)"
  fi
  mkdir -p "$dir/workspace"
  : >"$log_file"
  # setsid: its own session and process group, so that a terminal's ^C does not reach it.
  # Not a process-group leader here, so setsid execs in place and $! is Azurite's pid.
  # The working directory is its workspace (--location cannot go with --inMemoryPersistence).
  # With SQL metadata (AZURITE_DB, inherited), the blob contents go to disk in that workspace.
  local store=(--inMemoryPersistence)
  [[ "$metadata" == "memory" ]] || store=(--location "$dir/workspace")
  (
    cd "$dir/workspace"
    [[ "$metadata" == "sql" ]] || unset AZURITE_DB
    exec nohup setsid "$AZURITE_BLOB" --blobHost 127.0.0.1 --blobPort "$port" \
      "${store[@]}" --disableTelemetry --loose --skipApiVersionCheck --silent \
      </dev/null >>"$log_file" 2>&1
  ) &
  pid=$!
  printf '%s\n' "$pid" >"$pid_file"
  rm -f "$metadata_file"
  [[ "$metadata" == "memory" ]] || printf '%s\n' "$metadata" >"$metadata_file"
  while ! answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pid_file"
      tail -n 20 "$log_file" >&2 || true
      die "azurite exited at start up (log: $log_file)"
    fi
    if [[ "$waited" -ge 300 ]]; then
      tail -n 20 "$log_file" >&2 || true
      stop
      die "azurite did not answer on port $port within 30 s (log: $log_file)"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  log "started (pid $pid) at $endpoint, log $log_file"
}

stop() {
  local pid i
  if ! pid="$(our_pid)"; then
    rm -f "$pid_file" "$metadata_file"
    log "not running (port $port, dir $dir)"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    our_pid >/dev/null || break
    sleep 0.1
  done
  if our_pid >/dev/null; then
    warn "pid $pid ignored SIGTERM for 10 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file" "$metadata_file"
  log "stopped (pid $pid)"
}

status() {
  local pid
  if pid="$(our_pid)" && answers; then
    printf 'running pid=%s port=%s endpoint=%s log=%s\n' "$pid" "$port" "$endpoint" "$log_file"
    return 0
  fi
  if pid="$(our_pid)"; then
    printf 'not answering pid=%s port=%s log=%s\n' "$pid" "$port" "$log_file"
  else
    printf 'stopped port=%s\n' "$port"
  fi
  return 3
}

case "$action" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
