/* The session objects' fields: a table per kind of object for the field checker
 * (config/json_fields.h), each field read from the request, checked (the error names it) and
 * written back normalized, with its default when omitted (enum values in any case, "-" for
 * "_"), unknown fields refused; then the checks across fields. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "config/algorithms.h"
#include "config/json_fields.h"
#include "espnic_text.h"
#include "ike_types.h"
#include "compliance.h"
#include "session_model_internal.h"

static const char *const ike_versions[] = {"IKE_V2", "IKE_V1", "IKE_FLEX", NULL};
static const char *const df_policies[] = {"COPY", "CLEAR", NULL};
static const char *const transform_protocols[] = {"ESP", "AH", NULL};
static const char *const encapsulation_modes[] = {"TUNNEL_MODE", "TRANSPORT_MODE", NULL};
#define SM_VOLUME_MAX (1LL << 60) /* bytes or packets of a CHILD_SA's volume limit */
static const char *const dpd_modes[] = {"PERIODIC", "ON_DEMAND", NULL};
static const char *const dpd_actions[] = {"RESTART", "CLEAR", "HOLD", NULL};
static const char *const auth_modes[] = {"PSK", "CERTIFICATE", NULL};
static const char *const init_modes[] = {"INITIATOR", "ON_DEMAND", "RESPOND_ONLY", NULL};
static const char *const unique_ids[] = {"YES", "NO", "NEVER", NULL};
const char *const sm_mss_directions[] = {"NONE", "INBOUND_MSS", "OUTBOUND_MSS", "BOTH", NULL};
static const char *const session_types[] = {"PolicyBasedIPSecVpnSession",
					    "RouteBasedIPSecVpnSession", NULL};

int sm_fail(struct sm_error *e, int status, const char *field, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* PEM certificates (crl: CRLs) in text, counted up to one past SM_PEM_CERTS_MAX. */
static unsigned pem_count(const char *text, size_t len, bool crl)
{
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	unsigned n = 0;

	while (bio != NULL && n <= SM_PEM_CERTS_MAX) {
		if (crl) {
			X509_CRL *x = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);

			if (x == NULL)
				break;
			X509_CRL_free(x);
		} else {
			X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

			if (x == NULL)
				break;
			X509_free(x);
		}
		n++;
	}
	BIO_free(bio);
	ERR_clear_error();
	return n;
}

unsigned sm_pem_cert_count(const char *text, size_t len)
{
	return pem_count(text, len, false);
}

/* ---- the fields: tables for json_fields.h, custom checks for what no kind says ---- */

int sm_enum_index(const char *s, const char *const *values)
{
	return jf_enum_index(s, values, true);
}

/* The field checker's error as the API's: 400, the field named. */
static int fields_error(struct sm_error *e, const struct jf_ctx *c)
{
	return sm_fail(e, 400, c->field, "%s", c->message);
}

/* PEM text: printable ASCII and line breaks, at least one certificate (trusted_crl: CRL). */
static int f_pem(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	bool crl = strcmp(f->key, "trusted_crl") == 0;
	const char *what = crl ? "CRL" : "certificate", *t;
	unsigned count;

	if (!json_is_string(v) || json_string_length(v) == 0)
		return jf_fail(c, f->key, "%s must be PEM text (-----BEGIN %s-----...)", f->key,
			       crl ? "X509 CRL" : "CERTIFICATE");
	if (json_string_length(v) > SM_PEM_MAX)
		return jf_fail(c, f->key, "%s is too long (at most %d characters)", f->key,
			       SM_PEM_MAX);
	t = json_string_value(v);
	for (size_t i = 0; i < json_string_length(v); i++)
		if ((t[i] < 0x20 || t[i] > 0x7e) && t[i] != '\n' && t[i] != '\r' && t[i] != '\t')
			return jf_fail(c, f->key, "%s: PEM text must be ASCII", f->key);
	count = pem_count(t, json_string_length(v), crl);
	if (count == 0)
		return jf_fail(c, f->key, "%s: no PEM %s in it (bad PEM)", f->key, what);
	if (count > SM_PEM_CERTS_MAX)
		return jf_fail(c, f->key, "%s: at most %d %ss", f->key, SM_PEM_CERTS_MAX, what);
	json_object_set(c->out, f->key, v);
	return 0;
}

