/* Configuration parsing with jansson. Unknown keys are errors: a typo must not silently turn
 * a setting off. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "algorithms.h"
#include "config.h"
#include "espnic_text.h"
#include "json_fields.h"
#include "ike_types.h"
#include "log.h"
#include "secmem.h"
#include "secret_file.h"

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, err_len, __VA_ARGS__);                                               \
		return -EINVAL;                                                                    \
	} while (0)

/* The PRF that goes with an integrity algorithm when a proposal names none (strongSwan). */
static uint16_t prf_for_integ(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:
		return IKE_PRF_HMAC_SHA1;
	case IKE_INTEG_HMAC_SHA2_384_192:
		return IKE_PRF_HMAC_SHA2_384;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return IKE_PRF_HMAC_SHA2_512;
	default:
		return IKE_PRF_HMAC_SHA2_256;
	}
}

int config_proposal_add(struct cfg_proposal *p, bool esp, const struct alg *a)
{
	switch (a->type) {
	case IKE_TRANSFORM_ENCR:
		if (p->encr_count == CFG_MAX_ALGS)
			return -EINVAL;
		p->encr[p->encr_count].id = a->id;
		p->encr[p->encr_count++].bits = a->bits;
		break;
	case IKE_TRANSFORM_INTEG:
		if (p->integ_count == CFG_MAX_ALGS)
			return -EINVAL;
		p->integ[p->integ_count++] = a->id;
		break;
	case IKE_TRANSFORM_PRF:
		if (esp || p->prf_count == CFG_MAX_ALGS)
			return -EINVAL;
		p->prf[p->prf_count++] = a->id;
		break;
	case IKE_TRANSFORM_DH:
		if (p->dh_count == CFG_MAX_ALGS)
			return -EINVAL;
		p->dh[p->dh_count++] = a->id;
		break;
	case IKE_TRANSFORM_ESN:
		if (!esp || p->esn_count == 2)
			return -EINVAL;
		p->esn[p->esn_count++] = a->id;
		break;
	}
	return 0;
}

int config_proposal_finish(struct cfg_proposal *p, bool esp)
{
	bool aead = false, cbc = false;

	for (unsigned i = 0; i < p->encr_count; i++) {
		if (p->encr[i].id == IKE_ENCR_AES_GCM_16)
			aead = true;
		else
			cbc = true;
	}
	/* AEAD and classic ciphers do not mix in one proposal (RFC 7296 3.3). */
	if (p->encr_count == 0 || (aead && cbc) || (aead && p->integ_count) ||
	    (cbc && p->integ_count == 0))
		return -EINVAL;
	if (!esp) {
		if (p->dh_count == 0)
			return -EINVAL;
		if (p->prf_count == 0) {
			if (p->integ_count == 0)
				return -EINVAL;
			for (unsigned i = 0; i < p->integ_count; i++)
				p->prf[p->prf_count++] = prf_for_integ(p->integ[i]);
		}
	} else if (p->esn_count == 0) {
		p->esn[p->esn_count++] = IKE_ESN_NO;
	}
	return 0;
}

int config_parse_proposal(const char *text, bool esp, struct cfg_proposal *p)
{
	char buf[256], *save = NULL, *tok;

	memset(p, 0, sizeof(*p));
	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	for (tok = strtok_r(buf, "-", &save); tok != NULL; tok = strtok_r(NULL, "-", &save)) {
		const struct alg *a = alg_by_ss(tok);

		if (a == NULL || config_proposal_add(p, esp, a) < 0)
			return -EINVAL;
	}
	return config_proposal_finish(p, esp);
}

int config_parse_addr(const char *text, struct sockaddr_storage *ss, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	uint8_t addr[16];
	bool v6;

	memset(ss, 0, sizeof(*ss));
	if (espnic_text_ip(text, &v6, addr) < 0)
		return -EINVAL;
	if (!v6) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, 16);
	}
	return 0;
}

int config_parse_ts(const char *text, struct cfg_ts *ts)
{
	struct espnic_prefix p;
	int len;

	memset(ts, 0, sizeof(*ts));
	if (espnic_text_prefix(text, 0, &p) < 0)
		return -EINVAL;
	ts->family = p.v6 ? AF_INET6 : AF_INET;
	len = p.v6 ? 16 : 4;
	for (int i = 0; i < len; i++) {
		int bits = p.len - 8 * i;
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		ts->start[i] = p.addr[i] & mask;
		ts->end[i] = p.addr[i] | (uint8_t)~mask;
	}
	ts->end_port = 0xffff;
	return 0;
}

void config_defaults(struct espnicd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = 2;
	/* No default dataplane: "" until the file names one (main.c refuses to run without). */
	cfg->port = 500;
	cfg->natt_port = 4500;
	config_parse_addr("0.0.0.0", &cfg->listen, 0);
	/* strongSwan's defaults: 4 s, x1.8, 5 retransmissions (about 165 s in total). */
	cfg->retransmit_timeout_ms = 4000;
	cfg->retransmit_base = 1.8;
	cfg->retransmit_tries = 5;
	cfg->cookie_threshold = 10;
	cfg->half_open_max = 1000;
	cfg->half_open_per_source = 64;
	cfg->child_sa_max = 64;
	cfg->create_child_per_minute = 120;
}

