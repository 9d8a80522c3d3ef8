/* fuzz_v1_peer.c: the IKEv1 initiator fuzz_espnicd_receive plays against node B: a main mode
 * with PSK built from the IKE library's public IKEv1 pieces (as tests/ike/test_ikev1_exchange.c
 * uses them), so the harness holds the phase-1 keys, then the fuzzer's plaintext chains sent
 * as quick mode and informational messages under them: encrypted with the exchange's IV
 * chain, their HASH(1) or HASH(3) filled in when the chain starts with a HASH payload of the
 * PRF's length, so they reach espnicd's IKEv1 state machines past the integrity check. Only
 * espnicd's public entry point (espnicd_receive) is used on B. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "fuzz_v1_peer.h"
#include "ikev1_crypto.h"

#define GROUP IKE_DH_ECP_256

static const char psk[] = "k3y-k3y-k3y-k3y-k3y";

static struct {
	struct ikev1_phase1_suite suite;
	uint8_t cky_i[8], cky_r[8];
	uint8_t sai_b[512];
	size_t sai_len, pub_len;
	uint8_t gi[IKE_MAX_DH_PUBLIC], gr[IKE_MAX_DH_PUBLIC];
	uint8_t ni[32], nr[64];
	size_t nr_len;
	struct ikev1_sa_keys keys;
	struct ikev1_iv p1_iv;
	/* The current quick mode (or informational) exchange: its ID, IV state, nonces. */
	uint32_t msgid, next_msgid;
	struct ikev1_iv iv;
	uint8_t qm_ni[256], qm_nr[256];
	size_t qm_ni_len, qm_nr_len;
} P;

static const uint8_t nothing[1];

static struct ike_span sp(const void *p, size_t n)
{
	struct ike_span s = {p, n};
	return s;
}

static struct ike_header header(uint8_t exchange, uint32_t msgid)
{
	struct ike_header h = {.major_version = 1, .exchange_type = exchange, .message_id = msgid};

	memcpy(h.spi_i, P.cky_i, 8);
	memcpy(h.spi_r, P.cky_r, 8);
	return h;
}

/* B's answer (the first queued datagram), parsed into msg; false if none. */
static bool answer(const struct v1_link *l, struct ikev1_message *msg, uint8_t *buf, size_t *len)
{
	if (!l->take(l->arg, buf, len))
		return false;
	return ikev1_message_parse(buf, *len, msg) == 0;
}

static int main_mode_1(const struct v1_link *l)
{
	static struct ikev1_sa_payload sa;
	static struct ikev1_message msg;
	static uint8_t wire[4096];
	struct ikev1_payload p = {.type = IKEV1_PAYLOAD_SA, .u.sa = &sa};
	struct ike_header h = header(IKEV1_EXCHANGE_MAIN, 0);
	const struct ikev1_payload *got;
	struct ike_writer w;
	char why[128];
	size_t len;
	int n;

	sa = (struct ikev1_sa_payload){.doi = IKEV1_DOI_IPSEC,
				       .situation = IKEV1_SIT_IDENTITY,
				       .proposal_count = 1,
				       .transform_count = 1};
	sa.proposals[0] = (struct ikev1_proposal){1, IKEV1_PROTO_ISAKMP, 0, {0}, 1, 0};
	sa.transforms[0] = (struct ikev1_transform){.number = 1,
						    .id = IKEV1_KEY_IKE,
						    .encr = IKEV1_ENCR_AES_CBC,
						    .key_length = 128,
						    .hash = IKEV1_HASH_SHA2_256,
						    .auth_method = IKEV1_AUTH_PSK,
						    .group = GROUP,
						    .life_seconds = 28800};
	ike_writer_init(&w, wire, sizeof(wire));
	ike_writer_header(&w, &h);
	ikev1_writer_payload(&w, &p);
	if ((n = ike_writer_finish(&w)) < 0 || ikev1_message_parse(wire, (size_t)n, &msg) < 0 ||
	    (got = ikev1_message_find(&msg, IKEV1_PAYLOAD_SA, 0)) == NULL ||
	    got->body.len > sizeof(P.sai_b) ||
	    ikev1_policy_phase1(&sa.transforms[0], &P.suite, why, sizeof(why)) < 0)
		return -1;
	memcpy(P.sai_b, got->body.ptr, got->body.len);
	P.sai_len = got->body.len;
	l->send(l->arg, wire, (size_t)n);
	len = sizeof(wire);
	if (!answer(l, &msg, wire, &len))
		return -1;
	memcpy(P.cky_r, msg.header.spi_r, 8);
	return 0;
}