/* Whether s is an IPv4 or IPv6 address. */
static bool is_ip(const char *s)
{
	uint8_t addr[16];
	bool v6;

	return espnic_text_ip(s, &v6, addr) == 0;
}

/* A CIDR prefix with no host bits set; the range into ts. */
static int parse_cidr(const char *s, struct cfg_ts *ts, const char **why)
{
	struct espnic_prefix p;
	int ret = espnic_text_prefix(s, ESPNIC_PREFIX_NEED_LEN | ESPNIC_PREFIX_NO_HOST_BITS, &p);

	*why = ret == -EDOM ? "host bits set beyond the prefix length"
			    : "not a CIDR prefix (address/length)";
	return ret < 0 ? -EINVAL : config_parse_ts(s, ts);
}

/* Entry i of a list of networks: a CIDR prefix that overlaps none before it (c->user is the
 * object the list is in). */
static int f_cidr(struct jf_ctx *c, const struct jf_field *f, size_t i, json_t *item)
{
	const char *why = "must be a string", *pre = c->prefix ? c->prefix : "";
	json_t *list = json_object_get(c->user, f->key);
	struct cfg_ts ts, prev;
	char key[64];

	snprintf(key, sizeof(key), "%s[%zu]", f->key, i);
	if (!json_is_string(item) || parse_cidr(json_string_value(item), &ts, &why) < 0)
		return jf_fail(c, key, "%s%s: %s", pre, key, why);
	for (size_t j = 0; j < i; j++) {
		size_t len = ts.family == AF_INET ? 4 : 16;

		if (config_parse_ts(json_string_value(json_array_get(list, j)), &prev) == 0 &&
		    prev.family == ts.family && memcmp(ts.start, prev.end, len) <= 0 &&
		    memcmp(prev.start, ts.end, len) <= 0)
			return jf_fail(c, key, "%s%s overlaps %s%s[%zu]", pre, key, pre, f->key, j);
	}
	return 0;
}

/* A route-based session's own side of its tunnel interface: an IPv4 address in a /30 or /31
 * (169.254.0.0/16 is typical), the peer's the other usable address of it. */
static int f_tunnel_interface(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	struct espnic_prefix p;
	uint32_t a, host;

	if (!json_is_string(v) ||
	    espnic_text_prefix(json_string_value(v), ESPNIC_PREFIX_NEED_LEN, &p) < 0 || p.v6)
		return jf_fail(c, f->key, "%s: not an IPv4 address/prefix length", f->key);
	if (p.len != 30 && p.len != 31)
		return jf_fail(c, f->key,
			       "%s: the prefix length must be 30 or 31 (two tunnel ends), not %u",
			       f->key, p.len);
	a = (uint32_t)p.addr[0] << 24 | (uint32_t)p.addr[1] << 16 | (uint32_t)p.addr[2] << 8 |
	    p.addr[3];
	host = a & (p.len == 30 ? 3u : 1u);
	if (p.len == 30 && (host == 0 || host == 3))
		return jf_fail(c, f->key, "%s: %s is the network or broadcast address of its /30",
			       f->key, json_string_value(v));
	json_object_set(c->out, f->key, v);
	return 0;
}

/* A nested object (tcp_mss_clamping, bgp): its own fields, errors as "KEY.FIELD"; also: the
 * keys it may hold besides (read-only ones GET shows). */
static int f_nested(struct jf_ctx *c, const struct jf_field *f, json_t *v,
		    const struct jf_field *table, size_t n, const char *const *also)
{
	char prefix[64];
	struct jf_ctx sub = {.out = json_object(), .user = v, .prefix = prefix, .flags = c->flags};

	snprintf(prefix, sizeof(prefix), "%s.", f->key);
	if (!json_is_object(v)) {
		json_decref(sub.out);
		return jf_fail(c, f->key, "%s must be an object", f->key);
	}
	if (jf_unknown(&sub, v, &table, &n, 1, also) < 0 || jf_fields(&sub, table, n, v) < 0) {
		json_decref(sub.out);
		memcpy(c->field, sub.field, sizeof(c->field));
		return jf_fail(c, NULL, "%s", sub.message);
	}
	json_object_set_new(c->out, f->key, sub.out);
	return 0;
}

