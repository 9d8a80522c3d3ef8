/* devtest.h: helpers of the device backend tests: a running
 * `espnic-sim run` whose ports are datagram sockets the test holds. */
#ifndef ESPNIC_DEVTEST_H
#define ESPNIC_DEVTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct simcard {
	pid_t pid;
	char dir[64];	      /* run directory (temporary) */
	char spec[128];	      /* "sim:/dir/NAME.sock" */
	int host_fd, wire_fd; /* our ends of the card's host and wire cables */
};

/* Start `SIM run --name NAME` in a new temporary run directory with both
 * ports cabled to sockets of this process; waits for its socket. */
int simcard_start(struct simcard *c, const char *sim, const char *name);
/* SIGTERM, wait; returns the exit status (-1 if it did not exit cleanly). */
int simcard_stop(struct simcard *c);
/* Send a frame into the card's host (or wire) port. */
int simcard_send(struct simcard *c, bool wire, const uint8_t *f, size_t len);
/* Receive a frame the card put out on its wire (or host) port, waiting up
 * to ms milliseconds: its length, or 0. */
ssize_t simcard_recv(struct simcard *c, bool wire, uint8_t *buf, size_t cap, int ms);

/* An Ethernet + IPv4 + UDP frame from src to dst (addresses in host order). */
size_t devtest_udp_frame(uint8_t *f, uint32_t src, uint32_t dst, size_t payload);

#endif
