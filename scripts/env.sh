# shellcheck shell=bash disable=SC2034 # variables for the scripts that source it
# Shared settings and helpers for the project's scripts. Source it, don't run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# It sets no shell options of its own (the caller decides on `set -euo pipefail`).
#
# Defines:
#   AZCOPY_RUNNER_ROOT       the repository root
#   AZCOPY_RUNNER_TOOLS_DIR  where scripts/setup.sh installs the npm tools
#                            (default: $HOME/.cache/azcopy-runner/tools)
#   AZCOPY_VERSION_NEW / AZCOPY_VERSION_OLD / AZURITE_VERSION   the pinned versions
#   AZCOPY_10_32, AZCOPY_10_18   paths of the two AzCopy binaries
#   AZURITE_BLOB                 path of the azurite-blob launcher
#   AZURITE_CTL                  path of tests/integration/azurite_ctl.py

AZCOPY_RUNNER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AZCOPY_RUNNER_TOOLS_DIR="${AZCOPY_RUNNER_TOOLS_DIR:-${HOME:-/root}/.cache/azcopy-runner/tools}"

AZCOPY_VERSION_NEW="10.32.2"
AZCOPY_VERSION_OLD="10.18.1"
AZURITE_VERSION="3.35.0"
AZCOPY_NPM_PACKAGE="@azure-tools/azcopy-linux"
# Inside an npm prefix, where the package puts the official binary.
AZCOPY_BIN_SUBPATH="node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64"

# One npm prefix per tool and version, side by side.
azcopy_prefix() { printf '%s/azcopy-%s\n' "$AZCOPY_RUNNER_TOOLS_DIR" "$1"; }
azcopy_bin() { printf '%s/%s\n' "$(azcopy_prefix "$1")" "$AZCOPY_BIN_SUBPATH"; }
azurite_prefix() { printf '%s/azurite-%s\n' "$AZCOPY_RUNNER_TOOLS_DIR" "$AZURITE_VERSION"; }

AZCOPY_10_32="$(azcopy_bin "$AZCOPY_VERSION_NEW")"
AZCOPY_10_18="$(azcopy_bin "$AZCOPY_VERSION_OLD")"
AZURITE_BLOB="$(azurite_prefix)/node_modules/.bin/azurite-blob"
AZURITE_CTL="$AZCOPY_RUNNER_ROOT/tests/integration/azurite_ctl.py"
export AZCOPY_RUNNER_ROOT AZCOPY_RUNNER_TOOLS_DIR AZCOPY_10_32 AZCOPY_10_18 AZURITE_BLOB AZURITE_CTL

# Messages go to stderr, prefixed by the script's name.
log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "$(basename "$0")" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$(basename "$0")" "$*" >&2
  exit 1
}

# need_cmd CMD...: fail clearly when a command is missing (run scripts/setup.sh first).
need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' not found: run scripts/setup.sh first"
  done
}

# can_unshare_net: true when this shell may make a network namespace (root, unshare allowed).
can_unshare_net() { unshare -n true >/dev/null 2>&1; }

# azcopy_version BINARY: the version the binary reports ("10.32.2"), empty when it cannot run.
# Old releases (10.18) look for a newer version even for --version and spend ~8 s on it: that
# look-up is kept off the network by running in a network namespace where possible.
azcopy_version() {
  local out isolate=()
  [[ -x "$1" ]] || return 0
  can_unshare_net && isolate=(unshare -n)
  out="$(timeout 30 "${isolate[@]}" "$1" --version --skip-version-check 2>/dev/null </dev/null || true)"
  # "azcopy version 10.32.2" (older releases may append a notice on later lines)
  sed -n 's/^azcopy version \([0-9][0-9.]*\).*/\1/p' <<<"$out" | head -n 1
}

# npm_package_version PREFIX PACKAGE: version of PACKAGE installed under the npm PREFIX, or empty.
npm_package_version() {
  local pj="$1/node_modules/$2/package.json"
  [[ -f "$pj" ]] || return 0
  sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' "$pj" | head -n 1
}

# free_port: print a TCP port on 127.0.0.1 that is free right now.
free_port() {
  python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# pid_from_file FILE PATTERN: the pid written in FILE when that process is alive, not a zombie,
# and its command line holds PATTERN (a pid file of ours, not a recycled pid).
pid_from_file() {
  local pid state
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)"
  [[ "$state" != "Z" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
  printf '%s\n' "$pid"
}

# blob_endpoint [PORT]: the emulator's blob endpoint for devstoreaccount1.
blob_endpoint() { printf 'http://127.0.0.1:%s/devstoreaccount1\n' "${1:-${AZURITE_PORT:-10000}}"; }

# redact_sas TEXT: TEXT with every query string of a URL replaced (never log a SAS).
redact_sas() { sed -E 's/\?[^[:space:]"'"'"']*/?<SAS-REDACTED>/g' <<<"$1"; }

# jobs_count: the parallelism to use (2 by default, AZCOPY_RUNNER_JOBS overrides).
jobs_count() { printf '%s\n' "${AZCOPY_RUNNER_JOBS:-2}"; }

# print_usage FILE: the comment block at the top of FILE (after the #! line), without the '# '.
print_usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"; }
