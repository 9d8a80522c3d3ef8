/* Unit tests of the IKEv1 (ISAKMP) parser and writer: reference main mode, quick mode and
 * informational messages packed by an independent script (gen_ikev1_vectors.py), a round
 * trip per payload type, every payload fed truncated, oversized, zero-length and random
 * input, and the header, SA and per-payload rules. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "ikev1_message.h"
#include "test_util.h"

static struct ikev1_message msg;
static uint8_t buf[4096];

static size_t vec(const char *key, uint8_t *out, size_t cap)
{
	int n = test_vector_hex(IKEV1_VECTORS, "messages", key, out, cap);

	if (n <= 0)
		fail_msg("vector %s missing", key);
	return (size_t)n;
}

static void test_main_mode_1(void **state)
{
	size_t len = vec("mm1", buf, sizeof(buf));
	const struct ikev1_sa_payload *sa;
	const struct ikev1_transform *t;
	const struct ikev1_payload *p;

	(void)state;
	assert_int_equal(ikev1_message_parse(buf, len, &msg), 0);
	assert_int_equal(msg.header.exchange_type, IKEV1_EXCHANGE_MAIN);
	assert_int_equal(msg.header.major_version, 1);
	assert_int_equal(msg.payload_count, 4);
	p = ikev1_message_find(&msg, IKEV1_PAYLOAD_SA, 0);
	assert_non_null(p);
	sa = p->u.sa;
	assert_int_equal(sa->doi, IKEV1_DOI_IPSEC);
	assert_int_equal(sa->proposal_count, 1);
	assert_int_equal(sa->proposals[0].protocol, IKEV1_PROTO_ISAKMP);
	assert_int_equal(sa->proposals[0].transform_count, 2);
	t = &sa->transforms[0];
	assert_int_equal(t->id, IKEV1_KEY_IKE);
	assert_int_equal(t->encr, IKEV1_ENCR_AES_CBC);
	assert_int_equal(t->key_length, 256);
	assert_int_equal(t->hash, IKEV1_HASH_SHA2_256);
	assert_int_equal(t->group, 14);
	assert_int_equal(t->auth_method, IKEV1_AUTH_PSK);
	assert_int_equal(t->life_seconds, 28800);
	assert_false(t->unknown_attribute);
	t = &sa->transforms[1];
	assert_int_equal(t->number, 2);
	assert_int_equal(t->group, 19);
	assert_int_equal(t->auth_method, IKEV1_AUTH_RSA_SIG);
	assert_int_equal(t->life_seconds, 86400); /* the 4-octet TLV */
	assert_int_equal(
	    ikev1_vendor_id_kind(ikev1_message_find(&msg, IKEV1_PAYLOAD_VENDOR_ID, 0)->u.vendor_id),
	    IKEV1_VENDOR_NAT_T_RFC3947);
	assert_int_equal(
	    ikev1_vendor_id_kind(ikev1_message_find(&msg, IKEV1_PAYLOAD_VENDOR_ID, 1)->u.vendor_id),
	    IKEV1_VENDOR_DPD);
	assert_int_equal(
	    ikev1_vendor_id_kind(ikev1_message_find(&msg, IKEV1_PAYLOAD_VENDOR_ID, 2)->u.vendor_id),
	    IKEV1_VENDOR_UNKNOWN);
	assert_null(ikev1_message_find(&msg, IKEV1_PAYLOAD_VENDOR_ID, 3));
}

/* Writing every decoded payload back reproduces the independent bytes exactly. */
static void rewrite_and_compare(const uint8_t *ref, size_t len, bool with_header)
{
	uint8_t out[4096];
	struct ike_writer w;
	size_t i;

	ike_writer_init(&w, out, sizeof(out));
	if (with_header)
		assert_int_equal(ike_writer_header(&w, &msg.header), 0);
	for (i = 0; i < msg.payload_count; i++)
		assert_int_equal(ikev1_writer_payload(&w, &msg.payloads[i]), 0);
	assert_int_equal(ike_writer_finish(&w), (int)len);
	assert_memory_equal(out, ref, len);
}

static void test_writer_matches_reference(void **state)
{
	uint8_t hdr[64];
	size_t len = vec("mm1", buf, sizeof(buf)), plen;

	(void)state;
	assert_int_equal(ikev1_message_parse(buf, len, &msg), 0);
	rewrite_and_compare(buf, len, true);
	/* The quick mode plaintext, without its padding. */
	vec("qm1_header", hdr, sizeof(hdr));
	assert_int_equal(ikev1_message_parse(hdr, IKE_HEADER_LEN, &msg), -EBADMSG);
	plen = vec("qm1_plain", buf, sizeof(buf));
	test_set_length(hdr, IKE_HEADER_LEN + plen);
	memcpy(hdr + IKE_HEADER_LEN, buf, 16);
	assert_int_equal(ikev1_message_parse(hdr, IKE_HEADER_LEN + 16, &msg), -EBADMSG);
	assert_int_equal(ikev1_header_parse(hdr, IKE_HEADER_LEN, &msg.header, NULL), 0);
	assert_int_equal(ikev1_message_parse_decrypted(&msg, buf, plen), 0);
	assert_true(msg.padding > 0 && msg.padding < 16);
	rewrite_and_compare(buf, plen - msg.padding, false);
}

