/* IKE_AUTH (RFC 7296 1.2, 2.15): identities, the AUTH payload over the IKE_SA_INIT messages
 * with a pre-shared key or a certificate's key (RFC 7427 signatures, creds.c), CERT and
 * CERTREQ payloads, and the first CHILD_SA (child_sa.c) composed in. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "child_sa.h"
#include "ike_auth.h"
#include "ike_sa.h"
#include "log.h"
#include "message_out.h"
#include "task_ike_auth.h"
#include "task_manager.h"
#include "transmit.h"
#include "util.h"

#define ID_BODY_MAX	    (4 + CREDS_MAX_ID_DER)
#define CERT_X509_SIGNATURE 4
#define SIG_AUTH_MAX	    (1 + 16 + 1024) /* AlgorithmIdentifier length, DER, signature */

/* Our identity: the configured one (a DN equal to our certificate's subject goes out the way
 * the certificate encodes it), else our certificate's subject, else our IKE address. */
void ike_auth_our_id(struct ike_sa *sa, struct cfg_id *id)
{
	struct cfg_id subject;
	size_t len;

	memset(id, 0, sizeof(*id));
	if (sa->peer.creds != NULL && creds_subject_id(sa->peer.creds, &subject) < 0)
		subject.type = 0;
	if (sa->peer.lid.type != 0) {
		*id = sa->peer.lid;
		if (sa->peer.creds != NULL && subject.type != 0 &&
		    cfg_id_equal(id, subject.type, (struct ike_span){subject.data, subject.len}))
			*id = subject;
		return;
	}
	if (sa->peer.creds != NULL && subject.type != 0) {
		*id = subject;
		return;
	}
	const uint8_t *a = sockaddr_addr(&sa->local, &len);

	id->type = len == 4 ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
	id->len = len;
	memcpy(id->data, a, len);
}

/* The ID payload body (type, 3 reserved, data) that AUTH signs. */
static size_t id_body(const struct cfg_id *id, uint8_t *out)
{
	memset(out, 0, 4);
	out[0] = id->type;
	memcpy(out + 4, id->data, id->len);
	return 4 + id->len;
}

static void add_id(struct message_out *m, uint8_t type, const uint8_t *body, size_t len)
{
	struct ike_payload *p = message_out_add(m, type);
	uint8_t *d = message_out_alloc(m, len - 4);

	if (p == NULL || d == NULL)
		return;
	memcpy(d, body + 4, len - 4);
	p->u.id.id_type = body[0];
	p->u.id.data = (struct ike_span){d, len - 4};
}

static void add_certs(struct ike_sa *sa, struct message_out *m)
{
	for (unsigned i = 0; i < creds_cert_count(sa->peer.creds); i++) {
		int len = creds_cert_der(sa->peer.creds, i, NULL, 0);
		uint8_t *d = len > 0 ? message_out_alloc(m, (size_t)len) : NULL;
		struct ike_payload *p;

		if (d == NULL || creds_cert_der(sa->peer.creds, i, d, (size_t)len) != len) {
			m->err = -ENOSPC;
			return;
		}
		p = message_out_add(m, IKE_PAYLOAD_CERT);
		if (p == NULL)
			return;
		p->u.cert.encoding = CERT_X509_SIGNATURE;
		p->u.cert.data = (struct ike_span){d, (size_t)len};
	}
}

void ike_auth_add_certreq(struct ike_sa *sa, struct message_out *m)
{
	uint8_t tmp[CREDS_MAX_CA * 16 * 20], *d;
	int len = creds_certreq(sa->peer.creds, tmp, sizeof(tmp));
	struct ike_payload *p;

	if (len <= 0 || (d = message_out_alloc(m, (size_t)len)) == NULL)
		return;
	memcpy(d, tmp, (size_t)len);
	p = message_out_add(m, IKE_PAYLOAD_CERTREQ);
	if (p == NULL)
		return;
	p->u.cert.encoding = CERT_X509_SIGNATURE;
	p->u.cert.data = (struct ike_span){d, (size_t)len};
}

