/* Session management at run time: every change is checked on a copy of the model, turned
 * into a complete core configuration, saved, and only then swapped in and applied. Applying
 * is espnicd_reload (the SIGHUP path) with one twist: a session whose peer changed is first
 * reloaded away (its IKE_SA is deleted) and then back (initiated anew), so the change takes
 * effect now and no other session is touched. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "core_status.h"
#include "ike_types.h"
#include "log.h"
#include "peer_config.h"
#include "session_mgr.h"
#include "session_store.h"

#define SUPERVISOR_TICK_S 2
#define RETRY_DELAY_MS	  10000

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
	json_t *track; /* per session: last close reason, failures, held, next try */
	struct creds_entry cache[CFG_MAX_PEERS];
	unsigned cache_count;
};

/* A copy of cfg holding its own references to the peers' credentials, with room for
 * extra more peers after its own (the peers are a flexible array member). */
static struct espnicd_config *config_dup(const struct espnicd_config *cfg, size_t extra)
{
	struct espnicd_config *c =
	    calloc(1, sizeof(*c) + (cfg->peer_count + extra) * sizeof(struct cfg_peer));

	if (c == NULL)
		return NULL;
	memcpy(c, cfg, sizeof(*c) + cfg->peer_count * sizeof(struct cfg_peer));
	for (unsigned i = 0; i < c->peer_count; i++)
		creds_ref(c->peers[i].creds);
	return c;
}

static void cache_clear(struct creds_entry *cache, unsigned *count)
{
	for (unsigned i = 0; i < *count; i++)
		creds_unref(cache[i].creds);
	OPENSSL_cleanse(cache, *count * sizeof(*cache));
	*count = 0;
}

int sessions_open(const char *state_dir, struct sessions **out, char *err, size_t err_len)
{
	struct sessions *s;

	store_wipe_json_memory();
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	snprintf(s->dir, sizeof(s->dir), "%s", state_dir);
	if (store_load(state_dir, &s->model, err, err_len) < 0) {
		free(s);
		return -EINVAL;
	}
	s->track = json_object();
	*out = s;
	return 0;
}

void sessions_free(struct sessions *s)
{
	if (s == NULL)
		return;
	if (s->tick != NULL)
		event_free(s->tick);
	sm_model_free(&s->model);
	config_free(s->base);
	json_decref(s->track);
	cache_clear(s->cache, &s->cache_count);
	free(s);
}

static int merge_model(struct sessions *s, const struct sm_model *m,
		       const struct espnicd_config *base, struct espnicd_config **out,
		       struct sm_error *e)
{
	/* Room for every session: the enabled ones are merged below. */
	struct espnicd_config *cfg =
	    config_dup(base, json_object_size(json_object_get(m->root, "sessions")));
	struct creds_entry cache[CFG_MAX_PEERS];
	unsigned cache_count = 0;
	const char *name;
	json_t *obj;

