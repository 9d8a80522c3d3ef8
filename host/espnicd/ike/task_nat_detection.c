/* NAT detection (RFC 7296 2.23): the NAT_DETECTION_SOURCE_IP / _DESTINATION_IP hashes in
 * IKE_SA_INIT, and the decision to float to port 4500 and encapsulate ESP in UDP. With
 * force_encap we send a source hash that cannot match, so the peer sees a NAT and both sides
 * encapsulate (what strongSwan's kernel-libipsec needs anyway). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike_sa.h"
#include "log.h"
#include "message_out.h"
#include "task_nat_detection.h"
#include "util.h"

#define NATD_HASH_LEN 20 /* SHA-1 */

static void natd_hash(const uint8_t *spi_i, const uint8_t *spi_r,
		      const struct sockaddr_storage *addr, uint8_t out[NATD_HASH_LEN])
{
	size_t alen;
	const uint8_t *a = sockaddr_addr(addr, &alen);
	uint16_t port = sockaddr_port(addr);
	uint8_t pbuf[2] = {(uint8_t)(port >> 8), (uint8_t)port};
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;

	memset(out, 0, NATD_HASH_LEN);
	if (ctx == NULL)
		return;
	if (!EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) || !EVP_DigestUpdate(ctx, spi_i, 8) ||
	    !EVP_DigestUpdate(ctx, spi_r, 8) || !EVP_DigestUpdate(ctx, a, alen) ||
	    !EVP_DigestUpdate(ctx, pbuf, 2) || !EVP_DigestFinal_ex(ctx, out, &len))
		memset(out, 0, NATD_HASH_LEN);
	EVP_MD_CTX_free(ctx);
}

void nat_detection_build(struct ike_sa *sa, struct message_out *m, const uint8_t *spi_r)
{
	uint8_t src[NATD_HASH_LEN], dst[NATD_HASH_LEN];

	if (sa->peer.force_encap)
		random_bytes(src, sizeof(src));
	else
		natd_hash(sa->spi_i, spi_r, &sa->local, src);
	natd_hash(sa->spi_i, spi_r, &sa->remote, dst);
	message_out_notify(m, IKE_N_NAT_DETECTION_SOURCE_IP, 0, NULL, 0, src, sizeof(src));
	message_out_notify(m, IKE_N_NAT_DETECTION_DESTINATION_IP, 0, NULL, 0, dst, sizeof(dst));
}

void nat_detection_process(struct ike_sa *sa, const struct ike_message *msg)
{
	uint8_t expect_src[NATD_HASH_LEN], expect_dst[NATD_HASH_LEN];
	bool have_src = false, have_dst = false, src_match = false, dst_match = false;

	natd_hash(msg->header.spi_i, msg->header.spi_r, &sa->remote, expect_src);
	natd_hash(msg->header.spi_i, msg->header.spi_r, &sa->local, expect_dst);
	for (size_t i = 0; i < msg->payload_count; i++) {
		const struct ike_payload *p = &msg->payloads[i];

		if (p->type != IKE_PAYLOAD_NOTIFY || p->u.notify.data.len != NATD_HASH_LEN)
			continue;
		if (p->u.notify.type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			have_src = true;
			src_match |=
			    CRYPTO_memcmp(p->u.notify.data.ptr, expect_src, NATD_HASH_LEN) == 0;
		} else if (p->u.notify.type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			have_dst = true;
			dst_match |=
			    CRYPTO_memcmp(p->u.notify.data.ptr, expect_dst, NATD_HASH_LEN) == 0;
		}
	}
	if (!have_src || !have_dst) {
		if (sa->peer.force_encap)
			log_warn("%s: peer does not support NAT-T, cannot force encapsulation",
				 sa_name(sa));
		sa->natt = false;
		return;
	}
	sa->nat_remote = !src_match;
	sa->nat_local = !dst_match;
	sa->natt = sa->nat_remote || sa->nat_local || sa->peer.force_encap;
	log_info("%s: NAT detection: local %s, remote %s%s", sa_name(sa),
		 sa->nat_local ? "behind NAT" : "direct", sa->nat_remote ? "behind NAT" : "direct",
		 sa->peer.force_encap ? " (encapsulation forced)" : "");
}
