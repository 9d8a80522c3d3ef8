#!/bin/sh
# The release build, as installed and as the demo runs it, carries no
# sanitizer and is hardened: a PIE, full RELRO (read-only GOT, bound at
# start), a non-executable stack, stack canaries and fortified libc calls.
# Configures a release build of the sources in a scratch directory, builds
# espnicd and the CLI, installs them there and reads the installed binaries.
# Usage: test_hardening.sh SOURCE_DIR
set -eu
src=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/espnic-release.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
# Through ccache when there is one: with every path taken relative, each run's
# scratch directory compiles to the same cache entries.
launcher=""
if command -v ccache >/dev/null; then
	export CCACHE_BASEDIR=/ CCACHE_NOHASHDIR=1
	launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache"
fi
# shellcheck disable=SC2086 # $launcher is empty or one word
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo $launcher >"$work/configure.log" 2>&1 ||
	{ cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j 2 --target espnicd espnic >"$work/build.log" 2>&1 ||
	{ tail -40 "$work/build.log"; exit 1; }
for dir in host/espnicd host/cli; do
	cmake -DCMAKE_INSTALL_PREFIX="$work/inst" -P "$work/build/$dir/cmake_install.cmake" >/dev/null
done

fail=0
check() {  # binary what condition-output
	if [ -n "$3" ]; then
		echo "ok   $1: $2"
	else
		echo "FAIL $1: $2"
		fail=1
	fi
}
for bin in "$work/inst/sbin/espnicd" "$work/inst/bin/espnic"; do
	name=$(basename "$bin")
	[ -x "$bin" ] || { echo "FAIL $name: not installed at $bin"; fail=1; continue; }
	check "$name" "position independent (ELF type DYN)" "$(readelf -h "$bin" | grep -E 'Type:[[:space:]]+DYN')"
	check "$name" "RELRO segment" "$(readelf -lW "$bin" | grep GNU_RELRO)"
	check "$name" "bound at start (BIND_NOW)" "$(readelf -dW "$bin" | grep -E 'BIND_NOW|FLAGS_1.*NOW')"
	check "$name" "non-executable stack" "$(readelf -lW "$bin" | grep GNU_STACK | grep -v RWE)"
	check "$name" "stack protector" "$(readelf --dyn-syms -W "$bin" | grep __stack_chk_fail)"
	check "$name" "fortified libc calls" "$(readelf --dyn-syms -W "$bin" | grep -E '__[a-z]+_chk(@|$)')"
	check "$name" "no sanitizer runtime" "$(readelf --dyn-syms -W "$bin" | grep -qE '__asan|__ubsan' || echo none)"
done
exit $fail