void config_peer_defaults(struct cfg_peer *peer)
{
	memset(peer, 0, sizeof(*peer));
	peer->mode = DP_MODE_TUNNEL;
	peer->ike_rekey_ms = 4 * 3600 * 1000ULL;
	peer->child_rekey_ms = 3600 * 1000ULL;
	peer->child_life_ms = 3960 * 1000ULL;
	peer->keepalive_ms = 20 * 1000;
	peer->fragmentation = true;
	peer->version = 2;
	peer->fragment_size = 1280;
	config_parse_proposal("aes256gcm16-prfsha256-x25519", false, &peer->ike[0]);
	config_parse_proposal("aes256gcm16", true, &peer->esp[0]);
	peer->ike_count = peer->esp_count = 1;
}

/* The PSK file: "<peer name> <secret>" per line, "#" comments, "0x" for hex secrets. It must
 * not be readable by group or others and be owned by root or espnicd's user. */
static int load_psks(const char *path, struct espnicd_config *cfg, char *err, size_t err_len)
{
	char line[2 * CFG_MAX_PSK + 200];
	char what[PATH_MAX + 16];
	int fd, ret = 0;
	FILE *f;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		FAIL("psk_file %s: %s", path, strerror(errno));
	snprintf(what, sizeof(what), "psk_file %s", path);
	if ((ret = secret_file_check(fd, what, err, err_len)) < 0) {
		close(fd);
		return ret;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		FAIL("psk_file %s: %s", path, strerror(errno));
	}
	unsigned lineno = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *name = line, *secret, *end;
		struct cfg_peer *peer = NULL;

		lineno++;
		while (isspace((unsigned char)*name))
			name++;
		if (*name == '#' || *name == '\0')
			continue;
		secret = name;
		while (*secret && !isspace((unsigned char)*secret))
			secret++;
		if (*secret)
			*secret++ = '\0';
		while (isspace((unsigned char)*secret))
			secret++;
		end = secret + strlen(secret);
		while (end > secret && isspace((unsigned char)end[-1]))
			*--end = '\0';
		for (unsigned i = 0; i < cfg->peer_count; i++)
			if (strcmp(cfg->peers[i].name, name) == 0)
				peer = &cfg->peers[i];
		if (peer == NULL)
			continue; /* a key for a peer not configured (yet) */
		if (strncmp(secret, "0x", 2) == 0) {
			if (espnic_text_hex(secret, peer->psk, sizeof(peer->psk), &peer->psk_len) <
			    0)
				ret = -EINVAL;
		} else if ((size_t)(end - secret) <= sizeof(peer->psk)) {
			memcpy(peer->psk, secret, (size_t)(end - secret));
			peer->psk_len = (size_t)(end - secret);
		} else {
			ret = -EINVAL;
		}
		if (ret < 0 || peer->psk_len == 0) {
			snprintf(err, err_len, "psk_file %s line %u: bad secret for peer %s", path,
				 lineno, peer->name);
			ret = -EINVAL;
			break;
		}
	}
	OPENSSL_cleanse(line, sizeof(line));
	fclose(f);
	return ret;
}

/* An interface name for routes: IFNAMSIZ, no '/', blanks or ':' (as the kernel wants); ""
 * or null turn routes off. */
static int parse_ifname(json_t *v, char out[DP_IFNAME_MAX])
{
	const char *s;

	if (json_is_null(v)) {
		out[0] = '\0';
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) >= DP_IFNAME_MAX)
		return -EINVAL;
	s = json_string_value(v);
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p > '~')
			return -EINVAL;
	strcpy(out, s);
	return 0;
}

/* card_host_if, card_exception_if (top level and peers). */
static int jf_ifname(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	if (parse_ifname(v, jf_ptr(c, f)) < 0)
		return jf_fail(c, f->key, "%s: an interface name (at most %d characters) or \"\"",
			       f->key, DP_IFNAME_MAX - 1);
	return 0;
}

/* ---- a peer: its fields (peer_fields, json_fields.h), then the checks across them ---- */

/* A peer being parsed and what its keys leave for the checks across them. */
struct peer_parse {
	struct cfg_peer *peer;
	const struct espnicd_config *cfg;
	json_t *obj;
	const char *cert_file, *key_file, *ca_files[CREDS_MAX_CA], *crl_files[CREDS_MAX_CA];
	unsigned ca_count, crl_count;
	const char *ocsp;	      /* "ocsp": a responder URL or "aia" */
	bool ocsp_accept_unreachable; /* "ocsp_unreachable": "accept" (default "fail") */
	char *err;
	size_t err_len;
};

#define PFAIL(...)                                                                                 \
	do {                                                                                       \
		snprintf(pp->err, pp->err_len, __VA_ARGS__);                                       \
		return -EINVAL;                                                                    \
	} while (0)

static int pf_remote_addr(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	struct cfg_peer *peer = c->dst;

	if (json_is_string(v) && strcmp(json_string_value(v), "%any") == 0)
		peer->remote_any = true;
	else if (!json_is_string(v) ||
		 config_parse_addr(json_string_value(v), &peer->remote, 0) < 0)
		return jf_fail(c, f->key,
			       "remote_addr must be an IPv4 or IPv6 address or \"%%any\"");
	return 0;
}

static int pf_id(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	struct cfg_peer *peer = c->dst;
	bool local = f->key[0] == 'l';
	char *dst = jf_ptr(c, f);

	if (!json_is_string(v) || json_string_length(v) >= CFG_MAX_ID)
		return jf_fail(c, f->key, "%s must be a string of at most %d characters", f->key,
			       CFG_MAX_ID - 1);
	strcpy(dst, json_string_value(v));
	/* "%any": anyone, said explicitly (rid stays empty) */
	if (!local && strcmp(dst, CFG_ID_ANY) == 0)
		return 0;
	if (cfg_id_parse(dst, local ? &peer->lid : &peer->rid) < 0)
		return jf_fail(c, f->key, "%s: not an identity (an address, fqdn:, email:, dn:)",
			       f->key);
	return 0;
}

