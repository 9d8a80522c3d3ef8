# espnic_cdc.xdc: timing constraints of the plugin's clock-domain crossings
# (fw/alveo/rtl/axil_reg_cdc.sv, box_reset.sv), read unmanaged after the
# shell's constraints (build_box_250mhz.tcl). The shell's axil_aclk (125 MHz)
# and axis_aclk (250 MHz) come from one clock, so Vivado would time paths
# between them as synchronous; these paths are built not to need it: the
# synchronizer flops (cdc_sync, ASYNC_REG) and the registers each domain
# copies from the other (address, data and direction of a request; the read
# data of its answer), which hold still from the request to the
# acknowledge. They get a data-path-only bound of one core period (4 ns)
# instead, so the crossing works whatever the two clocks' relation.
set espnic_inst [get_cells -hierarchical -filter {NAME =~ *espnic_250mhz_inst}]
if {[llength $espnic_inst] == 1} {
    set espnic_sync [get_cells -hierarchical -filter "ASYNC_REG == TRUE && NAME =~ $espnic_inst/*"]
    set espnic_axil_side [get_cells -hierarchical -filter "NAME =~ $espnic_inst/u_regs/a_*_q_reg*"]
    set espnic_core_side [get_cells -hierarchical -filter "NAME =~ $espnic_inst/u_regs/c_*_q_reg*"]
    set_max_delay -datapath_only 4.0 -to $espnic_sync
    set_max_delay -datapath_only 4.0 -from $espnic_axil_side -to $espnic_core_side
    set_max_delay -datapath_only 4.0 -from $espnic_core_side -to $espnic_axil_side
} else {
    puts "CRITICAL WARNING: espnic_cdc.xdc: espnic_250mhz_inst not found, crossings not constrained"
}