/* tcp_mss_clamping (NSX): {"direction": NONE | INBOUND_MSS | OUTBOUND_MSS | BOTH,
 * "max_segment_size": 108..8902, omitted or null for automatic (the tunnel's MTU less the
 * SA's overhead)}; omitted: direction NONE. */
static int f_mss_clamping(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	static const struct jf_field fields[] = {
	    {.key = "direction", .kind = JF_ENUM, .names = sm_mss_directions, .def = "\"NONE\""},
	    {.key = "max_segment_size",
	     .kind = JF_INT,
	     .min = SM_MSS_MIN,
	     .max = SM_MSS_MAX,
	     .hint = "omit it for automatic: the tunnel's MTU less the ESP, IP and TCP overhead"},
	};

	return f_nested(c, f, v, fields, JF_COUNT(fields), NULL);
}

/* A route-based session's BGP over its tunnel interface (FRR, sessions/bgp_frr.c): our AS,
 * the peer's, the timers, the prefixes we announce. The neighbour is the peer's end of the
 * tunnel interface. */
static int f_bgp(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
#define ASN(k)                                                                                     \
	{                                                                                          \
		.key = k, .kind = JF_INT, .min = 1, .max = 4294967295LL, .flags = JF_REQUIRED,     \
		.hint = "an AS number; BGP needs local_asn and peer_asn"                           \
	}
	static const char *const read_only[] = {"password_configured", NULL};
	static const struct jf_field fields[] = {
	    ASN("local_asn"),
	    ASN("peer_asn"),
	    {.key = "keepalive_time", .kind = JF_INT, .min = 1, .max = 3600, .def = "60"},
	    {.key = "hold_down_time", .kind = JF_INT, .min = 3, .max = 10800, .def = "180"},
	    {.key = "bfd", .kind = JF_BOOL, .def = "false"},
	    {.key = "announce",
	     .kind = JF_LIST,
	     .max = SM_NETWORKS_MAX,
	     .def = "[]",
	     .hint = "CIDR prefixes",
	     .item = f_cidr},
	};

	return f_nested(c, f, v, fields, JF_COUNT(fields), read_only);
}

/* local_networks and remote_networks of a route-based session. */
static int f_no_networks(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	(void)v;
	return jf_fail(c, f->key,
		       "%s: a route-based session negotiates 0.0.0.0/0; routes into its tunnel "
		       "interface (static_routes, BGP) decide what it carries",
		       f->key);
}

/* An IKE identity: an IP address, an FQDN (optionally "@"), user@domain, or a DN
 * ("CN=..., O=..."). */
enum id_type { ID_IP, ID_FQDN, ID_EMAIL, ID_DN };

static int id_classify(const char *s, enum id_type *t)
{
	if (is_ip(s)) {
		*t = ID_IP;
		return 0;
	}
	if (strchr(s, '=') != NULL) {
		*t = ID_DN;
		return 0;
	}
	if (s[0] == '@')
		s++;
	*t = strchr(s, '@') != NULL ? ID_EMAIL : ID_FQDN;
	if (*s == '\0')
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr(".-_@", *p) == NULL)
			return -EINVAL;
	return 0;
}

static int f_id(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	const char *key = f->key, *text;
	char typed[CFG_MAX_ID + 4];
	struct cfg_id id;
	enum id_type t;

	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= CFG_MAX_ID)
		return jf_fail(c, key,
			       "%s must be an IP address, an FQDN, user@domain or a DN "
			       "(dn:CN=...,O=...)",
			       key);
	text = json_string_value(v);
	/* Typed forms as the configuration file takes them (dn:, fqdn:, email:, ipv4:, ipv6:). */
	if (strncmp(text, "dn:", 3) == 0 || strncmp(text, "fqdn:", 5) == 0 ||
	    strncmp(text, "email:", 6) == 0 || strncmp(text, "ipv4:", 5) == 0 ||
	    strncmp(text, "ipv6:", 5) == 0) {
		snprintf(typed, sizeof(typed), "%s", text);
	} else if (id_classify(text, &t) < 0) {
		return jf_fail(c, key,
			       "%s must be an IP address, an FQDN, user@domain or a DN "
			       "(dn:CN=...,O=...)",
			       key);
	} else {
		/* A bare DN is written with its type, as espnicd's configuration wants it. */
		snprintf(typed, sizeof(typed), "%s%s", t == ID_DN ? "dn:" : "", text);
	}
	if (strlen(typed) >= CFG_MAX_ID || cfg_id_parse(typed, &id) < 0 || id.type == 0)
		return jf_fail(c, key,
			       "%s: \"%.100s\" is not a valid identity (a DN takes attributes such "
			       "as C, O, OU, CN, E)",
			       key, text);
	json_object_set_new(c->out, key, json_string(typed));
	return 0;
}

