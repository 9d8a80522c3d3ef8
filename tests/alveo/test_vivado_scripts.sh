#!/bin/sh
# test_vivado_scripts.sh: the Vivado flow of fw/alveo/ where there is no
# Vivado: shellcheck on its shell scripts, a Tcl syntax check of its Tcl and
# XDC files (check_tcl.tcl, which also runs the plugin's build script against
# stand-ins), and build.sh failing with one clear line without Vivado and with
# status 2 on a bad command line. With OPENNIC_SHELL_DIR naming an
# open-nic-shell checkout, the shell's own box_250mhz.sv is also elaborated
# (Verilator) with the plugin's include files, for both boards.
#   test_vivado_scripts.sh REPO
set -eu
repo=$1
alveo=$repo/fw/alveo

shellcheck "$alveo/build.sh" "$0"
tclsh "$(dirname "$0")/check_tcl.tcl" "$repo" \
	"$alveo/plugin/build_box_250mhz.tcl" "$alveo/plugin/box_250mhz/box_250mhz_axi_crossbar.tcl" \
	"$alveo/plugin/espnic_cdc.xdc" "$alveo/vivado/filelist.tcl" "$alveo/vivado/ooc_core.tcl" \
	"$alveo/vivado/reports.tcl"

# Without Vivado: exit 1 and exactly one line, naming Vivado.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for mode in shell ooc; do
	rc=0
	env PATH=/usr/bin:/bin OPENNIC_SHELL_DIR="$tmp" "$alveo/build.sh" "$mode" --board au55c \
		--out "$tmp/out" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
	[ "$rc" -eq 1 ] || { echo "build.sh $mode without Vivado: exit $rc, expected 1" >&2; exit 1; }
	if [ "$(wc -l <"$tmp/stderr")" -ne 1 ] || ! grep -q "Vivado not found" "$tmp/stderr"; then
		echo "build.sh $mode without Vivado did not say so in one line:" >&2
		cat "$tmp/stderr" >&2
		exit 1
	fi
done
rc=0
"$alveo/build.sh" shell --board au999 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { echo "build.sh with a bad board: exit $rc, expected 2" >&2; exit 1; }

shell=${OPENNIC_SHELL_DIR:-}
if [ -n "$shell" ] && [ -f "$shell/src/box_250mhz/box_250mhz.sv" ]; then
	files=$(tclsh /dev/stdin <<TCL
source "$alveo/vivado/filelist.tcl"
puts [join [espnic_read_filelist "$alveo/rtl/alveo.f"] " "]
TCL
)
	for board in au250 au55c; do
		# shellcheck disable=SC2086 # the file list is words
		verilator --lint-only -Wno-fatal -Wno-TIMESCALEMOD -Wno-WIDTH -Wno-CASEINCOMPLETE \
			--top-module box_250mhz "-D__${board}__" -D__synthesis__ \
			"-I$alveo/plugin/box_250mhz" "$repo/rtl/lint/espnic.vlt" $files \
			"$shell/src/utility/generic_reset.sv" "$shell/src/box_250mhz/box_250mhz.sv"
	done
	echo "the shell's box_250mhz.sv elaborates with the plugin (au250, au55c)"
else
	echo "OPENNIC_SHELL_DIR not set: the shell's box_250mhz.sv was not elaborated"
fi
echo "Vivado scripts: checked"
