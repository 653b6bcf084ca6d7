#!/usr/bin/env bash
# Builds runtime node-20 from the installed /usr/bin/node (v20) and its npm.
# Usage: runtimes/node-20/build.sh OUTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
ID=node-20
[[ -x /usr/bin/node ]] || missing_input "/usr/bin/node (Node.js 20)"
[[ "$(/usr/bin/node --version)" == v20.* ]] || missing_input "Node.js 20 at /usr/bin/node (found $(/usr/bin/node --version))"
NPM_DIR=/usr/lib/node_modules/npm
[[ -f "$NPM_DIR/bin/npm-cli.js" ]] || NPM_DIR=/usr/share/nodejs/npm
[[ -f "$NPM_DIR/bin/npm-cli.js" ]] || missing_input "npm (/usr/lib/node_modules/npm)"
# Only the host base (/usr, /lib*) is visible in a job: every shared library must come from there.
if ldd /usr/bin/node | grep -q 'not found'; then die "node has unresolved libraries: $(ldd /usr/bin/node)"; fi
if ldd /usr/bin/node | awk '/=>/ {print $3}' | grep -v -E '^/(usr/)?lib' | grep -q .; then
    die "node links libraries outside /usr/lib and /lib: $(ldd /usr/bin/node)"
fi
begin_build "$ID" "${1:-}"

mkdir -p "$STAGE/node/bin" "$STAGE/node/lib/node_modules"
cp -a /usr/bin/node "$STAGE/node/bin/node"
cp -a "$NPM_DIR" "$STAGE/node/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$STAGE/node/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$STAGE/node/bin/npx"
make_self_contained "$STAGE"
install_runtime_yml "$ID"
finish_build
