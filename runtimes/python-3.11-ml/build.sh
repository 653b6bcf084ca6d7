#!/usr/bin/env bash
# Builds runtime python-3.11-ml: python-3.11 plus numpy and pandas from PyPI.
# Usage: runtimes/python-3.11-ml/build.sh OUTDIR   (pip cache: /var/cache/joblet/pip)
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
ID=python-3.11-ml
require_debian_python
/usr/bin/python3.11 -m pip --version >/dev/null 2>&1 || missing_input "pip for /usr/bin/python3.11 (apt install python3-pip)"
begin_build "$ID" "${1:-}"

build_python_tree "$STAGE"
mkdir -p /var/cache/joblet/pip
# Binary wheels only, so the build needs no compiler; bounded majors keep builds reproducible.
/usr/bin/python3.11 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --break-system-packages --only-binary=:all: --no-compile \
    --cache-dir /var/cache/joblet/pip \
    --target "$STAGE/lib/python3.11/dist-packages" \
    "numpy>=1.26,<3" "pandas>=2.1,<3"
# Console scripts land in dist-packages/bin with the build host's interpreter path: drop them.
rm -rf "$STAGE/lib/python3.11/dist-packages/bin"
make_self_contained "$STAGE"
install_runtime_yml "$ID"
finish_build
