/* ipsec_cmd.c: `espnic endpoint`, `espnic profile ike|tunnel|dpd` and `espnic session`:
 * clients of espnicd's API. One table per object type maps options to JSON fields; add is
 * POST, set is PATCH; tables for people, --json for scripts. PSKs and private keys come only
 * from a file or standard input (--psk-file, --key-file), never from the command line;
 * certificates are read from PEM files (--cert-file, --ca-file). espnicd never hands a PSK
 * back: `session peer-config --psk-file F --output F` fills the caller's own copy into the
 * peer's configuration, written only to a file of mode 0600. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "api_client.h"
#include "cli.h"

/* O_MODE: a string that may leave out the API enum's "_MODE" (tunnel for TUNNEL_MODE). */
enum opt_type { O_STR, O_MODE, O_LIST, O_INT, O_BOOL, O_TAG, O_FILE, O_SECRET_FILE };

struct field_opt {
	const char *opt, *field;
	enum opt_type type;
	const char *help;
};

struct column {
	const char *title, *field;
	int width;
};

struct kind {
	const char *group, *path, *noun;
	const struct field_opt *opts;
	const struct column *cols;
};

static const struct field_opt endpoint_opts[] = {
    {"address", "local_address", O_STR, "IP      our IKE address (required)"},
    {"local-id", "local_id", O_STR,
     "ID     our IKE identity (IP, FQDN, user@domain, dn:...; default the address)"},
    {"cert-file", "certificate", O_FILE,
     "FILE  our certificate (PEM, intermediates may follow) for certificate sessions"},
    {"key-file", "private_key", O_SECRET_FILE,
     "FILE|-  its private key (PEM, unencrypted) from a file or standard input"},
    {"description", "description", O_STR, "TEXT up to 1024 characters"},
    {"tag", "tags", O_TAG, "SCOPE=TAG     a tag (repeatable)"},
    {NULL, NULL, 0, NULL}};

static const struct column endpoint_cols[] = {{"NAME", "name", 24},
					      {"ADDRESS", "local_address", 18},
					      {"LOCAL-ID", "local_id", 20},
					      {"KEY", "private_key_configured", 4},
					      {"DESCRIPTION", "description", 0},
					      {NULL, NULL, 0}};

static const struct field_opt ike_opts[] = {
    {"ike-version", "ike_version", O_STR, "V      IKE_V2 (default), IKE_V1, IKE_FLEX"},
    {"encryption", "encryption_algorithms", O_LIST,
     "A,B     AES_128 (default), AES_256, AES_GCM_128, AES_GCM_256"},
    {"digest", "digest_algorithms", O_LIST,
     "A,B         SHA1, SHA2_256 (default), SHA2_384, SHA2_512"},
    {"dh-groups", "dh_groups", O_LIST,
     "G,H      GROUP14 (default), GROUP15, GROUP16, GROUP19, GROUP20, GROUP21, GROUP31"},
    {"lifetime", "sa_life_time", O_INT, "SECONDS    IKE SA lifetime (default 86400)"},
    {"description", "description", O_STR, "TEXT"},
    {"tag", "tags", O_TAG, "SCOPE=TAG"},
    {NULL, NULL, 0, NULL}};

static const struct column ike_cols[] = {{"NAME", "name", 30},
					 {"VERSION", "ike_version", 8},
					 {"ENCRYPTION", "encryption_algorithms", 24},
					 {"DIGEST", "digest_algorithms", 18},
					 {"DH", "dh_groups", 16},
					 {"LIFETIME", "sa_life_time", 9},
					 {"SYSTEM", "system_owned", 0},
					 {NULL, NULL, 0}};

static const struct field_opt tunnel_opts[] = {
    {"encryption", "encryption_algorithms", O_LIST,
     "A,B     AES_GCM_128 (default), AES_GCM_256, AES_128, AES_256"},
    {"digest", "digest_algorithms", O_LIST,
     "A,B         SHA1..SHA2_512 (AES-CBC only; \"\" for none)"},
    {"pfs", "enable_perfect_forward_secrecy", O_BOOL,
     "yes|no         perfect forward secrecy (default yes)"},
    {"dh-groups", "dh_groups", O_LIST, "G,H      for PFS (default GROUP14)"},
    {"lifetime", "sa_life_time", O_INT, "SECONDS    tunnel SA lifetime (default 3600, 0 = none)"},
    {"life-bytes", "sa_life_bytes", O_INT,
     "N        bytes per direction, enforced by the card (0 = none)"},
    {"life-packets", "sa_life_packets", O_INT, "N      packets per direction (0 = none)"},
    {"df-policy", "df_policy", O_STR, "COPY        (CLEAR is not supported yet)"},
    {"mode", "encapsulation_mode", O_MODE,
     "tunnel|transport  ESP mode (default tunnel; transport: the networks are the two IKE "
     "addresses)"},
    {"description", "description", O_STR, "TEXT"},
    {"tag", "tags", O_TAG, "SCOPE=TAG"},
    {NULL, NULL, 0, NULL}};

static const struct column tunnel_cols[] = {{"NAME", "name", 30},
					    {"ENCRYPTION", "encryption_algorithms", 24},
					    {"DIGEST", "digest_algorithms", 12},
					    {"PFS", "enable_perfect_forward_secrecy", 4},
					    {"DH", "dh_groups", 12},
					    {"LIFETIME", "sa_life_time", 9},
					    {"DF", "df_policy", 6},
					    {"MODE", "encapsulation_mode", 15},
					    {"SYSTEM", "system_owned", 0},
					    {NULL, NULL, 0}};

static const struct field_opt dpd_opts[] = {
    {"mode", "dpd_probe_mode", O_STR, "PERIODIC|ON_DEMAND (default PERIODIC)"},
    {"interval", "dpd_probe_interval", O_INT, "SECONDS    (default 60)"},
    {"retries", "retry_count", O_INT,
     "N           retransmissions of a liveness check (default 10)"},
    {"action", "dpd_action", O_STR, "RESTART|CLEAR|HOLD  after a dead peer (default RESTART)"},
    {"enabled", "enabled", O_BOOL, "yes|no     (default yes)"},
    {"description", "description", O_STR, "TEXT"},
    {"tag", "tags", O_TAG, "SCOPE=TAG"},
    {NULL, NULL, 0, NULL}};

static const struct column dpd_cols[] = {{"NAME", "name", 30},
					 {"MODE", "dpd_probe_mode", 10},
					 {"INTERVAL", "dpd_probe_interval", 9},
					 {"RETRIES", "retry_count", 8},
					 {"ACTION", "dpd_action", 8},
					 {"ENABLED", "enabled", 8},
					 {"SYSTEM", "system_owned", 0},
					 {NULL, NULL, 0}};

