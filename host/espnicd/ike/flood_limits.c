/* What keeps the daemon standing under a flood: a rate limit on the log lines that
 * datagrams nobody authenticated cause (a spoofed IKE_SA_INIT flood must not turn into a
 * disk or syslog flood), with one summary line per interval for what was left out; and the
 * limits on what one authenticated peer may create in an IKE_SA (CHILD_SAs, and rekeys per
 * minute), so that it cannot take every SA of the card. */
#include <stdint.h>

#include "flood_limits.h"
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

static unsigned live_children(const struct ike_sa *sa)
{
	unsigned n = 0;

	for (const struct child_sa *c = sa->children; c != NULL; c = c->next)
		n += c->state == CHILD_SA_INSTALLED || c->state == CHILD_SA_REKEYING;
	return n;
}

static bool refuse(struct ike_sa *sa, const char *why)
{
	if (!sa->peer_creates.refusal_logged)
		log_warn("%s: CREATE_CHILD_SA of the peer refused with NO_ADDITIONAL_SAS: %s "
			 "(logged once a minute)",
			 sa_name(sa), why);
	sa->peer_creates.refusal_logged = true;
	return false;
}

bool create_child_allowed(struct ike_sa *sa, bool new_child)
{
	const struct espnicd_config *cfg = sa->d->cfg;
	uint64_t now = now_ms(sa->d);

	if (now >= sa->peer_creates.minute_end) {
		sa->peer_creates.minute_end = now + 60000;
		sa->peer_creates.count = 0;
		sa->peer_creates.refusal_logged = false;
	}
	if (cfg->create_child_per_minute && sa->peer_creates.count >= cfg->create_child_per_minute)
		return refuse(sa, "create_child_per_minute reached");
	if (new_child && cfg->child_sa_max && live_children(sa) >= cfg->child_sa_max)
		return refuse(sa, "child_sa_max reached");
	sa->peer_creates.count++;
	return true;
}
