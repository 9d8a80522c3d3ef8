/* Session management at run time: every change is checked on a copy of the model, turned
 * into a complete core configuration, saved, and only then swapped in and applied. Applying
 * is espnicd_reload (the SIGHUP path) with one twist: a session whose peer changed is first
 * reloaded away (its IKE_SA is deleted) and then back (initiated anew), so the change takes
 * effect now and no other session is touched. The supervisor is session_supervisor.c,
 * status and statistics session_status.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "core_status.h"
#include "log.h"
#include "secmem.h"
#include "peer_config.h"
#include "session_mgr_internal.h"
#include "bgp_frr.h"
#include "tunnel_if.h"
#include "session_store.h"

/* A copy of cfg holding its own references to the peers' credentials, with room for
 * extra more peers after its own (the peers are a flexible array member). */
static struct espnicd_config *config_dup(const struct espnicd_config *cfg, size_t extra)
{
	struct espnicd_config *c =
	    secmem_zalloc(sizeof(*c) + (cfg->peer_count + extra) * sizeof(struct cfg_peer));

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
	s->events = json_array();
	*out = s;
	return 0;
}

void sessions_free(struct sessions *s)
{
	if (s == NULL)
		return;
	if (s->tick != NULL)
		event_free(s->tick);
	bgp_frr_close(s);
	tunnel_if_close(s);
	sm_model_free(&s->model);
	config_free(s->base);
	json_decref(s->track);
	json_decref(s->events);
	cache_clear(s->cache, &s->cache_count);
	free(s);
}

/* A session's ESP proposals narrowed to what the dataplane carries: a tunnel profile with
 * none of them is refused here rather than negotiated and then refused at install. */
static int carried(const struct dp *dp, const char *name, const json_t *session,
		   struct cfg_peer *peer, struct sm_error *e)
{
	const char *profile = json_string_value(json_object_get(session, "tunnel_profile"));
	char why[144];

	if (espnicd_esp_carried(peer, dp, why, sizeof(why)) >= 0)
		return 0;
	e->status = 400;
	snprintf(e->field, sizeof(e->field), "tunnel_profile");
	snprintf(e->message, sizeof(e->message), "session \"%.40s\", tunnel_profile \"%.40s\": %s",
		 name, profile != NULL ? profile : "", why);
	return -EINVAL;
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
		if (sm_session_peer(m, name, base, peer, e) < 0 ||
		    (s->dp != NULL && carried(s->dp, name, obj, peer, e) < 0)) {
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

void sessions_attach(struct sessions *s, struct espnicd *core, struct dp *dp,
		     struct event_base *evb, const struct espnicd_config *base,
		     void (*after)(void *), void *after_arg)
{
	s->core = core;
	s->dp = dp;
	s->after = after;
	s->after_arg = after_arg;
	s->base = config_dup(base, 0);
	tunnel_if_sync(s);
	bgp_frr_sync(s);
	supervisor_start(s, evb);
}

/* Takes ownership of next. */
static void apply(struct sessions *s, struct espnicd_config *next)
{
	const struct espnicd_config *cur = espnicd_config(s->core);
	struct espnicd_config *without = NULL;
	uint64_t now = espnicd_now_ms(s->core);

	for (unsigned i = 0; i < next->peer_count; i++) {
		const struct cfg_peer *old = config_find_peer(cur, next->peers[i].name);

		/* A new or changed session: a fresh start for the supervisor too. */
		if (old == NULL || !config_peer_equal(old, &next->peers[i]))
			supervisor_reset(s, next->peers[i].name, now);
		if (old == NULL || config_peer_equal(old, &next->peers[i]))
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
	tunnel_if_sync(s);
	bgp_frr_sync(s);
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

int sessions_not_found(struct sm_error *e, enum sm_kind k, const char *name)
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
		return sessions_not_found(e, k, name);
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
	sessions_event(s, k == SM_SESSION ? stored : NULL, "%s %s %s", sm_kind_noun(k), stored,
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
	sessions_event(s, k == SM_SESSION ? name : NULL, "%s %s deleted", sm_kind_noun(k), name);
	return 204;
}

int sessions_peer_config(struct sessions *s, const char *name, const char *format, char **text,
			 struct sm_error *e)
{
	if (format != NULL && strcmp(format, "swanctl") != 0) {
		e->status = 400;
		snprintf(e->field, sizeof(e->field), "format");
		snprintf(e->message, sizeof(e->message), "format: only \"swanctl\" is available");
		return 400;
	}
	*text = peer_config_swanctl(&s->model, name, e);
	return *text == NULL ? e->status : 200;
}
