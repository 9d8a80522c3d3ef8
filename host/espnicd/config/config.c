/* Configuration parsing with jansson. Unknown keys are errors: a typo must not silently turn
 * a setting off. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "config.h"
#include "ike_types.h"
#include "log.h"

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, err_len, __VA_ARGS__);                                               \
		return -EINVAL;                                                                    \
	} while (0)

struct alg_name {
	const char *name;
	uint8_t type;
	uint16_t id, bits;
};

static const struct alg_name algs[] = {
    {"aes128gcm16", IKE_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 128},
    {"aes256gcm16", IKE_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 256},
    {"aes128gcm", IKE_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 128},
    {"aes256gcm", IKE_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 256},
    {"aes128", IKE_TRANSFORM_ENCR, IKE_ENCR_AES_CBC, 128},
    {"aes256", IKE_TRANSFORM_ENCR, IKE_ENCR_AES_CBC, 256},
    {"sha1", IKE_TRANSFORM_INTEG, IKE_INTEG_HMAC_SHA1_96, 0},
    {"sha256", IKE_TRANSFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0},
    {"sha384", IKE_TRANSFORM_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0},
    {"sha512", IKE_TRANSFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0},
    {"prfsha1", IKE_TRANSFORM_PRF, IKE_PRF_HMAC_SHA1, 0},
    {"prfsha256", IKE_TRANSFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0},
    {"prfsha384", IKE_TRANSFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0},
    {"prfsha512", IKE_TRANSFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0},
    {"modp2048", IKE_TRANSFORM_DH, IKE_DH_MODP_2048, 0},
    {"modp3072", IKE_TRANSFORM_DH, IKE_DH_MODP_3072, 0},
    {"modp4096", IKE_TRANSFORM_DH, IKE_DH_MODP_4096, 0},
    {"ecp256", IKE_TRANSFORM_DH, IKE_DH_ECP_256, 0},
    {"ecp384", IKE_TRANSFORM_DH, IKE_DH_ECP_384, 0},
    {"ecp521", IKE_TRANSFORM_DH, IKE_DH_ECP_521, 0},
    {"x25519", IKE_TRANSFORM_DH, IKE_DH_CURVE25519, 0},
    {"curve25519", IKE_TRANSFORM_DH, IKE_DH_CURVE25519, 0},
    {"esn", IKE_TRANSFORM_ESN, IKE_ESN_YES, 0},
    {"noesn", IKE_TRANSFORM_ESN, IKE_ESN_NO, 0},
};

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

int config_parse_proposal(const char *text, bool esp, struct cfg_proposal *p)
{
	char buf[256], *save = NULL, *tok;
	bool aead = false, cbc = false;

	memset(p, 0, sizeof(*p));
	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	for (tok = strtok_r(buf, "-", &save); tok != NULL; tok = strtok_r(NULL, "-", &save)) {
		const struct alg_name *a = NULL;

		for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
			if (strcmp(tok, algs[i].name) == 0)
				a = &algs[i];
		if (a == NULL)
			return -EINVAL;
		switch (a->type) {
		case IKE_TRANSFORM_ENCR:
			if (p->encr_count == CFG_MAX_ALGS)
				return -EINVAL;
			p->encr[p->encr_count].id = a->id;
			p->encr[p->encr_count++].bits = a->bits;
			if (a->id == IKE_ENCR_AES_GCM_16)
				aead = true;
			else
				cbc = true;
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

static int parse_addr(const char *text, struct sockaddr_storage *ss, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

int config_parse_ts(const char *text, struct cfg_ts *ts)
{
	char buf[64], *slash;
	int len, prefix;
	uint8_t addr[16];

	memset(ts, 0, sizeof(*ts));
	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1) {
		ts->family = AF_INET;
		len = 4;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		ts->family = AF_INET6;
		len = 16;
	} else {
		return -EINVAL;
	}
	prefix = len * 8;
	if (slash != NULL) {
		char *end;
		long v = strtol(slash + 1, &end, 10);

		if (*end != '\0' || end == slash + 1 || v < 0 || v > len * 8)
			return -EINVAL;
		prefix = (int)v;
	}
	for (int i = 0; i < len; i++) {
		int bits = prefix - 8 * i;
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		ts->start[i] = addr[i] & mask;
		ts->end[i] = addr[i] | (uint8_t)~mask;
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
	parse_addr("0.0.0.0", &cfg->listen, 0);
	/* strongSwan's defaults: 4 s, x1.8, 5 retransmissions (about 165 s in total). */
	cfg->retransmit_timeout_ms = 4000;
	cfg->retransmit_base = 1.8;
	cfg->retransmit_tries = 5;
	cfg->cookie_threshold = 10;
	cfg->half_open_max = 1000;
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
	peer->fragment_size = 1280;
	config_parse_proposal("aes256gcm16-prfsha256-x25519", false, &peer->ike[0]);
	config_parse_proposal("aes256gcm16", true, &peer->esp[0]);
	peer->ike_count = peer->esp_count = 1;
}

