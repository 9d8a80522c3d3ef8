/* alveo_tb.c: `espnic-alveo-tb`, the testbench of the OpenNIC plugin
 * (fw/alveo/rtl/espnic_250mhz.sv) with its two clocks (card_alveo.cpp).
 *
 *   espnic-alveo-tb pcap ...   espnic-sim pcap on the plugin (--width 512):
 *                              SAs and rules installed through AXI-Lite
 *   espnic-alveo-tb axil       the register slave and the reset pair alone
 *
 * ESPNIC_ALVEO_AXIL_PS sets the AXI-Lite clock period (the core's is 4000 ps).
 * Exit status 0 passed, 1 failed (with a message), 2 bad command line, 3 a
 * rule of the shell's interface broken (card_alveo.cpp says which). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "card_alveo.h"
#include "espnic_model.h"
#include "espnic_regs.h"
#include "pcap_run.h"

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "espnic-alveo-tb axil: " __VA_ARGS__);                     \
			fputc('\n', stderr);                                                       \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

enum { RESP_OKAY = 0, RESP_DECERR = 3 };

static int axil_checks(void)
{
	uint32_t v = 0;
	struct alveo_stats s0, s1;

	CHECK(alveo_axil(false, ESPNIC_REG_MAGIC, 0, &v) == RESP_OKAY, "MAGIC read failed");
	CHECK(v == ESPNIC_MAGIC, "MAGIC reads 0x%08x", v);
	CHECK(alveo_axil(false, ESPNIC_REG_VERSION, 0, &v) == RESP_OKAY && v == ESPNIC_VERSION,
	      "VERSION reads 0x%08x", v);
	CHECK(alveo_axil(false, ESPNIC_REG_DATA_W, 0, &v) == RESP_OKAY && v == 512,
	      "DATA_W reads %u", v);

	/* Writes land and read back, many in a row (each a full handshake). */
	alveo_get_stats(&s0);
	for (uint32_t mtu = 1280; mtu < 1280 + 64; mtu++) {
		CHECK(alveo_axil(true, ESPNIC_REG_MTU, mtu, NULL) == RESP_OKAY, "MTU write");
		CHECK(alveo_axil(false, ESPNIC_REG_MTU, 0, &v) == RESP_OKAY && v == mtu,
		      "MTU reads %u after writing %u", v, mtu);
	}
	alveo_get_stats(&s1);
	double per = (double)(s1.access_axil_cycles - s0.access_axil_cycles) /
		     (double)(s1.accesses - s0.accesses);

	/* Outside the 64 KB of registers: DECERR, nothing forwarded. */
	CHECK(alveo_axil(false, 0x10000 + ESPNIC_REG_MTU, 0, &v) == RESP_DECERR && v == 0,
	      "a read above 64 KB: not DECERR or data 0x%08x", v);
	CHECK(alveo_axil(true, 0xF0000 + ESPNIC_REG_MTU, 1000, NULL) == RESP_DECERR,
	      "a write above 64 KB: not DECERR");
	CHECK(alveo_axil(false, ESPNIC_REG_MTU, 0, &v) == RESP_OKAY && v == 1343,
	      "a write above 64 KB reached the core: MTU %u", v);

	/* The shell's reset pair resets the core: MTU back to its default. */
	alveo_reset_pair();
	CHECK(alveo_axil(false, ESPNIC_REG_MTU, 0, &v) == RESP_OKAY && v == 1500,
	      "MTU %u after the reset pair (expected 1500)", v);
	CHECK(alveo_axil(false, ESPNIC_REG_MAGIC, 0, &v) == RESP_OKAY && v == ESPNIC_MAGIC,
	      "MAGIC 0x%08x after the reset pair", v);

	alveo_get_stats(&s1);
	printf("AXI-Lite at %" PRIu64 " ps, core at 4000 ps: %" PRIu64 " accesses, %.1f AXI-Lite "
	       "cycles per access (request to response), %" PRIu64 " resets\n",
	       alveo_axil_ps(), s1.accesses, per, s1.resets);
	return 0;
}

static int axil_main(void)
{
	espnic_model *m = espnic_model_new(512, NULL);
	if (!m) {
		fprintf(stderr, "espnic-alveo-tb: cannot create the plugin model\n");
		return 1;
	}
	int rc = axil_checks();
	espnic_model_free(m);
	if (!rc)
		printf("axil: passed\n");
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "pcap") == 0)
		return pcap_run_main(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "axil") == 0)
		return axil_main();
	fprintf(stderr, "usage: espnic-alveo-tb pcap OPTIONS (as espnic-sim pcap) | axil\n");
	return 2;
}
