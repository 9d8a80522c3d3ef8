/* fuzz_espnicd_receive.c: libFuzzer target for espnicd's receive path behind the integrity
 * check: the fuzzer's bytes are the plaintext payload chains of IKEv2 messages that this
 * harness seals (SK, or SKF fragments of RFC 7383) with the keys of an IKE_SA set up in
 * process, so the decrypted payload parsers, the fragment reassembly and the exchanges' state
 * machines of the responder are reached, not just the outer parser.
 *
 * Per input, a fresh two-node bench (tests/espnicd/harness.c): A initiates to B over the
 * in-memory network. A is then silenced and the fuzzer speaks with A's keys (white-box: A's
 * struct ike_sa) to B, the node under test; what B sends is discarded.
 *
 * Input: byte 0 picks the scene, the rest is a sequence of records.
 *   scene & 1 == 0: the IKE_SA is ESTABLISHED (IKE_AUTH done, one CHILD_SA);
 *   scene & 1 == 1: half-open: B answered IKE_SA_INIT, A's IKE_AUTH request was taken off
 *     the wire; the fuzzer's IKE_AUTH request reaches B's authentication. An AUTH payload as
 *     long as A's real one gets A's real AUTH data spliced in (the fuzzer cannot compute
 *     it: it covers the random Diffie-Hellman values), so a well-formed chain authenticates
 *     and the SA, TS and configuration payloads are processed further;
 *   scene & 4: B is the initiator of the IKE_SA and the fuzzer speaks as its responder (the
 *     half-open scene then has B waiting for the IKE_AUTH response, A's real one taken off
 *     the wire, its AUTH spliced into the fuzzer's as above: the initiator's side of IKE_AUTH);
 *   scene & 2: IKEv1 instead (scene & 1 is then unused): B alone, a "version": 1 peer; the
 *     harness plays the initiator (fuzz_v1_peer.c) through main mode with PSK, then each
 *     record is a quick mode or informational message under the phase-1 keys.
 * A record: ctl, first payload type, length (16 bits, big endian), then that many octets of
 * plaintext (fewer if the input ends).
 *   ctl & 3: exchange: INFORMATIONAL, CREATE_CHILD_SA, IKE_AUTH, IKE_INTERMEDIATE (43,
 *     unknown to espnicd);
 *   ctl & 4: a response (to B's outstanding request) rather than a request;
 *   ctl & 8: an SKF fragment: the first two plaintext octets are its number and total;
 *   (ctl >> 4) & 3: message ID: the one B expects (its peer's next request, or its own
 *     outstanding request), that minus one (a retransmission), plus one, or 0;
 *   ctl & 64: first advance the clock to B's next timer and run it (DPD, rekeying,
 *     retransmission, expiry: B then has a request of its own to answer);
 *   ctl & 128: the datagram arrives on port 4500 from port 4500 (NAT-T).
 * In the IKEv1 scene: ctl & 3: quick mode, informational, main mode, aggressive mode;
 *   ctl & 4: a chain that starts with a HASH payload of the PRF's length gets HASH(3) of the
 *     current quick mode (else HASH(1) over the rest of the chain);
 *   (ctl >> 4) & 3: message ID: a new exchange's, the current one's, 0, 0xffffffff;
 *   ctl & 64 as above.
 *
 * OpenSSL's RAND_bytes is made deterministic per input (SPIs, nonces, IVs), so a saved
 * input replays alike; key pairs come from OpenSSL's providers and stay random, which only
 * changes the key values. ESPNIC_FUZZ_SEED (a file name) writes A's IKE_AUTH plaintext chain
 * as a half-open scene record there (how the corpus seeds began). */
#define OPENSSL_SUPPRESS_DEPRECATED /* RAND_set_rand_method: the one way to fix RAND_bytes */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "fuzz_records.h"
#include "fuzz_v1_peer.h"
#include "harness.h"
#include "ike/ike_sa.h"
#include "ike_message.h"
#include "ike_sk.h"

#define A_ADDR "198.18.0.1"
#define B_ADDR "198.18.0.2"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* splitmix64 from a fixed seed, reset per input. */
static uint64_t rand_state;

