#!/usr/bin/env bash
# Local storage for COOL and RESTORE tests: Azurite (Blob), the Azure Files test server and the
# from-URL proxy in front of Azurite, on free loopback ports (docs/EMULATORS.md).
#
# Usage: scripts/storage.sh start|stop|status --dir DIR [--metadata memory|sql]
#   start   starts the three, waits until each answers (30 s at most), and writes
#           DIR/endpoints.env (shell syntax, `source` it or read it as KEY=VALUE lines):
#             AZCOPY_RUNNER_TEST_BLOB_ENDPOINT=http://127.0.0.1:P/devstoreaccount1  (the proxy)
#             AZCOPY_RUNNER_TEST_FILE_ENDPOINT=http://127.0.0.1:Q/devstoreaccount1  (Files server)
#             AZCOPY_RUNNER_TEST_FILES_DIR=DIR/files   (the shares on disk, one folder a share)
#             AZCOPY_RUNNER_TEST_FAULTS_DIR=DIR/faults (faults on demand: a rule file
#               <share or container>.json there, see docs/EMULATORS.md)
#             AZCOPY_RUNNER_TEST_AZURITE_ENDPOINT=http://127.0.0.1:A/devstoreaccount1 (Azurite)
#           An account SAS signed with the development key, with ss=bf, works on both endpoints
#           (emulators/files/sas.py makes one). Already running for DIR with the same
#           --metadata: nothing is restarted.
#   stop    stops all three (and MariaDB, see --metadata) and leaves no process; removes
#           DIR/endpoints.env.
#   status  exits 0 when all three (and MariaDB) answer, 3 otherwise.
#   --metadata memory|sql   (start) where Azurite keeps its metadata:
#           memory  (default) in memory, as the tests use it. Its LokiJS store costs O(n) a blob
#                   operation: in a 10,000-file COOL, Put Blob goes from ~15 ms to ~75 ms.
#           sql     a private MariaDB server for DIR (scripts/setup.sh --with-sql installs
#                   Debian's), run as the current user: datadir DIR/mariadb/data, socket
#                   DIR/mariadb/mariadbd.sock, a free loopback port, a database `azurite` and a
#                   user of that name whose password is made at each start and written nowhere
#                   (Azurite gets it in AZURITE_DB). The blob contents go to disk, in
#                   DIR/azurite/workspace. As in memory, every start begins empty: stop deletes
#                   the datadir and that workspace.
# Logs: DIR/azurite/azurite.log, DIR/files.log and DIR/proxy.log (JSON lines, no signature);
# with --metadata sql, DIR/mariadb/mariadbd.log.
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
metadata="memory"
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
[[ -n "$dir" ]] || die "--dir DIR is required"
[[ "$metadata" == "memory" || "$metadata" == "sql" ]] ||
  die "bad --metadata: $metadata (memory or sql)"

files_server="$AZCOPY_RUNNER_ROOT/emulators/files/files_server.py"
proxy="$AZCOPY_RUNNER_ROOT/emulators/proxy/fromurl_proxy.py"
env_file="$dir/endpoints.env"
metadata_file="$dir/metadata" # "sql" when started with --metadata sql
mariadb_dir="$dir/mariadb"
mariadb_data="$mariadb_dir/data"
mariadb_sock="$mariadb_dir/mariadbd.sock"

# pid_of NAME PATTERN: the pid in DIR/NAME.pid when that process is alive and is ours.
pid_of() { pid_from_file "$dir/$1.pid" "$2"; }

# running_metadata: the --metadata the storage of DIR was started with.
running_metadata() { cat "$metadata_file" 2>/dev/null || printf 'memory\n'; }

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

# ----- MariaDB: Azurite's SQL metadata store (--metadata sql) -------------------------------------

mariadbd_bin() { command -v mariadbd 2>/dev/null || printf '/usr/sbin/mariadbd\n'; }
mariadbd_pattern="--datadir=$mariadb_data"

# mariadb_sql: runs the SQL on its stdin as MariaDB's root, through the socket (root has no
# password, and no account but root@localhost: only this user, who can open DIR, gets in).
mariadb_sql() {
  mariadb --no-defaults --socket="$mariadb_sock" --user=root --batch --skip-column-names
}

mariadb_answers() {
  mariadb-admin --no-defaults --socket="$mariadb_sock" --user=root --connect-timeout=2 ping \
    >/dev/null 2>&1
}

# mariadb_setup_sql PASSWORD: root through the socket only; the database and Azurite's user.
mariadb_setup_sql() {
  cat <<SQL
DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost';
FLUSH PRIVILEGES;
CREATE DATABASE azurite CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER 'azurite'@'127.0.0.1' IDENTIFIED BY '$1';
GRANT ALL PRIVILEGES ON azurite.* TO 'azurite'@'127.0.0.1';
SQL
}

