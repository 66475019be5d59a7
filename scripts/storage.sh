#!/usr/bin/env bash
# Local storage for COOL and RESTORE tests: Azurite (Blob), the Azure Files test server and the
# from-URL proxy in front of Azurite, on free loopback ports (docs/EMULATORS.md).
#
# Usage: scripts/storage.sh start|stop|status --dir DIR
#   start   starts the three, waits until each answers (30 s at most), and writes
#           DIR/endpoints.env (shell syntax, `source` it or read it as KEY=VALUE lines):
#             AZCOPY_RUNNER_TEST_BLOB_ENDPOINT=http://127.0.0.1:P/devstoreaccount1  (the proxy)
#             AZCOPY_RUNNER_TEST_FILE_ENDPOINT=http://127.0.0.1:Q/devstoreaccount1  (Files server)
#             AZCOPY_RUNNER_TEST_FILES_DIR=DIR/files   (the shares on disk, one folder a share)
#             AZCOPY_RUNNER_TEST_FAULTS_DIR=DIR/faults (faults on demand: a rule file
#               <share or container>.json there, see docs/EMULATORS.md)
#             AZCOPY_RUNNER_TEST_AZURITE_ENDPOINT=http://127.0.0.1:A/devstoreaccount1 (Azurite)
#           An account SAS signed with the development key, with ss=bf, works on both endpoints
#           (emulators/files/sas.py makes one). Already running for DIR: nothing is restarted.
#   stop    stops all three and leaves no process; removes DIR/endpoints.env.
#   status  exits 0 when all three answer, 3 otherwise.
# Logs: DIR/azurite/azurite.log, DIR/files.log and DIR/proxy.log (JSON lines, no signature).
set -euo pipefail

# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

usage() {
  print_usage "$AZCOPY_RUNNER_ROOT/scripts/storage.sh" >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
action="$1"
shift
dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir)
      [[ $# -ge 2 ]] || usage
      dir="$2"
      shift 2
      ;;
    --dir=*)
      dir="${1#--dir=}"
      shift
      ;;
    -h | --help) usage ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ -n "$dir" ]] || die "--dir DIR is required"

files_server="$AZCOPY_RUNNER_ROOT/emulators/files/files_server.py"
proxy="$AZCOPY_RUNNER_ROOT/emulators/proxy/fromurl_proxy.py"
env_file="$dir/endpoints.env"

# pid_of NAME PATTERN: the pid in DIR/NAME.pid when that process is alive and is ours.
pid_of() { pid_from_file "$dir/$1.pid" "$2"; }

# answers URL: true when an HTTP server answers there (any status).
answers() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true)"
  [[ -n "$code" && "$code" != "000" ]]
}

# start_python NAME SCRIPT ARGS...: starts a server of emulators/ on a free port (--port 0), in its
# own session; prints the port it reports (`listening HOST:PORT` on its stdout).
start_python() {
  local name="$1" script="$2" pid waited=0 port=""
  shift 2
  : >"$dir/$name.out"
  (exec nohup setsid python3 "$script" --port 0 "$@" </dev/null >"$dir/$name.out" 2>>"$dir/$name.err") &
  pid=$!
  printf '%s\n' "$pid" >"$dir/$name.pid"
  while [[ -z "$port" ]]; do
    port="$(sed -n 's/^listening [0-9.]*:\([0-9]*\)$/\1/p' "$dir/$name.out" | head -n 1)"
    [[ -z "$port" ]] || break
    if ! kill -0 "$pid" 2>/dev/null || [[ "$waited" -ge 300 ]]; then
      tail -n 20 "$dir/$name.err" >&2 || true
      die "$name did not start (see $dir/$name.err)"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  printf '%s\n' "$port"
}

wait_answers() {
  local name="$1" url="$2" waited=0
  until answers "$url"; do
    [[ "$waited" -lt 300 ]] || die "$name does not answer at $url within 30 s"
    sleep 0.1
    waited=$((waited + 1))
  done
}

