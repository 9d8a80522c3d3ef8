/* devtest.c: a running simulated card for the backend tests and the bench:
 * `espnic-sim run` in a private run directory, its ports cabled to
 * datagram sockets of the test (card:test-host and card:test-wire). */
#include "devtest.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int bind_dgram(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	return fd;
}

int simcard_start(struct simcard *c, const char *sim, const char *name)
{
	char path[128], hostspec[64], wirespec[64];
	memset(c, 0, sizeof(*c));
	snprintf(c->dir, sizeof(c->dir), "/tmp/espnic-devtest-XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/%s-host.wire", c->dir, name);
	c->host_fd = bind_dgram(path);
	snprintf(path, sizeof(path), "%s/%s-wire.wire", c->dir, name);
	c->wire_fd = bind_dgram(path);
	if (c->host_fd < 0 || c->wire_fd < 0)
		return -1;
	snprintf(hostspec, sizeof(hostspec), "card:%s-host", name);
	snprintf(wirespec, sizeof(wirespec), "card:%s-wire", name);
	snprintf(c->spec, sizeof(c->spec), "sim:%s/%s.sock", c->dir, name);
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		setenv("ESPNIC_RUN_DIR", c->dir, 1);
		execl(sim, sim, "run", "--name", name, "--host", hostspec, "--wire", wirespec,
		      (char *)NULL);
		_exit(127);
	}
	/* Wait for the socket, whose path appears once the card listens (the
	 * model takes a moment to build; up to two minutes on a busy machine). */
	snprintf(path, sizeof(path), "%s/%s.sock", c->dir, name);
	for (int i = 0; i < 12000; i++) {
		struct stat st;
		if (stat(path, &st) == 0)
			return 0;
		if (waitpid(c->pid, NULL, WNOHANG) == c->pid) {
			c->pid = 0;
			return -1;
		}
		usleep(10000);
	}
	return -1;
}

int simcard_stop(struct simcard *c)
{
	int st = -1, rc = -1;
	char cmd[128];
	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		for (int i = 0; i < 1000; i++) {
			if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
				rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
				break;
			}
			usleep(10000);
		}
		if (rc == -1 && waitpid(c->pid, &st, WNOHANG) == 0) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &st, 0);
		}
	}
	close(c->host_fd);
	close(c->wire_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	if (system(cmd) != 0)
		rc = -1;
	return rc;
}

int simcard_send(struct simcard *c, bool wire, const uint8_t *f, size_t len)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	const char *name = strrchr(c->spec, '/') + 1;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/%.*s.%s", c->dir,
		 (int)(strlen(name) - strlen(".sock")), name, wire ? "wire" : "host");
	int fd = wire ? c->wire_fd : c->host_fd;
	return sendto(fd, f, len, 0, (struct sockaddr *)&a, sizeof(a)) == (ssize_t)len ? 0 : -1;
}

ssize_t simcard_recv(struct simcard *c, bool wire, uint8_t *buf, size_t cap, int ms)
{
	struct pollfd p = {.fd = wire ? c->wire_fd : c->host_fd, .events = POLLIN};
	if (poll(&p, 1, ms) <= 0)
		return 0;
	ssize_t n = recv(p.fd, buf, cap, 0);
	return n < 0 ? 0 : n;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

size_t devtest_udp_frame(uint8_t *f, uint32_t src, uint32_t dst, size_t payload)
{
	static const uint8_t hdr[14] = {2, 0, 0, 0, 0, 0xb, 2, 0, 0, 0, 0, 0xa, 0x08, 0x00};
	size_t iplen = 20 + 8 + payload;
	memcpy(f, hdr, 14);
	uint8_t *ip = f + 14;
	memset(ip, 0, iplen);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	ip[8] = 64;
	ip[9] = 17;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	uint16_t c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *udp = ip + 20;
	udp[0] = 0x30, udp[1] = 0x39, udp[2] = 0x00, udp[3] = 0x35;
	udp[4] = (uint8_t)((8 + payload) >> 8);
	udp[5] = (uint8_t)(8 + payload);
	for (size_t i = 0; i < payload; i++)
		udp[8 + i] = (uint8_t)i;
	return 14 + iplen;
}
