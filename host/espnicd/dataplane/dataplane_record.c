/* The recording dataplane backend: remembers installed CHILD_SA pairs and appends every
 * install and delete as one JSON line to a file (mode 0600: the lines hold keys, like the
 * card's SA table would). It carries no traffic: its inbound counters are zero unless a test
 * sets them (dp_record_count_inbound). Tests read the file to compare SPIs and keys with the
 * peer's. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "dataplane_backend.h"

#define MAX_SAS	   4096 /* many tunnels between two gateways (tests/espnicd/test_many_tunnels.py) */
#define MAX_EVENTS 64

#define MAX_TRAPS 64

struct dp_rec {
	struct dp base;
	int fd; /* record file, -1 for memory only */
	int event_pipe[2];
	struct dp_child_sa sas[MAX_SAS];
	bool used[MAX_SAS];
	uint32_t reserved[MAX_SAS];	      /* allocated, not yet installed */
	struct dp_counters counters[MAX_SAS]; /* what tests say arrived (dp_record_count_inbound) */
	struct dp_event events[MAX_EVENTS];
	unsigned event_count;
	struct dp_record_stats stats;
	uint32_t traps[MAX_TRAPS]; /* reqids, 0 = free */
};

static const struct dp_ops record_ops;

static struct dp_rec *rec(struct dp *dp)
{
	return (struct dp_rec *)dp;
}

int dp_record_open(const char *path, struct dp **out)
{
	struct dp_rec *dp;

	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return -ENOMEM;
	dp->base.ops = &record_ops;
	dp->fd = -1;
	if (path[0] != '\0') {
		dp->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (dp->fd < 0) {
			int err = -errno;

			free(dp);
			return err;
		}
		if (fchmod(dp->fd, 0600) < 0) {
			int err = -errno;

			close(dp->fd);
			free(dp);
			return err;
		}
	}
	if (pipe2(dp->event_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		int err = -errno;

		if (dp->fd >= 0)
			close(dp->fd);
		free(dp);
		return err;
	}
	*out = &dp->base;
	return 0;
}

static void rec_close(struct dp *d)
{
	struct dp_rec *dp = rec(d);

	if (dp->fd >= 0)
		close(dp->fd);
	close(dp->event_pipe[0]);
	close(dp->event_pipe[1]);
	OPENSSL_cleanse(dp, sizeof(*dp));
	free(dp);
}

static int find(const struct dp_rec *dp, uint32_t spi_in)
{
	for (int i = 0; i < MAX_SAS; i++)
		if (dp->used[i] && dp->sas[i].in.spi == spi_in)
			return i;
	return -1;
}

static bool spi_taken(const struct dp_rec *dp, uint32_t spi)
{
	for (int i = 0; i < MAX_SAS; i++)
		if (dp->reserved[i] == spi || (dp->used[i] && dp->sas[i].in.spi == spi))
			return true;
	return false;
}

static int rec_alloc_spi(struct dp *d, uint32_t *spi)
{
	struct dp_rec *dp = rec(d);

	for (int tries = 0; tries < 64; tries++) {
		uint32_t v;

		if (RAND_bytes((uint8_t *)&v, sizeof(v)) != 1)
			return -EIO;
		/* The card indexes its SA table by the low bits; any value >= 256 is legal. */
		if (v < 256 || spi_taken(dp, v))
			continue;
		for (int i = 0; i < MAX_SAS; i++) {
			if (dp->reserved[i] == 0) {
				dp->reserved[i] = v;
				*spi = v;
				return 0;
			}
		}
		return -ENOSPC;
	}
	return -EAGAIN;
}

static void release(struct dp_rec *dp, uint32_t spi)
{
	for (int i = 0; i < MAX_SAS; i++)
		if (dp->reserved[i] == spi)
			dp->reserved[i] = 0;
}

static char *hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

static json_t *addr_json(const struct sockaddr_storage *ss)
{
	char buf[INET6_ADDRSTRLEN] = "";

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, sizeof(buf));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
			  sizeof(buf));
	return json_string(buf);
}

static json_t *selectors_json(const struct dp_selector *s, unsigned n)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

		inet_ntop(s[i].family, s[i].start_addr, a, sizeof(a));
		inet_ntop(s[i].family, s[i].end_addr, b, sizeof(b));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:i, s:i}", "start", a, "end",
						     b, "protocol", s[i].ip_protocol, "start_port",
						     s[i].start_port, "end_port", s[i].end_port));
	}
	return arr;
}

static json_t *dir_json(const struct dp_child_sa *sa, const struct dp_sa_dir *d)
{
	char spi[9], key[2 * DP_MAX_KEY + 1], salt[2 * DP_MAX_SALT + 1];
	char integ[2 * DP_MAX_INTEG_KEY + 1];

	snprintf(spi, sizeof(spi), "%08x", d->spi);
	return json_pack("{s:s, s:s, s:s, s:s}", "spi", spi, "key", hex(d->key, sa->key_len, key),
			 "salt", hex(d->salt, sa->salt_len, salt), "integ_key",
			 hex(d->integ_key, sa->integ_key_len, integ));
}