static const struct field_opt session_opts[] = {
    {"endpoint", "local_endpoint", O_STR, "NAME       local endpoint (required)"},
    {"peer", "peer_address", O_STR, "IP             the peer's address (required)"},
    {"local-networks", "local_networks", O_LIST, "CIDR,... (required, policy-based)"},
    {"remote-networks", "remote_networks", O_LIST, "CIDR,... (required, policy-based)"},
    {"type", "resource_type", O_STR,
     "T          PolicyBasedIPSecVpnSession (default) or RouteBasedIPSecVpnSession"},
    {"vlan", "vlan", O_INT, "VID         route-based: the tunnel interface's 802.1Q VLAN"},
    {"tunnel-interface", "tunnel_interface", O_STR,
     "A/LEN route-based: our tunnel address, a /30 or /31 (169.254.10.1/30)"},
    {"tunnel-interface-name", "tunnel_interface_name", O_STR,
     "IF  route-based: the VLAN's host interface (default espnic0.VID)"},
    {"static-routes", "static_routes", O_LIST,
     "CIDR,... route-based: routed into the tunnel (\"\" for none)"},
    {"bgp-local-as", "bgp.local_asn", O_INT,
     "ASN     route-based: BGP over the tunnel interface, our AS (1..4294967295;\n"
     "                        one for all sessions: espnicd runs one BGP router)"},
    {"bgp-peer-as", "bgp.peer_asn", O_INT,
     "ASN      the neighbour's AS; the neighbour is the peer's end of\n"
     "                        --tunnel-interface (one neighbour per session)"},
    {"bgp-remote-as", "bgp.peer_asn", O_INT, "ASN    same as --bgp-peer-as"},
    {"bgp-keepalive", "bgp.keepalive_time", O_INT, "SECONDS  BGP keepalive timer (default 60)"},
    {"bgp-hold-time", "bgp.hold_down_time", O_INT, "SECONDS  BGP hold timer (default 180)"},
    {"bgp-bfd", "bgp.bfd", O_BOOL, "yes|no        BFD for the neighbour (default no; FRR's bfdd)"},
    {"bgp-announce", "bgp.announce", O_LIST, "CIDR,...  prefixes BGP announces (\"\" for none)"},
    {"auth-mode", "authentication_mode", O_STR, "PSK|CERTIFICATE (default PSK)"},
    {"auth", "authentication_mode", O_STR, "PSK|CERTIFICATE (same as --auth-mode)"},
    {"ca-file", "trusted_ca", O_FILE,
     "FILE    CERTIFICATE: the CAs (PEM) the peer's certificate must chain to"},
    {"crl-file", "trusted_crl", O_FILE,
     "FILE   CERTIFICATE: CRLs (PEM); then the peer's certificate must be on a current\n"
     "                        CRL of its issuer (revoked, stale or missing: refused)"},
    {"local-id", "local_id", O_STR,
     "ID         our identity (default the endpoint's; dn:C=..,CN=.. with certificates)"},
    {"peer-id", "peer_id", O_STR,
     "ID          the peer's identity (default its address; dn:, fqdn:, email:, ipv4:)"},
    {"remote-id", "peer_id", O_STR, "ID        same as --peer-id"},
    {"ike-profile", "ike_profile", O_STR, "NAME"},
    {"tunnel-profile", "tunnel_profile", O_STR, "NAME"},
    {"dpd-profile", "dpd_profile", O_STR, "NAME"},
    {"initiation", "connection_initiation_mode", O_STR,
     "MODE     INITIATOR (default), ON_DEMAND, RESPOND_ONLY"},
    {"description", "description", O_STR, "TEXT    up to 1024 characters"},
    {"enabled", "enabled", O_BOOL, "yes|no     admin status (default yes)"},
    {"tag", "tags", O_TAG, "SCOPE=TAG      a tag (repeatable)"},
    {"keying-tries", "keying_tries", O_INT, "N      initiation attempts (0 = forever, default)"},
    {"rekey", "rekey", O_BOOL, "yes|no       rekey before expiry (default yes)"},
    {"margin-time", "margin_time", O_INT, "SECONDS rekey this long before expiry (540)"},
    {"unique-ids", "unique_ids", O_STR, "YES|NO|NEVER (default YES)"},
    {"force-encap", "force_udp_encapsulation", O_BOOL, "yes|no  ESP in UDP always"},
    {"make-before-break", "make_before_break", O_BOOL,
     "yes (no is refused: rekeys are always make-before-break)"},
    {"compliance-suite", "compliance_suite", O_STR,
     "S  NONE (default), CNSA, SUITE_B_GCM_128, SUITE_B_GCM_256,\n"
     "                        PRIME, FOUNDATION, FIPS: pins the suite's profiles"},
    {"tcp-mss-direction", "tcp_mss_clamping.direction", O_STR,
     "D  TCP MSS clamping by the card: NONE (default), INBOUND_MSS,\n"
     "                        OUTBOUND_MSS, BOTH"},
    {"tcp-mss", "tcp_mss_clamping.max_segment_size", O_INT,
     "MSS          the clamp, 108..8902 (default automatic: the tunnel's MTU less\n"
     "                        the ESP, IP and TCP overhead); give it with --tcp-mss-direction"},
    {NULL, NULL, 0, NULL}};

static const struct column session_cols[] = {{"NAME", "name", 20},
					     {"ENABLED", "enabled", 8},
					     {"PEER", "peer_address", 16},
					     {"ENDPOINT", "local_endpoint", 14},
					     {"LOCAL-NETWORKS", "local_networks", 20},
					     {"REMOTE-NETWORKS", "remote_networks", 20},
					     {"INITIATION", "connection_initiation_mode", 0},
					     {NULL, NULL, 0}};

static const struct kind kinds[] = {
    {"endpoint", "local-endpoints", "local endpoint", endpoint_opts, endpoint_cols},
    {"profile ike", "ike-profiles", "IKE profile", ike_opts, ike_cols},
    {"profile tunnel", "tunnel-profiles", "tunnel profile", tunnel_opts, tunnel_cols},
    {"profile dpd", "dpd-profiles", "DPD profile", dpd_opts, dpd_cols},
    {"session", "sessions", "session", session_opts, session_cols},
};

/* ---- rendering ---- */