# start_mariadb: a fresh datadir, the server on a free loopback port; prints the AZURITE_DB URL.
start_mariadb() {
  local mariadbd pid port password waited=0 as_user=()
  need_cmd mariadb mariadb-admin mariadb-install-db
  mariadbd="$(mariadbd_bin)"
  [[ -x "$mariadbd" ]] || die "mariadbd not found: run scripts/setup.sh --with-sql first"
  # A unix socket's path holds at most 107 bytes.
  [[ "${#mariadb_sock}" -le 100 ]] || die "--dir is too long for MariaDB's socket ($mariadb_sock)"
  # mariadbd refuses to run as root unless told to; as another user it runs as that user.
  [[ "$(id -u)" -ne 0 ]] || as_user=(--user=root)
  rm -rf "$mariadb_data"
  mkdir -p "$mariadb_dir"
  mariadb-install-db --no-defaults --datadir="$mariadb_data" --user="$(id -un)" \
    --auth-root-authentication-method=normal --skip-test-db >"$mariadb_dir/install.log" 2>&1 ||
    die "mariadb-install-db failed (see $mariadb_dir/install.log)"
  port="$(free_port)"
  : >"$mariadb_dir/mariadbd.log"
  # Durability is of no use here (every start begins empty): no flush at each commit, no
  # doublewrite buffer.
  (exec nohup setsid "$mariadbd" --no-defaults "${as_user[@]}" --datadir="$mariadb_data" \
    --socket="$mariadb_sock" --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
    --pid-file="$mariadb_dir/mariadbd.pid" --log-error="$mariadb_dir/mariadbd.log" \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    </dev/null >>"$mariadb_dir/mariadbd.log" 2>&1) &
  pid=$!
  printf '%s\n' "$pid" >"$dir/mariadbd.pid"
  until mariadb_answers; do
    if ! kill -0 "$pid" 2>/dev/null || [[ "$waited" -ge 300 ]]; then
      tail -n 20 "$mariadb_dir/mariadbd.log" >&2 || true
      die "mariadbd did not start or answer within 30 s (see $mariadb_dir/mariadbd.log)"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  printf '%s\n' "$port" >"$dir/mariadb.port"
  password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
  mariadb_setup_sql "$password" | mariadb_sql >/dev/null ||
    die "cannot create the azurite database (see $mariadb_dir/mariadbd.log)"
  printf 'mysql://azurite:%s@127.0.0.1:%s/azurite\n' "$password" "$port"
}

stop_mariadb() {
  local pid i
  if pid="$(pid_of mariadbd "$mariadbd_pattern")"; then
    kill -TERM "$pid" 2>/dev/null || true # its normal shutdown
    for ((i = 0; i < 300; i++)); do
      pid_of mariadbd "$mariadbd_pattern" >/dev/null || break
      sleep 0.1
    done
    if pid_of mariadbd "$mariadbd_pattern" >/dev/null; then
      warn "mariadbd (pid $pid) ignored SIGTERM for 30 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/mariadbd.pid" "$dir/mariadb.port" "$mariadb_sock"
  rm -rf "$mariadb_data"
}

# ----- the storage --------------------------------------------------------------------------------

start() {
  local azurite_port files_port proxy_port db_url="" what="memory"
  need_cmd python3 curl
  if [[ "$(running_metadata)" == "$metadata" ]] && status >/dev/null 2>&1; then
    log "already running for $dir ($env_file)"
    return 0
  fi
  stop >/dev/null 2>&1 || true
  umask 077 # the logs, pid files and shares are this user's alone
  mkdir -p "$dir/files" "$dir/faults"
  if [[ "$metadata" == "sql" ]]; then
    printf '%s\n' "$metadata" >"$metadata_file"
    db_url="$(start_mariadb)"
    azurite_port="$(free_port)" # after MariaDB took its own
    rm -rf "$dir/azurite/workspace" # the blob contents of an earlier run
    AZURITE_DB="$db_url" bash "$AZCOPY_RUNNER_ROOT/scripts/azurite.sh" start \
      --port "$azurite_port" --dir "$dir/azurite" --metadata sql
    what="sql, mariadb :$(cat "$dir/mariadb.port")"
  else
    azurite_port="$(free_port)"
    bash "$AZCOPY_RUNNER_ROOT/scripts/azurite.sh" start --port "$azurite_port" --dir "$dir/azurite"
  fi
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
  log "started: blob (proxy) :$proxy_port, files :$files_port, azurite :$azurite_port" \
    "(metadata: $what); $env_file"
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
  # After Azurite, its client. The blob contents on disk go with the metadata.
  if [[ -f "$dir/mariadbd.pid" || -d "$mariadb_data" ]]; then
    stop_mariadb
    rm -rf "$dir/azurite/workspace"
  fi
  rm -f "$metadata_file"
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
      --dir "$dir/azurite" >/dev/null &&
    { [[ "$(running_metadata)" == "memory" ]] ||
      { pid_of mariadbd "$mariadbd_pattern" >/dev/null && mariadb_answers; }; }; then
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
