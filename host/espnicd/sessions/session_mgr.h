/* The live side of session management: the model in memory and on disk, merged with the
 * configuration file into the core's peers, changes applied as targeted reloads (one
 * session's tunnels go down or up, the others stay), status and statistics, and a small
 * supervisor that re-initiates initiator sessions (keying tries, DPD action restart). */
#ifndef ESPNICD_SESSION_MGR_H
#define ESPNICD_SESSION_MGR_H

#include <jansson.h>

#include "ike/espnicd.h"
#include "session_model.h"

struct event_base;
struct sessions;

/* Loads the state directory. */
int sessions_open(const char *state_dir, struct sessions **out, char *err, size_t err_len);
void sessions_free(struct sessions *s);

/* The configuration for the core: base (the file) plus the enabled sessions. */
int sessions_merge(struct sessions *s, const struct espnicd_config *base,
		   struct espnicd_config **out, struct sm_error *e);

/* From now on changes apply to core; after() is called when the core may have new timers.
 * base is copied. */
void sessions_attach(struct sessions *s, struct espnicd *core, struct dp *dp,
		     struct event_base *evb, const struct espnicd_config *base,
		     void (*after)(void *), void *after_arg);

/* The card's exception path (NULL: none), whose counters GET card reports. */
struct exc_port;
void sessions_set_exception_port(struct sessions *s, struct exc_port *x);

/* SIGHUP: a new configuration file; takes ownership of base. Refused (logged, nothing
 * changes) when the sessions no longer fit it. */
void sessions_set_base(struct sessions *s, struct espnicd_config *base);

/* For espnicd_io.sa_closed. */
void sessions_sa_closed(void *arg, const char *peer, const char *why);

/* The API operations. Each returns an HTTP status; *resp (may be NULL) is the body. */
int sessions_list(struct sessions *s, enum sm_kind k, json_t **resp);
int sessions_get(struct sessions *s, enum sm_kind k, const char *name, json_t **resp,
		 struct sm_error *e);
int sessions_write(struct sessions *s, enum sm_kind k, const char *name, json_t *body,
		   enum sm_write mode, json_t **resp, struct sm_error *e);
int sessions_delete(struct sessions *s, enum sm_kind k, const char *name, struct sm_error *e);
/* Status of one session (name) or all (NULL). */
int sessions_status(struct sessions *s, const char *name, json_t **resp, struct sm_error *e);
/* Counters of one session (name) or all (NULL). */
int sessions_statistics(struct sessions *s, const char *name, json_t **resp, struct sm_error *e);
/* Initiate the session now, whatever its initiation mode: 202 when an IKE_SA was started,
 * 200 when one is up or being negotiated already, 409 when it cannot (disabled, peer %any). */
int sessions_connect(struct sessions *s, const char *name, json_t **resp, struct sm_error *e);
/* The card's health: port counters, SA and SPD occupancy, drops by reason (GET card); 503
 * when the dataplane is not a card. */
int sessions_card(struct sessions *s, json_t **resp, struct sm_error *e);
/* The recent events, newest first (GET events). */
int sessions_events(struct sessions *s, json_t **resp);
/* The remote side's configuration, never with the PSK; *text is malloc'ed. */
int sessions_peer_config(struct sessions *s, const char *name, const char *format, char **text,
			 struct sm_error *e);

#endif
