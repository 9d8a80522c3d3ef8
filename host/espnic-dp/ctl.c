/* espnic-dp: the control interface, a UNIX stream socket that takes one JSON
 * object per line and answers one per line (docs/espnic-dp.md lists the
 * commands). Served by the data lcore between bursts. Keys are never echoed
 * or logged; the JSON text holding them is wiped after parsing. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_string_fns.h>

#include "dp.h"

#define CTL_MAX_CLIENTS 8
#define CTL_LINE	4096

struct client {
	int fd;
	size_t len;
	char buf[CTL_LINE];
	char *out; /* the reply not yet written (a client that reads slowly) */
	size_t out_len, out_off;
};
static struct client clients[CTL_MAX_CLIENTS] = {{.fd = -1}, {.fd = -1}, {.fd = -1}, {.fd = -1},
						 {.fd = -1}, {.fd = -1}, {.fd = -1}, {.fd = -1}};

int dp_ctl_open(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static char *reply_err(const char *msg)
{
	json_t *r = json_pack("{s:b,s:s}", "ok", 0, "error", msg);
	char *s = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	return s;
}

static char *reply_ok(void)
{
	return strdup("{\"ok\":true}");
}

static int parse_prefix(const char *s, uint32_t *addr, uint8_t *len)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if (slash) {
		char *end;
		buf[slash - s] = 0;
		long l = strtol(slash + 1, &end, 10);
		if (*end || l < 0 || l > 32 || slash[1] == 0)
			return -1;
		*len = (uint8_t)l;
	} else {
		*len = 32;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*addr = ntohl(a.s_addr);
	if (*len < 32)
		*addr &= ~(UINT32_MAX >> *len);
	return 0;
}

static int parse_ip(json_t *o, const char *key, uint8_t out[4])
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && inet_pton(AF_INET, s, out) == 1 ? 0 : -1;
}

