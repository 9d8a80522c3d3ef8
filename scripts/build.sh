#!/bin/sh
# Configures and builds espnic into build/ (or $ESPNIC_BUILD), after installing
# what is missing (scripts/setup.sh).
#   --target T   build only T and what it needs (repeatable; default: everything)
# Compiles through ccache (setup.sh installs it). Other arguments go to cmake, e.g. -DESPNIC_MODEL_WIDTHS="128;512" (the card
# model's data path widths; a new build directory gets 128, the width the demo
# and most tests run; scripts/test.sh adds 512 for the benchmarks).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ESPNIC_BUILD:-$top/build}
targets=""
n=$#
while [ "$n" -gt 0 ]; do   # keep the cmake arguments in "$@", in order
	a=$1
	shift
	n=$((n - 1))
	if [ "$a" = "--target" ]; then
		[ "$n" -gt 0 ] || { echo "build.sh: --target needs a target name" >&2; exit 2; }
		targets="$targets --target $1"
		shift
		n=$((n - 1))
	else
		set -- "$@" "$a"
	fi
done
"$top/scripts/setup.sh"
# ccache: a rebuild (another clone, another build directory) reuses what any
# earlier build compiled; paths are taken relative to the clone so clones hit.
export CCACHE_BASEDIR="$top" CCACHE_NOHASHDIR=1
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" >/dev/null
# shellcheck disable=SC2086 # $targets is a list of words
cmake --build "$build" -j "$(nproc)" $targets
