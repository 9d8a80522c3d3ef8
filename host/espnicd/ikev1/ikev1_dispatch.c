/* IKEv1 datagrams in: parsed, matched to their ISAKMP SA by the cookies (a first message
 * starts one), a repeated message answered with our last one, the rest routed by exchange
 * type. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ikev1_internal.h"
#include "log.h"

static struct ike_sa *v1_lookup(struct espnicd *d, const struct ike_header *h)
{
	static const uint8_t zero[8];

	for (struct ike_sa *sa = sa_index_by_spi(d, h->spi_r); sa != NULL; sa = sa->spi_next)
		if (sa->v1 != NULL && !sa->initiator && sa->state != IKE_SA_DEAD &&
		    memcmp(sa->spi_r, h->spi_r, 8) == 0 && memcmp(sa->spi_i, h->spi_i, 8) == 0)
			return sa;
	for (struct ike_sa *sa = sa_index_by_spi(d, h->spi_i); sa != NULL; sa = sa->spi_next)
		if (sa->v1 != NULL && sa->initiator && sa->state != IKE_SA_DEAD &&
		    memcmp(sa->spi_i, h->spi_i, 8) == 0 &&
		    (memcmp(sa->spi_r, h->spi_r, 8) == 0 ||
		     ((sa->v1->st == V1_MM_I1 || sa->v1->st == V1_AM_I1) &&
		      memcmp(sa->spi_r, zero, 8) == 0)))
			return sa;
	return NULL;
}

static void digest(const uint8_t *buf, size_t len, uint8_t out[32])
{
	unsigned n = 32;

	EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL);
}

void ikev1_receive(struct espnicd *d, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote, const uint8_t *buf, size_t len)
{
	static const uint8_t zero[8];
	struct ikev1_message *msg = malloc(sizeof(*msg));
	uint8_t *plain = malloc(MAX_MESSAGE), dig[32];
	struct ike_sa *sa;
	int ret;

	if (msg == NULL || plain == NULL)
		goto out;
	ret = ikev1_message_parse(buf, len, msg);
	if (ret < 0) {
		log_unauth(d, LOG_LEVEL_DEBUG,
			   "IKEv1 datagram of %zu octets unparsable (%d), dropped", len, ret);
		goto out;
	}
	digest(buf, len, dig);
	sa = v1_lookup(d, &msg->header);
	if (sa == NULL &&
	    (msg->header.exchange_type == IKEV1_EXCHANGE_MAIN ||
	     msg->header.exchange_type == IKEV1_EXCHANGE_AGGRESSIVE) &&
	    memcmp(msg->header.spi_r, zero, 8) == 0) {
		/* A retransmitted first message finds its SA by the initiator's cookie. */
		for (sa = sa_index_by_peer(d, msg->header.spi_i, remote); sa != NULL;
		     sa = sa->peer_next)
			if (sa->v1 != NULL && memcmp(sa->spi_i, msg->header.spi_i, 8) == 0 &&
			    sockaddr_same_host(&sa->remote, remote))
				break;
		if (sa == NULL && msg->header.exchange_type == IKEV1_EXCHANGE_AGGRESSIVE) {
			sa = v1_respond_1(d, local, remote, msg, false);
			goto done;
		}
		if (sa == NULL) {
			v1_answer_1(d, local, remote, msg, buf, len);
			goto out;
		}
	} else if (sa == NULL && msg->header.exchange_type == IKEV1_EXCHANGE_MAIN &&
		   !(msg->header.flags & IKEV1_FLAG_ENCRYPTION)) {
		/* Main mode 3: our cookie back from the address we sent it to. */
		sa = v1_pending_resume(d, &msg->header, remote);
	}
	if (sa == NULL) {
		log_unauth(d, LOG_LEVEL_DEBUG, "IKEv1 message for an unknown ISAKMP SA dropped");
		goto out;
	}
	if (sa->v1->last_in_valid && memcmp(dig, sa->v1->last_in, 32) == 0) {
		if (sa->v1->out_len > 0)
			send_raw(d, &sa->local, &sa->remote, sa->v1->out, sa->v1->out_len);
		goto out;
	}
	switch (msg->header.exchange_type) {
	case IKEV1_EXCHANGE_MAIN:
		if (msg->header.flags & IKEV1_FLAG_ENCRYPTION && sa->v1->st != V1_MM_R2 &&
		    sa->v1->st != V1_MM_I3)
			break;
		v1_main_mode_process(sa, msg, local, remote, plain, MAX_MESSAGE);
		break;
	case IKEV1_EXCHANGE_AGGRESSIVE:
		v1_aggressive_process(sa, msg, local, remote, plain, MAX_MESSAGE);
		break;
	case IKEV1_EXCHANGE_QUICK:
		if (sa->v1->st == V1_EST && sa->state == IKE_SA_ESTABLISHED)
			v1_quick_process(sa, msg);
		break;
	case IKEV1_EXCHANGE_INFORMATIONAL:
		if (!(msg->header.flags & IKEV1_FLAG_ENCRYPTION))
			v1_clear_informational(sa, msg);
		else if (sa->v1->st == V1_EST)
			v1_informational(sa, msg);
		break;
	default:
		break;
	}
done:
	if (sa != NULL && ike_sa_alive(d, sa)) {
		memcpy(sa->v1->last_in, dig, 32);
		sa->v1->last_in_valid = true;
	}
out:
	if (plain != NULL)
		OPENSSL_cleanse(plain, MAX_MESSAGE);
	free(plain);
	free(msg);
}
