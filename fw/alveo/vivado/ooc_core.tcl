# ooc_core.tcl: espnic_core alone, out of context, at 250 MHz (DATA_W 512,
# the core's default table sizes), in Vivado's non-project mode: synthesis,
# placement, physical optimization, routing, then the timing, utilization
# and logic-level reports. Run by fw/alveo/build.sh ooc:
#   vivado -mode batch -source ooc_core.tcl -tclargs FILELIST PART OUTDIR JOBS
# Ends with "espnic_core OOC: WNS ... ns" and exits 1 when timing is not met.

if {$argc != 4} {
    puts "usage: vivado -mode batch -source ooc_core.tcl -tclargs FILELIST PART OUTDIR JOBS"
    exit 2
}
lassign $argv filelist part out jobs
source [file join [file dirname [info script]] filelist.tcl]

set_param general.maxThreads [expr {$jobs > 8 ? 8 : $jobs}]
read_verilog -sv [espnic_read_filelist $filelist]

# The core clock of the OpenNIC 250 MHz box; ports out of context are left
# to the wrapper (their paths are reported, not constrained).
set xdc [file join $out espnic_core_ooc.xdc]
set fh [open $xdc w]
puts $fh "create_clock -period 4.000 -name axis_aclk \[get_ports clk_i\]"
close $fh
read_xdc -mode out_of_context $xdc

synth_design -top espnic_core -part $part -mode out_of_context \
    -generic DATA_W=512 -verilog_define SYNTHESIS
report_utilization -file [file join $out espnic_core_synth_utilization.rpt]
opt_design
place_design
phys_opt_design
route_design

report_timing_summary -max_paths 20 -file [file join $out espnic_core_timing.rpt]
report_utilization -file [file join $out espnic_core_utilization.rpt]
report_utilization -hierarchical -hierarchical_depth 3 \
    -file [file join $out espnic_core_utilization_hier.rpt]
report_design_analysis -logic_level_distribution -logic_level_dist_paths 5000 \
    -file [file join $out espnic_core_logic_levels.rpt]
write_checkpoint -force [file join $out espnic_core_ooc.dcp]

set wns [get_property SLACK [get_timing_paths -max_paths 1 -nworst 1 -setup]]
puts "espnic_core OOC: WNS $wns ns at 250 MHz on $part (reports in $out)"
if {$wns eq "" || $wns < 0} {
    exit 1
}
exit 0
