# Generated register package (scripts/gen_regs.py).
espnic_regs_pkg.sv