static int det_bytes(unsigned char *buf, int num)
{
	for (int i = 0; i < num; i += 8) {
		uint64_t z = (rand_state += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		for (int j = 0; j < 8 && i + j < num; j++)
			buf[i + j] = (uint8_t)(z >> (8 * j));
	}
	return 1;
}

static int det_status(void)
{
	return 1;
}

static const RAND_METHOD det_method = {
    .bytes = det_bytes,
    .pseudorand = det_bytes,
    .status = det_status,
};

static const char *config_a(void)
{
	return "{\"listen\": \"" A_ADDR "\", \"retransmit_timeout\": 1, \"peers\": [{\"name\": "
	       "\"peer\", \"remote_addr\": \"" B_ADDR "\", \"local_ts\": [\"198.18.1.0/24\"], "
	       "\"remote_ts\": [\"198.18.2.0/24\"]}]";
}

/* B rekeys, probes and expires on its own when the clock is advanced. */
static const char *config_b(void)
{
	return "{\"listen\": \"" B_ADDR "\", \"retransmit_timeout\": 1, \"retransmit_tries\": 2, "
	       "\"peers\": [{\"name\": \"peer\", \"remote_addr\": \"" A_ADDR "\", "
	       "\"local_ts\": [\"198.18.2.0/24\"], \"remote_ts\": [\"198.18.1.0/16\"], "
	       "\"dpd_delay\": 10, \"child_rekey_time\": 30, \"child_life_time\": 40, "
	       "\"ike_rekey_time\": 60}]";
}

/* The same with IKEv1 (the harness offers AES-CBC-128, SHA2-256, ECP-256). */
static const char *config_b_v1(void)
{
	return "{\"listen\": \"" B_ADDR "\", \"retransmit_timeout\": 1, \"retransmit_tries\": 2, "
	       "\"peers\": [{\"name\": \"peer\", \"remote_addr\": \"" A_ADDR "\", \"version\": 1, "
	       "\"ike_proposals\": [\"aes128-sha256-ecp256\"], "
	       "\"local_ts\": [\"198.18.2.0/24\"], \"remote_ts\": [\"198.18.1.0/16\"], "
	       "\"dpd_delay\": 10, \"child_rekey_time\": 30, \"child_life_time\": 40, "
	       "\"ike_rekey_time\": 60}]";
}

/* The node under test: 1 (A is 0), or 0 in the IKEv1 scene. */
static int b_node;

static struct ike_sa *sa_of(int node, const uint8_t *spi_i)
{
	for (struct ike_sa *sa = H->nodes[node].core->sas; sa != NULL; sa = sa->next)
		if (spi_i == NULL || memcmp(sa->spi_i, spi_i, IKE_SPI_LEN) == 0)
			return sa;
	return NULL;
}

/* The AUTH payload data of A's IKE_AUTH request or response (decrypted with B's receive keys) and
 * its whole plaintext chain. */
static uint8_t auth_plain[8192], auth_data[1024];
static size_t auth_plain_len, auth_data_len;
static uint8_t auth_first;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_espnicd_receive: the bench did not set up: %s\n", what);
	abort();
}

/* Walks a plaintext chain: calls fn for each payload (type, its octets after the generic
 * header); stops at anything that does not fit. */
static void walk(uint8_t first, uint8_t *chain, size_t len,
		 void (*fn)(uint8_t type, uint8_t *body, size_t body_len))
{
	uint8_t type = first;

	for (size_t off = 0; type != 0 && off + 4 <= len;) {
		size_t plen = (size_t)chain[off + 2] << 8 | chain[off + 3];

		if (plen < 4 || plen > len - off)
			return;
		fn(type, chain + off + 4, plen - 4);
		type = chain[off];
		off += plen;
	}
}

static void take_auth(uint8_t type, uint8_t *body, size_t len)
{
	if (type == IKE_PAYLOAD_AUTH && len <= sizeof(auth_data)) {
		memcpy(auth_data, body, len);
		auth_data_len = len;
	}
}

static void put_auth(uint8_t type, uint8_t *body, size_t len)
{
	if (type == IKE_PAYLOAD_AUTH && len == auth_data_len)
		memcpy(body, auth_data, len);
}

