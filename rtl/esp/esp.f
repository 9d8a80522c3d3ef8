# The ESP pipelines (packages first).
espnic_pkg.sv
replay_pkg.sv
frame_capture.sv
frame_entry.sv
spd_key_step.sv
spd_key.sv
spd_cls_level.sv
spd_classifier.sv
spd_lookup.sv
esp_inbound_check.sv
esp_sa_lifetime.sv
esp_sa_table.sv
esp_mss_find.sv
esp_mss_clamp.sv
esp_egress.sv
esp_ingress.sv
