#!/usr/bin/env bash
# The project's test command (CI runs it through .ci/run).
#
#   1. scripts/setup.sh (Debian packages, Azurite, AzCopy 10.32.2 and 10.18.1; quick when done);
#   2. for each build: configure + build (-j2), then its tests with ctest:
#        default  preset, RelWithDebInfo     all tests (labels unit, integration, threads,
#                                                    concurrency, python), with the Python module
#        release  plain -DCMAKE_BUILD_TYPE=Release (-O3, no preset), warnings as errors: the
#                 library, the CLI, the examples, the Python module and the unit tests built;
#                 the unit tests, with the package tests (installed and vendored consumers)
#        asan     preset, AddressSanitizer + UBSan,  all tests
#                 built with clang
#        tsan     preset, ThreadSanitizer, built     the tests that start threads: labels
#                 with clang (everything, warnings   `concurrency`, `threads` (the fault tests:
#                 as errors: the clang build)        the launcher's reaper, the CLI's Ctrl-C
#                                                    watcher) and `unit`
#      and after the default build, scripts/lint.sh: clang-format, ShellCheck, Python syntax,
#      and (not with --quick) clang-tidy on src/ and tools/;
#      --quick: the default build and lint only;
#      against local storage started once by scripts/storage.sh on free loopback ports (stopped
#      on exit): Azurite behind the from-URL proxy, and the Azure Files test server.
#   Steps 2 run in a private network namespace (loopback only) where the machine allows it, so
#   that nothing a test starts (AzCopy's version checks...) leaves the machine.
#
# The tests receive:
#   AZURITE_PORT                      the Blob endpoint's port on 127.0.0.1 (the proxy)
#   AZCOPY_RUNNER_TEST_BLOB_ENDPOINT  http://127.0.0.1:$AZURITE_PORT/devstoreaccount1
#   AZCOPY_RUNNER_TEST_FILE_ENDPOINT  the Azure Files test server, .../devstoreaccount1
#   AZCOPY_RUNNER_TEST_FILES_DIR      its shares on disk (and the rest of endpoints.env,
#                                     docs/EMULATORS.md)
#   AZCOPY_RUNNER_TEST_AZCOPY         the AzCopy 10.32.2 binary
#   AZCOPY_RUNNER_TEST_AZCOPY_10_18   the AzCopy 10.18.1 binary
#   AZCOPY_RUNNER_TEST_AZURITE_CTL    tests/integration/azurite_ctl.py (SAS, containers, leases)
#
# Usage: scripts/test.sh [--quick] [--no-setup] [--no-netns]
#   --quick      the default build only
#   --no-setup   don't run scripts/setup.sh
#   --no-netns   don't isolate the tests in a network namespace (also AZCOPY_RUNNER_TEST_NETNS=0)
# Each stage's line and the closing one count passed, failed and skipped tests apart (ctest
# counts a GTEST_SKIP as not failed); under CI a skipped test fails its stage unless it is one
# that may skip there (allowed_skips: the paced cases under a sanitizer).
# Logs: build/test-logs/. Exit status: 0 when every build and every test passed.
set -euo pipefail

# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$AZCOPY_RUNNER_ROOT"

orig_args=("$@")
quick=0
setup=1
netns="${AZCOPY_RUNNER_TEST_NETNS:-auto}"
in_netns=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --no-setup) setup=0 ;;
    --no-netns) netns=0 ;;
    --in-netns) in_netns=1 ;; # internal: this is the re-executed copy inside the namespace
    -h | --help)
      print_usage "$AZCOPY_RUNNER_ROOT/scripts/test.sh"
      exit 0
      ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done

# Nothing here reads a terminal: give every child a stdin that exists (CI may have none at all).
exec </dev/null

jobs="$(jobs_count)"
# Most integration cases wait (on AzCopy, on paced storage): ctest runs more of them at once
# than there are cores.
test_jobs="${AZCOPY_RUNNER_TEST_JOBS:-$((2 * jobs))}"
if [[ "$quick" -eq 1 ]]; then
  stages=(default lint)
