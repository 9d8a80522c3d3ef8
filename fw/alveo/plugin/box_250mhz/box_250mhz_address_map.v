// box_250mhz_address_map.v: read by open-nic-shell's build.tcl for every
// plugin. espnic needs no address map in the 250 MHz box (see
// box_250mhz_address_map_inst.vh): this file defines no module.
