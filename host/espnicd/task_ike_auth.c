/* IKE_AUTH (RFC 7296 1.2, 2.15) with pre-shared keys: identities, the AUTH payload over the
 * IKE_SA_INIT messages, and the first CHILD_SA (task_child_create.c) composed in. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_auth.h"
#include "ike_sa.h"
#include "log.h"

#define ID_BODY_MAX (4 + CFG_MAX_ID)

/* An identity as strongSwan writes it: an IP address, "@fqdn", "user@domain" or a bare FQDN;
 * empty means our IKE address. Writes the ID payload body (type, 3 reserved, data). */
static size_t id_body(const char *text, const struct sockaddr_storage *addr, uint8_t *out)
{
	size_t len;

	memset(out, 0, 4);
	if (text[0] == '\0') {
		const uint8_t *a = sockaddr_addr(addr, &len);

		out[0] = len == 4 ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		memcpy(out + 4, a, len);
		return 4 + len;
	}
	if (inet_pton(AF_INET, text, out + 4) == 1) {
		out[0] = IKE_ID_IPV4_ADDR;
		return 8;
	}
	if (inet_pton(AF_INET6, text, out + 4) == 1) {
		out[0] = IKE_ID_IPV6_ADDR;
		return 20;
	}
	if (text[0] == '@')
		text++;
	else if (strchr(text, '@') != NULL)
		out[0] = IKE_ID_RFC822_ADDR;
	if (out[0] == 0)
		out[0] = IKE_ID_FQDN;
	len = strlen(text);
	memcpy(out + 4, text, len);
	return 4 + len;
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

/* AUTH for our side, or the check of the peer's (RFC 7296 2.15). */
static int auth_compute(struct ike_sa *sa, bool of_initiator, struct ike_span id_body_span,
			struct ike_span received, uint8_t *out)
{
	size_t cap = MAX_MESSAGE + IKE_NONCE_MAX_LEN + IKE_MAX_PRF_LEN;
	uint8_t *octets = malloc(cap);
	struct ike_span real = of_initiator
				   ? (struct ike_span){sa->init_request, sa->init_request_len}
				   : (struct ike_span){sa->init_response, sa->init_response_len};
	struct ike_span nonce = of_initiator ? (struct ike_span){sa->nr, sa->nr_len}
					     : (struct ike_span){sa->ni, sa->ni_len};
	int len, ret;

	if (octets == NULL)
		return -ENOMEM;
	len = ike_auth_signed_octets(sa->prf, of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr, real,
				     nonce, id_body_span, octets, cap);
	if (len < 0) {
		free(octets);
		return len;
	}
	if (out != NULL)
		ret = ike_auth_psk(sa->prf, sa->peer.psk, sa->peer.psk_len,
				   (struct ike_span){octets, (size_t)len}, out);
	else
		ret = ike_auth_psk_verify(sa->prf, sa->peer.psk, sa->peer.psk_len,
					  (struct ike_span){octets, (size_t)len}, received);
	OPENSSL_cleanse(octets, (size_t)len);
	free(octets);
	return ret;
}

static void add_auth(struct ike_sa *sa, struct message_out *m, const uint8_t *body, size_t len)
{
	uint8_t *data = message_out_alloc(m, sa->prf->out_len);
	struct ike_payload *p;

	if (data == NULL || auth_compute(sa, sa->initiator, (struct ike_span){body, len},
					 (struct ike_span){0}, data) < 0) {
		m->err = -EIO;
		return;
	}
	p = message_out_add(m, IKE_PAYLOAD_AUTH);
	if (p == NULL)
		return;
	p->u.auth.method = IKE_AUTH_SHARED_KEY_MIC;
	p->u.auth.data = (struct ike_span){data, sa->prf->out_len};
}

/* The peer's ID must be the configured one (if any). */
static bool id_acceptable(struct ike_sa *sa, const struct ike_id_payload *id)
{
	uint8_t expect[ID_BODY_MAX];
	size_t len;

	if (sa->peer.remote_id[0] == '\0')
		return true;
	len = id_body(sa->peer.remote_id, &sa->remote, expect);
	return id->body.len == len && memcmp(id->body.ptr, expect, len) == 0;
}

int ike_auth_send(struct ike_sa *sa)
{
	struct message_out *m = malloc(sizeof(*m));
	uint8_t body[ID_BODY_MAX];
	size_t len;
	uint32_t spi;
	int ret;

	if (m == NULL)
		return -ENOMEM;
	message_out_init(m);
	len = id_body(sa->peer.local_id, &sa->local, body);
	add_id(m, IKE_PAYLOAD_IDI, body, len);
	if (sa->peer.remote_id[0] != '\0') {
		uint8_t rbody[ID_BODY_MAX];
		size_t rlen = id_body(sa->peer.remote_id, &sa->remote, rbody);

		add_id(m, IKE_PAYLOAD_IDR, rbody, rlen);
	}
	add_auth(sa, m, body, len);
	ret = dp_alloc_spi(sa->d->dp, &spi);
	if (ret == 0)
		ret = child_create_build_request(sa, m, spi, NULL);
	if (ret == 0) {
		sa->state = IKE_SA_AUTH_SENT;
		ret = send_request(sa, REQUEST_IKE_AUTH, IKE_EXCHANGE_IKE_AUTH, m);
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

void ike_auth_process_request(struct ike_sa *sa, const struct ike_message *msg)
{
	const struct ike_payload *idi = ike_message_find(msg, IKE_PAYLOAD_IDI);
	const struct ike_payload *auth = ike_message_find(msg, IKE_PAYLOAD_AUTH);
	uint32_t id = msg->header.message_id;
	struct message_out *m;
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
	if (!id_acceptable(sa, &idi->u.id)) {
		log_error("%s: peer's identity does not match remote_id \"%s\"", sa_name(sa),
			  sa->peer.remote_id);
		respond_auth_failed(sa, id);
		return;
	}
	if (auth->u.auth.method != IKE_AUTH_SHARED_KEY_MIC) {
		log_error("%s: peer authenticates with method %u, we only accept a pre-shared key",
			  sa_name(sa), auth->u.auth.method);
		respond_auth_failed(sa, id);
		return;
	}
	ret = auth_compute(sa, true, idi->u.id.body, auth->u.auth.data, NULL);
	if (ret < 0) {
		log_error("%s: authentication of the peer failed: its AUTH does not match our "
			  "pre-shared key (PSK mismatch)",
			  sa_name(sa));
		respond_auth_failed(sa, id);
		return;
	}
	m = malloc(sizeof(*m));
	if (m == NULL) {
		ike_sa_kill(sa, "out of memory");
		return;
	}
	message_out_init(m);
	len = id_body(sa->peer.local_id, &sa->local, body);
	add_id(m, IKE_PAYLOAD_IDR, body, len);
	add_auth(sa, m, body, len);
	/* The IKE_SA is authenticated whatever happens to the CHILD_SA. */
	ike_sa_established(sa);
	child_create_respond(sa, msg, m, sa->ni, sa->ni_len, sa->nr, sa->nr_len, false,
			     ++sa->d->next_reqid);
	ret = send_response(sa, IKE_EXCHANGE_IKE_AUTH, id, m);
	free(m);
	if (ret < 0) {
		ike_sa_kill(sa, "cannot answer IKE_AUTH");
		return;
	}
	log_info("%s: IKE_SA established (responder)", sa_name(sa));
}

void ike_auth_process_response(struct ike_sa *sa, const struct ike_message *msg)
{
	const struct ike_payload *idr = ike_message_find(msg, IKE_PAYLOAD_IDR);
	const struct ike_payload *auth = ike_message_find(msg, IKE_PAYLOAD_AUTH);
	uint32_t spi = sa->request.cc.new_spi_in;

	if (ike_message_find_notify(msg, IKE_N_AUTHENTICATION_FAILED) != NULL) {
		log_error("%s: peer rejected our authentication (AUTHENTICATION_FAILED): "
			  "pre-shared key or identity mismatch",
			  sa_name(sa));
		dp_release_spi(sa->d->dp, spi);
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
		dp_release_spi(sa->d->dp, spi);
		ike_sa_kill(sa, "IKE_AUTH failed");
		return;
	}
	if (auth->u.auth.method != IKE_AUTH_SHARED_KEY_MIC ||
	    auth_compute(sa, false, idr->u.id.body, auth->u.auth.data, NULL) < 0) {
		log_error("%s: authentication of the peer failed: its AUTH does not match our "
			  "pre-shared key (PSK mismatch)",
			  sa_name(sa));
		dp_release_spi(sa->d->dp, spi);
		ike_sa_kill(sa, "authentication failed");
		return;
	}
	if (!id_acceptable(sa, &idr->u.id)) {
		log_error("%s: peer's identity does not match remote_id \"%s\"", sa_name(sa),
			  sa->peer.remote_id);
		dp_release_spi(sa->d->dp, spi);
		ike_sa_kill(sa, "identity mismatch");
		return;
	}
	ike_sa_established(sa);
	log_info("%s: IKE_SA established (initiator)", sa_name(sa));
	if (child_create_complete(sa, msg, spi, sa->ni, sa->ni_len, sa->nr, sa->nr_len, NULL, 0,
				  ++sa->d->next_reqid) == NULL)
		dp_release_spi(sa->d->dp, spi);
	request_done(sa);
	sa_schedule(sa);
}
