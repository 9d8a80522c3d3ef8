/* card_cmd.c: `espnic card`: list cards, show one's capabilities and
 * counters, and dispatch to sa, spd and events. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: espnic card [-d DEVICE] COMMAND [OPTIONS]\n"
		   "\n"
		   "  list                   cards present (simulated and PCI)\n"
		   "  show                   the card's capabilities\n"
		   "  sa add|delete|list     security associations (espnic card sa --help)\n"
		   "  spd add|delete|list    security policy rules (espnic card spd --help)\n"
		   "  counters               port counters\n"
		   "  events [--follow]      events the card raised (lifetimes, ACQUIRE)\n"
		   "\n"
		   "DEVICE is sim:NAME, sim:/path/to/card.sock or pci:DOMAIN:BUS:SLOT.FUNC;\n"
		   "default $ESPNIC_DEVICE, else the only card present.\n");
}

static int simple_help(int argc, char **argv, const char *text)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("%s", text);
			return 0;
		}
		cli_err("%s: unexpected argument '%s'", argv[0], argv[i]);
		return EXIT_USAGE;
	}
	return -1;
}

static int cmd_list(int argc, char **argv)
{
	struct espnic_dev_entry *list;
	size_t n;
	int rc = simple_help(argc, argv, "usage: espnic card list\n\nLists the cards present.\n");
	if (rc >= 0)
		return rc;
	if ((rc = espnic_list(&list, &n)) < 0) {
		cli_err("cannot list cards: %s", strerror(-rc));
		return EXIT_RUNTIME;
	}
	printf("%-32s %-7s %s\n", "device", "backend", "state");
	for (size_t i = 0; i < n; i++) {
		espnic_dev *dev;
		const char *state = "up";
		if (espnic_open(list[i].spec, &dev) < 0)
			state = "not answering";
		else
			espnic_close(dev);
		printf("%-32s %-7s %s\n", list[i].spec, list[i].backend, state);
	}
	espnic_list_free(list);
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	struct espnic_caps c;
	espnic_dev *dev;
	int rc = simple_help(argc, argv,
			     "usage: espnic card [-d DEVICE] show\n\nThe card's capabilities.\n");
	if (rc >= 0)
		return rc;
	if (!(dev = cli_dev()))
		return EXIT_RUNTIME;
	if (espnic_get_caps(dev, &c) < 0) {
		cli_err("%s", espnic_error(dev));
		return EXIT_RUNTIME;
	}
	printf("device:            %s:%s\n", c.backend, c.name);
	printf("register map:      %u.%u\n", c.version >> 8, c.version & 0xff);
	printf("data path:         %u bits\n", c.data_w);
	printf("SA entries:        %u per direction\n", c.sa_n);
	printf("SPD rules:         %u\n", c.spd_n);
	printf("MTU:               %u\n", c.mtu);
	printf("algorithms:       %s%s\n",
	       c.algs & (1u << ESPNIC_ALG_AES_GCM_128) ? " aes-gcm-128" : "",
	       c.algs & (1u << ESPNIC_ALG_AES_GCM_256) ? " aes-gcm-256" : "");
	printf("modes:             tunnel%s\n", c.transport ? " transport" : "");
	printf("UDP encapsulation: %s\n", c.udp_encap ? "yes (RFC 3948)" : "no");
	printf("ESN:               %s\n", c.esn ? "yes" : "no");
	printf("replay window:     up to %u\n", c.max_replay_window);
	return 0;
}

static int cmd_counters(int argc, char **argv)
{
	uint64_t cnt[ESPNIC_PORT_COUNTERS];
	espnic_dev *dev;
	int rc = simple_help(
	    argc, argv, "usage: espnic card [-d DEVICE] counters\n\nThe card's port counters.\n");
	if (rc >= 0)
		return rc;
	if (!(dev = cli_dev()))
		return EXIT_RUNTIME;
	if (espnic_counters(dev, cnt) < 0) {
		cli_err("%s", espnic_error(dev));
		return EXIT_RUNTIME;
	}
	for (unsigned i = 0; i < ESPNIC_PORT_COUNTERS; i++)
		printf("%-16s %" PRIu64 "\n", espnic_counter_name(i), cnt[i]);
	return 0;
}

int card_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"device", required_argument, NULL, 'd'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	const char *spec = NULL;
	int ch, rc;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			spec = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	const char *cmd = argv[0];
	if (strcmp(cmd, "list") == 0)
		return cmd_list(argc, argv);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	static const char *const with_dev[] = {"show", "sa", "spd", "counters", "events"};
	bool known = false;
	for (size_t i = 0; i < sizeof(with_dev) / sizeof(with_dev[0]); i++)
		known |= strcmp(cmd, with_dev[i]) == 0;
	if (!known) {
		cli_err("card: unknown command '%s'", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	/* The card is opened when a command needs it, after its arguments. */
	cli_set_device(spec);
	if (strcmp(cmd, "show") == 0)
		rc = cmd_show(argc, argv);
	else if (strcmp(cmd, "counters") == 0)
		rc = cmd_counters(argc, argv);
	else if (strcmp(cmd, "sa") == 0)
		rc = card_sa_main(argc, argv);
	else if (strcmp(cmd, "spd") == 0)
		rc = card_spd_main(argc, argv);
	else
		rc = card_events_main(argc, argv);
	cli_close();
	return rc;
}
