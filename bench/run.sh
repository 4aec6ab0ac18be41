#!/usr/bin/env bash
# Gatehouse side-by-side benchmark: one command.
#
#   bench/run.sh [--quick] [--hydra-tuned] [other gbench run flags...]
#   bench/run.sh --quick --servers gatehouse-sqlite,stub   # a subset; peers
#                                                          # not in it are not installed
#   GATEHOUSE_BIN=/path/to/gatehouse bench/run.sh   # skip building Gatehouse
#
# Installs what is missing (wrk from Debian; node-oidc-provider from npm and
# Ory Hydra v2.3.0 from the Go module proxy, both into the bench cache
# outside the repo), builds Gatehouse and the harness into bench/out/, then
# runs the harness pinned to CPU 1; it starts every server pinned to CPU 0.
# Results: stdout and bench/out/results.md; server logs in bench/out/logs/.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
CACHE="${BENCH_CACHE:-$HOME/.cache/gatehouse-bench}"
OUT="$ROOT/bench/out"
mkdir -p "$OUT" "$CACHE"
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ "$(nproc)" -lt 2 ]]; then
  log "need at least 2 CPUs (server and load generator on different cores)"; exit 1
fi
command -v taskset >/dev/null || { log "taskset (util-linux) is missing"; exit 1; }

# wrk (Debian).
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  if [[ $(id -u) -eq 0 ]]; then
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  else
    sudo apt-get install -y -qq wrk >/dev/null
  fi
fi
command -v wrk >/dev/null || { log "wrk could not be installed"; exit 1; }

# -servers a,b (or --servers, or =) limits the run to those servers: the
# peers that are not among them are not installed.
SERVERS=""
prev=""
for a in "$@"; do
  case "$a" in
    -servers=*|--servers=*) SERVERS="${a#*=}" ;;
  esac
  case "$prev" in
    -servers|--servers) SERVERS="$a" ;;
  esac
  prev="$a"
done
wanted() { [[ -z "$SERVERS" || ",$SERVERS," == *",$1"* ]]; }

# node-oidc-provider peer (npm, into the cache; package-lock.json pins it).
NODE_DIR="$CACHE/node-peer"
NODE_WHY=""
if ! wanted node; then
  NODE_WHY="not selected (-servers)"
elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  NODE_WHY="node/npm not installed"
else
  mkdir -p "$NODE_DIR"
  if ! cmp -s bench/node-peer/package-lock.json "$NODE_DIR/package-lock.json" || [[ ! -d "$NODE_DIR/node_modules/oidc-provider" ]]; then
    log "installing node-oidc-provider into $NODE_DIR"
    cp bench/node-peer/package.json bench/node-peer/package-lock.json "$NODE_DIR/"
    if ! (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2); then
      NODE_WHY="npm ci failed"
      rm -f "$NODE_DIR/package-lock.json"
    fi
  fi
  cp bench/node-peer/server.mjs "$NODE_DIR/server.mjs"
fi

# Ory Hydra v2.3.0 (go get -tool in a scratch module in the cache).
HYDRA_BIN=""
HYDRA_WHY=""
if ! wanted hydra; then
  HYDRA_WHY="not selected (-servers)"
elif HYDRA_BIN="$(timeout 1500 bench/install-hydra.sh 2>"$OUT/hydra-install.log")"; then
  :
else
  HYDRA_BIN=""
  HYDRA_WHY="install failed: $(tail -n 1 "$OUT/hydra-install.log" | cut -c1-150)"
  log "Hydra: $HYDRA_WHY (full log: bench/out/hydra-install.log)"
fi

# Gatehouse and the harness.
# GATEHOUSE_BIN=path uses a binary built elsewhere instead.
GH_WHY=""
if [[ -n "${GATEHOUSE_BIN:-}" ]]; then
  GH_BIN="$(realpath "$GATEHOUSE_BIN")"
  log "using Gatehouse binary $GH_BIN"
else
  GH_BIN="$OUT/gatehouse"
  log "building Gatehouse"
  # A release build: static (CGO_ENABLED=0; nothing in Gatehouse needs cgo,
  # and without it no libc or loader is mapped), as the README builds one.
  if ! CGO_ENABLED=0 go build -trimpath -o "$GH_BIN" ./cmd/gatehouse 2>"$OUT/gatehouse-build.log"; then
    GH_WHY="does not build: $(grep -v '^#' "$OUT/gatehouse-build.log" | head -n 1 | cut -c1-150)"
    GH_BIN=""
    log "Gatehouse $GH_WHY"
  fi
fi
log "building the harness"
go build -o "$OUT/gbench" ./bench/cmd/gbench || { log "harness does not build"; exit 1; }

PG_ARGS=()
if ! psql -X -q "postgres://postgres@127.0.0.1:5432/test?sslmode=disable" -c 'select 1' >/dev/null 2>&1; then
  log "PostgreSQL on 127.0.0.1:5432 (db test) not reachable: skipping Gatehouse on PostgreSQL"
  PG_ARGS=(-pg "")
fi

exec taskset -c 1 "$OUT/gbench" run -out "$OUT" -wrk "$(command -v wrk)" \
  -gatehouse-bin "$GH_BIN" -gatehouse-why "$GH_WHY" \
  -node-dir "$NODE_DIR" -node-why "$NODE_WHY" \
  -hydra-bin "$HYDRA_BIN" -hydra-why "$HYDRA_WHY" \
  "${PG_ARGS[@]}" "$@"
