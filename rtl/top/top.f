# The card top (its control block: ctrl/ctrl.f).
wire_rx_buffer.sv
host_rx_steer.sv
ingress_merge.sv
espnic_core.sv
