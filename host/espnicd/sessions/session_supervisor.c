/* The sessions' supervisor: why each session's IKE_SA last closed (in words a user can act
 * on), failures in a row, every SUPERVISOR_TICK_S the initiator sessions without an IKE_SA
 * initiated again (keying_tries, the DPD profile's action "CLEAR" holds one down), and
 * "connect": a session initiated now, whatever its initiation mode. */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "core_status.h"
#include "log.h"
#include "session_mgr_internal.h"
#include "bgp_frr.h"
#include "tunnel_if.h"

#define SUPERVISOR_TICK_S 2
#define RETRY_DELAY_MS	  10000

json_t *sessions_track(struct sessions *s, const char *name)
{
	json_t *t = json_object_get(s->track, name);

	if (t == NULL) {
		t = json_pack("{s:s, s:i, s:b, s:I}", "reason", "", "failures", 0, "held", 0,
			      "next_try", (json_int_t)0);
		json_object_set_new(s->track, name, t);
	}
	return t;
}

static bool failure(const char *why)
{
	static const char *const normal[] = {"deleted",
					     "replaced by its rekeyed successor",
					     "old IKE_SA deleted after rekey",
					     "rekeyed, the peer never deleted it",
					     "peer removed",
					     "replaced: the peer sent INITIAL_CONTACT",
					     "shutting down"};

	for (size_t i = 0; i < sizeof(normal) / sizeof(normal[0]); i++)
		if (strcmp(why, normal[i]) == 0)
			return false;
	return true;
}

/* The reasons a user can act on, in the words of the status output. */
static const char *classify(const char *why)
{
	if (strstr(why, "authentication") != NULL || strstr(why, "identity") != NULL)
		return "authentication failed";
	if (strstr(why, "proposal") != NULL || strstr(why, "KE") != NULL)
		return "no proposal chosen";
	if (strstr(why, "not responding") != NULL)
		return "peer not responding";
	if (strcmp(why, "deleted") == 0)
		return "deleted";
	return why;
}

void sessions_sa_closed(void *arg, const char *peer, const char *why)
{
	struct sessions *s = arg;
	const json_t *obj = sm_get(&s->model, SM_SESSION, peer), *dpd;
	struct espnicd_peer_status st;
	json_t *t;

	if (obj == NULL || s->core == NULL)
		return;
	t = sessions_track(s, peer);
	if (strcmp(why, "replaced by its rekeyed successor") == 0 ||
	    strcmp(why, "old IKE_SA deleted after rekey") == 0)
		return;
	json_object_set_new(t, "reason", json_string(classify(why)));
	sessions_event(s, peer, "session %s: IKE_SA closed: %s", peer, classify(why));
	if (!failure(why))
		return;
	json_object_set_new(t, "failures",
			    json_integer(json_integer_value(json_object_get(t, "failures")) + 1));
	/* DPD declared an established peer dead: "CLEAR" leaves the session down, "HOLD" to the
	 * core's trap (the next packet initiates). */
	espnicd_peer_status(s->core, peer, &st);
	dpd = sm_get(&s->model, SM_DPD_PROFILE,
		     json_string_value(json_object_get(obj, "dpd_profile")));
	if (st.present && st.state_name != NULL && strcmp(st.state_name, "ESTABLISHED") == 0 &&
	    strcmp(why, "peer not responding") == 0 && dpd != NULL &&
	    strcmp(json_string_value(json_object_get(dpd, "dpd_action")), "RESTART") != 0)
		json_object_set_new(t, "held", json_true());
}

