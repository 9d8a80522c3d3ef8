/* What keeps the daemon standing under a flood of datagrams nobody authenticated: a rate
 * limit on the log lines they cause (a spoofed IKE_SA_INIT flood must not turn into a disk
 * or syslog flood), with one summary line per interval for what was left out. */
#include <stdint.h>

#include "ike_sa.h"

static void summary(struct espnicd *d)
{
	if (d->unauth_log.suppressed > 0)
		log_warn("%u log lines about unauthenticated IKE messages suppressed in the last "
			 "%u s",
			 d->unauth_log.suppressed, UNAUTH_LOG_INTERVAL_MS / 1000);
	d->unauth_log.suppressed = 0;
	d->unauth_log.lines = 0;
}

bool unauth_log_allowed(struct espnicd *d, enum log_level level)
{
	uint64_t now;

	if (!log_enabled(level))
		return false; /* a line nobody sees uses up nothing */
	now = now_ms(d);
	if (now >= d->unauth_log.interval_end) {
		summary(d);
		d->unauth_log.interval_end = now + UNAUTH_LOG_INTERVAL_MS;
	}
	if (d->unauth_log.lines < UNAUTH_LOG_BURST) {
		d->unauth_log.lines++;
		return true;
	}
	d->unauth_log.suppressed++;
	return false;
}

uint64_t unauth_log_next_timer(const struct espnicd *d)
{
	return d->unauth_log.suppressed > 0 ? d->unauth_log.interval_end : UINT64_MAX;
}

void unauth_log_flush(struct espnicd *d)
{
	if (d->unauth_log.suppressed > 0 && now_ms(d) >= d->unauth_log.interval_end)
		summary(d);
}