static int main_mode_3(const struct v1_link *l, struct ike_dh *dh)
{
	static struct ikev1_message msg;
	static uint8_t wire[4096];
	struct ikev1_payload ke = {.type = IKEV1_PAYLOAD_KE}, nonce = {.type = IKEV1_PAYLOAD_NONCE};
	struct ike_header h = header(IKEV1_EXCHANGE_MAIN, 0);
	const struct ikev1_payload *gr, *nr;
	uint8_t gxy[IKE_MAX_DH_SECRET], skeyid[IKE_MAX_PRF_LEN];
	struct ike_writer w;
	size_t len;
	int n;

	if ((n = ike_dh_public(dh, P.gi, sizeof(P.gi))) < 0 || RAND_bytes(P.ni, 32) != 1)
		return -1;
	P.pub_len = (size_t)n;
	ke.u.ke = sp(P.gi, P.pub_len);
	nonce.u.nonce = sp(P.ni, sizeof(P.ni));
	ike_writer_init(&w, wire, sizeof(wire));
	ike_writer_header(&w, &h);
	ikev1_writer_payload(&w, &ke);
	ikev1_writer_payload(&w, &nonce);
	if ((n = ike_writer_finish(&w)) < 0)
		return -1;
	l->send(l->arg, wire, (size_t)n);
	len = sizeof(wire);
	if (!answer(l, &msg, wire, &len) ||
	    (gr = ikev1_message_find(&msg, IKEV1_PAYLOAD_KE, 0)) == NULL ||
	    (nr = ikev1_message_find(&msg, IKEV1_PAYLOAD_NONCE, 0)) == NULL ||
	    gr->u.ke.len != P.pub_len || nr->u.nonce.len > sizeof(P.nr))
		return -1;
	memcpy(P.gr, gr->u.ke.ptr, P.pub_len);
	memcpy(P.nr, nr->u.nonce.ptr, nr->u.nonce.len);
	P.nr_len = nr->u.nonce.len;
	n = ike_dh_compute(dh, P.gr, P.pub_len, gxy, sizeof(gxy));
	if (n < 0 ||
	    ikev1_skeyid_psk(P.suite.prf, (const uint8_t *)psk, strlen(psk), sp(P.ni, 32),
			     sp(P.nr, P.nr_len), skeyid) < 0 ||
	    ikev1_derive_sa_keys(P.suite.prf, P.suite.encr, skeyid, sp(gxy, (size_t)n), P.cky_i,
				 P.cky_r, &P.keys) < 0 ||
	    ikev1_iv_phase1(P.suite.prf, P.suite.encr, sp(P.gi, P.pub_len), sp(P.gr, P.pub_len),
			    &P.p1_iv) < 0)
		n = -1;
	OPENSSL_cleanse(gxy, sizeof(gxy));
	OPENSSL_cleanse(skeyid, sizeof(skeyid));
	return n < 0 ? -1 : 0;
}

/* Decrypts msg (wire, len octets) with iv into out; *next the IV after it. */
static int open_msg(struct ikev1_message *msg, const struct ikev1_iv *iv, struct ikev1_iv *next,
		    uint8_t *out, size_t cap)
{
	int n = ikev1_decrypt(msg, P.suite.encr, P.keys.encr_key, iv, next, out, cap);

	if (n < 0 || ikev1_message_parse_decrypted(msg, out, (size_t)n) < 0)
		return -1;
	return n;
}

static int main_mode_5(const struct v1_link *l, const uint8_t addr[4])
{
	static struct ikev1_message msg;
	static uint8_t wire[4096], plain[4096];
	struct ikev1_payload id = {.type = IKEV1_PAYLOAD_ID}, hash = {.type = IKEV1_PAYLOAD_HASH};
	struct ike_header h = header(IKEV1_EXCHANGE_MAIN, 0);
	uint8_t value[IKE_MAX_PRF_LEN];
	struct ikev1_iv next;
	struct ike_writer w;
	size_t len;
	int n;

	id.u.id.id_type = IKEV1_ID_IPV4_ADDR;
	id.u.id.protocol = 17;
	id.u.id.port = 500;
	id.u.id.data = sp(addr, 4);
	ike_writer_init(&w, plain, sizeof(plain));
	ikev1_writer_payload(&w, &id);
	if (ikev1_hash_phase1(P.suite.prf, P.keys.skeyid, true, sp(P.gi, P.pub_len),
			      sp(P.gr, P.pub_len), P.cky_i, P.cky_r, sp(P.sai_b, P.sai_len),
			      sp(plain + IKE_GENERIC_HEADER_LEN, w.len - IKE_GENERIC_HEADER_LEN),
			      value) < 0)
		return -1;
	hash.u.hash = sp(value, P.suite.prf->out_len);
	ikev1_writer_payload(&w, &hash);
	if ((n = ike_writer_finish(&w)) < 0)
		return -1;
	ike_writer_init(&w, wire, sizeof(wire));
	ike_writer_header(&w, &h);
	n = ikev1_encrypt(&w, P.suite.encr, P.keys.encr_key, &P.p1_iv, IKEV1_PAYLOAD_ID, plain,
			  (size_t)n);
	if (n < 0)
		return -1;
	l->send(l->arg, wire, (size_t)n);
	/* Message 6: its last block is the phase-1 IV the exchanges after it start from. */
	len = sizeof(wire);
	if (!answer(l, &msg, wire, &len) ||
	    open_msg(&msg, &P.p1_iv, &next, plain, sizeof(plain)) < 0)
		return -1;
	P.p1_iv = next;
	return 0;
}