static void render(const json_t *v, char *buf, size_t len)
{
	size_t i, used = 0;
	json_t *item;

	buf[0] = '\0';
	if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_value(v));
	} else if (json_is_boolean(v)) {
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	} else if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
		{
			char one[256];

			if (json_is_object(item)) /* a tag */
				snprintf(one, sizeof(one), "%s=%s",
					 json_string_value(json_object_get(item, "scope")),
					 json_string_value(json_object_get(item, "tag")));
			else
				render(item, one, sizeof(one));
			if (used < len)
				used += (size_t)snprintf(buf + used, len - used, "%s%s",
							 i ? "," : "", one);
		}
		if (json_array_size(v) == 0)
			snprintf(buf, len, "-");
	} else if (v == NULL || json_is_null(v)) {
		snprintf(buf, len, "-");
	}
}

static void print_json(const json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2));

	if (text != NULL)
		printf("%s\n", text);
	free(text);
}

static void print_table(const struct column *cols, const json_t *results)
{
	size_t i;
	json_t *obj;

	for (int c = 0; cols[c].title; c++)
		if (cols[c].width)
			printf("%-*s ", cols[c].width, cols[c].title);
		else
			printf("%s\n", cols[c].title);
	json_array_foreach(results, i, obj)
	{
		for (int c = 0; cols[c].title; c++) {
			char buf[1024];

			render(json_object_get(obj, cols[c].field), buf, sizeof(buf));
			if (cols[c].width)
				printf("%-*s ", cols[c].width, buf);
			else
				printf("%s\n", buf);
		}
	}
}

/* One field a line; an object's fields as "OBJECT.FIELD" (bgp.local_asn). A password is
 * never printed (espnicd does not return one; password_configured says whether there is). */
static void print_fields(const json_t *obj, const char *prefix)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v)
	{
		char buf[2048], name[128];

		snprintf(name, sizeof(name), "%s%s", prefix, key);
		if (strcmp(key, "password") == 0)
			continue;
		if (json_is_object(v) && *prefix == '\0' && json_object_size(v) > 0) {
			snprintf(name, sizeof(name), "%s.", key);
			print_fields(v, name);
			continue;
		}
		render(v, buf, sizeof(buf));
		printf("%-32s %s\n", name, buf);
	}
}

static void print_object(const json_t *obj)
{
	print_fields(obj, "");
}

/* ---- option parsing ---- */

struct common {
	bool json, names, help, no_bgp, no_bgp_password;
	const char *psk_file, *format, *output, *bgp_password_file;
	const char *positional[2];
	int npos;
};

static int parse_bool(const char *s, bool *b)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcasecmp(s, "on") ||
	    !strcmp(s, "1"))
		*b = true;
	else if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcasecmp(s, "off") ||
		 !strcmp(s, "0"))
		*b = false;
	else
		return -1;
	return 0;
}

/* A PEM file (or "-": standard input) into body[field]; secrets are wiped after use. */
static int read_file_field(json_t *body, const struct field_opt *f, const char *path)
{
	static char buf[65536];
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	size_t n;
	int ret = 0;

	if (fp == NULL) {
		cli_err("--%s %s: %s", f->opt, path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), fp);
	if (fp != stdin)
		fclose(fp);
	if (n == sizeof(buf)) {
		cli_err("--%s %s: larger than %zu octets", f->opt, path, sizeof(buf) - 1);
		ret = -1;
	} else if (n == 0 || memchr(buf, '\0', n) != NULL) {
		cli_err("--%s %s: empty or not PEM text", f->opt, path);
		ret = -1;
	} else {
		json_object_set_new(body, f->field, json_stringn(buf, n));
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

/* The object and key a field goes to: "a.b" is key b of the object a (made when missing). */
static json_t *field_parent(json_t *body, const char *field, const char **key)
{
	const char *dot = strchr(field, '.');
	char name[64];
	json_t *sub;

	if (dot == NULL || (size_t)(dot - field) >= sizeof(name)) {
		*key = field;
		return body;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(dot - field), field);
	sub = json_object_get(body, name);
	if (!json_is_object(sub)) {
		sub = json_object();
		json_object_set_new(body, name, sub);
	}
	*key = dot + 1;
	return sub;
}

static int set_field(json_t *body, const struct field_opt *f, const char *val)
{
	const char *key;
	json_t *parent = field_parent(body, f->field, &key);

	if (f->type == O_FILE || f->type == O_SECRET_FILE) {
		return read_file_field(body, f, val);
	} else if (f->type == O_STR) {
		json_object_set_new(parent, key, json_string(val));
	} else if (f->type == O_MODE) {
		bool bare = strcasecmp(val, "tunnel") == 0 || strcasecmp(val, "transport") == 0;

		json_object_set_new(parent, key,
				    bare ? json_sprintf("%s_MODE", val) : json_string(val));
	} else if (f->type == O_INT) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(val, &end, 10);
		if (errno || *end || end == val) {
			cli_err("--%s: not a number: %s", f->opt, val);
			return -1;
		}
		json_object_set_new(parent, key, json_integer(v));
	} else if (f->type == O_BOOL) {
		bool b;

		if (parse_bool(val, &b) < 0) {
			cli_err("--%s: yes or no, not %s", f->opt, val);
			return -1;
		}
		json_object_set_new(parent, key, json_boolean(b));
	} else if (f->type == O_LIST) {
		json_t *arr = json_array();
		char *copy = strdup(val), *save = NULL;

		for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			json_array_append_new(arr, json_string(t));
		free(copy);
		json_object_set_new(parent, key, arr);
	} else {
		const char *eq = strchr(val, '=');
		json_t *tags = json_object_get(body, f->field);

		if (tags == NULL) {
			tags = json_array();
			json_object_set_new(body, f->field, tags);
		}
		if (eq == NULL)
			json_array_append_new(tags, json_pack("{s:s}", "tag", val));
		else
			json_array_append_new(tags, json_pack("{s:s%, s:s}", "scope", val,
							      (size_t)(eq - val), "tag", eq + 1));
	}
	return 0;
}

/* Options every command takes, and the refused ones that would put a secret
 * on the command line (named exactly so that getopt_long does not take
 * "--key" for an abbreviation of --key-file). Object options follow them in
 * the table, with the values OPT_FIELD + their index in kind.opts. */
enum {
	OPT_JSON = 1000,
	OPT_NAMES,
	OPT_REFUSED_INCLUDE_SECRET,
	OPT_SOCKET,
	OPT_FORMAT,
	OPT_PSK_FILE,
	OPT_OUTPUT,
	OPT_REFUSED_KEY,
	OPT_REFUSED_PSK,
	OPT_BGP_PASSWORD_FILE,
	OPT_NO_BGP_PASSWORD,
	OPT_NO_BGP,
	OPT_REFUSED_BGP_PASSWORD,
	OPT_FIELD = 2000
};

static const struct option common_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"json", no_argument, NULL, OPT_JSON},
    {"names", no_argument, NULL, OPT_NAMES},
    {"include-secret", no_argument, NULL, OPT_REFUSED_INCLUDE_SECRET},
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"private-key", required_argument, NULL, OPT_REFUSED_KEY},
    {"key", required_argument, NULL, OPT_REFUSED_KEY},
    {"psk", required_argument, NULL, OPT_REFUSED_PSK}};

