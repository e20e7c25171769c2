#!/usr/bin/env bash
# Installs what Playpulse needs to run and test: nats-server, clickhouse-server, node_modules;
# with --test also chromium and ffmpeg (browser tests and their test videos).
# Idempotent and quick when everything is there; used by `npm run up`, `npm test` (--test) and CI.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

server_packages=(nats-server clickhouse-server clickhouse-client)
test_packages=(chromium ffmpeg)
with_test_tools=false
[[ "${1:-}" == "--test" ]] && with_test_tools=true

log() { printf 'bootstrap: %s\n' "$*"; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

# Prints the path of an executable found on PATH, then in /usr/sbin and /usr/bin
# (Debian installs the servers in /usr/sbin, which is not on every user's PATH).
find_bin() {
  local found
  if found=$(command -v "$1" 2>/dev/null); then
    printf '%s\n' "$found"
    return 0
  fi
  local dir
  for dir in /usr/sbin /usr/bin; do
    if [[ -x "$dir/$1" ]]; then
      printf '%s\n' "$dir/$1"
      return 0
    fi
  done
  return 1
}

servers_present() {
  find_bin nats-server >/dev/null && find_bin clickhouse-server >/dev/null
}

test_tools_present() {
  find_bin chromium >/dev/null && find_bin ffmpeg >/dev/null
}

apt_updated=false
# apt_install <check-function> <package...>: installs the packages unless the check passes.
apt_install() {
  local check=$1
  shift
  local -a as_root
  if [[ $(id -u) -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    die "$* missing, this is not root and sudo is not available; as root, run: apt-get update && apt-get install -y $*"
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "$* missing and apt-get is not available; install them with your package manager"

  log "installing $* with apt-get"
  if [[ $apt_updated == false ]]; then
    ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=true
  fi
  # clickhouse-server's postinst asks invoke-rc.d to start a service; in containers that is
  # denied, which can make apt-get fail although the binaries are installed. Judge by the binaries.
  if ! ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; then
    "$check" || die "apt-get install $* failed"
    log "apt-get reported an error (likely a denied service start); the binaries are installed, continuing"
  fi
  "$check" || die "installed $* but a binary is still not found"
}

needs_npm_ci() {
  [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]
}

if servers_present; then
  log "nats-server and clickhouse-server found"
else
  apt_install servers_present "${server_packages[@]}"
fi
if [[ $with_test_tools == true ]]; then
  if test_tools_present; then
    log "chromium and ffmpeg found"
  else
    apt_install test_tools_present "${test_packages[@]}"
  fi
fi

if needs_npm_ci; then
  log "installing node modules (npm ci)"
  npm ci --no-audit --no-fund
else
  log "node_modules up to date"
fi

nats_version=$("$(find_bin nats-server)" --version 2>&1 || true)
# clickhouse-server 18.16 has no --version flag; the client reports the same release.
if clickhouse_client=$(find_bin clickhouse-client); then
  clickhouse_version=$("$clickhouse_client" --version 2>&1 || true)
else
  clickhouse_version="clickhouse-server at $(find_bin clickhouse-server) (clickhouse-client not found)"
fi
log "node $(node --version), npm $(npm --version)"
log "$nats_version"
log "$clickhouse_version"
