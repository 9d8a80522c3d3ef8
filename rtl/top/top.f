# The card top and its control block.
ctrl_slot_map.sv
wire_rx_buffer.sv
host_rx_steer.sv
ingress_merge.sv
espnic_ctrl.sv
espnic_core.sv
