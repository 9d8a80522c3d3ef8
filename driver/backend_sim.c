/* backend_sim.c: libespnic over the MMIO socket of a running simulated card
 * (espnic_simproto.h). Writes are posted and sent in batches; a read sends
 * the batch with the read last and waits for its value, so an SA install
 * (a descriptor of 64 writes, the command, the status poll) costs a few
 * round trips. Reads have no side effects on this card (events are popped
 * by a write), so, as on a prefetchable BAR, a run of sequential reads
 * (READBACK, counters) fetches the next words in the same round trip; any
 * write or clock step drops what was fetched. A second connection,
 * subscribed to events, is the event fd. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend.h"
#include "espnic_simproto.h"

#define REPLY_TIMEOUT_MS 5000
#define IDLE_STEP	 64 /* cycles the card runs while the driver waits */
#define PREFETCH	 16 /* words fetched at once by a sequential read */

struct sim_conn {
	int fd, ev_fd;
	int lock_fd; /* PATH.lock, opened at the first command; -1 before */
	uint32_t seq;
	uint32_t n_ops;
	uint32_t last_read;
	uint32_t cache_base, cache_n;
	uint32_t cache[PREFETCH];
	int failed; /* negative errno of the first transport failure */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char msg[160];
	struct {
		struct espnic_sim_hdr h;
		struct espnic_sim_op ops[ESPNIC_SIM_MAX_OPS];
	} req;
};

static void fail(struct sim_conn *c, int err, const char *what)
{
	if (c->failed)
		return;
	c->failed = -err;
	snprintf(c->msg, sizeof(c->msg), "%s: %s: %s", c->path, what, strerror(err));
}

static int connect_to(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Send the batch; with want_reply, wait for the response and copy its values. */
static int send_batch(struct sim_conn *c, bool ack, uint32_t *vals, uint32_t nvals)
{
	if (c->failed) {
		c->n_ops = 0;
		return c->failed;
	}
	c->req.h.magic = ESPNIC_SIM_MAGIC;
	c->req.h.type = ESPNIC_SIM_REQUEST;
	c->req.h.flags = ack ? ESPNIC_SIM_FLAG_ACK : 0;
	c->req.h.seq = ++c->seq;
	c->req.h.n = c->n_ops;
	size_t len = sizeof(c->req.h) + c->n_ops * sizeof(struct espnic_sim_op);
	c->n_ops = 0;
	if (send(c->fd, &c->req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fail(c, errno ? errno : EIO, "send");
		return c->failed;
	}
	if (!ack && !nvals)
		return 0;
	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = poll(&p, 1, REPLY_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fail(c, r == 0 ? ETIMEDOUT : errno, "no answer from the card");
			return c->failed;
		}
		uint8_t buf[sizeof(struct espnic_sim_hdr) + ESPNIC_SIM_MAX_OPS * 4];
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			fail(c, n == 0 ? ECONNRESET : errno, "card went away");
			return c->failed;
		}
		struct espnic_sim_hdr h;
		if ((size_t)n < sizeof(h))
			continue;
		memcpy(&h, buf, sizeof(h));
		if (h.type != ESPNIC_SIM_RESPONSE || h.seq != c->seq)
			continue;
		if (h.n != nvals || (size_t)n != sizeof(h) + 4 * nvals) {
			fail(c, EPROTO, "malformed answer");
			return c->failed;
		}
		if (nvals)
			memcpy(vals, buf + sizeof(h), 4 * nvals);
		return 0;
	}
}

static void add_op(struct sim_conn *c, uint32_t op, uint32_t offset, uint32_t value)
{
	c->cache_n = 0;
	if (c->n_ops + PREFETCH >= ESPNIC_SIM_MAX_OPS)
		send_batch(c, false, NULL, 0);
	c->req.ops[c->n_ops++] = (struct espnic_sim_op){op, offset, value};
}

static uint32_t sim_read32(void *ctx, uint32_t offset)
{
	struct sim_conn *c = ctx;
	uint32_t n = 1;
	bool next = offset == c->last_read + 4;
	c->last_read = offset;
	/* Only the next word of a sequential run comes from what was fetched;
	 * reading a register again always asks the card. */
	if (next && c->cache_n && offset > c->cache_base &&
	    (offset - c->cache_base) / 4 < c->cache_n)
		return c->cache[(offset - c->cache_base) / 4];
	if (next && offset <= UINT32_MAX - 4 * PREFETCH)
		n = PREFETCH;
	add_op(c, ESPNIC_SIM_OP_READ, offset, 0);
	for (uint32_t i = 1; i < n; i++)
		c->req.ops[c->n_ops++] =
		    (struct espnic_sim_op){ESPNIC_SIM_OP_READ, offset + 4 * i, 0};
	for (uint32_t i = 0; i < n; i++)
		c->cache[i] = 0xffffffffu; /* what a read of a dead device returns */
	if (send_batch(c, false, c->cache, n) == 0) {
		c->cache_base = offset;
		c->cache_n = n;
	}
	return c->cache[0];
}