static void test_quick_mode_1(void **state)
{
	uint8_t hdr[64], after[1024];
	size_t plen, alen;
	const struct ikev1_payload *hash, *id;
	const struct ikev1_sa_payload *sa;
	const struct ikev1_transform *t;
	struct ike_span rest;

	(void)state;
	vec("qm1_header", hdr, sizeof(hdr));
	plen = vec("qm1_plain", buf, sizeof(buf));
	alen = vec("qm1_after_hash", after, sizeof(after));
	assert_int_equal(ikev1_header_parse(hdr, IKE_HEADER_LEN, &msg.header, NULL), 0);
	assert_int_equal(msg.header.exchange_type, IKEV1_EXCHANGE_QUICK);
	assert_int_equal(msg.header.message_id, 0x3a5b7c9d);
	assert_int_equal(ikev1_message_parse_decrypted(&msg, buf, plen), 0);
	assert_int_equal(msg.payload_count, 6);
	hash = ikev1_message_find(&msg, IKEV1_PAYLOAD_HASH, 0);
	assert_ptr_equal(hash, &msg.payloads[0]);
	rest = ikev1_message_after(&msg, hash);
	assert_int_equal(rest.len, alen);
	assert_memory_equal(rest.ptr, after, alen);
	sa = ikev1_message_find(&msg, IKEV1_PAYLOAD_SA, 0)->u.sa;
	assert_int_equal(sa->proposal_count, 2);
	assert_int_equal(sa->transform_count, 3);
	assert_int_equal(sa->proposals[0].spi_size, 4);
	assert_int_equal(sa->proposals[0].spi[3], 0x01);
	assert_int_equal(sa->proposals[1].first_transform, 2);
	t = &sa->transforms[0];
	assert_int_equal(t->id, IKEV1_ESP_AES_GCM_16);
	assert_int_equal(t->life_seconds, 3600);
	assert_int_equal(t->life_kilobytes, 4608000);
	assert_int_equal(t->encap_mode, IKEV1_ENCAP_TUNNEL);
	assert_int_equal(t->key_length, 256);
	assert_int_equal(t->group, 19);
	assert_int_equal(sa->transforms[1].auth_alg, IKEV1_AUTH_ALG_HMAC_SHA2_256);
	assert_int_equal(sa->transforms[2].encap_mode, IKEV1_ENCAP_UDP_TUNNEL);
	id = ikev1_message_find(&msg, IKEV1_PAYLOAD_ID, 0);
	assert_int_equal(id->u.id.id_type, IKEV1_ID_IPV4_ADDR_SUBNET);
	assert_int_equal(id->u.id.prefix_len, 16);
	assert_memory_equal(id->u.id.start, "\xc6\x12\x00\x00", 4);
	assert_memory_equal(id->u.id.end, "\xc6\x12\xff\xff", 4);
	id = ikev1_message_find(&msg, IKEV1_PAYLOAD_ID, 1);
	assert_int_equal(id->u.id.id_type, IKEV1_ID_IPV6_ADDR_RANGE);
	assert_int_equal(id->u.id.protocol, 17);
	assert_int_equal(id->u.id.port, 500);
	assert_int_equal(id->u.id.end[15], 0xff);
	/* A quick mode must start with HASH. */
	assert_int_equal(ikev1_message_parse_decrypted(&msg, buf + 24, plen - 24), -EBADMSG);
	assert_int_equal(msg.notify, IKEV1_N_INVALID_HASH_INFORMATION);
}

static void test_informational(void **state)
{
	uint8_t hdr[64];
	size_t plen;
	const struct ikev1_notify_payload *n;
	const struct ikev1_payload *d;

	(void)state;
	vec("qm1_header", hdr, sizeof(hdr));
	hdr[18] = IKEV1_EXCHANGE_INFORMATIONAL;
	plen = vec("info_plain", buf, sizeof(buf));
	assert_int_equal(ikev1_header_parse(hdr, IKE_HEADER_LEN, &msg.header, NULL), 0);
	assert_int_equal(ikev1_message_parse_decrypted(&msg, buf, plen), 0);
	n = ikev1_message_find_notify(&msg, IKEV1_N_DPD_R_U_THERE);
	assert_non_null(n);
	assert_int_equal(n->spi_size, 16);
	assert_int_equal(n->data.len, 4);
	assert_int_equal(n->data.ptr[3], 7);
	d = ikev1_message_find(&msg, IKEV1_PAYLOAD_DELETE, 0);
	assert_int_equal(d->u.del.protocol, IKEV1_PROTO_IPSEC_ESP);
	assert_int_equal(d->u.del.spi_count, 2);
	assert_int_equal(msg.padding, 0);
}

static const struct ike_header test_header = {
    .spi_i = {1, 2, 3, 4, 5, 6, 7, 8},
    .spi_r = {9, 10, 11, 12, 13, 14, 15, 16},
    .major_version = 1,
    .exchange_type = IKEV1_EXCHANGE_MAIN,
};

