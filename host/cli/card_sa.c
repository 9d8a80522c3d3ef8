/* card_sa.c: `espnic card sa add|delete|list`. Keys come only from a file or
 * standard input (--key-file), never from the command line, and are wiped
 * after the install; `list` never shows keys (the card does not return
 * them). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "espnic_text.h"

static const char sa_usage[] =
    "usage: espnic card [-d DEVICE] sa add --dir in|out --spi SPI --key-file FILE|-\n"
    "                        [--index N] [--mode tunnel|transport] [--local ADDR --remote ADDR]\n"
    "                        [--encap none|udp] [--sport PORT] [--dport PORT]\n"
    "                        [--alg aes-gcm-128|aes-gcm-256] [--seq N] [--esn]\n"
    "                        [--replay-window N] [--sel-src PREFIX] [--sel-dst PREFIX]\n"
    "                        [--sel-proto PROTO] [--soft-bytes N] [--hard-bytes N]\n"
    "                        [--soft-packets N] [--hard-packets N] [--vlan VID]\n"
    "       espnic card [-d DEVICE] sa delete --dir in|out --index N\n"
    "       espnic card [-d DEVICE] sa list [--dir in|out]\n"
    "\n"
    "The key file holds the key followed by the 4-byte salt as one hex string\n"
    "(RFC 4106 keying material: 20 bytes for aes-gcm-128, 36 for aes-gcm-256);\n"
    "'-' reads it from standard input. An inbound SA's index defaults to its\n"
    "SPI modulo the table size (the card finds inbound SAs that way); an\n"
    "outbound one needs --index. Tunnel mode (the default) needs --local and\n"
    "--remote. --encap udp defaults to ports 4500/4500. --vlan (inbound tunnel\n"
    "SAs of a route-based session): the card delivers the SA's packets to the\n"
    "host tagged with that 802.1Q VID (1..4094).\n";

enum {
	O_DIR = 256,
	O_INDEX,
	O_SPI,
	O_MODE,
	O_LOCAL,
	O_REMOTE,
	O_ENCAP,
	O_SPORT,
	O_DPORT,
	O_ALG,
	O_KEY,
	O_SEQ,
	O_ESN,
	O_WIN,
	O_SSRC,
	O_SDST,
	O_SPROTO,
	O_SB,
	O_HB,
	O_SP,
	O_HP,
	O_VLAN
};

static const struct option sa_opts[] = {{"dir", required_argument, NULL, O_DIR},
					{"index", required_argument, NULL, O_INDEX},
					{"spi", required_argument, NULL, O_SPI},
					{"mode", required_argument, NULL, O_MODE},
					{"local", required_argument, NULL, O_LOCAL},
					{"remote", required_argument, NULL, O_REMOTE},
					{"encap", required_argument, NULL, O_ENCAP},
					{"sport", required_argument, NULL, O_SPORT},
					{"dport", required_argument, NULL, O_DPORT},
					{"alg", required_argument, NULL, O_ALG},
					{"key-file", required_argument, NULL, O_KEY},
					{"seq", required_argument, NULL, O_SEQ},
					{"esn", no_argument, NULL, O_ESN},
					{"replay-window", required_argument, NULL, O_WIN},
					{"sel-src", required_argument, NULL, O_SSRC},
					{"sel-dst", required_argument, NULL, O_SDST},
					{"sel-proto", required_argument, NULL, O_SPROTO},
					{"soft-bytes", required_argument, NULL, O_SB},
					{"hard-bytes", required_argument, NULL, O_HB},
					{"soft-packets", required_argument, NULL, O_SP},
					{"hard-packets", required_argument, NULL, O_HP},
					{"vlan", required_argument, NULL, O_VLAN},
					{"help", no_argument, NULL, 'h'},
					{NULL, 0, NULL, 0}};

struct sa_args {
	struct espnic_sa sa;
	int dir; /* -1 unset, 0 out, 1 in */
	uint64_t index;
	bool has_index, has_spi, has_local, has_remote, has_win;
	const char *key_file;
};