/* "ca" and "crl": a file name or a list of them. */
static int pf_ca(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	struct peer_parse *pp = c->user;
	bool crl = strcmp(f->key, "crl") == 0;
	const char **files = crl ? pp->crl_files : pp->ca_files;
	unsigned *count = crl ? &pp->crl_count : &pp->ca_count;
	json_t *e;
	size_t i;

	if (json_is_string(v)) {
		files[0] = json_string_value(v);
		*count = 1;
	} else if (json_is_array(v) && json_array_size(v) > 0 &&
		   json_array_size(v) <= CREDS_MAX_CA) {
		*count = 0;
		json_array_foreach(v, i, e)
		{
			if (!json_is_string(e))
				return jf_fail(c, f->key, "%s entries are file names", f->key);
			files[(*count)++] = json_string_value(e);
		}
	} else {
		return jf_fail(c, f->key, "%s is a file name or a list of at most %d", f->key,
			       CREDS_MAX_CA);
	}
	return 0;
}

/* Entry i of ike_proposals or esp_proposals: a proposal in strongSwan syntax. */
static int pf_proposal(struct jf_ctx *c, const struct jf_field *f, size_t i, json_t *item)
{
	struct cfg_peer *peer = c->dst;
	bool esp = f->key[0] == 'e';
	char key[48];

	*(esp ? &peer->esp_count : &peer->ike_count) = (unsigned)i + 1;
	snprintf(key, sizeof(key), "%s[%zu]", f->key, i);
	if (!json_is_string(item) || config_parse_proposal(json_string_value(item), esp,
							   &(esp ? peer->esp : peer->ike)[i]) < 0)
		return jf_fail(c, key, "%s: not a%s proposal (strongSwan syntax, e.g. %s)", key,
			       esp ? "n ESP" : "n IKE",
			       esp ? "aes256gcm16" : "aes256gcm16-prfsha256-x25519");
	return 0;
}

/* Entry i of local_ts or remote_ts: an address or a prefix. */
static int pf_ts(struct jf_ctx *c, const struct jf_field *f, size_t i, json_t *item)
{
	struct cfg_peer *peer = c->dst;
	bool local = f->key[0] == 'l';
	char key[48];

	*(local ? &peer->local_ts_count : &peer->remote_ts_count) = (unsigned)i + 1;
	snprintf(key, sizeof(key), "%s[%zu]", f->key, i);
	if (!json_is_string(item) ||
	    config_parse_ts(json_string_value(item),
			    &(local ? peer->local_ts : peer->remote_ts)[i]) < 0)
		return jf_fail(c, key, "%s: not an address or a prefix (address/length)", key);
	return 0;
}

/* true, false or "on-demand". */
static int pf_start(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	struct cfg_peer *peer = c->dst;

	if (json_is_boolean(v))
		peer->start = json_is_true(v);
	else if (json_is_string(v) && strcmp(json_string_value(v), "on-demand") == 0)
		peer->start = false, peer->on_demand = true;
	else
		return jf_fail(c, f->key, "start is true, false or \"on-demand\"");
	return 0;
}

static int pf_host_if(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	((struct cfg_peer *)c->dst)->host_if_set = true;
	return jf_ifname(c, f, v);
}

_Static_assert(sizeof(enum cfg_auth) == sizeof(int) && sizeof(enum cfg_unique) == sizeof(int) &&
		   sizeof(enum dp_mode) == sizeof(int) &&
		   sizeof(enum cfg_dpd_action) == sizeof(int) &&
		   sizeof(enum cfg_dpd_mode) == sizeof(int),
	       "JF_ENUM stores enums as int");

static const char *const auth_names[] = {"psk", "pubkey", NULL};
static const int auth_values[] = {CFG_AUTH_PSK, CFG_AUTH_PUBKEY};
static const char *const unique_names[] = {"yes", "no", "never", NULL};
static const int unique_values[] = {CFG_UNIQUE_YES, CFG_UNIQUE_NO, CFG_UNIQUE_NEVER};
static const char *const mode_names[] = {"tunnel", "transport", NULL};
static const int mode_values[] = {DP_MODE_TUNNEL, DP_MODE_TRANSPORT};
static const char *const dpd_action_names[] = {"clear", "hold", "restart", NULL};
static const int dpd_action_values[] = {CFG_DPD_CLEAR, CFG_DPD_HOLD, CFG_DPD_RESTART};
static const char *const dpd_mode_names[] = {"on_demand", "periodic", NULL};
static const int dpd_mode_values[] = {CFG_DPD_ON_DEMAND, CFG_DPD_PERIODIC};
static const char *const ocsp_unreachable_names[] = {"fail", "accept", NULL};

#define P(member) JF_AT(struct cfg_peer, member)
#define PENUM(k, member, n)                                                                        \
	{                                                                                          \
		.key = k, .kind = JF_ENUM, P(member), .names = n##_names, .values = n##_values     \
	}
#define PDURATION(k, member)                                                                       \
	{                                                                                          \
		.key = k, .kind = JF_DURATION, P(member)                                           \
	}
#define PCOUNT(k, member)                                                                          \
	{                                                                                          \
		.key = k, .kind = JF_INT, P(member), .max = INT64_MAX, .hint = "0 = no limit"      \
	}

