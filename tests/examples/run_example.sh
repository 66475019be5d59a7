#!/usr/bin/env bash
# Runs one example program against the local storage, as CTest does:
#   run_example.sh EXAMPLE_BINARY cool_restore|service_poller|quickstart
# Needs AZCOPY_RUNNER_TEST_AZCOPY and AZCOPY_RUNNER_TEST_AZURITE_CTL; service_poller and
# quickstart need AZURITE_PORT (Blob only), cool_restore the endpoints of scripts/storage.sh
# (AZCOPY_RUNNER_TEST_FILE_ENDPOINT, AZCOPY_RUNNER_TEST_FILES_DIR, AZCOPY_RUNNER_TEST_BLOB_ENDPOINT).
# scripts/test.sh sets them all. Without them it exits 77 (CTest: skipped) unless CI is set,
# where it fails.
set -euo pipefail
binary="$1"
example="$2"
require() {
  local v
  for v in "$@"; do
    if [[ -z "${!v:-}" ]]; then
      echo "integration environment missing ($v): run scripts/test.sh" >&2
      [[ -n "${CI:-}" ]] && exit 1
      exit 77
    fi
  done
}
require AZCOPY_RUNNER_TEST_AZCOPY AZCOPY_RUNNER_TEST_AZURITE_CTL
if [[ "$example" == cool_restore ]]; then
  require AZCOPY_RUNNER_TEST_FILE_ENDPOINT AZCOPY_RUNNER_TEST_FILES_DIR AZCOPY_RUNNER_TEST_BLOB_ENDPOINT
  endpoint="$AZCOPY_RUNNER_TEST_BLOB_ENDPOINT"
else
  require AZURITE_PORT
  endpoint="http://127.0.0.1:${AZURITE_PORT}/devstoreaccount1"
fi
ctl() { python3 "$AZCOPY_RUNNER_TEST_AZURITE_CTL" --endpoint "$endpoint" "$@"; }
work="$(mktemp -d "${TMPDIR:-/tmp}/azr-example.XXXXXX")"
shares=() # shares made on the Files test server (folders of its data directory)
cleanup() {
  rm -rf "$work"
  local s
  for s in "${shares[@]}"; do rm -rf "${AZCOPY_RUNNER_TEST_FILES_DIR:?}/$s"; done
}
trap cleanup EXIT
export AZCOPY_PATH="$AZCOPY_RUNNER_TEST_AZCOPY"
export AZCOPY_WORK_DIR="$work/azcopy"
# make_project DIR: the project tree (nested folders, a name with a space, files of 1 KB to 1.8 MB).
make_project() {
  mkdir -p "$1/raw/run 1" "$1/processed"
  for i in 1 2 3 4 5 6; do head -c $((i * 300000)) /dev/urandom >"$1/raw/run 1/frame-$i.bin"; done
  for i in 1 2 3; do head -c $((i * 1000)) /dev/urandom >"$1/processed/result-$i.csv"; done
}
id="$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
case "$example" in
  cool_restore)
    # COOL (FileBlob) then RESTORE (BlobFile), as in production: the project is laid out
    # directly in a share of the Files test server, and restored into a new, empty share.
    # A share and a container of the same name make AzCopy see source and destination as the
    # same ("would cause data loss") with these IP-style URLs: the names differ.
    share="share-$id" restore_share="restore-$id" container="cool-$id"
    shares=("$share" "$restore_share")
    src="$AZCOPY_RUNNER_TEST_FILES_DIR/$share/project-42"
    make_project "$src"
    mkdir -p "$src/empty dir/empty inside" # kept by keep_directories: they come back
    mkdir "$AZCOPY_RUNNER_TEST_FILES_DIR/$restore_share"
    ctl mkcontainer "$container" >/dev/null
    sas="$(python3 "$(dirname "$0")/../../emulators/files/sas.py" account)" # ss=bf: both endpoints
    "$binary" "$AZCOPY_RUNNER_TEST_FILE_ENDPOINT" "$share" project-42 "$endpoint" "$container" \
      "$restore_share" "$sas" "$src"
    # The restored tree must be the original: every file byte for byte, every directory.
    restored="$AZCOPY_RUNNER_TEST_FILES_DIR/$restore_share/project-42"
    if ! diff -r "$src" "$restored"; then
      echo "restored tree differs from the original" >&2
      exit 1
    fi
    if [[ ! -d "$restored/empty dir/empty inside" ]]; then
      echo "the empty directories were not restored" >&2
      exit 1
    fi
    echo "restored tree identical to the original ($(find "$restored" -type f | wc -l) files," \
      "$(find "$restored" -mindepth 1 -type d | wc -l) directories, empty ones included)"
    # The Files test server answers 501 to an operation it does not serve: none may occur.
    log="$(dirname "$AZCOPY_RUNNER_TEST_FILES_DIR")/files.log"
    if [[ -f "$log" ]] && grep -q '"unknown": true' "$log"; then
      echo "the Files test server was asked for an operation it does not serve (see $log)" >&2
      exit 1
    fi
    ;;
  service_poller)
    sas="$(ctl sas)"
    src="$work/project-42"
    make_project "$src"
    for i in 0 1 2; do ctl mkcontainer "poll-$id-$i" >/dev/null; done
    "$binary" "$src" "$endpoint/poll-$id-" "$sas" 3
    ;;
  quickstart)
    sas="$(ctl sas)"
    src="$work/project-42"
    make_project "$src"
    container="quick-$id"
    ctl mkcontainer "$container" >/dev/null
    "$binary" "$src" "$endpoint/$container?$sas" LocalBlob
    ;;
  *)
    echo "unknown example $example" >&2
    exit 2
    ;;
esac