else
  stages=(default lint release asan tsan)
fi

# ---------------------------------------------------------------------------------------------
# Outside the namespace: install what is needed (that needs the network), then re-enter.
# ---------------------------------------------------------------------------------------------
if [[ "$in_netns" -eq 0 ]]; then
  if [[ "$setup" -eq 1 ]]; then
    log "setup"
    bash "$AZCOPY_RUNNER_ROOT/scripts/setup.sh" >/dev/null
  fi
  if [[ "$netns" != "0" ]]; then
    if can_unshare_net; then
      log "running the builds and tests in a private network namespace (loopback only)"
      exec unshare -n -- bash "$AZCOPY_RUNNER_ROOT/scripts/test.sh" "${orig_args[@]}" --no-setup --in-netns
    elif [[ "$netns" == "1" ]]; then
      die "AZCOPY_RUNNER_TEST_NETNS=1 but no network namespace can be made here"
    else
      warn "cannot make a network namespace here: the tests run on the host's network"
    fi
  fi
else
  ip link set lo up || die "cannot bring up the loopback interface in the network namespace"
fi

# ---------------------------------------------------------------------------------------------
# Builds and tests
# ---------------------------------------------------------------------------------------------
need_cmd cmake ctest ninja python3 curl
for tool in "$AZCOPY_10_32" "$AZCOPY_10_18" "$AZURITE_BLOB"; do
  [[ -x "$tool" ]] || die "$tool is missing: run scripts/setup.sh"
done

logs="$AZCOPY_RUNNER_ROOT/build/test-logs"
mkdir -p "$logs"
storage_dir=""

stop_storage() {
  if [[ -n "$storage_dir" ]]; then
    bash "$AZCOPY_RUNNER_ROOT/scripts/storage.sh" stop --dir "$storage_dir" || true
    storage_dir=""
  fi
}
trap stop_storage EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Azurite behind the from-URL proxy, and the Files test server (scripts/storage.sh): every test
# talks to Blob through the proxy.
start_storage() {
  [[ -z "$storage_dir" ]] || return 0
  local dir="$logs/storage" key value
  bash "$AZCOPY_RUNNER_ROOT/scripts/storage.sh" start --dir "$dir"
  storage_dir="$dir"
  while IFS='=' read -r key value; do
    [[ "$key" =~ ^AZCOPY_RUNNER_TEST_[A-Z_]+$ ]] || die "unexpected line in $dir/endpoints.env"
    export "$key=$value"
  done <"$dir/endpoints.env"
  # The port of the Blob endpoint (the proxy), for the tests that build URLs from it.
  AZURITE_PORT="${AZCOPY_RUNNER_TEST_BLOB_ENDPOINT#http://127.0.0.1:}"
  export AZURITE_PORT="${AZURITE_PORT%%/*}"
  export AZCOPY_RUNNER_TEST_AZCOPY="$AZCOPY_10_32"
  export AZCOPY_RUNNER_TEST_AZCOPY_10_18="$AZCOPY_10_18"
  export AZCOPY_RUNNER_TEST_AZURITE_CTL="$AZURITE_CTL"
  python3 "$AZURITE_CTL" wait --timeout 30
}

# Sanitizer settings (also in the test presets, for ctest run by hand).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1}"

total_passed=0
total_failed=0
total_skipped=0
failures=0
stage_lines=()

# record STAGE STATUS DETAIL
record() {
  stage_lines+=("$(printf '%-8s %-6s %s' "$1" "$2" "$3")")
  [[ "$2" == "ok" ]] || failures=$((failures + 1))
}

