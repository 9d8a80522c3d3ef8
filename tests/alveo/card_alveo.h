/* card_alveo.h: what the plugin testbench adds to espnic_model.h: raw
 * AXI-Lite transactions, the shell's reset pair, and counts. One plugin model
 * per process (the last one espnic_model_new made). */
#ifndef ESPNIC_CARD_ALVEO_H
#define ESPNIC_CARD_ALVEO_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct alveo_stats {
	uint64_t axil_cycles;	     /* AXI-Lite clock cycles since the model was made */
	uint64_t accesses;	     /* AXI-Lite transactions */
	uint64_t access_axil_cycles; /* AXI-Lite cycles they took, request to response */
	uint64_t sized_packets;	     /* output packets whose tuser was checked */
	uint64_t resets;	     /* reset handshakes through mod_rstn */
};

/* One AXI-Lite read or write at addr (the box's window); returns the response
 * code (0 OKAY, 2 SLVERR, 3 DECERR) and, for a read, the data in *rdata. */
unsigned alveo_axil(bool write, uint32_t addr, uint32_t wdata, uint32_t *rdata);
/* Pulse mod_rstn[0] and wait for mod_rst_done[0]. */
void alveo_reset_pair(void);
void alveo_get_stats(struct alveo_stats *s);
/* The AXI-Lite clock period in picoseconds (the core's is 4000). */
uint64_t alveo_axil_ps(void);

#ifdef __cplusplus
}
#endif

#endif
