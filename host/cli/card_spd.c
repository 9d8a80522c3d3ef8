/* card_spd.c: `espnic card spd add|delete|list`: the card's ordered policy
 * rules (the index is the priority, lower first). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "espnic_text.h"

static const char spd_usage[] =
    "usage: espnic card [-d DEVICE] spd add --index N --action bypass|discard|protect\n"
    "                        [--sa N] [--src PREFIX] [--dst PREFIX] [--proto PROTO]\n"
    "                        [--sport PORT[-PORT]] [--dport PORT[-PORT]] [--vlan VID]\n"
    "       espnic card [-d DEVICE] spd delete --index N\n"
    "       espnic card [-d DEVICE] spd list\n"
    "\n"
    "Egress frames are matched against the rules in index order; the first match\n"
    "decides. protect needs --sa, the outbound SA index. Prefixes default to any\n"
    "address of the other prefix's family; a rule with neither matches IPv4 and\n"
    "IPv6 both. --vlan: only frames of that 802.1Q VID (0: untagged only); without\n"
    "it any tag or none. Ports of packets without them (ICMP, non-initial\n"
    "fragments) are OPAQUE: only a rule whose port ranges are any matches them.\n";

enum { O_INDEX = 256, O_ACTION, O_SA, O_SRC, O_DST, O_PROTO, O_SPORT, O_DPORT, O_VLAN };

static const struct option spd_opts[] = {{"index", required_argument, NULL, O_INDEX},
					 {"action", required_argument, NULL, O_ACTION},
					 {"sa", required_argument, NULL, O_SA},
					 {"src", required_argument, NULL, O_SRC},
					 {"dst", required_argument, NULL, O_DST},
					 {"proto", required_argument, NULL, O_PROTO},
					 {"sport", required_argument, NULL, O_SPORT},
					 {"dport", required_argument, NULL, O_DPORT},
					 {"vlan", required_argument, NULL, O_VLAN},
					 {"help", no_argument, NULL, 'h'},
					 {NULL, 0, NULL, 0}};

static const char *const action_names[] = {"bypass", "discard", "protect"};

static int bad(const char *opt, const char *val)
{
	cli_err("spd: bad value for --%s: '%s'", opt, val);
	return EXIT_USAGE;
}

static int spd_list(void)
{
	struct espnic_caps caps;
	espnic_dev *dev = cli_dev();
	if (!dev)
		return EXIT_RUNTIME;
	if (espnic_get_caps(dev, &caps) < 0) {
		cli_err("%s", espnic_error(dev));
		return EXIT_RUNTIME;
	}
	/* Which rules are in use (a command per 1024 slots), then each of them. */
	uint8_t *in_use = malloc((caps.spd_n + 7) / 8);
	if (!in_use) {
		cli_err("out of memory");
		return EXIT_RUNTIME;
	}
	if (espnic_spd_used(dev, in_use) < 0) {
		cli_err("%s", espnic_error(dev));
		free(in_use);
		return EXIT_RUNTIME;
	}
	printf("%-5s %-20s %-20s %-6s %-11s %-11s %-8s %s\n", "index", "src", "dst", "proto",
	       "sport", "dport", "action", "sa");
	for (unsigned i = 0; i < caps.spd_n; i++) {
		struct espnic_spd_rule r;
		char src[ESPNIC_TEXT_PREFIX_MAX], dst[ESPNIC_TEXT_PREFIX_MAX], pb[8], sp[16],
		    dp[16];
		if (!espnic_slot_in_use(in_use, i))
			continue;
		int rc = espnic_spd_get(dev, i, &r);
		if (rc < 0) {
			cli_err("%s", espnic_error(dev));
			free(in_use);
			return EXIT_RUNTIME;
		}
		if (rc == 0) /* deleted meanwhile */
			continue;
		espnic_text_prefix_str(&r.src, src, sizeof(src));
		espnic_text_prefix_str(&r.dst, dst, sizeof(dst));
		if (r.any_family) { /* both families */
			snprintf(src, sizeof(src), "any");
			snprintf(dst, sizeof(dst), "any");
		}
		snprintf(sp, sizeof(sp), "%u-%u", r.sport_lo, r.sport_hi);
		snprintf(dp, sizeof(dp), "%u-%u", r.dport_lo, r.dport_hi);
		printf("%-5u %-20s %-20s %-6s %-11s %-11s %-8s ", i, src, dst,
		       espnic_text_proto_str(r.proto, pb, sizeof(pb)), sp, dp,
		       r.action < 3 ? action_names[r.action] : "?");
		if (r.action == ESPNIC_ACT_PROTECT)
			printf("%u", r.sa);
		else
			printf("-");
		if (r.vlan_match)
			printf(" vlan %u", r.vlan);
		printf("\n");
	}
	free(in_use);
	return 0;
}