static int get_ms(json_t *v, uint64_t *out)
{
	if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1e9)
		return -EINVAL;
	*out = (uint64_t)(json_number_value(v) * 1000.0 + 0.5);
	return 0;
}

static int unhex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > cap)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

/* The PSK file: "<peer name> <secret>" per line, "#" comments, "0x" for hex secrets. It must
 * not be readable by group or others. */
static int load_psks(const char *path, struct espnicd_config *cfg, char *err, size_t err_len)
{
	char line[2 * CFG_MAX_PSK + 200];
	struct stat st;
	int fd, ret = 0;
	FILE *f;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		FAIL("psk_file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		close(fd);
		FAIL("psk_file %s: must be a regular file with mode 0600 (is %04o)", path,
		     (unsigned)(st.st_mode & 07777));
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
			if (unhex(secret + 2, peer->psk, sizeof(peer->psk), &peer->psk_len) < 0)
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

static int parse_str_list(json_t *arr, const char *what, char *err, size_t err_len,
			  int (*fn)(const char *, void *, void *), void *ctx, void *out)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		FAIL("%s: expected an array of strings", what);
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || fn(json_string_value(v), ctx, out) < 0)
			FAIL("%s: bad entry %zu", what, i);
	}
	return 0;
}

struct prop_ctx {
	bool esp;
	unsigned *count;
};

static int add_proposal(const char *text, void *vctx, void *out)
{
	struct prop_ctx *ctx = vctx;
	struct cfg_proposal *p = out;

	if (*ctx->count == CFG_MAX_PROPOSALS)
		return -E2BIG;
	if (config_parse_proposal(text, ctx->esp, &p[*ctx->count]) < 0)
		return -EINVAL;
	(*ctx->count)++;
	return 0;
}

