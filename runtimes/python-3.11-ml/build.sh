#!/usr/bin/env bash
# Builds runtime python-3.11-ml: python-3.11 plus numpy and pandas from PyPI.
# Usage: runtimes/python-3.11-ml/build.sh OUTDIR   (pip cache: /var/cache/joblet/pip)
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
ID=python-3.11-ml
[[ -x /usr/bin/python3.11 ]] || missing_input "/usr/bin/python3.11 (apt install python3.11)"
[[ -f /usr/lib/python3.11/os.py ]] || missing_input "/usr/lib/python3.11 (apt install libpython3.11-stdlib)"
/usr/bin/python3.11 -m pip --version >/dev/null 2>&1 || missing_input "pip for /usr/bin/python3.11 (apt install python3-pip)"
begin_build "$ID" "${1:-}"

mkdir -p "$STAGE/bin" "$STAGE/lib"
cp -a /usr/bin/python3.11 "$STAGE/bin/python3.11"
ln -s python3.11 "$STAGE/bin/python3"
ln -s python3.11 "$STAGE/bin/python"
cp -a /usr/lib/python3.11 "$STAGE/lib/python3.11"
rm -f "$STAGE/lib/python3.11/EXTERNALLY-MANAGED"
mkdir -p "$STAGE/lib/python3.11/dist-packages" /var/cache/joblet/pip
# Binary wheels only, so the build needs no compiler; pinned majors keep builds reproducible.
/usr/bin/python3.11 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --break-system-packages --only-binary=:all: --no-compile \
    --cache-dir /var/cache/joblet/pip \
    --target "$STAGE/lib/python3.11/dist-packages" \
    "numpy>=1.26,<3" "pandas>=2.1,<3"
# Console scripts land in dist-packages/bin with the build host's interpreter path: drop them.
rm -rf "$STAGE/lib/python3.11/dist-packages/bin"
make_self_contained "$STAGE"
cp "$RECIPES_DIR/$ID/runtime.yml" "$STAGE/runtime.yml"
finish_build
