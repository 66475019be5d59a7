#!/usr/bin/env bash
# The project's benchmark command: every figure of docs/PERFORMANCE.md, against its baseline.
#
#   1. scripts/setup.sh (Debian packages incl. Google Benchmark, Azurite, AzCopy; quick when done;
#      with --with-sql, MariaDB, when the scale part is asked for);
#   2. CMake preset `bench` (Release, build/bench): azcopy_runner_bench (Google Benchmark) and
#      azcopy_runner_bench_tool;
#   3. in a private network namespace where the machine allows it (loopback only): the local
#      storage of scripts/storage.sh (Local <-> Blob parts use its Azurite directly, the
#      production part COOL and RESTORE through the proxy and the Files test server), then
#      bench/bench.py, which makes its own data (source trees and the large
#      failure jobs are cached in build/bench-data), runs the Google Benchmark binary and the
#      whole-process measurements, and prints each figure with its ratio to the baseline;
#   4. stops the storage and every AzCopy it started.
#
# Usage: scripts/bench.sh [--parts LIST] [--quick] [--no-setup] [--no-build] [--no-netns]
#   --parts LIST  comma-separated subset of: gbench,baseline,memory,start,upload,cpu,soak,production,
#                 scale (default: all but scale; the data is always made or reused)
#   --quick       fewer repetitions (7 jobs-show pairs, 3 upload pairs, 3 start runs, CPU 20 s):
#                 a smoke run, not figures to quote
#   --scale-sizes LIST, --scale-pairs N
#                 the scale part's project sizes (default 200,1000,10000,50000; the smallest is
#                 the poll baseline) and its pairs at the largest size (default 3)
#   --scale-steps LIST
#                 what the scale part runs, of cool (each size, and the poll baseline), restore
#                 (the pairs at the largest size), settings (a bare COOL with AzCopy's memory
#                 settings); default all three
#   --scale-azcopy-env NAME=VALUE
#                 a variable for AzCopy on both sides of every COOL and RESTORE pair of the scale
#                 part (repeated for more; none by default), e.g. AZCOPY_BUFFER_GB=0.5
#   --scale-bare-setsid
#                 start the scale part's bare AzCopy in a session of its own, as the runner
#                 starts its AzCopy
#   --scale-metadata sql|memory
#                 the Azurite metadata store of the scale part's storage (default sql: its
#                 restarts are `scripts/storage.sh start --metadata sql`, Azurite's metadata in a
#                 private MariaDB server; Azurite's in-memory store slows down with every blob it
#                 holds, and 50,000-file COOLs would measure Azurite, not AzCopy)
#   --no-setup    don't run scripts/setup.sh
#   --no-build    don't configure and build (use build/bench as it is)
#   --no-netns    run on the host's network (also AZCOPY_RUNNER_BENCH_NETNS=0)
# Results: build/bench-results/<UTC date-time>/ (summary.md, summary.json, gbench.json).
# Environment: AZCOPY_RUNNER_BENCH_AZCOPY picks another AzCopy binary (default: 10.32.2).
set -euo pipefail

# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$AZCOPY_RUNNER_ROOT"

orig_args=("$@")
# scale is asked for by name: at 50,000 files it runs for hours on the local storage
# (docs/PERFORMANCE.md, "Scale").
parts="gbench,baseline,memory,start,upload,cpu,soak,production"
scale=()
quick=0
setup=1
build=1
netns="${AZCOPY_RUNNER_BENCH_NETNS:-auto}"
in_netns=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --parts)
      [[ $# -ge 2 ]] || die "--parts needs a value"
      parts="$2"
      shift
      ;;
    --parts=*) parts="${1#--parts=}" ;;
    --scale-sizes | --scale-pairs | --scale-metadata | --scale-steps | --scale-azcopy-env)
      [[ $# -ge 2 ]] || die "$1 needs a value"
      scale+=("$1" "$2")
      shift
      ;;
    --scale-bare-setsid) scale+=("$1") ;;
    --quick) quick=1 ;;
    --no-setup) setup=0 ;;
    --no-build) build=0 ;;
    --no-netns) netns=0 ;;
    --in-netns) in_netns=1 ;; # internal: the re-executed copy inside the namespace
    -h | --help)
      print_usage "$AZCOPY_RUNNER_ROOT/scripts/bench.sh"
      exit 0
      ;;
    *) die "unknown argument: $1 (try --help)" ;;
  esac
  shift
done
exec </dev/null