static int f_tags(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	json_t *item, *arr;
	char field[32];
	size_t i;

	if (!json_is_array(v) || json_array_size(v) > SM_TAGS_MAX)
		return jf_fail(c, f->key, "tags must be a list of at most %d {\"scope\", \"tag\"}",
			       SM_TAGS_MAX);
	arr = json_array();
	json_array_foreach(v, i, item)
	{
		json_t *scope = json_object_get(item, "scope"), *tag = json_object_get(item, "tag");

		snprintf(field, sizeof(field), "tags[%zu]", i);
		if (!json_is_object(item) || json_object_size(item) > 2 || !json_is_string(tag) ||
		    json_string_length(tag) == 0 || json_string_length(tag) > 256 ||
		    (scope != NULL &&
		     (!json_is_string(scope) || json_string_length(scope) > 128)) ||
		    json_object_size(item) != 1u + (scope != NULL)) {
			json_decref(arr);
			return jf_fail(
			    c, field,
			    "%s must be {\"scope\": up to 128 characters, \"tag\": 1 to 256}",
			    field);
		}
		json_array_append_new(arr,
				      json_pack("{s:s, s:O}", "scope",
						scope ? json_string_value(scope) : "", "tag", tag));
	}
	json_object_set_new(c->out, f->key, arr);
	return 0;
}

bool sm_has_gcm(const json_t *list, bool *cbc)
{
	size_t i;
	json_t *v;
	bool gcm = false;

	*cbc = false;
	json_array_foreach(list, i, v)
	{
		if (strstr(json_string_value(v), "GCM") != NULL)
			gcm = true;
		else
			*cbc = true;
	}
	return gcm;
}

/* ---- the tables of each kind of object ---- */

#define STRING(k, maximum, dflt)                                                                   \
	{                                                                                          \
		.key = k, .kind = JF_STRING, .max = maximum, .flags = JF_NO_CTRL, .def = dflt      \
	}
#define ENUM(k, n, dflt)                                                                           \
	{                                                                                          \
		.key = k, .kind = JF_ENUM, .names = n, .def = "\"" dflt "\""                       \
	}
#define ENUMS(k, n, empty, dflt)                                                                   \
	{                                                                                          \
		.key = k, .kind = JF_ENUM_LIST, .names = n, .min = !(empty), .def = dflt           \
	}
#define BOOL(k, dflt)                                                                              \
	{                                                                                          \
		.key = k, .kind = JF_BOOL, .def = #dflt                                            \
	}
#define INT(k, lo, hi, dflt)                                                                       \
	{                                                                                          \
		.key = k, .kind = JF_INT, .min = lo, .max = hi, .def = #dflt                       \
	}
#define CUSTOM(k, fn)                                                                              \
	{                                                                                          \
		.key = k, .kind = JF_CUSTOM, .parse = fn                                           \
	}
#define NETWORKS(k)                                                                                \
	{                                                                                          \
		.key = k, .kind = JF_LIST, .min = 1, .max = SM_NETWORKS_MAX, .flags = JF_REQUIRED, \
		.hint = "one or more CIDR prefixes", .item = f_cidr                                \
	}
#define DESCRIPTION STRING("description", SM_DESCRIPTION_MAX, "\"\"")
#define TAGS                                                                                       \
	{                                                                                          \
		.key = "tags", .kind = JF_CUSTOM, .def = "[]", .parse = f_tags                     \
	}

static const struct jf_field endpoint_fields[] = {
    {.key = "local_address", .kind = JF_ADDR, .flags = JF_REQUIRED},
    CUSTOM("local_id", f_id),
    CUSTOM("certificate", f_pem),
    DESCRIPTION,
    TAGS,
};

static const struct jf_field dpd_fields[] = {
    ENUM("dpd_probe_mode", dpd_modes, "PERIODIC"),
    INT("dpd_probe_interval", 1, 3600, 60),
    INT("retry_count", 1, 100, 10),
    ENUM("dpd_action", dpd_actions, "RESTART"),
    BOOL("enabled", true),
    DESCRIPTION,
    TAGS,
};

