#!/usr/bin/env bash
# The package as a user gets it: `npm run build && npm pack`, the tarball installed into an empty folder, then
# `npx costbridge start` there (DATA_DIR elsewhere) until /healthz answers 200 and / serves the UI, a SIGTERM to npx,
# and checks that the server and its PostgreSQL stopped and that nothing was written into the install folder.
#
#   test/install/tarball.sh [NODE_DIR ...]
#
# Each NODE_DIR (a folder holding a `node` binary, "" for the one on PATH) runs the start once on that Node, in turn
# on one DATA_DIR; none given: the Node on PATH.
# Prints one result line per start; exits non-zero on the first failure. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cb-tarball.XXXXXX")
APP="$WORK/app"
NPX_PID=""
DATA=""

stop_leftovers() {
  if [ -n "$NPX_PID" ]; then kill -KILL "$NPX_PID" 2>/dev/null || true; fi
  if [ -n "$DATA" ]; then
    if [ -f "$DATA/costbridge.pid" ]; then kill -KILL "$(cat "$DATA/costbridge.pid")" 2>/dev/null || true; fi
    if [ -f "$DATA/pg/postmaster.pid" ]; then kill -QUIT "$(head -1 "$DATA/pg/postmaster.pid")" 2>/dev/null || true; fi
  fi
  NPX_PID=""
}
cleanup() {
  stop_leftovers
  if [ "$(id -u)" != 0 ]; then chmod -R u+w "$WORK" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "tarball: FAIL: $*" >&2
  if [ -f "$WORK/out.log" ]; then tail -40 "$WORK/out.log" >&2; fi
  exit 1
}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port_open() { node -e 'const c=require("net").connect(+process.argv[1],"127.0.0.1");c.on("connect",()=>process.exit(0));c.on("error",()=>process.exit(1))' "$1"; }
listing() { find "$APP" -printf '%P %y %s %T@ %m\n' | LC_ALL=C sort; }

npm run build >/dev/null
TGZ=$(npm pack --pack-destination "$WORK" 2>/dev/null | tail -1)
[ -f "$WORK/$TGZ" ] || fail "npm pack made no tarball"
echo "tarball: packed $TGZ ($(du -k "$WORK/$TGZ" | cut -f1) kB) in ${SECONDS}s"

mkdir "$APP"
echo '{ "name": "costbridge-install-check", "private": true }' >"$APP/package.json"
(cd "$APP" && npm install --no-audit --no-fund --prefer-offline --loglevel=error "$WORK/$TGZ" >/dev/null) ||
  fail "npm install of the tarball failed"
[ ! -e "$APP/node_modules/tsx" ] || fail "tsx was installed with the package"
[ ! -e "$APP/node_modules/vite" ] || fail "vite was installed with the package"
echo "tarball: installed into an empty folder in ${SECONDS}s ($(du -sk "$APP/node_modules" | cut -f1) kB of node_modules)"

# Nothing may be written into the install folder: read-only (root ignores that, so the listings are compared too).
if [ "$(id -u)" != 0 ]; then chmod -R a-w "$APP"; fi
BEFORE=$(listing)

start_once() {
  local node_dir=$1 path=$PATH
  if [ -n "$node_dir" ]; then path="$node_dir:$PATH"; fi
  local version port t0 healthy_at
  version=$(PATH=$path node --version)
  port=$(free_port)
  t0=$SECONDS
  (cd "$APP" && exec env PATH="$path" DATA_DIR="$DATA" PORT="$port" HOST=127.0.0.1 DEMO_WEB_CONNECTOR=off \
    npx --no-install costbridge start >"$WORK/out.log" 2>&1) &
  NPX_PID=$!
  healthy_at=""
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; then healthy_at=$((SECONDS - t0)); break; fi
    kill -0 "$NPX_PID" 2>/dev/null || fail "node $version: costbridge start exited before /healthz answered"
    sleep 0.2
  done
  [ -n "$healthy_at" ] || fail "node $version: /healthz did not answer 200 within 120 s"
  curl -sf -H 'Accept: text/html' "http://127.0.0.1:$port/" | grep -qi '<!doctype html' ||
    fail "node $version: / does not serve the web UI"
  curl -sf -o /dev/null "http://127.0.0.1:$port/api/v1/openapi.json" || fail "node $version: the API does not answer"
  local server_pid pg_port
  server_pid=$(cat "$DATA/costbridge.pid")
  pg_port=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).port)' "$DATA/pg-cluster.json")

  local t1=$SECONDS
  kill -TERM "$NPX_PID"
  wait "$NPX_PID" 2>/dev/null || true
  NPX_PID=""
  for _ in $(seq 1 150); do
    if ! kill -0 "$server_pid" 2>/dev/null && ! port_open "$port" && ! port_open "$pg_port"; then break; fi
    sleep 0.2
  done
  ! kill -0 "$server_pid" 2>/dev/null || fail "node $version: the server (pid $server_pid) still runs after SIGTERM"
  ! port_open "$port" || fail "node $version: port $port still open after SIGTERM"
  ! port_open "$pg_port" || fail "node $version: the embedded PostgreSQL still runs after SIGTERM"
  echo "tarball: node $version: /healthz 200 after ${healthy_at}s, UI and API served, stopped $((SECONDS - t1))s after SIGTERM to npx"
}

# One DATA_DIR outside the install folder: the first start initialises its PostgreSQL, later ones reuse it.
DATA="$WORK/data"
if [ $# -eq 0 ]; then set -- ""; fi
for node_dir in "$@"; do start_once "$node_dir"; done

AFTER=$(listing)
if [ "$BEFORE" != "$AFTER" ]; then
  diff <(echo "$BEFORE") <(echo "$AFTER") | head -20 >&2
  fail "the install folder changed while Costbridge ran"
fi
echo "tarball: ok: the install folder is unchanged ($(echo "$BEFORE" | wc -l) entries); total ${SECONDS}s"
