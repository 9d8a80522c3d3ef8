#!/bin/sh
# The README's test command: installs what is missing, builds, runs every test.
# Arguments go to ctest (e.g. -L rtl, -R egress, -LE interop).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ESPNIC_BUILD:-$top/build}
"$top/scripts/build.sh"
cd "$build"
ctest --output-on-failure --timeout 1500 "$@"
