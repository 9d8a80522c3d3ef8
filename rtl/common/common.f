# Shared stream primitives (paths relative to this file).
sync_fifo.sv
axis_fifo.sv
axis_rehead.sv
pkt_commit_fifo.sv
