/* card_config.c: reads SA.json and SPD.json (jansson), strictly: unknown
 * fields, wrong types and out-of-range values are errors that name the field. */
#include "card_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "espnic_text.h"

struct ctx {
	const char *file;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, const char *where,
						      const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s: %s: %s", c->file, where, msg);
	return -EINVAL;
}

/* obj is an object whose keys are all in allowed. */
static int check_keys(struct ctx *c, json_t *obj, const char *where, const char *const *allowed)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return fail(c, where, "expected an object");
	json_object_foreach(obj, k, v)
	{
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			ok |= strcmp(*a, k) == 0;
		if (!ok)
			return fail(c, where, "unknown field '%s'", k);
	}
	return 0;
}

static int get_uint(struct ctx *c, json_t *obj, const char *where, const char *name, bool required,
		    uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(obj, name);
	if (!v) {
		if (required)
			return fail(c, where, "missing field '%s'", name);
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return fail(c, where, "'%s' must be an integer from 0 to %llu", name,
			    (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_str(struct ctx *c, json_t *obj, const char *where, const char *name, bool required,
		   const char **out)
{
	json_t *v = json_object_get(obj, name);
	if (!v) {
		if (required)
			return fail(c, where, "missing field '%s'", name);
		return 0;
	}
	if (!json_is_string(v))
		return fail(c, where, "'%s' must be a string", name);
	*out = json_string_value(v);
	return 0;
}

static int get_bool(struct ctx *c, json_t *obj, const char *where, const char *name, bool *out)
{
	json_t *v = json_object_get(obj, name);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fail(c, where, "'%s' must be true or false", name);
	*out = json_is_true(v);
	return 0;
}

static int get_v4(struct ctx *c, json_t *obj, const char *where, const char *name, bool required,
		  uint8_t out[4])
{
	const char *s = NULL;
	int rc = get_str(c, obj, where, name, required, &s);
	if (rc || !s)
		return rc;
	if (espnic_text_ipv4(s, out) < 0)
		return fail(c, where, "'%s' must be an IPv4 address, not '%s'", name, s);
	return 0;
}

static int get_prefix(struct ctx *c, json_t *obj, const char *where, const char *name,
		      struct espnic_prefix *p)
{
	const char *s = NULL;
	int rc = get_str(c, obj, where, name, false, &s);
	if (rc || !s)
		return rc;
	if (espnic_text_prefix(s, 0, p))
		return fail(c, where,
			    "'%s' must be an address or prefix like 198.18.0.0/15, not '%s'", name,
			    s);
	return 0;
}

static int get_proto(struct ctx *c, json_t *obj, const char *where, uint8_t *proto)
{
	json_t *v = json_object_get(obj, "proto");
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255) {
		*proto = (uint8_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && espnic_text_proto(json_string_value(v), proto) == 0)
		return 0;
	return fail(c, where, "'proto' must be 0-255 or one of " ESPNIC_TEXT_PROTO_NAMES);
}

/* A port or range: 500, "1024-65535", or absent (any). */
static int get_ports(struct ctx *c, json_t *obj, const char *where, const char *name, uint16_t *lo,
		     uint16_t *hi)
{
	json_t *v = json_object_get(obj, name);
	*lo = 0;
	*hi = 65535;
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 65535) {
		*lo = *hi = (uint16_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && espnic_text_port_range(json_string_value(v), lo, hi) == 0)
		return 0;
	return fail(c, where, "'%s' must be a port (0-65535) or a range \"lo-hi\"", name);
}

/* The JSON of a file (path) or of a buffer (text, len; c->file names it in messages). */
static json_t *load(struct ctx *c, const char *path, const char *text, size_t len, const char *list,
		    json_t **arr)
{
	json_error_t je;
	json_t *root = path ? json_load_file(path, JSON_REJECT_DUPLICATES, &je)
			    : json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(c->err, c->errlen, "%s:%d: %s", c->file, je.line, je.text);
		return NULL;
	}
	*arr = json_object_get(root, list);
	if (!json_is_object(root) || !json_is_array(*arr)) {
		fail(c, "top level", "expected an object with an array '%s'", list);
		json_decref(root);
		return NULL;
	}
	return root;
}

static int parse_sa(struct ctx *c, json_t *o, const char *where, struct card_sa_entry *e)
{
	static const char *const allowed[] = {
	    "index",	 "spi",	     "direction", "mode",      "encap", "sport", "dport",
	    "local",	 "remote",   "algorithm", "key",       "seq",	"esn",	 "replay_window",
	    "selectors", "lifetime", "vlan",	  "mss_clamp", NULL};
	static const char *const sel_allowed[] = {"src", "dst", "proto", NULL};
	static const char *const life_allowed[] = {"soft_bytes", "hard_bytes", "soft_packets",
						   "hard_packets", NULL};
	struct espnic_sa *sa = &e->sa;
	const char *s = NULL;
	uint64_t v = 0;
	int rc;

	if ((rc = check_keys(c, o, where, allowed)))
		return rc;
	memset(e, 0, sizeof(*e));
	if ((rc = get_uint(c, o, where, "index", true, 65535, &v)))
		return rc;
	e->index = (unsigned)v;

	if ((rc = get_str(c, o, where, "spi", true, &s)))
		return rc;
	{
		char *end;
		unsigned long long spi = strtoull(s, &end, 16);
		if (!*s || *end || spi == 0 || spi > 0xffffffffull || spi < 256)
			return fail(c, where,
				    "'spi' must be a hex string from 0x100 to 0xffffffff "
				    "(0-255 are reserved, RFC 4303), not '%s'",
				    s);
		sa->spi = (uint32_t)spi;
	}
	if ((rc = get_str(c, o, where, "direction", true, &s)))
		return rc;
	if (strcmp(s, "in") && strcmp(s, "out"))
		return fail(c, where, "'direction' must be \"in\" or \"out\"");
	sa->inbound = strcmp(s, "in") == 0;

	s = "tunnel";
	if ((rc = get_str(c, o, where, "mode", false, &s)))
		return rc;
	if (strcmp(s, "tunnel") && strcmp(s, "transport"))
		return fail(c, where, "'mode' must be \"tunnel\" or \"transport\"");
	sa->tunnel = strcmp(s, "tunnel") == 0;

	s = "none";
	if ((rc = get_str(c, o, where, "encap", false, &s)))
		return rc;
	if (strcmp(s, "none") && strcmp(s, "udp"))
		return fail(c, where, "'encap' must be \"none\" or \"udp\"");
	sa->udp_encap = strcmp(s, "udp") == 0;
	v = 4500;
	if ((rc = get_uint(c, o, where, "sport", false, 65535, &v)))
		return rc;
	sa->udp_sport = (uint16_t)v;
	v = 4500;
	if ((rc = get_uint(c, o, where, "dport", false, 65535, &v)))
		return rc;
	sa->udp_dport = (uint16_t)v;
	if ((rc = get_v4(c, o, where, "local", sa->tunnel, sa->local)) ||
	    (rc = get_v4(c, o, where, "remote", sa->tunnel, sa->remote)))
		return rc;

	if ((rc = get_str(c, o, where, "algorithm", true, &s)))
		return rc;
	if (strcmp(s, "aes-gcm-128") == 0)
		sa->alg = ESPNIC_ALG_AES_GCM_128;
	else if (strcmp(s, "aes-gcm-256") == 0)
		sa->alg = ESPNIC_ALG_AES_GCM_256;
	else
		return fail(c, where, "'algorithm' must be \"aes-gcm-128\" or \"aes-gcm-256\"");
	if ((rc = get_str(c, o, where, "key", true, &s)))
		return rc;
	{
		size_t klen = sa->alg == ESPNIC_ALG_AES_GCM_256 ? 32 : 16, n = 0;
		uint8_t km[36];
		if (espnic_text_hex(s, km, klen + 4, &n) < 0 || n != klen + 4) {
			OPENSSL_cleanse(km, sizeof(km));
			return fail(c, where,
				    "'key' must be %zu hex digits (%zu-byte key, then the "
				    "4-byte salt)",
				    2 * (klen + 4), klen);
		}
		memcpy(sa->key, km, klen);
		memcpy(sa->salt, km + klen, 4);
		OPENSSL_cleanse(km, sizeof(km));
	}
	if ((rc = get_uint(c, o, where, "seq", false, UINT64_MAX >> 1, &sa->seq)))
		return rc;
	if ((rc = get_bool(c, o, where, "esn", &sa->esn)))
		return rc;
	v = sa->inbound ? 64 : 0;
	if ((rc = get_uint(c, o, where, "replay_window", false, 1024, &v)))
		return rc;
	sa->replay_window = (uint16_t)v;
	v = 0;
	if ((rc = get_uint(c, o, where, "mss_clamp", false, 65535, &v)))
		return rc;
	sa->mss_clamp = (uint16_t)v;
	/* A route-based session's inbound SA: decrypted packets tagged. */
	if (json_object_get(o, "vlan")) {
		if ((rc = get_uint(c, o, where, "vlan", true, 4094, &v)))
			return rc;
		if (v == 0 || !sa->inbound || !sa->tunnel)
			return fail(c, where, "'vlan' must be 1..4094, on an inbound tunnel SA");
		sa->vlan_tag = true;
		sa->vlan = (uint16_t)v;
	}

	/* Selectors default to everything of the family of the outer addresses. */
	sa->sel_src.len = sa->sel_dst.len = 0;
	json_t *sel = json_object_get(o, "selectors");
	if (sel) {
		char w[96];
		snprintf(w, sizeof(w), "%s.selectors", where);
		if ((rc = check_keys(c, sel, w, sel_allowed)) ||
		    (rc = get_prefix(c, sel, w, "src", &sa->sel_src)) ||
		    (rc = get_prefix(c, sel, w, "dst", &sa->sel_dst)) ||
		    (rc = get_proto(c, sel, w, &sa->sel_proto)))
			return rc;
		if (json_object_get(sel, "src") && !json_object_get(sel, "dst"))
			sa->sel_dst.v6 = sa->sel_src.v6;
		if (json_object_get(sel, "dst") && !json_object_get(sel, "src"))
			sa->sel_src.v6 = sa->sel_dst.v6;
		if (sa->sel_src.v6 != sa->sel_dst.v6)
			return fail(c, w, "'src' and 'dst' must be of one address family");
	}
	json_t *life = json_object_get(o, "lifetime");
	if (life) {
		char w[96];
		snprintf(w, sizeof(w), "%s.lifetime", where);
		if ((rc = check_keys(c, life, w, life_allowed)) ||
		    (rc = get_uint(c, life, w, "soft_bytes", false, UINT64_MAX >> 1,
				   &sa->soft_bytes)) ||
		    (rc = get_uint(c, life, w, "hard_bytes", false, UINT64_MAX >> 1,
				   &sa->hard_bytes)) ||
		    (rc = get_uint(c, life, w, "soft_packets", false, UINT64_MAX >> 1,
				   &sa->soft_packets)) ||
		    (rc = get_uint(c, life, w, "hard_packets", false, UINT64_MAX >> 1,
				   &sa->hard_packets)))
			return rc;
	}
	return 0;
}

static int sas_from(struct card_config *cfg, struct ctx *c, const char *path, const char *text,
		    size_t len);

int card_config_load_sas(struct card_config *cfg, const char *path, char *err, size_t errlen)
{
	struct ctx c = {path, err, errlen};
	return sas_from(cfg, &c, path, NULL, 0);
}

static int sas_from(struct card_config *cfg, struct ctx *c, const char *path, const char *text,
		    size_t len)
{
	json_t *arr, *root = load(c, path, text, len, "sas", &arr);
	int rc = 0;
	if (!root)
		return -EINVAL;
	size_t n = json_array_size(arr);
	cfg->sas = calloc(n ? n : 1, sizeof(*cfg->sas));
	if (!cfg->sas) {
		json_decref(root);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char where[32];
		snprintf(where, sizeof(where), "sas[%zu]", i);
		rc = parse_sa(c, json_array_get(arr, i), where, &cfg->sas[i]);
		if (!rc)
			cfg->n_sas = i + 1;
		for (size_t j = 0; j < i && !rc; j++)
			if (cfg->sas[j].index == cfg->sas[i].index &&
			    cfg->sas[j].sa.inbound == cfg->sas[i].sa.inbound)
				rc = fail(c, where, "index %u is already used by sas[%zu]",
					  cfg->sas[i].index, j);
		if (!rc && cfg->sas[i].sa.inbound)
			for (size_t j = 0; j < i && !rc; j++)
				if (cfg->sas[j].sa.inbound &&
				    cfg->sas[j].sa.spi == cfg->sas[i].sa.spi)
					rc = fail(c, where,
						  "inbound SPI is already used by sas[%zu]", j);
	}
	json_decref(root);
	return rc;
}

static int parse_rule(struct ctx *c, json_t *o, const char *where, struct card_spd_entry *e)
{
	static const char *const allowed[] = {"priority", "src",  "dst",    "proto", "sport",
					      "dport",	  "vlan", "action", "sa",    NULL};
	struct espnic_spd_rule *r = &e->rule;
	const char *s = NULL;
	uint64_t v = 0;
	int rc;
	if ((rc = check_keys(c, o, where, allowed)))
		return rc;
	memset(e, 0, sizeof(*e));
	if ((rc = get_uint(c, o, where, "priority", true, 1000000, &v)))
		return rc;
	e->priority = (int)v;
	if ((rc = get_prefix(c, o, where, "src", &r->src)) ||
	    (rc = get_prefix(c, o, where, "dst", &r->dst)) ||
	    (rc = get_proto(c, o, where, &r->proto)) ||
	    (rc = get_ports(c, o, where, "sport", &r->sport_lo, &r->sport_hi)) ||
	    (rc = get_ports(c, o, where, "dport", &r->dport_lo, &r->dport_hi)))
		return rc;
	if (json_object_get(o, "src") && !json_object_get(o, "dst"))
		r->dst.v6 = r->src.v6;
	if (json_object_get(o, "dst") && !json_object_get(o, "src"))
		r->src.v6 = r->dst.v6;
	if (r->src.v6 != r->dst.v6)
		return fail(c, where, "'src' and 'dst' must be of one address family");
	/* Neither address: IPv4 and IPv6 both. */
	r->any_family = !json_object_get(o, "src") && !json_object_get(o, "dst");
	if (json_object_get(o, "vlan")) {
		if ((rc = get_uint(c, o, where, "vlan", true, 4095, &v)))
			return rc;
		r->vlan_match = true;
		r->vlan = (uint16_t)v;
	}
	if ((rc = get_str(c, o, where, "action", true, &s)))
		return rc;
	if (strcmp(s, "bypass") == 0)
		r->action = ESPNIC_ACT_BYPASS;
	else if (strcmp(s, "discard") == 0)
		r->action = ESPNIC_ACT_DISCARD;
	else if (strcmp(s, "protect") == 0)
		r->action = ESPNIC_ACT_PROTECT;
	else
		return fail(c, where, "'action' must be \"bypass\", \"discard\" or \"protect\"");
	if ((rc = get_uint(c, o, where, "sa", r->action == ESPNIC_ACT_PROTECT, 65535, &v)))
		return rc;
	r->sa = (uint16_t)v;
	return 0;
}

static int by_priority(const void *a, const void *b)
{
	const struct card_spd_entry *x = a, *y = b;
	return (x->priority > y->priority) - (x->priority < y->priority);
}

static int spd_from(struct card_config *cfg, struct ctx *c, const char *path, const char *text,
		    size_t len);

int card_config_load_spd(struct card_config *cfg, const char *path, char *err, size_t errlen)
{
	struct ctx c = {path, err, errlen};
	return spd_from(cfg, &c, path, NULL, 0);
}

static int spd_from(struct card_config *cfg, struct ctx *c, const char *path, const char *text,
		    size_t len)
{
	json_t *arr, *root = load(c, path, text, len, "rules", &arr);
	int rc = 0;
	if (!root)
		return -EINVAL;
	json_t *dflt = json_object_get(root, "default");
	if (dflt) {
		const char *d = json_string_value(dflt);
		if (d && strcmp(d, "discard") == 0)
			cfg->default_discard = true;
		else if (!d || strcmp(d, "bypass") != 0) {
			json_decref(root);
			return fail(c, "default", "expected \"bypass\" or \"discard\"");
		}
	}
	size_t n = json_array_size(arr);
	cfg->rules = calloc(n ? n : 1, sizeof(*cfg->rules));
	if (!cfg->rules) {
		json_decref(root);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char where[32];
		snprintf(where, sizeof(where), "rules[%zu]", i);
		rc = parse_rule(c, json_array_get(arr, i), where, &cfg->rules[i]);
		if (!rc) {
			cfg->n_rules = i + 1;
			for (size_t j = 0; j < i && !rc; j++)
				if (cfg->rules[j].priority == cfg->rules[i].priority)
					rc = fail(c, where,
						  "priority %d is already used by rules[%zu]",
						  cfg->rules[i].priority, j);
		}
	}
	json_decref(root);
	if (!rc)
		qsort(cfg->rules, cfg->n_rules, sizeof(*cfg->rules), by_priority);
	return rc;
}

int card_config_parse(struct card_config *cfg, enum card_config_file file, const char *text,
		      size_t len, char *err, size_t errlen)
{
	struct ctx c = {file == CARD_CONFIG_SPD ? "(SPD text)" : "(SA text)", err, errlen};
	return file == CARD_CONFIG_SPD ? spd_from(cfg, &c, NULL, text, len)
				       : sas_from(cfg, &c, NULL, text, len);
}

int card_config_default_spd(struct card_config *cfg, char *err, size_t errlen)
{
	const struct card_sa_entry *out = NULL;
	for (size_t i = 0; i < cfg->n_sas; i++) {
		if (cfg->sas[i].sa.inbound)
			continue;
		if (out) {
			snprintf(err, errlen,
				 "more than one outbound SA: give an SPD file (--spd)");
			return -EINVAL;
		}
		out = &cfg->sas[i];
	}
	if (!out) {
		snprintf(err, errlen, "no outbound SA to protect traffic with");
		return -EINVAL;
	}
	free(cfg->rules);
	cfg->rules = calloc(2, sizeof(*cfg->rules));
	if (!cfg->rules)
		return -ENOMEM;
	cfg->n_rules = 2;
	for (int i = 0; i < 2; i++) {
		cfg->rules[i].priority = i;
		cfg->rules[i].rule.src.v6 = cfg->rules[i].rule.dst.v6 = i == 1;
		cfg->rules[i].rule.sport_hi = cfg->rules[i].rule.dport_hi = 65535;
		cfg->rules[i].rule.action = ESPNIC_ACT_PROTECT;
		cfg->rules[i].rule.sa = (uint16_t)out->index;
	}
	return 0;
}

void card_config_free(struct card_config *cfg)
{
	if (cfg->sas)
		OPENSSL_cleanse(cfg->sas, cfg->n_sas * sizeof(*cfg->sas));
	free(cfg->sas);
	free(cfg->rules);
	memset(cfg, 0, sizeof(*cfg));
}

int card_config_apply(const struct card_config *cfg, const struct espnic_io *io, char *err,
		      size_t errlen)
{
	for (size_t i = 0; i < cfg->n_sas; i++) {
		int rc = espnic_card_sa_write(io, cfg->sas[i].index, &cfg->sas[i].sa);
		if (rc == -ERANGE && cfg->sas[i].sa.inbound) {
			snprintf(err, errlen,
				 "sas[%zu]: index %u is out of range or is not the low bits of "
				 "SPI 0x%08x (inbound SAs sit at the index their SPI names)",
				 i, cfg->sas[i].index, cfg->sas[i].sa.spi);
			return rc;
		}
		if (rc) {
			snprintf(err, errlen, "sas[%zu] (index %u): card refused the SA: %s", i,
				 cfg->sas[i].index, strerror(-rc));
			return rc;
		}
	}
	if (cfg->default_discard) {
		int rc = espnic_card_set_default_discard(io, true);
		if (rc) {
			snprintf(err, errlen, "card refused the default discard: %s",
				 strerror(-rc));
			return rc;
		}
	}
	for (size_t i = 0; i < cfg->n_rules; i++) {
		int rc = espnic_card_spd_write(io, (unsigned)i, &cfg->rules[i].rule);
		if (rc) {
			snprintf(err, errlen,
				 "rule with priority %d: card refused the rule: %s (%s)",
				 cfg->rules[i].priority, strerror(-rc), espnic_card_last_error());
			return rc;
		}
	}
	return 0;
}
