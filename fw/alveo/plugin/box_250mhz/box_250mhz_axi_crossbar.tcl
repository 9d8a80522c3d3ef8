# box_250mhz_axi_crossbar.tcl: sourced by open-nic-shell's build.tcl for
# every plugin to create the box's AXI crossbar IP. espnic takes the box's
# AXI-Lite window whole (box_250mhz_address_map_inst.vh), so it creates none.
puts "espnic: no AXI crossbar in box_250mhz (the plugin takes the whole window)"
