/* The in-process test bench: several daemon cores, a fake clock, a queue for datagrams. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "harness.h"
#include "log.h"

struct harness *H;

static uint64_t fake_now(void *arg)
{
	(void)arg;
	return H->now;
}

static int fake_send(void *arg, enum espnicd_send_kind kind, const struct sockaddr_storage *local,
		     const struct sockaddr_storage *remote, const uint8_t *msg, size_t len)
{
	struct h_packet *p;

	(void)arg;
	H->sent_total++;
	if (H->drop_all || H->queued == H_MAX_PACKETS || len > sizeof(p->data))
		return 0;
	p = &H->queue[H->queued++];
	p->from = *local;
	p->to = *remote;
	p->keepalive = kind == ESPNICD_SEND_KEEPALIVE;
	p->len = len;
	memcpy(p->data, msg, len);
	return 0;
}

static void capture(enum log_level level, const char *line, void *arg)
{
	(void)arg;
	(void)level;
	if (H->log_count == H_LOG_LINES) {
		/* Keep the newest lines. */
		memmove(H->log[0], H->log[1], (H_LOG_LINES - 1) * sizeof(H->log[0]));
		H->log_count--;
	}
	snprintf(H->log[H->log_count++], sizeof(H->log[0]), "%s", line);
}

int h_parse_addr(const char *text, uint16_t port, struct sockaddr_storage *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)out;

	memset(out, 0, sizeof(*out));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	return inet_pton(AF_INET, text, &sin->sin_addr) == 1 ? 0 : -1;
}

void h_setup(void)
{
	H = calloc(1, sizeof(*H));
	H->queue = calloc(H_MAX_PACKETS, sizeof(*H->queue));
	H->now = 1000000;
	log_setup(LOG_LEVEL_ERROR, false);
	log_set_hook(capture, NULL);
}

void h_teardown(void)
{
	for (unsigned i = 0; i < H->node_count; i++) {
		espnicd_free(H->nodes[i].core);
		dp_close(H->nodes[i].dp);
	}
	log_set_hook(NULL, NULL);
	free(H->queue);
	free(H);
	H = NULL;
}

int h_test_setup(void **state)
{
	(void)state;
	h_setup();
	return 0;
}

int h_test_teardown(void **state)
{
	(void)state;
	h_teardown();
	return 0;
}

/* json (an object body without the closing brace) with a psk_file holding every peer's key
 * "psk", parsed. */
static struct espnicd_config *h_config(const char *json, const char *psk)
{
	char path[] = "/tmp/espnicd-test-psk-XXXXXX", err[256], *text;
	struct espnicd_config *cfg = NULL;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	size_t len;

	fprintf(f, "peer %s\npeer2 %s\n", psk, psk);
	fclose(f);
	len = strlen(json) + strlen(path) + 64;
	text = malloc(len);
	/* The psk_file goes last. */
	snprintf(text, len, "%s, \"psk_file\": \"%s\"}", json, path);
	if (config_parse(text, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "config: %s\n", err);
		abort();
	}
	free(text);
	unlink(path);
	return cfg;
}

int h_node_add(const char *addr, const char *json, const char *psk)
{
	struct espnicd_io io = {.now_ms = fake_now, .send = fake_send};
	struct h_node *n = &H->nodes[H->node_count];
	struct espnicd_config *cfg = h_config(json, psk);

	if (dp_open("record:", &n->dp) < 0 || espnicd_new(cfg, n->dp, &io, &n->core) < 0)
		abort();
	n->addr = addr;
	return (int)H->node_count++;
}

void h_node_reload(int node, const char *json, const char *psk)
{
	espnicd_reload(H->nodes[node].core, h_config(json, psk));
}

void h_node_restart(int node, const char *json, const char *psk)
{
	unsigned count = H->node_count;

	espnicd_free(H->nodes[node].core);
	dp_close(H->nodes[node].dp);
	H->queued = 0;
	H->node_count = (unsigned)node;
	h_node_add(H->nodes[node].addr, json, psk);
	H->node_count = count;
}

static bool same_ip(const struct sockaddr_storage *a, const char *text)
{
	struct sockaddr_storage b;

	h_parse_addr(text, 0, &b);
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((struct sockaddr_in *)&b)->sin_addr.s_addr;
}

/* The NAT in front of node 0 rewrites addresses and ports both ways. */
static void nat_translate(struct h_packet *p)
{
	struct sockaddr_in *from = (struct sockaddr_in *)&p->from,
			   *to = (struct sockaddr_in *)&p->to;

	if (!H->nat)
		return;
	if (same_ip(&p->from, H->nodes[0].addr)) {
		uint16_t port = ntohs(from->sin_port);

		h_parse_addr(H->nat_public, (uint16_t)(port + H->nat_port_offset), &p->from);
	} else if (same_ip(&p->to, H->nat_public)) {
		uint16_t port = ntohs(to->sin_port);

		h_parse_addr(H->nodes[0].addr, (uint16_t)(port - H->nat_port_offset), &p->to);
	}
}

void h_deliver(struct h_packet *p)
{
	struct sockaddr_storage to;

	if (p->keepalive)
		H->keepalives++;
	nat_translate(p);

	for (unsigned i = 0; i < H->node_count; i++) {
		h_parse_addr(H->nodes[i].addr, 0, &to);
		if (((struct sockaddr_in *)&to)->sin_addr.s_addr ==
		    ((struct sockaddr_in *)&p->to)->sin_addr.s_addr) {
			if (!p->keepalive)
				espnicd_receive(H->nodes[i].core, &p->to, &p->from, p->data,
						p->len);
			return;
		}
	}
}

struct h_packet *h_take(void)
{
	static struct h_packet p;

	if (H->queued == 0)
		return NULL;
	p = H->queue[0];
	memmove(H->queue, H->queue + 1, (H->queued - 1) * sizeof(*H->queue));
	H->queued--;
	return &p;
}

void h_pump(void)
{
	struct h_packet *p;

	for (int i = 0; i < 1000 && (p = h_take()) != NULL; i++)
		h_deliver(p);
}

void h_run_until(uint64_t limit)
{
	for (int rounds = 0; rounds < 100000; rounds++) {
		uint64_t next = UINT64_MAX;

		h_pump();
		for (unsigned i = 0; i < H->node_count; i++) {
			uint64_t t = espnicd_next_timer(H->nodes[i].core);

			if (t < next)
				next = t;
		}
		if (next > limit) {
			H->now = limit;
			return;
		}
		if (next > H->now)
			H->now = next;
		for (unsigned i = 0; i < H->node_count; i++)
			espnicd_run_timers(H->nodes[i].core);
	}
}

bool h_log_contains(const char *needle)
{
	return h_log_count(needle) > 0;
}

unsigned h_log_count(const char *needle)
{
	unsigned n = 0;

	for (unsigned i = 0; i < H->log_count; i++)
		n += strstr(H->log[i], needle) != NULL;
	return n;
}

unsigned h_installed(int node)
{
	struct dp_record_stats st;

	dp_record_stats(H->nodes[node].dp, &st);
	return st.installed;
}

unsigned h_reserved(int node)
{
	struct dp_record_stats st;

	dp_record_stats(H->nodes[node].dp, &st);
	return st.reserved;
}
