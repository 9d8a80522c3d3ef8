# The card top and its control block.
wire_rx_buffer.sv
espnic_ctrl.sv
espnic_core.sv
