#!/usr/bin/env bash
# Builds runtime node-18 from Debian 12's nodejs 18.20.x (bookworm-security, with libnode108 and
# every library it links beyond the C library), whatever Node.js the build host has.
# Usage: runtimes/node-18/build.sh OUTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$RECIPES_DIR/lib/debian.sh"
ID=node-18
deb_require_tools
begin_build "$ID" "${1:-}"

# The nodejs and libnode108 of bookworm-security (18.20.4+dfsg-1~deb12u3 when this was written):
# apt picks the newest 18.20.x of the three suites.
deb_unpack "$STAGE/root" 'nodejs=18.20.*' 'libnode108=18.20.*'
deb_prune "$STAGE/root"
TRIPLET=$(deb_triplet)
mv "$STAGE/root/usr" "$STAGE/node"
mv "$STAGE/root/debian-packages.txt" "$STAGE/debian-packages.txt"
rm -rf "$STAGE/root"

# Debian's node loads some of its own builtins (undici for fetch, acorn, cjs-module-lexer) from
# files under /usr/share/nodejs, compiled in as absolute paths. A job sees the runtime at /opt/node,
# so the paths are rewritten to /opt/node//nodejs/ — the same length, so the binary stays valid —
# and node/nodejs points at share/nodejs inside the runtime.
LIBNODE="$STAGE/node/lib/$TRIPLET/libnode.so.108"
[[ -f "$LIBNODE" ]] || die "libnode108 did not provide $LIBNODE"
before=$(stat -c %s "$LIBNODE")
LC_ALL=C sed -i 's|/usr/share/nodejs/|/opt/node//nodejs/|g' "$LIBNODE"
[[ "$(stat -c %s "$LIBNODE")" == "$before" ]] || die "rewriting builtin paths changed the size of $LIBNODE"
! LC_ALL=C grep -q '/usr/share/nodejs/' "$LIBNODE" || die "$LIBNODE still names /usr/share/nodejs"
ln -s share/nodejs "$STAGE/node/nodejs"
for builtin in undici/undici-fetch.js acorn/dist/acorn.js cjs-module-lexer/lexer.js; do
    [[ -f "$STAGE/node/share/nodejs/$builtin" ]] || die "node builtin $builtin is missing from the unpacked packages"
done

make_self_contained "$STAGE"
check_shared_libraries "$STAGE" "$STAGE/node/lib/$TRIPLET" "$STAGE/node/lib"
install_runtime_yml "$ID"
finish_build
