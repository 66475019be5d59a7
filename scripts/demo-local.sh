#!/usr/bin/env bash
# The former demo (`scripts/demo.sh --local` runs it): upload a generated tree of files to a
# local Azurite blob emulator with the azcopy-runner CLI and the real AzCopy 10.32.2 (LocalBlob),
# then check what arrived. The main job is scripts/demo.sh: COOL then RESTORE.
#
#   1. scripts/setup.sh; build the CLI with the `default` preset (build/default/tools/azcopy-runner);
#   2. start Azurite on a free port; generate the source tree in a temp dir (random data, nested
#      folders, a file name with a space, an empty file);
#   3. make a container and run
#        azcopy-runner copy <src> "<container url>?<SAS>" --from-to LocalBlob --wait
#      with AZCOPY_PATH=<AzCopy 10.32.2> and AZCOPY_WORK_DIR=<temp dir>;
#   4. compare the container's listing (names and sizes) with the source, and one blob byte for
#      byte; stop Azurite and remove the temp dir.
#
# Usage: scripts/demo-local.sh [--files N] [--mb M] [--keep] [--no-setup]
#   --files N   number of files (default 200)
#   --mb M      total size in MiB, about (default 200)
#   --keep      keep the temp dir (source tree, AzCopy work dir) for a look afterwards
#   --no-setup  don't run scripts/setup.sh
# Exit status: the CLI's when it failed, else 0 when everything arrived intact, 1 otherwise.
set -euo pipefail

# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$AZCOPY_RUNNER_ROOT"

files=200
mb=200
keep=0
setup=1
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
      print_usage "$AZCOPY_RUNNER_ROOT/scripts/demo-local.sh"
      exit 0
      ;;
    *) die "unknown argument: $1 (try --help)" ;;
  esac
done
[[ "$files" =~ ^[0-9]+$ && "$files" -ge 2 ]] || die "--files wants a number >= 2"
[[ "$mb" =~ ^[0-9]+$ ]] || die "--mb wants a number"

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
port=""
cleanup() {
  if [[ -n "$port" ]]; then
    bash scripts/azurite.sh stop --port "$port" --dir "$work/azurite" || true
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

port="$(free_port)"
bash scripts/azurite.sh start --port "$port" --dir "$work/azurite"
export AZURITE_PORT="$port"
ctl=(python3 "$AZURITE_CTL" --endpoint "$(blob_endpoint "$port")")

src="$work/source"
log "generating $files files, about $mb MiB, in $src"
python3 - "$src" "$files" "$mb" <<'EOF'
import os, random, sys
root, count, total_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(20240601)
# Heavy-tailed sizes (a few big files, many small ones) scaled to the total; one empty file.
weights = [rnd.paretovariate(1.2) for _ in range(count - 1)]
scale = total_mib * 1024 * 1024 / sum(weights)
sizes = [max(1, int(w * scale)) for w in weights] + [0]
dirs = ["", "a", "a/b", "a/b/c", "docs", "docs/2024/06", "media/raw", "with space/inside"]
written = 0
for i, size in enumerate(sizes):
    d = dirs[i % len(dirs)]
    name = f"file {i:03d} with space.bin" if i == 7 else (f"empty-{i:03d}.txt" if size == 0 else f"f{i:03d}.bin")
    path = os.path.join(root, d, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = min(left, 4 << 20)
            f.write(os.urandom(chunk))
            left -= chunk
    written += size
print(f"{len(sizes)} files, {written} bytes", file=sys.stderr)
EOF

container="demo-$(date +%s)-$$"
"${ctl[@]}" mkcontainer "$container"
dest="$("${ctl[@]}" url "$container")" # carries the SAS: never printed
azwork="$work/azcopy-work"
mkdir -p "$azwork"

# A cap on the rate (about 20 s for 200 MiB) so that the live progress can be watched;
# DEMO_CAP_MBPS=0 lifts it.
cap="${DEMO_CAP_MBPS:-80}"
log "running: AZCOPY_PATH=$AZCOPY_10_32 AZCOPY_WORK_DIR=$azwork \\"
log "  $cli copy $src '$(redact_sas "$dest")' --from-to LocalBlob --wait --interval 1 -- --cap-mbps=$cap"
t0=$SECONDS
set +e
AZCOPY_PATH="$AZCOPY_10_32" AZCOPY_WORK_DIR="$azwork" \
  "$cli" copy "$src" "$dest" --from-to LocalBlob --wait --interval 1 -- --cap-mbps="$cap"
rc=$?
set -e
log "the CLI exited with status $rc after $((SECONDS - t0)) s"

log "checking the container against the source"
verify_rc=0
"${ctl[@]}" list "$container" >"$work/listing.tsv" || verify_rc=1
python3 - "$src" "$work/listing.tsv" <<'EOF' || verify_rc=1
import os, sys
src, listing = sys.argv[1], sys.argv[2]
want = {}
for d, _, names in os.walk(src):
    for n in names:
        p = os.path.join(d, n)
        want[os.path.relpath(p, src)] = os.path.getsize(p)
got = {}
for line in open(listing, encoding="utf-8"):
    name, _, size = line.rstrip("\n").rpartition("\t")
    got[name] = int(size)
# AzCopy puts a folder's files under the folder's own name unless told otherwise.
base = os.path.basename(src.rstrip("/")) + "/"
if got and all(k.startswith(base) for k in got):
    got = {k[len(base):]: v for k, v in got.items()}
missing = sorted(set(want) - set(got))
extra = sorted(set(got) - set(want))
wrong = sorted(k for k in set(want) & set(got) if want[k] != got[k])
print(f"source: {len(want)} files, {sum(want.values())} bytes; "
      f"container: {len(got)} blobs, {sum(got.values())} bytes", file=sys.stderr)
for label, items in (("missing", missing), ("unexpected", extra), ("wrong size", wrong)):
    if items:
        print(f"{label}: {len(items)}, e.g. {items[:5]}", file=sys.stderr)
sys.exit(1 if (missing or extra or wrong) else 0)
EOF
# One blob, byte for byte: the one whose name has spaces.
spaced="$(cut -f1 "$work/listing.tsv" | grep -m1 'with space.bin' || true)"
if [[ -n "$spaced" ]]; then
  local_path="$(find "$src" -name "$(basename "$spaced")" -print -quit)"
  if "${ctl[@]}" get "$container/$spaced" | cmp -s - "$local_path"; then
    log "'$spaced' arrived byte for byte"
  else
    warn "'$spaced' differs from $local_path"
    verify_rc=1
  fi
else
  warn "no blob with a space in its name was found"
  verify_rc=1
fi

if [[ "$rc" -ne 0 ]]; then
  log "demo FAILED: the CLI exited with status $rc"
  exit "$rc"
fi
if [[ "$verify_rc" -ne 0 ]]; then
  log "demo FAILED: the container does not match the source"
  exit 1
fi
log "demo OK: every file arrived intact"