static const struct jf_field session_type_fields[] = {
    ENUM("resource_type", session_types, "PolicyBasedIPSecVpnSession"),
};

static const struct jf_field policy_based_fields[] = {
    NETWORKS("local_networks"),
    NETWORKS("remote_networks"),
};

/* The fields only a route-based session has. Its selectors are 0.0.0.0/0 both ways (routes
 * into the tunnel interface decide what is protected), so it has no networks. */
static const struct jf_field route_based_fields[] = {
    CUSTOM("local_networks", f_no_networks),
    CUSTOM("remote_networks", f_no_networks),
    {.key = "vlan",
     .kind = JF_INT,
     .min = 1,
     .max = 4094,
     .flags = JF_REQUIRED,
     .hint = "the 802.1Q VLAN of the tunnel interface on the card's host port"},
    {.key = "tunnel_interface",
     .kind = JF_CUSTOM,
     .flags = JF_REQUIRED,
     .hint = "this side's address and prefix length, e.g. 169.254.10.1/30",
     .parse = f_tunnel_interface},
    STRING("tunnel_interface_name", 15, "\"\""),
    CUSTOM("bgp", f_bgp),
    {.key = "static_routes",
     .kind = JF_LIST,
     .max = SM_NETWORKS_MAX,
     .def = "[]",
     .hint = "CIDR prefixes",
     .item = f_cidr},
};

static const struct jf_field session_fields[] = {
    DESCRIPTION,
    BOOL("enabled", true),
    {.key = "local_endpoint", .kind = JF_STRING, .max = 64, .flags = JF_REQUIRED | JF_NO_CTRL},
    {.key = "peer_address", .kind = JF_ADDR, .flags = JF_REQUIRED},
    ENUM("authentication_mode", auth_modes, "PSK"),
    CUSTOM("local_id", f_id),
    CUSTOM("peer_id", f_id),
    STRING("ike_profile", 64, "\"" SM_DEFAULT_IKE "\""),
    STRING("tunnel_profile", 64, "\"" SM_DEFAULT_TUNNEL "\""),
    STRING("dpd_profile", 64, "\"" SM_DEFAULT_DPD "\""),
    ENUM("connection_initiation_mode", init_modes, "INITIATOR"),
    TAGS,
    INT("keying_tries", 0, 1000, 0),
    BOOL("rekey", true),
    INT("margin_time", 0, 86400, 540),
    ENUM("unique_ids", unique_ids, "YES"),
    BOOL("force_udp_encapsulation", false),
    BOOL("make_before_break", true),
    ENUM("compliance_suite", sm_suite_names, "NONE"),
    {.key = "tcp_mss_clamping", .kind = JF_CUSTOM, .def = "{}", .parse = f_mss_clamping},
    CUSTOM("trusted_ca", f_pem),
    CUSTOM("trusted_crl", f_pem),
};

/* ---- each kind: its tables, the checks across fields, then no unknown field ---- */

static const char *str(const struct jf_ctx *c, const char *key)
{
	return json_string_value(json_object_get(c->out, key));
}

/* The fields of tables[0..n) in order; 0, or the first error in e. */
static int check_fields(struct jf_ctx *c, json_t *in, const struct jf_field *const *tables,
			const size_t *counts, size_t n, struct sm_error *e)
{
	for (size_t i = 0; i < n; i++)
		if (jf_fields(c, tables[i], counts[i], in) < 0)
			return fields_error(e, c);
	return 0;
}

/* A key none of the tables knows, except those GET returns and a client may send back
 * unchanged, and the secrets that session_model.c takes out of the object. */
static int check_unknown(struct jf_ctx *c, json_t *in, const struct jf_field *const *tables,
			 const size_t *counts, size_t n, struct sm_error *e)
{
	static const char *const also[] = {
	    "system_owned", "psk_configured", "private_key_configured", "psk", "private_key", NULL};

	return jf_unknown(c, in, tables, counts, n, also) < 0 ? fields_error(e, c) : 0;
}

/* An object of one table and no checks across its fields. */
static int norm_one(struct jf_ctx *c, json_t *in, const struct jf_field *table, size_t n,
		    struct sm_error *e)
{
	if (check_fields(c, in, &table, &n, 1, e) < 0)
		return -EINVAL;
	return check_unknown(c, in, &table, &n, 1, e);
}

