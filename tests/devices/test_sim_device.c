/* test_sim_device.c: libespnic's sim backend against a running
 * `espnic-sim run`: open and capabilities, SA and SPD through the socket,
 * ACQUIRE raised by a frame and delivered through the event fd, ESP out of
 * the wire port, counters, errors, several processes issuing commands at
 * once, clean shutdown. Usage: test_sim_device SIM */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devtest.h"
#include "espnic.h"

static void test_open_errors(void)
{
	espnic_dev *dev = (espnic_dev *)1;
	CHECK(espnic_open("sim:/nonexistent/x.sock", &dev) == -ENOENT);
	CHECK(dev == NULL);
	CHECK(strstr(espnic_open_error(), "/nonexistent/x.sock") != NULL);
	CHECK(espnic_open("bogus:1", &dev) == -EINVAL);
	CHECK(espnic_open("pci:zz", &dev) == -EINVAL);
}

static void test_card(struct simcard *c)
{
	espnic_dev *dev;
	struct espnic_caps caps;
	uint8_t f[2048], r[2048];
	int rc = espnic_open(c->spec, &dev);
	CHECK(rc == 0);
	if (rc) {
		fprintf(stderr, "open: %s\n", espnic_open_error());
		return;
	}
	CHECK(espnic_get_caps(dev, &caps) == 0);
	CHECK(strcmp(caps.backend, "sim") == 0);
	CHECK(caps.data_w == 128 && caps.sa_n >= 64 && caps.spd_n >= 16);

	/* Nothing yet: the event fd is quiet. */
	int efd = espnic_event_fd(dev);
	CHECK(efd >= 0);
	struct pollfd p = {.fd = efd, .events = POLLIN};
	CHECK(poll(&p, 1, 50) == 0);

	/* A PROTECT rule whose SA is missing: a frame raises ACQUIRE. */
	struct espnic_spd_rule rule;
	memset(&rule, 0, sizeof(rule));
	rule.src.len = 24;
	memcpy(rule.src.addr, (uint8_t[]){198, 19, 1, 0}, 4);
	rule.dst.len = 24;
	memcpy(rule.dst.addr, (uint8_t[]){198, 19, 2, 0}, 4);
	rule.sport_hi = rule.dport_hi = 65535;
	rule.action = ESPNIC_ACT_PROTECT;
	rule.sa = 3;
	CHECK(espnic_spd_add(dev, 0, &rule) == 0);
	struct espnic_spd_rule back;
	CHECK(espnic_spd_get(dev, 0, &back) == 1);
	CHECK(back.action == ESPNIC_ACT_PROTECT && back.sa == 3 && back.dst.len == 24);
	CHECK(espnic_spd_get(dev, 1, &back) == 0);

	size_t n = devtest_udp_frame(f, 0xc6130101, 0xc6130201, 100);
	CHECK(simcard_send(c, false, f, n) == 0);
	CHECK(poll(&p, 1, 10000) == 1);
	struct espnic_event ev;
	CHECK(espnic_event_next(dev, &ev) == 1);
	CHECK(ev.kind == ESPNIC_EV_ACQUIRE && ev.rule == 0 && ev.sa == 3 && !ev.inbound);
	CHECK(espnic_event_next(dev, &ev) == 0);

	/* With the SA, the same frame leaves the wire as ESP. */
	struct espnic_sa sa;
	memset(&sa, 0, sizeof(sa));
	sa.spi = 0x10003;
	sa.tunnel = true;
	memcpy(sa.local, (uint8_t[]){198, 18, 0, 1}, 4);
	memcpy(sa.remote, (uint8_t[]){198, 18, 0, 2}, 4);
	sa.alg = ESPNIC_ALG_AES_GCM_128;
	memset(sa.key, 0x11, 16);
	CHECK(espnic_sa_add(dev, 3, &sa) == 0);
	CHECK(simcard_send(c, false, f, n) == 0);
	ssize_t got = simcard_recv(c, true, r, sizeof(r), 10000);
	CHECK(got > (ssize_t)n);
	if (got > 38) {
		CHECK(r[12] == 0x08 && r[13] == 0x00 && r[14 + 9] == 50);
		CHECK(r[34] == 0x00 && r[35] == 0x01 && r[36] == 0x00 && r[37] == 0x03);
	}
	struct espnic_sa_status st;
	CHECK(espnic_sa_get(dev, false, 3, &st) == 0);
	CHECK(st.enabled && st.spi == 0x10003 && st.packets == 1 && st.seq == 1);

	/* Wire traffic that is not ESP reaches the host unchanged. */
	n = devtest_udp_frame(f, 0xc6120002, 0xc6120001, 40);
	CHECK(simcard_send(c, true, f, n) == 0);
	got = simcard_recv(c, false, r, sizeof(r), 10000);
	CHECK(got == (ssize_t)n && memcmp(f, r, n) == 0);

	uint64_t cnt[ESPNIC_PORT_COUNTERS];
	CHECK(espnic_counters(dev, cnt) == 0);
	CHECK(cnt[0] == 2); /* eg_frames_in */

	/* Card errors come back as errno with a message. */
	CHECK(espnic_sa_delete(dev, false, 60000) == -ERANGE);
	CHECK(strstr(espnic_error(dev), "range") != NULL);
	CHECK(espnic_sa_delete(dev, false, 3) == 0);
	CHECK(espnic_spd_delete(dev, 0) == 0);

	/* Listing finds the card by its run directory. */
	struct espnic_dev_entry *list;
	size_t len;
	setenv("ESPNIC_RUN_DIR", c->dir, 1);
	CHECK(espnic_list(&list, &len) == 0);
	CHECK(len >= 1 && strcmp(list[0].spec, "sim:simtest") == 0);
	espnic_list_free(list);
	espnic_close(dev);
}