/* The keys of a peer, checked in this order (the name first, for the errors' sake). */
static const struct jf_field peer_fields[] = {
    {.key = "name", .kind = JF_STRING, P(name), .min = 1, .flags = JF_REQUIRED},
    {.key = "local_addr", .kind = JF_ADDR, P(local)},
    {.key = "remote_addr", .kind = JF_CUSTOM, .flags = JF_REQUIRED, .parse = pf_remote_addr},
    {.key = "remote_port", .kind = JF_INT, .min = 1, .max = 65535},
    {.key = "local_id", .kind = JF_CUSTOM, P(local_id), .parse = pf_id},
    {.key = "remote_id", .kind = JF_CUSTOM, P(remote_id), .parse = pf_id},
    PENUM("auth", auth, auth),
    {.key = "cert", .kind = JF_STRING, .min = 1},
    {.key = "key", .kind = JF_STRING, .min = 1},
    {.key = "ca", .kind = JF_CUSTOM, .parse = pf_ca},
    {.key = "crl", .kind = JF_CUSTOM, .parse = pf_ca},
    {.key = "ocsp", .kind = JF_STRING, .min = 1},
    {.key = "ocsp_unreachable", .kind = JF_ENUM, .names = ocsp_unreachable_names},
    PENUM("unique_ids", unique, unique),
    {.key = "dpd_retries", .kind = JF_INT, P(dpd_tries), .max = 100},
    {.key = "fragmentation", .kind = JF_BOOL, P(fragmentation)},
    {.key = "fragment_size", .kind = JF_INT, P(fragment_size), .min = 576, .max = 65535},
    {.key = "version",
     .kind = JF_INT,
     P(version),
     .max = 2,
     .hint = "1: IKEv1, 2: IKEv2, 0: either as responder, IKEv2 as initiator"},
    {.key = "aggressive", .kind = JF_BOOL, P(aggressive)},
    {.key = "ike_proposals",
     .kind = JF_LIST,
     .min = 1,
     .max = CFG_MAX_PROPOSALS,
     .hint = "proposals",
     .item = pf_proposal},
    {.key = "esp_proposals",
     .kind = JF_LIST,
     .min = 1,
     .max = CFG_MAX_PROPOSALS,
     .hint = "proposals",
     .item = pf_proposal},
    {.key = "local_ts", .kind = JF_LIST, .max = CFG_MAX_TS, .hint = "prefixes", .item = pf_ts},
    {.key = "remote_ts", .kind = JF_LIST, .max = CFG_MAX_TS, .hint = "prefixes", .item = pf_ts},
    PENUM("mode", mode, mode),
    {.key = "start", .kind = JF_CUSTOM, .parse = pf_start},
    {.key = "card_host_if", .kind = JF_CUSTOM, P(host_if), .parse = pf_host_if},
    {.key = "force_encap", .kind = JF_BOOL, P(force_encap)},
    PDURATION("ike_rekey_time", ike_rekey_ms),
    PDURATION("child_rekey_time", child_rekey_ms),
    PDURATION("child_life_time", child_life_ms),
    PCOUNT("child_rekey_bytes", child_rekey_bytes),
    PCOUNT("child_life_bytes", child_life_bytes),
    PCOUNT("child_rekey_packets", child_rekey_packets),
    PCOUNT("child_life_packets", child_life_packets),
    PDURATION("dpd_delay", dpd_delay_ms),
    PDURATION("dpd_timeout", dpd_timeout_ms),
    PENUM("dpd_action", dpd_action, dpd_action),
    PENUM("dpd_probe_mode", dpd_mode, dpd_mode),
    PDURATION("keepalive_interval", keepalive_ms),
};

