# build_box_250mhz.tcl: sourced by open-nic-shell's build.tcl (in its
# project, with this directory as the working directory) to read the 250 MHz
# box's plugin: espnic_core's RTL and the wrapper, in the order of
# fw/alveo/rtl/alveo.f, and the wrapper's clock-domain-crossing constraints.
# ESPNIC_BUILD_ID (8 hex digits, from fw/alveo/build.sh) becomes the core's
# REG_BUILD_ID.

set espnic_plugin_dir [file normalize [file dirname [info script]]]
set espnic_rtl_list [file normalize [file join $espnic_plugin_dir .. rtl alveo.f]]

source [file join $espnic_plugin_dir .. vivado filelist.tcl]

set espnic_build_id 00000000
if {[info exists ::env(ESPNIC_BUILD_ID)]} {
    set espnic_build_id $::env(ESPNIC_BUILD_ID)
}
if {![regexp {^[0-9a-fA-F]{8}$} $espnic_build_id]} {
    error "espnic: ESPNIC_BUILD_ID must be 8 hex digits, not '$espnic_build_id'"
}

read_verilog -sv [espnic_read_filelist $espnic_rtl_list]

# SYNTHESIS guards the simulation-only checks in the RTL; the build ID
# reaches user_plugin_250mhz_inst.vh as a macro.
set espnic_defines [get_property verilog_define [current_fileset]]
lappend espnic_defines SYNTHESIS ESPNIC_BUILD_ID=$espnic_build_id
set_property verilog_define $espnic_defines [current_fileset]

# Full Tcl (cell searches, a check) needs an unmanaged constraint file.
read_xdc -unmanaged [file join $espnic_plugin_dir espnic_cdc.xdc]
