#!/bin/sh
# Configures and builds espnic into build/ (or $ESPNIC_BUILD). Extra arguments
# go to cmake, e.g. -DESPNIC_MODEL_WIDTHS=128 for a quicker build.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ESPNIC_BUILD:-$top/build}
"$top/scripts/setup.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
