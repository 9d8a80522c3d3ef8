/* main.c: `espnic`, the command line of espnic. Command groups: `card`
 * (the card through libespnic directly, like `ip xfrm`). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: espnic GROUP COMMAND [OPTIONS]\n"
		   "\n"
		   "groups:\n"
		   "  card    the card through libespnic: list, show, sa, spd, counters, events\n"
		   "          (espnic card --help)\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "card") == 0)
		return card_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	cli_err("unknown command group '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
