/* test_sim_device.c: libespnic's sim backend against a running
 * `espnic-sim run` (cmocka; each test starts its own card): open and
 * capabilities, SA and SPD through the socket, ACQUIRE raised by a frame and
 * delivered through the event fd, ESP out of the wire port, counters, errors,
 * several processes issuing commands at once, clean shutdown.
 * Usage: test_sim_device SIM */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "devtest.h"
#include "espnic.h"

static const char *sim_path; /* the espnic-sim binary */

/* The card of one test: a running simulator and the device opened on it. */
struct card {
	struct simcard sim;
	espnic_dev *dev;
	bool stopped; /* the test stopped the simulator itself */
};

/* Stops the card and frees it; cmocka calls it after each test, and
 * card_setup on a failed start (cmocka skips the teardown then). */
static int card_teardown(void **state)
{
	struct card *c = *state;
	if (c->dev)
		espnic_close(c->dev);
	if (!c->stopped && c->sim.pid > 0)
		simcard_stop(&c->sim);
	free(c);
	*state = NULL;
	return 0;
}

static int card_setup(void **state)
{
	struct card *c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	*state = c;
	if (simcard_start(&c->sim, sim_path, "simtest") < 0) {
		fprintf(stderr, "cannot start %s\n", sim_path);
		card_teardown(state);
		return -1;
	}
	if (espnic_open(c->sim.spec, &c->dev) != 0) {
		fprintf(stderr, "open: %s\n", espnic_open_error());
		card_teardown(state);
		return -1;
	}
	return 0;
}

/* Rule 0: 198.19.1.0/24 to 198.19.2.0/24, PROTECT with SA 3. */
static void protect_rule(espnic_dev *dev)
{
	struct espnic_spd_rule rule;
	memset(&rule, 0, sizeof(rule));
	rule.src.len = 24;
	memcpy(rule.src.addr, (uint8_t[]){198, 19, 1, 0}, 4);
	rule.dst.len = 24;
	memcpy(rule.dst.addr, (uint8_t[]){198, 19, 2, 0}, 4);
	rule.sport_hi = rule.dport_hi = 65535;
	rule.action = ESPNIC_ACT_PROTECT;
	rule.sa = 3;
	assert_int_equal(espnic_spd_add(dev, 0, &rule), 0);
}

/* Outbound SA 3, tunnel mode from 198.18.0.1 to 198.18.0.2, SPI 0x10003. */
static void sa3(espnic_dev *dev)
{
	struct espnic_sa sa;
	memset(&sa, 0, sizeof(sa));
	sa.spi = 0x10003;
	sa.tunnel = true;
	memcpy(sa.local, (uint8_t[]){198, 18, 0, 1}, 4);
	memcpy(sa.remote, (uint8_t[]){198, 18, 0, 2}, 4);
	sa.alg = ESPNIC_ALG_AES_GCM_128;
	memset(sa.key, 0x11, 16);
	assert_int_equal(espnic_sa_add(dev, 3, &sa), 0);
}

/* A host frame the protect rule matches, sent into the host port; returns its length. */
static size_t send_protected(struct card *c)
{
	uint8_t f[2048];
	size_t n = devtest_udp_frame(f, 0xc6130101, 0xc6130201, 100);
	assert_int_equal(simcard_send(&c->sim, false, f, n), 0);
	return n;
}

static void test_open_errors(void **state)
{
	(void)state;
	espnic_dev *dev = (espnic_dev *)1;
	assert_int_equal(espnic_open("sim:/nonexistent/x.sock", &dev), -ENOENT);
	assert_null(dev);
	assert_non_null(strstr(espnic_open_error(), "/nonexistent/x.sock"));
	assert_int_equal(espnic_open("bogus:1", &dev), -EINVAL);
	assert_int_equal(espnic_open("pci:zz", &dev), -EINVAL);
}

/* Capabilities of the sim backend; nothing happened yet: the event fd is
 * quiet. */
static void test_caps(void **state)
{
	struct card *c = *state;
	struct espnic_caps caps;
	assert_int_equal(espnic_get_caps(c->dev, &caps), 0);
	assert_string_equal(caps.backend, "sim");
	assert_int_equal(caps.data_w, 128);
	assert_true(caps.sa_n >= 64);
	assert_true(caps.spd_n >= 16);
	int efd = espnic_event_fd(c->dev);
	assert_true(efd >= 0);
	struct pollfd p = {.fd = efd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 50), 0);
}