static void record(struct dp_rec *dp, json_t *obj)
{
	char *line;

	if (dp->fd < 0 || obj == NULL) {
		json_decref(obj);
		return;
	}
	line = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(obj);
	if (line == NULL)
		return;
	size_t len = strlen(line);
	line[len] = '\n'; /* overwrite the terminator, written with the explicit length below */
	if (write(dp->fd, line, len + 1) < 0) {
		/* A test backend: a lost record shows up as a test failure. */
	}
	OPENSSL_cleanse(line, len + 1);
	free(line);
}

static void rec_release_spi(struct dp *d, uint32_t spi)
{
	release(rec(d), spi);
}

static int rec_install(struct dp *d, const struct dp_child_sa *sa)
{
	struct dp_rec *dp = rec(d);
	int slot = -1;

	if (sa == NULL || sa->in.spi == 0 || sa->out.spi == 0 || sa->key_len > DP_MAX_KEY ||
	    sa->salt_len > DP_MAX_SALT || sa->integ_key_len > DP_MAX_INTEG_KEY ||
	    sa->local_ts_count > DP_MAX_SELECTORS || sa->remote_ts_count > DP_MAX_SELECTORS)
		return -EINVAL;
	if (find(dp, sa->in.spi) >= 0)
		return -EEXIST;
	for (int i = 0; i < MAX_SAS; i++) {
		if (!dp->used[i]) {
			slot = i;
			break;
		}
	}
	if (slot < 0)
		return -ENOSPC;
	release(dp, sa->in.spi);
	dp->sas[slot] = *sa;
	dp->used[slot] = true;
	memset(&dp->counters[slot], 0, sizeof(dp->counters[slot]));
	dp->stats.installs++;
	dp->stats.installed++;
	record(dp, json_pack("{s:s, s:i, s:s, s:i, s:i, s:i, s:b, s:o, s:o, s:o, s:o, s:[i,i], "
			     "s:o, s:o, s:b}",
			     "op", "install", "reqid", sa->reqid, "mode",
			     sa->mode == DP_MODE_TUNNEL ? "tunnel" : "transport", "encr",
			     sa->encr_id, "key_bits", sa->key_bits, "integ", sa->integ_id, "esn",
			     sa->esn, "in", dir_json(sa, &sa->in), "out", dir_json(sa, &sa->out),
			     "local", addr_json(&sa->local), "remote", addr_json(&sa->remote),
			     "encap", sa->encap_local_port, sa->encap_remote_port, "local_ts",
			     selectors_json(sa->local_ts, sa->local_ts_count), "remote_ts",
			     selectors_json(sa->remote_ts, sa->remote_ts_count), "out_later",
			     sa->out_later));
	return 0;
}

static int rec_delete(struct dp *d, uint32_t spi_in)
{
	struct dp_rec *dp = rec(d);
	int i = find(dp, spi_in);
	char spi[9], spi_out[9];

	if (i < 0)
		return -ENOENT;
	snprintf(spi, sizeof(spi), "%08x", spi_in);
	snprintf(spi_out, sizeof(spi_out), "%08x", dp->sas[i].out.spi);
	record(dp, json_pack("{s:s, s:s, s:s, s:i}", "op", "delete", "spi_in", spi, "spi_out",
			     spi_out, "reqid", dp->sas[i].reqid));
	OPENSSL_cleanse(&dp->sas[i], sizeof(dp->sas[i]));
	dp->used[i] = false;
	dp->stats.deletes++;
	dp->stats.installed--;
	return 0;
}

static int rec_switch_out(struct dp *d, uint32_t spi_in)
{
	struct dp_rec *dp = rec(d);
	int i = find(dp, spi_in);
	char spi[9];

	if (i < 0)
		return -ENOENT;
	if (!dp->sas[i].out_later)
		return 0;
	dp->sas[i].out_later = false;
	snprintf(spi, sizeof(spi), "%08x", spi_in);
	record(dp, json_pack("{s:s, s:s, s:i}", "op", "switch_out", "spi_in", spi, "reqid",
			     dp->sas[i].reqid));
	return 0;
}

static int rec_read_counters(struct dp *d, uint32_t spi_in, struct dp_counters *c)
{
	int i = find(rec(d), spi_in);

	if (i < 0)
		return -ENOENT;
	*c = rec(d)->counters[i]; /* nothing flows through a recording but what tests add */
	return 0;
}

static int rec_event_fd(struct dp *d)
{
	return rec(d)->event_pipe[0];
}

