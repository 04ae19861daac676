#!/usr/bin/env bash
# larder's benchmark, one entry point (issue 6). From anywhere:
#
#   bench/run.sh            the full run: figures as JSON lines on stdout, the table in
#                           bench/results/DATE.md
#   bench/run.sh --quick    1 run of each figure, 3 s loads: for working on the harness
#   bench/run.sh --help     the driver's options
#
# It installs what it needs: builds larder at the repository root when dist/ is missing or
# older than the sources, `npm ci` in bench/ (Verdaccio), nginx, wrk and iptables from the
# system's packages (as root). Everything it starts is stopped on exit, Ctrl-C included, and
# the black hole's iptables rules are removed.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
START=$(date +%s)

say() { printf '[run.sh] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for arg in "$@"; do
  case "$arg" in
    -h|--help) exec node "$BENCH_DIR/driver.mjs" --help ;;
  esac
done

command -v node >/dev/null || die "node is not installed (larder needs Node 20.18.1 or newer)"
command -v npm >/dev/null || die "npm is not installed"

# --- larder: dependencies and build -----------------------------------------------------------
cd "$REPO_DIR"
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing larder's dependencies (npm ci at the repository root)"
  npm ci --no-audit --no-fund >&2 || die "npm ci at the repository root failed"
fi
if [ ! -f dist/main.js ] || [ -n "$(find src package.json package-lock.json tsconfig.json tsconfig.build.json -newer dist/main.js -print -quit 2>/dev/null)" ]; then
  say "building larder (npm run build)"
  npm run build >&2 || die "npm run build failed"
fi

# --- bench: Verdaccio ---------------------------------------------------------------------------
cd "$BENCH_DIR"
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing Verdaccio (npm ci in bench/)"
  npm ci --no-audit --no-fund >&2 || die "npm ci in bench/ failed"
fi

# --- system tools: nginx, wrk, iptables -------------------------------------------------------
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v iptables >/dev/null || [ -x /usr/sbin/iptables ] || missing+=(iptables)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
      || { apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; } \
      || die "apt-get install ${missing[*]} failed"
  else
    for tool in "${missing[@]}"; do
      [ "$tool" = iptables ] && continue # only the black-holed figures need it; the driver says so
      die "$tool is missing; install it (Debian: apt-get install $tool) or run as root"
    done
  fi
fi
export PATH="$PATH:/usr/sbin:/sbin"

# --- run --------------------------------------------------------------------------------------
KEEP=0
for arg in "$@"; do [ "$arg" = --keep ] && KEEP=1; done
WORK="$(mktemp -d "${TMPDIR:-/tmp}/larder-bench.XXXXXX")"

cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  # The driver stops its own children; this is the backstop for a driver that was killed.
  if [ -f "$WORK/pids" ]; then
    while read -r pid; do
      [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null || true
    done <"$WORK/pids"
  fi
  if [ "$(id -u)" -eq 0 ]; then node "$BENCH_DIR/lib/blackhole.mjs" --release || true; fi
  if [ "$KEEP" -eq 0 ]; then rm -rf "$WORK"; else say "work dir kept: $WORK"; fi
  say "wall time $(( $(date +%s) - START )) s (setup ${SETUP:-?} s)"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

SETUP=$(( $(date +%s) - START ))
say "setup done in ${SETUP} s; starting the driver"
BENCH_SETUP_SECONDS="$SETUP" node "$BENCH_DIR/driver.mjs" --work "$WORK" "$@"
