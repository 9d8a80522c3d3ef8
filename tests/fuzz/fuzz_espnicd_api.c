/* fuzz_espnicd_api.c: libFuzzer target for espnicd's HTTP/JSON API behind the socket: the
 * request bodies and operations of every route of sessions/api_http.c, fed to the session
 * manager (sessions/session_mgr.c) the way the router does, without libmicrohttpd. Per input
 * a fresh empty state directory, a daemon core (recording dataplane) the manager applies its
 * changes to, and a sequence of requests; whatever they hold, each gets a status, an error
 * names why, nothing crashes or leaks.
 *
 * A request: route, name, body length (16 bits, big endian), body (JSON, as the router
 * hands it to json_loadb: fewer octets if the input ends).
 *   route % 5: endpoints, ike-profiles, tunnel-profiles, dpd-profiles, sessions;
 *   route / 5 % 10: POST on the collection, PUT, PATCH, GET, DELETE on the object, GET on the
 *     collection, status, statistics, peer-config of the object (sessions only: of another
 *     kind the router answers 404), status and statistics of all;
 *   name % 8: one of a few names (the router takes only valid names; these are). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "config/config.h"
#include "dataplane/dataplane.h"
#include "fuzz_records.h"
#include "log.h"
#include "sessions/session_mgr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[8] = {"s1",
				     "s2",
				     "ep",
				     "p1",
				     "espnic-default-ike-profile",
				     "espnic-default-tunnel-profile",
				     "espnic-default-dpd-profile",
				     "x.y-z_0"};

static char dir[64];
static struct event_base *evb;

static uint64_t fixed_now(void *arg)
{
	(void)arg;
	return 1000000;
}

static int no_send(void *arg, enum espnicd_send_kind kind, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote, const uint8_t *msg, size_t len)
{
	(void)arg, (void)kind, (void)local, (void)remote, (void)msg, (void)len;
	return 0;
}

static void quiet(enum log_level level, const char *line, void *arg)
{
	(void)level, (void)line, (void)arg;
}

static void after(void *arg)
{
	(void)arg;
}

/* The state directory emptied (the store writes its files and their temporaries there). */
static void empty_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[384];

	if (d == NULL)
		abort();
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static void remove_dir(void)
{
	empty_dir();
	rmdir(dir);
}

static void once(void)
{
	if (evb != NULL)
		return;
	snprintf(dir, sizeof(dir), "/tmp/espnicd-fuzz-api-XXXXXX");
	if (mkdtemp(dir) == NULL || (evb = event_base_new()) == NULL)
		abort();
	atexit(remove_dir);
	log_setup(LOG_LEVEL_ERROR, false);
	log_set_hook(quiet, NULL);
}

/* An error always says why. */
static void check_error(int status, const struct sm_error *e)
{
	if (status >= 400 && e->message[0] == '\0')
		__builtin_trap();
}

static void request(struct sessions *s, uint8_t route, const char *name, const uint8_t *body,
		    size_t len)
{
	static const enum sm_write modes[3] = {SM_CREATE, SM_REPLACE, SM_MERGE};
	enum sm_kind k = (enum sm_kind)(route % 5);
	unsigned op = route / 5 % 10;
	struct sm_error e = {0};
	json_t *resp = NULL, *json;
	char *text = NULL;
	int status = 200;

	switch (op) {
	case 0:
	case 1:
	case 2:
		json = json_loadb(len ? (const char *)body : "", len, JSON_REJECT_DUPLICATES, NULL);
		if (json == NULL)
			return; /* the router's 400 */
		status = sessions_write(s, k, op == 0 ? NULL : name, json, modes[op], &resp, &e);
		json_decref(json);
		break;
	case 3:
		status = sessions_get(s, k, name, &resp, &e);
		break;
	case 4:
		status = sessions_delete(s, k, name, &e);
		break;
	case 5:
		status = sessions_list(s, k, &resp);
		break;
	case 6:
		if (k == SM_SESSION)
			status = sessions_status(s, name, &resp, &e);
		break;
	case 7:
		if (k == SM_SESSION)
			status = sessions_statistics(s, name, &resp, &e);
		break;
	case 8:
		if (k == SM_SESSION)
			status = sessions_peer_config(s, name, len ? "swanctl" : NULL, &text, &e);
		break;
	default:
		status = k % 2 ? sessions_status(s, NULL, &resp, &e)
			       : sessions_statistics(s, NULL, &resp, &e);
		break;
	}
	check_error(status, &e);
	if (resp != NULL) {
		char *dump = json_dumps(resp, JSON_COMPACT); /* what the router sends */

		free(dump);
		json_decref(resp);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct espnicd_io io = {.now_ms = fixed_now, .send = no_send};
	struct espnicd_config *base = NULL, *merged = NULL;
	struct sessions *s = NULL;
	struct espnicd *core = NULL;
	struct dp *dp = NULL;
	struct sm_error e = {0};
	struct fuzz_record r;
	size_t off = 0;
	char err[256];

	once();
	empty_dir();
	if (config_parse("{\"listen\": \"198.18.0.1\"}", &base, err, sizeof(err)) < 0 ||
	    sessions_open(dir, &s, err, sizeof(err)) < 0 ||
	    sessions_merge(s, base, &merged, &e) < 0 || dp_open("record:", &dp) < 0 ||
	    espnicd_new(merged, dp, &io, &core) < 0) {
		fprintf(stderr, "fuzz_espnicd_api: the bench did not set up\n");
		abort();
	}
	sessions_attach(s, core, dp, evb, base, after, NULL);
	while (fuzz_record_next(data, size, &off, &r))
		request(s, r.op, names[r.arg % 8], r.body, r.len);
	sessions_free(s);
	espnicd_free(core);
	dp_close(dp);
	config_free(base);
	return 0;
}
