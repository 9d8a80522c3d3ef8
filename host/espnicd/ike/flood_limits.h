/* Holding under a flood (flood_limits.c): the rate limit on log lines that unauthenticated
 * datagrams cause, and what one peer may create with CREATE_CHILD_SA. */
#ifndef ESPNICD_FLOOD_LIMITS_H
#define ESPNICD_FLOOD_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include "ike_sa.h"
#include "log.h"

#define UNAUTH_LOG_BURST       20 /* log lines of unauthenticated datagrams per interval */
#define UNAUTH_LOG_INTERVAL_MS 10000

/* Lines logged because of datagrams nobody authenticated (IKE_SA_INIT, forged answers, bad
 * ICVs) pass at most UNAUTH_LOG_BURST per UNAUTH_LOG_INTERVAL_MS; the rest are counted and
 * summed up in one line when the interval ends. Whether a line at level may go out now. */
bool unauth_log_allowed(struct espnicd *d, enum log_level level);
/* The end of an interval that suppressed lines (its summary is due then), else UINT64_MAX;
 * and the summary, when due. */
uint64_t unauth_log_next_timer(const struct espnicd *d);
void unauth_log_flush(struct espnicd *d);
/* Whether the peer may create an SA in sa with CREATE_CHILD_SA now (a new CHILD_SA when
 * new_child, else a rekey): within child_sa_max live CHILD_SAs and create_child_per_minute
 * such requests. Counts the request; a refusal (answered NO_ADDITIONAL_SAS) is logged once a
 * minute. */
bool create_child_allowed(struct ike_sa *sa, bool new_child);
#define log_unauth(d, level, ...)                                                                  \
	do {                                                                                       \
		if (unauth_log_allowed((d), (level)))                                              \
			log_msg((level), __VA_ARGS__);                                             \
	} while (0)

#endif
