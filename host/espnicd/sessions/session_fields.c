/* The session objects' fields: each is read from the request, checked (the error names it)
 * and written back normalized, with its default when omitted (enum values in any case, "-"
 * for "_"); one normalizer per kind of object, unknown fields refused. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "config/algorithms.h"
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

/* ---- field helpers: each reads key from in, writes the normalized value to out ---- */

struct norm {
	json_t *in, *out;
	struct sm_error *e;
};

int sm_enum_index(const char *s, const char *const *values)
{
	for (int i = 0; values[i] != NULL; i++) {
		size_t n = strlen(values[i]), j;

		if (strlen(s) != n)
			continue;
		for (j = 0; j < n; j++) {
			char c = s[j] == '-' ? '_' : (char)toupper((unsigned char)s[j]);
			char v = (char)toupper((unsigned char)values[i][j]);

			if (c != v)
				break;
		}
		if (j == n)
			return i;
	}
	return -1;
}

static void enum_list_text(const char *const *values, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; values[i] != NULL && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", values[i]);
}

static int f_string(struct norm *n, const char *key, bool required, size_t max, const char *def)
{
	json_t *v = json_object_get(n->in, key);

	if (v == NULL || json_is_null(v)) {
		if (required)
			return sm_fail(n->e, 400, key, "%s is required", key);
		if (def != NULL)
			json_object_set_new(n->out, key, json_string(def));
		return 0;
	}
	if (!json_is_string(v))
		return sm_fail(n->e, 400, key, "%s must be a string", key);
	if (json_string_length(v) > max)
		return sm_fail(n->e, 400, key, "%s is too long (at most %zu characters)", key, max);
	for (size_t i = 0; i < json_string_length(v); i++)
		if (iscntrl((unsigned char)json_string_value(v)[i]))
			return sm_fail(n->e, 400, key, "%s contains control characters", key);
	json_object_set(n->out, key, v);
	return 0;
}

/* PEM text: printable ASCII and line breaks, at least one certificate (crl: CRL) in it. */
static int f_pem(struct norm *n, const char *key, size_t max, bool crl)
{
	const char *what = crl ? "CRL" : "certificate";
	json_t *v = json_object_get(n->in, key);
	const char *t;
	unsigned count;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return sm_fail(n->e, 400, key, "%s must be PEM text (-----BEGIN %s-----...)", key,
			       crl ? "X509 CRL" : "CERTIFICATE");
	if (json_string_length(v) > max)
		return sm_fail(n->e, 400, key, "%s is too long (at most %zu characters)", key, max);
	t = json_string_value(v);
	for (size_t i = 0; i < json_string_length(v); i++)
		if ((t[i] < 0x20 || t[i] > 0x7e) && t[i] != '\n' && t[i] != '\r' && t[i] != '\t')
			return sm_fail(n->e, 400, key, "%s: PEM text must be ASCII", key);
	count = pem_count(t, json_string_length(v), crl);
	if (count == 0)
		return sm_fail(n->e, 400, key, "%s: no PEM %s in it (bad PEM)", key, what);
	if (count > SM_PEM_CERTS_MAX)
		return sm_fail(n->e, 400, key, "%s: at most %d %ss", key, SM_PEM_CERTS_MAX, what);
	json_object_set(n->out, key, v);
	return 0;
}

static int f_enum(struct norm *n, const char *key, const char *const *values, const char *def)
{
	json_t *v = json_object_get(n->in, key);
	char all[256];
	int i;

	if (v == NULL || json_is_null(v)) {
		json_object_set_new(n->out, key, json_string(def));
		return 0;
	}
	enum_list_text(values, all, sizeof(all));
	if (!json_is_string(v) || (i = sm_enum_index(json_string_value(v), values)) < 0)
		return sm_fail(n->e, 400, key, "%s must be one of %s", key, all);
	json_object_set_new(n->out, key, json_string(values[i]));
	return 0;
}