	if (cfg == NULL) {
		e->status = 500;
		snprintf(e->message, sizeof(e->message), "out of memory");
		return -ENOMEM;
	}
	json_object_foreach(json_object_get(m->root, "sessions"), name, obj)
	{
		struct cfg_peer *peer = &cfg->peers[cfg->peer_count];
		uint8_t digest[32];

		if (!json_is_true(json_object_get(obj, "enabled")))
			continue;
		for (unsigned i = 0; i < base->peer_count; i++) {
			if (strcmp(base->peers[i].name, name) == 0) {
				config_free(cfg);
				cache_clear(cache, &cache_count);
				e->status = 409;
				snprintf(e->field, sizeof(e->field), "name");
				snprintf(e->message, sizeof(e->message),
					 "name: \"%s\" is a peer of espnicd's configuration file",
					 name);
				return -EEXIST;
			}
		}
		if (cfg->peer_count == CFG_MAX_PEERS) {
			config_free(cfg);
			cache_clear(cache, &cache_count);
			e->status = 409;
			snprintf(e->field, sizeof(e->field), "enabled");
			snprintf(e->message, sizeof(e->message),
				 "at most %d peers and enabled sessions together", CFG_MAX_PEERS);
			return -ENOSPC;
		}
		if (sm_session_peer(m, name, base, peer, e) < 0) {
			creds_unref(peer->creds);
			config_free(cfg);
			cache_clear(cache, &cache_count);
			return -EINVAL;
		}
		cfg->peer_count++;
		if (peer->creds == NULL || sm_session_creds_digest(m, name, digest) < 0)
			continue;
		/* The same material as before: the same credentials. */
		for (unsigned i = 0; i < s->cache_count; i++) {
			if (memcmp(s->cache[i].digest, digest, sizeof(digest)) == 0) {
				creds_unref(peer->creds);
				peer->creds = creds_ref(s->cache[i].creds);
				break;
			}
		}
		memcpy(cache[cache_count].digest, digest, sizeof(digest));
		cache[cache_count++].creds = creds_ref(peer->creds);
	}
	cache_clear(s->cache, &s->cache_count);
	memcpy(s->cache, cache, cache_count * sizeof(cache[0]));
	s->cache_count = cache_count;
	OPENSSL_cleanse(cache, sizeof(cache));
	*out = cfg;
	return 0;
}

int sessions_merge(struct sessions *s, const struct espnicd_config *base,
		   struct espnicd_config **out, struct sm_error *e)
{
	return merge_model(s, &s->model, base, out, e);
}

static json_t *track(struct sessions *s, const char *name)
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
	t = track(s, peer);
	if (strcmp(why, "replaced by its rekeyed successor") == 0 ||
	    strcmp(why, "old IKE_SA deleted after rekey") == 0)
		return;
	json_object_set_new(t, "reason", json_string(classify(why)));
	if (!failure(why))
		return;
	json_object_set_new(t, "failures",
			    json_integer(json_integer_value(json_object_get(t, "failures")) + 1));
	/* DPD declared an established peer dead: "CLEAR" leaves the session down. */
	espnicd_peer_status(s->core, peer, &st);
	dpd = sm_get(&s->model, SM_DPD_PROFILE,
		     json_string_value(json_object_get(obj, "dpd_profile")));
	if (st.present && st.state_name != NULL && strcmp(st.state_name, "ESTABLISHED") == 0 &&
	    strcmp(why, "peer not responding") == 0 && dpd != NULL &&
	    strcmp(json_string_value(json_object_get(dpd, "dpd_action")), "CLEAR") == 0)
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
	for (unsigned i = 0; i < cfg->peer_count; i++) {
		const struct cfg_peer *p = &cfg->peers[i];
		const json_t *obj = sm_get(&s->model, SM_SESSION, p->name);
		struct espnicd_peer_status st;
		json_int_t tries;
		json_t *t;

		if (obj == NULL || !p->start)
			continue;
		t = track(s, p->name);
		espnicd_peer_status(s->core, p->name, &st);
		if (st.present && strcmp(st.state_name, "ESTABLISHED") == 0) {
			json_object_set_new(t, "failures", json_integer(0));
			json_object_set_new(t, "held", json_false());
			continue;
		}
		tries = json_integer_value(json_object_get(obj, "keying_tries"));
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

void sessions_attach(struct sessions *s, struct espnicd *core, struct dp *dp,
		     struct event_base *evb, const struct espnicd_config *base,
		     void (*after)(void *), void *after_arg)
{
	struct timeval tv = {SUPERVISOR_TICK_S, 0};
	uint64_t now;

	s->core = core;
	s->dp = dp;
	s->after = after;
	s->after_arg = after_arg;
	s->base = config_dup(base, 0);
	/* The core starts the initiators itself; retries begin one delay later. */
	now = espnicd_now_ms(core);
	for (unsigned i = 0; i < espnicd_config(core)->peer_count; i++)
		json_object_set_new(track(s, espnicd_config(core)->peers[i].name), "next_try",
				    json_integer((json_int_t)(now + RETRY_DELAY_MS)));
	s->tick = event_new(evb, -1, EV_PERSIST, on_tick, s);
	if (s->tick != NULL)
		event_add(s->tick, &tv);
}

static const struct cfg_peer *find_peer(const struct espnicd_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->peer_count; i++)
		if (strcmp(cfg->peers[i].name, name) == 0)
			return &cfg->peers[i];
	return NULL;
}

