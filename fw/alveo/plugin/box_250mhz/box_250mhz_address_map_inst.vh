// box_250mhz_address_map_inst.vh: included by open-nic-shell's
// src/box_250mhz/box_250mhz.sv before the plugin. espnic takes the box's
// whole AXI-Lite window itself (its registers are the first 64 KB, the rest
// answers DECERR), so there is no address map to instantiate and nothing
// here; the box's own reset (internal_box_rstn) is left to the box.
