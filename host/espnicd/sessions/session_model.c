/* The session-management objects: field validation with defaults (NSX names, enum values
 * accepted in any case, "-" for "_"), the system default profiles, cross-object checks
 * (references, overlapping selectors) and the mapping of a session onto a cfg_peer. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/evp.h>

#include "session_model.h"

static const char *const kind_path[] = {"local-endpoints", "ike-profiles", "tunnel-profiles",
					"dpd-profiles", "sessions"};
static const char *const kind_key[] = {"local_endpoints", "ike_profiles", "tunnel_profiles",
				       "dpd_profiles", "sessions"};
static const char *const kind_noun[] = {"local endpoint", "IKE profile", "tunnel profile",
					"DPD profile", "session"};

static const char *const ike_versions[] = {"IKE_V2", NULL};
static const char *const encryptions[] = {"AES_128", "AES_256", "AES_GCM_128", "AES_GCM_256", NULL};
static const char *const digests[] = {"SHA1", "SHA2_256", "SHA2_384", "SHA2_512", NULL};
static const char *const dh_groups[] = {"GROUP14", "GROUP15", "GROUP16", "GROUP19",
					"GROUP20", "GROUP21", "GROUP31", NULL};
static const char *const df_policies[] = {"COPY", "CLEAR", NULL};
static const char *const dpd_modes[] = {"PERIODIC", "ON_DEMAND", NULL};
static const char *const dpd_actions[] = {"RESTART", "CLEAR", NULL};
static const char *const auth_modes[] = {"PSK", "CERTIFICATE", NULL};
static const char *const init_modes[] = {"INITIATOR", "ON_DEMAND", "RESPOND_ONLY", NULL};
static const char *const unique_ids[] = {"YES", "NO", "NEVER", NULL};
static const char *const session_types[] = {"PolicyBasedIPSecVpnSession", NULL};

/* strongSwan names, index-aligned with the tables above. */
static const char *const encr_ss[] = {"aes128", "aes256", "aes128gcm16", "aes256gcm16"};
static const char *const integ_ss[] = {"sha1", "sha256", "sha384", "sha512"};
static const char *const prf_ss[] = {"prfsha1", "prfsha256", "prfsha384", "prfsha512"};
static const char *const dh_ss[] = {"modp2048", "modp3072", "modp4096", "ecp256",
				    "ecp384",	"ecp521",   "x25519"};

const char *sm_kind_path(enum sm_kind k)
{
	return kind_path[k];
}

const char *sm_kind_key(enum sm_kind k)
{
	return kind_key[k];
}

const char *sm_kind_noun(enum sm_kind k)
{
	return kind_noun[k];
}

int sm_kind_from_path(const char *path, enum sm_kind *k)
{
	for (int i = 0; i < SM_KIND_COUNT; i++) {
		if (strcmp(path, kind_path[i]) == 0) {
			*k = (enum sm_kind)i;
			return 0;
		}
	}
	return -ENOENT;
}

static int fail(struct sm_error *e, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct sm_error *e, int status, const char *field, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

unsigned sm_pem_cert_count(const char *text, size_t len)
{
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	unsigned n = 0;
	X509 *x;

	while (bio != NULL && n <= SM_PEM_CERTS_MAX &&
	       (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	BIO_free(bio);
	ERR_clear_error();
	return n;
}

bool sm_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("._-", name[i]) == NULL)
			return false;
	return true;
}

bool sm_is_system(const json_t *obj)
{
	return json_is_true(json_object_get(obj, "system_owned"));
}

/* ---- field helpers: each reads key from in, writes the normalized value to out ---- */

struct norm {
	json_t *in, *out;
	struct sm_error *e;
};

static int enum_index(const char *s, const char *const *values)
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
			return fail(n->e, 400, key, "%s is required", key);
		if (def != NULL)
			json_object_set_new(n->out, key, json_string(def));
		return 0;
	}
	if (!json_is_string(v))
		return fail(n->e, 400, key, "%s must be a string", key);
	if (json_string_length(v) > max)
		return fail(n->e, 400, key, "%s is too long (at most %zu characters)", key, max);
	for (size_t i = 0; i < json_string_length(v); i++)
		if (iscntrl((unsigned char)json_string_value(v)[i]))
			return fail(n->e, 400, key, "%s contains control characters", key);
	json_object_set(n->out, key, v);
	return 0;
}