static int bad(const char *opt, const char *val)
{
	cli_err("sa: bad value for --%s: '%s'", opt, val);
	return EXIT_USAGE;
}

static int parse_dir(const char *s, int *dir)
{
	if (strcmp(s, "in") == 0)
		*dir = 1;
	else if (strcmp(s, "out") == 0)
		*dir = 0;
	else
		return -1;
	return 0;
}

/* Parse the options of add/delete/list; 0, or an exit code. */
static int parse(int argc, char **argv, struct sa_args *a)
{
	int ch, idx;
	uint64_t v;
	memset(a, 0, sizeof(*a));
	a->dir = -1;
	a->sa.tunnel = true;
	a->sa.alg = ESPNIC_ALG_AES_GCM_128;
	a->sa.udp_sport = a->sa.udp_dport = 4500;
	a->sa.sel_dst.v6 = false;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", sa_opts, &idx)) != -1) {
		const char *name = ch >= 256 ? sa_opts[idx].name : "";
		switch (ch) {
		case 'h':
			printf("%s", sa_usage);
			return -1;
		case O_DIR:
			if (parse_dir(optarg, &a->dir) < 0)
				return bad(name, optarg);
			break;
		case O_INDEX:
			if (cli_u64(optarg, 0xffff, &a->index) < 0)
				return bad(name, optarg);
			a->has_index = true;
			break;
		case O_SPI:
			if (cli_u64(optarg, 0xffffffffu, &v) < 0 || v < 256)
				return bad(name, optarg);
			a->sa.spi = (uint32_t)v;
			a->has_spi = true;
			break;
		case O_MODE:
			if (strcmp(optarg, "tunnel") && strcmp(optarg, "transport"))
				return bad(name, optarg);
			a->sa.tunnel = strcmp(optarg, "tunnel") == 0;
			break;
		case O_LOCAL:
			if (espnic_text_ipv4(optarg, a->sa.local) < 0)
				return bad(name, optarg);
			a->has_local = true;
			break;
		case O_REMOTE:
			if (espnic_text_ipv4(optarg, a->sa.remote) < 0)
				return bad(name, optarg);
			a->has_remote = true;
			break;
		case O_ENCAP:
			if (strcmp(optarg, "udp") && strcmp(optarg, "none"))
				return bad(name, optarg);
			a->sa.udp_encap = strcmp(optarg, "udp") == 0;
			break;
		case O_SPORT:
		case O_DPORT:
			if (cli_u64(optarg, 65535, &v) < 0 || v == 0)
				return bad(name, optarg);
			*(ch == O_SPORT ? &a->sa.udp_sport : &a->sa.udp_dport) = (uint16_t)v;
			break;
		case O_ALG:
			if (strcmp(optarg, "aes-gcm-128") == 0)
				a->sa.alg = ESPNIC_ALG_AES_GCM_128;
			else if (strcmp(optarg, "aes-gcm-256") == 0)
				a->sa.alg = ESPNIC_ALG_AES_GCM_256;
			else
				return bad(name, optarg);
			break;
		case O_KEY:
			a->key_file = optarg;
			break;
		case O_SEQ:
			if (cli_u64(optarg, UINT64_MAX, &a->sa.seq) < 0)
				return bad(name, optarg);
			break;
		case O_ESN:
			a->sa.esn = true;
			break;
		case O_WIN:
			if (cli_u64(optarg, 1024, &v) < 0)
				return bad(name, optarg);
			a->sa.replay_window = (uint16_t)v;
			a->has_win = true;
			break;
		case O_SSRC:
		case O_SDST:
			if (espnic_text_prefix(optarg, 0,
					       ch == O_SSRC ? &a->sa.sel_src : &a->sa.sel_dst) < 0)
				return bad(name, optarg);
			break;
		case O_SPROTO:
			if (espnic_text_proto(optarg, &a->sa.sel_proto) < 0)
				return bad(name, optarg);
			break;
		case O_VLAN:
			if (cli_u64(optarg, 4094, &v) < 0 || v == 0)
				return bad(name, optarg);
			a->sa.vlan_tag = true;
			a->sa.vlan = (uint16_t)v;
			break;
		case O_SB:
		case O_HB:
		case O_SP:
		case O_HP: {
			uint64_t *dst[] = {&a->sa.soft_bytes, &a->sa.hard_bytes,
					   &a->sa.soft_packets, &a->sa.hard_packets};
			if (cli_u64(optarg, UINT64_MAX, dst[ch - O_SB]) < 0)
				return bad(name, optarg);
			break;
		}
		default:
			fprintf(stderr, "%s", sa_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("sa: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

static int sa_add(struct sa_args *a)
{
	struct espnic_caps caps;
	uint8_t km[64];
	int rc = EXIT_USAGE;
	if (a->dir < 0 || !a->has_spi || !a->key_file) {
		cli_err("sa add: --dir, --spi and --key-file are required");
		return EXIT_USAGE;
	}
	if (a->sa.tunnel && (!a->has_local || !a->has_remote)) {
		cli_err("sa add: tunnel mode needs --local and --remote");
		return EXIT_USAGE;
	}
	if (a->sa.sel_src.v6 != a->sa.sel_dst.v6) {
		/* An unset selector is "any" of the other one's family. */
		if (!a->sa.sel_src.len && !a->sa.sel_src.addr[0])
			a->sa.sel_src.v6 = a->sa.sel_dst.v6;
		else if (!a->sa.sel_dst.len && !a->sa.sel_dst.addr[0])
			a->sa.sel_dst.v6 = a->sa.sel_src.v6;
		else {
			cli_err("sa add: --sel-src and --sel-dst must be the same address family");
			return EXIT_USAGE;
		}
	}
	a->sa.inbound = a->dir == 1;
	if (!a->has_win)
		a->sa.replay_window = a->sa.inbound ? 64 : 0;
	if (!a->has_index && !a->sa.inbound) {
		cli_err("sa add: an outbound SA needs --index");
		return EXIT_USAGE;
	}
	espnic_dev *dev = cli_dev();
	if (!dev)
		return EXIT_RUNTIME;
	if (espnic_get_caps(dev, &caps) < 0) {
		cli_err("%s", espnic_error(dev));
		return EXIT_RUNTIME;
	}
	if (!a->has_index)
		a->index = a->sa.spi % caps.sa_n;
	if (a->index >= caps.sa_n) {
		cli_err("sa add: --index %" PRIu64 " beyond the card's %u entries", a->index,
			caps.sa_n);
		return EXIT_USAGE;
	}
	size_t klen = a->sa.alg == ESPNIC_ALG_AES_GCM_256 ? 32 : 16;
	int n = cli_read_key(a->key_file, km, sizeof(km));
	if (n < 0)
		goto wipe;
	if ((size_t)n != klen + 4) {
		cli_err(
		    "sa add: %s needs %zu bytes of keying material (key and salt), the file has %d",
		    a->sa.alg == ESPNIC_ALG_AES_GCM_256 ? "aes-gcm-256" : "aes-gcm-128", klen + 4,
		    n);
		goto wipe;
	}
	memcpy(a->sa.key, km, klen);
	memcpy(a->sa.salt, km + klen, 4);
	if (espnic_sa_add(dev, (unsigned)a->index, &a->sa) < 0) {
		cli_err("%s", espnic_error(dev));
		rc = EXIT_RUNTIME;
		goto wipe;
	}
	rc = 0;
wipe:
	explicit_bzero(km, sizeof(km));
	explicit_bzero(&a->sa, sizeof(a->sa));
	return rc;
}

static void print_sa(bool inbound, unsigned index, const struct espnic_sa_status *st)
{
	char drops[128] = "";
	size_t off = 0;
	for (unsigned d = 0; d < ESPNIC_DROP_N; d++)
		if (st->drops[d] && off < sizeof(drops))
			off += (size_t)snprintf(drops + off, sizeof(drops) - off, "%s%s=%" PRIu64,
						off ? "," : "", espnic_drop_name(d), st->drops[d]);
	const char *alg = st->alg == ESPNIC_ALG_AES_GCM_128   ? "aes-gcm-128"
			  : st->alg == ESPNIC_ALG_AES_GCM_256 ? "aes-gcm-256"
							      : "?";
	bool tunnel = st->flags & (1u << ESPNIC_SA_FLAG_TUNNEL);
	bool udp = st->flags & (1u << ESPNIC_SA_FLAG_UDP);
	printf("%-5u %-3s 0x%08x %-9s %-5s %-11s %10" PRIu64 " %12" PRIu64 " %10" PRIu64
	       " %s%s%s\n",
	       index, inbound ? "in" : "out", st->spi, tunnel ? "tunnel" : "transport",
	       udp ? "udp" : "none", alg, st->packets, st->bytes, st->seq, off ? drops : "-",
	       st->soft_expired ? " soft-expired" : "", st->hard_expired ? " hard-expired" : "");
}

static int sa_list(const struct sa_args *a)
{
	struct espnic_caps caps;
	espnic_dev *dev = cli_dev();
	if (!dev)
		return EXIT_RUNTIME;
	if (espnic_get_caps(dev, &caps) < 0) {
		cli_err("%s", espnic_error(dev));
		return EXIT_RUNTIME;
	}
	printf("%-5s %-3s %-10s %-9s %-5s %-11s %10s %12s %10s %s\n", "index", "dir", "spi", "mode",
	       "encap", "algorithm", "packets", "bytes", "seq", "drops");
	uint8_t *in_use = malloc((caps.sa_n + 7) / 8);
	if (!in_use) {
		cli_err("out of memory");
		return EXIT_RUNTIME;
	}
	int ret = 0;
	for (int dir = 0; dir < 2 && !ret; dir++) {
		if (a->dir >= 0 && a->dir != dir)
			continue;
		/* Which slots are in use (a command per 1024), then each of them. */
		if (espnic_sa_used(dev, dir == 1, in_use) < 0) {
			cli_err("%s", espnic_error(dev));
			ret = EXIT_RUNTIME;
			break;
		}
		for (unsigned i = 0; i < caps.sa_n; i++) {
			struct espnic_sa_status st;
			if (!espnic_slot_in_use(in_use, i))
				continue;
			if (espnic_sa_get(dev, dir == 1, i, &st) < 0) {
				cli_err("%s", espnic_error(dev));
				ret = EXIT_RUNTIME;
				break;
			}
			if (st.enabled) /* (deleted meanwhile otherwise) */
				print_sa(dir == 1, i, &st);
		}
	}
	free(in_use);
	return ret;
}

int card_sa_main(int argc, char **argv)
{
	struct sa_args a;
	if (argc < 2) {
		fprintf(stderr, "%s", sa_usage);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		printf("%s", sa_usage);
		return 0;
	}
	if (strcmp(cmd, "add") && strcmp(cmd, "delete") && strcmp(cmd, "list")) {
		cli_err("sa: unknown command '%s'", cmd);
		fprintf(stderr, "%s", sa_usage);
		return EXIT_USAGE;
	}
	int rc = parse(argc - 1, argv + 1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (strcmp(cmd, "add") == 0)
		return sa_add(&a);
	if (strcmp(cmd, "list") == 0)
		return sa_list(&a);
	if (a.dir < 0 || !a.has_index) {
		cli_err("sa delete: --dir and --index are required");
		return EXIT_USAGE;
	}
	espnic_dev *dev = cli_dev();
	if (!dev)
		return EXIT_RUNTIME;
	if (espnic_sa_delete(dev, a.dir == 1, (unsigned)a.index) < 0) {
		cli_err("%s", espnic_error(dev));
		return EXIT_RUNTIME;
	}
	return 0;
}
