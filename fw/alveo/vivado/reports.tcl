# reports.tcl: after the OpenNIC shell's build with espnic in its 250 MHz box
# (fw/alveo/build.sh shell): open the implemented design, write the timing,
# clock-interaction, CDC and utilization reports and copy the bitstream and
# the flash image out.
#   vivado -mode batch -source reports.tcl -tclargs PROJECT.xpr OUTDIR NAME
# Ends with "NAME: WNS ... ns, WHS ... ns" and exits 1 when timing is not met.

if {$argc != 3} {
    puts "usage: vivado -mode batch -source reports.tcl -tclargs PROJECT.xpr OUTDIR NAME"
    exit 2
}
lassign $argv project out name

open_project $project
set run [get_runs impl_1]
if {[get_property PROGRESS $run] ne "100%"} {
    puts "$name: implementation did not finish ([get_property STATUS $run])"
    exit 1
}
open_run impl_1

report_timing_summary -max_paths 20 -file [file join $out ${name}_timing.rpt]
report_clock_interaction -file [file join $out ${name}_clock_interaction.rpt]
report_cdc -details -file [file join $out ${name}_cdc.rpt]
report_utilization -file [file join $out ${name}_utilization.rpt]
report_utilization -hierarchical -hierarchical_depth 4 \
    -file [file join $out ${name}_utilization_hier.rpt]

set dir [get_property DIRECTORY $run]
foreach ext {bit mcs ltx} {
    set f [file join $dir open_nic_shell.$ext]
    if {[file exists $f]} {
        file copy -force $f [file join $out $name.$ext]
    }
}

set wns [get_property STATS.WNS $run]
set whs [get_property STATS.WHS $run]
puts "$name: WNS $wns ns, WHS $whs ns (reports and bitstream in $out)"
if {$wns < 0 || $whs < 0} {
    exit 1
}
exit 0
