#!/bin/sh
# check_format.sh: every C/C++ file git tracks is as clang-format (the project's
# .clang-format) writes it; lists the files that are not. usage: check_format.sh TOP
set -eu
cd "$1"
command -v clang-format >/dev/null ||
	{ echo "FAIL: clang-format missing: install the package clang-format (scripts/setup.sh does)"; exit 1; }
files=$(git ls-files '*.c' '*.h' '*.cpp' '*.hpp')
[ -n "$files" ] || { echo "FAIL: no tracked C/C++ file found in $1"; exit 1; }
bad=""
for f in $files; do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
	echo "FAIL: not formatted (clang-format -i FILE):$bad"
	exit 1
fi
echo "ok: $(echo "$files" | wc -l) files formatted"