/* Takes ownership of next. */
static void apply(struct sessions *s, struct espnicd_config *next)
{
	const struct espnicd_config *cur = espnicd_config(s->core);
	struct espnicd_config *without = NULL;
	uint64_t now = espnicd_now_ms(s->core);

	for (unsigned i = 0; i < next->peer_count; i++) {
		const struct cfg_peer *old = find_peer(cur, next->peers[i].name);

		/* A new or changed session: a fresh start for the supervisor too. */
		if (old == NULL || memcmp(old, &next->peers[i], sizeof(*old)) != 0) {
			json_t *t = track(s, next->peers[i].name);

			json_object_set_new(t, "failures", json_integer(0));
			json_object_set_new(t, "held", json_false());
			json_object_set_new(t, "next_try",
					    json_integer((json_int_t)(now + RETRY_DELAY_MS)));
		}
		if (old == NULL || memcmp(old, &next->peers[i], sizeof(*old)) == 0)
			continue;
		if (without == NULL) {
			without = config_dup(next, 0);
			if (without == NULL)
				break;
		}
		for (unsigned j = 0; j < without->peer_count; j++) {
			if (strcmp(without->peers[j].name, next->peers[i].name) == 0) {
				config_peer_release(&without->peers[j]);
				memmove(&without->peers[j], &without->peers[j + 1],
					(without->peer_count - j - 1) * sizeof(without->peers[0]));
				without->peer_count--;
				break;
			}
		}
		log_info("session %s changed: re-establishing its tunnels", next->peers[i].name);
	}
	if (without != NULL)
		espnicd_reload(s->core, without);
	espnicd_reload(s->core, next);
	if (s->after != NULL)
		s->after(s->after_arg);
}

void sessions_set_base(struct sessions *s, struct espnicd_config *base)
{
	struct espnicd_config *merged;
	struct sm_error e;

	if (merge_model(s, &s->model, base, &merged, &e) < 0) {
		log_error("reload refused, keeping the running configuration: %s", e.message);
		config_free(base);
		return;
	}
	config_free(s->base);
	s->base = base;
	espnicd_reload(s->core, merged);
}

int sessions_list(struct sessions *s, enum sm_kind k, json_t **resp)
{
	json_t *results = json_array(), *obj;
	const char *name;

	json_object_foreach(json_object_get(s->model.root, sm_kind_key(k)), name, obj)
	{
		json_array_append_new(results, sm_public(&s->model, k, obj));
	}
	*resp = json_pack("{s:o, s:i}", "results", results, "result_count",
			  (int)json_array_size(results));
	return 200;
}

static int not_found(struct sm_error *e, enum sm_kind k, const char *name)
{
	e->status = 404;
	e->field[0] = '\0';
	snprintf(e->message, sizeof(e->message), "no %s named \"%s\"", sm_kind_noun(k), name);
	return 404;
}

int sessions_get(struct sessions *s, enum sm_kind k, const char *name, json_t **resp,
		 struct sm_error *e)
{
	const json_t *obj = sm_get(&s->model, k, name);

	if (obj == NULL)
		return not_found(e, k, name);
	*resp = sm_public(&s->model, k, obj);
	return 200;
}