#define N_COMMON_OPTS (sizeof(common_opts) / sizeof(common_opts[0]))
/* + the session's own (psk-file, output, the BGP password's) + fields + end */
#define MAX_OPTS (N_COMMON_OPTS + 6 + 64 + 1)

/* The name an option was given by (for messages): argv's "--NAME[=VALUE]". */
static void given_name(const char *arg, char *name, size_t len)
{
	const char *eq;
	arg += strspn(arg, "-");
	eq = strchr(arg, '=');
	snprintf(name, len, "%.*s", (int)(eq ? (size_t)(eq - arg) : strlen(arg)), arg);
}

/* The options whose names start with prefix. */
static size_t count_prefixed(const struct option *opts, const char *prefix)
{
	size_t n = 0;
	for (; opts->name; opts++)
		n += *prefix && strncmp(opts->name, prefix, strlen(prefix)) == 0;
	return n;
}

/* Options of the object (into body when not NULL) and the common ones;
 * argv[0] is the command (add, list, ...). */
static int parse_args(int argc, char **argv, const struct kind *k, json_t *body, struct common *c)
{
	struct option opts[MAX_OPTS];
	size_t n = 0;
	int ch, idx;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < N_COMMON_OPTS; i++)
		opts[n++] = common_opts[i];
	if (k == &kinds[4]) {
		opts[n++] = (struct option){"psk-file", required_argument, NULL, OPT_PSK_FILE};
		opts[n++] = (struct option){"output", required_argument, NULL, OPT_OUTPUT};
		opts[n++] = (struct option){"bgp-password-file", required_argument, NULL,
					    OPT_BGP_PASSWORD_FILE};
		opts[n++] =
		    (struct option){"no-bgp-password", no_argument, NULL, OPT_NO_BGP_PASSWORD};
		opts[n++] = (struct option){"no-bgp", no_argument, NULL, OPT_NO_BGP};
		opts[n++] = (struct option){"bgp-password", required_argument, NULL,
					    OPT_REFUSED_BGP_PASSWORD};
	}
	for (int j = 0; body != NULL && k->opts[j].opt; j++) {
		if (n + 1 >= MAX_OPTS)
			abort(); /* the tables above outgrew MAX_OPTS */
		opts[n++] = (struct option){k->opts[j].opt, required_argument, NULL, OPT_FIELD + j};
	}
	opts[n] = (struct option){NULL, 0, NULL, 0};

	opterr = 0; /* the messages below name the option as the user wrote it */
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", opts, &idx)) != -1) {
		char name[64];

		switch (ch) {
		case 'h':
			c->help = true;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_NAMES:
			c->names = true;
			break;
		case OPT_REFUSED_INCLUDE_SECRET:
			cli_err("--include-secret is gone: espnicd never hands out a pre-shared "
				"key; use --psk-file FILE --output FILE (your copy of the key, "
				"written into FILE with mode 0600)");
			return -1;
		case OPT_SOCKET:
			api_set_socket(optarg);
			break;
		case OPT_FORMAT:
			c->format = optarg;
			break;
		case OPT_PSK_FILE:
			c->psk_file = optarg;
			break;
		case OPT_OUTPUT:
			c->output = optarg;
			break;
		case OPT_BGP_PASSWORD_FILE:
			c->bgp_password_file = optarg;
			break;
		case OPT_NO_BGP_PASSWORD:
			c->no_bgp_password = true;
			break;
		case OPT_NO_BGP:
			c->no_bgp = true;
			break;
		case OPT_REFUSED_BGP_PASSWORD:
			cli_err("--bgp-password is not accepted: a secret on the command line is "
				"visible to every user (ps); use --bgp-password-file FILE (mode "
				"0600) or --bgp-password-file - (stdin)");
			return -1;
		case OPT_REFUSED_KEY:
			cli_err("--%s is not accepted: use --key-file FILE or --key-file - (stdin)",
				opts[idx].name);
			return -1;
		case OPT_REFUSED_PSK:
			cli_err("--psk is not accepted: a secret on the command line is visible "
				"to every user (ps); use --psk-file FILE or --psk-file - (stdin)");
			return -1;
		case ':': /* a long option at the end without its value */
			given_name(argv[optind - 1], name, sizeof(name));
			cli_err("--%s needs a value", name);
			return -1;
		case '?':
			/* optopt: 0 for an unknown long option, the option's value for
			 * "--json=VALUE", the letter for an unknown short option. */
			if (optopt != 0 && optopt != 'h' && optopt < OPT_JSON) {
				cli_err("unknown option '-%c' (see --help)", optopt);
				return -1;
			}
			given_name(argv[optind - 1], name, sizeof(name));
			if (optopt != 0)
				cli_err("--%s takes no value", name);
			else if (count_prefixed(opts, name) > 1)
				cli_err("--%s is ambiguous: give more of the option's name", name);
			else
				cli_err("unknown option --%s (see --help)", name);
			return -1;
		default:
			if (set_field(body, &k->opts[ch - OPT_FIELD], optarg) < 0)
				return -1;
		}
	}
	if (c->no_bgp &&
	    (json_object_get(body, "bgp") || c->bgp_password_file || c->no_bgp_password)) {
		cli_err("--no-bgp removes the session's BGP: it does not go with other --bgp-* "
			"options");
		return -1;
	}
	if (c->bgp_password_file && c->no_bgp_password) {
		cli_err("--bgp-password-file and --no-bgp-password: give one of them");
		return -1;
	}
	for (; optind < argc; optind++) {
		if (c->npos == 2) {
			cli_err("unexpected argument '%s'", argv[optind]);
			return -1;
		}
		c->positional[c->npos++] = argv[optind];
	}
	return 0;
}

/* A secret (a PSK, the BGP password) from the file of option OPT, or "-" (standard input),
 * into buf (cap octets); one trailing newline is dropped. A file group or others may read or
 * change is refused, and so is a terminal (it would echo the secret). read(2), not stdio, so
 * that no buffer of the C library keeps a copy; the caller wipes buf. */
