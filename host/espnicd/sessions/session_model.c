/* The session-management model: the system default profiles, create / replace / merge /
 * delete on a copy that replaces the model only when it checks out, the cross-object checks
 * (references, PSKs, credentials, overlapping selectors), loading and what GET shows. The
 * fields are checked in session_fields.c, the mapping onto a peer is session_peer.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "config/secret_file.h"
#include "compliance.h"
#include "session_model_internal.h"

static const char *const kind_path[] = {"local-endpoints", "ike-profiles", "tunnel-profiles",
					"dpd-profiles", "sessions"};
static const char *const kind_key[] = {"local_endpoints", "ike_profiles", "tunnel_profiles",
				       "dpd_profiles", "sessions"};
static const char *const kind_noun[] = {"local endpoint", "IKE profile", "tunnel profile",
					"DPD profile", "session"};

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

/* ---- the model ---- */

static json_t *coll(const struct sm_model *m, enum sm_kind k)
{
	return json_object_get(m->root, kind_key[k]);
}

json_t *sm_session_secrets(const struct sm_model *m)
{
	return json_object_get(m->secrets, "sessions");
}

static json_t *endpoint_secrets(const struct sm_model *m)
{
	return json_object_get(m->secrets, "local_endpoints");
}

json_t *sm_bgp_passwords(const struct sm_model *m)
{
	return json_object_get(m->secrets, "bgp_passwords");
}

static void add_system(json_t *root, enum sm_kind k, const char *name, const char *body,
		       const char *descr)
{
	json_t *in = json_loads(body, 0, NULL), *out = NULL;
	struct sm_error e;

	if (in == NULL)
		return;

	if (sm_normalize(k, in, &out, &e) == 0) {
		json_object_set_new(out, "description", json_string(descr));
		json_object_set_new(out, "system_owned", json_true());
		json_object_set_new(json_object_get(root, kind_key[k]), name, out);
	}
	json_decref(in);
}

int sm_model_init(struct sm_model *m)
{
	m->root = json_object();
	m->secrets =
	    json_pack("{s:{}, s:{}, s:{}}", "sessions", "local_endpoints", "bgp_passwords");
	m->loading = false;
	if (m->root == NULL || m->secrets == NULL) {
		sm_model_free(m);
		return -ENOMEM;
	}
	for (int k = 0; k < SM_KIND_COUNT; k++)
		json_object_set_new(m->root, kind_key[k], json_object());
	add_system(m->root, SM_IKE_PROFILE, SM_DEFAULT_IKE, "{}",
		   "system default: IKEv2, AES-128, SHA2-256, group 14, 86400 s");
	add_system(m->root, SM_TUNNEL_PROFILE, SM_DEFAULT_TUNNEL, "{}",
		   "system default: AES-GCM-128, PFS with group 14, 3600 s, DF copy");
	add_system(m->root, SM_DPD_PROFILE, SM_DEFAULT_DPD, "{}",
		   "system default: periodic, 60 s, 10 retries");
	sm_suites_add_profiles(m->root, add_system);
	return 0;
}

int sm_model_copy(const struct sm_model *from, struct sm_model *to)
{
	to->root = json_deep_copy(from->root);
	to->secrets = json_deep_copy(from->secrets);
	to->loading = from->loading;
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

	json_object_foreach(sm_session_secrets(m), key, v)
	{
		wipe_string(v);
	}
	json_object_foreach(endpoint_secrets(m), key, v)
	{
		wipe_string(v);
	}
	json_object_foreach(sm_bgp_passwords(m), key, v)
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

const char *sm_str(const json_t *obj, const char *key)
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
		return sm_fail(e, 400, "certificate",
			       "certificate is required with private_key (PEM)");
	if (key == NULL)
		return sm_fail(e, 400, "private_key",
			       "private_key is required with certificate (PEM, unencrypted)");
	/* The certificate stands in for the CAs: only the certificate and the key count here. */
	if (creds_load_pem(json_string_value(cert), json_string_length(cert),
			   json_string_value(key), json_string_length(key), json_string_value(cert),
			   json_string_length(cert), &c, &part, why, sizeof(why)) < 0)
		return sm_fail(e, 400, part == CREDS_PART_KEY ? "private_key" : "certificate", "%s",
			       why);
	creds_unref(c);
	return 0;
}

json_t *sm_collection(const struct sm_model *m, enum sm_kind k)
{
	return coll(m, k);
}