static const uint8_t blob[300] = {0x30, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
static const uint8_t subnet6[32] = {0x20, 1,	0xd,  0xb8, [16] = 0xff, 0xff,
				    0xff, 0xff, 0xff, 0xff, 0xff,	 0xff};
static struct ikev1_sa_payload sample_sa;

#define MAX_SAMPLES 20

/* One valid example of every payload type (ID in each of its forms). */
static size_t sample_payloads(struct ikev1_payload *p)
{
	static const struct {
		uint8_t type;
		const uint8_t *data;
		size_t len;
	} ids[] = {
	    {IKEV1_ID_IPV4_ADDR, (const uint8_t *)"\xc6\x12\x00\x01", 4},
	    {IKEV1_ID_IPV6_ADDR_SUBNET, subnet6, 32},
	    {IKEV1_ID_IPV4_ADDR_RANGE, (const uint8_t *)"\xc6\x12\x00\x01\xc6\x12\x00\x09", 8},
	    {IKEV1_ID_FQDN, (const uint8_t *)"gw.example.net", 14},
	    {IKEV1_ID_USER_FQDN, (const uint8_t *)"vpn@example.net", 15},
	    {IKEV1_ID_DER_ASN1_DN, blob, 40},
	};
	size_t n = 0, i;

	memset(p, 0, MAX_SAMPLES * sizeof(*p));
	memset(&sample_sa, 0, sizeof(sample_sa));
	sample_sa.doi = IKEV1_DOI_IPSEC;
	sample_sa.situation = IKEV1_SIT_IDENTITY;
	sample_sa.proposal_count = 2;
	sample_sa.transform_count = 3;
	sample_sa.proposals[0] =
	    (struct ikev1_proposal){1, IKEV1_PROTO_IPSEC_ESP, 4, {0xc0, 1, 2}, 2, 0};
	sample_sa.proposals[1] =
	    (struct ikev1_proposal){2, IKEV1_PROTO_IPSEC_ESP, 4, {0xc0, 1, 3}, 1, 2};
	sample_sa.transforms[0] = (struct ikev1_transform){.number = 1,
							   .id = IKEV1_ESP_AES_CBC,
							   .auth_alg = IKEV1_AUTH_ALG_HMAC_SHA2_256,
							   .encap_mode = IKEV1_ENCAP_TUNNEL,
							   .key_length = 256,
							   .group = 14,
							   .life_seconds = 3600,
							   .life_kilobytes = 0x123456789aULL,
							   .esn = 1};
	sample_sa.transforms[1] = (struct ikev1_transform){
	    .number = 2, .id = IKEV1_ESP_AES_GCM_16, .key_length = 128, .life_kilobytes = 70000};
	sample_sa.transforms[2] = (struct ikev1_transform){.number = 1,
							   .id = IKEV1_ESP_AES_CBC,
							   .auth_alg = IKEV1_AUTH_ALG_HMAC_SHA1,
							   .encap_mode = IKEV1_ENCAP_UDP_TUNNEL,
							   .key_length = 128};
	p[n].type = IKEV1_PAYLOAD_SA;
	p[n++].u.sa = &sample_sa;
	p[n].type = IKEV1_PAYLOAD_KE;
	p[n++].u.ke = (struct ike_span){blob, 256};
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		p[n].type = IKEV1_PAYLOAD_ID;
		p[n].u.id.id_type = ids[i].type;
		p[n].u.id.protocol = 17;
		p[n].u.id.port = 500;
		p[n++].u.id.data = (struct ike_span){ids[i].data, ids[i].len};
	}
	p[n].type = IKEV1_PAYLOAD_CERT;
	p[n].u.cert.encoding = 4;
	p[n++].u.cert.data = (struct ike_span){blob, 200};
	p[n].type = IKEV1_PAYLOAD_CERTREQ;
	p[n].u.cert.encoding = 4;
	p[n++].u.cert.data = (struct ike_span){blob, 30};
	p[n].type = IKEV1_PAYLOAD_HASH;
	p[n++].u.hash = (struct ike_span){blob, 32};
	p[n].type = IKEV1_PAYLOAD_SIG;
	p[n++].u.sig = (struct ike_span){blob, 256};
	p[n].type = IKEV1_PAYLOAD_NONCE;
	p[n++].u.nonce = (struct ike_span){blob, 32};
	p[n].type = IKEV1_PAYLOAD_NOTIFY;
	p[n].u.notify = (struct ikev1_notify_payload){
	    IKEV1_DOI_IPSEC, IKEV1_PROTO_ISAKMP, 16, IKEV1_N_DPD_R_U_THERE, {blob, 16}, {blob, 4}};
	n++;
	p[n].type = IKEV1_PAYLOAD_DELETE;
	p[n].u.del =
	    (struct ikev1_delete_payload){IKEV1_DOI_IPSEC, IKEV1_PROTO_IPSEC_ESP, 4, 3, {blob, 12}};
	n++;
	p[n].type = IKEV1_PAYLOAD_VENDOR_ID;
	p[n++].u.vendor_id = (struct ike_span){ikev1_vid_dpd, IKEV1_VID_LEN};
	p[n].type = IKEV1_PAYLOAD_NAT_D;
	p[n++].u.nat_d = (struct ike_span){blob, 20};
	p[n].type = IKEV1_PAYLOAD_NAT_OA;
	p[n].u.nat_oa.id_type = IKEV1_ID_IPV4_ADDR;
	p[n++].u.nat_oa.addr = (struct ike_span){blob, 4};
	assert_true(n <= MAX_SAMPLES);
	return n;
}

/* A cleartext message of test_header and count payloads; returns its length. */
static size_t write_chain(const struct ikev1_payload *p, size_t count, uint8_t *out, size_t cap)
{
	struct ike_writer w;
	size_t i;
	int len;

	ike_writer_init(&w, out, cap);
	assert_int_equal(ike_writer_header(&w, &test_header), 0);
	for (i = 0; i < count; i++)
		assert_int_equal(ikev1_writer_payload(&w, &p[i]), 0);
	len = ike_writer_finish(&w);
	assert_true(len > IKE_HEADER_LEN);
	return (size_t)len;
}

static size_t write_one(const struct ikev1_payload *p, uint8_t *out, size_t cap)
{
	return write_chain(p, 1, out, cap);
}

static void compare_payload(const struct ikev1_payload *a, const struct ikev1_payload *b)
{
	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case IKEV1_PAYLOAD_SA:
		assert_memory_equal(a->u.sa, b->u.sa, sizeof(*a->u.sa));
		break;
	case IKEV1_PAYLOAD_ID:
		assert_int_equal(a->u.id.id_type, b->u.id.id_type);
		assert_int_equal(a->u.id.protocol, b->u.id.protocol);
		assert_int_equal(a->u.id.port, b->u.id.port);
		assert_true(test_span_equal(a->u.id.data, b->u.id.data));
		break;
	case IKEV1_PAYLOAD_CERT:
	case IKEV1_PAYLOAD_CERTREQ:
		assert_int_equal(a->u.cert.encoding, b->u.cert.encoding);
		assert_true(test_span_equal(a->u.cert.data, b->u.cert.data));
		break;
	case IKEV1_PAYLOAD_NOTIFY:
		assert_int_equal(a->u.notify.doi, b->u.notify.doi);
		assert_int_equal(a->u.notify.protocol, b->u.notify.protocol);
		assert_int_equal(a->u.notify.type, b->u.notify.type);
		assert_true(test_span_equal(a->u.notify.spi, b->u.notify.spi));
		assert_true(test_span_equal(a->u.notify.data, b->u.notify.data));
		break;
	case IKEV1_PAYLOAD_DELETE:
		assert_int_equal(a->u.del.protocol, b->u.del.protocol);
		assert_int_equal(a->u.del.spi_count, b->u.del.spi_count);
		assert_true(test_span_equal(a->u.del.spis, b->u.del.spis));
		break;
	case IKEV1_PAYLOAD_NAT_OA:
		assert_int_equal(a->u.nat_oa.id_type, b->u.nat_oa.id_type);
		assert_true(test_span_equal(a->u.nat_oa.addr, b->u.nat_oa.addr));
		break;
	default:
		/* The remaining types are one span, the whole body. */
		assert_true(test_span_equal(a->u.hash, b->u.hash));
		assert_true(test_span_equal(a->u.hash, b->body));
	}
}

static void test_round_trip_each_payload(void **state)
{
	struct ikev1_payload p[MAX_SAMPLES];
	size_t n = sample_payloads(p), i;

	(void)state;
	for (i = 0; i < n; i++) {
		size_t len = write_one(&p[i], buf, sizeof(buf));

		if (ikev1_message_parse(buf, len, &msg) != 0)
			fail_msg("sample %zu (type %u) does not parse: notify %u", i, p[i].type,
				 msg.notify);
		assert_int_equal(msg.payload_count, 1);
		compare_payload(&p[i], &msg.payloads[0]);
	}
	/* The parsed subnet is normalized; the written bytes stay as given. */
	assert_int_equal(ikev1_message_parse(buf, write_one(&p[3], buf, sizeof(buf)), &msg), 0);
	assert_int_equal(msg.payloads[0].u.id.prefix_len, 64);
	assert_int_equal(msg.payloads[0].u.id.start[1], 0x01);
	assert_int_equal(msg.payloads[0].u.id.end[7], 0x00);
	assert_int_equal(msg.payloads[0].u.id.end[8], 0xff);
	assert_int_equal(msg.payloads[0].u.id.end[15], 0xff);
}

