/* bench_device.c: figures of a simulated card as a device: the MMIO round
 * trip over its socket (transport alone, and a register read that clocks
 * the model), batched posted writes per operation, SA installs per second
 * through libespnic, and the CPU an idle card uses. Prints figures, asserts
 * none (wall-clock figures depend on the machine).
 * Usage: bench_device ESPNIC-SIM [idle-seconds] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "devtest.h"
#include "espnic.h"
#include "espnic_simproto.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* utime + stime of a process, in seconds. */
static double cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
	 * stime */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Round trips of INFO messages: the socket and event loop, no model clock. */
static double transport_rtt_us(const char *sock, int n)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%.100s", sock);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	struct espnic_sim_info info;
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		struct espnic_sim_hdr h = {ESPNIC_SIM_MAGIC, ESPNIC_SIM_INFO, 0, (uint32_t)i, 0};
		if (send(fd, &h, sizeof(h), 0) != sizeof(h) ||
		    recv(fd, &info, sizeof(info), 0) <= 0)
			break;
	}
	double us = (now_s() - t0) * 1e6 / n;
	close(fd);
	return us;
}

int main(int argc, char **argv)
{
	struct simcard c;
	espnic_dev *dev;
	int idle_s = argc > 2 ? atoi(argv[2]) : 5;
	if (argc < 2) {
		fprintf(stderr, "usage: bench_device ESPNIC-SIM [idle-seconds]\n");
		return 2;
	}
	if (simcard_start(&c, argv[1], "bench") < 0 || espnic_open(c.spec, &dev) < 0) {
		fprintf(stderr, "cannot start or open the card: %s\n", espnic_open_error());
		if (c.pid > 0)
			simcard_stop(&c); /* a card left running would hold ctest's pipe */
		return 1;
	}
	const char *sock = c.spec + 4;

	double tr = transport_rtt_us(sock, 2000);
	int n = 2000;
	uint32_t v;
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		espnic_reg_read(dev, ESPNIC_REG_MAGIC, &v);
	double rd = (now_s() - t0) * 1e6 / n;

	/* 255 posted writes and one read per round trip. */
	t0 = now_s();
	int batches = 20;
	for (int b = 0; b < batches; b++) {
		for (int i = 0; i < 255; i++)
			espnic_reg_write(dev, ESPNIC_REG_MTU, 1500);
		espnic_reg_read(dev, ESPNIC_REG_MTU, &v);
	}
	double per_op = (now_s() - t0) * 1e6 / (batches * 256);

	struct espnic_sa sa;
	memset(&sa, 0, sizeof(sa));
	sa.tunnel = true;
	sa.alg = ESPNIC_ALG_AES_GCM_256;
	memset(sa.key, 0x5a, sizeof(sa.key));
	int sas = 200, ok = 0;
	t0 = now_s();
	for (int i = 0; i < sas; i++) {
		sa.spi = 0x10000u + (uint32_t)i;
		ok += espnic_sa_add(dev, (unsigned)i, &sa) == 0;
	}
	double sa_s = now_s() - t0;
	explicit_bzero(&sa, sizeof(sa));
	espnic_close(dev);

	/* Idle: nothing connected talks to it; measure its CPU. */
	sleep(1);
	double c0 = cpu_s(c.pid), w0 = now_s();
	sleep((unsigned)idle_s);
	double c1 = cpu_s(c.pid), w1 = now_s();

	printf("espnic-sim device figures (DATA_W 128, this machine):\n");
	printf("  MMIO transport round trip (no clock):   %8.1f us\n", tr);
	printf("  MMIO read round trip (one model clock): %8.1f us\n", rd);
	printf("  posted writes, 256 per round trip:      %8.2f us per op\n", per_op);
	printf("  SA installs (AES-GCM-256) through sim:  %8.0f per second (%d of %d ok)\n",
	       ok / sa_s, ok, sas);
	printf("  idle card CPU over %.1f s:              %8.3f %% of a core (%.3f s)\n", w1 - w0,
	       100.0 * (c1 - c0) / (w1 - w0), c1 - c0);
	int rc = simcard_stop(&c);
	return ok == sas && rc == 0 ? 0 : 1;
}