/* <SignedOctets> of one side (RFC 7296 2.15), malloc'ed. */
static int signed_octets(struct ike_sa *sa, bool of_initiator, struct ike_span id_body_span,
			 uint8_t **out)
{
	size_t cap = MAX_MESSAGE + IKE_NONCE_MAX_LEN + IKE_MAX_PRF_LEN;
	struct ike_span real = of_initiator
				   ? (struct ike_span){sa->init_request, sa->init_request_len}
				   : (struct ike_span){sa->init_response, sa->init_response_len};
	struct ike_span nonce = of_initiator ? (struct ike_span){sa->nr, sa->nr_len}
					     : (struct ike_span){sa->ni, sa->ni_len};
	int len;

	*out = malloc(cap);
	if (*out == NULL)
		return -ENOMEM;
	len = ike_auth_signed_octets(sa->prf, of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr, real,
				     nonce, id_body_span, *out, cap);
	if (len < 0) {
		free(*out);
		*out = NULL;
	}
	return len;
}

static void free_octets(uint8_t *octets, int len)
{
	if (octets != NULL) {
		OPENSSL_cleanse(octets, len > 0 ? (size_t)len : 0);
		free(octets);
	}
}

/* Our AUTH payload (and, for signatures, our certificates before it). */
static void add_auth(struct ike_sa *sa, struct message_out *m, const uint8_t *body, size_t len)
{
	bool pubkey = sa->peer.auth == CFG_AUTH_PUBKEY;
	size_t cap = pubkey ? SIG_AUTH_MAX : sa->prf->out_len;
	uint8_t *data = message_out_alloc(m, cap), *octets = NULL, method = IKE_AUTH_SHARED_KEY_MIC;
	int n = data ? signed_octets(sa, sa->initiator, (struct ike_span){body, len}, &octets)
		     : -ENOMEM;
	struct ike_payload *p;

	if (n >= 0 && pubkey)
		n = creds_sign(sa->peer.creds, sa->peer_hashes,
			       (struct ike_span){octets, (size_t)n}, &method, data, cap);
	else if (n >= 0)
		n = ike_auth_psk(sa->prf, sa->peer.psk, sa->peer.psk_len,
				 (struct ike_span){octets, (size_t)n}, data) < 0
			? -EIO
			: (int)sa->prf->out_len;
	free_octets(octets, (int)(MAX_MESSAGE + IKE_NONCE_MAX_LEN + IKE_MAX_PRF_LEN));
	if (n < 0) {
		log_error("%s: cannot compute our AUTH (%d)", sa_name(sa), n);
		m->err = -EIO;
		return;
	}
	p = message_out_add(m, IKE_PAYLOAD_AUTH);
	if (p == NULL)
		return;
	p->u.auth.method = method;
	p->u.auth.data = (struct ike_span){data, (size_t)n};
}

/* Checks the peer's AUTH (and for signatures its certificate chain and that its identity is
 * in the certificate). Logs the reason and returns negative on failure. */
static int verify_peer(struct ike_sa *sa, const struct ike_message *msg,
		       const struct ike_id_payload *id, const struct ike_auth_payload *auth)
{
	uint8_t *octets = NULL;
	char why[200];
	int n, ret;

	if (sa->peer.auth == CFG_AUTH_PSK && auth->method != IKE_AUTH_SHARED_KEY_MIC) {
		log_error("%s: peer authenticates with method %u, we only accept a pre-shared key",
			  sa_name(sa), auth->method);
		return -EKEYREJECTED;
	}
	if (sa->peer.auth == CFG_AUTH_PUBKEY && auth->method == IKE_AUTH_SHARED_KEY_MIC) {
		log_error("%s: peer authenticates with a pre-shared key, we require a certificate "
			  "(auth pubkey)",
			  sa_name(sa));
		return -EKEYREJECTED;
	}
	n = signed_octets(sa, !sa->initiator, id->body, &octets);
	if (n < 0)
		return n;
	if (sa->peer.auth == CFG_AUTH_PSK) {
		ret = ike_auth_psk_verify(sa->prf, sa->peer.psk, sa->peer.psk_len,
					  (struct ike_span){octets, (size_t)n}, auth->data);
		if (ret < 0)
			log_error("%s: authentication of the peer failed: its AUTH does not match "
				  "our pre-shared key (PSK mismatch)",
				  sa_name(sa));
	} else {
		ret = creds_verify_peer(sa->peer.creds, msg, id->id_type, id->data, auth->method,
					auth->data, (struct ike_span){octets, (size_t)n}, why,
					sizeof(why));
		if (ret < 0)
			log_error("%s: authentication of the peer failed: %s", sa_name(sa), why);
		else
			log_info("%s: peer authenticated with its certificate (method %u)",
				 sa_name(sa), auth->method);
	}
	free_octets(octets, n);
	return ret;
}

