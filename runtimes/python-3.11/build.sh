#!/usr/bin/env bash
# Builds runtime python-3.11 into OUTDIR/python-3.11 from Debian's python3.11
# (/usr/bin/python3.11 + /usr/lib/python3.11), not from pyenv.
# Usage: runtimes/python-3.11/build.sh OUTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
ID=python-3.11
[[ -x /usr/bin/python3.11 ]] || missing_input "/usr/bin/python3.11 (apt install python3.11)"
[[ -f /usr/lib/python3.11/os.py ]] || missing_input "/usr/lib/python3.11 (apt install libpython3.11-stdlib)"
begin_build "$ID" "${1:-}"

build_python_tree() {  # build_python_tree STAGE
    local stage="$1"
    mkdir -p "$stage/bin" "$stage/lib"
    cp -a /usr/bin/python3.11 "$stage/bin/python3.11"
    ln -s python3.11 "$stage/bin/python3"
    ln -s python3.11 "$stage/bin/python"
    # The stdlib; Python finds it from bin/../lib/python3.11/os.py wherever it is mounted.
    cp -a /usr/lib/python3.11 "$stage/lib/python3.11"
    rm -f "$stage/lib/python3.11/EXTERNALLY-MANAGED"
    mkdir -p "$stage/lib/python3.11/dist-packages"
    make_self_contained "$stage"
}
build_python_tree "$STAGE"
cp "$RECIPES_DIR/$ID/runtime.yml" "$STAGE/runtime.yml"
finish_build