int v1_peer_establish(const struct v1_link *l, const uint8_t addr[4])
{
	struct ike_dh *dh = NULL;
	int ret;

	memset(&P, 0, sizeof(P));
	memcpy(P.cky_i, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	P.next_msgid = 0x10000000;
	if (ike_dh_new(GROUP, &dh) < 0)
		return -1;
	ret = main_mode_1(l) < 0 || main_mode_3(l, dh) < 0 || main_mode_5(l, addr) < 0 ? -1 : 0;
	ike_dh_free(dh);
	return ret;
}

/* The body of the first payload of type in a chain (IKEv1 generic headers), or NULL. */
static uint8_t *find_payload(uint8_t first, uint8_t *chain, size_t len, uint8_t type,
			     size_t *body_len)
{
	uint8_t t = first;

	for (size_t off = 0; t != 0 && off + 4 <= len;) {
		size_t plen = (size_t)chain[off + 2] << 8 | chain[off + 3];

		if (plen < 4 || plen > len - off)
			return NULL;
		if (t == type) {
			*body_len = plen - 4;
			return chain + off + 4;
		}
		t = chain[off];
		off += plen;
	}
	return NULL;
}

/* B's answers in the current exchange: its nonce (Nr of HASH(3)) and the IV after them. */
static void read_answers(const struct v1_link *l)
{
	static struct ikev1_message msg;
	static uint8_t wire[8192], plain[8192];
	struct ikev1_iv next;
	size_t len = sizeof(wire);

	while (answer(l, &msg, wire, &len)) {
		const struct ikev1_payload *nr;

		len = sizeof(wire);
		if (msg.header.message_id != P.msgid || msg.encrypted.len == 0 ||
		    open_msg(&msg, &P.iv, &next, plain, sizeof(plain)) < 0)
			continue;
		P.iv = next;
		nr = ikev1_message_find(&msg, IKEV1_PAYLOAD_NONCE, 0);
		if (nr != NULL && nr->u.nonce.len <= sizeof(P.qm_nr)) {
			memcpy(P.qm_nr, nr->u.nonce.ptr, nr->u.nonce.len);
			P.qm_nr_len = nr->u.nonce.len;
		}
	}
}

static const uint8_t v1_exchanges[4] = {IKEV1_EXCHANGE_QUICK, IKEV1_EXCHANGE_INFORMATIONAL,
					IKEV1_EXCHANGE_MAIN, IKEV1_EXCHANGE_AGGRESSIVE};

void v1_peer_send(const struct v1_link *l, uint8_t ctl, uint8_t first, uint8_t *plain, size_t len)
{
	static uint8_t wire[70000];
	struct ike_header h;
	size_t hash_len = 0, ni_len = 0;
	uint8_t *hash = NULL, *ni;
	struct ike_writer w;
	uint32_t msgid;
	int n;

	switch ((ctl >> 4) & 3) {
	case 0: /* a new exchange */
		msgid = P.next_msgid++;
		break;
	case 1: /* the current one */
		msgid = P.msgid;
		break;
	case 2: /* phase 1's */
		msgid = 0;
		break;
	default:
		msgid = 0xffffffff;
		break;
	}
	if (msgid != P.msgid || (ctl >> 4 & 3) == 0) {
		P.msgid = msgid;
		P.qm_ni_len = P.qm_nr_len = 0;
		if (ikev1_iv_exchange(P.suite.prf, &P.p1_iv, msgid, &P.iv) < 0)
			return;
	}
	if (first == IKEV1_PAYLOAD_HASH && len >= 4)
		hash = find_payload(first, plain, len, IKEV1_PAYLOAD_HASH, &hash_len);
	if (hash != NULL && hash_len == P.suite.prf->out_len) {
		size_t plen = (size_t)plain[2] << 8 | plain[3];

		if (ctl & 4) /* HASH(3) */
			ikev1_hash_quick3(P.suite.prf, P.keys.skeyid_a, msgid,
					  sp(P.qm_ni, P.qm_ni_len), sp(P.qm_nr, P.qm_nr_len), hash);
		else /* HASH(1) over the rest of the chain */
			ikev1_hash_msgid(P.suite.prf, P.keys.skeyid_a, msgid, sp(nothing, 0),
					 sp(plain + plen, len - plen), hash);
	}
	if (!(ctl & 4) &&
	    (ni = find_payload(first, plain, len, IKEV1_PAYLOAD_NONCE, &ni_len)) != NULL &&
	    ni_len <= sizeof(P.qm_ni)) {
		memcpy(P.qm_ni, ni, ni_len);
		P.qm_ni_len = ni_len;
	}
	h = header(v1_exchanges[ctl & 3], msgid);
	ike_writer_init(&w, wire, sizeof(wire));
	ike_writer_header(&w, &h);
	n = ikev1_encrypt(&w, P.suite.encr, P.keys.encr_key, &P.iv, first, plain, len);
	if (n < 0)
		return;
	l->send(l->arg, wire, (size_t)n);
	read_answers(l);
}

void v1_peer_wipe(void)
{
	OPENSSL_cleanse(&P, sizeof(P));
}