static void test_round_trip_chain(void **state)
{
	struct ikev1_payload p[MAX_SAMPLES];
	size_t n = sample_payloads(p), i;
	int len;

	(void)state;
	len = (int)write_chain(p, n, buf, sizeof(buf));
	assert_int_equal(ikev1_message_parse(buf, (size_t)len, &msg), 0);
	assert_int_equal(msg.payload_count, n);
	for (i = 0; i < n; i++)
		compare_payload(&p[i], &msg.payloads[i]);
	assert_int_equal(msg.chain.len, (size_t)len - IKE_HEADER_LEN);
	assert_int_equal(ikev1_message_after(&msg, &msg.payloads[n - 1]).len, 0);
	assert_int_equal(ikev1_message_after(&msg, &msg.payloads[0]).len,
			 (size_t)len - IKE_HEADER_LEN - 4 - msg.payloads[0].body.len);
}

/* Truncating a single-payload message anywhere (header length adjusted so the chain walker
 * and the decoder see it) fails; so do payload lengths one off each way and zero bodies. */
static void test_truncated_oversized_zero(void **state)
{
	struct ikev1_payload p[MAX_SAMPLES];
	size_t n = sample_payloads(p), i, cut;
	uint8_t m[1024];

	(void)state;
	for (i = 0; i < n; i++) {
		size_t len = write_one(&p[i], m, sizeof(m));
		size_t plen = len - IKE_HEADER_LEN;

		for (cut = IKE_HEADER_LEN; cut < len; cut++) {
			memcpy(buf, m, cut);
			test_set_length(buf, cut);
			if (ikev1_message_parse(buf, cut, &msg) >= 0)
				fail_msg("sample %zu accepted when cut to %zu", i, cut);
		}
		memcpy(buf, m, len);
		assert_int_equal(ikev1_message_parse(buf, len - 1, &msg), -EBADMSG);
		buf[30] = (uint8_t)((plen + 1) >> 8);
		buf[31] = (uint8_t)(plen + 1);
		assert_int_equal(ikev1_message_parse(buf, len, &msg), -EBADMSG);
		buf[30] = (uint8_t)((plen - 1) >> 8);
		buf[31] = (uint8_t)(plen - 1);
		assert_int_equal(ikev1_message_parse(buf, len, &msg), -EBADMSG);
		/* One octet more in both the payload and the message. */
		memcpy(buf, m, len);
		buf[len] = 0;
		buf[30] = (uint8_t)((plen + 1) >> 8);
		buf[31] = (uint8_t)(plen + 1);
		test_set_length(buf, len + 1);
		if (p[i].type != IKEV1_PAYLOAD_VENDOR_ID && p[i].type != IKEV1_PAYLOAD_KE &&
		    p[i].type != IKEV1_PAYLOAD_SIG && p[i].type != IKEV1_PAYLOAD_NONCE &&
		    p[i].type != IKEV1_PAYLOAD_CERT && p[i].type != IKEV1_PAYLOAD_CERTREQ &&
		    !(p[i].type == IKEV1_PAYLOAD_ID && p[i].u.id.id_type >= IKEV1_ID_DER_ASN1_DN))
			if (ikev1_message_parse(buf, len + 1, &msg) != -EBADMSG)
				fail_msg("sample %zu accepted one octet longer", i);
		/* Zero-length body, a length below the generic header, a reserved octet. */
		memcpy(buf, m, IKE_HEADER_LEN + 4);
		buf[30] = 0;
		buf[31] = 4;
		test_set_length(buf, IKE_HEADER_LEN + 4);
		assert_int_equal(ikev1_message_parse(buf, IKE_HEADER_LEN + 4, &msg), -EBADMSG);
		buf[31] = 3;
		assert_int_equal(ikev1_message_parse(buf, IKE_HEADER_LEN + 4, &msg), -EBADMSG);
		memcpy(buf, m, len);
		buf[29] = 0x80;
		assert_int_equal(ikev1_message_parse(buf, len, &msg), -EBADMSG);
	}
}

/* Random bodies with consistent outer lengths: any result but a crash or an out-of-bounds
 * read (ASan watches; each buffer is malloc'd to its exact size). */
static void test_random_bodies(void **state)
{
	struct ikev1_payload p[MAX_SAMPLES];
	size_t n = sample_payloads(p), i;
	unsigned seed = 4242, round, accepted = 0;

	(void)state;
	for (i = 0; i < n; i++) {
		size_t ref = write_one(&p[i], buf, sizeof(buf));

		for (round = 0; round < 400; round++) {
			size_t blen = (size_t)(test_random(&seed) % 300),
			       len = IKE_HEADER_LEN + 4 + blen, k;
			uint8_t *m = malloc(len);

			memcpy(m, buf, IKE_HEADER_LEN + 4);
			for (k = 0; k < blen; k++)
				m[IKE_HEADER_LEN + 4 + k] = (uint8_t)test_random(&seed);
			/* Mutations of the valid body reach deeper than pure noise. */
			if (round % 2 && blen > 0 && blen <= ref - IKE_HEADER_LEN - 4) {
				memcpy(m + IKE_HEADER_LEN + 4, buf + IKE_HEADER_LEN + 4, blen);
				m[IKE_HEADER_LEN + 4 + test_random(&seed) % blen] ^=
				    (uint8_t)(1u << (test_random(&seed) % 8));
			}
			test_set_length(m, len);
			m[30] = (uint8_t)((blen + 4) >> 8);
			m[31] = (uint8_t)(blen + 4);
			if (ikev1_message_parse(m, len, &msg) == 0)
				accepted++;
			free(m);
		}
	}
	for (round = 0; round < 5000; round++) {
		size_t len = (size_t)(test_random(&seed) % 120), k;
		uint8_t *m = malloc(len + 1);

		for (k = 0; k < len; k++)
			m[k] = (uint8_t)test_random(&seed);
		if (len >= IKE_HEADER_LEN) {
			m[17] = 0x10;
			m[18] = IKEV1_EXCHANGE_INFORMATIONAL;
			m[19] &= 2;
			test_set_length(m, len);
		}
		(void)ikev1_message_parse(m, len, &msg);
		free(m);
	}
	print_message("%u mutated single-payload messages parsed\n", accepted);
}

