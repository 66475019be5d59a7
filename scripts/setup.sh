#!/usr/bin/env bash
# Installs everything the build, the tests, the demo and the linters need, idempotently:
#   1. Debian packages (apt-get update runs only when one is missing);
#   2. from the npm registry, pinned, each in its own prefix under $AZCOPY_RUNNER_TOOLS_DIR
#      (default $HOME/.cache/azcopy-runner/tools): Azurite 3.35.0 (the last release that runs on
#      Node 20) and the official AzCopy binaries 10.32.2 and 10.18.1.
# Work already done is skipped (installed packages, binaries that report the pinned version), so a
# second run takes about a second.
#
# Usage: scripts/setup.sh [--no-apt] [--with-sql]
#   --no-apt     skip the Debian packages (only check and report the missing ones)
#   --with-sql   also install MariaDB (Debian's mariadb-server), the SQL metadata store of
#                `scripts/storage.sh start --metadata sql` (the benchmark's scale part). Not by
#                default: the tests don't need it. No system-wide MariaDB service is left
#                running or enabled: storage.sh starts a private server of its own.
set -euo pipefail

# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

with_apt=1
with_sql=0
for arg in "$@"; do
  case "$arg" in
    --no-apt) with_apt=0 ;;
    --with-sql) with_sql=1 ;;
    -h | --help)
      print_usage "$AZCOPY_RUNNER_ROOT/scripts/setup.sh"
      exit 0
      ;;
    *) die "unknown argument: $arg" ;;
  esac
done

# ---------------------------------------------------------------------------------------------
# 1. Debian packages
# ---------------------------------------------------------------------------------------------
APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev nlohmann-json3-dev libfmt-dev libspdlog-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsecret-1-0 # AzCopy links libsecret-1.so.0
  clang clang-tidy clang-format libclang-rt-14-dev # sanitizers, libFuzzer, linters
  shellcheck
  pybind11-dev python3-dev python3-pytest # the Python module and its tests
  python3 iproute2 util-linux procps curl ca-certificates
)

apt_missing() {
  local p status
  for p in "${APT_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
    [[ "$status" == "installed" ]] || printf '%s\n' "$p"
  done
}

run_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "not root and no sudo: cannot run '$*'"
  fi
}

apt_install() {
  local missing=()
  mapfile -t missing < <(apt_missing)
  # Node.js and npm come with the machine; should they not, take Debian's.
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    warn "node/npm not found: installing Debian's nodejs and npm"
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
  fi
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "apt: all ${#APT_PACKAGES[@]} packages already installed"
    return 0
  fi
  if [[ "$with_apt" -eq 0 ]]; then
    warn "apt: missing packages (not installed because of --no-apt): ${missing[*]}"
    return 0
  fi
  log "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  run_root apt-get update -qq
  run_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  log "apt: done"
}

# The SQL metadata store of Azurite (scripts/storage.sh --metadata sql): Debian's MariaDB server.
SQL_PACKAGES=(mariadb-server mariadb-client)

sql_ready() {
  local p status
  for p in "${SQL_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
    [[ "$status" == "installed" ]] || return 1
  done
  command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]] || return 1
  command -v mariadb-install-db >/dev/null 2>&1
}

# sql_install: installs SQL_PACKAGES with no system-wide server left behind. While apt-get runs,
# a policy-rc.d (exit 101) keeps the package's scripts from starting the service (one that is
# already there, as in containers, is left alone); afterwards the service is disabled where
# systemd runs, and stopped should it run all the same.
sql_install() {
  local policy=/usr/sbin/policy-rc.d ours=0 rc=0
  if sql_ready; then
    log "sql: ${SQL_PACKAGES[*]} already installed"
    return 0
  fi
  if [[ "$with_apt" -eq 0 ]]; then
    warn "sql: ${SQL_PACKAGES[*]} missing (not installed because of --no-apt)"
    return 0
  fi
  log "sql: installing ${SQL_PACKAGES[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# scripts/setup.sh --with-sql: no service starts during its install.\nexit 101\n' |
      run_root tee "$policy" >/dev/null
    run_root chmod 755 "$policy"
    ours=1
    trap 'run_root rm -f /usr/sbin/policy-rc.d' EXIT # also when interrupted
  fi
  # apt-get update first when the package is unknown; else only when the install fails (a
  # package list out of date: a version gone from the mirror), then once more.
  if ! apt-cache show mariadb-server >/dev/null 2>&1; then
    run_root apt-get update -qq || rc=$?
  fi
  if [[ "$rc" -eq 0 ]] &&
    ! run_root apt-get install -y -qq --no-install-recommends "${SQL_PACKAGES[@]}" >/dev/null; then
    warn "sql: apt-get install failed: apt-get update, then once more"
    run_root apt-get update -qq || rc=$?
    [[ "$rc" -ne 0 ]] ||
      run_root apt-get install -y -qq --no-install-recommends "${SQL_PACKAGES[@]}" >/dev/null ||
      rc=$?
  fi
  if [[ "$ours" -eq 1 ]]; then
    run_root rm -f "$policy"
    trap - EXIT
  fi
  [[ "$rc" -eq 0 ]] || die "sql: apt-get install ${SQL_PACKAGES[*]} failed"
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    run_root systemctl disable --now mariadb.service >/dev/null 2>&1 || true
  elif [[ -x /etc/init.d/mariadb ]] && run_root /etc/init.d/mariadb status >/dev/null 2>&1; then
    run_root /etc/init.d/mariadb stop >/dev/null 2>&1 || true
  fi
  sql_ready || die "sql: mariadbd or mariadb-install-db missing after the install"
  log "sql: done ($(mariadbd --version 2>/dev/null || /usr/sbin/mariadbd --version))"
}

