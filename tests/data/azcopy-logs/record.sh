#!/usr/bin/env bash
# Records the job logs of tests/unit/parse/test_failure_log.cpp: real AzCopy (10.32.2 and 10.18.1)
# against the local storage (scripts/storage.sh), one failing COOL or RESTORE per case. The files
# are AzCopy's own `<job id>.log`, renamed `<case>.log` and kept as AzCopy wrote them (it writes
# `sig=-REDACTED-`; no signature is in them). Needs scripts/setup.sh done.
#
# Usage: tests/data/azcopy-logs/record.sh STORAGE_DIR [lasting]
#   STORAGE_DIR: a running storage (its endpoints.env). With "lasting", only the case of a fault
#   that lasts (restore-server-busy: every Put Range From URL answered 503 ServerBusy), both
#   versions at once: AzCopy retries each transfer 20 times over about a quarter of an hour
#   before it fails it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# shellcheck source=/dev/null
source "$1/endpoints.env"
sas="python3 $root/emulators/files/sas.py"
ctl=(python3 "$root/tests/integration/azurite_ctl.py" --endpoint "$AZCOPY_RUNNER_TEST_AZURITE_ENDPOINT")
tools="${AZCOPY_RUNNER_TOOLS_DIR:-$HOME/.cache/azcopy-runner/tools}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# run VERSION CASE SRC DST FROM_TO [OVERWRITE]: one copy (--overwrite ifSourceNewer unless
# given); keeps its log as <version>/<case>.log
run() {
  local version="$1" name="$2" src="$3" dst="$4" from_to="$5" overwrite="${6:-ifSourceNewer}"
  local bin="$tools/azcopy-$version/node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64"
  local dir="$work/$version-$name"
  mkdir -p "$dir" "$here/$version"
  AZCOPY_LOG_LOCATION="$dir" AZCOPY_JOB_PLAN_LOCATION="$dir/plans" "$bin" copy "$src" "$dst" \
    --from-to="$from_to" --overwrite="$overwrite" --recursive=true --output-type=json \
    --skip-version-check </dev/null >"$dir/stdout.json" 2>&1 || true
  local log
  log="$(find "$dir" -maxdepth 1 -name '*.log' ! -name '*-scanning.log' | head -1)"
  cp "$log" "$here/$version/$name.log"
  echo "$version $name: $(grep -c 'FAILED: ' "$log") failure lines"
}

# lasting VERSION: RESTORE into a share whose every data request is answered 503 ServerBusy.
lasting() {
  local version="$1" tag="${1//./}$RANDOM"
  local share="rec-busy-$tag-restore" container="rec-busy-$tag"
  mkdir -p "$AZCOPY_RUNNER_TEST_FILES_DIR/$share"
  "${ctl[@]}" mkcontainer "$container" >/dev/null
  for i in 1 2; do echo "file $i" | "${ctl[@]}" put "$container/project/f$i.txt" >/dev/null; done
  printf '{"answer": "503"}\n' >"$AZCOPY_RUNNER_TEST_FAULTS_DIR/$share.json"
  run "$version" restore-server-busy \
    "$AZCOPY_RUNNER_TEST_BLOB_ENDPOINT/$container/project?$($sas container "$container" --permissions rl)" \
    "$AZCOPY_RUNNER_TEST_FILE_ENDPOINT/$share?$($sas share "$share" --permissions rw)" BlobFile
  rm -f "$AZCOPY_RUNNER_TEST_FAULTS_DIR/$share.json"
}

if [[ "${2:-}" == lasting ]]; then
  lasting 10.32.2 &
  lasting 10.18.1 &
  wait
  exit 0
fi

for version in 10.32.2 10.18.1; do
  tag="${version//./}$RANDOM"
  share="rec-$tag"
  mkdir -p "$AZCOPY_RUNNER_TEST_FILES_DIR/$share/project"
  for i in 1 2 3; do echo "file $i" >"$AZCOPY_RUNNER_TEST_FILES_DIR/$share/project/f$i.txt"; done
  container="rec-$tag"
  "${ctl[@]}" mkcontainer "$container" >/dev/null
  for i in 1 2 3; do "${ctl[@]}" put "$container/project/f$i.txt" "$AZCOPY_RUNNER_TEST_FILES_DIR/$share/project/f$i.txt" >/dev/null; done
  files="$AZCOPY_RUNNER_TEST_FILE_ENDPOINT"
  blobs="$AZCOPY_RUNNER_TEST_BLOB_ENDPOINT"

  # RESTORE into a share whose SAS is cw (no r): AzCopy's check of the destination is refused.
  mkdir -p "$AZCOPY_RUNNER_TEST_FILES_DIR/$share-restore"
  run "$version" restore-share-sas-cw \
    "$blobs/$container/project?$($sas container "$container" --permissions rl)" \
    "$files/$share-restore?$($sas share "$share-restore" --permissions cw)" BlobFile
  # COOL into a container whose SAS is rl (no w): the writes are refused.
  cool_dst="rec-w-$tag"
  "${ctl[@]}" mkcontainer "$cool_dst" >/dev/null
  run "$version" cool-container-sas-rl \
    "$files/$share/project/*?$($sas share "$share" --permissions rl)" \
    "$blobs/$cool_dst/project?$($sas container "$cool_dst" --permissions rl)" FileBlob
  # COOL onto a blob under an infinite lease: 412 for that file.
  leased="rec-l-$tag"
  "${ctl[@]}" mkcontainer "$leased" >/dev/null
  "${ctl[@]}" put "$leased/project/f1.txt" "$AZCOPY_RUNNER_TEST_FILES_DIR/$share/project/f2.txt" >/dev/null
  "${ctl[@]}" lease "$leased/project/f1.txt" >/dev/null
  run "$version" cool-leased-blob \
    "$files/$share/project/*?$($sas share "$share" --permissions rl)" \
    "$blobs/$leased/project?$($sas container "$leased" --permissions racwdl)" FileBlob true
  # COOL into a container that does not exist, with a container SAS (it cannot create it).
  run "$version" cool-missing-container \
    "$files/$share/project/*?$($sas share "$share" --permissions rl)" \
    "$blobs/rec-missing-$tag/project?$($sas container "rec-missing-$tag" --permissions racwdl)" FileBlob
done