static void test_header_rules(void **state)
{
	size_t len = vec("mm1", buf, sizeof(buf));
	uint8_t m[4096];
	static const struct {
		size_t offset;
		uint8_t value;
		int err;
		uint16_t notify;
	} cases[] = {
	    {17, 0x20, -EPROTONOSUPPORT, IKEV1_N_INVALID_MAJOR_VERSION},
	    {17, 0x11, -EPROTONOSUPPORT, IKEV1_N_INVALID_MINOR_VERSION},
	    {18, 1, -EOPNOTSUPP, IKEV1_N_INVALID_EXCHANGE_TYPE},  /* base */
	    {18, 34, -EOPNOTSUPP, IKEV1_N_INVALID_EXCHANGE_TYPE}, /* IKE_SA_INIT */
	    {19, 0x04, -EBADMSG, IKEV1_N_INVALID_FLAGS},	  /* authentication only */
	    {19, 0x08, -EBADMSG, IKEV1_N_INVALID_FLAGS},
	    {18, 32, -EBADMSG, IKEV1_N_INVALID_FLAGS}, /* quick mode in the clear */
	    {23, 1, -EBADMSG, IKEV1_N_INVALID_MESSAGE_ID},
	    {16, 2, -EOPNOTSUPP, IKEV1_N_INVALID_PAYLOAD_TYPE}, /* a bare proposal */
	    {16, 0, -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED},	/* no payloads */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(m, buf, len);
		m[cases[i].offset] = cases[i].value;
		assert_int_equal(ikev1_message_parse(m, len, &msg), cases[i].err);
		if (msg.notify != cases[i].notify)
			fail_msg("case %zu: notify %u", i, msg.notify);
	}
	memcpy(m, buf, len);
	memset(m, 0, IKEV1_COOKIE_LEN);
	assert_int_equal(ikev1_message_parse(m, len, &msg), -EBADMSG);
	assert_int_equal(msg.notify, IKEV1_N_INVALID_COOKIE);
	/* The commit bit is allowed; informational may use any message ID. */
	memcpy(m, buf, len);
	m[19] = IKEV1_FLAG_COMMIT;
	assert_int_equal(ikev1_message_parse(m, len, &msg), 0);
	m[18] = IKEV1_EXCHANGE_INFORMATIONAL;
	m[23] = 9;
	assert_int_equal(ikev1_message_parse(m, len, &msg), 0);
	/* An encrypted message keeps its body for decryption. */
	m[19] = IKEV1_FLAG_ENCRYPTION;
	assert_int_equal(ikev1_message_parse(m, len, &msg), 0);
	assert_int_equal(msg.payload_count, 0);
	assert_int_equal(msg.encrypted.len, len - IKE_HEADER_LEN);
	assert_int_equal(ikev1_message_parse(m, len + 1, &msg), -EBADMSG);
	assert_int_equal(ikev1_message_parse(m, IKE_HEADER_LEN - 1, &msg), -EBADMSG);
	/* Decrypted bodies: padding up to 255 octets. */
	assert_int_equal(ikev1_message_parse_decrypted(&msg, buf + IKE_HEADER_LEN, len), -EBADMSG);
	memset(m, 0, sizeof(m));
	memcpy(m, buf + IKE_HEADER_LEN, len - IKE_HEADER_LEN);
	msg.header.exchange_type = IKEV1_EXCHANGE_MAIN;
	msg.header.next_payload = IKEV1_PAYLOAD_SA;
	assert_int_equal(ikev1_message_parse_decrypted(&msg, m, len - IKE_HEADER_LEN + 255), 0);
	assert_int_equal(msg.padding, 255);
	assert_int_equal(ikev1_message_parse_decrypted(&msg, m, len - IKE_HEADER_LEN + 256),
			 -EBADMSG);
}

static size_t chain_of(const char *hex, uint8_t first)
{
	int n;

	write_one(&(struct ikev1_payload){.type = IKEV1_PAYLOAD_NONCE, .u.nonce = {blob, 16}}, buf,
		  sizeof(buf));
	buf[16] = first;
	n = test_unhex_into(hex, buf + IKE_HEADER_LEN, 1024);
	assert_true(n >= 0);
	test_set_length(buf, IKE_HEADER_LEN + (size_t)n);
	return IKE_HEADER_LEN + (size_t)n;
}

/* A phase-1 SA with one ISAKMP proposal and one transform of the given attributes. */
static size_t sa_with_attrs(const char *attrs)
{
	char hex[512];
	size_t alen = strlen(attrs) / 2;

	snprintf(hex, sizeof(hex),
		 "0000%04zx0000000100000001"
		 "0000%04zx01010001"
		 "0000%04zx01010000%s",
		 (size_t)4 + 8 + 8 + 8 + alen, (size_t)8 + 8 + alen, (size_t)8 + alen, attrs);
	return chain_of(hex, IKEV1_PAYLOAD_SA);
}

static void test_sa_rules(void **state)
{
	static const char *bad_attrs[] = {
	    "80010007"
	    "80010007",	    /* duplicate */
	    "80010000",	    /* zero value */
	    "000100020007", /* basic attribute as TLV */
	    "800b0001",	    /* life type without duration */
	    "800c0e10",	    /* duration without type */
	    "800b0001"
	    "80010007"
	    "800c0e10", /* something between them */
	    "800b0001800c0e10"
	    "800b0001800c0e10",			  /* the same life type twice */
	    "800b0003800c0e10",			  /* unknown life type */
	    "800b0001800c0000",			  /* zero duration */
	    "800b0001000c0000",			  /* empty TLV duration */
	    "800b0001000c0009000000000000000001", /* 9-octet duration */
	    "000c0004000151",			  /* TLV running past the transform */
	    "800100",				  /* three octets */
	};
	size_t len, i;

	(void)state;
	len = sa_with_attrs("80010007800e0100800b0002000c000400989680");
	assert_int_equal(ikev1_message_parse(buf, len, &msg), 0);
	assert_int_equal(msg.payloads[0].u.sa->transforms[0].life_kilobytes, 10000000);
	assert_int_equal(msg.payloads[0].u.sa->transforms[0].key_length, 256);
	/* Private groups and unknown attributes: parsed, flagged for the policy. */
	len = sa_with_attrs("80010007000600020102");
	assert_int_equal(ikev1_message_parse(buf, len, &msg), 0);
	assert_true(msg.payloads[0].u.sa->transforms[0].unknown_attribute);
	len = sa_with_attrs("80010007"
			    "c0010001");
	assert_int_equal(ikev1_message_parse(buf, len, &msg), 0);
	assert_true(msg.payloads[0].u.sa->transforms[0].unknown_attribute);
	for (i = 0; i < sizeof(bad_attrs) / sizeof(bad_attrs[0]); i++) {
		len = sa_with_attrs(bad_attrs[i]);
		if (ikev1_message_parse(buf, len, &msg) != -EBADMSG)
			fail_msg("attributes %zu accepted", i);
	}
}

