#!/usr/bin/env bash
# The main job, end to end: the production path of the Euphrosyne service, on local storage.
#
#   1. scripts/setup.sh; build the CLI with the `default` preset (build/default/tools/azcopy-runner);
#   2. scripts/storage.sh: Azurite behind the from-URL proxy, and the Azure Files test server
#      (docs/EMULATORS.md), on free loopback ports;
#   3. a share holding a generated project tree: nested folders, names with spaces and non-ASCII
#      characters, a zero-byte file, files over 8 MiB, empty directories (one inside another);
#   4. COOL: `azcopy-runner copy <share>/<project>/* <container>/<project> --from-to FileBlob
#      --keep-directories`, then `azcopy-runner wait <job id>` (live progress) and
#      `azcopy-runner summary <job id>`, verified as the service does it: state, files and bytes
#      against the source share, directories, and the container's listing (files and stubs);
#   5. RESTORE into a fresh share (`--from-to BlobFile --overwrite ifSourceNewer
#      --keep-directories`), verified the same way, then the restored share compared with the
#      original: every file byte for byte, every directory;
#   6. a verdict: the restored share equals the original, or what differs.
# Every server it started is stopped at the end, whatever happens. No SAS is ever printed.
#
# Usage: scripts/demo.sh [--files N] [--mb M] [--keep] [--no-setup] [--local]
#   --files N   number of files (default 200)
#   --mb M      total size in MiB, about (default 200)
#   --keep      keep the temp dir (shares, AzCopy work dir, logs) for a look afterwards
#   --no-setup  don't run scripts/setup.sh
#   --local     the former demo instead (scripts/demo-local.sh): a local tree uploaded to Azurite
# AZCOPY_DEMO_AZCOPY=10.18 runs it with AzCopy 10.18.1 instead of 10.32.2.
# Exit status: 0 when both jobs succeeded and every check passed; the CLI's status when a job could
# not be run to its end; 1 when a check failed.
set -euo pipefail

# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$AZCOPY_RUNNER_ROOT"

files=200
mb=200
keep=0
setup=1
for arg in "$@"; do
  if [[ "$arg" == "--local" ]]; then
    args=()
    for a in "$@"; do
      [[ "$a" == "--local" ]] || args+=("$a")
    done
    exec bash "$AZCOPY_RUNNER_ROOT/scripts/demo-local.sh" "${args[@]}"
  fi
done
while [[ $# -gt 0 ]]; do
  case "$1" in
    --files)
      files="${2:?--files needs a number}"
      shift 2
      ;;
    --mb)
      mb="${2:?--mb needs a number}"
      shift 2
      ;;
    --keep)
      keep=1
      shift
      ;;
    --no-setup)
      setup=0
      shift
      ;;
    -h | --help)
      print_usage "$AZCOPY_RUNNER_ROOT/scripts/demo.sh"
      exit 0
      ;;
    *) die "unknown argument: $1 (try --help)" ;;
  esac
done
[[ "$files" =~ ^[0-9]+$ && "$files" -ge 8 ]] || die "--files wants a number >= 8"
[[ "$mb" =~ ^[0-9]+$ && "$mb" -ge 20 ]] || die "--mb wants a number >= 20 (two files over 8 MiB)"
azcopy="$AZCOPY_10_32"
[[ "${AZCOPY_DEMO_AZCOPY:-}" != "10.18" ]] || azcopy="$AZCOPY_10_18"

if [[ "$setup" -eq 1 ]]; then
  bash scripts/setup.sh >/dev/null
fi
need_cmd cmake python3 curl

cli="$AZCOPY_RUNNER_ROOT/build/default/tools/azcopy-runner"
log "building the CLI (preset default)"
cmake --preset default >/dev/null
cmake --build --preset default -j "$(jobs_count)" --target azcopy-runner
[[ -x "$cli" ]] || die "the build made no $cli"

