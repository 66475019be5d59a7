#!/usr/bin/env bash
# Runs one example program against Azurite, as CTest does:
#   run_example.sh EXAMPLE_BINARY cool_restore|service_poller|quickstart
# Needs AZCOPY_RUNNER_TEST_AZCOPY, AZURITE_PORT and AZCOPY_RUNNER_TEST_AZURITE_CTL (scripts/test.sh
# sets them). Without them it exits 77 (CTest: skipped) unless CI is set, where it fails.
set -euo pipefail
binary="$1"
example="$2"
if [[ -z "${AZCOPY_RUNNER_TEST_AZCOPY:-}" || -z "${AZURITE_PORT:-}" || -z "${AZCOPY_RUNNER_TEST_AZURITE_CTL:-}" ]]; then
  echo "integration environment missing: run scripts/test.sh" >&2
  [[ -n "${CI:-}" ]] && exit 1
  exit 77
fi
endpoint="http://127.0.0.1:${AZURITE_PORT}/devstoreaccount1"
ctl() { python3 "$AZCOPY_RUNNER_TEST_AZURITE_CTL" --endpoint "$endpoint" "$@"; }
work="$(mktemp -d "${TMPDIR:-/tmp}/azr-example.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export AZCOPY_PATH="$AZCOPY_RUNNER_TEST_AZCOPY"
export AZCOPY_WORK_DIR="$work/azcopy"
sas="$(ctl sas)"
src="$work/project-42"
mkdir -p "$src/raw/run 1" "$src/processed"
for i in 1 2 3 4 5 6; do head -c $((i * 300000)) /dev/urandom >"$src/raw/run 1/frame-$i.bin"; done
for i in 1 2 3; do head -c $((i * 1000)) /dev/urandom >"$src/processed/result-$i.csv"; done
id="$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
case "$example" in
  cool_restore)
    container="cool-$id"
    ctl mkcontainer "$container" >/dev/null
    "$binary" "$src" "$endpoint/$container" "$sas" "$work/restored"
    ;;
  service_poller)
    for i in 0 1 2; do ctl mkcontainer "poll-$id-$i" >/dev/null; done
    "$binary" "$src" "$endpoint/poll-$id-" "$sas" 3
    ;;
  quickstart)
    container="quick-$id"
    ctl mkcontainer "$container" >/dev/null
    "$binary" "$src" "$endpoint/$container?$sas" LocalBlob
    ;;
  *)
    echo "unknown example $example" >&2
    exit 2
    ;;
esac