bool sm_session_route_based(const json_t *s)
{
	return strcmp(sm_str(s, "resource_type"), "RouteBasedIPSecVpnSession") == 0;
}

/* The effective identities of a session. */
const char *sm_session_local_id(const json_t *s, const json_t *ep)
{
	const char *id = json_string_value(json_object_get(s, "local_id"));

	if (id == NULL || *id == '\0')
		id = json_string_value(json_object_get(ep, "local_id"));
	return id ? id : "";
}

int sm_session_creds(const struct sm_model *m, const char *name, struct creds **out,
		     struct sm_error *e)
{
	const json_t *s = sm_get(m, SM_SESSION, name), *ep, *cert, *key, *ca, *crl;
	enum creds_part part;
	struct cfg_id lid;
	const char *local_id;
	char why[256];

	*out = NULL;
	if (s == NULL)
		return sm_fail(e, 404, "", "no session named \"%s\"", name);
	ep = sm_get(m, SM_ENDPOINT, json_string_value(json_object_get(s, "local_endpoint")));
	cert = json_object_get(ep, "certificate");
	key = json_object_get(endpoint_secrets(m),
			      json_string_value(json_object_get(s, "local_endpoint")));
	ca = json_object_get(s, "trusted_ca");
	if (ep == NULL || cert == NULL || key == NULL)
		return sm_fail(
		    e, 400, "local_endpoint",
		    "local_endpoint: authentication_mode CERTIFICATE needs a local endpoint "
		    "with a certificate and a private_key");
	if (ca == NULL)
		return sm_fail(e, 400, "trusted_ca",
			       "trusted_ca is required with authentication_mode CERTIFICATE");
	if (creds_load_pem(json_string_value(cert), json_string_length(cert),
			   json_string_value(key), json_string_length(key), json_string_value(ca),
			   json_string_length(ca), out, &part, why, sizeof(why)) < 0)
		return sm_fail(e, 400, part == CREDS_PART_CA ? "trusted_ca" : "local_endpoint",
			       "%s", why);
	crl = json_object_get(s, "trusted_crl");
	if (crl != NULL && creds_add_crls_pem(*out, json_string_value(crl), json_string_length(crl),
					      why, sizeof(why)) < 0) {
		creds_unref(*out);
		*out = NULL;
		return sm_fail(e, 400, "trusted_crl", "%s", why);
	}
	local_id = sm_session_local_id(s, ep);
	if (*local_id != '\0' &&
	    (cfg_id_parse(local_id, &lid) < 0 || !creds_own_cert_proves(*out, &lid))) {
		bool own = *sm_str(s, "local_id") != '\0';

		creds_unref(*out);
		*out = NULL;
		return sm_fail(
		    e, 400, "local_id",
		    "local_id: \"%.100s\"%s is neither the subject nor a subjectAltName of "
		    "the local endpoint's certificate",
		    local_id, own ? "" : " (the local endpoint's)");
	}
	return 0;
}