static int f_enum_list(struct norm *n, const char *key, const char *const *values, const char *def,
		       bool may_be_empty)
{
	json_t *v = json_object_get(n->in, key), *arr, *item;
	char all[256], field[96];
	size_t i;

	if (v == NULL || json_is_null(v)) {
		arr = json_array();
		if (def != NULL)
			json_array_append_new(arr, json_string(def));
		json_object_set_new(n->out, key, arr);
		return 0;
	}
	enum_list_text(values, all, sizeof(all));
	if (!json_is_array(v))
		return sm_fail(n->e, 400, key, "%s must be a list of %s", key, all);
	if (json_array_size(v) == 0 && !may_be_empty)
		return sm_fail(n->e, 400, key, "%s must not be empty", key);
	arr = json_array();
	json_array_foreach(v, i, item)
	{
		int idx =
		    json_is_string(item) ? sm_enum_index(json_string_value(item), values) : -1;

		snprintf(field, sizeof(field), "%s[%zu]", key, i);
		if (idx < 0) {
			json_decref(arr);
			return sm_fail(n->e, 400, field, "%s: not one of %s", field, all);
		}
		for (size_t j = 0; j < json_array_size(arr); j++) {
			if (strcmp(json_string_value(json_array_get(arr, j)), values[idx]) == 0) {
				json_decref(arr);
				return sm_fail(n->e, 400, field, "%s: %s is listed twice", field,
					       values[idx]);
			}
		}
		json_array_append_new(arr, json_string(values[idx]));
	}
	json_object_set_new(n->out, key, arr);
	return 0;
}

static int f_bool(struct norm *n, const char *key, bool def)
{
	json_t *v = json_object_get(n->in, key);

	if (v == NULL || json_is_null(v)) {
		json_object_set_new(n->out, key, json_boolean(def));
		return 0;
	}
	if (!json_is_boolean(v))
		return sm_fail(n->e, 400, key, "%s must be true or false", key);
	json_object_set(n->out, key, v);
	return 0;
}