static int parse_hex(const char *s, uint8_t *out, size_t want)
{
	if (!s || strlen(s) != 2 * want)
		return -1;
	for (size_t i = 0; i < want; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static char *cmd_route_add(struct dp_ctx *c, json_t *o)
{
	uint32_t pfx;
	uint8_t len;
	struct dp_nexthop nh = {0};
	const char *p = json_string_value(json_object_get(o, "prefix"));
	if (!p || parse_prefix(p, &pfx, &len))
		return reply_err("prefix: expected a.b.c.d/len");
	if (json_object_get(o, "local")) {
		nh.type = DP_NH_LOCAL;
	} else if (json_object_get(o, "sa")) {
		json_int_t spi = json_integer_value(json_object_get(o, "sa"));
		int i = dp_sa_find(c, false, (uint32_t)spi);
		if (i < 0)
			return reply_err("sa: no outbound SA with this SPI");
		nh.type = DP_NH_SA;
		nh.sa = (uint32_t)i;
	} else {
		json_t *port = json_object_get(o, "port");
		const char *mac = json_string_value(json_object_get(o, "mac"));
		if (!json_is_integer(port) || json_integer_value(port) < 0 ||
		    json_integer_value(port) >= DP_MAX_PORTS ||
		    !c->ports[json_integer_value(port)].used ||
		    c->ports[json_integer_value(port)].is_exc)
			return reply_err("port: not a forwarding port");
		if (!mac || rte_ether_unformat_addr(mac, &nh.mac) != 0)
			return reply_err("mac: expected xx:xx:xx:xx:xx:xx");
		nh.type = DP_NH_PORT;
		nh.port = (uint16_t)json_integer_value(port);
	}
	if (dp_route_add(c, pfx, len, &nh) != 0)
		return reply_err("route table full");
	return reply_ok();
}

static char *cmd_route_del(struct dp_ctx *c, json_t *o)
{
	uint32_t pfx;
	uint8_t len;
	const char *p = json_string_value(json_object_get(o, "prefix"));
	if (!p || parse_prefix(p, &pfx, &len))
		return reply_err("prefix: expected a.b.c.d/len");
	if (dp_route_del(c, pfx, len) != 0)
		return reply_err("no such route");
	return reply_ok();
}

static char *cmd_sa_add(struct dp_ctx *c, json_t *o)
{
	struct espnic_sa sa = {0};
	const char *dir = json_string_value(json_object_get(o, "dir"));
	const char *alg = json_string_value(json_object_get(o, "alg"));
	json_t *spi = json_object_get(o, "spi");
	size_t klen;
	char *r;

	sa.tunnel = true;
	if (!dir || (strcmp(dir, "in") && strcmp(dir, "out")))
		return reply_err("dir: in or out");
	sa.inbound = !strcmp(dir, "in");
	if (!json_is_integer(spi) || json_integer_value(spi) < 256 ||
	    json_integer_value(spi) > UINT32_MAX)
		return reply_err("spi: an integer from 256");
	sa.spi = (uint32_t)json_integer_value(spi);
	if (alg && !strcmp(alg, "aes-gcm-128")) {
		sa.alg = ESPNIC_ALG_AES_GCM_128;
		klen = 16;
	} else if (alg && !strcmp(alg, "aes-gcm-256")) {
		sa.alg = ESPNIC_ALG_AES_GCM_256;
		klen = 32;
	} else {
		return reply_err("alg: aes-gcm-128 or aes-gcm-256");
	}
	if (parse_ip(o, "local", sa.local) || parse_ip(o, "remote", sa.remote))
		return reply_err("local, remote: IPv4 addresses");
	static const char *const sel_names[2] = {"inner_src", "inner_dst"};
	struct espnic_prefix *sel[2] = {&sa.sel_src, &sa.sel_dst};
	for (unsigned k = 0; k < 2; k++) {
		const char *ps = json_string_value(json_object_get(o, sel_names[k]));
		uint32_t a;
		if (!ps)
			continue;
		if (!sa.inbound || parse_prefix(ps, &a, &sel[k]->len))
			return reply_err("inner_src, inner_dst: a.b.c.d/len, inbound SAs");
		a = htonl(a);
		memcpy(sel[k]->addr, &a, 4);
	}
	json_t *rw = json_object_get(o, "replay_window");
	if (rw) {
		if (!json_is_integer(rw) || json_integer_value(rw) < 1 ||
		    json_integer_value(rw) > 4096)
			return reply_err("replay_window: 1..4096");
		sa.replay_window = (uint16_t)json_integer_value(rw);
	}
	if (parse_hex(json_string_value(json_object_get(o, "key")), sa.key, klen) ||
	    parse_hex(json_string_value(json_object_get(o, "salt")), sa.salt, 4)) {
		r = reply_err("key, salt: hex, 16 or 32 and 4 bytes");
		goto out;
	}
	int rc = dp_sa_add(c, &sa); /* wipes sa.key and sa.salt */
	if (rc == -EEXIST)
		r = reply_err("SA exists");
	else if (rc == -ENOSPC)
		r = reply_err("SA table full");
	else if (rc < 0)
		r = reply_err("SA refused (tunnel mode AES-GCM only, no ESN or UDP encapsulation)");
	else
		r = reply_ok();
out:
	explicit_bzero(&sa, sizeof(sa));
	return r;
}

static char *cmd_sa_del(struct dp_ctx *c, json_t *o)
{
	const char *dir = json_string_value(json_object_get(o, "dir"));
	json_t *spi = json_object_get(o, "spi");
	if (!dir || (strcmp(dir, "in") && strcmp(dir, "out")) || !json_is_integer(spi))
		return reply_err("dir (in, out) and spi needed");
	if (dp_sa_del(c, !strcmp(dir, "in"), (uint32_t)json_integer_value(spi)) != 0)
		return reply_err("no such SA");
	return reply_ok();
}

/* Wipes the values of "key" and "salt" in a JSON text in place. */
static void wipe_secrets(char *line)
{
	static const char *const names[] = {"\"key\"", "\"salt\""};
	for (unsigned i = 0; i < 2; i++) {
		for (char *p = strstr(line, names[i]); p; p = strstr(p + 1, names[i])) {
			char *q = strchr(p + strlen(names[i]), '"');
			if (!q)
				break;
			for (q++; *q && *q != '"'; q++)
				*q = 'x';
		}
	}
}

char *dp_ctl_handle(struct dp_ctx *c, const char *line)
{
	json_error_t err;
	json_t *o = json_loads(line, 0, &err);
	char *r;
	if (!json_is_object(o)) {
		json_decref(o);
		return reply_err("expected a JSON object");
	}
	const char *cmd = json_string_value(json_object_get(o, "cmd"));
	if (!cmd)
		r = reply_err("cmd missing");
	else if (!strcmp(cmd, "route_add"))
		r = cmd_route_add(c, o);
	else if (!strcmp(cmd, "route_del"))
		r = cmd_route_del(c, o);
	else if (!strcmp(cmd, "sa_add"))
		r = cmd_sa_add(c, o);
	else if (!strcmp(cmd, "sa_del"))
		r = cmd_sa_del(c, o);
	else if (!strcmp(cmd, "stats"))
		r = dp_stats_json(c);
	else
		r = reply_err("unknown cmd");
	/* jansson's copies of the key strings: overwrite before freeing. */
	json_t *k = json_object_get(o, "key");
	if (json_is_string(k))
		explicit_bzero((void *)(uintptr_t)json_string_value(k), json_string_length(k));
	k = json_object_get(o, "salt");
	if (json_is_string(k))
		explicit_bzero((void *)(uintptr_t)json_string_value(k), json_string_length(k));
	json_decref(o);
	return r;
}

static void client_close(struct client *cl)
{
	close(cl->fd);
	explicit_bzero(cl->buf, sizeof(cl->buf));
	free(cl->out);
	cl->out = NULL;
	cl->out_len = cl->out_off = 0;
	cl->fd = -1;
	cl->len = 0;
}

/* Writes what is left of the client's reply, as much as the socket takes: 0 when it is all
 * out (or some is left for the next poll), -1 when the client is gone. */
static int client_flush(struct client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = write(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		cl->out_off += (size_t)n;
	}
	free(cl->out);
	cl->out = NULL;
	cl->out_len = cl->out_off = 0;
	return 0;
}

/* Answers the complete lines in the client's buffer, one at a time: a line waits until the
 * previous reply is out (the client reads before it is answered again). */
static int client_lines(struct dp_ctx *c, struct client *cl)
{
	char *nl;
	while (cl->out == NULL && (nl = strchr(cl->buf, '\n')) != NULL) {
		*nl = 0;
		char *r = dp_ctl_handle(c, cl->buf);
		wipe_secrets(cl->buf);
		size_t used = (size_t)(nl + 1 - cl->buf);
		memmove(cl->buf, nl + 1, cl->len - used + 1);
		explicit_bzero(cl->buf + cl->len - used, used);
		cl->len -= used;
		if (r) {
			size_t rl = strlen(r);
			r[rl] = '\n'; /* over the terminating NUL: a line, not a string */
			cl->out = r;
			cl->out_len = rl + 1;
			cl->out_off = 0;
			if (client_flush(cl) < 0)
				return -1;
		}
	}
	return 0;
}

static void client_read(struct dp_ctx *c, struct client *cl)
{
	if (client_flush(cl) < 0 || client_lines(c, cl) < 0) {
		client_close(cl);
		return;
	}
	if (cl->out != NULL)
		return;
	ssize_t n = read(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - 1 - cl->len);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_close(cl);
		return;
	}
	if (n < 0)
		return;
	cl->len += (size_t)n;
	cl->buf[cl->len] = 0;
	if (client_lines(c, cl) < 0)
		client_close(cl);
	else if (cl->len >= sizeof(cl->buf) - 1 && strchr(cl->buf, '\n') == NULL)
		client_close(cl); /* line too long */
}

void dp_ctl_poll(struct dp_ctx *c, int lfd)
{
	int fd = accept(lfd, NULL, NULL);
	if (fd >= 0 &&
	    (fcntl(fd, F_SETFL, O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0) {
		unsigned i;
		for (i = 0; i < CTL_MAX_CLIENTS && clients[i].fd >= 0; i++)
			;
		if (i == CTL_MAX_CLIENTS)
			close(fd);
		else
			clients[i].fd = fd;
	}
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			client_read(c, &clients[i]);
}