static void test_sa_structure_errors(void **state)
{
	static const struct {
		const char *hex;
		int err;
		uint16_t notify;
	} cases[] = {
	    /* DOI 2, situation 2 */
	    {"0000001800000002000000010000000c0101000100000008", -EOPNOTSUPP,
	     IKEV1_N_DOI_NOT_SUPPORTED},
	    {"0000001800000001000000020000000c0101000100000008", -EOPNOTSUPP,
	     IKEV1_N_SITUATION_NOT_SUPPORTED},
	    /* proposal says more, none follows */
	    {"0000001c000000010000000102000010010100010000000801010000", -EBADMSG,
	     IKEV1_N_PAYLOAD_MALFORMED},
	    /* two transforms announced, one present */
	    {"0000001c000000010000000100000010010100020000000801010000", -EBADMSG,
	     IKEV1_N_PAYLOAD_MALFORMED},
	    /* zero transforms */
	    {"0000001400000001000000010000000801010000", -EBADMSG, IKEV1_N_PAYLOAD_MALFORMED},
	    /* transform says more */
	    {"0000001c000000010000000100000010010100010300000801010000", -EBADMSG,
	     IKEV1_N_PAYLOAD_MALFORMED},
	    /* transform reserved2 not zero */
	    {"0000001c000000010000000100000010010100010000000801010001", -EBADMSG,
	     IKEV1_N_PAYLOAD_MALFORMED},
	    /* ESP with a 3-octet SPI */
	    {"0000001f00000001000000010000001301030301c0ffee0000000801010000", -EBADMSG,
	     IKEV1_N_INVALID_SPI},
	    /* unknown protocol 9 */
	    {"0000001c000000010000000100000010010900010000000801010000", -EBADMSG,
	     IKEV1_N_INVALID_SPI},
	    /* two ISAKMP proposals */
	    {"0000002c000000010000000102000010010100010000000801010000"
	     "00000010020100010000000801010000",
	     -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX},
	    /* ESP proposals numbered downwards */
	    {"00000034000000010000000102000014020304010000000100000008010c0000"
	     "00000014010304010000000200000008010c0000",
	     -EBADMSG, IKEV1_N_BAD_PROPOSAL_SYNTAX},
	};
	size_t len, i;

	(void)state;
	/* ESP AND AH under one number, then an alternative: fine. */
	len = chain_of("00000048000000010000000102000014010304010000000100000008010c0000"
		       "02000014010204010000000200000008010c0000"
		       "00000014020304010000000300000008010c0000",
		       IKEV1_PAYLOAD_SA);
	assert_int_equal(ikev1_message_parse(buf, len, &msg), 0);
	assert_int_equal(msg.payloads[0].u.sa->proposal_count, 3);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = chain_of(cases[i].hex, IKEV1_PAYLOAD_SA);
		if (ikev1_message_parse(buf, len, &msg) != cases[i].err ||
		    msg.notify != cases[i].notify)
			fail_msg("case %zu: notify %u", i, msg.notify);
	}
	/* Two SA payloads. */
	len = chain_of("01000018000000010000000100000010010100010000000801010000"
		       "0000001c000000010000000100000010010100010000000801010000",
		       IKEV1_PAYLOAD_SA);
	assert_int_equal(ikev1_message_parse(buf, len, &msg), -EBADMSG);
}

static void test_payload_specific_errors(void **state)
{
	static const struct {
		uint8_t type;
		const char *hex;
	} cases[] = {
	    {IKEV1_PAYLOAD_ID, "0000000901000000c6120001"},	      /* IPv4 of 5 */
	    {IKEV1_PAYLOAD_ID, "0000000b0200000061006200"},	      /* FQDN with NUL */
	    {IKEV1_PAYLOAD_ID, "000000140400000000c6120000ff00ff00"}, /* mask with holes */
	    {IKEV1_PAYLOAD_ID, "0000001407000000c6120009c6120001"},   /* range backwards */
	    {IKEV1_PAYLOAD_ID, "0000000c0900000031020304"},	      /* DN not a SEQUENCE */
	    {IKEV1_PAYLOAD_ID, "0000000c0c00000031020304"},	      /* ID type 12 */
	    {IKEV1_PAYLOAD_NONCE, "0000000b01020304050607"},	      /* 7-octet nonce */
	    {IKEV1_PAYLOAD_HASH, "00000014000102030405060708090a0b0c0d0e0f"}, /* 16-octet hash */
	    {IKEV1_PAYLOAD_NAT_D, "00000008aabbccdd"},			      /* 4-octet NAT-D */
	    {IKEV1_PAYLOAD_CERT, "000000050b"},				      /* no data */
	    {IKEV1_PAYLOAD_CERT, "000000060b01"},			      /* encoding 11 */
	    {IKEV1_PAYLOAD_NOTIFY, "0000000c0000000201000018"},		      /* DOI 2 */
	    {IKEV1_PAYLOAD_NOTIFY, "0000000c0000000101020018"},		      /* SPI size 2 */
	    {IKEV1_PAYLOAD_NOTIFY, "0000000c0000000101000000"},		      /* type 0 */
	    {IKEV1_PAYLOAD_NOTIFY, "000000100000000101048d28aabbccdd"},	      /* DPD, 4-octet SPI */
	    {IKEV1_PAYLOAD_NOTIFY, "0000000e0000000101108d28aabb"},	      /* SPI beyond body */
	    {IKEV1_PAYLOAD_DELETE, "000000100000000103040002aabbccdd"},	      /* 2 SPIs, 1 there */
	    {IKEV1_PAYLOAD_DELETE, "0000000c0000000103040000"},		      /* no SPIs */
	    {IKEV1_PAYLOAD_DELETE, "000000100000000101040001aabbccdd"},	      /* ISAKMP, 4-octet */
	    {IKEV1_PAYLOAD_DELETE, "000000100000000109040001aabbccdd"},	      /* protocol 9 */
	    {IKEV1_PAYLOAD_NAT_OA, "0000000c01000000c612000100"},	      /* IPv4 of 5 */
	    {IKEV1_PAYLOAD_NAT_OA, "0000000c02000000c6120001"},		      /* FQDN */
	    {IKEV1_PAYLOAD_NAT_OA, "0000000c01000100c6120001"},		      /* reserved */
	    {IKEV1_PAYLOAD_NONE + 14, "00000008aabbccdd"},		      /* type 14 */
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = chain_of(cases[i].hex, cases[i].type);
		if (ikev1_message_parse(buf, len, &msg) >= 0)
			fail_msg("case %zu accepted", i);
	}
	assert_int_equal(msg.bad_payload_type, 14);
	assert_int_equal(msg.notify, IKEV1_N_INVALID_PAYLOAD_TYPE);
}

