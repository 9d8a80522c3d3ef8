#!/bin/sh
# check_duplicates.sh: code repeated at 12 lines or more (the `duplicates` command),
# compared with the pairs of files known to repeat today (duplicates-known.txt, one
# "a ~ b" of file names a line, without folders so that moving a file changes nothing):
# a new pair fails; a known one that went away is reported, to be taken off the list.
# usage: check_duplicates.sh TOP
set -eu
top=$1
list=$(dirname "$0")/duplicates-known.txt
known=$(mktemp)
trap 'rm -f "$known"' EXIT
grep -v '^#' "$list" >"$known"
if ! command -v duplicates >/dev/null; then
	echo "SKIP: the duplicates command is not installed (no Debian package; scripts/setup.sh does not provide it)"
	exit 77
fi
out=$(cd "$top" && duplicates --min-lines 12 --most 200 --seconds 300)
echo "$out"
if echo "$out" | grep -q "^incomplete:"; then
	echo "FAIL: duplicates did not read the whole tree"
	exit 1
fi
pairs=$(echo "$out" |
	sed -n 's/^D[0-9]* \([^ ]*\/\)\{0,1\}\([^/: ]*\):[0-9-]* ~ \([^ ]*\/\)\{0,1\}\([^/: ]*\):[0-9-]*.*/\2 ~ \4/p' |
	sort -u)
new=$(echo "$pairs" | grep -vxF -f "$known" || true)
gone=$(grep -vxF -f /dev/stdin "$known" <<EOT || true
$pairs
EOT
)
[ -z "$gone" ] || printf 'note: no longer repeated (take off %s):\n%s\n' "$list" "$gone"
if [ -n "$new" ]; then
	printf 'FAIL: code repeated at 12 lines or more, new since duplicates-known.txt:\n%s\n' "$new"
	exit 1
fi
echo "ok: no new pair of files repeating 12 lines or more"