# ---------------------------------------------------------------------------------------------
# 2. npm tools
# ---------------------------------------------------------------------------------------------
NPM_FLAGS=(--no-audit --no-fund --no-update-notifier --no-progress --save-exact --loglevel=error)

# npm_install_into PREFIX SPEC: a clean install of SPEC into PREFIX, made in a scratch directory
# and moved into place only when it succeeded (an interrupted run leaves no half-installed tool).
npm_install_into() {
  local prefix="$1" spec="$2" tmp attempt
  tmp="${prefix}.tmp.$$"
  for attempt in 1 2 3; do
    rm -rf "$tmp"
    mkdir -p "$tmp"
    printf '{ "name": "azcopy-runner-tool", "private": true }\n' >"$tmp/package.json"
    if (cd "$tmp" && npm install "${NPM_FLAGS[@]}" "$spec" >&2); then
      rm -rf "$prefix"
      mv "$tmp" "$prefix"
      return 0
    fi
    warn "npm install $spec failed (attempt $attempt of 3)"
    sleep $((attempt * 3))
  done
  rm -rf "$tmp"
  die "npm install $spec failed"
}

is_elf() { [[ -f "$1" && "$(head -c 4 "$1" | od -An -c | tr -d ' ')" == '177ELF' ]]; }

install_azcopy() {
  local version="$1" prefix bin have
  prefix="$(azcopy_prefix "$version")"
  bin="$(azcopy_bin "$version")"
  # The tarball loses the exec bit: restore it.
  if is_elf "$bin" && [[ ! -x "$bin" ]]; then chmod +x "$bin"; fi
  # Installed and not tampered with: the package says the pinned version and the binary is an
  # executable ELF file. (Asking the binary costs ~8 s for 10.18: it is asked after installing.)
  have="$(npm_package_version "$prefix" "$AZCOPY_NPM_PACKAGE")"
  if [[ "$have" == "$version" ]] && is_elf "$bin" && [[ -x "$bin" ]]; then
    log "azcopy $version: already installed"
    return 0
  fi
  log "azcopy $version: installing (${AZCOPY_NPM_PACKAGE}@${version})"
  npm_install_into "$prefix" "${AZCOPY_NPM_PACKAGE}@${version}"
  is_elf "$bin" || die "azcopy $version: $bin missing after npm install"
  chmod +x "$bin"
  have="$(azcopy_version "$bin")"
  [[ "$have" == "$version" ]] ||
    die "azcopy $version: the installed binary reports '${have:-nothing}' (missing libsecret-1-0?)"
  log "azcopy $version: $bin reports version $have"
}

install_azurite() {
  local prefix have
  prefix="$(azurite_prefix)"
  have="$(npm_package_version "$prefix" azurite)"
  if [[ "$have" == "$AZURITE_VERSION" && -x "$AZURITE_BLOB" ]]; then
    log "azurite $AZURITE_VERSION: already installed"
    return 0
  fi
  log "azurite $AZURITE_VERSION: installing"
  npm_install_into "$prefix" "azurite@${AZURITE_VERSION}"
  have="$(npm_package_version "$prefix" azurite)"
  [[ "$have" == "$AZURITE_VERSION" && -x "$AZURITE_BLOB" ]] ||
    die "azurite: installed version '${have:-none}', launcher $AZURITE_BLOB"
}

start_s=$SECONDS
apt_install
[[ "$with_sql" -eq 0 ]] || sql_install
need_cmd node npm flock
mkdir -p "$AZCOPY_RUNNER_TOOLS_DIR"
# One setup at a time per tools dir (the demo and the tests may be started together).
exec 9>"$AZCOPY_RUNNER_TOOLS_DIR/.setup.lock"
flock 9
install_azurite
install_azcopy "$AZCOPY_VERSION_NEW"
install_azcopy "$AZCOPY_VERSION_OLD"
flock -u 9
exec 9>&-

log "ready in $((SECONDS - start_s)) s"
cat <<EOF
AZCOPY_RUNNER_TOOLS_DIR=$AZCOPY_RUNNER_TOOLS_DIR
AZCOPY_10_32=$AZCOPY_10_32
AZCOPY_10_18=$AZCOPY_10_18
AZURITE_BLOB=$AZURITE_BLOB
AZURITE_CTL=$AZURITE_CTL
EOF