static int add_ts(const char *text, void *vctx, void *out)
{
	unsigned *count = vctx;
	struct cfg_ts *ts = out;

	if (*count == CFG_MAX_TS)
		return -E2BIG;
	if (config_parse_ts(text, &ts[*count]) < 0)
		return -EINVAL;
	(*count)++;
	return 0;
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

static int parse_peer(json_t *obj, const struct espnicd_config *cfg, struct cfg_peer *peer,
		      char *err, size_t err_len)
{
	const char *key;
	json_t *v;
	bool have_local = false, have_remote = false;
	uint16_t remote_port = 500;
	const char *cert_file = NULL, *key_file = NULL, *ca_files[CREDS_MAX_CA];
	unsigned ca_count = 0;

	config_peer_defaults(peer);
	if (!json_is_object(obj))
		FAIL("peers: entries must be objects");
	json_object_foreach(obj, key, v)
	{
		if (strcmp(key, "name") == 0) {
			if (!json_is_string(v) || json_string_length(v) == 0 ||
			    json_string_length(v) >= sizeof(peer->name))
				FAIL("peer name: expected a short string");
			strcpy(peer->name, json_string_value(v));
		} else if (strcmp(key, "local_addr") == 0) {
			if (!json_is_string(v) ||
			    parse_addr(json_string_value(v), &peer->local, cfg->port) < 0)
				FAIL("peer %s: bad local_addr", peer->name);
			have_local = true;
		} else if (strcmp(key, "remote_addr") == 0) {
			if (json_is_string(v) && strcmp(json_string_value(v), "%any") == 0) {
				peer->remote_any = true;
			} else if (!json_is_string(v) ||
				   parse_addr(json_string_value(v), &peer->remote, 500) < 0) {
				FAIL("peer %s: bad remote_addr", peer->name);
			}
			have_remote = true;
		} else if (strcmp(key, "remote_port") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
			    json_integer_value(v) > 65535)
				FAIL("peer %s: bad remote_port", peer->name);
			remote_port = (uint16_t)json_integer_value(v);
		} else if (strcmp(key, "local_id") == 0 || strcmp(key, "remote_id") == 0) {
			char *dst = key[0] == 'l' ? peer->local_id : peer->remote_id;

			if (!json_is_string(v) || json_string_length(v) >= CFG_MAX_ID ||
			    cfg_id_parse(json_string_value(v),
					 key[0] == 'l' ? &peer->lid : &peer->rid) < 0)
				FAIL("peer %s: bad %s", peer->name, key);
			strcpy(dst, json_string_value(v));
		} else if (strcmp(key, "auth") == 0) {
			if (json_is_string(v) && strcmp(json_string_value(v), "psk") == 0)
				peer->auth = CFG_AUTH_PSK;
			else if (json_is_string(v) && strcmp(json_string_value(v), "pubkey") == 0)
				peer->auth = CFG_AUTH_PUBKEY;
			else
				FAIL("peer %s: auth is psk or pubkey", peer->name);
		} else if (strcmp(key, "cert") == 0 || strcmp(key, "key") == 0) {
			const char **dst = key[0] == 'c' ? &cert_file : &key_file;

			if (!json_is_string(v) || json_string_length(v) == 0)
				FAIL("peer %s: %s is a file name", peer->name, key);
			*dst = json_string_value(v);
		} else if (strcmp(key, "ca") == 0) {
			json_t *e;
			size_t i;

			if (json_is_string(v)) {
				ca_files[0] = json_string_value(v);
				ca_count = 1;
			} else if (json_is_array(v) && json_array_size(v) > 0 &&
				   json_array_size(v) <= CREDS_MAX_CA) {
				ca_count = 0;
				json_array_foreach(v, i, e)
				{
					if (!json_is_string(e))
						FAIL("peer %s: ca entries are file names",
						     peer->name);
					ca_files[ca_count++] = json_string_value(e);
				}
			} else {
				FAIL("peer %s: ca is a file name or a list of at most %d",
				     peer->name, CREDS_MAX_CA);
			}
		} else if (strcmp(key, "unique_ids") == 0) {
			static const char *const u[] = {"yes", "no", "never"};
			int found = -1;

			for (int j = 0; j < 3 && json_is_string(v); j++)
				if (strcmp(json_string_value(v), u[j]) == 0)
					found = j;
			if (found < 0)
				FAIL("peer %s: unique_ids is yes, no or never", peer->name);
			peer->unique = (enum cfg_unique)found;
		} else if (strcmp(key, "dpd_retries") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 100)
				FAIL("peer %s: dpd_retries is 0 to 100", peer->name);
			peer->dpd_tries = (unsigned)json_integer_value(v);
		} else if (strcmp(key, "fragmentation") == 0) {
			if (!json_is_boolean(v))
				FAIL("peer %s: %s is a boolean", peer->name, key);
			peer->fragmentation = json_is_true(v);
		} else if (strcmp(key, "fragment_size") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 576 ||
			    json_integer_value(v) > 65535)
				FAIL("peer %s: fragment_size is 576 to 65535", peer->name);
			peer->fragment_size = (uint16_t)json_integer_value(v);
		} else if (strcmp(key, "ike_proposals") == 0) {
			struct prop_ctx ctx = {false, &peer->ike_count};

			peer->ike_count = 0;
			if (parse_str_list(v, "ike_proposals", err, err_len, add_proposal, &ctx,
					   peer->ike) < 0 ||
			    peer->ike_count == 0)
				FAIL("peer %s: bad ike_proposals", peer->name);
		} else if (strcmp(key, "esp_proposals") == 0) {
			struct prop_ctx ctx = {true, &peer->esp_count};

			peer->esp_count = 0;
			if (parse_str_list(v, "esp_proposals", err, err_len, add_proposal, &ctx,
					   peer->esp) < 0 ||
			    peer->esp_count == 0)
				FAIL("peer %s: bad esp_proposals", peer->name);
		} else if (strcmp(key, "local_ts") == 0) {
			if (parse_str_list(v, "local_ts", err, err_len, add_ts,
					   &peer->local_ts_count, peer->local_ts) < 0)
				return -EINVAL;
		} else if (strcmp(key, "remote_ts") == 0) {
			if (parse_str_list(v, "remote_ts", err, err_len, add_ts,
					   &peer->remote_ts_count, peer->remote_ts) < 0)
				return -EINVAL;
		} else if (strcmp(key, "mode") == 0) {
			if (json_is_string(v) && strcmp(json_string_value(v), "tunnel") == 0)
				peer->mode = DP_MODE_TUNNEL;
			else if (json_is_string(v) &&
				 strcmp(json_string_value(v), "transport") == 0)
				peer->mode = DP_MODE_TRANSPORT;
			else
				FAIL("peer %s: mode is tunnel or transport", peer->name);
		} else if (strcmp(key, "start") == 0 && json_is_string(v)) {
			if (strcmp(json_string_value(v), "on-demand") != 0)
				FAIL("peer %s: start is true, false or \"on-demand\"", peer->name);
			peer->start = false;
			peer->on_demand = true;
		} else if (strcmp(key, "card_host_if") == 0) {
			if (parse_ifname(v, peer->host_if) < 0)
				FAIL("peer %s: card_host_if: an interface name (at most %d "
				     "characters) "
				     "or \"\"",
				     peer->name, DP_IFNAME_MAX - 1);
			peer->host_if_set = true;
		} else if (strcmp(key, "start") == 0 || strcmp(key, "force_encap") == 0) {
			if (!json_is_boolean(v))
				FAIL("peer %s: %s is a boolean", peer->name, key);
			*(key[0] == 's' ? &peer->start : &peer->force_encap) = json_is_true(v);
		} else if (strcmp(key, "ike_rekey_time") == 0) {
			if (get_ms(v, &peer->ike_rekey_ms) < 0)
				FAIL("peer %s: bad %s", peer->name, key);
		} else if (strcmp(key, "child_rekey_time") == 0) {
			if (get_ms(v, &peer->child_rekey_ms) < 0)
				FAIL("peer %s: bad %s", peer->name, key);
		} else if (strcmp(key, "child_life_time") == 0) {
			if (get_ms(v, &peer->child_life_ms) < 0)
				FAIL("peer %s: bad %s", peer->name, key);
		} else if (strcmp(key, "dpd_delay") == 0) {
			if (get_ms(v, &peer->dpd_delay_ms) < 0)
				FAIL("peer %s: bad %s", peer->name, key);
		} else if (strcmp(key, "dpd_timeout") == 0) {
			if (get_ms(v, &peer->dpd_timeout_ms) < 0)
				FAIL("peer %s: bad %s", peer->name, key);
		} else if (strcmp(key, "dpd_action") == 0) {
			const char *a = json_is_string(v) ? json_string_value(v) : "";

			if (strcmp(a, "clear") == 0)
				peer->dpd_action = CFG_DPD_CLEAR;
			else if (strcmp(a, "hold") == 0)
				peer->dpd_action = CFG_DPD_HOLD;
			else if (strcmp(a, "restart") == 0)
				peer->dpd_action = CFG_DPD_RESTART;
			else
				FAIL("peer %s: dpd_action is clear, hold or restart", peer->name);
		} else if (strcmp(key, "keepalive_interval") == 0) {
			if (get_ms(v, &peer->keepalive_ms) < 0)
				FAIL("peer %s: bad %s", peer->name, key);
		} else {
			FAIL("peer %s: unknown key \"%s\"", peer->name, key);
		}
	}
	if (peer->name[0] == '\0' || !have_remote)
		FAIL("peers: every peer needs a name and a remote_addr");
	/* sin_port and sin6_port share their offset. */
	((struct sockaddr_in *)&peer->remote)->sin_port = htons(remote_port);
	if (!have_local) {
		if (cfg->listen.ss_family != AF_INET ||
		    ((const struct sockaddr_in *)&cfg->listen)->sin_addr.s_addr == 0)
			FAIL("peer %s: local_addr needed when listen is the wildcard", peer->name);
		peer->local = cfg->listen;
	}
	((struct sockaddr_in *)&peer->local)->sin_port = htons(cfg->port);
	if (peer->remote_any && (peer->start || peer->on_demand))
		FAIL("peer %s: cannot start towards %%any", peer->name);
	if (!peer->remote_any && peer->remote.ss_family != peer->local.ss_family)
		FAIL("peer %s: local and remote address families differ", peer->name);
	if (peer->child_life_ms && peer->child_life_ms <= peer->child_rekey_ms)
		peer->child_life_ms = peer->child_rekey_ms + peer->child_rekey_ms / 10 + 1000;
	if (peer->auth == CFG_AUTH_PUBKEY) {
		char why[200];

		if (cert_file == NULL || key_file == NULL || ca_count == 0)
			FAIL("peer %s: auth pubkey needs cert, key and ca", peer->name);
		if (creds_load(cert_file, key_file, ca_files, ca_count, &peer->creds, why,
			       sizeof(why)) < 0)
			FAIL("peer %s: %s", peer->name, why);
		if (peer->lid.type != 0 && !creds_own_cert_proves(peer->creds, &peer->lid))
			FAIL("peer %s: local_id \"%s\" is neither the subject nor a subjectAltName "
			     "of %s",
			     peer->name, peer->local_id, cert_file);
	} else if (cert_file != NULL || key_file != NULL || ca_count != 0) {
		FAIL("peer %s: cert, key and ca go with auth pubkey", peer->name);
	}
	return 0;
}