static int peer_finish(struct peer_parse *pp)
{
	struct cfg_peer *peer = pp->peer;
	const struct espnicd_config *cfg = pp->cfg;
	json_t *port = json_object_get(pp->obj, "remote_port");
	json_t *unreachable = json_object_get(pp->obj, "ocsp_unreachable");

	/* sin_port and sin6_port share their offset. */
	((struct sockaddr_in *)&peer->remote)->sin_port =
	    htons(port ? (uint16_t)json_integer_value(port) : 500);
	pp->ocsp_accept_unreachable =
	    unreachable && strcmp(json_string_value(unreachable), "accept") == 0;
	pp->cert_file = json_string_value(json_object_get(pp->obj, "cert"));
	pp->key_file = json_string_value(json_object_get(pp->obj, "key"));
	pp->ocsp = json_string_value(json_object_get(pp->obj, "ocsp")); /* a URL or "aia" */
	if (peer->local.ss_family == 0) {
		if (cfg->listen.ss_family != AF_INET ||
		    ((const struct sockaddr_in *)&cfg->listen)->sin_addr.s_addr == 0)
			PFAIL("peer %s: local_addr needed when listen is the wildcard", peer->name);
		peer->local = cfg->listen;
	}
	((struct sockaddr_in *)&peer->local)->sin_port = htons(cfg->port);
	if (peer->remote_any && (peer->start || peer->on_demand))
		PFAIL("peer %s: cannot start towards %%any", peer->name);
	if (!peer->remote_any && peer->remote.ss_family != peer->local.ss_family)
		PFAIL("peer %s: local and remote address families differ", peer->name);
	if (peer->aggressive && (peer->version == 2 || peer->auth != CFG_AUTH_PSK))
		PFAIL("peer %s: aggressive goes with version 1 (or 0) and auth psk", peer->name);
	if (peer->aggressive)
		log_warn(
		    "peer %s: IKEv1 aggressive mode enabled: the responder's hash goes out "
		    "before the initiator authenticates and can be attacked offline to find the "
		    "pre-shared key; use main mode where the peer allows",
		    peer->name);
	if (peer->version == 1 &&
	    json_object_get(pp->obj, "ike_proposals") == NULL) /* IKEv1 has no AEAD for phase 1 */
		config_parse_proposal("aes256-sha256-modp2048", false, &peer->ike[0]);
	for (unsigned i = 0; peer->version == 1 && i < peer->ike_count; i++)
		for (unsigned j = 0; j < peer->ike[i].encr_count; j++)
			if (peer->ike[i].encr[j].id != IKE_ENCR_AES_CBC)
				PFAIL("peer %s: IKEv1 phase 1 takes AES-CBC only (aes128, aes256), "
				      "no AEAD",
				      peer->name);
	if (peer->child_life_ms && peer->child_life_ms <= peer->child_rekey_ms)
		peer->child_life_ms = peer->child_rekey_ms + peer->child_rekey_ms / 10 + 1000;
	if (config_volume_limits(peer, pp->err, pp->err_len) < 0)
		return -EINVAL;
	{
		static const char *const keys[2] = {"local_ts", "remote_ts"};
		char why[240];
		int side;

		if (config_transport_selectors(peer, keys, &side, why, sizeof(why)) < 0)
			PFAIL("peer %s: %s", peer->name, why);
	}
	if (peer->auth == CFG_AUTH_PUBKEY) {
		char why[200];

		if (pp->cert_file == NULL || pp->key_file == NULL || pp->ca_count == 0)
			PFAIL("peer %s: auth pubkey needs cert, key and ca", peer->name);
		if (peer->remote_id[0] == '\0')
			PFAIL(
			    "peer %s: auth pubkey needs remote_id, the identity the peer's "
			    "certificate must prove (without it any certificate from the CA would "
			    "do); \"remote_id\": \"%s\" accepts any, explicitly",
			    peer->name, CFG_ID_ANY);
		if (creds_load(pp->cert_file, pp->key_file, pp->ca_files, pp->ca_count,
			       &peer->creds, why, sizeof(why)) < 0 ||
		    creds_add_crls(peer->creds, pp->crl_files, pp->crl_count, why, sizeof(why)) <
			0 ||
		    (pp->ocsp != NULL &&
		     creds_set_ocsp(peer->creds, pp->ocsp, pp->ocsp_accept_unreachable, why,
				    sizeof(why)) < 0))
			PFAIL("peer %s: %s", peer->name, why);
		if (peer->lid.type != 0 && !creds_own_cert_proves(peer->creds, &peer->lid))
			PFAIL("peer %s: local_id \"%s\" is neither the subject nor a "
			      "subjectAltName of %s",
			      peer->name, peer->local_id, pp->cert_file);
	} else if (pp->cert_file != NULL || pp->key_file != NULL || pp->ca_count != 0 ||
		   pp->crl_count != 0 || pp->ocsp != NULL) {
		PFAIL("peer %s: cert, key, ca, crl and ocsp go with auth pubkey", peer->name);
	}
	return 0;
}

static int parse_peer(json_t *obj, const struct espnicd_config *cfg, struct cfg_peer *peer,
		      size_t index, char *err, size_t err_len)
{
	struct peer_parse pp = {
	    .peer = peer, .cfg = cfg, .obj = obj, .err = err, .err_len = err_len};
	struct jf_ctx c = {.dst = peer, .user = &pp};

	config_peer_defaults(peer);
	if (!json_is_object(obj))
		FAIL("peers: entries must be objects");
	if (jf_object(&c, peer_fields, JF_COUNT(peer_fields), obj) < 0) {
		const char *name = json_string_value(json_object_get(obj, "name"));

		if (name != NULL && name[0] != '\0')
			FAIL("peer %.64s: %s", name, c.message);
		FAIL("peers[%zu]: %s", index, c.message);
	}
	return peer_finish(&pp);
}

/* "retransmit_base": the factor between retransmissions, 1 to 10. */
static int tl_base(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	if (!json_is_number(v) || json_number_value(v) < 1.0 || json_number_value(v) > 10.0)
		return jf_fail(c, f->key, "%s must be a number from 1 to 10", f->key);
	*(double *)jf_ptr(c, f) = json_number_value(v);
	return 0;
}

#define W(member) JF_AT(struct cfg_web, member)

/* "web": present means on unless "enabled" is false. */
static const struct jf_field web_fields[] = {
    {.key = "enabled", .kind = JF_BOOL, W(enabled)},
    {.key = "address", .kind = JF_ADDR, W(address)},
    {.key = "port", .kind = JF_INT, .min = 1, .max = 65535},
    {.key = "certificate", .kind = JF_STRING, W(certificate), .min = 1},
    {.key = "private_key", .kind = JF_STRING, W(private_key), .min = 1},
    {.key = "password_file", .kind = JF_STRING, W(password_file), .min = 1},
    {.key = "root", .kind = JF_STRING, W(root), .min = 1},
};