static void keep_auth_message(const struct h_packet *p)
{
	static struct ike_message msg;
	const struct ike_payload *sk = NULL;
	struct ike_sa *b = sa_of(1, NULL);
	int n;

	if (b == NULL || ike_message_parse(p->data, p->len, &msg) < 0 ||
	    (sk = ike_message_find(&msg, IKE_PAYLOAD_SK)) == NULL)
		fail("A's IKE_AUTH message");
	n = ike_sk_decrypt(p->data, p->len, sk, &b->sk_recv, auth_plain, sizeof(auth_plain));
	if (n < 0)
		fail("A's IKE_AUTH message does not decrypt");
	auth_plain_len = (size_t)n;
	auth_first = sk->next_payload;
	auth_data_len = 0;
	walk(auth_first, auth_plain, auth_plain_len, take_auth);
}

static void write_seed(bool b_initiates)
{
	const char *path = getenv("ESPNIC_FUZZ_SEED");
	FILE *f;

	if (path == NULL || (f = fopen(path, "wb")) == NULL)
		return;
	/* the half-open scene; one record: IKE_AUTH (request, or response to B), expected ID */
	fputc(b_initiates ? 5 : 1, f);
	fputc(b_initiates ? 2 | 4 : 2, f);
	fputc(auth_first, f);
	fputc((int)(auth_plain_len >> 8), f);
	fputc((int)(auth_plain_len & 0xff), f);
	fwrite(auth_plain, 1, auth_plain_len, f);
	fclose(f);
}

/* Both nodes, A or B initiating; half_open stops with A's IKE_AUTH request, or its answer
 * to B's, taken off the wire. */
static void set_up(bool half_open, bool b_initiates)
{
	struct h_packet *p;

	h_setup();
	h_node_add(A_ADDR, config_a(), "k3y-k3y-k3y-k3y-k3y");
	h_node_add(B_ADDR, config_b(), "k3y-k3y-k3y-k3y-k3y");
	if (espnicd_initiate(H->nodes[b_initiates ? 1 : 0].core, "peer") < 0)
		fail("initiate");
	if (!half_open) {
		h_pump();
		if (sa_of(1, NULL) == NULL || sa_of(1, NULL)->state != IKE_SA_ESTABLISHED)
			fail("B's IKE_SA is not established");
		return;
	}
	for (int i = 0; i < 2; i++) /* IKE_SA_INIT request and response */
		if ((p = h_take()) == NULL)
			fail("IKE_SA_INIT");
		else
			h_deliver(p);
	if (b_initiates) { /* B's IKE_AUTH request to A */
		if ((p = h_take()) == NULL || H->queued != 0)
			fail("B's IKE_AUTH request (one datagram)");
		h_deliver(p);
	}
	if ((p = h_take()) == NULL || H->queued != 0)
		fail("A's IKE_AUTH message (one datagram)");
	keep_auth_message(p);
	write_seed(b_initiates);
}

static void run_b_timer(void)
{
	uint64_t t = espnicd_next_timer(H->nodes[b_node].core);

	if (t == UINT64_MAX)
		return;
	if (t > H->now)
		H->now = t;
	espnicd_run_timers(H->nodes[b_node].core);
}

static const uint8_t exchanges[4] = {IKE_EXCHANGE_INFORMATIONAL, IKE_EXCHANGE_CREATE_CHILD_SA,
				     IKE_EXCHANGE_IKE_AUTH, 43};