int sm_session_creds_digest(const struct sm_model *m, const char *name, uint8_t digest[32])
{
	const json_t *s = sm_get(m, SM_SESSION, name), *cert, *key, *ca;
	const json_t *crl = json_object_get(s, "trusted_crl");
	const char *epname = sm_str(s, "local_endpoint");
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
	     (crl == NULL ||
	      EVP_DigestUpdate(ctx, json_string_value(crl), json_string_length(crl) + 1)) &&
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
		const json_t *psk = json_object_get(sm_session_secrets(m), name);

		for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
			if (sm_get(m, refs[i].kind, sm_str(s, refs[i].field)) == NULL)
				return sm_fail(e, 400, refs[i].field, "%s: no %s named \"%s\"",
					       refs[i].field, kind_noun[refs[i].kind],
					       sm_str(s, refs[i].field));
		if (sm_suite_check(m, name, s, e) < 0 || sm_transport_check(m, name, s, e) < 0)
			return -EINVAL;
		if (strcmp(sm_str(s, "authentication_mode"), "PSK") == 0 && psk == NULL)
			return sm_fail(e, 400, "psk",
				       "psk is required with authentication_mode PSK");
		if (strcmp(sm_str(s, "authentication_mode"), "CERTIFICATE") == 0) {
			struct creds *c;

			if (sm_session_creds(m, name, &c, e) < 0)
				return -EINVAL;
			creds_unref(c);
		}
		/* A VLAN is one tunnel interface: one route-based session owns it. */
		json_object_foreach(coll(m, SM_SESSION), other, t)
		{
			if (strcmp(name, other) == 0)
				break;
			/* One FRR instance, one BGP router: one local AS for all sessions. */
			if (json_object_get(s, "bgp") && json_object_get(t, "bgp") &&
			    !json_equal(json_object_get(json_object_get(s, "bgp"), "local_asn"),
					json_object_get(json_object_get(t, "bgp"), "local_asn")))
				return sm_fail(
				    e, 400, "bgp.local_asn",
				    "bgp.local_asn must be session \"%s\"'s: espnicd runs "
				    "one BGP router",
				    other);
			if (sm_session_route_based(s) && sm_session_route_based(t) &&
			    json_equal(json_object_get(s, "vlan"), json_object_get(t, "vlan")))
				return sm_fail(
				    e, 400, "vlan",
				    "vlan %lld is in use by session \"%s\" (one tunnel "
				    "interface per VLAN)",
				    (long long)json_integer_value(json_object_get(s, "vlan")),
				    other);
		}
		if (!json_is_true(json_object_get(s, "enabled")))
			continue;
		json_object_foreach(coll(m, SM_SESSION), other, t)
		{
			const char *a, *b, *c, *d;

			if (strcmp(name, other) == 0)
				break; /* each pair once: against the sessions before this one */
			if (!json_is_true(json_object_get(t, "enabled")) ||
			    strcmp(sm_str(s, "local_endpoint"), sm_str(t, "local_endpoint")) != 0)
				continue;
			/* One session per gateway pair (as NSX): the peer is found by address.
			 * Redundant route-based tunnels to one site differ in the pair: two
			 * local endpoints, or two peer addresses. */
			if (strcmp(sm_str(s, "peer_address"), sm_str(t, "peer_address")) == 0 &&
			    sm_session_route_based(s))
				return sm_fail(
				    e, 409, "peer_address",
				    "session \"%s\" connects local endpoint \"%s\" to %s "
				    "already; a redundant tunnel needs another local endpoint or "
				    "another peer address",
				    other, sm_str(s, "local_endpoint"), sm_str(s, "peer_address"));
			if (strcmp(sm_str(s, "peer_address"), sm_str(t, "peer_address")) == 0)
				return sm_fail(
				    e, 409, "peer_address",
				    "session \"%s\" connects local endpoint \"%s\" to %s "
				    "already; add the networks to that session",
				    other, sm_str(s, "local_endpoint"), sm_str(s, "peer_address"));
			if (lists_overlap(json_object_get(s, "local_networks"),
					  json_object_get(t, "local_networks"), &a, &b) &&
			    lists_overlap(json_object_get(s, "remote_networks"),
					  json_object_get(t, "remote_networks"), &c, &d))
				return sm_fail(e, 409, "remote_networks",
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
		if (strcmp(sm_str(s, field[k]), name) == 0)
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
		return sm_fail(e, 400, "psk", "psk must be a non-empty string");
	if (json_string_length(psk) > SM_PSK_MAX)
		return sm_fail(e, 400, "psk", "psk is too long (at most %d characters)",
			       SM_PSK_MAX);
	if (json_string_length(psk) < SECRET_PSK_MIN)
		return sm_fail(e, 400, "psk",
			       "psk is too short: at least %d bytes are required (" SECRET_PSK_WHY
			       ")",
			       SECRET_PSK_MIN);
	for (size_t i = 0; i < json_string_length(psk); i++)
		if (json_string_value(psk)[i] == '\0')
			return sm_fail(e, 400, "psk", "psk must not contain NUL");
	wipe_string(json_object_get(sm_session_secrets(m), name));
	json_object_set_new(sm_session_secrets(m), name,
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
		return sm_fail(e, 400, "private_key",
			       "private_key must be PEM text (-----BEGIN PRIVATE KEY-----...)");
	if (json_string_length(key) > SM_PEM_MAX)
		return sm_fail(e, 400, "private_key",
			       "private_key is too long (at most %d characters)", SM_PEM_MAX);
	t = json_string_value(key);
	for (size_t i = 0; i < json_string_length(key); i++)
		if ((t[i] < 0x20 || t[i] > 0x7e) && t[i] != '\n' && t[i] != '\r' && t[i] != '\t')
			return sm_fail(e, 400, "private_key",
				       "private_key: PEM text must be ASCII");
	wipe_string(json_object_get(endpoint_secrets(m), name));
	json_object_set_new(endpoint_secrets(m), name, json_stringn(t, json_string_length(key)));
	return 0;
}

/* A route-based session's BGP password (TCP MD5 with the neighbour, FRR's `neighbor X
 * password`): write-only like the PSK. bgp.password a string sets it, null removes it, absent
 * keeps it. It is taken out of the body (wiped there) into the secrets. */
static int take_bgp_password(struct sm_model *m, const char *name, json_t *body, struct sm_error *e)
{
	json_t *bgp = json_object_get(body, "bgp");
	json_t *pw = json_object_get(bgp, "password");
	const char *t;
	size_t len;

	if (!json_is_object(bgp) || pw == NULL)
		return 0;
	if (json_is_null(pw)) {
		wipe_string(json_object_get(sm_bgp_passwords(m), name));
		json_object_del(sm_bgp_passwords(m), name);
		json_object_del(bgp, "password");
		return 0;
	}
	if (!json_is_string(pw) || json_string_length(pw) == 0)
		return sm_fail(e, 400, "bgp.password", "bgp.password must be a non-empty string");
	t = json_string_value(pw);
	len = json_string_length(pw);
	/* TCP_MD5SIG_MAXKEYLEN; one vtysh word: printable ASCII without spaces. */
	if (len > SM_BGP_PASSWORD_MAX)
		return sm_fail(e, 400, "bgp.password",
			       "bgp.password is too long (at most %d characters: a TCP MD5 key)",
			       SM_BGP_PASSWORD_MAX);
	for (size_t i = 0; i < len; i++)
		if (t[i] < 0x21 || t[i] > 0x7e)
			return sm_fail(e, 400, "bgp.password",
				       "bgp.password must be printable ASCII without spaces");
	wipe_string(json_object_get(sm_bgp_passwords(m), name));
	json_object_set_new(sm_bgp_passwords(m), name, json_stringn(t, len));
	wipe_string(pw);
	json_object_del(bgp, "password");
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
		return sm_fail(e, 500, "", "out of memory");
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
		return sm_fail(e, 400, "", "the body must be a JSON object");
	if (bname != NULL && !json_is_string(bname))
		return sm_fail(e, 400, "name", "name must be a string");
	if (name == NULL) {
		if (bname == NULL)
			return sm_fail(e, 400, "name", "name is required");
		name = json_string_value(bname);
	} else if (bname != NULL && strcmp(json_string_value(bname), name) != 0) {
		return sm_fail(e, 400, "name", "name in the body differs from the one in the path");
	}
	if (!sm_name_valid(name))
		return sm_fail(e, 400, "name",
			       "name must be 1 to %d characters of letters, digits, '.', '_', '-'",
			       SM_NAME_MAX);
	existing = json_object_get(coll(m, k), name);
	if (existing != NULL && mode == SM_CREATE)
		return sm_fail(e, 409, "name", "a %s named \"%s\" exists already", kind_noun[k],
			       name);
	if (existing == NULL && mode == SM_MERGE)
		return sm_fail(e, 404, "", "no %s named \"%s\"", kind_noun[k], name);
	if (existing != NULL && sm_is_system(existing))
		return sm_fail(e, 403, "name", "\"%s\" is a system default and cannot be changed",
			       name);
	if (k == SM_SESSION &&
	    (take_psk(m, name, body, e) < 0 || take_bgp_password(m, name, body, e) < 0))
		return -EINVAL;
	if (k != SM_SESSION && json_object_get(body, "psk") != NULL)
		return sm_fail(e, 400, "psk", "unknown field \"psk\"");
	if (k == SM_ENDPOINT && take_key(m, name, body, e) < 0)
		return -EINVAL;
	if (k != SM_ENDPOINT && json_object_get(body, "private_key") != NULL)
		return sm_fail(e, 400, "private_key", "unknown field \"private_key\"");
	in = mode == SM_MERGE ? json_deep_copy(existing) : json_object();
	json_object_update(in, body);
	/* PATCH as a JSON merge patch (RFC 7396): a member set to null is removed, i.e. it takes
	 * its default again (bgp: null takes BGP away). */
	if (mode == SM_MERGE) {
		const char *key;
		json_t *v;
		void *tmp;

		json_object_foreach_safe(body, tmp, key, v)
		{
			if (json_is_null(v))
				json_object_del(in, key);
		}
	}
	json_object_del(in, "name");
	json_object_del(in, "psk");
	json_object_del(in, "private_key");
	if (sm_normalize(k, in, &out, e) < 0) {
		json_decref(in);
		return -EINVAL;
	}
	json_decref(in);
	/* A certificate session has no PSK: one given is an error, a stored one is dropped. */
	if (k == SM_SESSION && strcmp(sm_str(out, "authentication_mode"), "CERTIFICATE") == 0) {
		json_t *psk = json_object_get(body, "psk");

		if (psk != NULL && !json_is_null(psk)) {
			json_decref(out);
			return sm_fail(e, 400, "psk",
				       "psk is not used with authentication_mode CERTIFICATE");
		}
		wipe_string(json_object_get(sm_session_secrets(m), name));
		json_object_del(sm_session_secrets(m), name);
	}
	/* No BGP, no BGP password. */
	if (k == SM_SESSION && json_object_get(out, "bgp") == NULL) {
		wipe_string(json_object_get(sm_bgp_passwords(m), name));
		json_object_del(sm_bgp_passwords(m), name);
	}
	status = existing != NULL ? 200 : 201;
	json_object_set_new(coll(m, k), name, out);
	/* sm_check is quadratic in the sessions: once per object at load would be cubic. */
	if (!m->loading && sm_check(m, e) < 0)
		return -EINVAL;
	snprintf(name_out, SM_NAME_MAX + 1, "%s", name);
	return status;
}

int sm_delete(struct sm_model *m, enum sm_kind k, const char *name, struct sm_error *e)
{
	const json_t *obj = sm_get(m, k, name);
	const char *user;

	if (obj == NULL)
		return sm_fail(e, 404, "", "no %s named \"%s\"", kind_noun[k], name);
	if (sm_is_system(obj))
		return sm_fail(e, 403, "name", "\"%s\" is a system default and cannot be deleted",
			       name);
	if ((user = referenced_by(m, k, name)) != NULL)
		return sm_fail(e, 409, "name", "%s \"%s\" is used by session \"%s\"", kind_noun[k],
			       name, user);
	json_object_del(coll(m, k), name);
	if (k == SM_SESSION) {
		wipe_string(json_object_get(sm_session_secrets(m), name));
		json_object_del(sm_session_secrets(m), name);
		wipe_string(json_object_get(sm_bgp_passwords(m), name));
		json_object_del(sm_bgp_passwords(m), name);
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
	json_t *bs = json_object_get(secrets, "bgp_passwords");

	if (sm_model_init(m) < 0)
		return sm_fail(e, 500, "", "out of memory");
	if (root != NULL &&
	    (!json_is_object(root) || !json_is_integer(json_object_get(root, "version")) ||
	     json_integer_value(json_object_get(root, "version")) != 1)) {
		sm_model_free(m);
		return sm_fail(e, 500, "version",
			       "config.json: not a version 1 espnicd state file");
	}
	/* Objects in dependency order: sessions last (they reference the others). */
	m->loading = true;
	for (int k = 0; root != NULL && k < SM_KIND_COUNT; k++) {
		json_t *objs = json_object_get(root, kind_key[k]), *obj;
		const char *name;
		char out[SM_NAME_MAX + 1];

		json_object_foreach(objs, name, obj)
		{
			json_t *body = json_deep_copy(obj);
			json_t *psk = k == SM_SESSION ? json_object_get(ss, name) : NULL;
			json_t *key = k == SM_ENDPOINT ? json_object_get(es, name) : NULL;
			json_t *bpw = k == SM_SESSION ? json_object_get(bs, name) : NULL;
			int ret;

			if (psk != NULL)
				json_object_set(body, "psk", psk);
			if (bpw != NULL && json_is_object(json_object_get(body, "bgp")))
				json_object_set_new(
				    json_object_get(body, "bgp"), "password",
				    json_stringn(json_string_value(bpw), json_string_length(bpw)));
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
	m->loading = false;
	if (sm_check(m, e) < 0) {
		char where[sizeof(e->message) + 16];

		snprintf(where, sizeof(where), "stored objects: %s", e->message);
		memcpy(e->message, where, sizeof(e->message) - 1);
		e->message[sizeof(e->message) - 1] = '\0';
		sm_model_free(m);
		return -EINVAL;
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
		    json_boolean(json_object_get(sm_session_secrets(m), name) != NULL));
	if (k == SM_SESSION && json_is_object(json_object_get(copy, "bgp")))
		json_object_set_new(
		    json_object_get(copy, "bgp"), "password_configured",
		    json_boolean(json_object_get(sm_bgp_passwords(m), name) != NULL));
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