int card_spd_main(int argc, char **argv)
{
	struct espnic_spd_rule r;
	uint64_t index = 0, v;
	bool has_index = false, has_action = false, has_sa = false, has_src = false,
	     has_dst = false;
	int ch, idx;
	if (argc < 2) {
		fprintf(stderr, "%s", spd_usage);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		printf("%s", spd_usage);
		return 0;
	}
	if (strcmp(cmd, "add") && strcmp(cmd, "delete") && strcmp(cmd, "list")) {
		cli_err("spd: unknown command '%s'", cmd);
		fprintf(stderr, "%s", spd_usage);
		return EXIT_USAGE;
	}
	memset(&r, 0, sizeof(r));
	r.sport_hi = r.dport_hi = 65535;
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", spd_opts, &idx)) != -1) {
		const char *name = ch >= 256 ? spd_opts[idx].name : "";
		switch (ch) {
		case 'h':
			printf("%s", spd_usage);
			return 0;
		case O_INDEX:
			if (cli_u64(optarg, 0xffff, &index) < 0)
				return bad(name, optarg);
			has_index = true;
			break;
		case O_ACTION:
			has_action = false;
			for (unsigned i = 0; i < 3; i++)
				if (strcmp(optarg, action_names[i]) == 0) {
					r.action = (uint8_t)i;
					has_action = true;
				}
			if (!has_action)
				return bad(name, optarg);
			break;
		case O_SA:
			if (cli_u64(optarg, 0xffff, &v) < 0)
				return bad(name, optarg);
			r.sa = (uint16_t)v;
			has_sa = true;
			break;
		case O_SRC:
			if (espnic_text_prefix(optarg, 0, &r.src) < 0)
				return bad(name, optarg);
			has_src = true;
			break;
		case O_DST:
			if (espnic_text_prefix(optarg, 0, &r.dst) < 0)
				return bad(name, optarg);
			has_dst = true;
			break;
		case O_PROTO:
			if (espnic_text_proto(optarg, &r.proto) < 0)
				return bad(name, optarg);
			break;
		case O_SPORT:
			if (espnic_text_port_range(optarg, &r.sport_lo, &r.sport_hi) < 0)
				return bad(name, optarg);
			break;
		case O_DPORT:
			if (espnic_text_port_range(optarg, &r.dport_lo, &r.dport_hi) < 0)
				return bad(name, optarg);
			break;
		case O_VLAN:
			if (cli_u64(optarg, 4095, &v) < 0)
				return bad(name, optarg);
			r.vlan_match = true;
			r.vlan = (uint16_t)v;
			break;
		default:
			fprintf(stderr, "%s", spd_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("spd: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "list") == 0)
		return spd_list();
	if (!has_index) {
		cli_err("spd %s: --index is required", cmd);
		return EXIT_USAGE;
	}
	espnic_dev *dev = NULL;
	if (strcmp(cmd, "delete") == 0) {
		if (!(dev = cli_dev()))
			return EXIT_RUNTIME;
		if (espnic_spd_delete(dev, (unsigned)index) < 0) {
			cli_err("%s", espnic_error(dev));
			return EXIT_RUNTIME;
		}
		return 0;
	}
	if (!has_action || (r.action == ESPNIC_ACT_PROTECT) != has_sa) {
		cli_err("spd add: --action is required, and --sa goes with protect (only)");
		return EXIT_USAGE;
	}
	if (has_src && !has_dst)
		r.dst.v6 = r.src.v6;
	if (has_dst && !has_src)
		r.src.v6 = r.dst.v6;
	r.any_family = !has_src && !has_dst;
	if (r.src.v6 != r.dst.v6) {
		cli_err("spd add: --src and --dst must be the same address family");
		return EXIT_USAGE;
	}
	if (!(dev = cli_dev()))
		return EXIT_RUNTIME;
	if (espnic_spd_add(dev, (unsigned)index, &r) < 0) {
		cli_err("%s", espnic_error(dev));
		return EXIT_RUNTIME;
	}
	return 0;
}
