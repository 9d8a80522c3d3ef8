#!/bin/sh
# fw/alveo/build.sh: the Vivado builds of espnic for Alveo cards.
#
#   OPENNIC_SHELL_DIR=DIR fw/alveo/build.sh shell --board au55c|au250 [--jobs N] [--out DIR]
#       the OpenNIC shell (a checkout of github.com/Xilinx/open-nic-shell) with
#       espnic as the user plugin of its 250 MHz box (fw/alveo/plugin): the
#       shell's own build.tcl creates the project, synthesizes, implements and
#       writes the bitstream and the flash image; then reports.tcl writes the
#       timing and utilization reports. OUT gets espnic_BOARD.bit, .mcs and the
#       reports (default: build/alveo/BOARD in this repository).
#   fw/alveo/build.sh ooc [--board au55c|au250] [--jobs N] [--out DIR]
#       espnic_core alone, out of context, at 250 MHz on the board's part: the
#       timing and utilization it reaches without the shell.
#
# Needs Vivado (the versions the shell supports: docs/alveo.md) in PATH, as
# after `source /tools/Xilinx/Vivado/VERSION/settings64.sh`. Exit status 0
# built, 1 failed (or Vivado or the shell missing: one line says which), 2 a
# bad command line.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

usage() {
	sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'
}

mode=""
board=au250
jobs=8
out=""
while [ $# -gt 0 ]; do
	case $1 in
	shell | ooc) mode=$1 ;;
	--board)
		[ $# -ge 2 ] || { echo "build.sh: --board needs a value" >&2; exit 2; }
		board=$2
		shift
		;;
	--jobs)
		[ $# -ge 2 ] || { echo "build.sh: --jobs needs a value" >&2; exit 2; }
		jobs=$2
		shift
		;;
	--out)
		[ $# -ge 2 ] || { echo "build.sh: --out needs a value" >&2; exit 2; }
		out=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "build.sh: unknown argument '$1'" >&2
		usage >&2
		exit 2
		;;
	esac
	shift
done

[ -n "$mode" ] || { echo "build.sh: say what to build: shell or ooc" >&2; usage >&2; exit 2; }
case $board in
au250) part=xcu250-figd2104-2l-e ;;
au55c) part=xcu55c-fsvh2892-2L-e ;;
*) echo "build.sh: board must be au55c or au250, not '$board'" >&2; exit 2 ;;
esac
case $jobs in
'' | *[!0-9]*) echo "build.sh: --jobs must be a number" >&2; exit 2 ;;
esac

if ! command -v vivado >/dev/null 2>&1; then
	echo "build.sh: Vivado not found: put it in PATH (source Vivado's settings64.sh; docs/alveo.md lists the versions the OpenNIC shell supports)" >&2
	exit 1
fi

[ -n "$out" ] || out=$top/build/alveo/$board
mkdir -p "$out"
out=$(cd "$out" && pwd)
# The build ID in REG_BUILD_ID: the commit, or the time when not in git.
build_id=$(git -C "$top" rev-parse --short=8 HEAD 2>/dev/null || true)
[ "${#build_id}" -eq 8 ] || build_id=$(date -u +%m%d%H%M)

if [ "$mode" = ooc ]; then
	cd "$out"
	exec vivado -mode batch -nojournal -log "$out/ooc.log" \
		-source "$here/vivado/ooc_core.tcl" \
		-tclargs "$top/fw/alveo/rtl/alveo.f" "$part" "$out" "$jobs"
fi

shell=${OPENNIC_SHELL_DIR:-}
if [ -z "$shell" ] || [ ! -f "$shell/script/build.tcl" ]; then
	echo "build.sh: OPENNIC_SHELL_DIR must name an open-nic-shell checkout (with script/build.tcl)" >&2
	exit 1
fi
shell=$(cd "$shell" && pwd)

# The shell's build.tcl works from its script/ directory and builds into
# build/BOARD_TAG of the checkout; -rebuild 1 keeps it from asking whether to
# reuse an earlier build. One QDMA, one PF, one CMAC port: what the plugin
# carries.
export ESPNIC_BUILD_ID="$build_id"
(
	cd "$shell/script"
	vivado -mode batch -nojournal -log "$out/shell.log" -source build.tcl -tclargs \
		-board "$board" -tag espnic -jobs "$jobs" -rebuild 1 \
		-user_plugin "$here/plugin" -impl 1 -post_impl 1 \
		-num_qdma 1 -num_phys_func 1 -num_cmac_port 1 -use_phys_func 1 \
		-build_timestamp "$build_id"
)
project=$shell/build/${board}_espnic/open_nic_shell/open_nic_shell.xpr
[ -f "$project" ] || { echo "build.sh: the shell's build made no project ($project)" >&2; exit 1; }
vivado -mode batch -nojournal -log "$out/reports.log" \
	-source "$here/vivado/reports.tcl" -tclargs "$project" "$out" "espnic_$board"
