#!/usr/bin/env bash
# Builds runtime python-3.11-ml: python-3.11 (Debian packages) plus the scientific stack from PyPI
# wheels (numpy, pandas, scipy, scikit-learn, matplotlib, pyarrow …); the wheels carry their own libraries.
# Usage: runtimes/python-3.11-ml/build.sh OUTDIR   (pip cache: /var/cache/joblet/pip)
# Packed it is well over 128 MB: the size that broke the seeds' transport.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$RECIPES_DIR/lib/debian.sh"
ID=python-3.11-ml
deb_require_tools
# pip runs on the build host's python3.11 (same version: it picks the cp311 wheels the runtime needs).
[[ -x /usr/bin/python3.11 ]] || missing_input "/usr/bin/python3.11 to run pip (apt install python3.11)"
/usr/bin/python3.11 -m pip --version >/dev/null 2>&1 || missing_input "pip for /usr/bin/python3.11 (apt install python3-pip)"
begin_build "$ID" "${1:-}"

# manylinux wheels leave libstdc++ and libgcc_s to the system: the runtime carries Debian's.
build_python_tree "$STAGE" libstdc++6 libgcc-s1
mkdir -p /var/cache/joblet/pip
# Binary wheels only, so the build needs no compiler; bounded majors keep builds reproducible.
/usr/bin/python3.11 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --break-system-packages --only-binary=:all: --no-compile --root-user-action=ignore \
    --cache-dir /var/cache/joblet/pip \
    --target "$STAGE/lib/python3.11/dist-packages" \
    "numpy>=1.26,<3" "pandas>=2.1,<3" "scipy>=1.11,<2" "scikit-learn>=1.3,<2" "matplotlib>=3.8,<4" \
    "seaborn>=0.13,<1" "statsmodels>=0.14,<1" "pyarrow>=14,<22" "sympy>=1.12,<2"
# Console scripts land in dist-packages/bin with the build host's interpreter path: drop them.
rm -rf "$STAGE/lib/python3.11/dist-packages/bin"
make_self_contained "$STAGE"
check_python_libraries "$STAGE"
install_runtime_yml "$ID"
finish_build