/* The peer's ID must be the configured one (if any). */
static bool id_acceptable(struct ike_sa *sa, const struct ike_id_payload *id)
{
	if (sa->peer.rid.type == 0)
		return true;
	return cfg_id_equal(&sa->peer.rid, id->id_type, id->data);
}

/* Several peers may share the addresses (many tunnels between two gateways): IKE_SA_INIT took
 * the first of them, IDi picks the one configured for exactly this identity, provided it
 * authenticates the same way with the same IKE proposals (what IKE_SA_INIT agreed on). */
static void switch_peer_by_id(struct ike_sa *sa, const struct ike_id_payload *id)
{
	const struct espnicd_config *cfg = sa->d->cfg;

	if (sa->peer.rid.type != 0 && cfg_id_equal(&sa->peer.rid, id->id_type, id->data))
		return;
	for (unsigned i = 0; i < cfg->peer_count; i++) {
		const struct cfg_peer *p = &cfg->peers[i];
		struct sockaddr_storage local = sa->local, remote = sa->remote;

		if (p->rid.type == 0 || !cfg_id_equal(&p->rid, id->id_type, id->data) ||
		    p->auth != sa->peer.auth || p->ike_count != sa->peer.ike_count ||
		    memcmp(p->ike, sa->peer.ike, sizeof(p->ike)) != 0 ||
		    !sockaddr_same_host(&p->local, &sa->local) ||
		    (p->remote_any ? p->local.ss_family != sa->remote.ss_family
				   : !sockaddr_same_host(&p->remote, &sa->remote)))
			continue;
		if (strcmp(p->name, sa->peer.name) == 0)
			return;
		log_debug("%s: IDi selects peer %s", sa_name(sa), p->name);
		config_peer_release(&sa->peer);
		config_peer_copy(&sa->peer, p);
		sa->local = local; /* they may have floated to the NAT-T port */
		sa->remote = remote;
		return;
	}
}

/* ---- unique_ids and INITIAL_CONTACT (RFC 7296 2.4) ---- */

static void remember_peer_id(struct ike_sa *sa, const struct ike_payload *id)
{
	size_t len = id->u.id.data.len < CREDS_MAX_ID_DER ? id->u.id.data.len : CREDS_MAX_ID_DER;

	free(sa->peer_auth_id);
	sa->peer_auth_id_type = id->u.id.id_type;
	sa->peer_auth_id = len ? malloc(len) : NULL;
	sa->peer_auth_id_len = sa->peer_auth_id != NULL ? len : 0;
	if (sa->peer_auth_id != NULL)
		memcpy(sa->peer_auth_id, id->u.id.data.ptr, len);
}

/* Whether we know of another IKE_SA with this peer (then no INITIAL_CONTACT). */
static bool other_sa_with_peer(const struct ike_sa *sa)
{
	for (const struct ike_sa *o = sa->d->sas; o != NULL; o = o->next)
		if (o != sa && o->state != IKE_SA_DEAD && strcmp(o->peer.name, sa->peer.name) == 0)
			return true;
	return false;
}

/* Whether a and b authenticated as the same identity. */
static bool same_peer_id(const struct ike_sa *a, const struct ike_sa *b)
{
	struct cfg_id id = {.type = a->peer_auth_id_type, .len = a->peer_auth_id_len};

	if (id.len)
		memcpy(id.data, a->peer_auth_id, id.len);
	return cfg_id_equal(&id, b->peer_auth_id_type,
			    (struct ike_span){b->peer_auth_id, b->peer_auth_id_len});
}

/* sa has just been authenticated. Older IKE_SAs of the same peer configuration with the same
 * authenticated peer identity are replaced per unique_ids: with INITIAL_CONTACT the peer has
 * forgotten them, so they go silently (yes, no); otherwise, with yes, they are deleted with
 * a Delete. Only SAs established before sa was created count: two IKE_SAs that crossed
 * (both sides initiating at once) are not duplicates of each other's past. */
