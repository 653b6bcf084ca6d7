#!/usr/bin/env bash
# Builds runtime python-3.11 into OUTDIR/python-3.11 from Debian 12's python3.11 packages (with the
# libraries its modules link), whatever Python the build host has.
# Usage: runtimes/python-3.11/build.sh OUTDIR
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$RECIPES_DIR/lib/debian.sh"
ID=python-3.11
deb_require_tools
begin_build "$ID" "${1:-}"

build_python_tree "$STAGE"
make_self_contained "$STAGE"
check_python_libraries "$STAGE"
install_runtime_yml "$ID"
finish_build
