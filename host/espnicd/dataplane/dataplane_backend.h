/* What a dataplane backend provides (internal to espnicd's dataplane layer): one table of
 * functions behind the dp_* calls of dataplane.h. A backend's state starts with struct dp. */
#ifndef ESPNICD_DATAPLANE_BACKEND_H
#define ESPNICD_DATAPLANE_BACKEND_H

#include "dataplane.h"

struct dp_ops {
	const char *kind;
	void (*close)(struct dp *dp);
	int (*alloc_spi)(struct dp *dp, uint32_t *spi);
	void (*release_spi)(struct dp *dp, uint32_t spi);
	int (*install)(struct dp *dp, const struct dp_child_sa *sa);
	int (*switch_out)(struct dp *dp, uint32_t spi_in);
	int (*delete)(struct dp *dp, uint32_t spi_in);
	int (*read_counters)(struct dp *dp, uint32_t spi_in, struct dp_counters *c);
	int (*health)(struct dp *dp, struct dp_health *h); /* NULL: no card */
	int (*event_fd)(struct dp *dp);
	int (*next_event)(struct dp *dp, struct dp_event *ev);
	int (*set_ike_bypass)(struct dp *dp, const struct sockaddr_storage *addrs, unsigned n,
			      uint16_t port, uint16_t natt_port);
	int (*trap_install)(struct dp *dp, const struct dp_trap *trap);
	int (*trap_remove)(struct dp *dp, uint32_t reqid);
	int (*trap_rearm)(struct dp *dp, uint32_t reqid);
	int (*narrow_selectors)(struct dp *dp, struct dp_selector *local, unsigned *nl,
				struct dp_selector *remote, unsigned *nr);
	unsigned (*inner_mtu)(struct dp *dp, enum dp_mode mode, bool udp); /* NULL: no limit */
	/* NULL: every transform espnicd negotiates */
	bool (*carries_esp)(uint16_t encr_id, uint16_t key_bits, uint16_t integ_id);
	const char *esp_algorithms; /* what carries_esp allows, in words */
};

struct dp {
	const struct dp_ops *ops;
};

/* Each returns 0 and the backend, or a negative errno. arg is what follows "kind:". */
int dp_record_open(const char *arg, struct dp **out);
int dp_card_open(const char *arg, struct dp **out);

#endif