static void enforce_unique(struct ike_sa *sa, bool initial_contact)
{
	enum cfg_unique u = sa->peer.unique;

	if (u == CFG_UNIQUE_NEVER || (u == CFG_UNIQUE_NO && !initial_contact))
		return;
	for (struct ike_sa *o = sa->d->sas; o != NULL; o = o->next) {
		if (o == sa || o->state != IKE_SA_ESTABLISHED || o->replaced_by != NULL ||
		    strcmp(o->peer.name, sa->peer.name) != 0 ||
		    o->established_at >= sa->created_at || !same_peer_id(o, sa))
			continue;
		if (initial_contact) {
			log_info("%s: peer sent INITIAL_CONTACT: dropping its older IKE_SA %s",
				 sa_name(sa), sa_name(o));
			ike_sa_kill(o, "replaced: the peer sent INITIAL_CONTACT");
		} else {
			log_info(
			    "%s: unique_ids yes: deleting the older IKE_SA %s with the same peer "
			    "identity",
			    sa_name(sa), sa_name(o));
			o->want_delete = true;
			task_manager_schedule(o);
		}
	}
}
/* ---- end of unique_ids ---- */

static int ike_auth_send(struct ike_sa *sa, enum request_kind kind, struct child_sa *child)
{
	struct message_out *m = malloc(sizeof(*m));
	struct cfg_id id;
	uint8_t body[ID_BODY_MAX];
	size_t len;
	uint32_t spi;
	int ret;

	(void)kind;
	(void)child;
	if (m == NULL)
		return -ENOMEM;
	message_out_init(m);
	ike_auth_our_id(sa, &id);
	len = id_body(&id, body);
	add_id(m, IKE_PAYLOAD_IDI, body, len);
	if (sa->peer.auth == CFG_AUTH_PUBKEY) {
		add_certs(sa, m);
		ike_auth_add_certreq(sa, m);
	}
	/* IDr tells the responder whom we want; a DN is left out, the peer's text form of it may
	 * encode differently from ours. */
	if (sa->peer.rid.type != 0 && sa->peer.rid.type != IKE_ID_DER_ASN1_DN) {
		uint8_t rbody[ID_BODY_MAX];
		size_t rlen = id_body(&sa->peer.rid, rbody);

		add_id(m, IKE_PAYLOAD_IDR, rbody, rlen);
	}
	if (sa->peer.unique != CFG_UNIQUE_NEVER && !other_sa_with_peer(sa))
		message_out_notify(m, IKE_N_INITIAL_CONTACT, 0, NULL, 0, NULL, 0);
	add_auth(sa, m, body, len);
	ret = dp_alloc_spi(sa->d->dp, &spi);
	if (ret == 0 && (ret = child_create_build_request(sa, m, spi, NULL)) < 0)
		dp_release_spi(sa->d->dp, spi);
	if (ret == 0) {
		ike_sa_set_state(sa, IKE_SA_AUTH_SENT);
		ret = send_request(sa, REQUEST_IKE_AUTH, IKE_EXCHANGE_IKE_AUTH, m);
		/* From here the request's abort releases the SPI (its answer installs it). */
		sa->request.cc.new_spi_in = spi;
	}
	free(m);
	if (ret < 0)
		ike_sa_kill(sa, "cannot send IKE_AUTH");
	return ret;
}

static void respond_auth_failed(struct ike_sa *sa, uint32_t id)
{
	struct message_out *m = malloc(sizeof(*m));

	if (m != NULL) {
		message_out_init(m);
		message_out_notify(m, IKE_N_AUTHENTICATION_FAILED, 0, NULL, 0, NULL, 0);
		send_response(sa, IKE_EXCHANGE_IKE_AUTH, id, m);
		free(m);
	}
	ike_sa_kill(sa, "authentication failed");
}