static int tl_web(struct jf_ctx *c, const struct jf_field *f, json_t *v)
{
	struct cfg_web *w = jf_ptr(c, f);
	struct jf_ctx web = {.dst = w, .prefix = "web."};
	json_t *port = json_object_get(v, "port");

	w->enabled = true;
	config_parse_addr("127.0.0.1", &w->address, 0);
	if (jf_object(&web, web_fields, JF_COUNT(web_fields), v) < 0)
		return jf_fail(c, NULL, "%s", web.message);
	if ((w->certificate[0] == '\0') != (w->private_key[0] == '\0'))
		return jf_fail(c, f->key, "web: certificate and private_key go together");
	/* sin_port and sin6_port share their offset. */
	((struct sockaddr_in *)&w->address)->sin_port =
	    htons(port ? (uint16_t)json_integer_value(port) : 8443);
	return 0;
}

static const char *const log_level_names[] = {"error", "warn", "info", "debug", NULL};

#define C(member) JF_AT(struct espnicd_config, member)
#define LIMIT(k, member)                                                                           \
	{                                                                                          \
		.key = k, .kind = JF_INT, C(member), .max = 1000000                                \
	}

/* The top level of the file; the peers are parsed after it (they need listen and port). */
static const struct jf_field config_fields[] = {
    {.key = "log_level", .kind = JF_ENUM, C(log_level), .names = log_level_names},
    {.key = "syslog", .kind = JF_BOOL, C(log_syslog)},
    {.key = "dataplane", .kind = JF_STRING, C(dataplane)},
    {.key = "listen", .kind = JF_ADDR, C(listen)},
    {.key = "port", .kind = JF_INT, C(port), .min = 1, .max = 65535},
    {.key = "natt_port", .kind = JF_INT, C(natt_port), .min = 1, .max = 65535},
    {.key = "retransmit_timeout", .kind = JF_DURATION, C(retransmit_timeout_ms), .min = 1},
    {.key = "retransmit_base", .kind = JF_CUSTOM, C(retransmit_base), .parse = tl_base},
    {.key = "retransmit_tries", .kind = JF_INT, C(retransmit_tries), .max = 20},
    LIMIT("cookie_threshold", cookie_threshold),
    LIMIT("half_open_max", half_open_max),
    LIMIT("half_open_per_source", half_open_per_source),
    LIMIT("child_sa_max", child_sa_max),
    LIMIT("create_child_per_minute", create_child_per_minute),
    LIMIT("start_window", start_window),
    {.key = "card_host_if", .kind = JF_CUSTOM, C(host_if), .parse = jf_ifname},
    {.key = "card_exception_if", .kind = JF_CUSTOM, C(exception_if), .parse = jf_ifname},
    {.key = "frr_vty_socket", .kind = JF_STRING, C(frr_vty_socket)},
    {.key = "user", .kind = JF_STRING, C(user), .min = 1},
    {.key = "api_group", .kind = JF_STRING, C(api_group), .min = 1},
    {.key = "web", .kind = JF_CUSTOM, C(web), .parse = tl_web},
    {.key = "psk_file", .kind = JF_STRING},
    {.key = "peers", .kind = JF_LIST, .max = CFG_MAX_PEERS, .hint = "peer objects"},
};

int config_parse(const char *text, struct espnicd_config **out, char *err, size_t err_len)
{
	struct espnicd_config *cfg;
	struct jf_ctx c = {0};
	json_error_t jerr;
	json_t *root, *v, *peers;
	const char *psk_file;
	int ret = -EINVAL;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, err_len, "config line %d: %s", jerr.line, jerr.text);
		return -EINVAL;
	}
	peers = json_object_get(root, "peers");
	if (json_is_array(peers) && json_array_size(peers) > CFG_MAX_PEERS) {
		snprintf(err, err_len, "peers: at most %d", CFG_MAX_PEERS);
		json_decref(root);
		return -EINVAL;
	}
	/* The peers are allocated for the count in the file; calloc leaves them zero. */
	cfg = secmem_zalloc(sizeof(*cfg) + (json_is_array(peers) ? json_array_size(peers) : 0) *
					       sizeof(struct cfg_peer));
	if (cfg == NULL) {
		json_decref(root);
		return -ENOMEM;
	}
	config_defaults(cfg);
	c.dst = cfg;
	if (!json_is_object(root)) {
		snprintf(err, err_len, "config: top level must be an object");
		goto fail;
	}
	if (jf_object(&c, config_fields, JF_COUNT(config_fields), root) < 0) {
		snprintf(err, err_len, "config: %s", c.message);
		goto fail;
	}
	psk_file = json_string_value(json_object_get(root, "psk_file"));
	if (cfg->user[0] != '\0') {
		uid_t uid;
		gid_t gid;

		if (secret_file_user(cfg->user, &uid, &gid) < 0) {
			snprintf(err, err_len, "user \"%s\": no such user", cfg->user);
			goto fail;
		}
		secret_file_allow_owner(uid); /* it may own the secret files read below */
	}
	if (peers != NULL) {
		size_t i;

		json_array_foreach(peers, i, v)
		{
			if (parse_peer(v, cfg, &cfg->peers[i], i, err, err_len) < 0) {
				config_peer_release(&cfg->peers[i]);
				goto fail;
			}
			cfg->peer_count++; /* from here on config_free releases it */
			for (size_t j = 0; j < i; j++) {
				if (strcmp(cfg->peers[j].name, cfg->peers[i].name) == 0) {
					snprintf(err, err_len, "peers: duplicate name %s",
						 cfg->peers[i].name);
					goto fail;
				}
			}
		}
	}
	for (unsigned i = 0; i < cfg->peer_count; i++) {
		((struct sockaddr_in *)&cfg->peers[i].local)->sin_port = htons(cfg->port);
		if (!cfg->peers[i].host_if_set)
			strcpy(cfg->peers[i].host_if, cfg->host_if);
	}
	if (psk_file != NULL && (ret = load_psks(psk_file, cfg, err, err_len)) < 0)
		goto fail;
	for (unsigned i = 0; i < cfg->peer_count; i++) {
		if (cfg->peers[i].auth == CFG_AUTH_PSK && cfg->peers[i].psk_len == 0) {
			snprintf(err, err_len, "peer %s: no pre-shared key in psk_file",
				 cfg->peers[i].name);
			ret = -EINVAL;
			goto fail;
		}
		if (cfg->peers[i].auth == CFG_AUTH_PSK && cfg->peers[i].psk_len < SECRET_PSK_MIN) {
			snprintf(
			    err, err_len,
			    "peer %s: the pre-shared key in psk_file is too short: at least %d "
			    "bytes are required (" SECRET_PSK_WHY ")",
			    cfg->peers[i].name, SECRET_PSK_MIN);
			ret = -EINVAL;
			goto fail;
		}
	}
	json_decref(root);
	*out = cfg;
	return 0;
