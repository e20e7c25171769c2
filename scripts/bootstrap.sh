#!/usr/bin/env bash
# Installs what Playpulse needs to run and test: nats-server, clickhouse-server, node_modules.
# Idempotent and quick when everything is there; used by `npm run up`, `npm test` and CI.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

server_packages=(nats-server clickhouse-server clickhouse-client)

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

install_servers() {
  local -a as_root
  if [[ $(id -u) -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    die "nats-server or clickhouse-server is missing, this is not root and sudo is not available; as root, run: apt-get update && apt-get install -y ${server_packages[*]}"
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "nats-server or clickhouse-server is missing and apt-get is not available; install ${server_packages[*]} with your package manager"

  log "installing ${server_packages[*]} with apt-get"
  ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # clickhouse-server's postinst asks invoke-rc.d to start a service; in containers that is
  # denied, which can make apt-get fail although the binaries are installed. Judge by the binaries.
  if ! ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${server_packages[@]}"; then
    servers_present || die "apt-get install ${server_packages[*]} failed"
    log "apt-get reported an error (likely the denied service start); the binaries are installed, continuing"
  fi
  servers_present || die "installed ${server_packages[*]} but nats-server or clickhouse-server is still not found"
}

needs_npm_ci() {
  [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]
}

if servers_present; then
  log "nats-server and clickhouse-server found"
else
  install_servers
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
