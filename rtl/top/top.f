# The card top and its control block.
espnic_ctrl.sv
espnic_core.sv