/* One process's share of test_shared_rings: rules written and read back at its
 * own indexes, each with a pattern only it writes. Returns the mismatches. */
static int hammer(const char *spec, unsigned who, unsigned rounds)
{
	espnic_dev *dev;
	int bad = 0;
	if (espnic_open(spec, &dev) != 0)
		return 1;
	for (unsigned i = 0; i < rounds; i++) {
		unsigned index = 100 + who * 8 + i % 8;
		struct espnic_spd_rule r = {.proto = (uint8_t)(who + 1),
					    .sport_lo = (uint16_t)i,
					    .sport_hi = (uint16_t)(i + who),
					    .dport_hi = 65535,
					    .action = ESPNIC_ACT_BYPASS},
				       back;
		if (espnic_spd_add(dev, index, &r) != 0 || espnic_spd_get(dev, index, &back) != 1 ||
		    back.proto != r.proto || back.sport_lo != r.sport_lo ||
		    back.sport_hi != r.sport_hi) {
			fprintf(stderr, "process %u round %u: %s\n", who, i, espnic_error(dev));
			bad++;
		}
	}
	espnic_close(dev);
	return bad;
}

/* espnicd and the CLI open the same card and both issue commands: four
 * processes at once, each command under the card's lock, none lost or mixed
 * up with another's. */
static void test_shared_rings(struct simcard *c)
{
	enum { PROCS = 4, ROUNDS = 60 };
	pid_t pid[PROCS];
	for (unsigned p = 0; p < PROCS; p++) {
		pid[p] = fork();
		if (pid[p] == 0)
			_exit(hammer(c->spec, p, ROUNDS) ? 1 : 0);
		CHECK(pid[p] > 0);
	}
	for (unsigned p = 0; p < PROCS; p++) {
		int st = -1;
		CHECK(pid[p] > 0 && waitpid(pid[p], &st, 0) == pid[p]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

int main(int argc, char **argv)
{
	struct simcard c;
	if (argc != 2) {
		fprintf(stderr, "usage: test_sim_device ESPNIC-SIM\n");
		return 2;
	}
	test_open_errors();
	if (simcard_start(&c, argv[1], "simtest") < 0) {
		fprintf(stderr, "cannot start %s\n", argv[1]);
		return 1;
	}
	test_card(&c);
	test_shared_rings(&c);
	char sock[160];
	snprintf(sock, sizeof(sock), "%s/simtest.sock", c.dir);
	struct stat st;
	int rc = simcard_stop(&c);
	CHECK(rc == 0);
	CHECK(stat(sock, &st) < 0); /* the socket went with the card */
	printf("%s\n", devtest_failures ? "FAIL" : "ok");
	return devtest_failures ? 1 : 0;
}