# run_stage NAME: configure (cfg_cmd), build (build_cmd) and test (test_cmd) one build tree; the
# three commands are arrays set by the caller.
run_stage() {
  local p="$1" t0 rc=0 out passed failed total skipped skipped_names unexpected
  t0=$SECONDS
  log "[$p] configure: ${cfg_cmd[*]}"
  if ! "${cfg_cmd[@]}" >"$logs/$p-configure.log" 2>&1; then
    tail -n 60 "$logs/$p-configure.log" >&2
    record "$p" FAILED "configure failed (build/test-logs/$p-configure.log)"
    total_failed=$((total_failed + 1))
    return 0
  fi
  log "[$p] build (-j$jobs)"
  set +e
  "${build_cmd[@]}" >"$logs/$p-build.log" 2>&1
  rc=$?
  set -e
  if [[ "$rc" -ne 0 ]]; then
    tail -n 100 "$logs/$p-build.log" >&2
    record "$p" FAILED "build failed after $((SECONDS - t0)) s (build/test-logs/$p-build.log)"
    total_failed=$((total_failed + 1))
    return 0
  fi
  log "[$p] build done in $((SECONDS - t0)) s"
  if [[ "${#test_cmd[@]}" -eq 0 ]]; then
    record "$p" ok "built in $((SECONDS - t0)) s (no tests in this stage)"
    return 0
  fi
  start_storage
  log "[$p] ${test_cmd[*]}"
  set +e
  "${test_cmd[@]}" 2>&1 | tee "$logs/$p-ctest.log"
  rc="${PIPESTATUS[0]}"
  set -e
  out="$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$logs/$p-ctest.log" | tail -n 1 || true)"
  if [[ "$out" =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed="${BASH_REMATCH[1]}"
    total="${BASH_REMATCH[2]}"
    passed=$((total - failed))
  else
    failed=0
    total=0
  fi
  # ctest counts a skipped test (GTEST_SKIP) among those that did not fail: counted apart here.
  skipped_names="$(skipped_tests "$logs/$p-ctest.log")"
  skipped=0
  [[ -z "$skipped_names" ]] || skipped="$(printf '%s\n' "$skipped_names" | wc -l)"
  passed=$((total - failed - skipped))
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
  if [[ "$skipped" -gt 0 ]]; then
    log "[$p] skipped ($skipped): $(printf '%s\n' "$skipped_names" | paste -sd ' ')"
  fi
  unexpected=""
  if [[ -n "${CI:-}" && "$skipped" -gt 0 ]]; then
    unexpected="$(printf '%s\n' "$skipped_names" | grep -Ev "$(allowed_skips "$p")" || true)"
  fi
  local counts="$passed passed, $failed failed, $skipped skipped of $total"
  if [[ "$rc" -eq 0 && -z "$unexpected" ]]; then
    record "$p" ok "$counts in $((SECONDS - t0)) s"
  elif [[ "$rc" -eq 0 ]]; then
    total_failed=$((total_failed + 1))
    record "$p" FAILED "$counts: under CI these must run here: $(printf '%s\n' "$unexpected" | paste -sd ' ')"
  else
    [[ "$failed" -gt 0 ]] || total_failed=$((total_failed + 1))
    record "$p" FAILED "ctest exit $rc: $counts in $((SECONDS - t0)) s (build/test-logs/$p-ctest.log)"
  fi
}

# skipped_tests LOG: the names of the tests ctest reports as skipped, one a line.
skipped_tests() {
  sed -n '/The following tests did not run:/,/^$/p' "$1" |
    sed -nE 's/^[[:space:]]*[0-9]+ - (.*) \(Skipped\)$/\1/p'
}

# allowed_skips STAGE: an extended regular expression of the tests that may skip themselves in
# that stage: the paced production-path cases and the folder of more than one listing page,
# under a sanitizer (they run once per AzCopy version in the default build). Anything else that
# skips under CI (no storage, not root...) fails its stage: it must run here.
allowed_skips() {
  case "$1" in
    asan | tsan)
      printf '%s' '^(ProductionFaults\.(AKilled|Cancel|ASourceSas)|RealStorage\.CoolAFolderOfMoreThanOneListingPage)' ;;
    *) printf '%s' '^$' ;;
  esac
}