static void test_spd_through_socket(void **state)
{
	struct card *c = *state;
	struct espnic_spd_rule back;
	protect_rule(c->dev);
	assert_int_equal(espnic_spd_get(c->dev, 0, &back), 1);
	assert_int_equal(back.action, ESPNIC_ACT_PROTECT);
	assert_int_equal(back.sa, 3);
	assert_int_equal(back.dst.len, 24);
	assert_int_equal(espnic_spd_get(c->dev, 1, &back), 0);
}

/* A PROTECT rule whose SA is missing: a frame raises ACQUIRE, delivered
 * through the event fd. */
static void test_acquire_event(void **state)
{
	struct card *c = *state;
	protect_rule(c->dev);
	struct pollfd p = {.fd = espnic_event_fd(c->dev), .events = POLLIN};
	assert_true(p.fd >= 0);
	send_protected(c);
	assert_int_equal(poll(&p, 1, 10000), 1);
	struct espnic_event ev;
	assert_int_equal(espnic_event_next(c->dev, &ev), 1);
	assert_int_equal(ev.kind, ESPNIC_EV_ACQUIRE);
	assert_int_equal(ev.rule, 0);
	assert_int_equal(ev.sa, 3);
	assert_false(ev.inbound);
	assert_int_equal(espnic_event_next(c->dev, &ev), 0);
}

/* With the SA, a frame the rule matches leaves the wire as ESP. */
static void test_esp_out(void **state)
{
	struct card *c = *state;
	uint8_t r[2048];
	protect_rule(c->dev);
	sa3(c->dev);
	size_t n = send_protected(c);
	ssize_t got = simcard_recv(&c->sim, true, r, sizeof(r), 10000);
	assert_true(got > (ssize_t)n);
	assert_int_equal(r[12], 0x08); /* IPv4 */
	assert_int_equal(r[13], 0x00);
	assert_int_equal(r[14 + 9], 50); /* ESP */
	assert_int_equal(r[34], 0x00);	 /* SPI 0x10003 */
	assert_int_equal(r[35], 0x01);
	assert_int_equal(r[36], 0x00);
	assert_int_equal(r[37], 0x03);
	struct espnic_sa_status st;
	assert_int_equal(espnic_sa_get(c->dev, false, 3, &st), 0);
	assert_true(st.enabled);
	assert_int_equal(st.spi, 0x10003);
	assert_int_equal(st.packets, 1);
	assert_int_equal(st.seq, 1);
}

/* Wire traffic that is not ESP reaches the host unchanged when no rule covers it and the
 * default is bypass (libespnic opens the card with default discard, which drops it on
 * ingress as on egress: tests/esp/test_ingress.py). */
static void test_wire_passthrough(void **state)
{
	struct card *c = *state;
	uint8_t f[2048], r[2048];
	assert_int_equal(espnic_set_default_discard(c->dev, false), 0);
	size_t n = devtest_udp_frame(f, 0xc6120002, 0xc6120001, 40);
	assert_int_equal(simcard_send(&c->sim, true, f, n), 0);
	ssize_t got = simcard_recv(&c->sim, false, r, sizeof(r), 10000);
	assert_int_equal(got, (ssize_t)n);
	assert_memory_equal(f, r, n);
}

/* Two host frames protected and out: eg_frames_in counts them. */
static void test_counters(void **state)
{
	struct card *c = *state;
	uint8_t r[2048];
	protect_rule(c->dev);
	sa3(c->dev);
	for (int i = 0; i < 2; i++) {
		size_t n = send_protected(c);
		assert_true(simcard_recv(&c->sim, true, r, sizeof(r), 10000) > (ssize_t)n);
	}
	uint64_t cnt[ESPNIC_PORT_COUNTERS];
	assert_int_equal(espnic_counters(c->dev, cnt), 0);
	assert_int_equal(cnt[0], 2); /* eg_frames_in */
}