static void test_limits(void **state)
{
	struct ikev1_payload vid = {.type = IKEV1_PAYLOAD_VENDOR_ID, .u.vendor_id = {blob, 1}};
	static struct ikev1_sa_payload big;
	struct ikev1_payload sa = {.type = IKEV1_PAYLOAD_SA, .u.sa = &big};
	static uint8_t large[16384];
	struct ike_writer w;
	size_t i;
	int len;

	(void)state;
	ike_writer_init(&w, buf, sizeof(buf));
	ike_writer_header(&w, &test_header);
	for (i = 0; i <= IKEV1_MAX_PAYLOADS; i++)
		ikev1_writer_payload(&w, &vid);
	len = ike_writer_finish(&w);
	assert_int_equal(ikev1_message_parse(buf, (size_t)len, &msg), -E2BIG);
	/* 129 transforms over two proposals: more than one SA payload may hold. */
	memset(&big, 0, sizeof(big));
	big.doi = IKEV1_DOI_IPSEC;
	big.situation = IKEV1_SIT_IDENTITY;
	big.proposal_count = 2;
	big.proposals[0] = (struct ikev1_proposal){1, IKEV1_PROTO_IPSEC_ESP, 4, {1}, 100, 0};
	big.proposals[1] = (struct ikev1_proposal){2, IKEV1_PROTO_IPSEC_ESP, 4, {2}, 29, 0};
	for (i = 0; i < 100; i++)
		big.transforms[i] = (struct ikev1_transform){
		    .number = (uint8_t)i, .id = IKEV1_ESP_AES_CBC, .key_length = 128};
	ike_writer_init(&w, large, sizeof(large));
	ike_writer_header(&w, &test_header);
	ikev1_writer_payload(&w, &sa);
	len = ike_writer_finish(&w);
	assert_true(len > 0);
	assert_int_equal(ikev1_message_parse(large, (size_t)len, &msg), -E2BIG);
	big.proposals[1].transform_count = 28;
	ike_writer_init(&w, large, sizeof(large));
	ike_writer_header(&w, &test_header);
	ikev1_writer_payload(&w, &sa);
	len = ike_writer_finish(&w);
	assert_int_equal(ikev1_message_parse(large, (size_t)len, &msg), 0);
	assert_int_equal(msg.payloads[0].u.sa->transform_count, IKEV1_MAX_TRANSFORMS);
	/* Writer errors stick; unknown types and bad SAs are refused. */
	ike_writer_init(&w, buf, 35);
	ike_writer_header(&w, &test_header);
	assert_int_equal(ikev1_writer_payload(&w, &vid), 0);
	assert_int_equal(ikev1_writer_payload(&w, &vid), -ENOSPC);
	ike_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(ikev1_writer_payload(&w, &(struct ikev1_payload){.type = 2}), -EINVAL);
	big.proposal_count = 0;
	ike_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(ikev1_writer_payload(&w, &sa), -EINVAL);
}

/* Quick mode IDs from address ranges: the tightest type, and the parser reads back the
 * same range. */
static void test_id_from_range(void **state)
{
	static const struct {
		const char *start, *end;
		uint8_t type, prefix;
		const char *data;
	} cases[] = {
	    {"c6120001", "c6120001", IKEV1_ID_IPV4_ADDR, 32, "c6120001"},
	    {"c6120000", "c612ffff", IKEV1_ID_IPV4_ADDR_SUBNET, 16, "c6120000ffff0000"},
	    {"c6120080", "c61200bf", IKEV1_ID_IPV4_ADDR_SUBNET, 26, "c6120080ffffffc0"},
	    {"00000000", "ffffffff", IKEV1_ID_IPV4_ADDR_SUBNET, 0, "0000000000000000"},
	    {"c6120001", "c6120009", IKEV1_ID_IPV4_ADDR_RANGE, 0, "c6120001c6120009"},
	    {"c6120000", "c61300ff", IKEV1_ID_IPV4_ADDR_RANGE, 0, "c6120000c61300ff"},
	    {"20010db8000000000000000000000000", "20010db8000000007fffffffffffffff",
	     IKEV1_ID_IPV6_ADDR_SUBNET, 65,
	     "20010db8000000000000000000000000ffffffffffffffff8000000000000000"},
	    {"20010db8000000000000000000000001", "20010db8000000000000000000000001",
	     IKEV1_ID_IPV6_ADDR, 128, "20010db8000000000000000000000001"},
	    {"20010db8000000000000000000000001", "20010db80000000000000000000000ff",
	     IKEV1_ID_IPV6_ADDR_RANGE, 0,
	     "20010db800000000000000000000000120010db80000000000000000000000ff"},
	};
	uint8_t start[16], end[16], want[32], data[32];
	struct ikev1_payload p = {.type = IKEV1_PAYLOAD_ID};
	size_t i, alen, dlen;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		alen = (size_t)test_unhex_into(cases[i].start, start, 16);
		test_unhex_into(cases[i].end, end, 16);
		dlen = (size_t)test_unhex_into(cases[i].data, want, 32);
		assert_int_equal(ikev1_id_from_range(start, end, alen, 6, 443, data, &p.u.id), 0);
		if (p.u.id.id_type != cases[i].type || p.u.id.data.len != dlen ||
		    memcmp(p.u.id.data.ptr, want, dlen) != 0)
			fail_msg("case %zu: type %u", i, p.u.id.id_type);
		if (cases[i].prefix)
			assert_int_equal(p.u.id.prefix_len, cases[i].prefix);
		assert_int_equal(ikev1_message_parse(buf, write_one(&p, buf, sizeof(buf)), &msg),
				 0);
		assert_int_equal(msg.payloads[0].u.id.id_type, cases[i].type);
		assert_memory_equal(msg.payloads[0].u.id.start, start, alen);
		assert_memory_equal(msg.payloads[0].u.id.end, end, alen);
		assert_int_equal(msg.payloads[0].u.id.port, 443);
	}
	assert_int_equal(ikev1_id_from_range(end, start, alen, 0, 0, data, &p.u.id), -EINVAL);
	assert_int_equal(ikev1_id_from_range(start, end, 8, 0, 0, data, &p.u.id), -EINVAL);
}

