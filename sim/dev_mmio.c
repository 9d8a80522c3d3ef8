/* dev_mmio.c: the MMIO socket of a running simulated card: batched 32-bit
 * register reads and writes, clock steps while the driver waits, and event
 * notifications (protocol in driver/include/espnic_simproto.h; each datagram is served by
 * dev_proto.c). */
#include "dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "espnic_simproto.h"

static void client_free(struct device *d, struct dev_client *c)
{
	for (struct dev_client **pp = &d->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	event_free(c->ev);
	close(c->fd);
	d->n_clients--;
	free(c);
}

static void reply(struct dev_client *c, const void *msg, size_t len)
{
	/* A client that stopped reading loses its answer, never blocks the card. */
	if (send(c->fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && c->dev->verbose)
		fprintf(stderr, "espnic-sim: client: %s\n", strerror(errno));
}

static void client_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dev_client *c = arg;
	static uint8_t msg[ESPNIC_SIM_MAX_MSG], out[DEV_PROTO_MAX_REPLY];
	(void)what;
	for (int budget = 0; budget < 64; budget++) {
		ssize_t n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_free(c->dev, c);
			return;
		}
		struct dev_proto_result r;
		dev_proto_handle(c->dev, msg, (size_t)n, out, &r);
		if (r.subscribe)
			c->subscriber = true;
		if (r.reply_len)
			reply(c, out, r.reply_len);
		if (r.model_ran)
			dev_after_model(c->dev);
	}
}

static void accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct device *d = arg;
	(void)what;
	int cfd = accept(fd, NULL, NULL);
	if (cfd < 0)
		return;
	if (fcntl(cfd, F_SETFL, O_NONBLOCK) < 0 || fcntl(cfd, F_SETFD, FD_CLOEXEC) < 0) {
		close(cfd);
		return;
	}
	struct dev_client *c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return;
	}
	c->dev = d;
	c->fd = cfd;
	c->ev = event_new(d->base, cfd, EV_READ | EV_PERSIST, client_cb, c);
	if (!c->ev || event_add(c->ev, NULL) < 0) {
		if (c->ev)
			event_free(c->ev);
		close(cfd);
		free(c);
		return;
	}
	c->next = d->clients;
	d->clients = c;
	d->n_clients++;
}

void dev_mmio_notify(struct device *d)
{
	struct espnic_sim_hdr h = {ESPNIC_SIM_MAGIC, ESPNIC_SIM_EVENT, 0, 0, 0};
	for (struct dev_client *c = d->clients; c; c = c->next)
		if (c->subscriber)
			reply(c, &h, sizeof(h));
}

int dev_mmio_listen(struct device *d, char *err, size_t errlen)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(d->sock_path) >= sizeof(a.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", d->sock_path);
		return -1;
	}
	memcpy(a.sun_path, d->sock_path, strlen(d->sock_path) + 1);
	/* The socket is bound under a temporary name and renamed once it listens:
	 * its path appearing is the card's readiness signal to every client. */
	struct sockaddr_un tmp = {.sun_family = AF_UNIX};
	if (snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%ld", d->sock_path, (long)getpid()) >=
	    (int)sizeof(tmp.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", d->sock_path);
		return -1;
	}
	d->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->listen_fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* A socket file left by a card that died is replaced; a live one is not. */
	int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof(a)) == 0) {
		close(probe);
		snprintf(err, errlen, "%s: a card is already running there", d->sock_path);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	unlink(tmp.sun_path);
	mode_t old = umask(0117); /* socket mode 0660: root and the group */
	int rc = bind(d->listen_fd, (struct sockaddr *)&tmp, sizeof(tmp));
	umask(old);
	if (rc < 0 || listen(d->listen_fd, 16) < 0 || rename(tmp.sun_path, d->sock_path) < 0) {
		snprintf(err, errlen, "%s: %s", d->sock_path, strerror(errno));
		unlink(tmp.sun_path);
		return -1;
	}
	d->listen_ev = event_new(d->base, d->listen_fd, EV_READ | EV_PERSIST, accept_cb, d);
	if (!d->listen_ev || event_add(d->listen_ev, NULL) < 0) {
		snprintf(err, errlen, "event loop: cannot watch the socket");
		return -1;
	}
	return 0;
}

void dev_mmio_close(struct device *d)
{
	while (d->clients)
		client_free(d, d->clients);
	if (d->listen_ev)
		event_free(d->listen_ev);
	if (d->listen_fd >= 0) {
		char lock[sizeof(d->sock_path) + 8]; /* libespnic's lock file of this card */
		snprintf(lock, sizeof(lock), "%s.lock", d->sock_path);
		close(d->listen_fd);
		unlink(d->sock_path);
		unlink(lock);
	}
	d->listen_ev = NULL;
	d->listen_fd = -1;
}