static int norm_ike(struct jf_ctx *c, json_t *in, struct sm_error *e)
{
	const struct jf_field fields[] = {
	    ENUM("ike_version", ike_versions, "IKE_V2"),
	    ENUMS("encryption_algorithms", alg_api_names(IKE_TRANSFORM_ENCR), false,
		  "[\"AES_128\"]"),
	    ENUMS("digest_algorithms", alg_api_names(IKE_TRANSFORM_INTEG), false, "[\"SHA2_256\"]"),
	    ENUMS("dh_groups", alg_api_names(IKE_TRANSFORM_DH), false, "[\"GROUP14\"]"),
	    INT("sa_life_time", 60, 31536000, 86400),
	    DESCRIPTION,
	    TAGS,
	};
	const struct jf_field *t = fields;
	size_t n = JF_COUNT(fields);
	bool cbc;

	if (check_fields(c, in, &t, &n, 1, e) < 0)
		return -EINVAL;
	/* IKEv1 phase 1 has no AEAD: IKE_V1 takes AES-CBC only (IKE_FLEX may offer both; its
	 * IKEv1 negotiations use the CBC ones). */
	if (sm_has_gcm(json_object_get(c->out, "encryption_algorithms"), &cbc) &&
	    strcmp(str(c, "ike_version"), "IKE_V1") == 0)
		return sm_fail(e, 400, "encryption_algorithms",
			       "encryption_algorithms: IKE_V1 takes AES_128 or AES_256 (CBC); "
			       "AES-GCM is not defined for IKEv1 phase 1");
	return check_unknown(c, in, &t, &n, 1, e);
}

static int norm_tunnel(struct jf_ctx *c, json_t *in, struct sm_error *e)
{
	const struct jf_field fields[] = {
	    ENUMS("encryption_algorithms", alg_api_names(IKE_TRANSFORM_ENCR), false,
		  "[\"AES_GCM_128\"]"),
	    ENUMS("digest_algorithms", alg_api_names(IKE_TRANSFORM_INTEG), true, "[]"),
	    BOOL("enable_perfect_forward_secrecy", true),
	    ENUMS("dh_groups", alg_api_names(IKE_TRANSFORM_DH), false, "[\"GROUP14\"]"),
	    INT("sa_life_time", 0, 31536000, 3600),
	    INT("sa_life_bytes", 0, SM_VOLUME_MAX, 0),
	    INT("sa_life_packets", 0, SM_VOLUME_MAX, 0),
	    ENUM("df_policy", df_policies, "COPY"),
	    ENUM("transform_protocol", transform_protocols, "ESP"),
	    ENUM("encapsulation_mode", encapsulation_modes, "TUNNEL_MODE"),
	    BOOL("ipcomp", false),
	    DESCRIPTION,
	    TAGS,
	};
	const struct jf_field *t = fields;
	size_t n = JF_COUNT(fields), digests;
	json_int_t life;
	bool cbc;

	if (check_fields(c, in, &t, &n, 1, e) < 0)
		return -EINVAL;
	sm_has_gcm(json_object_get(c->out, "encryption_algorithms"), &cbc);
	/* AES-CBC without a digest named: SHA2_256 (AES-GCM alone needs none). */
	if (cbc && json_object_get(in, "digest_algorithms") == NULL)
		json_object_set_new(c->out, "digest_algorithms", json_pack("[s]", "SHA2_256"));
	digests = json_array_size(json_object_get(c->out, "digest_algorithms"));
	life = json_integer_value(json_object_get(c->out, "sa_life_time"));
	if (life > 0 && life < 60)
		return sm_fail(e, 400, "sa_life_time",
			       "sa_life_time: 0 (no time limit: the volume limits, if any, drive "
			       "the rekeys) or 60 to 31536000 seconds");
	/* What the gateway will not do, said as such rather than as an unknown field. */
	if (strcmp(str(c, "transform_protocol"), "AH") == 0)
		return sm_fail(e, 400, "transform_protocol",
			       "transform_protocol: AH is not supported, only ESP (RFC 4303): AH "
			       "encrypts nothing and does not cross NAT; ESP with AES-GCM or with "
			       "an integrity algorithm authenticates the packet");
	if (json_is_true(json_object_get(c->out, "ipcomp")))
		return sm_fail(e, 400, "ipcomp",
			       "ipcomp: IP payload compression (RFC 3173) is not supported: the "
			       "card does not compress, and compressing before encryption leaks "
			       "the plaintext's length");
	/* The card copies the inner DF bit into the outer IPv4 header (esp_egress.sv); the
	 * dataplane interface has no setting to clear it. */
	if (strcmp(str(c, "df_policy"), "COPY") != 0)
		return sm_fail(e, 400, "df_policy",
			       "df_policy: only COPY is supported (the card copies the inner DF "
			       "bit; the dataplane has no DF setting yet)");
	if (!cbc && digests != 0)
		return sm_fail(e, 400, "digest_algorithms",
			       "digest_algorithms must be empty with AES-GCM only (it "
			       "authenticates itself)");
	if (cbc && digests == 0)
		return sm_fail(e, 400, "digest_algorithms",
			       "digest_algorithms: AES-CBC needs at least one");
	return check_unknown(c, in, &t, &n, 1, e);
}

