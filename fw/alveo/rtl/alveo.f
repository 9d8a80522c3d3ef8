# The OpenNIC plugin around espnic_core (paths relative to this file): the
# card's RTL first, then the wrapper's blocks and the top (espnic_250mhz).
-f ../../../rtl/espnic.f
cdc_sync.sv
box_reset.sv
axil_reg_cdc.sv
axis_pkt_size.sv
espnic_250mhz.sv
