/* main.c: `espnic`, the command line of espnic. Command groups: `card`
 * (the card through libespnic directly, like `ip xfrm`), the clients of
 * espnicd's API: `session`, `profile`, `endpoint`; `psk`, `web` and `demo`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: espnic GROUP COMMAND [OPTIONS]\n"
		   "\n"
		   "groups:\n"
		   "  card    the card through libespnic: list, show, sa, spd, counters, events\n"
		   "          (espnic card --help)\n"
		   "  session   IPsec sessions through espnicd's API: add, set, delete, list,\n"
		   "            show, enable, disable, connect, status, statistics, peer-config\n"
		   "  profile   ike|tunnel|dpd profiles: add, set, delete, list, show\n"
		   "  endpoint  local endpoints: add, set, delete, list, show\n"
		   "  psk       generate FILE: a random pre-shared key into a 0600 file\n"
		   "  web       passwd: the password of espnicd's web console\n"
		   "  demo      a tunnel between two sites in network namespaces, site A\n"
		   "            espnicd on a simulated card (root; espnic demo --help)\n"
		   "\n"
		   "espnic --version prints the version. Every command takes --help. Exit codes: 0 "
		   "done, 1 runtime error, 2 usage,\n"
		   "3 refused by espnicd, 4 not found, 5 session not up (session status NAME).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "card") == 0)
		return card_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "session") == 0)
		return session_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "profile") == 0)
		return profile_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "endpoint") == 0)
		return endpoint_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "psk") == 0)
		return psk_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0) {
		printf("espnic %s\n", ESPNIC_RELEASE);
		return 0;
	}
	if (strcmp(argv[1], "web") == 0)
		return web_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "demo") == 0)
		return demo_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	cli_err("unknown command group '%s'", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