/* Card errors come back as errno with a message. */
static void test_card_errors(void **state)
{
	struct card *c = *state;
	protect_rule(c->dev);
	sa3(c->dev);
	assert_int_equal(espnic_sa_delete(c->dev, false, 60000), -ERANGE);
	assert_non_null(strstr(espnic_error(c->dev), "range"));
	assert_int_equal(espnic_sa_delete(c->dev, false, 3), 0);
	assert_int_equal(espnic_spd_delete(c->dev, 0), 0);
}

/* Listing finds the card by its run directory. */
static void test_listing(void **state)
{
	struct card *c = *state;
	struct espnic_dev_entry *list;
	size_t len;
	setenv("ESPNIC_RUN_DIR", c->sim.dir, 1);
	assert_int_equal(espnic_list(&list, &len), 0);
	assert_true(len >= 1);
	assert_string_equal(list[0].spec, "sim:simtest");
	espnic_list_free(list);
}

/* One process's share of test_shared_rings: SAs and rules written and read back
 * at its own indexes, each with a pattern only it writes. Returns the
 * mismatches. An SPD change by one process makes the next change by another
 * read the rule book back and rewrite a classifier generation (libespnic,
 * card.c), so rules take fewer rounds than SAs. */
static int hammer(const char *spec, unsigned who, unsigned sa_rounds, unsigned spd_rounds)
{
	espnic_dev *dev;
	int bad = 0;
	if (espnic_open(spec, &dev) != 0)
		return 1;
	for (unsigned i = 0; i < sa_rounds; i++) {
		unsigned index = 100 + who * 8 + i % 8;
		struct espnic_sa sa = {
		    .spi = 0x1000u + who * 0x100u + i, .alg = ESPNIC_ALG_AES_GCM_128, .seq = i};
		struct espnic_sa_status back;
		memset(sa.key, (int)(who + 1), 16);
		if (espnic_sa_add(dev, index, &sa) != 0 ||
		    espnic_sa_get(dev, false, index, &back) != 0 || !back.enabled ||
		    back.spi != sa.spi || back.seq != sa.seq) {
			fprintf(stderr, "process %u SA round %u: %s\n", who, i, espnic_error(dev));
			bad++;
		}
	}
	for (unsigned i = 0; i < spd_rounds; i++) {
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
			fprintf(stderr, "process %u rule round %u: %s\n", who, i,
				espnic_error(dev));
			bad++;
		}
	}
	espnic_close(dev);
	return bad;
}

/* espnicd and the CLI open the same card and both issue commands: four
 * processes at once, each command under the card's lock, none lost or mixed
 * up with another's. */
static void test_shared_rings(void **state)
{
	struct card *c = *state;
	enum { PROCS = 4, SA_ROUNDS = 60, SPD_ROUNDS = 8 };
	pid_t pid[PROCS];
	for (unsigned p = 0; p < PROCS; p++) {
		pid[p] = fork();
		if (pid[p] == 0)
			_exit(hammer(c->sim.spec, p, SA_ROUNDS, SPD_ROUNDS) ? 1 : 0);
		assert_true(pid[p] > 0);
	}
	for (unsigned p = 0; p < PROCS; p++) {
		int st = -1;
		assert_int_equal(waitpid(pid[p], &st, 0), pid[p]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
}

/* SIGTERM: the simulator exits cleanly and its socket goes with it. */
static void test_clean_shutdown(void **state)
{
	struct card *c = *state;
	char sock[160];
	struct stat st;
	snprintf(sock, sizeof(sock), "%s/simtest.sock", c->sim.dir);
	espnic_close(c->dev);
	c->dev = NULL;
	c->stopped = true;
	assert_int_equal(simcard_stop(&c->sim), 0);
	assert_true(stat(sock, &st) < 0);
}

#define CARD_TEST(fn) cmocka_unit_test_setup_teardown(fn, card_setup, card_teardown)

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_sim_device ESPNIC-SIM\n");
		return 2;
	}
	sim_path = argv[1];
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_errors),
	    CARD_TEST(test_caps),
	    CARD_TEST(test_spd_through_socket),
	    CARD_TEST(test_acquire_event),
	    CARD_TEST(test_esp_out),
	    CARD_TEST(test_wire_passthrough),
	    CARD_TEST(test_counters),
	    CARD_TEST(test_card_errors),
	    CARD_TEST(test_listing),
	    CARD_TEST(test_shared_rings),
	    CARD_TEST(test_clean_shutdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
