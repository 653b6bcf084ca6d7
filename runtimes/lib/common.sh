# Shared helpers for the runtime recipes (sourced by runtimes/<id>/build.sh).
# A recipe builds into a staging dir and renames it into place, so OUTDIR/<id> is
# either absent or complete. A stamp of the recipe sources makes re-runs no-ops.
set -euo pipefail

RECIPES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

die() { echo "error: $*" >&2; exit 1; }
# Exit code 3 = a host input is missing: tests skip (not fail) on it.
missing_input() { echo "missing host input: $*" >&2; exit 3; }

# begin_build ID OUTDIR: sets DEST (final) and STAGE (work dir); exits 0 if up to date.
begin_build() {
    local id="$1" outdir="$2"
    [[ -n "$outdir" ]] || die "usage: build.sh OUTDIR"
    mkdir -p "$outdir"
    OUTDIR="$(cd "$outdir" && pwd)"
    DEST="$OUTDIR/$id"
    STAMP="$OUTDIR/.$id.stamp"
    # One build of a runtime at a time per OUTDIR (parallel test runs share a cache).
    exec 9>"$OUTDIR/.$id.lock"
    flock 9
    STAMP_VALUE="$(cat "$RECIPES_DIR/lib/"*.sh "$RECIPES_DIR/$id/"* | sha256sum | cut -d' ' -f1)"
    if [[ -d "$DEST" && -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_VALUE" ]]; then
        echo "$id: up to date in $DEST"
        exit 0
    fi
    STAGE="$OUTDIR/.$id.building"
    rm -rf "$STAGE"
    mkdir -p "$STAGE"
}

# finish_build: atomically replaces DEST with STAGE and records the stamp.
finish_build() {
    chmod -R u+rwX,go+rX,go-w "$STAGE"
    rm -rf "$DEST.old"
    [[ -e "$DEST" ]] && mv "$DEST" "$DEST.old"
    mv "$STAGE" "$DEST"
    rm -rf "$DEST.old"
    echo "$STAMP_VALUE" > "$STAMP"
    echo "built $DEST"
}

# make_self_contained DIR: every symlink that is absolute or leaves DIR is replaced by a
# copy of what it points to; dangling ones are removed. Relative links inside DIR stay.
make_self_contained() {
    local root="$1" link target resolved changed=1
    root="$(cd "$root" && pwd -P)"
    # Loop: a dereferenced directory may itself contain escaping links.
    while [[ $changed -eq 1 ]]; do
        changed=0
        while IFS= read -r -d '' link; do
            target="$(readlink "$link")"
            resolved="$(readlink -f "$link" || true)"
            if [[ -z "$resolved" || ! -e "$resolved" ]]; then
                rm -f "$link"; changed=1; continue
            fi
            if [[ "$target" == /* || "$resolved" != "$root"/* ]]; then
                rm -f "$link"
                cp -a --dereference "$resolved" "$link"
                changed=1
            fi
        done < <(find "$root" -type l -print0)
    done
}

# install_runtime_yml ID: copies the recipe's runtime.yml into STAGE, stating this host's architecture.
install_runtime_yml() {
    local arch
    case "$(uname -m)" in
        x86_64) arch='"x86_64", "amd64"' ;;
        aarch64) arch='"aarch64", "arm64"' ;;
        *) die "unsupported architecture $(uname -m)" ;;
    esac
    local triplet="$(uname -m)-linux-gnu"
    sed -e "s/@ARCHITECTURES@/$arch/" -e "s/@TRIPLET@/$triplet/g" "$RECIPES_DIR/$1/runtime.yml" > "$STAGE/runtime.yml"
}

# build_python_tree DIR [PKG…]: Debian 12's python3.11 (the packages, with every library its modules link:
# OpenSSL, libffi, sqlite, expat, readline …) as DIR/bin and DIR/lib, whatever Python the build host
# has. Python finds its stdlib from bin/../lib/python3.11/os.py, wherever the two are mounted side by
# side; the libraries are in lib/<triplet>, which runtime.yml puts on LD_LIBRARY_PATH. PKGs are more
# Debian packages to carry (e.g. libstdc++6, which manylinux wheels expect from the system).
build_python_tree() {
    local dir="$1"
    shift
    source "$RECIPES_DIR/lib/debian.sh"
    deb_unpack "$dir/.root" python3.11 "$@"
    deb_prune "$dir/.root"
    mkdir -p "$dir/bin"
    mv "$dir/.root/usr/bin/python3.11" "$dir/bin/python3.11"
    ln -s python3.11 "$dir/bin/python3"
    ln -s python3.11 "$dir/bin/python"
    mv "$dir/.root/usr/lib" "$dir/lib"
    mv "$dir/.root/debian-packages.txt" "$dir/debian-packages.txt"
    rm -rf "$dir/.root"
    # Packages go into the runtime at build time; jobs cannot write there anyway.
    rm -f "$dir/lib/python3.11/EXTERNALLY-MANAGED"
    mkdir -p "$dir/lib/python3.11/dist-packages"
}

# check_python_libraries DIR: check_shared_libraries for a tree made by build_python_tree.
check_python_libraries() {
    check_shared_libraries "$1" "$1/lib/$(uname -m)-linux-gnu" "$1/lib"
}

# require_debian_python: exits 3 unless Debian's python3.11 is installed.
require_debian_python() {
    [[ -x /usr/bin/python3.11 ]] || missing_input "/usr/bin/python3.11 (apt install python3.11)"
    [[ -f /usr/lib/python3.11/os.py ]] || missing_input "/usr/lib/python3.11 (apt install libpython3.11-stdlib)"
}
