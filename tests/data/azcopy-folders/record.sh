#!/usr/bin/env bash
# Records real AzCopy outputs of jobs that transfer folders (LocalFile: the Files side keeps
# folders), for the parser's folder counts (README.md). Needs scripts/setup.sh done; starts its
# own local storage (scripts/storage.sh) and stops it.
#
# Usage: tests/data/azcopy-folders/record.sh
# Writes <version>/<case>.stdout for AzCopy 10.32.2 and 10.18.1; the SAS signature is replaced
# by REDACTED wherever AzCopy printed it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/../../../scripts/env.sh"

scratch="$(mktemp -d)"
cleanup() {
  bash "$AZCOPY_RUNNER_ROOT/scripts/storage.sh" stop --dir "$scratch/storage" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT
bash "$AZCOPY_RUNNER_ROOT/scripts/storage.sh" start --dir "$scratch/storage"
file_endpoint="$(sed -n 's/^AZCOPY_RUNNER_TEST_FILE_ENDPOINT=//p' "$scratch/storage/endpoints.env")"
files_dir="$(sed -n 's/^AZCOPY_RUNNER_TEST_FILES_DIR=//p' "$scratch/storage/endpoints.env")"
sas="$(python3 "$AZCOPY_RUNNER_ROOT/emulators/files/sas.py" account)"
sig="$(sed -n 's/.*sig=\([^&]*\).*/\1/p' <<<"$sas")"

# The tree: 2 files and 4 folders (project, a, a/b, emptydir).
src="$scratch/src/project"
mkdir -p "$src/a/b" "$src/emptydir"
printf 'hi\n' >"$src/a/b/x.txt"
printf 't\n' >"$src/top.txt"

for version in "$AZCOPY_VERSION_NEW" "$AZCOPY_VERSION_OLD"; do
  bin="$(azcopy_bin "$version")"
  out="$here/$version"
  mkdir -p "$out" "$files_dir/share-$version"
  run() { # run CASE ARGS...: AzCopy's stdout, redacted, into $out/CASE.stdout; prints the job id
    local name="$1"
    shift
    HOME="$scratch/home-$version" AZCOPY_JOB_PLAN_LOCATION="$scratch/plans-$version" \
      AZCOPY_LOG_LOCATION="$scratch/logs-$version" "$bin" "$@" --skip-version-check </dev/null |
      sed "s/$sig/REDACTED/g" >"$out/$name.stdout" || true
    sed -n 's/.*"JobID\\*":\\*"\([0-9a-f-]\{36\}\)\\*".*/\1/p' "$out/$name.stdout" | head -n 1
  }
  dst="$file_endpoint/share-$version?$sas"
  # 1. every transfer completes: FoldersCompleted 4 in the copy's EndOfJob.
  id="$(run copy_json_localfile_completed copy "$src" "$dst" --from-to=LocalFile --recursive \
    --output-type=json)"
  run jobs_show_json_localfile_completed jobs show "$id" --output-type=json >/dev/null
  run jobs_show_text_localfile_completed jobs show "$id" --output-type=text >/dev/null
  # 2. again with --overwrite=ifSourceNewer: the folders are skipped (CompletedWithSkipped).
  id="$(run copy_json_localfile_rerun copy "$src" "$dst" --from-to=LocalFile --recursive \
    --overwrite=ifSourceNewer --output-type=json)"
  run jobs_show_json_localfile_rerun jobs show "$id" --output-type=json >/dev/null
  if grep -rl "$sig" "$out" >/dev/null; then
    printf 'a signature is left in %s\n' "$out" >&2
    exit 1
  fi
done
log "recorded into $here"