build_dir="$AZCOPY_RUNNER_ROOT/build/bench"
# The scale part's storage has SQL metadata (MariaDB) unless --scale-metadata memory.
sql=0
if [[ ",$parts," == *,scale,* ]]; then
  sql=1
  for ((i = 0; i < ${#scale[@]}; i += 2)); do
    [[ "${scale[i]}" != "--scale-metadata" ]] || [[ "${scale[i + 1]}" == "sql" ]] || sql=0
  done
fi
if [[ "$in_netns" -eq 0 ]]; then
  if [[ "$setup" -eq 1 ]]; then
    log "setup"
    with_sql=()
    [[ "$sql" -eq 0 ]] || with_sql=(--with-sql)
    bash "$AZCOPY_RUNNER_ROOT/scripts/setup.sh" "${with_sql[@]}" >/dev/null
  fi
  if [[ "$sql" -eq 1 ]] && ! command -v mariadb-install-db >/dev/null 2>&1; then
    die "the scale part needs MariaDB: run scripts/setup.sh --with-sql (or bench.sh without --no-setup)"
  fi
  if [[ "$build" -eq 1 ]]; then
    need_cmd cmake ninja
    log "configure + build (preset bench: Release, $build_dir)"
    cmake --preset bench >/dev/null
    cmake --build --preset bench -j "$(jobs_count)"
  fi
  if [[ "$netns" != "0" ]] && can_unshare_net; then
    log "running in a private network namespace (loopback only)"
    exec unshare -n -- bash "$AZCOPY_RUNNER_ROOT/scripts/bench.sh" "${orig_args[@]}" \
      --no-setup --no-build --in-netns
  fi
else
  ip link set lo up || die "cannot bring up the loopback interface in the network namespace"
fi

need_cmd python3 curl
azcopy="${AZCOPY_RUNNER_BENCH_AZCOPY:-$AZCOPY_10_32}"
for f in "$azcopy" "$AZURITE_BLOB" "$build_dir/bench/azcopy_runner_bench" \
  "$build_dir/bench/azcopy_runner_bench_tool"; do
  [[ -x "$f" ]] || die "$f is missing (run without --no-setup / --no-build)"
done

results="$AZCOPY_RUNNER_ROOT/build/bench-results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$results"
# The local storage of the tests (scripts/storage.sh). The Local <-> Blob parts talk to Azurite
# directly, as their figures in docs/PERFORMANCE.md were measured; the production part (Files
# <-> Blob) goes through the from-URL proxy, as AzCopy needs.
storage="$results/storage"
stop_storage() {
  bash "$AZCOPY_RUNNER_ROOT/scripts/storage.sh" stop --dir "$storage" || true
  rm -rf "$storage/files" # the shares of the production part (hundreds of MB)
}
trap stop_storage EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bash "$AZCOPY_RUNNER_ROOT/scripts/storage.sh" start --dir "$storage"
endpoint() { sed -n "s/^$1=//p" "$storage/endpoints.env"; }

extra=()
if [[ "$quick" -eq 1 ]]; then
  extra=(--pairs 7 --upload-pairs 3 --start-runs 3 --cpu-seconds 20 --production-pairs 3 --soak-fake-jobs 1000 --soak-jobs 100
    --scale-sizes "200,1000,5000" --scale-pairs 1)
fi
log "results in $results"
python3 "$AZCOPY_RUNNER_ROOT/bench/bench.py" \
  --azcopy "$azcopy" \
  --endpoint "$(endpoint AZCOPY_RUNNER_TEST_AZURITE_ENDPOINT)" \
  --blob-endpoint "$(endpoint AZCOPY_RUNNER_TEST_BLOB_ENDPOINT)" \
  --file-endpoint "$(endpoint AZCOPY_RUNNER_TEST_FILE_ENDPOINT)" \
  --files-dir "$(endpoint AZCOPY_RUNNER_TEST_FILES_DIR)" \
  --sas-tool "$AZCOPY_RUNNER_ROOT/emulators/files/sas.py" \
  --storage-dir "$storage" --storage-script "$AZCOPY_RUNNER_ROOT/scripts/storage.sh" \
  --ctl "$AZURITE_CTL" \
  --tool "$build_dir/bench/azcopy_runner_bench_tool" \
  --gbench "$build_dir/bench/azcopy_runner_bench" \
  --data-dir "$AZCOPY_RUNNER_ROOT/build/bench-data" \
  --results "$results" \
  --parts "data,$parts" \
  "${extra[@]}" "${scale[@]}"