/* RESPONDER-LIFETIME data (RFC 2407 4.6.3.1): the phase-2 lifetime pairs, written as TV
 * when they fit in 16 bits and as a 4-octet TLV otherwise. */
static void test_responder_lifetime(void **state)
{
	static const char esp_hex[] = "80010001"
				      "80020e10"
				      "80010002"
				      "0002000400465000";
	uint8_t want[32], out[32];
	uint64_t sec = 0, kb = 0;
	int n = test_unhex_into(esp_hex, want, sizeof(want)), len;
	size_t mlen;

	(void)state;
	len = ikev1_encode_lifetime(IKEV1_PROTO_IPSEC_ESP, 3600, 4608000, out, sizeof(out));
	assert_int_equal(len, n);
	assert_memory_equal(out, want, (size_t)n);
	assert_int_equal(ikev1_decode_lifetime(IKEV1_PROTO_IPSEC_ESP,
					       (struct ike_span){out, (size_t)len}, &sec, &kb),
			 0);
	assert_int_equal(sec, 3600);
	assert_int_equal(kb, 4608000);
	/* Phase 1 numbers its lifetime attributes 11 and 12. */
	len = ikev1_encode_lifetime(IKEV1_PROTO_ISAKMP, 86400, 0, out, sizeof(out));
	assert_int_equal(len, 12);
	assert_int_equal(out[1], 11);
	assert_int_equal(out[5], 12);
	assert_int_equal(ikev1_decode_lifetime(IKEV1_PROTO_ISAKMP,
					       (struct ike_span){out, (size_t)len}, &sec, &kb),
			 0);
	assert_int_equal(sec, 86400);
	assert_int_equal(kb, 0);
	assert_int_equal(ikev1_encode_lifetime(IKEV1_PROTO_ISAKMP, 0, 0, out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(ikev1_encode_lifetime(IKEV1_PROTO_ISAKMP, 1, 0, out, 4), -ENOSPC);
	/* Anything but lifetimes, nothing at all, a dangling type: refused. */
	test_unhex_into("80010001"
			"80020e10"
			"80040001",
			want, sizeof(want));
	assert_int_equal(
	    ikev1_decode_lifetime(IKEV1_PROTO_IPSEC_ESP, (struct ike_span){want, 12}, &sec, &kb),
	    -EBADMSG);
	assert_int_equal(
	    ikev1_decode_lifetime(IKEV1_PROTO_IPSEC_ESP, (struct ike_span){want, 0}, &sec, &kb),
	    -EBADMSG);
	assert_int_equal(
	    ikev1_decode_lifetime(IKEV1_PROTO_IPSEC_ESP, (struct ike_span){want, 4}, &sec, &kb),
	    -EBADMSG);
	/* Inside a notify of a parsed message. */
	mlen = chain_of("00000024"
			"00000001"
			"0304"
			"6000"
			"c0ffee01" /* ESP, SPI */
			"80010001"
			"80020e10"
			"80010002"
			"0002000400465000",
			IKEV1_PAYLOAD_NOTIFY);
	assert_int_equal(ikev1_message_parse(buf, mlen, &msg), 0);
	assert_int_equal(
	    ikev1_decode_lifetime(IKEV1_PROTO_IPSEC_ESP,
				  ikev1_message_find_notify(&msg, IKEV1_N_RESPONDER_LIFETIME)->data,
				  &sec, &kb),
	    0);
	assert_int_equal(kb, 4608000);
}

/* The vendor IDs are MD5 hashes of their names (RFC 3947 3): recompute them here. */
static void test_vendor_ids(void **state)
{
	static const char *drafts[] = {"draft-ietf-ipsec-nat-t-ike-02",
				       "draft-ietf-ipsec-nat-t-ike-02\n",
				       "draft-ietf-ipsec-nat-t-ike-03"};
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	size_t i;

	(void)state;
	assert_int_equal(EVP_Digest("RFC 3947", 8, md, &mdlen, EVP_md5(), NULL), 1);
	assert_memory_equal(md, ikev1_vid_nat_t_rfc3947, IKEV1_VID_LEN);
	assert_int_equal(ikev1_vendor_id_kind((struct ike_span){md, 16}),
			 IKEV1_VENDOR_NAT_T_RFC3947);
	assert_int_equal(ikev1_vendor_id_kind((struct ike_span){md, 15}), IKEV1_VENDOR_UNKNOWN);
	for (i = 0; i < 3; i++) {
		assert_int_equal(
		    EVP_Digest(drafts[i], strlen(drafts[i]), md, &mdlen, EVP_md5(), NULL), 1);
		assert_int_equal(ikev1_vendor_id_kind((struct ike_span){md, 16}),
				 IKEV1_VENDOR_NAT_T_DRAFT);
	}
	/* RFC 3706 5: the DPD vendor ID, version 1.0 in the last two octets. */
	assert_int_equal(ikev1_vid_dpd[14], 1);
	assert_int_equal(ikev1_vid_dpd[15], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_main_mode_1),
	    cmocka_unit_test(test_writer_matches_reference),
	    cmocka_unit_test(test_quick_mode_1),
	    cmocka_unit_test(test_informational),
	    cmocka_unit_test(test_round_trip_each_payload),
	    cmocka_unit_test(test_round_trip_chain),
	    cmocka_unit_test(test_truncated_oversized_zero),
	    cmocka_unit_test(test_random_bodies),
	    cmocka_unit_test(test_header_rules),
	    cmocka_unit_test(test_sa_rules),
	    cmocka_unit_test(test_sa_structure_errors),
	    cmocka_unit_test(test_payload_specific_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_id_from_range),
	    cmocka_unit_test(test_responder_lifetime),
	    cmocka_unit_test(test_vendor_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