/* PEM text: printable ASCII and line breaks, at least one certificate in it. */
static int f_pem_certs(struct norm *n, const char *key, size_t max)
{
	json_t *v = json_object_get(n->in, key);
	const char *t;
	unsigned count;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(n->e, 400, key, "%s must be PEM text (-----BEGIN CERTIFICATE-----...)",
			    key);
	if (json_string_length(v) > max)
		return fail(n->e, 400, key, "%s is too long (at most %zu characters)", key, max);
	t = json_string_value(v);
	for (size_t i = 0; i < json_string_length(v); i++)
		if ((t[i] < 0x20 || t[i] > 0x7e) && t[i] != '\n' && t[i] != '\r' && t[i] != '\t')
			return fail(n->e, 400, key, "%s: PEM text must be ASCII", key);
	count = sm_pem_cert_count(t, json_string_length(v));
	if (count == 0)
		return fail(n->e, 400, key, "%s: no PEM certificate in it (bad PEM)", key);
	if (count > SM_PEM_CERTS_MAX)
		return fail(n->e, 400, key, "%s: at most %d certificates", key, SM_PEM_CERTS_MAX);
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
	if (!json_is_string(v) || (i = enum_index(json_string_value(v), values)) < 0)
		return fail(n->e, 400, key, "%s must be one of %s", key, all);
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
		return fail(n->e, 400, key, "%s must be a list of %s", key, all);
	if (json_array_size(v) == 0 && !may_be_empty)
		return fail(n->e, 400, key, "%s must not be empty", key);
	arr = json_array();
	json_array_foreach(v, i, item)
	{
		int idx = json_is_string(item) ? enum_index(json_string_value(item), values) : -1;

		snprintf(field, sizeof(field), "%s[%zu]", key, i);
		if (idx < 0) {
			json_decref(arr);
			return fail(n->e, 400, field, "%s: not one of %s", field, all);
		}
		for (size_t j = 0; j < json_array_size(arr); j++) {
			if (strcmp(json_string_value(json_array_get(arr, j)), values[idx]) == 0) {
				json_decref(arr);
				return fail(n->e, 400, field, "%s: %s is listed twice", field,
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
		return fail(n->e, 400, key, "%s must be true or false", key);
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
		return fail(n->e, 400, key, "%s must be an integer from %lld to %lld", key,
			    (long long)min, (long long)max);
	json_object_set(n->out, key, v);
	return 0;
}

static int parse_ip(const char *s, int *family, uint8_t addr[16])
{
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int f_addr(struct norm *n, const char *key)
{
	json_t *v = json_object_get(n->in, key);
	uint8_t a[16];
	int family;

	if (v == NULL || json_is_null(v))
		return fail(n->e, 400, key, "%s is required", key);
	if (!json_is_string(v) || parse_ip(json_string_value(v), &family, a) < 0)
		return fail(n->e, 400, key, "%s: not an IPv4 or IPv6 address", key);
	json_object_set(n->out, key, v);
	return 0;
}

/* A CIDR prefix with no host bits set; the range into ts. */
static int parse_cidr(const char *s, struct cfg_ts *ts, const char **why)
{
	char buf[64], *slash;
	uint8_t addr[16];
	int family;

	*why = "not a CIDR prefix (address/length)";
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -EINVAL;
	*slash = '\0';
	if (parse_ip(buf, &family, addr) < 0 || config_parse_ts(s, ts) < 0)
		return -EINVAL;
	if (memcmp(addr, ts->start, family == AF_INET ? 4 : 16) != 0) {
		*why = "host bits set beyond the prefix length";
		return -EINVAL;
	}
	return 0;
}

static int f_cidr_list(struct norm *n, const char *key)
{
	json_t *v = json_object_get(n->in, key), *item;
	struct cfg_ts ts[SM_NETWORKS_MAX];
	char field[96];
	size_t i;

	if (v == NULL || json_is_null(v))
		return fail(n->e, 400, key, "%s is required (one or more CIDR prefixes)", key);
	if (!json_is_array(v))
		return fail(n->e, 400, key, "%s must be a list of CIDR prefixes", key);
	if (json_array_size(v) == 0)
		return fail(n->e, 400, key, "%s must not be empty", key);
	if (json_array_size(v) > SM_NETWORKS_MAX)
		return fail(n->e, 400, key, "%s: at most %d prefixes", key, SM_NETWORKS_MAX);
	json_array_foreach(v, i, item)
	{
		const char *why = "must be a string";

		snprintf(field, sizeof(field), "%s[%zu]", key, i);
		if (!json_is_string(item) || parse_cidr(json_string_value(item), &ts[i], &why) < 0)
			return fail(n->e, 400, field, "%s: %s", field, why);
		for (size_t j = 0; j < i; j++) {
			size_t len = ts[i].family == AF_INET ? 4 : 16;

			if (ts[j].family == ts[i].family &&
			    memcmp(ts[i].start, ts[j].end, len) <= 0 &&
			    memcmp(ts[j].start, ts[i].end, len) <= 0)
				return fail(n->e, 400, field, "%s overlaps %s[%zu]", field, key, j);
		}
	}
	json_object_set(n->out, key, v);
	return 0;
}

/* An IKE identity: an IP address, an FQDN (optionally "@"), user@domain, or a DN
 * ("CN=..., O=..."). */
enum id_type { ID_IP, ID_FQDN, ID_EMAIL, ID_DN };

static int id_classify(const char *s, enum id_type *t)
{
	uint8_t a[16];
	int family;

	if (parse_ip(s, &family, a) == 0) {
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
		return fail(n->e, 400, key,
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
		return fail(n->e, 400, key,
			    "%s must be an IP address, an FQDN, user@domain or a DN "
			    "(dn:CN=...,O=...)",
			    key);
	} else {
		/* A bare DN is written with its type, as espnicd's configuration wants it. */
		snprintf(typed, sizeof(typed), "%s%s", t == ID_DN ? "dn:" : "", text);
	}
	if (strlen(typed) >= CFG_MAX_ID || cfg_id_parse(typed, &id) < 0 || id.type == 0)
		return fail(n->e, 400, key,
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
		return fail(n->e, 400, "tags",
			    "tags must be a list of at most %d {\"scope\", \"tag\"}", SM_TAGS_MAX);
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
			return fail(
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
			return fail(n->e, 400, key, "unknown field \"%s\"", key);
	}
	return 0;
}

static bool has_gcm(const json_t *list, bool *cbc)
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
	    f_pem_certs(n, "certificate", SM_PEM_MAX) < 0 ||
	    f_string(n, "description", false, SM_DESCRIPTION_MAX, "") < 0 || f_tags(n) < 0)
		return -EINVAL;
	return 0;
}

static int norm_ike(struct norm *n)
{
	bool cbc;

	if (f_enum(n, "ike_version", ike_versions, "IKE_V2") < 0) {
		json_t *v = json_object_get(n->in, "ike_version");

		if (json_is_string(v) &&
		    (enum_index(json_string_value(v),
				(const char *const[]){"IKE_V1", "IKE_FLEX", NULL}) >= 0))
			return fail(n->e, 400, "ike_version",
				    "ike_version: only IKE_V2 is supported (IKEv1 is planned)");
		return -EINVAL;
	}
	if (f_enum_list(n, "encryption_algorithms", encryptions, "AES_128", false) < 0 ||
	    f_enum_list(n, "digest_algorithms", digests, "SHA2_256", false) < 0 ||
	    f_enum_list(n, "dh_groups", dh_groups, "GROUP14", false) < 0 ||
	    f_int(n, "sa_life_time", 60, 31536000, 86400) < 0 ||
	    f_string(n, "description", false, SM_DESCRIPTION_MAX, "") < 0 || f_tags(n) < 0)
		return -EINVAL;
	has_gcm(json_object_get(n->out, "encryption_algorithms"), &cbc);
	if (json_array_size(json_object_get(n->out, "digest_algorithms")) == 0)
		return fail(n->e, 400, "digest_algorithms",
			    "digest_algorithms: IKE needs at least one (the PRF with AES-GCM)");
	return 0;
}

static int norm_tunnel(struct norm *n)
{
	json_t *digest = json_object_get(n->in, "digest_algorithms");
	bool cbc, gcm;

	if (f_enum_list(n, "encryption_algorithms", encryptions, "AES_GCM_128", false) < 0)
		return -EINVAL;
	gcm = has_gcm(json_object_get(n->out, "encryption_algorithms"), &cbc);
	(void)gcm;
	if (f_enum_list(n, "digest_algorithms", digests, cbc && digest == NULL ? "SHA2_256" : NULL,
			true) < 0 ||
	    f_bool(n, "enable_perfect_forward_secrecy", true) < 0 ||
	    f_enum_list(n, "dh_groups", dh_groups, "GROUP14", false) < 0 ||
	    f_int(n, "sa_life_time", 60, 31536000, 3600) < 0 ||
	    f_enum(n, "df_policy", df_policies, "COPY") < 0 ||
	    f_string(n, "description", false, SM_DESCRIPTION_MAX, "") < 0 || f_tags(n) < 0)
		return -EINVAL;
	/* The card copies the inner DF bit into the outer IPv4 header (esp_egress.sv); the
	 * dataplane interface has no setting to clear it. */
	if (strcmp(json_string_value(json_object_get(n->out, "df_policy")), "COPY") != 0)
		return fail(n->e, 400, "df_policy",
			    "df_policy: only COPY is supported (the card copies the inner DF bit; "
			    "the dataplane has no DF setting yet)");
	if (!cbc && json_array_size(json_object_get(n->out, "digest_algorithms")) != 0)
		return fail(n->e, 400, "digest_algorithms",
			    "digest_algorithms must be empty with AES-GCM only (it authenticates "
			    "itself)");
	if (cbc && json_array_size(json_object_get(n->out, "digest_algorithms")) == 0)
		return fail(n->e, 400, "digest_algorithms",
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
	if (f_enum(n, "resource_type", session_types, "PolicyBasedIPSecVpnSession") < 0) {
		if (json_is_string(json_object_get(n->in, "resource_type")) &&
		    strcmp(json_string_value(json_object_get(n->in, "resource_type")),
			   "RouteBasedIPSecVpnSession") == 0)
			return fail(n->e, 400, "resource_type",
				    "resource_type: route-based sessions are not supported yet");
		return -EINVAL;
	}
	if (f_string(n, "description", false, SM_DESCRIPTION_MAX, "") < 0 ||
	    f_bool(n, "enabled", true) < 0 || f_string(n, "local_endpoint", true, 64, NULL) < 0 ||
	    f_addr(n, "peer_address") < 0 ||
	    f_enum(n, "authentication_mode", auth_modes, "PSK") < 0 || f_id(n, "local_id") < 0 ||
	    f_id(n, "peer_id") < 0 || f_cidr_list(n, "local_networks") < 0 ||
	    f_cidr_list(n, "remote_networks") < 0 ||
	    f_string(n, "ike_profile", false, 64, SM_DEFAULT_IKE) < 0 ||
	    f_string(n, "tunnel_profile", false, 64, SM_DEFAULT_TUNNEL) < 0 ||
	    f_string(n, "dpd_profile", false, 64, SM_DEFAULT_DPD) < 0 ||
	    f_enum(n, "connection_initiation_mode", init_modes, "INITIATOR") < 0 || f_tags(n) < 0 ||
	    f_int(n, "keying_tries", 0, 1000, 0) < 0 || f_bool(n, "rekey", true) < 0 ||
	    f_int(n, "margin_time", 0, 86400, 540) < 0 ||
	    f_enum(n, "unique_ids", unique_ids, "YES") < 0 ||
	    f_bool(n, "force_udp_encapsulation", false) < 0 ||
	    f_bool(n, "make_before_break", true) < 0)
		return -EINVAL;
	/* espnicd never reauthenticates (no second IKE_AUTH on a live SA) and rekeys IKE and
	 * CHILD_SAs with CREATE_CHILD_SA, always installing the new SA before deleting the old
	 * one: there is no break-before-make to choose. */
	if (!json_is_true(json_object_get(n->out, "make_before_break")))
		return fail(n->e, 400, "make_before_break",
			    "make_before_break: false is not supported: espnicd rekeys with "
			    "CREATE_CHILD_SA and always installs the new SA before it deletes the "
			    "old one (it never reauthenticates)");
	if (f_pem_certs(n, "trusted_ca", SM_PEM_MAX) < 0)
		return -EINVAL;
	if (strcmp(json_string_value(json_object_get(n->out, "authentication_mode")),
		   "CERTIFICATE") == 0) {
		if (json_object_get(n->out, "trusted_ca") == NULL)
			return fail(n->e, 400, "trusted_ca",
				    "trusted_ca is required with authentication_mode CERTIFICATE "
				    "(PEM: the CA certificates the peer's certificate must chain "
				    "to)");
	} else if (json_object_get(n->out, "trusted_ca") != NULL) {
		return fail(n->e, 400, "trusted_ca",
			    "trusted_ca goes with authentication_mode CERTIFICATE only");
	}
	return 0;
}

static int normalize(enum sm_kind k, json_t *in, json_t **out, struct sm_error *e)
{
	struct norm n = {in, json_object(), e};
	int ret;

	if (!json_is_object(in)) {
		json_decref(n.out);
		return fail(e, 400, "", "the body must be a JSON object");
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

/* ---- the model ---- */

static json_t *coll(const struct sm_model *m, enum sm_kind k)
{
	return json_object_get(m->root, kind_key[k]);
}

static json_t *session_secrets(const struct sm_model *m)
{
	return json_object_get(m->secrets, "sessions");
}

static json_t *endpoint_secrets(const struct sm_model *m)
{
	return json_object_get(m->secrets, "local_endpoints");
}

static void add_system(json_t *root, enum sm_kind k, const char *name, const char *descr)
{
	json_t *in = json_object(), *out = NULL;
	struct sm_error e;

	if (normalize(k, in, &out, &e) == 0) {
		json_object_set_new(out, "description", json_string(descr));
		json_object_set_new(out, "system_owned", json_true());
		json_object_set_new(json_object_get(root, kind_key[k]), name, out);
	}
	json_decref(in);
}

int sm_model_init(struct sm_model *m)
{
	m->root = json_object();
	m->secrets = json_pack("{s:{}, s:{}}", "sessions", "local_endpoints");
	if (m->root == NULL || m->secrets == NULL) {
		sm_model_free(m);
		return -ENOMEM;
	}
	for (int k = 0; k < SM_KIND_COUNT; k++)
		json_object_set_new(m->root, kind_key[k], json_object());
	add_system(m->root, SM_IKE_PROFILE, SM_DEFAULT_IKE,
		   "system default: IKEv2, AES-128, SHA2-256, group 14, 86400 s");
	add_system(m->root, SM_TUNNEL_PROFILE, SM_DEFAULT_TUNNEL,
		   "system default: AES-GCM-128, PFS with group 14, 3600 s, DF copy");
	add_system(m->root, SM_DPD_PROFILE, SM_DEFAULT_DPD,
		   "system default: periodic, 60 s, 10 retries");
	return 0;
}

int sm_model_copy(const struct sm_model *from, struct sm_model *to)
{
	to->root = json_deep_copy(from->root);
	to->secrets = json_deep_copy(from->secrets);
	if (to->root == NULL || to->secrets == NULL) {
		sm_model_free(to);
		return -ENOMEM;
	}
	return 0;
}

static void wipe_string(json_t *v)
{
	if (json_is_string(v))
		OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
}

void sm_model_free(struct sm_model *m)
{
	const char *key;
	json_t *v;

	json_object_foreach(session_secrets(m), key, v)
	{
		wipe_string(v);
	}
	json_object_foreach(endpoint_secrets(m), key, v)
	{
		wipe_string(v);
	}
	json_decref(m->root);
	json_decref(m->secrets);
	m->root = m->secrets = NULL;
}

const json_t *sm_get(const struct sm_model *m, enum sm_kind k, const char *name)
{
	return json_object_get(coll(m, k), name);
}

static const char *str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* The (local, remote) selector pairs of two sessions must not overlap: the SPD could not tell
 * which SA a packet belongs to. */
static bool lists_overlap(const json_t *a, const json_t *b, const char **pa, const char **pb)
{
	size_t i, j;
	json_t *x, *y;

	json_array_foreach(a, i, x)
	{
		json_array_foreach(b, j, y)
		{
			struct cfg_ts tx, ty;
			size_t len;

			if (config_parse_ts(json_string_value(x), &tx) < 0 ||
			    config_parse_ts(json_string_value(y), &ty) < 0 ||
			    tx.family != ty.family)
				continue;
			len = tx.family == AF_INET ? 4 : 16;
			if (memcmp(tx.start, ty.end, len) <= 0 &&
			    memcmp(ty.start, tx.end, len) <= 0) {
				*pa = json_string_value(x);
				*pb = json_string_value(y);
				return true;
			}
		}
	}
	return false;
}

static int check_endpoint(const struct sm_model *m, const char *name, const json_t *ep,
			  struct sm_error *e)
{
	const json_t *cert = json_object_get(ep, "certificate");
	const json_t *key = json_object_get(endpoint_secrets(m), name);
	enum creds_part part;
	struct creds *c;
	char why[256];

	if (cert == NULL && key == NULL)
		return 0;
	if (cert == NULL)
		return fail(e, 400, "certificate",
			    "certificate is required with private_key (PEM)");
	if (key == NULL)
		return fail(e, 400, "private_key",
			    "private_key is required with certificate (PEM, unencrypted)");
	/* The certificate stands in for the CAs: only the certificate and the key count here. */
	if (creds_load_pem(json_string_value(cert), json_string_length(cert),
			   json_string_value(key), json_string_length(key), json_string_value(cert),
			   json_string_length(cert), &c, &part, why, sizeof(why)) < 0)
		return fail(e, 400, part == CREDS_PART_KEY ? "private_key" : "certificate", "%s",
			    why);
	creds_unref(c);
	return 0;
}

/* The effective identities of a session. */
static const char *session_local_id(const json_t *s, const json_t *ep)
{
	const char *id = json_string_value(json_object_get(s, "local_id"));

	if (id == NULL || *id == '\0')
		id = json_string_value(json_object_get(ep, "local_id"));
	return id ? id : "";
}

int sm_session_creds(const struct sm_model *m, const char *name, struct creds **out,
		     struct sm_error *e)
{
	const json_t *s = sm_get(m, SM_SESSION, name), *ep, *cert, *key, *ca;
	enum creds_part part;
	struct cfg_id lid;
	const char *local_id;
	char why[256];

	*out = NULL;
	if (s == NULL)
		return fail(e, 404, "", "no session named \"%s\"", name);
	ep = sm_get(m, SM_ENDPOINT, json_string_value(json_object_get(s, "local_endpoint")));
	cert = json_object_get(ep, "certificate");
	key = json_object_get(endpoint_secrets(m),
			      json_string_value(json_object_get(s, "local_endpoint")));
	ca = json_object_get(s, "trusted_ca");
	if (ep == NULL || cert == NULL || key == NULL)
		return fail(
		    e, 400, "local_endpoint",
		    "local_endpoint: authentication_mode CERTIFICATE needs a local endpoint "
		    "with a certificate and a private_key");
	if (ca == NULL)
		return fail(e, 400, "trusted_ca",
			    "trusted_ca is required with authentication_mode CERTIFICATE");
	if (creds_load_pem(json_string_value(cert), json_string_length(cert),
			   json_string_value(key), json_string_length(key), json_string_value(ca),
			   json_string_length(ca), out, &part, why, sizeof(why)) < 0)
		return fail(e, 400, part == CREDS_PART_CA ? "trusted_ca" : "local_endpoint", "%s",
			    why);
	local_id = session_local_id(s, ep);
	if (*local_id != '\0' &&
	    (cfg_id_parse(local_id, &lid) < 0 || !creds_own_cert_proves(*out, &lid))) {
		bool own = *str(s, "local_id") != '\0';

		creds_unref(*out);
		*out = NULL;
		return fail(e, 400, "local_id",
			    "local_id: \"%.100s\"%s is neither the subject nor a subjectAltName of "
			    "the local endpoint's certificate",
			    local_id, own ? "" : " (the local endpoint's)");
	}
	return 0;
}

int sm_session_creds_digest(const struct sm_model *m, const char *name, uint8_t digest[32])
{
	const json_t *s = sm_get(m, SM_SESSION, name), *cert, *key, *ca;
	const char *epname = str(s, "local_endpoint");
	EVP_MD_CTX *ctx;
	int ok;

	cert = json_object_get(sm_get(m, SM_ENDPOINT, epname), "certificate");
	key = json_object_get(endpoint_secrets(m), epname);
	ca = json_object_get(s, "trusted_ca");
	if (cert == NULL || key == NULL || ca == NULL)
		return -ENOENT;
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, json_string_value(cert), json_string_length(cert) + 1) &&
	     EVP_DigestUpdate(ctx, json_string_value(key), json_string_length(key) + 1) &&
	     EVP_DigestUpdate(ctx, json_string_value(ca), json_string_length(ca) + 1) &&
	     EVP_DigestFinal_ex(ctx, digest, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -ENOMEM;
}

int sm_check(const struct sm_model *m, struct sm_error *e)
{
	const char *name, *other;
	json_t *s, *t;

	json_object_foreach(coll(m, SM_ENDPOINT), name, s)
	{
		if (check_endpoint(m, name, s, e) < 0)
			return -EINVAL;
	}

	json_object_foreach(coll(m, SM_SESSION), name, s)
	{
		static const struct {
			const char *field;
			enum sm_kind kind;
		} refs[] = {{"local_endpoint", SM_ENDPOINT},
			    {"ike_profile", SM_IKE_PROFILE},
			    {"tunnel_profile", SM_TUNNEL_PROFILE},
			    {"dpd_profile", SM_DPD_PROFILE}};
		const json_t *psk = json_object_get(session_secrets(m), name);

		for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
			if (sm_get(m, refs[i].kind, str(s, refs[i].field)) == NULL)
				return fail(e, 400, refs[i].field, "%s: no %s named \"%s\"",
					    refs[i].field, kind_noun[refs[i].kind],
					    str(s, refs[i].field));
		if (strcmp(str(s, "authentication_mode"), "PSK") == 0 && psk == NULL)
			return fail(e, 400, "psk", "psk is required with authentication_mode PSK");
		if (strcmp(str(s, "authentication_mode"), "CERTIFICATE") == 0) {
			struct creds *c;

			if (sm_session_creds(m, name, &c, e) < 0)
				return -EINVAL;
			creds_unref(c);
		}
		if (!json_is_true(json_object_get(s, "enabled")))
			continue;
		json_object_foreach(coll(m, SM_SESSION), other, t)
		{
			const char *a, *b, *c, *d;

			if (strcmp(name, other) == 0)
				break; /* each pair once: against the sessions before this one */
			if (!json_is_true(json_object_get(t, "enabled")) ||
			    strcmp(str(s, "local_endpoint"), str(t, "local_endpoint")) != 0)
				continue;
			/* One session per gateway pair (as NSX): the peer is found by address. */
			if (strcmp(str(s, "peer_address"), str(t, "peer_address")) == 0)
				return fail(e, 409, "peer_address",
					    "session \"%s\" connects local endpoint \"%s\" to %s "
					    "already; add the networks to that session",
					    other, str(s, "local_endpoint"),
					    str(s, "peer_address"));
			if (lists_overlap(json_object_get(s, "local_networks"),
					  json_object_get(t, "local_networks"), &a, &b) &&
			    lists_overlap(json_object_get(s, "remote_networks"),
					  json_object_get(t, "remote_networks"), &c, &d))
				return fail(e, 409, "remote_networks",
					    "local_networks and remote_networks overlap session "
					    "\"%s\" (%s / %s against %s / %s)",
					    other, a, c, b, d);
		}
	}
	return 0;
}

/* Who references name of kind k (a session field), for 409 on delete. */
static const char *referenced_by(const struct sm_model *m, enum sm_kind k, const char *name)
{
	static const char *const field[] = {"local_endpoint", "ike_profile", "tunnel_profile",
					    "dpd_profile"};
	const char *sname;
	json_t *s;

	if (k == SM_SESSION)
		return NULL;
	json_object_foreach(coll(m, SM_SESSION), sname, s)
	{
		if (strcmp(str(s, field[k]), name) == 0)
			return sname;
	}
	return NULL;
}

static int take_psk(struct sm_model *m, const char *name, json_t *body, struct sm_error *e)
{
	json_t *psk = json_object_get(body, "psk");

	if (psk == NULL || json_is_null(psk))
		return 0;
	if (!json_is_string(psk) || json_string_length(psk) == 0)
		return fail(e, 400, "psk", "psk must be a non-empty string");
	if (json_string_length(psk) > SM_PSK_MAX)
		return fail(e, 400, "psk", "psk is too long (at most %d characters)", SM_PSK_MAX);
	for (size_t i = 0; i < json_string_length(psk); i++)
		if (json_string_value(psk)[i] == '\0')
			return fail(e, 400, "psk", "psk must not contain NUL");
	wipe_string(json_object_get(session_secrets(m), name));
	json_object_set_new(session_secrets(m), name,
			    json_stringn(json_string_value(psk), json_string_length(psk)));
	return 0;
}

static int take_key(struct sm_model *m, const char *name, json_t *body, struct sm_error *e)
{
	json_t *key = json_object_get(body, "private_key");
	const char *t;

	if (key == NULL || json_is_null(key))
		return 0;
	if (!json_is_string(key) || json_string_length(key) == 0)
		return fail(e, 400, "private_key",
			    "private_key must be PEM text (-----BEGIN PRIVATE KEY-----...)");
	if (json_string_length(key) > SM_PEM_MAX)
		return fail(e, 400, "private_key",
			    "private_key is too long (at most %d characters)", SM_PEM_MAX);
	t = json_string_value(key);
	for (size_t i = 0; i < json_string_length(key); i++)
		if ((t[i] < 0x20 || t[i] > 0x7e) && t[i] != '\n' && t[i] != '\r' && t[i] != '\t')
			return fail(e, 400, "private_key", "private_key: PEM text must be ASCII");
	wipe_string(json_object_get(endpoint_secrets(m), name));
	json_object_set_new(endpoint_secrets(m), name, json_stringn(t, json_string_length(key)));
	return 0;
}

static int write_in_place(struct sm_model *m, enum sm_kind k, const char *name, json_t *body,
			  enum sm_write mode, char *name_out, struct sm_error *e);

/* All or nothing: the change is made on a copy that replaces m only when it checks out. */
int sm_write(struct sm_model *m, enum sm_kind k, const char *name, json_t *body, enum sm_write mode,
	     char *name_out, struct sm_error *e)
{
	struct sm_model work;
	int ret;

	if (sm_model_copy(m, &work) < 0)
		return fail(e, 500, "", "out of memory");
	ret = write_in_place(&work, k, name, body, mode, name_out, e);
	if (ret < 0) {
		sm_model_free(&work);
		return ret;
	}
	sm_model_free(m);
	*m = work;
	return ret;
}

static int write_in_place(struct sm_model *m, enum sm_kind k, const char *name, json_t *body,
			  enum sm_write mode, char *name_out, struct sm_error *e)
{
	json_t *existing, *in, *out = NULL, *bname = json_object_get(body, "name");
	int status;

	if (!json_is_object(body))
		return fail(e, 400, "", "the body must be a JSON object");
	if (bname != NULL && !json_is_string(bname))
		return fail(e, 400, "name", "name must be a string");
	if (name == NULL) {
		if (bname == NULL)
			return fail(e, 400, "name", "name is required");
		name = json_string_value(bname);
	} else if (bname != NULL && strcmp(json_string_value(bname), name) != 0) {
		return fail(e, 400, "name", "name in the body differs from the one in the path");
	}
	if (!sm_name_valid(name))
		return fail(e, 400, "name",
			    "name must be 1 to %d characters of letters, digits, '.', '_', '-'",
			    SM_NAME_MAX);
	existing = json_object_get(coll(m, k), name);
	if (existing != NULL && mode == SM_CREATE)
		return fail(e, 409, "name", "a %s named \"%s\" exists already", kind_noun[k], name);
	if (existing == NULL && mode == SM_MERGE)
		return fail(e, 404, "", "no %s named \"%s\"", kind_noun[k], name);
	if (existing != NULL && sm_is_system(existing))
		return fail(e, 403, "name", "\"%s\" is a system default and cannot be changed",
			    name);
	if (k == SM_SESSION && take_psk(m, name, body, e) < 0)
		return -EINVAL;
	if (k != SM_SESSION && json_object_get(body, "psk") != NULL)
		return fail(e, 400, "psk", "unknown field \"psk\"");
	if (k == SM_ENDPOINT && take_key(m, name, body, e) < 0)
		return -EINVAL;
	if (k != SM_ENDPOINT && json_object_get(body, "private_key") != NULL)
		return fail(e, 400, "private_key", "unknown field \"private_key\"");
	in = mode == SM_MERGE ? json_deep_copy(existing) : json_object();
	json_object_update(in, body);
	json_object_del(in, "name");
	json_object_del(in, "psk");
	json_object_del(in, "private_key");
	if (normalize(k, in, &out, e) < 0) {
		json_decref(in);
		return -EINVAL;
	}
	json_decref(in);
	/* A certificate session has no PSK: one given is an error, a stored one is dropped. */
	if (k == SM_SESSION && strcmp(str(out, "authentication_mode"), "CERTIFICATE") == 0) {
		json_t *psk = json_object_get(body, "psk");

		if (psk != NULL && !json_is_null(psk)) {
			json_decref(out);
			return fail(e, 400, "psk",
				    "psk is not used with authentication_mode CERTIFICATE");
		}
		wipe_string(json_object_get(session_secrets(m), name));
		json_object_del(session_secrets(m), name);
	}
	status = existing != NULL ? 200 : 201;
	json_object_set_new(coll(m, k), name, out);
	if (sm_check(m, e) < 0)
		return -EINVAL;
	snprintf(name_out, SM_NAME_MAX + 1, "%s", name);
	return status;
}

int sm_delete(struct sm_model *m, enum sm_kind k, const char *name, struct sm_error *e)
{
	const json_t *obj = sm_get(m, k, name);
	const char *user;

	if (obj == NULL)
		return fail(e, 404, "", "no %s named \"%s\"", kind_noun[k], name);
	if (sm_is_system(obj))
		return fail(e, 403, "name", "\"%s\" is a system default and cannot be deleted",
			    name);
	if ((user = referenced_by(m, k, name)) != NULL)
		return fail(e, 409, "name", "%s \"%s\" is used by session \"%s\"", kind_noun[k],
			    name, user);
	json_object_del(coll(m, k), name);
	if (k == SM_SESSION) {
		wipe_string(json_object_get(session_secrets(m), name));
		json_object_del(session_secrets(m), name);
	}
	if (k == SM_ENDPOINT) {
		wipe_string(json_object_get(endpoint_secrets(m), name));
		json_object_del(endpoint_secrets(m), name);
	}
	return 0;
}

int sm_model_load(struct sm_model *m, json_t *root, json_t *secrets, struct sm_error *e)
{
	json_t *ss = json_object_get(secrets, "sessions");
	json_t *es = json_object_get(secrets, "local_endpoints");

	if (sm_model_init(m) < 0)
		return fail(e, 500, "", "out of memory");
	if (root != NULL &&
	    (!json_is_object(root) || !json_is_integer(json_object_get(root, "version")) ||
	     json_integer_value(json_object_get(root, "version")) != 1)) {
		sm_model_free(m);
		return fail(e, 500, "version", "config.json: not a version 1 espnicd state file");
	}
	/* Objects in dependency order: sessions last (they reference the others). */
	for (int k = 0; root != NULL && k < SM_KIND_COUNT; k++) {
		json_t *objs = json_object_get(root, kind_key[k]), *obj;
		const char *name;
		char out[SM_NAME_MAX + 1];

		json_object_foreach(objs, name, obj)
		{
			json_t *body = json_deep_copy(obj);
			json_t *psk = k == SM_SESSION ? json_object_get(ss, name) : NULL;
			json_t *key = k == SM_ENDPOINT ? json_object_get(es, name) : NULL;
			int ret;

			if (psk != NULL)
				json_object_set(body, "psk", psk);
			if (key != NULL)
				json_object_set(body, "private_key", key);
			ret = sm_write(m, k, name, body, SM_CREATE, out, e);
			wipe_string(json_object_get(body, "psk"));
			wipe_string(json_object_get(body, "private_key"));
			json_decref(body);
			if (ret < 0) {
				char where[sizeof(e->message) + 128];

				snprintf(where, sizeof(where), "%s \"%.63s\": %s", kind_noun[k],
					 name, e->message);
				memcpy(e->message, where, sizeof(e->message) - 1);
				e->message[sizeof(e->message) - 1] = '\0';
				sm_model_free(m);
				return -EINVAL;
			}
		}
	}
	return 0;
}

json_t *sm_public(const struct sm_model *m, enum sm_kind k, const json_t *obj)
{
	json_t *copy = json_deep_copy(obj);
	const char *name = NULL, *key;
	json_t *v;

	json_object_foreach(coll(m, k), key, v)
	{
		if (v == obj)
			name = key;
	}
	if (copy == NULL || name == NULL) {
		json_decref(copy);
		return NULL;
	}
	{
		json_t *ordered = json_pack("{s:s}", "name", name);

		json_object_update(ordered, copy);
		json_decref(copy);
		copy = ordered;
	}
	if (!json_object_get(copy, "system_owned"))
		json_object_set_new(copy, "system_owned", json_false());
	if (k == SM_SESSION)
		json_object_set_new(
		    copy, "psk_configured",
		    json_boolean(json_object_get(session_secrets(m), name) != NULL));
	if (k == SM_ENDPOINT)
		json_object_set_new(
		    copy, "private_key_configured",
		    json_boolean(json_object_get(endpoint_secrets(m), name) != NULL));
	return copy;
}

json_t *sm_persistent(const struct sm_model *m)
{
	json_t *out = json_pack("{s:i}", "version", 1);

	for (int k = 0; k < SM_KIND_COUNT; k++) {
		json_t *objs = json_object(), *obj;
		const char *name;

		json_object_foreach(coll(m, (enum sm_kind)k), name, obj)
		{
			if (!sm_is_system(obj))
				json_object_set(objs, name, obj);
		}
		json_object_set_new(out, kind_key[k], objs);
	}
	return out;
}

/* ---- proposals and the peer ---- */

static int index_in(const char *s, const char *const *values)
{
	return enum_index(s, values);
}

static void append(char *buf, size_t len, const char *part)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s", used ? "-" : "", part);
}

static void add_list(char *buf, const json_t *list, const char *const *values,
		     const char *const *ss, int want_gcm)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
	{
		int idx = index_in(json_string_value(v), values);
		bool gcm = strstr(json_string_value(v), "GCM") != NULL;

		if (idx >= 0 && (want_gcm < 0 || gcm == (bool)want_gcm))
			append(buf, 256, ss[idx]);
	}
}

static int proposals(const json_t *p, bool esp, char out[][256], unsigned cap)
{
	const json_t *enc = json_object_get(p, "encryption_algorithms");
	const json_t *dig = json_object_get(p, "digest_algorithms");
	const json_t *dh = json_object_get(p, "dh_groups");
	bool cbc, gcm = has_gcm(enc, &cbc),
		  pfs = !esp || json_is_true(json_object_get(p, "enable_perfect_forward_secrecy"));
	unsigned n = 0;

	for (int want = 1; want >= 0; want--) {
		if ((want && !gcm) || (!want && !cbc) || n == cap)
			continue;
		out[n][0] = '\0';
		add_list(out[n], enc, encryptions, encr_ss, want);
		if (!want)
			add_list(out[n], dig, digests, integ_ss, -1);
		else if (!esp)
			add_list(out[n], dig, digests, prf_ss, -1);
		if (pfs)
			add_list(out[n], dh, dh_groups, dh_ss, -1);
		n++;
	}
	return (int)n;
}

int sm_ike_proposals(const json_t *ike_profile, char out[][256], unsigned cap)
{
	return proposals(ike_profile, false, out, cap);
}

int sm_esp_proposals(const json_t *tunnel_profile, char out[][256], unsigned cap)
{
	return proposals(tunnel_profile, true, out, cap);
}

static uint64_t rekey_ms(json_int_t life, json_int_t margin, bool rekey)
{
	if (!rekey)
		return 0;
	if (margin > 0 && margin < life)
		return (uint64_t)(life - margin) * 1000;
	return (uint64_t)life * 900; /* 90 % of the lifetime */
}

static int add_networks(const json_t *list, struct cfg_ts *ts, unsigned *count)
{
	size_t i;
	json_t *v;

	*count = 0;
	json_array_foreach(list, i, v)
	{
		if (*count == CFG_MAX_TS || config_parse_ts(json_string_value(v), &ts[*count]) < 0)
			return -EINVAL;
		(*count)++;
	}
	return 0;
}

int sm_session_peer(const struct sm_model *m, const char *name, const struct espnicd_config *base,
		    struct cfg_peer *peer, struct sm_error *e)
{
	const json_t *s = sm_get(m, SM_SESSION, name), *ep, *ike, *tun, *dpd, *psk;
	char props[CFG_MAX_PROPOSALS][256];
	const char *local_id;
	bool cert_auth;
	int n;

	config_peer_defaults(peer);
	if (s == NULL)
		return fail(e, 404, "", "no session named \"%s\"", name);
	ep = sm_get(m, SM_ENDPOINT, str(s, "local_endpoint"));
	ike = sm_get(m, SM_IKE_PROFILE, str(s, "ike_profile"));
	tun = sm_get(m, SM_TUNNEL_PROFILE, str(s, "tunnel_profile"));
	dpd = sm_get(m, SM_DPD_PROFILE, str(s, "dpd_profile"));
	psk = json_object_get(session_secrets(m), name);
	cert_auth = strcmp(str(s, "authentication_mode"), "CERTIFICATE") == 0;
	if (ep == NULL || ike == NULL || tun == NULL || dpd == NULL || (psk == NULL && !cert_auth))
		return fail(e, 400, "", "session \"%s\": unresolved reference or no psk", name);
	snprintf(peer->name, sizeof(peer->name), "%s", name);
	/* The card's host interface of the configuration file: routes for the session's remote
	 * networks go through it, as for the file's peers. */
	memcpy(peer->host_if, base->host_if, sizeof(peer->host_if));
	if (config_parse_ts(str(ep, "local_address"), &(struct cfg_ts){0}) < 0)
		return fail(e, 400, "local_address", "bad local_address");
	{
		struct sockaddr_in *l4 = (struct sockaddr_in *)&peer->local;
		struct sockaddr_in6 *l6 = (struct sockaddr_in6 *)&peer->local;
		struct sockaddr_in *r4 = (struct sockaddr_in *)&peer->remote;
		struct sockaddr_in6 *r6 = (struct sockaddr_in6 *)&peer->remote;

		if (inet_pton(AF_INET, str(ep, "local_address"), &l4->sin_addr) == 1) {
			l4->sin_family = AF_INET;
			l4->sin_port = htons(base->port);
		} else if (inet_pton(AF_INET6, str(ep, "local_address"), &l6->sin6_addr) == 1) {
			l6->sin6_family = AF_INET6;
			l6->sin6_port = htons(base->port);
		}
		if (inet_pton(AF_INET, str(s, "peer_address"), &r4->sin_addr) == 1) {
			r4->sin_family = AF_INET;
			r4->sin_port = htons(500);
		} else if (inet_pton(AF_INET6, str(s, "peer_address"), &r6->sin6_addr) == 1) {
			r6->sin6_family = AF_INET6;
			r6->sin6_port = htons(500);
		}
		if (peer->local.ss_family != peer->remote.ss_family)
			return fail(e, 400, "peer_address",
				    "peer_address and the local endpoint's local_address are of "
				    "different address families");
		/* The sockets bind to the listen address: a specific one must be ours. */
		if (base->listen.ss_family == AF_INET &&
		    ((const struct sockaddr_in *)&base->listen)->sin_addr.s_addr != 0 &&
		    (peer->local.ss_family != AF_INET ||
		     l4->sin_addr.s_addr !=
			 ((const struct sockaddr_in *)&base->listen)->sin_addr.s_addr))
			return fail(e, 400, "local_address",
				    "local endpoint \"%s\": espnicd listens on one address only "
				    "(\"listen\" in its configuration file) and this is not it",
				    str(s, "local_endpoint"));
	}
	local_id = session_local_id(s, ep);
	snprintf(peer->local_id, sizeof(peer->local_id), "%s", local_id);
	snprintf(peer->remote_id, sizeof(peer->remote_id), "%s",
		 *str(s, "peer_id") ? str(s, "peer_id") : str(s, "peer_address"));
	if (cfg_id_parse(peer->local_id, &peer->lid) < 0)
		return fail(e, 400, "local_id", "local_id: not a valid identity");
	if (cfg_id_parse(peer->remote_id, &peer->rid) < 0)
		return fail(e, 400, "peer_id", "peer_id: not a valid identity");
	if (cert_auth) {
		peer->auth = CFG_AUTH_PUBKEY;
		if (sm_session_creds(m, name, &peer->creds, e) < 0)
			return -EINVAL;
	} else {
		memcpy(peer->psk, json_string_value(psk), json_string_length(psk));
		peer->psk_len = json_string_length(psk);
	}
	n = sm_ike_proposals(ike, props, CFG_MAX_PROPOSALS);
	peer->ike_count = 0;
	for (int i = 0; i < n; i++)
		if (config_parse_proposal(props[i], false, &peer->ike[peer->ike_count++]) < 0)
			return fail(e, 400, "ike_profile", "ike_profile: cannot use \"%s\"",
				    props[i]);
	n = sm_esp_proposals(tun, props, CFG_MAX_PROPOSALS);
	peer->esp_count = 0;
	for (int i = 0; i < n; i++)
		if (config_parse_proposal(props[i], true, &peer->esp[peer->esp_count++]) < 0)
			return fail(e, 400, "tunnel_profile", "tunnel_profile: cannot use \"%s\"",
				    props[i]);
	if (add_networks(json_object_get(s, "local_networks"), peer->local_ts,
			 &peer->local_ts_count) < 0 ||
	    add_networks(json_object_get(s, "remote_networks"), peer->remote_ts,
			 &peer->remote_ts_count) < 0)
		return fail(e, 400, "local_networks", "bad networks");
	peer->mode = DP_MODE_TUNNEL;
	peer->start = json_is_true(json_object_get(s, "enabled")) &&
		      strcmp(str(s, "connection_initiation_mode"), "INITIATOR") == 0;
	peer->force_encap = json_is_true(json_object_get(s, "force_udp_encapsulation"));
	{
		bool rekey = json_is_true(json_object_get(s, "rekey"));
		json_int_t margin = json_integer_value(json_object_get(s, "margin_time"));
		json_int_t ike_life = json_integer_value(json_object_get(ike, "sa_life_time"));
		json_int_t child_life = json_integer_value(json_object_get(tun, "sa_life_time"));

		peer->ike_rekey_ms = rekey_ms(ike_life, margin, rekey);
		peer->child_rekey_ms = rekey_ms(child_life, margin, rekey);
		peer->child_life_ms = (uint64_t)child_life * 1000;
	}
	peer->unique = strcmp(str(s, "unique_ids"), "NEVER") == 0 ? CFG_UNIQUE_NEVER
		       : strcmp(str(s, "unique_ids"), "NO") == 0  ? CFG_UNIQUE_NO
								  : CFG_UNIQUE_YES;
	peer->dpd_tries = (unsigned)json_integer_value(json_object_get(dpd, "retry_count"));
	peer->dpd_delay_ms =
	    json_is_true(json_object_get(dpd, "enabled"))
		? (uint64_t)json_integer_value(json_object_get(dpd, "dpd_probe_interval")) * 1000
		: 0;
	return 0;
}
