#!/usr/bin/env bash
# Linters: clang-format (check only), clang-tidy 14 (with build/default/compile_commands.json),
# and for the scripts: ShellCheck, and a syntax check of the Python helpers.
#
# Usage: scripts/lint.sh [--format] [--tidy] [--shell] [--fix] [FILE...]
#   --format / --tidy / --shell   run only these (default: all of them)
#   --fix                         let clang-format rewrite the files instead of checking them
#   FILE...                       limit clang-format and clang-tidy to these C++ files
# Exit status: 0 when every linter that ran is clean.
set -euo pipefail

# shellcheck source=SCRIPTDIR/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$AZCOPY_RUNNER_ROOT"

do_format=0
do_tidy=0
do_shell=0
fix=0
files=()
for arg in "$@"; do
  case "$arg" in
    --format) do_format=1 ;;
    --tidy) do_tidy=1 ;;
    --shell) do_shell=1 ;;
    --fix) fix=1 ;;
    -h | --help)
      print_usage "$AZCOPY_RUNNER_ROOT/scripts/lint.sh"
      exit 0
      ;;
    -*) die "unknown option: $arg (try --help)" ;;
    *) files+=("$arg") ;;
  esac
done
if [[ $((do_format + do_tidy + do_shell)) -eq 0 ]]; then
  do_format=1
  do_tidy=1
  do_shell=1
fi

pick() {
  local c
  for c in "$@"; do
    if command -v "$c" >/dev/null 2>&1; then
      printf '%s\n' "$c"
      return 0
    fi
  done
  return 1
}

# The project's C++ sources (recorded fixtures and build trees excluded).
cpp_files() {
  if [[ ${#files[@]} -gt 0 ]]; then
    printf '%s\n' "${files[@]}"
    return 0
  fi
  local dirs=() d
  for d in include src tools tests examples bench fuzz python; do
    [[ -d "$d" ]] && dirs+=("$d")
  done
  [[ ${#dirs[@]} -gt 0 ]] || return 0
  find "${dirs[@]}" -path tests/data -prune -o -type f \( -name '*.cpp' -o -name '*.hpp' \) -print |
    LC_ALL=C sort
}

results=()
failed=0
note() {
  results+=("$(printf '%-12s %s' "$1" "$2")")
  [[ "$2" == ok* ]] || failed=1
}

if [[ "$do_format" -eq 1 ]]; then
  fmt="$(pick clang-format-14 clang-format)" || die "clang-format not found: run scripts/setup.sh"
  mapfile -t srcs < <(cpp_files)
  if [[ ${#srcs[@]} -eq 0 ]]; then
    note clang-format "ok (no files)"
  elif [[ "$fix" -eq 1 ]]; then
    "$fmt" -i --style=file "${srcs[@]}"
    note clang-format "ok (rewrote ${#srcs[@]} files)"
  else
    fmt_out="$(mktemp)"
    if "$fmt" --dry-run --Werror --style=file "${srcs[@]}" >"$fmt_out" 2>&1; then
      note clang-format "ok (${#srcs[@]} files)"
    else
      mapfile -t bad < <(sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' "$fmt_out" | uniq | LC_ALL=C sort -u)
      head -n 60 "$fmt_out" >&2
      printf 'clang-format: %d of %d files need formatting:\n' "${#bad[@]}" "${#srcs[@]}" >&2
      printf '  %s\n' "${bad[@]}" >&2
      note clang-format "FAILED: ${#bad[@]} files (scripts/lint.sh --format --fix rewrites them)"
    fi
    rm -f "$fmt_out"
  fi
fi

if [[ "$do_tidy" -eq 1 ]]; then
  tidy="$(pick clang-tidy-14 clang-tidy)" || die "clang-tidy not found: run scripts/setup.sh"
  runner="$(pick run-clang-tidy-14 run-clang-tidy)" || die "run-clang-tidy not found"
  db="build/default/compile_commands.json"
  if [[ ! -f "$db" ]]; then
    log "configuring the default preset for $db"
    cmake --preset default >/dev/null
  fi
  # Only translation units (headers are checked through them, see HeaderFilterRegex).
  mapfile -t tus < <(cpp_files | grep -E '\.cpp$' || true)
  if [[ ${#tus[@]} -eq 0 ]]; then
    note clang-tidy "ok (no files)"
  else
    # run-clang-tidy takes regular expressions: one per file, anchored, paths made absolute.
    regexes=()
    for f in "${tus[@]}"; do
      abs="$(realpath -m "$f")"
      regexes+=("^$(printf '%s' "$abs" | sed 's/[][\.*^$+?(){}|]/\\&/g')\$")
    done
    # Colours off for logs, and no "N warnings generated." chatter (those are system headers').
    if "$runner" -clang-tidy-binary "$(command -v "$tidy")" -p build/default -quiet \
      -j "$(jobs_count)" "${regexes[@]}" 2>&1 |
      sed -u -e 's/\x1b\[[0-9;]*m//g' -e '/^[0-9]* warnings\{0,1\} generated\.$/d'; then
      note clang-tidy "ok (${#tus[@]} files)"
    else
      note clang-tidy "FAILED"
    fi
  fi
fi

if [[ "$do_shell" -eq 1 ]]; then
  if command -v shellcheck >/dev/null 2>&1; then
    shells=(scripts/*.sh tests/fakes/fake-azcopy tests/examples/*.sh)
    [[ -f .ci/run ]] && shells+=(.ci/run)
    if shellcheck -x "${shells[@]}"; then
      note shellcheck "ok (${#shells[@]} files)"
    else
      note shellcheck "FAILED"
    fi
  else
    note shellcheck "FAILED (not installed: run scripts/setup.sh)"
  fi
  mapfile -t pys < <(find scripts tests tools bench emulators examples python -name '*.py' -not -path 'tests/data/*' 2>/dev/null | LC_ALL=C sort)
  if [[ ${#pys[@]} -eq 0 ]]; then
    note python "ok (no files)"
  elif python3 - "${pys[@]}" <<'EOF'; then
import ast, sys
bad = 0
for path in sys.argv[1:]:
    try:
        ast.parse(open(path, encoding="utf-8").read(), path)
    except SyntaxError as err:
        print(f"{path}:{err.lineno}: {err.msg}", file=sys.stderr)
        bad = 1
sys.exit(bad)
EOF
    note python "ok (${#pys[@]} files)"
  else
    note python "FAILED"
  fi
fi

printf '\n==== scripts/lint.sh ====\n'
printf '%s\n' "${results[@]}"
exit "$failed"
