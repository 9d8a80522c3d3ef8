/* What the parts of session management share: session_mgr.c (changes and applying them),
 * session_supervisor.c (retries) and session_status.c (status, statistics). */
#ifndef ESPNICD_SESSION_MGR_INTERNAL_H
#define ESPNICD_SESSION_MGR_INTERNAL_H

#include <stdint.h>

#include <jansson.h>

#include "session_mgr.h"

/* Credentials of certificate sessions by the digest of their PEM material: an unchanged
 * session keeps the same struct creds, so its peer compares equal and is not re-established. */
struct creds_entry {
	uint8_t digest[32];
	struct creds *creds;
};

struct sessions {
	char dir[4096];
	struct sm_model model;
	struct espnicd_config *base;
	struct espnicd *core;
	struct dp *dp;
	struct event *tick;
	void (*after)(void *);
	void *after_arg;
	json_t *track;	/* per session: last close reason, failures, held, next try, up */
	json_t *events; /* the recent events, oldest first (SESSIONS_EVENTS_MAX) */
	struct creds_entry cache[CFG_MAX_PEERS];
	unsigned cache_count;
	struct tunnel_ifs *tif; /* route-based sessions' host side (tunnel_if.c) */
	struct bgp_frr *bgp;	/* their BGP through FRR (bgp_frr.c) */
	struct exc_port *exc;	/* the card's exception path, or NULL */
};

#define SESSIONS_EVENTS_MAX 200
/* One more recent event ({"time", "session" (absent when NULL), "message"}); the oldest goes
 * beyond SESSIONS_EVENTS_MAX. */
void sessions_event(struct sessions *s, const char *session, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills e for "no <kind> named NAME"; returns 404. */
int sessions_not_found(struct sm_error *e, enum sm_kind k, const char *name);

/* The supervisor's record of a session (created on first use): {"reason", "failures",
 * "held", "next_try"}. */
json_t *sessions_track(struct sessions *s, const char *name);
/* After attach: the first retries one delay from now, then the periodic tick. */
void supervisor_start(struct sessions *s, struct event_base *evb);
/* A new or changed session: no failures, not held, the next try one delay after now. */
void supervisor_reset(struct sessions *s, const char *name, uint64_t now);

#endif