/* Initiator sessions without an IKE_SA are initiated again after RETRY_DELAY_MS, up to
 * keying_tries failures in a row (0 = forever). */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sessions *s = arg;
	const struct espnicd_config *cfg = espnicd_config(s->core);
	uint64_t now = espnicd_now_ms(s->core);
	bool kicked = false;

	(void)fd;
	(void)what;
	/* A tunnel interface or FRR that was missing may be there now. */
	tunnel_if_sync(s);
	bgp_frr_sync(s);
	for (unsigned i = 0; i < cfg->peer_count; i++) {
		const struct cfg_peer *p = &cfg->peers[i];
		const json_t *obj = sm_get(&s->model, SM_SESSION, p->name);
		struct espnicd_peer_status st;
		json_int_t tries;
		json_t *t;
		bool up;

		if (obj == NULL)
			continue;
		t = sessions_track(s, p->name);
		espnicd_peer_status(s->core, p->name, &st);
		/* The recent events show a session coming up and going down. */
		up = st.present && strcmp(st.state_name, "ESTABLISHED") == 0 && st.child_count > 0;
		if (up != json_is_true(json_object_get(t, "up"))) {
			json_object_set_new(t, "up", json_boolean(up));
			sessions_event(s, p->name, "session %s %s", p->name, up ? "up" : "down");
		}
		if (!p->start)
			continue;
		if (st.present && strcmp(st.state_name, "ESTABLISHED") == 0) {
			json_object_set_new(t, "failures", json_integer(0));
			json_object_set_new(t, "held", json_false());
			json_object_set_new(t, "gave_up", json_false());
			continue;
		}
		tries = json_integer_value(json_object_get(obj, "keying_tries"));
		if (!st.present && tries > 0 &&
		    json_integer_value(json_object_get(t, "failures")) >= tries &&
		    !json_is_true(json_object_get(t, "gave_up"))) {
			log_warn("session %s: given up after %lld attempts (keying_tries); "
				 "espnic session connect %s starts again",
				 p->name,
				 (long long)json_integer_value(json_object_get(t, "failures")),
				 p->name);
			json_object_set_new(t, "gave_up", json_true());
		}
		if (st.present || json_is_true(json_object_get(t, "held")) ||
		    (tries > 0 && json_integer_value(json_object_get(t, "failures")) >= tries) ||
		    now < (uint64_t)json_integer_value(json_object_get(t, "next_try")))
			continue;
		json_object_set_new(t, "next_try",
				    json_integer((json_int_t)(now + RETRY_DELAY_MS)));
		log_info("session %s: initiating again", p->name);
		espnicd_initiate(s->core, p->name);
		kicked = true;
	}
	if (kicked && s->after != NULL)
		s->after(s->after_arg);
}

void supervisor_start(struct sessions *s, struct event_base *evb)
{
	struct timeval tv = {SUPERVISOR_TICK_S, 0};
	uint64_t now;

	/* The core starts the initiators itself; retries begin one delay later. */
	now = espnicd_now_ms(s->core);
	for (unsigned i = 0; i < espnicd_config(s->core)->peer_count; i++)
		json_object_set_new(sessions_track(s, espnicd_config(s->core)->peers[i].name),
				    "next_try", json_integer((json_int_t)(now + RETRY_DELAY_MS)));
	s->tick = event_new(evb, -1, EV_PERSIST, on_tick, s);
	if (s->tick != NULL)
		event_add(s->tick, &tv);
}

void supervisor_reset(struct sessions *s, const char *name, uint64_t now)
{
	json_t *t = sessions_track(s, name);

	json_object_set_new(t, "failures", json_integer(0));
	json_object_set_new(t, "held", json_false());
	json_object_set_new(t, "gave_up", json_false());
	json_object_set_new(t, "next_try", json_integer((json_int_t)(now + RETRY_DELAY_MS)));
}

static int connect_refused(struct sm_error *e, const char *name, const char *why)
{
	e->status = 409;
	e->field[0] = '\0';
	snprintf(e->message, sizeof(e->message), "session \"%s\" cannot connect: %s", name, why);
	return 409;
}

int sessions_connect(struct sessions *s, const char *name, json_t **resp, struct sm_error *e)
{
	const json_t *obj = sm_get(&s->model, SM_SESSION, name);
	const struct cfg_peer *p;
	struct espnicd_peer_status st;

	if (obj == NULL)
		return sessions_not_found(e, SM_SESSION, name);
	if (!json_is_true(json_object_get(obj, "enabled")))
		return connect_refused(e, name, "it is disabled (espnic session enable)");
	p = config_find_peer(espnicd_config(s->core), name);
	if (p == NULL)
		return connect_refused(e, name, "it is not applied (see the log)");
	if (p->remote_any)
		return connect_refused(e, name,
				       "its peer address is any, so there is nobody to "
				       "initiate towards");
	espnicd_peer_status(s->core, name, &st);
	if (st.present) {
		/* Up, or being negotiated: nothing to start (an IKE_SA without its CHILD_SA
		 * gets one). */
		if (st.child_count == 0 && strcmp(st.state_name, "ESTABLISHED") == 0)
			espnicd_initiate(s->core, name);
		*resp = json_pack("{s:s, s:b, s:s}", "session", name, "initiated", 0,
				  "ike_sa_state", st.state_name);
		return 200;
	}
	/* A user's connect clears a hold (DPD "CLEAR", keying_tries spent). */
	supervisor_reset(s, name, espnicd_now_ms(s->core));
	log_info("session %s: connect requested through the API, initiating", name);
	sessions_event(s, name, "session %s: connect requested", name);
	if (espnicd_initiate(s->core, name) < 0)
		return connect_refused(e, name, "the IKE_SA could not be started (see the log)");
	if (s->after != NULL)
		s->after(s->after_arg);
	*resp = json_pack("{s:s, s:b}", "session", name, "initiated", 1);
	return 202;
}