/* Check, merge, save, swap, apply. */
static int commit(struct sessions *s, struct sm_model *next, struct sm_error *e)
{
	struct espnicd_config *cfg;
	char err[512];

	if (merge_model(s, next, s->base, &cfg, e) < 0)
		return -EINVAL;
	if (store_save(s->dir, &s->model, next, err, sizeof(err)) < 0) {
		config_free(cfg);
		e->status = 500;
		e->field[0] = '\0';
		snprintf(e->message, sizeof(e->message), "cannot save the state: %.200s", err);
		log_error("session store: %s", err);
		return -EIO;
	}
	sm_model_free(&s->model);
	s->model = *next;
	apply(s, cfg);
	return 0;
}

int sessions_write(struct sessions *s, enum sm_kind k, const char *name, json_t *body,
		   enum sm_write mode, json_t **resp, struct sm_error *e)
{
	struct sm_model next;
	char stored[SM_NAME_MAX + 1];
	int status;

	if (sm_model_copy(&s->model, &next) < 0) {
		e->status = 500;
		snprintf(e->message, sizeof(e->message), "out of memory");
		return 500;
	}
	status = sm_write(&next, k, name, body, mode, stored, e);
	if (status < 0 || commit(s, &next, e) < 0) {
		sm_model_free(&next);
		return e->status;
	}
	log_info("%s %s %s through the API", sm_kind_noun(k), stored,
		 status == 201 ? "created" : "changed");
	*resp = sm_public(&s->model, k, sm_get(&s->model, k, stored));
	return status;
}

int sessions_delete(struct sessions *s, enum sm_kind k, const char *name, struct sm_error *e)
{
	struct sm_model next;

	if (sm_model_copy(&s->model, &next) < 0) {
		e->status = 500;
		snprintf(e->message, sizeof(e->message), "out of memory");
		return 500;
	}
	if (sm_delete(&next, k, name, e) < 0 || commit(s, &next, e) < 0) {
		sm_model_free(&next);
		return e->status;
	}
	if (k == SM_SESSION)
		json_object_del(s->track, name);
	log_info("%s %s deleted through the API", sm_kind_noun(k), name);
	return 204;
}

/* ---- status and statistics ---- */

static const char *encr_name(uint16_t id, uint16_t bits)
{
	if (id == IKE_ENCR_AES_GCM_16)
		return bits == 256 ? "AES_GCM_256" : "AES_GCM_128";
	if (id == IKE_ENCR_AES_CBC)
		return bits == 256 ? "AES_256" : "AES_128";
	return id ? "OTHER" : "NONE";
}

static const char *integ_name(uint16_t id)
{
	switch (id) {
	case 0:
		return "NONE";
	case IKE_INTEG_HMAC_SHA1_96:
		return "SHA1";
	case IKE_INTEG_HMAC_SHA2_256_128:
		return "SHA2_256";
	case IKE_INTEG_HMAC_SHA2_384_192:
		return "SHA2_384";
	case IKE_INTEG_HMAC_SHA2_512_256:
		return "SHA2_512";
	default:
		return "OTHER";
	}
}

static const char *prf_name(uint16_t id)
{
	switch (id) {
	case IKE_PRF_HMAC_SHA1:
		return "SHA1";
	case IKE_PRF_HMAC_SHA2_256:
		return "SHA2_256";
	case IKE_PRF_HMAC_SHA2_384:
		return "SHA2_384";
	case IKE_PRF_HMAC_SHA2_512:
		return "SHA2_512";
	default:
		return "NONE";
	}
}

static const char *dh_name(uint16_t id)
{
	switch (id) {
	case 0:
		return "NONE";
	case IKE_DH_MODP_2048:
		return "GROUP14";
	case IKE_DH_MODP_3072:
		return "GROUP15";
	case IKE_DH_MODP_4096:
		return "GROUP16";
	case IKE_DH_ECP_256:
		return "GROUP19";
	case IKE_DH_ECP_384:
		return "GROUP20";
	case IKE_DH_ECP_521:
		return "GROUP21";
	case IKE_DH_CURVE25519:
		return "GROUP31";
	default:
		return "OTHER";
	}
}