fail:
	json_decref(root);
	config_free(cfg);
	return ret < 0 ? ret : -EINVAL;
}

int config_load(const char *path, struct espnicd_config **out, char *err, size_t err_len)
{
	FILE *f = fopen(path, "re");
	char *text;
	long size;
	int ret;

	if (f == NULL) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || size > (8 << 20) ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		snprintf(err, err_len, "%s: unreadable or too large", path);
		return -EINVAL;
	}
	text = calloc(1, (size_t)size + 1);
	if (text == NULL || fread(text, 1, (size_t)size, f) != (size_t)size) {
		free(text);
		fclose(f);
		snprintf(err, err_len, "%s: read error", path);
		return -EIO;
	}
	fclose(f);
	ret = config_parse(text, out, err, err_len);
	free(text);
	return ret;
}

void config_peer_copy(struct cfg_peer *dst, const struct cfg_peer *src)
{
	*dst = *src;
	creds_ref(dst->creds);
}

void config_peer_release(struct cfg_peer *peer)
{
	creds_unref(peer->creds);
	OPENSSL_cleanse(peer, sizeof(*peer));
}

static bool addr_wildcard(const struct sockaddr_storage *ss)
{
	static const uint8_t zero[16];

	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == 0;
	if (ss->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, zero, 16) == 0;
	return true;
}

static bool addr_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

unsigned config_ike_addresses(const struct espnicd_config *cfg, struct sockaddr_storage *out,
			      unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i <= cfg->peer_count; i++) {
		const struct sockaddr_storage *a = i == 0 ? &cfg->listen : &cfg->peers[i - 1].local;
		bool dup = false;

		if (addr_wildcard(a))
			continue;
		for (unsigned k = 0; k < n && !dup; k++)
			dup = addr_same(&out[k], a);
		if (dup)
			continue;
		if (n == max)
			return max + 1;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].ss_family = a->ss_family;
		if (a->ss_family == AF_INET)
			((struct sockaddr_in *)&out[n])->sin_addr =
			    ((const struct sockaddr_in *)a)->sin_addr;
		else
			((struct sockaddr_in6 *)&out[n])->sin6_addr =
			    ((const struct sockaddr_in6 *)a)->sin6_addr;
		n++;
	}
	return n;
}

static bool addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
	return true;
}