static void ike_auth_process_request(struct ike_sa *sa, const struct ike_message *msg)
{
	const struct ike_payload *idi = ike_message_find(msg, IKE_PAYLOAD_IDI);
	const struct ike_payload *auth = ike_message_find(msg, IKE_PAYLOAD_AUTH);
	uint32_t id = msg->header.message_id;
	struct message_out *m;
	struct cfg_id our;
	uint8_t body[ID_BODY_MAX];
	size_t len;
	int ret;

	if (sa->state != IKE_SA_INIT_DONE) {
		log_info("%s: IKE_AUTH in state %d, ignored", sa_name(sa), sa->state);
		return;
	}
	if (idi == NULL || auth == NULL) {
		log_error("%s: IKE_AUTH without IDi or AUTH (EAP is not supported)", sa_name(sa));
		respond_auth_failed(sa, id);
		return;
	}
	switch_peer_by_id(sa, &idi->u.id);
	if (!id_acceptable(sa, &idi->u.id)) {
		log_error("%s: peer's identity does not match remote_id \"%s\"", sa_name(sa),
			  sa->peer.remote_id);
		respond_auth_failed(sa, id);
		return;
	}
	if (verify_peer(sa, msg, &idi->u.id, &auth->u.auth) < 0) {
		respond_auth_failed(sa, id);
		return;
	}
	m = malloc(sizeof(*m));
	if (m == NULL) {
		ike_sa_kill(sa, "out of memory");
		return;
	}
	message_out_init(m);
	ike_auth_our_id(sa, &our);
	len = id_body(&our, body);
	add_id(m, IKE_PAYLOAD_IDR, body, len);
	if (sa->peer.auth == CFG_AUTH_PUBKEY)
		add_certs(sa, m);
	add_auth(sa, m, body, len);
	/* The IKE_SA is authenticated whatever happens to the CHILD_SA. */
	ike_sa_established(sa);
	remember_peer_id(sa, idi);
	enforce_unique(sa, ike_message_find_notify(msg, IKE_N_INITIAL_CONTACT) != NULL);
	child_create_respond(sa, msg, m, sa->ni, sa->ni_len, sa->nr, sa->nr_len, false,
			     ++sa->d->next_reqid, false);
	ret = send_response(sa, IKE_EXCHANGE_IKE_AUTH, id, m);
	free(m);
	if (ret < 0) {
		ike_sa_kill(sa, "cannot answer IKE_AUTH");
		return;
	}
	log_info("%s: IKE_SA established (responder)", sa_name(sa));
}

static void ike_auth_process_response(struct ike_sa *sa, const struct ike_message *msg)
{
	const struct ike_payload *idr = ike_message_find(msg, IKE_PAYLOAD_IDR);
	const struct ike_payload *auth = ike_message_find(msg, IKE_PAYLOAD_AUTH);
	uint32_t spi = sa->request.cc.new_spi_in;

	if (ike_message_find_notify(msg, IKE_N_AUTHENTICATION_FAILED) != NULL) {
		log_error("%s: peer rejected our authentication (AUTHENTICATION_FAILED): %s",
			  sa_name(sa),
			  sa->peer.auth == CFG_AUTH_PSK
			      ? "pre-shared key or identity mismatch"
			      : "certificate not trusted, identity mismatch or bad signature");
		ike_sa_kill(sa, "authentication failed");
		return;
	}
	if (idr == NULL || auth == NULL) {
		for (size_t i = 0; i < msg->payload_count; i++) {
			const struct ike_payload *p = &msg->payloads[i];

			if (p->type == IKE_PAYLOAD_NOTIFY && p->u.notify.type <= IKE_N_ERROR_MAX)
				log_error("%s: peer answered IKE_AUTH with %s (%u)", sa_name(sa),
					  notify_name(p->u.notify.type), p->u.notify.type);
		}
		log_error("%s: IKE_AUTH response without IDr or AUTH", sa_name(sa));
		ike_sa_kill(sa, "IKE_AUTH failed");
		return;
	}
	if (verify_peer(sa, msg, &idr->u.id, &auth->u.auth) < 0) {
		ike_sa_kill(sa, "authentication failed");
		return;
	}
	if (!id_acceptable(sa, &idr->u.id)) {
		log_error("%s: peer's identity does not match remote_id \"%s\"", sa_name(sa),
			  sa->peer.remote_id);
		ike_sa_kill(sa, "identity mismatch");
		return;
	}
	ike_sa_established(sa);
	remember_peer_id(sa, idr);
	enforce_unique(sa, ike_message_find_notify(msg, IKE_N_INITIAL_CONTACT) != NULL);
	log_info("%s: IKE_SA established (initiator)", sa_name(sa));
	if (child_create_complete(sa, msg, spi, sa->ni, sa->ni_len, sa->nr, sa->nr_len, NULL, 0,
				  ++sa->d->next_reqid) == NULL)
		dp_release_spi(sa->d->dp, spi);
	task_manager_done(sa);
	task_manager_schedule(sa);
}

/* An IKE_AUTH request still out when the IKE_SA goes (no answer, a refusal, a failed check):
 * its CHILD_SA's inbound SPI was never installed. */
static void ike_auth_abort(struct ike_sa *sa)
{
	if (sa->request.cc.new_spi_in != 0)
		dp_release_spi(sa->d->dp, sa->request.cc.new_spi_in);
}

const struct ike_task task_ike_auth = {
    .name = "IKE_AUTH",
    .initiate = ike_auth_send,
    .handle_request = ike_auth_process_request,
    .handle_response = ike_auth_process_response,
    .abort = ike_auth_abort,
};