/* One record: sealed with A's send keys and received by B. */
static void send_record(struct ike_sa *a, uint8_t ctl, uint8_t first, uint8_t *plain, size_t len,
			bool half_open)
{
	static uint8_t buf[70000];
	struct sockaddr_storage from, to;
	struct ike_sa *b;
	struct ike_header hdr = {
	    .major_version = 2,
	    .exchange_type = exchanges[ctl & 3],
	    .flags = a->initiator ? IKE_FLAG_INITIATOR : 0,
	};
	uint16_t port = ctl & 128 ? 4500 : 500;
	uint32_t id = 0;
	uint8_t num = 1, total = 1;
	size_t skip = 0;
	struct ike_writer w;
	int n;

	if (ctl & 64)
		run_b_timer(); /* which may end B's SA */
	b = sa_of(b_node, a->spi_i);
	if (ctl & 4)
		hdr.flags |= IKE_FLAG_RESPONSE;
	/* B's SA may be gone (deleted, expired); its last IDs still name the message. */
	if (b != NULL)
		id = ctl & 4 ? b->request.id : b->expected_peer_id;
	switch ((ctl >> 4) & 3) {
	case 1:
		id--;
		break;
	case 2:
		id++;
		break;
	case 3:
		id = 0;
		break;
	}
	hdr.message_id = id;
	memcpy(hdr.spi_i, a->spi_i, IKE_SPI_LEN);
	memcpy(hdr.spi_r, a->spi_r, IKE_SPI_LEN);
	if (ctl & 8) { /* number and total first */
		num = len > 0 ? plain[0] : 1;
		total = len > 1 ? plain[1] : 1;
		skip = len < 2 ? len : 2;
	}
	if (half_open && hdr.exchange_type == IKE_EXCHANGE_IKE_AUTH && num == 1)
		walk(first, plain + skip, len - skip, put_auth);
	ike_writer_init(&w, buf, sizeof(buf));
	ike_writer_header(&w, &hdr);
	if (ctl & 8)
		n = ike_skf_encrypt(&w, &a->sk_send, num == 1 ? first : 0, num, total, plain + skip,
				    len - skip);
	else
		n = ike_sk_encrypt(&w, &a->sk_send, first, plain, len);
	if (n < 0) /* the writer refuses what it cannot encode (fragment 0, beyond total) */
		return;
	h_parse_addr(A_ADDR, port, &from);
	h_parse_addr(B_ADDR, port, &to);
	espnicd_receive(H->nodes[1].core, &to, &from, buf, (size_t)n);
	H->queued = 0; /* what B answers or sends goes nowhere */
}

static void v1_send(void *arg, const uint8_t *msg, size_t len)
{
	struct sockaddr_storage from, to;

	(void)arg;
	h_parse_addr(A_ADDR, 500, &from);
	h_parse_addr(B_ADDR, 500, &to);
	espnicd_receive(H->nodes[b_node].core, &to, &from, msg, len);
}

static bool v1_take(void *arg, uint8_t *buf, size_t *len)
{
	struct h_packet *p = h_take();

	(void)arg;
	if (p == NULL || p->len > *len)
		return false;
	memcpy(buf, p->data, p->len);
	*len = p->len;
	return true;
}

static const struct v1_link v1_link = {.send = v1_send, .take = v1_take};

/* The IKEv1 scene: B and the harness's main mode with it. */
static void set_up_v1(void)
{
	static const uint8_t a_addr[4] = {198, 18, 0, 1};

	h_setup();
	b_node = h_node_add(B_ADDR, config_b_v1(), "k3y-k3y-k3y-k3y-k3y");
	if (v1_peer_establish(&v1_link, a_addr) < 0 || sa_of(b_node, NULL) == NULL ||
	    sa_of(b_node, NULL)->state != IKE_SA_ESTABLISHED)
		fail("IKEv1 main mode");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t plain[65536];
	struct fuzz_record r;
	size_t off = 1;
	struct ike_sa *a;
	bool half_open;

	if (size < 1)
		return 0;
	rand_state = 0x65737061; /* the same SPIs and nonces for every input */
	RAND_set_rand_method(&det_method);
	if (data[0] & 2) {
		set_up_v1();
		while (fuzz_record_next(data, size, &off, &r)) {
			memcpy(plain, r.body, r.len);
			if (r.op & 64)
				run_b_timer();
			v1_peer_send(&v1_link, r.op, r.arg, plain, r.len);
			H->queued = 0;
		}
		v1_peer_wipe();
		h_teardown();
		RAND_set_rand_method(NULL);
		return 0;
	}
	half_open = data[0] & 1;
	b_node = 1;
	set_up(half_open, data[0] & 4);
	a = sa_of(0, NULL);
	while (fuzz_record_next(data, size, &off, &r)) {
		memcpy(plain, r.body, r.len); /* sealed in place (the AUTH splice) */
		send_record(a, r.op, r.arg, plain, r.len, half_open);
	}
	h_teardown();
	RAND_set_rand_method(NULL);
	return 0;
}