static bool id_equal(const struct cfg_id *a, const struct cfg_id *b)
{
	return a->type == b->type && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static bool proposal_equal(const struct cfg_proposal *a, const struct cfg_proposal *b)
{
	if (a->encr_count != b->encr_count || a->integ_count != b->integ_count ||
	    a->prf_count != b->prf_count || a->dh_count != b->dh_count ||
	    a->esn_count != b->esn_count)
		return false;
	for (unsigned i = 0; i < a->encr_count; i++)
		if (a->encr[i].id != b->encr[i].id || a->encr[i].bits != b->encr[i].bits)
			return false;
	return memcmp(a->integ, b->integ, a->integ_count * sizeof(a->integ[0])) == 0 &&
	       memcmp(a->prf, b->prf, a->prf_count * sizeof(a->prf[0])) == 0 &&
	       memcmp(a->dh, b->dh, a->dh_count * sizeof(a->dh[0])) == 0 &&
	       memcmp(a->esn, b->esn, a->esn_count * sizeof(a->esn[0])) == 0;
}

static bool proposals_equal(const struct cfg_proposal *a, unsigned na, const struct cfg_proposal *b,
			    unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (!proposal_equal(&a[i], &b[i]))
			return false;
	return true;
}

static bool ts_equal(const struct cfg_ts *a, unsigned na, const struct cfg_ts *b, unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (a[i].family != b[i].family || memcmp(a[i].start, b[i].start, 16) != 0 ||
		    memcmp(a[i].end, b[i].end, 16) != 0 || a[i].protocol != b[i].protocol ||
		    a[i].start_port != b[i].start_port || a[i].end_port != b[i].end_port)
			return false;
	return true;
}

bool config_peer_equal(const struct cfg_peer *a, const struct cfg_peer *b)
{
	return strcmp(a->name, b->name) == 0 && addr_equal(&a->local, &b->local) &&
	       addr_equal(&a->remote, &b->remote) && a->remote_any == b->remote_any &&
	       strcmp(a->local_id, b->local_id) == 0 && strcmp(a->remote_id, b->remote_id) == 0 &&
	       id_equal(&a->lid, &b->lid) && id_equal(&a->rid, &b->rid) && a->auth == b->auth &&
	       a->creds == b->creds && a->fragmentation == b->fragmentation &&
	       a->fragment_size == b->fragment_size && a->psk_len == b->psk_len &&
	       CRYPTO_memcmp(a->psk, b->psk, a->psk_len) == 0 &&
	       proposals_equal(a->ike, a->ike_count, b->ike, b->ike_count) &&
	       proposals_equal(a->esp, a->esp_count, b->esp, b->esp_count) &&
	       ts_equal(a->local_ts, a->local_ts_count, b->local_ts, b->local_ts_count) &&
	       ts_equal(a->remote_ts, a->remote_ts_count, b->remote_ts, b->remote_ts_count) &&
	       a->mode == b->mode && a->start == b->start && a->on_demand == b->on_demand &&
	       a->host_if_set == b->host_if_set && strcmp(a->host_if, b->host_if) == 0 &&
	       a->vlan == b->vlan && a->force_encap == b->force_encap &&
	       a->ike_rekey_ms == b->ike_rekey_ms && a->child_rekey_ms == b->child_rekey_ms &&
	       a->child_life_ms == b->child_life_ms &&
	       a->child_rekey_bytes == b->child_rekey_bytes &&
	       a->child_life_bytes == b->child_life_bytes &&
	       a->child_rekey_packets == b->child_rekey_packets &&
	       a->child_life_packets == b->child_life_packets &&
	       a->dpd_delay_ms == b->dpd_delay_ms && a->keepalive_ms == b->keepalive_ms &&
	       a->dpd_timeout_ms == b->dpd_timeout_ms && a->dpd_action == b->dpd_action &&
	       a->dpd_mode == b->dpd_mode && a->unique == b->unique &&
	       a->dpd_tries == b->dpd_tries && a->version == b->version &&
	       a->aggressive == b->aggressive;
}

int config_volume_limits(struct cfg_peer *peer, char *err, size_t err_len)
{
	struct {
		const char *what;
		uint64_t *rekey, *life;
	} v[] = {{"bytes", &peer->child_rekey_bytes, &peer->child_life_bytes},
		 {"packets", &peer->child_rekey_packets, &peer->child_life_packets}};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		/* Only a life: rekey at nine tenths of it, as strongSwan does by default. */
		if (*v[i].life && !*v[i].rekey)
			*v[i].rekey = *v[i].life - *v[i].life / 10;
		if (*v[i].life && *v[i].rekey >= *v[i].life) {
			snprintf(err, err_len,
				 "peer %s: child_rekey_%s must be below child_life_%s (the rekey "
				 "must come before the end)",
				 peer->name, v[i].what, v[i].what);
			return -EINVAL;
		}
	}
	return 0;
}

/* One side of a transport-mode SA: no selector (the IKE address), or exactly that address. */
static bool transport_side_ok(const struct sockaddr_storage *ike, const struct cfg_ts *ts,
			      unsigned n)
{
	const void *a = ike->ss_family == AF_INET
			    ? (const void *)&((const struct sockaddr_in *)ike)->sin_addr
			    : (const void *)&((const struct sockaddr_in6 *)ike)->sin6_addr;
	size_t len = ike->ss_family == AF_INET ? 4 : 16;

	if (n == 0)
		return true;
	return n == 1 && ts[0].family == ike->ss_family && memcmp(ts[0].start, a, len) == 0 &&
	       memcmp(ts[0].end, a, len) == 0;
}

int config_transport_selectors(const struct cfg_peer *peer, const char *const keys[2], int *side,
			       char *err, size_t err_len)
{
	const struct sockaddr_storage *ike[2] = {&peer->local, &peer->remote};
	const struct cfg_ts *ts[2] = {peer->local_ts, peer->remote_ts};
	const unsigned n[2] = {peer->local_ts_count, peer->remote_ts_count};

	if (peer->mode != DP_MODE_TRANSPORT)
		return 0;
	if (peer->remote_any) {
		*side = 1;
		snprintf(err, err_len,
			 "%s: transport mode needs the peer's address (its selectors are the IKE "
			 "addresses, RFC 4301 4.1), not any",
			 keys[1]);
		return -EINVAL;
	}
	for (int i = 0; i < 2; i++) {
		char addr[INET6_ADDRSTRLEN] = "?";

		if (transport_side_ok(ike[i], ts[i], n[i]))
			continue;
		inet_ntop(ike[i]->ss_family,
			  ike[i]->ss_family == AF_INET
			      ? (const void *)&((const struct sockaddr_in *)ike[i])->sin_addr
			      : (const void *)&((const struct sockaddr_in6 *)ike[i])->sin6_addr,
			  addr, sizeof(addr));
		*side = i;
		snprintf(err, err_len,
			 "%s: transport mode protects the traffic of the two IKE endpoints alone "
			 "(RFC 4301 4.1): it must be %s/%d, the %s IKE address, and nothing else "
			 "(tunnel mode carries networks)",
			 keys[i], addr, ike[i]->ss_family == AF_INET ? 32 : 128,
			 i == 0 ? "local" : "peer's");
		return -EINVAL;
	}
	return 0;
}

const struct cfg_peer *config_find_peer(const struct espnicd_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->peer_count; i++)
		if (strcmp(cfg->peers[i].name, name) == 0)
			return &cfg->peers[i];
	return NULL;
}

void config_free(struct espnicd_config *cfg)
{
	if (cfg == NULL)
		return;
	for (unsigned i = 0; i < cfg->peer_count; i++)
		creds_unref(cfg->peers[i].creds);
	secmem_free(cfg); /* wiped */
}
