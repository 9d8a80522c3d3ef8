#!/bin/sh
# The README's test command: installs what is missing, builds, runs every test.
# Arguments go to ctest (e.g. -L rtl, -R egress, -LE interop).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ESPNIC_BUILD:-$top/build}
# The test build: host C code under ASan and UBSan; both model widths (the
# tests run the 128-bit card, the benchmarks the 512-bit one).
"$top/scripts/build.sh" -DESPNIC_SANITIZE=ON -DESPNIC_MODEL_WIDTHS="128;512"
cd "$build"
ctest --output-on-failure --timeout 1500 -j "$(nproc)" "$@"