# The Python module (python/) is built in the default and release trees, for Debian's python3
# (whose pytest scripts/setup.sh installs), and tested in the default one.
python_args=(-DAZCOPY_RUNNER_PYTHON=ON -DPython3_EXECUTABLE=/usr/bin/python3)

run_preset() {
  cfg_cmd=(cmake --preset "$1")
  [[ "$1" != default ]] || cfg_cmd+=("${python_args[@]}")
  build_cmd=(cmake --build --preset "$1" -j "$jobs")
  test_cmd=(ctest --preset "$1" -j "$test_jobs")
  run_stage "$1"
}

# The build a user makes: a plain `-DCMAKE_BUILD_TYPE=Release` tree (-O3, no preset), with the
# project's warnings as errors; its unit tests, among them the package tests (an installed and a
# vendored consumer of this Release library).
run_release() {
  local dir="$AZCOPY_RUNNER_ROOT/build/release"
  cfg_cmd=(cmake -S "$AZCOPY_RUNNER_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
    -DAZCOPY_RUNNER_WERROR=ON "${python_args[@]}")
  # What its tests need, the CLI and the examples; the integration, fault, concurrency and CLI
  # test programs are compiled (warnings as errors) by the other three trees.
  build_cmd=(cmake --build "$dir" -j "$jobs" --target azcopy_runner azcopy-runner
    azcopy_runner_python azcopy_runner_unit_tests azcopy_runner_fuzz_replay example_quickstart
    example_cool_restore example_service_poller)
  test_cmd=(ctest --test-dir "$dir" -L unit -j "$test_jobs" --output-on-failure --no-tests=error
    --timeout 900)
  run_stage release
}

# Linters, once the default build has written compile_commands.json: clang-format, ShellCheck
# and Python syntax on everything; clang-tidy on the library and the CLI (the full run only).
run_lint() {
  local t0=$SECONDS ok=1 tus=()
  log "[lint] scripts/lint.sh --format --shell"
  bash "$AZCOPY_RUNNER_ROOT/scripts/lint.sh" --format --shell >"$logs/lint.log" 2>&1 || ok=0
  if [[ "$quick" -eq 0 ]]; then
    mapfile -t tus < <(find src tools -name '*.cpp' | LC_ALL=C sort)
    log "[lint] scripts/lint.sh --tidy (${#tus[@]} files of src/ and tools/)"
    bash "$AZCOPY_RUNNER_ROOT/scripts/lint.sh" --tidy "${tus[@]}" >>"$logs/lint.log" 2>&1 || ok=0
  fi
  if [[ "$ok" -eq 1 ]]; then
    record lint ok "$(grep -cE '^(clang-format|clang-tidy|shellcheck|python) +ok' "$logs/lint.log") linters clean in $((SECONDS - t0)) s"
  else
    tail -n 60 "$logs/lint.log" >&2
    record lint FAILED "see build/test-logs/lint.log"
    total_failed=$((total_failed + 1))
  fi
}

start_s=$SECONDS
for stage in "${stages[@]}"; do
  case "$stage" in
    lint) run_lint ;;
    release) run_release ;;
    *) run_preset "$stage" ;;
  esac
done
stop_storage

printf '\n==== scripts/test.sh: %s in %d s ====\n' "${stages[*]}" "$((SECONDS - start_s))"
printf '%s\n' "${stage_lines[@]}"
if [[ "$failures" -eq 0 ]]; then
  printf 'all builds and tests passed\n'
else
  printf '%d of %d stages FAILED (a failed configure, build or lint counts as 1 failed)\n' \
    "$failures" "${#stages[@]}"
fi
printf 'summary: %d passed, %d failed, %d skipped\n' "$total_passed" "$total_failed" \
  "$total_skipped"
[[ "$failures" -eq 0 ]]