static void sim_write32(void *ctx, uint32_t offset, uint32_t value)
{
	add_op(ctx, ESPNIC_SIM_OP_WRITE, offset, value);
}

static void sim_idle(void *ctx)
{
	add_op(ctx, ESPNIC_SIM_OP_STEP, 0, IDLE_STEP);
}

static void sim_flush(void *ctx)
{
	struct sim_conn *c = ctx;
	if (c->n_ops)
		send_batch(c, true, NULL, 0);
}

/* The card's lock file, next to its socket: every process running commands
 * on the card takes it. Without it (no such directory, no permission) the
 * commands run unlocked, as with one owner. */
static void sim_lock(void *ctx, bool hold)
{
	struct sim_conn *c = ctx;
	if (c->lock_fd < 0 && hold) {
		char path[sizeof(c->path) + 8];
		snprintf(path, sizeof(path), "%s.lock", c->path);
		c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	}
	if (c->lock_fd < 0)
		return;
	if (hold) {
		while (flock(c->lock_fd, LOCK_EX) < 0 && errno == EINTR)
			;
		c->cache_n = 0; /* what was read before may have changed since */
		c->last_read = UINT32_MAX;
	} else {
		sim_flush(c);
		flock(c->lock_fd, LOCK_UN);
	}
}

static int sim_check(void *ctx, char *err, size_t errlen)
{
	struct sim_conn *c = ctx;
	int rc = c->failed;
	if (rc)
		snprintf(err, errlen, "%s", c->msg);
	return rc;
}

static int sim_event_fd(void *ctx)
{
	struct sim_conn *c = ctx;
	if (c->ev_fd >= 0)
		return c->ev_fd;
	int fd = connect_to(c->path);
	if (fd < 0)
		return -errno;
	struct espnic_sim_hdr h = {ESPNIC_SIM_MAGIC, ESPNIC_SIM_SUBSCRIBE, 0, 0, 0};
	if (send(fd, &h, sizeof(h), MSG_NOSIGNAL) != sizeof(h)) {
		int e = errno;
		close(fd);
		return -e;
	}
	c->ev_fd = fd;
	return fd;
}

static void sim_event_ack(void *ctx)
{
	struct sim_conn *c = ctx;
	struct espnic_sim_hdr h;
	if (c->ev_fd < 0)
		return;
	while (recv(c->ev_fd, &h, sizeof(h), MSG_DONTWAIT) > 0)
		;
}

static void sim_close(void *ctx)
{
	struct sim_conn *c = ctx;
	sim_flush(c);
	close(c->fd);
	if (c->ev_fd >= 0)
		close(c->ev_fd);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c);
}

static const struct espnic_backend sim_backend = {
    "sim", sim_check, sim_flush, sim_event_fd, sim_event_ack, sim_close,
};

int espnic_sim_open(struct espnic_dev *dev, const char *where, char *err, size_t errlen)
{
	struct sim_conn *c = calloc(1, sizeof(*c));
	const char *dir = getenv("ESPNIC_RUN_DIR");
	int n;
	if (!c)
		return -ENOMEM;
	c->ev_fd = -1;
	c->lock_fd = -1;
	if (strchr(where, '/'))
		n = snprintf(c->path, sizeof(c->path), "%s", where);
	else
		n = snprintf(c->path, sizeof(c->path), "%s/%s.sock",
			     dir && *dir ? dir : ESPNIC_SIM_RUN_DIR, where);
	if (!*where || n < 0 || (size_t)n >= sizeof(c->path)) {
		snprintf(err, errlen, "sim:%s: bad card name or socket path", where);
		free(c);
		return -EINVAL;
	}
	c->fd = connect_to(c->path);
	if (c->fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s (is `espnic-sim run` running?)", c->path,
			 strerror(e));
		free(c);
		return -e;
	}
	dev->be = &sim_backend;
	dev->io = (struct espnic_io){sim_read32, sim_write32, sim_idle, c, sim_lock};
	/* The card's name: the socket's file name without .sock. */
	const char *base = strrchr(c->path, '/');
	snprintf(dev->name, sizeof(dev->name), "%.63s", base ? base + 1 : c->path);
	char *dot = strstr(dev->name, ".sock");
	if (dot)
		*dot = 0;
	return 0;
}