/* A core-clock time as wall-clock ISO 8601 (UTC). */
static json_t *wall_time(struct sessions *s, uint64_t core_ms)
{
	uint64_t now = espnicd_now_ms(s->core);
	time_t t = time(NULL) - (time_t)((now > core_ms ? now - core_ms : 0) / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *counters_json(struct sessions *s, uint32_t spi_in, struct dp_counters *sum)
{
	struct dp_counters c = {0};

	if (dp_read_counters(s->dp, spi_in, &c) < 0)
		return json_null();
	sum->in_packets += c.in_packets;
	sum->in_bytes += c.in_bytes;
	sum->out_packets += c.out_packets;
	sum->out_bytes += c.out_bytes;
	sum->in_errors += c.in_errors;
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "packets_in", (json_int_t)c.in_packets,
			 "bytes_in", (json_int_t)c.in_bytes, "packets_out",
			 (json_int_t)c.out_packets, "bytes_out", (json_int_t)c.out_bytes,
			 "errors_in", (json_int_t)c.in_errors);
}

static json_t *one_status(struct sessions *s, const char *name, const json_t *obj)
{
	struct espnicd_peer_status st;
	struct dp_counters sum = {0};
	json_t *tunnels = json_array(), *out, *t = track(s, name);
	const char *status = "DOWN", *reason = NULL;
	unsigned up = 0;
	char spi[40];

	espnicd_peer_status(s->core, name, &st);
	for (unsigned i = 0; st.present && i < st.child_count; i++) {
		const struct espnicd_child_status *c = &st.child[i];
		char in[9], o[9];

		if (c->installed)
			up++;
		snprintf(in, sizeof(in), "%08x", c->spi_in);
		snprintf(o, sizeof(o), "%08x", c->spi_out);
		json_array_append_new(
		    tunnels,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:s, s:s, s:o}",
			      "spi_in", in, "spi_out", o, "state",
			      c->installed ? "INSTALLED" : "REKEYED", "encryption_algorithm",
			      encr_name(c->encr, c->encr_bits), "digest_algorithm",
			      integ_name(c->integ), "dh_group", dh_name(c->dh), "esn", c->esn,
			      "local_networks", c->local_ts, "established_at",
			      wall_time(s, c->installed_ms), "remote_networks", c->remote_ts,
			      "mode", "TUNNEL", "counters", counters_json(s, c->spi_in, &sum)));
	}
	if (!json_is_true(json_object_get(obj, "enabled"))) {
		reason = "session disabled";
	} else if (find_peer(espnicd_config(s->core), name) == NULL) {
		reason = "not applied";
	} else if (st.present && strcmp(st.state_name, "ESTABLISHED") == 0) {
		if (up > 0)
			status = "UP";
		else
			reason = "IKE_SA up but no tunnel: the peer refused the ESP proposal or "
				 "the networks (see the log)";
	} else if (st.present) {
		status = "NEGOTIATING";
	} else if (*json_string_value(json_object_get(t, "reason")) != '\0') {
		reason = json_string_value(json_object_get(t, "reason"));
	} else if (strcmp(json_string_value(json_object_get(obj, "connection_initiation_mode")),
			  "INITIATOR") != 0) {
		reason = "waiting for the peer to initiate";
	} else {
		reason = "not established yet";
	}
	out = json_pack("{s:s, s:s, s:s, s:o, s:i}", "session", name, "status", status,
			"ike_sa_state", st.present ? st.state_name : "NONE", "tunnels", tunnels,
			"tunnels_up", (int)up);
	if (reason != NULL)
		json_object_set_new(out, "reason", json_string(reason));
	if (st.present) {
		for (int k = 0; k < 8; k++)
			sprintf(spi + 2 * k, "%02x", st.spi_i[k]);
		spi[16] = '_';
		for (int k = 0; k < 8; k++)
			sprintf(spi + 17 + 2 * k, "%02x", st.spi_r[k]);
		json_object_set_new(out, "ike_sa",
				    json_pack("{s:s, s:s, s:b, s:b}", "spis", spi, "state",
					      st.state_name, "initiator", st.initiator,
					      "udp_encapsulation", st.encap));
		if (st.established_ms) {
			json_t *ike = json_object_get(out, "ike_sa");

			json_object_set_new(ike, "encryption_algorithm",
					    json_string(encr_name(st.encr, st.encr_bits)));
			json_object_set_new(
			    ike, "digest_algorithm",
			    json_string(st.integ ? integ_name(st.integ) : prf_name(st.prf)));
			json_object_set_new(ike, "dh_group", json_string(dh_name(st.dh)));
			json_object_set_new(ike, "established_at", wall_time(s, st.established_ms));
		}
	}
	json_object_set_new(
	    out, "counters",
	    json_pack("{s:I, s:I, s:I, s:I, s:I}", "packets_in", (json_int_t)sum.in_packets,
		      "bytes_in", (json_int_t)sum.in_bytes, "packets_out",
		      (json_int_t)sum.out_packets, "bytes_out", (json_int_t)sum.out_bytes,
		      "errors_in", (json_int_t)sum.in_errors));
	return out;
}