work="$(mktemp -d "${TMPDIR:-/tmp}/azcopy-runner-demo.XXXXXX")"
storage=""
cleanup() {
  if [[ -n "$storage" ]]; then
    bash scripts/storage.sh stop --dir "$storage" >/dev/null 2>&1 || warn "could not stop $storage"
  fi
  if [[ "$keep" -eq 1 ]]; then
    log "kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/storage.sh start --dir "$work/storage"
storage="$work/storage"
blob="$(sed -n 's/^AZCOPY_RUNNER_TEST_BLOB_ENDPOINT=//p' "$storage/endpoints.env")"
file="$(sed -n 's/^AZCOPY_RUNNER_TEST_FILE_ENDPOINT=//p' "$storage/endpoints.env")"
shares="$(sed -n 's/^AZCOPY_RUNNER_TEST_FILES_DIR=//p' "$storage/endpoints.env")"

stamp="$(date +%s)-$$"
share="hot-$stamp"
restore_share="restored-$stamp"
container="cool-$stamp"
project="project 42 (été)"
src="$shares/$share/$project"
mkdir -p "$src" "$shares/$restore_share"
log "generating $files files, about $mb MiB, in share '$share', folder '$project'"
python3 - "$src" "$files" "$mb" <<'EOF'
import os, random, sys
root, count, total_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(20240601)
big = 9 * 1024 * 1024 + 4097  # over 8 MiB: several blocks in COOL, three ranges in RESTORE
# Two files over 8 MiB, one empty file, the rest heavy-tailed sizes scaled to the total.
rest_bytes = max(count, total_mib * 1024 * 1024 - 2 * big)
weights = [rnd.paretovariate(1.2) for _ in range(count - 3)]
scale = rest_bytes / sum(weights)
sizes = [big, big, 0] + [max(1, min(int(w * scale), 64 << 20)) for w in weights]
dirs = ["", "raw", "raw/run 1", "raw/run 1/frames", "processed", "processed/2024/06",
        "notes é", "with space/inside"]
written = 0
for i, size in enumerate(sizes):
    d = dirs[i % len(dirs)]
    if i == 2:
        name = "empty.txt"
    elif i == 7:
        name = f"file {i:03d} with space.bin"
    elif i == 11:
        name = f"été-{i:03d}.dat"
    else:
        name = f"f{i:03d}.bin"
    path = os.path.join(root, d, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = min(left, 4 << 20)
            f.write(os.urandom(chunk))
            left -= chunk
    written += size
empty = ["empty folder", "raw/run 2 (vide)", "processed/2024/07/empty in empty", "notes é/à faire"]
for d in empty:
    os.makedirs(os.path.join(root, d), exist_ok=True)
print(f"{len(sizes)} files, {written} bytes, {len(empty)} empty directories", file=sys.stderr)
EOF

python3 "$AZURITE_CTL" --endpoint "$blob" mkcontainer "$container" >/dev/null
# The tokens the service signs (development key; never printed): for the Files side an account
# SAS (ss=f), rl as a source and racwd as a destination; for the Blob side a container SAS
# (sr=c), valid for one hour, racwd as a destination and rl as a source.
cool_share_sas="$(python3 emulators/files/sas.py account --services f --permissions rl --expiry-minutes 120)"
cool_container_sas="$(python3 emulators/files/sas.py container "$container" --permissions racwd --expiry-minutes 60)"
restore_container_sas="$(python3 emulators/files/sas.py container "$container" --permissions rl --expiry-minutes 60)"
restore_share_sas="$(python3 emulators/files/sas.py account --services f --permissions racwd --expiry-minutes 121)"
azwork="$work/azcopy-work"
export AZCOPY_PATH="$azcopy" AZCOPY_WORK_DIR="$azwork"
log "AzCopy: $("$azcopy" --version --skip-version-check 2>/dev/null | head -n 1); AZCOPY_WORK_DIR=$azwork"

# run_job NAME SRC DST ARGS...: starts the job (its id is the continuation token a service
# stores), waits for it with live progress, and writes its summary to $work/NAME.json.
run_job() {
  local name="$1" src_url="$2" dst_url="$3" id rc
  shift 3
  log "$name: $cli copy '$(redact_sas "$src_url")' '$(redact_sas "$dst_url")' $*"
  id="$("$cli" copy "$src_url" "$dst_url" "$@" --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["job_id"])')" ||
    die "$name: the job did not start"
  log "$name: job $id started; $cli wait $id"
  set +e
  "$cli" wait "$id" --interval 1
  rc=$?
  "$cli" summary "$id" --json >"$work/$name.json"
  set -e
  return "$rc"
}

t0=$SECONDS
cool_rc=0
run_job COOL "$file/$share/$project/*?$cool_share_sas" "$blob/$container/$project?$cool_container_sas" \
  --from-to FileBlob --keep-directories || cool_rc=$?
log "COOL ended in $((SECONDS - t0)) s (CLI status $cool_rc)"
python3 "$AZURITE_CTL" --endpoint "$blob" list "$container" >"$work/container.tsv" || true

t1=$SECONDS
restore_rc=0
if [[ "$cool_rc" -eq 0 ]]; then
  run_job RESTORE "$blob/$container/$project?$restore_container_sas" \
    "$file/$restore_share?$restore_share_sas" \
    --from-to BlobFile --overwrite ifSourceNewer --keep-directories || restore_rc=$?
  log "RESTORE ended in $((SECONDS - t1)) s (CLI status $restore_rc)"
fi

log "verifying as the service does: state, files and bytes against the source share"
verify_rc=0
python3 - "$src" "$project" "$work/container.tsv" "$work/COOL.json" "$work/RESTORE.json" \
  "$shares/$restore_share/$project" <<'EOF' || verify_rc=$?
import filecmp, json, os, sys
src, project, listing, cool_json, restore_json, restored = sys.argv[1:7]
failures = []

def tree(root):
    """(files: relative path -> size, every directory below root, the empty ones)"""
    files, dirs, empty_dirs = {}, set(), set()
    for d, subdirs, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            files[os.path.relpath(p, root)] = os.path.getsize(p)
        if d != root:
            dirs.add(os.path.relpath(d, root))
            if not subdirs and not names:
                empty_dirs.add(os.path.relpath(d, root))
    return files, dirs, empty_dirs

want, want_dirs, empty_dirs = tree(src)
want_files, want_bytes = len(want), sum(want.values())
print(f"source: {want_files} files, {want_bytes} bytes, {len(want_dirs)} directories "
      f"({len(empty_dirs)} empty)", file=sys.stderr)

def check_summary(name, path):
    try:
        s = json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError) as e:
        failures.append(f"{name}: no summary ({e})")
        return None
    d = s.get("directories") or {}
    made = d.get("made")
    got = (s["state"], s["files_transferred"], s["bytes_transferred"], made)
    print(f"{name}: {s['state']} ({s['raw_status']}), {s['files_transferred']} files, "
          f"{s['bytes_transferred']} bytes, {s['failed_transfers']} failed, "
          f"{s['skipped_transfers']} skipped; directories: {made} made, "
          f"{d.get('skipped')} skipped, {d.get('failed')} failed", file=sys.stderr)
    expected = ("SUCCEEDED", want_files, want_bytes, len(want_dirs))
    if got != expected:
        why = f" - why: {s['failure_reason']}" if s.get("failure_reason") else ""
        failures.append(f"{name}: (state, files, bytes, directories) {got}, expected {expected}{why}")
    return s

cool = check_summary("COOL", cool_json)
got = {}
if os.path.exists(listing):
    for line in open(listing, encoding="utf-8"):
        name, _, size = line.rstrip("\n").rpartition("\t")
        got[name] = int(size)
blobs = {k[len(project) + 1:]: v for k, v in got.items() if k.startswith(project + "/")}
# Each file a blob, and each directory a zero-length directory stub.
if cool is not None and blobs != {**want, **{d: 0 for d in want_dirs}}:
    failures.append(f"container: {len(blobs)} blobs ({sum(blobs.values())} bytes) != share's "
                    f"{len(want)} files and {len(want_dirs)} directories")

restore = check_summary("RESTORE", restore_json) if os.path.exists(restore_json) else None
if cool is not None and restore is None:
    failures.append("RESTORE: not run or no summary")
if restore is not None:
    back, back_dirs, back_empty = tree(restored)
    if back != want:
        failures.append(f"restored share: {len(back)} files differ in names or sizes")
    else:
        _, mismatch, errors = filecmp.cmpfiles(src, restored, sorted(want), shallow=False)
        if mismatch or errors:
            failures.append(f"restored share: {len(mismatch) + len(errors)} files differ, "
                            f"e.g. {(mismatch + errors)[:3]}")
        else:
            print(f"restored share: {len(back)} files equal the original byte for byte",
                  file=sys.stderr)
    if back_dirs != want_dirs:
        failures.append(f"restored share: directories differ: missing "
                        f"{sorted(want_dirs - back_dirs)[:5]}, extra {sorted(back_dirs - want_dirs)[:5]}")
    elif back_empty == empty_dirs:
        print(f"restored share: {len(back_dirs)} directories equal the original's, "
              f"{len(back_empty)} empty ones included", file=sys.stderr)

for f in failures:
    print(f"CHECK FAILED: {f}", file=sys.stderr)
sys.exit(1 if failures else 0)
EOF

if [[ "$cool_rc" -ne 0 || "$restore_rc" -ne 0 ]]; then
  log "demo FAILED: a job did not succeed (COOL status $cool_rc, RESTORE status $restore_rc)"
  [[ "$cool_rc" -ne 0 ]] && exit "$cool_rc"
  exit "$restore_rc"
fi
if [[ "$verify_rc" -ne 0 ]]; then
  log "demo FAILED: see the checks above"
  exit 1
fi
if grep -q '"unknown": true' "$storage/files.log"; then
  log "demo FAILED: AzCopy asked the Files test server for an operation it does not serve"
  exit 1
fi
log "demo OK: COOL and RESTORE verified (state, files, bytes, directories); the restored share equals the original, every file and every directory"