static int f_int(struct norm *n, const char *key, json_int_t min, json_int_t max, json_int_t def)
{
	json_t *v = json_object_get(n->in, key);

	if (v == NULL || json_is_null(v)) {
		json_object_set_new(n->out, key, json_integer(def));
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return sm_fail(n->e, 400, key, "%s must be an integer from %lld to %lld", key,
			       (long long)min, (long long)max);
	json_object_set(n->out, key, v);
	return 0;
}

/* tcp_mss_clamping (NSX): {"direction": NONE | INBOUND_MSS | OUTBOUND_MSS | BOTH,
 * "max_segment_size": 108..8902, omitted or null for automatic (the tunnel's MTU less the
 * SA's overhead)}; omitted: direction NONE. */
static int f_mss_clamping(struct norm *n)
{
	static const char *const allowed[] = {"direction", "max_segment_size", NULL};
	json_t *v = json_object_get(n->in, "tcp_mss_clamping"), *out = json_object();
	json_t *mss;
	const char *key;
	json_t *item;
	int i = 0;

	json_object_set_new(n->out, "tcp_mss_clamping", out);
	if (v == NULL || json_is_null(v)) {
		json_object_set_new(out, "direction", json_string("NONE"));
		return 0;
	}
	if (!json_is_object(v))
		return sm_fail(n->e, 400, "tcp_mss_clamping",
			       "tcp_mss_clamping must be an object {\"direction\": ..., "
			       "\"max_segment_size\": ...}");
	json_object_foreach(v, key, item)
	{
		size_t k;

		for (k = 0; allowed[k] != NULL && strcmp(allowed[k], key) != 0; k++)
			;
		if (allowed[k] == NULL)
			return sm_fail(n->e, 400, "tcp_mss_clamping",
				       "tcp_mss_clamping: unknown field \"%s\"", key);
	}
	item = json_object_get(v, "direction");
	if (item != NULL && !json_is_null(item) &&
	    (!json_is_string(item) ||
	     (i = sm_enum_index(json_string_value(item), sm_mss_directions)) < 0))
		return sm_fail(n->e, 400, "tcp_mss_clamping.direction",
			       "tcp_mss_clamping.direction must be one of NONE, INBOUND_MSS, "
			       "OUTBOUND_MSS, BOTH");
	json_object_set_new(out, "direction", json_string(sm_mss_directions[i]));
	mss = json_object_get(v, "max_segment_size");
	if (mss != NULL && !json_is_null(mss)) {
		if (!json_is_integer(mss) || json_integer_value(mss) < SM_MSS_MIN ||
		    json_integer_value(mss) > SM_MSS_MAX)
			return sm_fail(n->e, 400, "tcp_mss_clamping.max_segment_size",
				       "tcp_mss_clamping.max_segment_size must be an integer from "
				       "%d to %d (omit it for automatic: the tunnel's MTU less the "
				       "ESP, IP and TCP overhead)",
				       SM_MSS_MIN, SM_MSS_MAX);
		json_object_set(out, "max_segment_size", mss);
	}
	return 0;
}

/* Whether s is an IPv4 or IPv6 address. */
static bool is_ip(const char *s)
{
	uint8_t addr[16];
	bool v6;

	return espnic_text_ip(s, &v6, addr) == 0;
}

static int f_addr(struct norm *n, const char *key)
{
	json_t *v = json_object_get(n->in, key);

	if (v == NULL || json_is_null(v))
		return sm_fail(n->e, 400, key, "%s is required", key);
	if (!json_is_string(v) || !is_ip(json_string_value(v)))
		return sm_fail(n->e, 400, key, "%s: not an IPv4 or IPv6 address", key);
	json_object_set(n->out, key, v);
	return 0;
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

static int f_cidr_list(struct norm *n, const char *key)
{
	json_t *v = json_object_get(n->in, key), *item;
	struct cfg_ts ts[SM_NETWORKS_MAX];
	char field[96];
	size_t i;

	if (v == NULL || json_is_null(v))
		return sm_fail(n->e, 400, key, "%s is required (one or more CIDR prefixes)", key);
	if (!json_is_array(v))
		return sm_fail(n->e, 400, key, "%s must be a list of CIDR prefixes", key);
	if (json_array_size(v) == 0)
		return sm_fail(n->e, 400, key, "%s must not be empty", key);
	if (json_array_size(v) > SM_NETWORKS_MAX)
		return sm_fail(n->e, 400, key, "%s: at most %d prefixes", key, SM_NETWORKS_MAX);
	json_array_foreach(v, i, item)
	{
		const char *why = "must be a string";

		snprintf(field, sizeof(field), "%s[%zu]", key, i);
		if (!json_is_string(item) || parse_cidr(json_string_value(item), &ts[i], &why) < 0)
			return sm_fail(n->e, 400, field, "%s: %s", field, why);
		for (size_t j = 0; j < i; j++) {
			size_t len = ts[i].family == AF_INET ? 4 : 16;

			if (ts[j].family == ts[i].family &&
			    memcmp(ts[i].start, ts[j].end, len) <= 0 &&
			    memcmp(ts[j].start, ts[i].end, len) <= 0)
				return sm_fail(n->e, 400, field, "%s overlaps %s[%zu]", field, key,
					       j);
		}
	}
	json_object_set(n->out, key, v);
	return 0;
}

/* A route-based session's own side of its tunnel interface: an IPv4 address in a /30 or /31
 * (169.254.0.0/16 is typical), the peer's the other usable address of it. */
static int f_tunnel_interface(struct norm *n)
{
	const char *key = "tunnel_interface";
	json_t *v = json_object_get(n->in, key);
	struct espnic_prefix p;
	uint32_t a, host;

	if (v == NULL || json_is_null(v))
		return sm_fail(n->e, 400, key,
			       "%s is required (this side's address and prefix length, e.g. "
			       "169.254.10.1/30)",
			       key);
	if (!json_is_string(v) ||
	    espnic_text_prefix(json_string_value(v), ESPNIC_PREFIX_NEED_LEN, &p) < 0 || p.v6)
		return sm_fail(n->e, 400, key, "%s: not an IPv4 address/prefix length", key);
	if (p.len != 30 && p.len != 31)
		return sm_fail(n->e, 400, key,
			       "%s: the prefix length must be 30 or 31 (two tunnel ends), not %u",
			       key, p.len);
	a = (uint32_t)p.addr[0] << 24 | (uint32_t)p.addr[1] << 16 | (uint32_t)p.addr[2] << 8 |
	    p.addr[3];
	host = a & (p.len == 30 ? 3u : 1u);
	if (p.len == 30 && (host == 0 || host == 3))
		return sm_fail(n->e, 400, key,
			       "%s: %s is the network or broadcast address of its /30", key,
			       json_string_value(v));
	json_object_set(n->out, key, v);
	return 0;
}

/* A field of the bgp object fails as "bgp.FIELD". */
static int bgp_field(struct sm_error *e)
{
	char f[sizeof(e->field)];

	snprintf(f, sizeof(f), "bgp.%.80s", e->field);
	memcpy(e->field, f, sizeof(f));
	return -EINVAL;
}

/* A route-based session's BGP over its tunnel interface (FRR, sessions/bgp_frr.c): our AS,
 * the peer's, the timers, the prefixes we announce. The neighbour is the peer's end of the
 * tunnel interface. */
static int f_bgp(struct norm *n)
{
	static const char *const allowed[] = {"local_asn",	     "peer_asn", "keepalive_time",
					      "hold_down_time",	     "announce", "bfd",
					      "password_configured", NULL};
	json_t *v = json_object_get(n->in, "bgp"), *out;
	struct norm sub;
	const char *key;
	json_t *item;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return sm_fail(n->e, 400, "bgp", "bgp must be an object");
	json_object_foreach(v, key, item)
	{
		bool ok = false;

		for (int i = 0; allowed[i]; i++)
			ok = ok || strcmp(key, allowed[i]) == 0;
		if (!ok)
			return sm_fail(n->e, 400, "bgp", "bgp.%s: unknown field", key);
	}
	out = json_object();
	sub = (struct norm){v, out, n->e};
	if (json_object_get(v, "local_asn") == NULL || json_object_get(v, "peer_asn") == NULL) {
		json_decref(out);
		return sm_fail(n->e, 400, "bgp", "bgp needs local_asn and peer_asn");
	}
	if (f_int(&sub, "local_asn", 1, 4294967295LL, 0) < 0 ||
	    f_int(&sub, "peer_asn", 1, 4294967295LL, 0) < 0 ||
	    f_int(&sub, "keepalive_time", 1, 3600, 60) < 0 ||
	    f_int(&sub, "hold_down_time", 3, 10800, 180) < 0 || f_bool(&sub, "bfd", false) < 0) {
		json_decref(out);
		return bgp_field(n->e);
	}
	if (json_object_get(v, "announce") != NULL &&
	    !(json_is_array(json_object_get(v, "announce")) &&
	      json_array_size(json_object_get(v, "announce")) == 0) &&
	    f_cidr_list(&sub, "announce") < 0) {
		json_decref(out);
		return bgp_field(n->e);
	}
	if (json_object_get(out, "announce") == NULL)
		json_object_set_new(out, "announce", json_array());
	json_object_set_new(n->out, "bgp", out);
	return 0;
}

/* The fields only a route-based session has. Its selectors are 0.0.0.0/0 both ways (routes
 * into the tunnel interface decide what is protected), so it has no networks. */
static int norm_route_based(struct norm *n)
{
	static const char *const networks[] = {"local_networks", "remote_networks"};
	json_t *routes;

	for (int i = 0; i < 2; i++)
		if (json_object_get(n->in, networks[i]) != NULL)
			return sm_fail(n->e, 400, networks[i],
				       "%s: a route-based session negotiates 0.0.0.0/0; routes "
				       "into its tunnel interface (static_routes, BGP) decide what "
				       "it carries",
				       networks[i]);
	if (json_object_get(n->in, "vlan") == NULL)
		return sm_fail(n->e, 400, "vlan",
			       "vlan is required: the 802.1Q VLAN (1..4094) of the tunnel "
			       "interface on the card's host port");
	if (f_int(n, "vlan", 1, 4094, 0) < 0 || f_tunnel_interface(n) < 0 ||
	    f_string(n, "tunnel_interface_name", false, 15, "") < 0)
		return -EINVAL;
	if (f_bgp(n) < 0)
		return -EINVAL;
	routes = json_object_get(n->in, "static_routes");
	if (routes == NULL || json_is_null(routes)) {
		json_object_set_new(n->out, "static_routes", json_array());
		return 0;
	}
	if (json_is_array(routes) && json_array_size(routes) == 0) {
		json_object_set(n->out, "static_routes", routes);
		return 0;
	}
	return f_cidr_list(n, "static_routes");
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

static int f_id(struct norm *n, const char *key)
{
	json_t *v = json_object_get(n->in, key);
	struct cfg_id id;
	enum id_type t;
	char typed[CFG_MAX_ID + 4];
	const char *text;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= CFG_MAX_ID)
		return sm_fail(n->e, 400, key,
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
		return sm_fail(n->e, 400, key,
			       "%s must be an IP address, an FQDN, user@domain or a DN "
			       "(dn:CN=...,O=...)",
			       key);
	} else {
		/* A bare DN is written with its type, as espnicd's configuration wants it. */
		snprintf(typed, sizeof(typed), "%s%s", t == ID_DN ? "dn:" : "", text);
	}
	if (strlen(typed) >= CFG_MAX_ID || cfg_id_parse(typed, &id) < 0 || id.type == 0)
		return sm_fail(
		    n->e, 400, key,
		    "%s: \"%.100s\" is not a valid identity (a DN takes attributes such as "
		    "C, O, OU, CN, E)",
		    key, text);
	json_object_set_new(n->out, key, json_string(typed));
	return 0;
}

static int f_tags(struct norm *n)
{
	json_t *v = json_object_get(n->in, "tags"), *item, *arr;
	char field[96];
	size_t i;

	if (v == NULL || json_is_null(v)) {
		json_object_set_new(n->out, "tags", json_array());
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) > SM_TAGS_MAX)
		return sm_fail(n->e, 400, "tags",
			       "tags must be a list of at most %d {\"scope\", \"tag\"}",
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
			return sm_fail(
			    n->e, 400, field,
			    "%s must be {\"scope\": up to 128 characters, \"tag\": 1 to 256}",
			    field);
		}
		json_array_append_new(arr,
				      json_pack("{s:s, s:O}", "scope",
						scope ? json_string_value(scope) : "", "tag", tag));
	}
	json_object_set_new(n->out, "tags", arr);
	return 0;
}

