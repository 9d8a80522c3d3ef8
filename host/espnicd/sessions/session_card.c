/* The API's reads of the gateway as a whole, for the web console's overview: the card's
 * health (GET card: port counters, SA and SPD occupancy, frames dropped by reason) and the
 * recent events (GET events: sessions created, changed, deleted, up, down, closed with the
 * reason, connect requests), kept in memory. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dataplane/dataplane.h"
#include "dataplane/exception_port.h"
#include "session_mgr_internal.h"

/* Port counters that count frames dropped, and the reason each stands for. */
static const struct {
	const char *counter, *reason;
} drop_reasons[] = {
    {"eg_no_rule", "egress: no rule matched (default discard)"},
    {"eg_rule_discard", "egress: a DISCARD rule"},
    {"eg_malformed", "egress: malformed or oversize"},
    {"eg_no_sa", "egress: PROTECT rule without its SA"},
    {"in_malformed", "ingress: malformed ESP"},
    {"in_no_sa", "ingress: ESP with an unknown SPI"},
    {"in_dummy", "ingress: dummy packets"},
    {"in_buffer_drop", "ingress: the card's input buffer was full (the wire cannot be held off)"},
    {"in_reinject_bad", "ingress: a packet the host gave back was neither IPv4 nor IPv6"},
};

int sessions_card(struct sessions *s, json_t **resp, struct sm_error *e)
{
	struct dp_health h;
	json_t *counters, *drops;
	int ret = dp_health(s->dp, &h);

	if (ret < 0) {
		e->status = 503;
		e->field[0] = '\0';
		snprintf(e->message, sizeof(e->message),
			 "the dataplane is not a card (%s): no card counters", dp_kind(s->dp));
		return 503;
	}
	counters = json_object();
	drops = json_array();
	for (unsigned i = 0; i < h.counter_count; i++)
		json_object_set_new(counters, h.counter_name[i],
				    json_integer((json_int_t)h.counter[i]));
	for (size_t i = 0; i < sizeof(drop_reasons) / sizeof(drop_reasons[0]); i++) {
		const json_t *v = json_object_get(counters, drop_reasons[i].counter);

		if (v != NULL)
			json_array_append_new(drops, json_pack("{s:s, s:s, s:I}", "counter",
							       drop_reasons[i].counter, "reason",
							       drop_reasons[i].reason, "frames",
							       json_integer_value(v)));
	}
	*resp =
	    json_pack("{s:s, s:{s:i, s:i}, s:{s:i, s:i}, s:o, s:o}", "card", h.name, "sa",
		      "capacity", (int)h.sa_n, "used", (int)h.sa_used, "spd", "capacity",
		      (int)h.spd_n, "used", (int)h.spd_used, "counters", counters, "drops", drops);
	if (*resp != NULL && s->exc != NULL)
		json_object_set_new(*resp, "exception_path", exc_port_status(s->exc));
	return 200;
}

void sessions_set_exception_port(struct sessions *s, struct exc_port *x)
{
	s->exc = x;
}

void sessions_event(struct sessions *s, const char *session, const char *fmt, ...)
{
	char msg[512], when[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	json_t *ev;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ev = json_pack("{s:s, s:s}", "time", when, "message", msg);
	if (session != NULL)
		json_object_set_new(ev, "session", json_string(session));
	json_array_append_new(s->events, ev);
	while (json_array_size(s->events) > SESSIONS_EVENTS_MAX)
		json_array_remove(s->events, 0);
}

int sessions_events(struct sessions *s, json_t **resp)
{
	json_t *list = json_array();

	for (size_t i = json_array_size(s->events); i > 0; i--)
		json_array_append(list, json_array_get(s->events, i - 1));
	*resp =
	    json_pack("{s:o, s:i}", "results", list, "result_count", (int)json_array_size(list));
	return 200;
}