int config_parse(const char *text, struct espnicd_config **out, char *err, size_t err_len)
{
	struct espnicd_config *cfg;
	json_error_t jerr;
	json_t *root, *v, *peers = NULL;
	const char *key, *psk_file = NULL;
	int ret = -EINVAL;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, err_len, "config line %d: %s", jerr.line, jerr.text);
		return -EINVAL;
	}
	v = json_object_get(root, "peers");
	if (json_is_array(v) && json_array_size(v) > CFG_MAX_PEERS) {
		snprintf(err, err_len, "peers: at most %d", CFG_MAX_PEERS);
		json_decref(root);
		return -EINVAL;
	}
	/* The peers are allocated for the count in the file; calloc leaves them zero. */
	cfg = calloc(1, sizeof(*cfg) +
			    (json_is_array(v) ? json_array_size(v) : 0) * sizeof(struct cfg_peer));
	if (cfg == NULL) {
		json_decref(root);
		return -ENOMEM;
	}
	config_defaults(cfg);
	if (!json_is_object(root)) {
		snprintf(err, err_len, "config: top level must be an object");
		goto fail;
	}
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "log_level") == 0) {
			if (!json_is_string(v) || log_level_parse(json_string_value(v)) < 0) {
				snprintf(err, err_len, "log_level: error, warn, info or debug");
				goto fail;
			}
			cfg->log_level = log_level_parse(json_string_value(v));
		} else if (strcmp(key, "syslog") == 0 && json_is_boolean(v)) {
			cfg->log_syslog = json_is_true(v);
		} else if (strcmp(key, "dataplane") == 0 && json_is_string(v) &&
			   json_string_length(v) < sizeof(cfg->dataplane)) {
			strcpy(cfg->dataplane, json_string_value(v));
		} else if (strcmp(key, "listen") == 0 && json_is_string(v)) {
			if (parse_addr(json_string_value(v), &cfg->listen, 0) < 0) {
				snprintf(err, err_len, "listen: bad address");
				goto fail;
			}
		} else if ((strcmp(key, "port") == 0 || strcmp(key, "natt_port") == 0) &&
			   json_is_integer(v) && json_integer_value(v) > 0 &&
			   json_integer_value(v) < 65536) {
			*(key[0] == 'p' ? &cfg->port : &cfg->natt_port) =
			    (uint16_t)json_integer_value(v);
		} else if (strcmp(key, "retransmit_timeout") == 0 &&
			   get_ms(v, &cfg->retransmit_timeout_ms) == 0 &&
			   cfg->retransmit_timeout_ms > 0) {
		} else if (strcmp(key, "retransmit_base") == 0 && json_is_number(v) &&
			   json_number_value(v) >= 1.0 && json_number_value(v) <= 10.0) {
			cfg->retransmit_base = json_number_value(v);
		} else if (strcmp(key, "retransmit_tries") == 0 && json_is_integer(v) &&
			   json_integer_value(v) >= 0 && json_integer_value(v) <= 20) {
			cfg->retransmit_tries = (unsigned)json_integer_value(v);
		} else if ((strcmp(key, "cookie_threshold") == 0 ||
			    strcmp(key, "half_open_max") == 0) &&
			   json_is_integer(v) && json_integer_value(v) >= 0 &&
			   json_integer_value(v) <= 1000000) {
			*(key[0] == 'c' ? &cfg->cookie_threshold : &cfg->half_open_max) =
			    (unsigned)json_integer_value(v);
		} else if (strcmp(key, "card_host_if") == 0 && parse_ifname(v, cfg->host_if) == 0) {
		} else if (strcmp(key, "start_window") == 0 && json_is_integer(v) &&
			   json_integer_value(v) >= 0 && json_integer_value(v) <= 1000000) {
			cfg->start_window = (unsigned)json_integer_value(v);
		} else if (strcmp(key, "psk_file") == 0 && json_is_string(v)) {
			psk_file = json_string_value(v);
		} else if (strcmp(key, "peers") == 0 && json_is_array(v)) {
			peers = v;
		} else {
			snprintf(err, err_len, "config: unknown key or bad value for \"%s\"", key);
			goto fail;
		}
	}
	if (peers != NULL) {
		size_t i;

		if (json_array_size(peers) > CFG_MAX_PEERS) {
			snprintf(err, err_len, "peers: at most %d", CFG_MAX_PEERS);
			goto fail;
		}
		json_array_foreach(peers, i, v)
		{
			if (parse_peer(v, cfg, &cfg->peers[i], err, err_len) < 0) {
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
	OPENSSL_cleanse(cfg, sizeof(*cfg) + cfg->peer_count * sizeof(struct cfg_peer));
	free(cfg);
}
