#!/bin/sh
# The README's main job: installs what is missing (scripts/setup.sh), builds
# what it runs (scripts/build.sh), then runs `espnic demo` with the arguments given: an
# IPsec tunnel between two sites in network namespaces, site A espnicd on a
# simulated espnic card, site B strongSwan (or `--peer espnic`: a second
# espnicd on a second card), traffic through it and a live table of the
# card's counters until ^C (or `--duration SECONDS`). Needs root (sudo is
# used when it is there).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ESPNIC_BUILD:-$top/build}
# ESPNIC_SKIP_BUILD=1: use the build as it is. Otherwise build only what the
# demo runs: the simulated card, the daemon and the CLI (tests come with test.sh).
[ -n "${ESPNIC_SKIP_BUILD:-}" ] || "$top/scripts/build.sh" -DESPNIC_SANITIZE=OFF --target espnic-sim \
	--target espnicd --target espnic
espnic=$build/host/cli/espnic
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
	exec sudo "$espnic" demo "$@"
fi
exec "$espnic" demo "$@"