int sessions_status(struct sessions *s, const char *name, json_t **resp, struct sm_error *e)
{
	const char *key;
	json_t *obj, *results;

	if (name != NULL) {
		obj = (json_t *)sm_get(&s->model, SM_SESSION, name);
		if (obj == NULL)
			return not_found(e, SM_SESSION, name);
		*resp = one_status(s, name, obj);
		return 200;
	}
	results = json_array();
	json_object_foreach(json_object_get(s->model.root, "sessions"), key, obj)
	{
		json_array_append_new(results, one_status(s, key, obj));
	}
	*resp = json_pack("{s:o, s:i}", "results", results, "result_count",
			  (int)json_array_size(results));
	return 200;
}

int sessions_statistics(struct sessions *s, const char *name, json_t **resp, struct sm_error *e)
{
	json_t *st, *results, *one;
	int ret = sessions_status(s, name, &st, e);
	size_t i;

	if (ret != 200)
		return ret;
	if (name != NULL) {
		*resp = json_pack("{s:s, s:O, s:O}", "session", name, "counters",
				  json_object_get(st, "counters"), "tunnels_up",
				  json_object_get(st, "tunnels_up"));
		json_decref(st);
		return 200;
	}
	results = json_array();
	json_array_foreach(json_object_get(st, "results"), i, one)
	{
		json_array_append_new(results,
				      json_pack("{s:O, s:O, s:O}", "session",
						json_object_get(one, "session"), "counters",
						json_object_get(one, "counters"), "tunnels_up",
						json_object_get(one, "tunnels_up")));
	}
	json_decref(st);
	*resp = json_pack("{s:o, s:i}", "results", results, "result_count",
			  (int)json_array_size(results));
	return 200;
}

int sessions_peer_config(struct sessions *s, const char *name, const char *format,
			 bool include_secret, char **text, struct sm_error *e)
{
	if (format != NULL && strcmp(format, "swanctl") != 0) {
		e->status = 400;
		snprintf(e->field, sizeof(e->field), "format");
		snprintf(e->message, sizeof(e->message), "format: only \"swanctl\" is available");
		return 400;
	}
	*text = peer_config_swanctl(&s->model, name, include_secret, e);
	if (*text == NULL)
		return e->status;
	if (include_secret && json_object_get(json_object_get(s->model.secrets, "sessions"), name))
		log_info("session %s: peer configuration with the pre-shared key handed out", name);
	return 200;
}