/* Keys that GET returns and a client may send back unchanged. */
static bool read_only_key(const char *key)
{
	return strcmp(key, "system_owned") == 0 || strcmp(key, "psk_configured") == 0 ||
	       strcmp(key, "private_key_configured") == 0;
}

static int unknown_keys(struct norm *n)
{
	const char *key;
	json_t *v;

	json_object_foreach(n->in, key, v)
	{
		if (json_object_get(n->out, key) == NULL && !read_only_key(key) &&
		    strcmp(key, "psk") != 0 && strcmp(key, "private_key") != 0)
			return sm_fail(n->e, 400, key, "unknown field \"%s\"", key);
	}
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

static int norm_endpoint(struct norm *n)
{
	if (f_addr(n, "local_address") < 0 || f_id(n, "local_id") < 0 ||
	    f_pem(n, "certificate", SM_PEM_MAX, false) < 0 ||
	    f_string(n, "description", false, SM_DESCRIPTION_MAX, "") < 0 || f_tags(n) < 0)
		return -EINVAL;
	return 0;
}

static int norm_ike(struct norm *n)
{
	bool cbc;

	if (f_enum(n, "ike_version", ike_versions, "IKE_V2") < 0)
		return -EINVAL;
	if (f_enum_list(n, "encryption_algorithms", alg_api_names(IKE_TRANSFORM_ENCR), "AES_128",
			false) < 0 ||
	    f_enum_list(n, "digest_algorithms", alg_api_names(IKE_TRANSFORM_INTEG), "SHA2_256",
			false) < 0 ||
	    f_enum_list(n, "dh_groups", alg_api_names(IKE_TRANSFORM_DH), "GROUP14", false) < 0 ||
	    f_int(n, "sa_life_time", 60, 31536000, 86400) < 0 ||
	    f_string(n, "description", false, SM_DESCRIPTION_MAX, "") < 0 || f_tags(n) < 0)
		return -EINVAL;
	/* IKEv1 phase 1 has no AEAD: IKE_V1 takes AES-CBC only (IKE_FLEX may offer both; its
	 * IKEv1 negotiations use the CBC ones). */
	if (sm_has_gcm(json_object_get(n->out, "encryption_algorithms"), &cbc) &&
	    strcmp(json_string_value(json_object_get(n->out, "ike_version")), "IKE_V1") == 0)
		return sm_fail(n->e, 400, "encryption_algorithms",
			       "encryption_algorithms: IKE_V1 takes AES_128 or AES_256 (CBC); "
			       "AES-GCM is not defined for IKEv1 phase 1");
	if (json_array_size(json_object_get(n->out, "digest_algorithms")) == 0)
		return sm_fail(n->e, 400, "digest_algorithms",
			       "digest_algorithms: IKE needs at least one (the PRF with AES-GCM)");
	return 0;
}

static int norm_tunnel(struct norm *n)
{
	json_t *digest = json_object_get(n->in, "digest_algorithms");
	bool cbc, gcm;

	if (f_enum_list(n, "encryption_algorithms", alg_api_names(IKE_TRANSFORM_ENCR),
			"AES_GCM_128", false) < 0)
		return -EINVAL;
	gcm = sm_has_gcm(json_object_get(n->out, "encryption_algorithms"), &cbc);
	(void)gcm;
	if (f_enum_list(n, "digest_algorithms", alg_api_names(IKE_TRANSFORM_INTEG),
			cbc && digest == NULL ? "SHA2_256" : NULL, true) < 0 ||
	    f_bool(n, "enable_perfect_forward_secrecy", true) < 0 ||
	    f_enum_list(n, "dh_groups", alg_api_names(IKE_TRANSFORM_DH), "GROUP14", false) < 0 ||
	    f_int(n, "sa_life_time", 0, 31536000, 3600) < 0 ||
	    f_int(n, "sa_life_bytes", 0, SM_VOLUME_MAX, 0) < 0 ||
	    f_int(n, "sa_life_packets", 0, SM_VOLUME_MAX, 0) < 0 ||
	    f_enum(n, "df_policy", df_policies, "COPY") < 0 ||
	    f_enum(n, "transform_protocol", transform_protocols, "ESP") < 0 ||
	    f_enum(n, "encapsulation_mode", encapsulation_modes, "TUNNEL_MODE") < 0 ||
	    f_bool(n, "ipcomp", false) < 0 ||
	    f_string(n, "description", false, SM_DESCRIPTION_MAX, "") < 0 || f_tags(n) < 0)
		return -EINVAL;
	if (json_integer_value(json_object_get(n->out, "sa_life_time")) > 0 &&
	    json_integer_value(json_object_get(n->out, "sa_life_time")) < 60)
		return sm_fail(n->e, 400, "sa_life_time",
			       "sa_life_time: 0 (no time limit: the volume limits, if any, drive "
			       "the rekeys) or 60 to 31536000 seconds");
	/* What the gateway will not do, said as such rather than as an unknown field. */
	if (strcmp(json_string_value(json_object_get(n->out, "transform_protocol")), "AH") == 0)
		return sm_fail(n->e, 400, "transform_protocol",
			       "transform_protocol: AH is not supported, only ESP (RFC 4303): AH "
			       "encrypts nothing and does not cross NAT; ESP with AES-GCM or with "
			       "an integrity algorithm authenticates the packet");
	if (json_is_true(json_object_get(n->out, "ipcomp")))
		return sm_fail(n->e, 400, "ipcomp",
			       "ipcomp: IP payload compression (RFC 3173) is not supported: the "
			       "card does not compress, and compressing before encryption leaks "
			       "the plaintext's length");
	/* The card copies the inner DF bit into the outer IPv4 header (esp_egress.sv); the
	 * dataplane interface has no setting to clear it. */
	if (strcmp(json_string_value(json_object_get(n->out, "df_policy")), "COPY") != 0)
		return sm_fail(
		    n->e, 400, "df_policy",
		    "df_policy: only COPY is supported (the card copies the inner DF bit; "
		    "the dataplane has no DF setting yet)");
	if (!cbc && json_array_size(json_object_get(n->out, "digest_algorithms")) != 0)
		return sm_fail(
		    n->e, 400, "digest_algorithms",
		    "digest_algorithms must be empty with AES-GCM only (it authenticates "
		    "itself)");
	if (cbc && json_array_size(json_object_get(n->out, "digest_algorithms")) == 0)
		return sm_fail(n->e, 400, "digest_algorithms",
			       "digest_algorithms: AES-CBC needs at least one");
	return 0;
}

static int norm_dpd(struct norm *n)
{
	if (f_enum(n, "dpd_probe_mode", dpd_modes, "PERIODIC") < 0 ||
	    f_int(n, "dpd_probe_interval", 1, 3600, 60) < 0 ||
	    f_int(n, "retry_count", 1, 100, 10) < 0 ||
	    f_enum(n, "dpd_action", dpd_actions, "RESTART") < 0 || f_bool(n, "enabled", true) < 0 ||
	    f_string(n, "description", false, SM_DESCRIPTION_MAX, "") < 0 || f_tags(n) < 0)
		return -EINVAL;
	return 0;
}

static int norm_session(struct norm *n)
{
	bool route_based;

	if (f_enum(n, "resource_type", session_types, "PolicyBasedIPSecVpnSession") < 0)
		return -EINVAL;
	route_based = strcmp(json_string_value(json_object_get(n->out, "resource_type")),
			     "RouteBasedIPSecVpnSession") == 0;
	if (route_based
		? norm_route_based(n) < 0
		: f_cidr_list(n, "local_networks") < 0 || f_cidr_list(n, "remote_networks") < 0)
		return -EINVAL;
	if (f_string(n, "description", false, SM_DESCRIPTION_MAX, "") < 0 ||
	    f_bool(n, "enabled", true) < 0 || f_string(n, "local_endpoint", true, 64, NULL) < 0 ||
	    f_addr(n, "peer_address") < 0 ||
	    f_enum(n, "authentication_mode", auth_modes, "PSK") < 0 || f_id(n, "local_id") < 0 ||
	    f_id(n, "peer_id") < 0 || f_string(n, "ike_profile", false, 64, SM_DEFAULT_IKE) < 0 ||
	    f_string(n, "tunnel_profile", false, 64, SM_DEFAULT_TUNNEL) < 0 ||
	    f_string(n, "dpd_profile", false, 64, SM_DEFAULT_DPD) < 0 ||
	    f_enum(n, "connection_initiation_mode", init_modes, "INITIATOR") < 0 || f_tags(n) < 0 ||
	    f_int(n, "keying_tries", 0, 1000, 0) < 0 || f_bool(n, "rekey", true) < 0 ||
	    f_int(n, "margin_time", 0, 86400, 540) < 0 ||
	    f_enum(n, "unique_ids", unique_ids, "YES") < 0 ||
	    f_bool(n, "force_udp_encapsulation", false) < 0 ||
	    f_bool(n, "make_before_break", true) < 0 ||
	    f_enum(n, "compliance_suite", sm_suite_names, "NONE") < 0 || f_mss_clamping(n) < 0)
		return -EINVAL;
	sm_suite_default_profiles(n->out);
	/* espnicd never reauthenticates (no second IKE_AUTH on a live SA) and rekeys IKE and
	 * CHILD_SAs with CREATE_CHILD_SA, always installing the new SA before deleting the old
	 * one: there is no break-before-make to choose. */
	if (!json_is_true(json_object_get(n->out, "make_before_break")))
		return sm_fail(
		    n->e, 400, "make_before_break",
		    "make_before_break: false is not supported: espnicd rekeys with "
		    "CREATE_CHILD_SA and always installs the new SA before it deletes the "
		    "old one (it never reauthenticates)");
	if (f_pem(n, "trusted_ca", SM_PEM_MAX, false) < 0 ||
	    f_pem(n, "trusted_crl", SM_PEM_MAX, true) < 0)
		return -EINVAL;
	if (strcmp(json_string_value(json_object_get(n->out, "authentication_mode")),
		   "CERTIFICATE") == 0) {
		if (json_object_get(n->out, "trusted_ca") == NULL)
			return sm_fail(
			    n->e, 400, "trusted_ca",
			    "trusted_ca is required with authentication_mode CERTIFICATE "
			    "(PEM: the CA certificates the peer's certificate must chain "
			    "to)");
	} else if (json_object_get(n->out, "trusted_ca") != NULL ||
		   json_object_get(n->out, "trusted_crl") != NULL) {
		const char *k =
		    json_object_get(n->out, "trusted_ca") ? "trusted_ca" : "trusted_crl";

		return sm_fail(n->e, 400, k, "%s goes with authentication_mode CERTIFICATE only",
			       k);
	}
	return 0;
}

int sm_normalize(enum sm_kind k, json_t *in, json_t **out, struct sm_error *e)
{
	struct norm n = {in, json_object(), e};
	int ret;

	if (!json_is_object(in)) {
		json_decref(n.out);
		return sm_fail(e, 400, "", "the body must be a JSON object");
	}
	switch (k) {
	case SM_ENDPOINT:
		ret = norm_endpoint(&n);
		break;
	case SM_IKE_PROFILE:
		ret = norm_ike(&n);
		break;
	case SM_TUNNEL_PROFILE:
		ret = norm_tunnel(&n);
		break;
	case SM_DPD_PROFILE:
		ret = norm_dpd(&n);
		break;
	default:
		ret = norm_session(&n);
		break;
	}
	if (ret == 0)
		ret = unknown_keys(&n);
	if (ret < 0) {
		json_decref(n.out);
		return ret;
	}
	*out = n.out;
	return 0;
}