static int read_secret(const char *opt, const char *path, char *buf, size_t cap, size_t *len)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int ret = -1;

	if (fd < 0) {
		cli_err("--%s %s: %s", opt, path, strerror(errno));
		return -1;
	}
	if (is_stdin && isatty(fd)) {
		cli_err("--%s -: standard input is a terminal, which would echo the secret; give a "
			"file of mode 0600 or pipe it in",
			opt);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		cli_err("--%s %s: %s", opt, path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		cli_err("--%s %s: a directory", opt, path);
		goto out;
	}
	if (!is_stdin && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
		cli_err("--%s %s: mode %04o lets group or others read or change the secret; "
			"chmod 600 %s",
			opt, path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while (n < cap && (r = read(fd, buf + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cli_err("--%s %s: %s", opt, path, strerror(errno));
			goto out;
		}
		n += (size_t)r;
	}
	if (n == cap) {
		cli_err("--%s %s: longer than %zu octets", opt, path, cap - 1);
		goto out;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0) {
		cli_err("--%s %s: empty", opt, path);
		goto out;
	}
	*len = n;
	ret = 0;
out:
	if (!is_stdin)
		close(fd);
	return ret;
}

/* The PSK from --psk-file into body.psk. */
static int read_psk(const char *path, json_t *body)
{
	char buf[4096];
	size_t n;
	int ret = read_secret("psk-file", path, buf, sizeof(buf), &n);

	if (ret == 0 && memchr(buf, '\0', n) != NULL) {
		cli_err("--psk-file %s: the key must not contain NUL bytes", path);
		ret = -1;
	}
	if (ret == 0)
		json_object_set_new(body, "psk", json_stringn(buf, n));
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

/* The secrets of a request body: the PSK, a private key, the BGP password. */
static void wipe_psk(json_t *body)
{
	const json_t *v[] = {json_object_get(body, "psk"), json_object_get(body, "private_key"),
			     json_object_get(json_object_get(body, "bgp"), "password")};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (json_is_string(v[i]))
			OPENSSL_cleanse((char *)json_string_value(v[i]), json_string_length(v[i]));
}

/* The BGP password (the neighbour's TCP MD5 key) from --bgp-password-file into
 * bgp.password. */
static int read_bgp_password(const char *path, json_t *bgp)
{
	char buf[256];
	size_t n;
	int ret = read_secret("bgp-password-file", path, buf, sizeof(buf), &n);

	if (ret == 0 && memchr(buf, '\0', n) != NULL) {
		cli_err("--bgp-password-file %s: the password must be text (printable ASCII "
			"without spaces)",
			path);
		ret = -1;
	}
	if (ret == 0)
		json_object_set_new(bgp, "password", json_stringn(buf, n));
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

/* `set` with BGP options: PATCH replaces whole fields, bgp included, so the options given
 * are laid over the session's current bgp (less password_configured; an absent password
 * keeps the stored one). */
static int merge_bgp(const char *name, json_t *body)
{
	char path[256];
	json_t *resp = NULL, *cur, *merged;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/ipsec/sessions/%s", name);
	if ((rc = api_json("GET", path, NULL, &resp)) != 0)
		return rc;
	cur = json_object_get(resp, "bgp");
	if (json_is_object(cur)) {
		merged = json_deep_copy(cur);
		json_object_del(merged, "password_configured");
		json_object_update(merged, json_object_get(body, "bgp"));
		json_object_set_new(body, "bgp", merged);
	}
	json_decref(resp);
	return 0;
}

/* A session's bgp in the body of add or set: the --bgp-* options, the password from
 * --bgp-password-file (null with --no-bgp-password) and, for set, the rest of the current
 * bgp; with --no-bgp a null bgp (PATCH removes it, and espnicd the password with it). 0, or
 * the exit code. */
static int session_bgp(const char *cmd, const struct common *c, json_t *body)
{
	json_t *bgp = json_object_get(body, "bgp");

	if ((c->no_bgp || c->no_bgp_password) && strcmp(cmd, "set") != 0) {
		cli_err("--%s: only with set", c->no_bgp ? "no-bgp" : "no-bgp-password");
		return EXIT_USAGE;
	}
	if (c->no_bgp) {
		json_object_set_new(body, "bgp", json_null());
		return 0;
	}
	if (bgp == NULL && c->bgp_password_file == NULL && !c->no_bgp_password)
		return 0;
	if (bgp == NULL) {
		bgp = json_object();
		json_object_set_new(body, "bgp", bgp);
	}
	if (c->no_bgp_password)
		json_object_set_new(bgp, "password", json_null());
	if (c->bgp_password_file != NULL && read_bgp_password(c->bgp_password_file, bgp) < 0)
		return EXIT_USAGE;
	return strcmp(cmd, "set") == 0 ? merge_bgp(c->positional[0], body) : 0;
}

/* ---- commands ---- */

static void usage(FILE *f, const struct kind *k)
{
	bool session = k == &kinds[4];

	fprintf(f,
		"usage: espnic %s COMMAND [OPTIONS]\n\n"
		"  add NAME OPTIONS      create a %s\n"
		"  set NAME OPTIONS      change the options given, keep the others\n"
		"  delete NAME           delete it\n"
		"  list [--names]        all of them (a table; --names: one name a line)\n"
		"  show NAME             one in detail\n",
		k->group, k->noun);
	if (session)
		fprintf(
		    f,
		    "  enable NAME, disable NAME   admin status\n"
		    "  connect NAME          initiate now, whatever its initiation mode\n"
		    "  status [NAME]         Up/Down with the reason, tunnels, SPIs, "
		    "counters\n"
		    "  statistics [NAME]     packet and byte counters\n"
		    "  peer-config NAME [--format swanctl] [--psk-file FILE --output FILE]\n"
		    "                        the peer's strongSwan configuration: a placeholder\n"
		    "                        for the PSK (espnicd never hands it out) or, with\n"
		    "                        --psk-file, your copy of it, then only into the\n"
		    "                        --output file (mode 0600); with certificates the\n"
		    "                        files it needs are listed\n");
	fprintf(f, "\noptions of add and set:\n");
	for (int i = 0; k->opts[i].opt; i++)
		fprintf(f, "  --%s %s\n", k->opts[i].opt, k->opts[i].help);
	if (session)
		fprintf(f, "  --psk-file FILE|-     the pre-shared key (16 to 128 bytes) from a "
			   "file or\n                        standard input; never on the command "
			   "line\n");
	if (session)
		fprintf(f,
			"  --bgp-password-file FILE|-  route-based: the BGP neighbour's TCP MD5\n"
			"                        password (1 to 80 printable characters, no\n"
			"                        spaces) from a file only you may read (mode\n"
			"                        0600) or standard input; never on the command\n"
			"                        line, never shown (show: password_configured)\n"
			"  --no-bgp-password     set: remove the BGP password\n"
			"  --no-bgp              set: remove the session's BGP (and its password)\n"
			"  set keeps the BGP options not given; add needs --bgp-local-as and\n"
			"  --bgp-peer-as for BGP. status NAME shows the tunnel interface, BGP\n"
			"  state, BFD and the number of prefixes received.\n");
	fprintf(f, "\ncommon options:\n"
		   "  --json                machine-readable output (the API's JSON)\n"
		   "  --socket PATH         espnicd's API socket (default $ESPNIC_API_SOCKET or\n"
		   "                        " API_DEFAULT_SOCKET ")\n"
		   "\nEnum values are case-insensitive; '-' may stand for '_'.\n"
		   "Exit codes: 0 done, 1 espnicd unreachable or failed, 2 usage, 3 refused\n"
		   "(validation or conflict, the message names the field), 4 not found,\n"
		   "5 `session status NAME`: the session is not up.\n");
}

static int need_name(const struct common *c, const char *cmd)
{
	if (c->npos != 1) {
		cli_err("%s needs exactly one NAME", cmd);
		return -1;
	}
	return 0;
}

static void print_counters(const json_t *k)
{
	if (!json_is_object(k)) {
		printf("%10s %12s %10s %12s", "-", "-", "-", "-");
		return;
	}
	printf("%10lld %12lld %10lld %12lld",
	       (long long)json_integer_value(json_object_get(k, "packets_in")),
	       (long long)json_integer_value(json_object_get(k, "bytes_in")),
	       (long long)json_integer_value(json_object_get(k, "packets_out")),
	       (long long)json_integer_value(json_object_get(k, "bytes_out")));
}

/* obj[key] if a string, else "-". */
static const char *str_of(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v ? v : "-";
}

/* A route-based session's tunnel interface and its BGP neighbour, as espnicd reports them
 * (FRR's state; the number of prefixes received, not the prefixes). */
static void print_tunnel_interface(const json_t *ti)
{
	const json_t *bgp = json_object_get(ti, "bgp");
	const char *bfd = json_string_value(json_object_get(bgp, "bfd"));

	if (!json_is_object(ti))
		return;
	printf("  tunnel interface %s %s VLAN %lld\n", str_of(ti, "name"), str_of(ti, "address"),
	       (long long)json_integer_value(json_object_get(ti, "vlan")));
	if (json_is_object(bgp))
		printf(
		    "    BGP neighbor %s AS %lld (local AS %lld): %s, %lld prefixes received%s%s\n",
		    str_of(bgp, "neighbor"),
		    (long long)json_integer_value(json_object_get(bgp, "peer_asn")),
		    (long long)json_integer_value(json_object_get(bgp, "local_asn")),
		    str_of(bgp, "state"),
		    (long long)json_integer_value(json_object_get(bgp, "prefixes_received")),
		    bfd ? ", BFD " : "", bfd ? bfd : "");
}

static void print_status(const json_t *st)
{
	size_t i;
	json_t *t;
	const json_t *ike = json_object_get(st, "ike_sa");
	const json_t *cnt = json_object_get(st, "counters");

	printf("session %s: %s", json_string_value(json_object_get(st, "session")),
	       json_string_value(json_object_get(st, "status")));
	if (json_object_get(st, "reason"))
		printf(" (%s)", json_string_value(json_object_get(st, "reason")));
	printf("\n");
	if (ike != NULL) {
		printf("  IKE_SA %s %s", json_string_value(json_object_get(ike, "spis")),
		       json_string_value(json_object_get(ike, "state")));
		if (json_object_get(ike, "encryption_algorithm"))
			printf(", %s/%s/%s, since %s",
			       json_string_value(json_object_get(ike, "encryption_algorithm")),
			       json_string_value(json_object_get(ike, "digest_algorithm")),
			       json_string_value(json_object_get(ike, "dh_group")),
			       json_string_value(json_object_get(ike, "established_at")));
		printf("\n");
	}
	json_array_foreach(json_object_get(st, "tunnels"), i, t)
	{
		const json_t *tc = json_object_get(t, "counters");

		printf("  tunnel SPIs in %s out %s %s%s, %s %s %s, since %s\n    %s === %s\n",
		       json_string_value(json_object_get(t, "spi_in")),
		       json_string_value(json_object_get(t, "spi_out")),
		       json_string_value(json_object_get(t, "state")),
		       json_is_string(json_object_get(t, "mode")) &&
			       strcmp(json_string_value(json_object_get(t, "mode")), "TRANSPORT") ==
				   0
			   ? " transport mode"
			   : "",
		       json_string_value(json_object_get(t, "encryption_algorithm")),
		       json_string_value(json_object_get(t, "digest_algorithm")),
		       json_string_value(json_object_get(t, "dh_group")),
		       json_string_value(json_object_get(t, "established_at")),
		       json_string_value(json_object_get(t, "local_networks")),
		       json_string_value(json_object_get(t, "remote_networks")));
		if (json_is_object(tc))
			printf("    in %lld packets %lld bytes, out %lld packets %lld bytes\n",
			       (long long)json_integer_value(json_object_get(tc, "packets_in")),
			       (long long)json_integer_value(json_object_get(tc, "bytes_in")),
			       (long long)json_integer_value(json_object_get(tc, "packets_out")),
			       (long long)json_integer_value(json_object_get(tc, "bytes_out")));
	}
	print_tunnel_interface(json_object_get(st, "tunnel_interface"));
	if (cnt != NULL && json_array_size(json_object_get(st, "tunnels")) == 0)
		printf("  no tunnels\n");
	if (json_is_object(cnt))
		printf("  total in %lld packets %lld bytes, out %lld packets %lld bytes\n",
		       (long long)json_integer_value(json_object_get(cnt, "packets_in")),
		       (long long)json_integer_value(json_object_get(cnt, "bytes_in")),
		       (long long)json_integer_value(json_object_get(cnt, "packets_out")),
		       (long long)json_integer_value(json_object_get(cnt, "bytes_out")));
}

/* ---- the peer's configuration ---- */

/* espnicd's placeholder for the PSK in a swanctl.conf (sessions/peer_config.h), quoted. */
#define PSK_PLACEHOLDER "\"REPLACE-WITH-THE-PRE-SHARED-KEY\""

/* text with the placeholder replaced by the key, in strongSwan's syntax: quoted when it is
 * printable text without quotes or backslashes, else 0x and hex. NULL without a placeholder.
 * The caller wipes and frees the result. */
static char *fill_psk(const char *text, const char *psk, size_t len)
{
	const char *at = strstr(text, PSK_PLACEHOLDER);
	bool plain = true;
	char *out, *p;

	if (at == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)psk[i];

		plain = plain && ch >= 0x20 && ch <= 0x7e && ch != '"' && ch != '\\';
	}
	out = malloc(strlen(text) + 2 * len + 3);
	if (out == NULL)
		return NULL;
	memcpy(out, text, (size_t)(at - text));
	p = out + (at - text);
	if (plain) {
		*p++ = '"';
		memcpy(p, psk, len);
		p += len;
		*p++ = '"';
	} else {
		*p++ = '0';
		*p++ = 'x';
		for (size_t i = 0; i < len; i++)
			p += sprintf(p, "%02x", (unsigned char)psk[i]);
	}
	strcpy(p, at + strlen(PSK_PLACEHOLDER));
	return out;
}

/* `session peer-config NAME`: espnicd's text, the caller's PSK filled in with --psk-file. */
static int peer_config(const struct common *c)
{
	char path[256], *text = NULL, *filled = NULL;
	json_t *key = NULL;
	long status;
	int rc = 0;

	if (need_name(c, "peer-config") < 0)
		return EXIT_USAGE;
	if (c->psk_file != NULL && c->output == NULL) {
		cli_err("--psk-file needs --output FILE: the configuration with the key goes only "
			"into a file of mode 0600, never to the terminal");
		return EXIT_USAGE;
	}
	if (c->psk_file != NULL) {
		key = json_object();
		if (read_psk(c->psk_file, key) < 0) {
			json_decref(key);
			return EXIT_USAGE;
		}
	}
	snprintf(path, sizeof(path), "/api/v1/ipsec/sessions/%s/peer-config?format=%s",
		 c->positional[0], c->format ? c->format : "swanctl");
	status = api_request("GET", path, NULL, &text);
	if (status == 200 && text != NULL) {
		const json_t *psk = json_object_get(key, "psk");

		if (psk != NULL) {
			filled = fill_psk(text, json_string_value(psk), json_string_length(psk));
			if (filled == NULL) {
				cli_err(
				    "session %s: its configuration has no pre-shared key to fill "
				    "in (certificate authentication?)",
				    c->positional[0]);
				rc = EXIT_USAGE;
			}
		}
		if (rc == 0 && c->output != NULL)
			rc = cli_write_private_file("--output", c->output, filled ? filled : text) <
				     0
				 ? EXIT_RUNTIME
				 : 0;
		else if (rc == 0)
			fputs(text, stdout);
	} else if (status != 0) {
		json_t *j = text ? json_loads(text, 0, NULL) : NULL;

		cli_err("%s",
			j ? json_string_value(json_object_get(j, "error_message")) : "failed");
		json_decref(j);
	}
	if (filled != NULL) {
		OPENSSL_cleanse(filled, strlen(filled));
		free(filled);
	}
	free(text);
	wipe_psk(key);
	json_decref(key);
	if (rc != 0)
		return rc;
	return status == 0 ? EXIT_RUNTIME : api_exit_code(status);
}

static int session_extra(const char *cmd, const struct common *c)
{
	char path[256];
	json_t *resp = NULL;
	int rc;

	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "statistics") == 0) {
		bool stats = cmd[4] == 'i';

		if (c->npos > 1) {
			cli_err("%s takes at most one NAME", cmd);
			return EXIT_USAGE;
		}
		if (c->npos == 1)
			snprintf(path, sizeof(path), "/api/v1/ipsec/sessions/%s/%s",
				 c->positional[0], cmd);
		else
			snprintf(path, sizeof(path), "/api/v1/ipsec/%s", cmd);
		if ((rc = api_json("GET", path, NULL, &resp)) != 0)
			return rc;
		if (c->json) {
			print_json(resp);
		} else if (stats) {
			json_t *list = c->npos ? json_pack("[O]", resp)
					       : json_incref(json_object_get(resp, "results"));
			size_t i;
			json_t *one;

			printf("%-20s %7s %12s %14s %12s %14s\n", "SESSION", "TUNNELS",
			       "PACKETS-IN", "BYTES-IN", "PACKETS-OUT", "BYTES-OUT");
			json_array_foreach(list, i, one)
			{
				const json_t *k = json_object_get(one, "counters");

				printf(
				    "%-20s %7lld %12lld %14lld %12lld %14lld\n",
				    json_string_value(json_object_get(one, "session")),
				    (long long)json_integer_value(
					json_object_get(one, "tunnels_up")),
				    (long long)json_integer_value(json_object_get(k, "packets_in")),
				    (long long)json_integer_value(json_object_get(k, "bytes_in")),
				    (long long)json_integer_value(
					json_object_get(k, "packets_out")),
				    (long long)json_integer_value(json_object_get(k, "bytes_out")));
			}
			json_decref(list);
		} else if (c->npos == 1) {
			print_status(resp);
		} else {
			size_t i;
			json_t *one;

			printf("%-20s %-12s %-8s %10s %12s %10s %12s  %s\n", "SESSION", "STATUS",
			       "TUNNELS", "PKTS-IN", "BYTES-IN", "PKTS-OUT", "BYTES-OUT", "REASON");
			json_array_foreach(json_object_get(resp, "results"), i, one)
			{
				const char *r = json_string_value(json_object_get(one, "reason"));
				size_t j;
				json_t *t;

				printf("%-20s %-12s %-8lld ",
				       json_string_value(json_object_get(one, "session")),
				       json_string_value(json_object_get(one, "status")),
				       (long long)json_integer_value(
					   json_object_get(one, "tunnels_up")));
				print_counters(json_object_get(one, "counters"));
				printf("  %s\n", r ? r : "-");
				/* one line per tunnel: its SPIs and counters */
				json_array_foreach(json_object_get(one, "tunnels"), j, t)
				{
					char spis[40];

					snprintf(spis, sizeof(spis), "  %s/%s",
						 json_string_value(json_object_get(t, "spi_in")),
						 json_string_value(json_object_get(t, "spi_out")));
					printf("%-20s %-12s %-8s ", spis,
					       json_string_value(json_object_get(t, "state")), "");
					print_counters(json_object_get(t, "counters"));
					printf("\n");
				}
				/* a route-based session's BGP neighbour */
				t = json_object_get(json_object_get(one, "tunnel_interface"),
						    "bgp");
				if (json_is_object(t))
					printf("  BGP %s AS %lld %s, %lld prefixes received\n",
					       str_of(t, "neighbor"),
					       (long long)json_integer_value(
						   json_object_get(t, "peer_asn")),
					       str_of(t, "state"),
					       (long long)json_integer_value(
						   json_object_get(t, "prefixes_received")));
			}
		}
		rc = 0;
		if (!stats && c->npos == 1 &&
		    strcmp(json_string_value(json_object_get(resp, "status")), "UP") != 0)
			rc = EXIT_DOWN;
		json_decref(resp);
		return rc;
	}
	if (strcmp(cmd, "enable") == 0 || strcmp(cmd, "disable") == 0) {
		json_t *body = json_pack("{s:b}", "enabled", cmd[0] == 'e');

		if (need_name(c, cmd) < 0) {
			json_decref(body);
			return EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "/api/v1/ipsec/sessions/%s", c->positional[0]);
		rc = api_json("PATCH", path, body, &resp);
		json_decref(body);
		if (rc == 0 && c->json)
			print_json(resp);
		json_decref(resp);
		return rc;
	}
	if (strcmp(cmd, "connect") == 0) {
		if (need_name(c, cmd) < 0)
			return EXIT_USAGE;
		snprintf(path, sizeof(path), "/api/v1/ipsec/sessions/%s/connect", c->positional[0]);
		if ((rc = api_json("POST", path, NULL, &resp)) != 0)
			return rc;
		if (c->json)
			print_json(resp);
		else if (json_is_true(json_object_get(resp, "initiated")))
			printf("%s: initiating (espnic session status %s)\n", c->positional[0],
			       c->positional[0]);
		else
			printf("%s: nothing to do, its IKE_SA is %s\n", c->positional[0],
			       json_string_value(json_object_get(resp, "ike_sa_state")));
		json_decref(resp);
		return 0;
	}
	if (strcmp(cmd, "peer-config") == 0)
		return peer_config(c);
	return -1;
}

static int kind_main(const struct kind *k, int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	bool writes = cmd && (strcmp(cmd, "add") == 0 || strcmp(cmd, "set") == 0);
	const char *method = cmd && cmd[0] == 'a' ? "POST" : "PATCH";
	json_t *body = writes ? json_object() : NULL, *resp = NULL;
	struct common c;
	char path[256];
	int rc;

	if (cmd == NULL) {
		usage(stderr, k);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout, k);
		return 0;
	}
	if (parse_args(argc - 1, argv + 1, k, body, &c) < 0) {
		json_decref(body);
		return EXIT_USAGE;
	}
	if (c.help) {
		json_decref(body);
		usage(stdout, k);
		return 0;
	}
	if (!writes && (c.no_bgp || c.no_bgp_password || c.bgp_password_file)) {
		cli_err("--%s: only with add or set", c.no_bgp		  ? "no-bgp"
						      : c.no_bgp_password ? "no-bgp-password"
									  : "bgp-password-file");
		return EXIT_USAGE;
	}
	if (writes) {
		if (need_name(&c, cmd) < 0 ||
		    (c.psk_file != NULL && read_psk(c.psk_file, body) < 0)) {
			json_decref(body);
			return EXIT_USAGE;
		}
		if (k == &kinds[4] && (rc = session_bgp(cmd, &c, body)) != 0) {
			wipe_psk(body);
			json_decref(body);
			return rc;
		}
		if (cmd[0] == 'a') {
			json_object_set_new(body, "name", json_string(c.positional[0]));
			snprintf(path, sizeof(path), "/api/v1/ipsec/%s", k->path);
		} else {
			snprintf(path, sizeof(path), "/api/v1/ipsec/%s/%s", k->path,
				 c.positional[0]);
		}
		rc = api_json(method, path, body, &resp);
		wipe_psk(body);
		json_decref(body);
		if (rc == 0 && c.json)
			print_json(resp);
		json_decref(resp);
		return rc;
	}
	if (strcmp(cmd, "delete") == 0 || strcmp(cmd, "show") == 0) {
		if (need_name(&c, cmd) < 0)
			return EXIT_USAGE;
		snprintf(path, sizeof(path), "/api/v1/ipsec/%s/%s", k->path, c.positional[0]);
		rc = api_json(cmd[0] == 'd' ? "DELETE" : "GET", path, NULL, &resp);
		if (rc == 0 && resp != NULL)
			c.json ? print_json(resp) : print_object(resp);
		json_decref(resp);
		return rc;
	}
	if (strcmp(cmd, "list") == 0) {
		size_t i;
		json_t *obj;

		if (c.npos != 0) {
			cli_err("list takes no NAME");
			return EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "/api/v1/ipsec/%s", k->path);
		if ((rc = api_json("GET", path, NULL, &resp)) != 0)
			return rc;
		if (c.json)
			print_json(resp);
		else if (c.names)
			json_array_foreach(json_object_get(resp, "results"), i, obj)
			{
				printf("%s\n", json_string_value(json_object_get(obj, "name")));
			}
		else
			print_table(k->cols, json_object_get(resp, "results"));
		json_decref(resp);
		return 0;
	}
	if (k == &kinds[4] && (rc = session_extra(cmd, &c)) >= 0)
		return rc;
	cli_err("unknown command '%s' (espnic %s --help)", cmd, k->group);
	return EXIT_USAGE;
}

int endpoint_main(int argc, char **argv)
{
	return kind_main(&kinds[0], argc, argv);
}

int session_main(int argc, char **argv)
{
	return kind_main(&kinds[4], argc, argv);
}

int profile_main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "";

	if (strcmp(which, "ike") == 0)
		return kind_main(&kinds[1], argc - 1, argv + 1);
	if (strcmp(which, "tunnel") == 0)
		return kind_main(&kinds[2], argc - 1, argv + 1);
	if (strcmp(which, "dpd") == 0)
		return kind_main(&kinds[3], argc - 1, argv + 1);
	if (strcmp(which, "--help") == 0 || strcmp(which, "-h") == 0) {
		printf("usage: espnic profile ike|tunnel|dpd COMMAND [OPTIONS]\n"
		       "  (espnic profile ike --help and so on)\n");
		return 0;
	}
	cli_err("espnic profile ike|tunnel|dpd COMMAND (see espnic profile --help)");
	return EXIT_USAGE;
}
