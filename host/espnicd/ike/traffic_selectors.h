/* Traffic selectors (traffic_selectors.c): ours from the configuration, narrowing, the
 * check of the answer, and what the dataplane takes. */
#ifndef ESPNICD_TRAFFIC_SELECTORS_H
#define ESPNICD_TRAFFIC_SELECTORS_H

#include <stdbool.h>
#include <stddef.h>

#include "ike_sa.h"

void ts_from_config(const struct cfg_ts *cfg, unsigned count, const struct sockaddr_storage *host,
		    struct ike_ts_payload *out);
/* Responder narrowing: offer ∩ ours; -ENOENT if empty (TS_UNACCEPTABLE). */
int ts_narrow(const struct ike_ts_payload *offer, const struct ike_ts_payload *ours,
	      struct ike_ts_payload *out);
/* Initiator check: every selector the responder chose lies within what we proposed. */
bool ts_within(const struct ike_ts_payload *chosen, const struct ike_ts_payload *proposed);
void ts_to_dp(const struct ike_ts_payload *ts, struct dp_selector *out, unsigned *count);
/* Narrows local x remote to what the dataplane checks exactly on inbound traffic
 * (dp_narrow_selectors): 0 as they are, 1 narrowed, -ENOTSUP if no part fits. */
int ts_fit_dataplane(struct dp *dp, struct ike_ts_payload *local, struct ike_ts_payload *remote);
void ts_describe(const struct ike_ts_payload *ts, char *buf, size_t len);

#endif