static int rec_next_event(struct dp *d, struct dp_event *ev)
{
	struct dp_rec *dp = rec(d);
	uint8_t drain[16];

	if (dp->event_count == 0) {
		while (read(dp->event_pipe[0], drain, sizeof(drain)) > 0)
			;
		return 0;
	}
	*ev = dp->events[0];
	memmove(dp->events, dp->events + 1, --dp->event_count * sizeof(dp->events[0]));
	return 1;
}

static int rec_set_ike_bypass(struct dp *d, const struct sockaddr_storage *addrs, unsigned n,
			      uint16_t port, uint16_t natt_port)
{
	(void)d;
	(void)addrs;
	(void)n;
	(void)port;
	(void)natt_port;
	return 0; /* nothing flows through a recording */
}

static int rec_trap_install(struct dp *d, const struct dp_trap *trap)
{
	struct dp_rec *dp = rec(d);
	int slot = -1;

	if (trap->reqid == 0)
		return -EINVAL;
	for (int i = 0; i < MAX_TRAPS; i++) {
		if (dp->traps[i] == trap->reqid)
			return -EEXIST;
		if (dp->traps[i] == 0 && slot < 0)
			slot = i;
	}
	if (slot < 0)
		return -ENOSPC;
	dp->traps[slot] = trap->reqid;
	record(dp, json_pack("{s:s, s:i, s:o, s:o}", "op", "trap", "reqid", trap->reqid, "local_ts",
			     selectors_json(trap->local_ts, trap->local_ts_count), "remote_ts",
			     selectors_json(trap->remote_ts, trap->remote_ts_count)));
	return 0;
}

static int rec_trap_rearm(struct dp *d, uint32_t reqid)
{
	struct dp_rec *dp = rec(d);

	for (int i = 0; i < MAX_TRAPS; i++) {
		if (reqid != 0 && dp->traps[i] == reqid) {
			dp->stats.rearms++; /* nothing latches in a recording: only counted */
			return 0;
		}
	}
	return -ENOENT;
}

static int rec_trap_remove(struct dp *d, uint32_t reqid)
{
	struct dp_rec *dp = rec(d);

	for (int i = 0; i < MAX_TRAPS; i++) {
		if (reqid != 0 && dp->traps[i] == reqid) {
			dp->traps[i] = 0;
			record(dp, json_pack("{s:s, s:i}", "op", "untrap", "reqid", reqid));
			return 0;
		}
	}
	return -ENOENT;
}

static const struct dp_ops record_ops = {
    .kind = "record",
    .close = rec_close,
    .alloc_spi = rec_alloc_spi,
    .release_spi = rec_release_spi,
    .install = rec_install,
    .delete = rec_delete,
    .read_counters = rec_read_counters,
    .event_fd = rec_event_fd,
    .next_event = rec_next_event,
    .set_ike_bypass = rec_set_ike_bypass,
    .switch_out = rec_switch_out,
    .trap_install = rec_trap_install,
    .trap_remove = rec_trap_remove,
    .trap_rearm = rec_trap_rearm,
};

int dp_record_stats(struct dp *d, struct dp_record_stats *st)
{
	if (d->ops != &record_ops)
		return -EOPNOTSUPP;
	*st = rec(d)->stats;
	st->reserved = 0;
	for (int i = 0; i < MAX_SAS; i++)
		st->reserved += rec(d)->reserved[i] != 0;
	return 0;
}

const struct dp_child_sa *dp_record_find(struct dp *d, uint32_t spi_in)
{
	int i;

	if (d->ops != &record_ops)
		return NULL;
	i = find(rec(d), spi_in);
	return i < 0 ? NULL : &rec(d)->sas[i];
}

int dp_record_count_inbound(struct dp *d, uint32_t spi_in, uint64_t packets, uint64_t now_ms)
{
	int i;

	if (d->ops != &record_ops)
		return -EOPNOTSUPP;
	if ((i = find(rec(d), spi_in)) < 0)
		return -ENOENT;
	rec(d)->counters[i].in_packets += packets;
	rec(d)->counters[i].last_in_ms = now_ms;
	return 0;
}

int dp_record_traps(struct dp *d, uint32_t *reqids, unsigned max)
{
	unsigned n = 0;

	if (d->ops != &record_ops)
		return -EOPNOTSUPP;
	for (int i = 0; i < MAX_TRAPS; i++)
		if (rec(d)->traps[i] != 0 && n++ < max)
			reqids[n - 1] = rec(d)->traps[i];
	return (int)n;
}

int dp_record_inject_event(struct dp *d, const struct dp_event *ev)
{
	struct dp_rec *dp;

	if (d->ops != &record_ops)
		return -EOPNOTSUPP;
	dp = rec(d);
	if (dp->event_count == MAX_EVENTS)
		return -ENOSPC;
	dp->events[dp->event_count++] = *ev;
	if (write(dp->event_pipe[1], "e", 1) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}
