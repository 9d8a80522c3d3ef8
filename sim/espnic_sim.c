/* espnic_sim.c: `espnic-sim`, the simulated card as a program. */
#include <stdio.h>
#include <string.h>

#include "dev.h"
#include "pcap_run.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: espnic-sim COMMAND [OPTIONS]\n"
		   "\n"
		   "commands:\n"
		   "  pcap    run a capture through the card offline (espnic-sim pcap --help)\n"
		   "  run     run a card as a device: TAP ports and an MMIO socket (espnic-sim run "
		   "--help)\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "pcap") == 0)
		return pcap_run_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return dev_run_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "espnic-sim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