start() {
  local azurite_port files_port proxy_port
  need_cmd python3 curl
  if status >/dev/null 2>&1; then
    log "already running for $dir ($env_file)"
    return 0
  fi
  stop >/dev/null 2>&1 || true
  umask 077 # the logs, pid files and shares are this user's alone
  mkdir -p "$dir/files" "$dir/faults"
  azurite_port="$(free_port)"
  bash "$AZCOPY_RUNNER_ROOT/scripts/azurite.sh" start --port "$azurite_port" --dir "$dir/azurite"
  printf '%s\n' "$azurite_port" >"$dir/azurite.port"
  files_port="$(start_python files "$files_server" --data-dir "$dir/files" --log "$dir/files.log" \
    --faults-dir "$dir/faults")"
  proxy_port="$(start_python proxy "$proxy" --upstream "http://127.0.0.1:$azurite_port" \
    --log "$dir/proxy.log" --faults-dir "$dir/faults")"
  # A known operation (Get Share Properties; 403 without a SAS): an unknown one would be logged
  # as such, and tests fail on those.
  wait_answers "the Files test server" "http://127.0.0.1:$files_port/devstoreaccount1/probe?restype=share"
  wait_answers "the from-URL proxy" "$(blob_endpoint "$proxy_port")?comp=list"
  cat >"$env_file.tmp" <<EOF
AZCOPY_RUNNER_TEST_BLOB_ENDPOINT=$(blob_endpoint "$proxy_port")
AZCOPY_RUNNER_TEST_FILE_ENDPOINT=http://127.0.0.1:$files_port/devstoreaccount1
AZCOPY_RUNNER_TEST_FILES_DIR=$dir/files
AZCOPY_RUNNER_TEST_FAULTS_DIR=$dir/faults
AZCOPY_RUNNER_TEST_AZURITE_ENDPOINT=$(blob_endpoint "$azurite_port")
EOF
  mv "$env_file.tmp" "$env_file"
  log "started: blob (proxy) :$proxy_port, files :$files_port, azurite :$azurite_port; $env_file"
}

stop_python() {
  local name="$1" pattern="$2" pid i
  if pid="$(pid_of "$name" "$pattern")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      pid_of "$name" "$pattern" >/dev/null || break
      sleep 0.1
    done
    if pid_of "$name" "$pattern" >/dev/null; then
      warn "$name (pid $pid) ignored SIGTERM for 5 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/$name.pid"
}

stop() {
  rm -f "$env_file"
  stop_python proxy fromurl_proxy.py
  stop_python files files_server.py
  if [[ -f "$dir/azurite.port" ]]; then
    bash "$AZCOPY_RUNNER_ROOT/scripts/azurite.sh" stop --port "$(cat "$dir/azurite.port")" \
      --dir "$dir/azurite"
    rm -f "$dir/azurite.port"
  fi
  log "stopped ($dir)"
}

status() {
  local blob file
  [[ -f "$env_file" ]] || return 3
  blob="$(sed -n 's/^AZCOPY_RUNNER_TEST_BLOB_ENDPOINT=//p' "$env_file")"
  file="$(sed -n 's/^AZCOPY_RUNNER_TEST_FILE_ENDPOINT=//p' "$env_file")"
  if [[ -f "$dir/azurite.port" ]] && pid_of files files_server.py >/dev/null &&
    pid_of proxy fromurl_proxy.py >/dev/null && answers "$file/probe?restype=share" &&
    answers "$blob?comp=list" &&
    bash "$AZCOPY_RUNNER_ROOT/scripts/azurite.sh" status --port "$(cat "$dir/azurite.port")" \
      --dir "$dir/azurite" >/dev/null; then
    printf 'running blob=%s file=%s\n' "$blob" "$file"
    return 0
  fi
  printf 'not running (%s)\n' "$dir"
  return 3
}

case "$action" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