static int norm_session(struct jf_ctx *c, json_t *in, struct sm_error *e)
{
	const struct jf_field *t[3] = {session_type_fields, NULL, session_fields};
	size_t n[3] = {JF_COUNT(session_type_fields), 0, JF_COUNT(session_fields)};

	if (check_fields(c, in, t, n, 1, e) < 0)
		return -EINVAL;
	if (strcmp(str(c, "resource_type"), "RouteBasedIPSecVpnSession") == 0)
		t[1] = route_based_fields, n[1] = JF_COUNT(route_based_fields);
	else
		t[1] = policy_based_fields, n[1] = JF_COUNT(policy_based_fields);
	if (check_fields(c, in, t + 1, n + 1, 2, e) < 0)
		return -EINVAL;
	sm_suite_default_profiles(c->out);
	/* espnicd never reauthenticates (no second IKE_AUTH on a live SA) and rekeys IKE and
	 * CHILD_SAs with CREATE_CHILD_SA, always installing the new SA before deleting the old
	 * one: there is no break-before-make to choose. */
	if (!json_is_true(json_object_get(c->out, "make_before_break")))
		return sm_fail(e, 400, "make_before_break",
			       "make_before_break: false is not supported: espnicd rekeys with "
			       "CREATE_CHILD_SA and always installs the new SA before it deletes "
			       "the old one (it never reauthenticates)");
	if (strcmp(str(c, "authentication_mode"), "CERTIFICATE") == 0) {
		if (json_object_get(c->out, "trusted_ca") == NULL)
			return sm_fail(
			    e, 400, "trusted_ca",
			    "trusted_ca is required with authentication_mode CERTIFICATE "
			    "(PEM: the CA certificates the peer's certificate must chain "
			    "to)");
	} else if (json_object_get(c->out, "trusted_ca") != NULL ||
		   json_object_get(c->out, "trusted_crl") != NULL) {
		const char *k =
		    json_object_get(c->out, "trusted_ca") ? "trusted_ca" : "trusted_crl";

		return sm_fail(e, 400, k, "%s goes with authentication_mode CERTIFICATE only", k);
	}
	return check_unknown(c, in, t, n, 3, e);
}

int sm_normalize(enum sm_kind k, json_t *in, json_t **out, struct sm_error *e)
{
	struct jf_ctx c = {
	    .out = json_object(), .user = in, .flags = JF_NULL_ABSENT | JF_LOOSE_ENUMS};
	int ret;

	if (!json_is_object(in)) {
		json_decref(c.out);
		return sm_fail(e, 400, "", "the body must be a JSON object");
	}
	switch (k) {
	case SM_ENDPOINT:
		ret = norm_one(&c, in, endpoint_fields, JF_COUNT(endpoint_fields), e);
		break;
	case SM_IKE_PROFILE:
		ret = norm_ike(&c, in, e);
		break;
	case SM_TUNNEL_PROFILE:
		ret = norm_tunnel(&c, in, e);
		break;
	case SM_DPD_PROFILE:
		ret = norm_one(&c, in, dpd_fields, JF_COUNT(dpd_fields), e);
		break;
	default:
		ret = norm_session(&c, in, e);
		break;
	}
	if (ret < 0) {
		json_decref(c.out);
		return ret;
	}
	*out = c.out;
	return 0;
}
