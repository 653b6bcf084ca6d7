#!/usr/bin/env bash
# Builds runtime python-3.11 into OUTDIR/python-3.11 from Debian's python3.11
# (/usr/bin/python3.11 + /usr/lib/python3.11), not from pyenv.
# Usage: runtimes/python-3.11/build.sh OUTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
ID=python-3.11
require_debian_python
begin_build "$ID" "${1:-}"

build_python_tree "$STAGE"
make_self_contained "$STAGE"
install_runtime_yml "$ID"
finish_build
