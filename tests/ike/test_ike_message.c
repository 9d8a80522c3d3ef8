/* Unit tests of the IKE message parser and writer: a strongSwan-like IKE_SA_INIT, a round
 * trip per payload type, and every payload fed truncated, oversized, zero-length and random
 * input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ike_message.h"
#include "test_util.h"

/* Built by an independent script (a strongSwan 5.9-style request: two proposals, KE 31,
 * nonce, NAT-D, fragmentation, signature hash algorithms, redirect, vendor ID). */
static const char sa_init_hex[] = "0123456789abcdef000000000000000021202208000000000000020a2200012c"
				  "020000a4010100120300000c0100000c800e00800300000c0100000c800e00c0"
				  "0300000c0100000c800e0100030000080300000c030000080300000d03000008"
				  "0300000e03000008030000020300000802000005030000080200000603000008"
				  "020000070300000802000002030000080400001f030000080400001303000008"
				  "040000140300000804000015030000080400000f030000080400001000000008"
				  "0400000e000000840201000e0300000c01000014800e00800300000c01000014"
				  "800e00c00300000c01000014800e010003000008020000050300000802000006"
				  "03000008020000070300000802000002030000080400001f0300000804000013"
				  "03000008040000140300000804000015030000080400000f0300000804000010"
				  "000000080400000e28000028001f0000404142434445464748494a4b4c4d4e4f"
				  "505152535455565758595a5b5c5d5e5f29000024a0a1a2a3a4a5a6a7a8a9aaab"
				  "acadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf2900001c0000400411111111"
				  "111111111111111111111111111111112900001c000040052222222222222222"
				  "222222222222222222222222290000080000402e290000100000402f00020003"
				  "000400052b000008000040160000001e7374726f6e675377616e882fe56d6fd2"
				  "0dbc2251613b2ebe5beb";

static struct ike_message msg;

static uint8_t buf[4096];

static size_t load_sa_init(uint8_t *out)
{
	int n = test_unhex_into(sa_init_hex, out, 4096);

	assert_true(n > 0);
	return (size_t)n;
}

static void test_strongswan_sa_init(void **state)
{
	size_t len = load_sa_init(buf);
	const struct ike_payload *p;
	const struct ike_sa_payload *sa;
	const struct ike_notify_payload *n;

	(void)state;
	assert_int_equal(ike_message_parse(buf, len, &msg), 0);
	assert_int_equal(msg.header.exchange_type, IKE_EXCHANGE_IKE_SA_INIT);
	assert_int_equal(msg.header.flags, IKE_FLAG_INITIATOR);
	assert_int_equal(msg.header.major_version, 2);
	assert_int_equal(msg.header.message_id, 0);
	assert_int_equal(msg.payload_count, 9);
	p = ike_message_find(&msg, IKE_PAYLOAD_SA);
	assert_non_null(p);
	sa = p->u.sa;
	assert_int_equal(sa->proposal_count, 2);
	assert_int_equal(sa->proposals[0].transform_count, 18);
	assert_int_equal(sa->proposals[0].transforms[0].type, IKE_TRANSFORM_ENCR);
	assert_int_equal(sa->proposals[0].transforms[0].id, IKE_ENCR_AES_CBC);
	assert_int_equal(sa->proposals[0].transforms[0].key_length, 128);
	assert_int_equal(sa->proposals[0].transforms[11].id, IKE_DH_CURVE25519);
	assert_int_equal(sa->proposals[1].number, 2);
	assert_int_equal(sa->proposals[1].transforms[2].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(sa->proposals[1].transforms[2].key_length, 256);
	p = ike_message_find(&msg, IKE_PAYLOAD_KE);
	assert_int_equal(p->u.ke.group, IKE_DH_CURVE25519);
	assert_int_equal(p->u.ke.data.len, 32);
	assert_int_equal(ike_message_find(&msg, IKE_PAYLOAD_NONCE)->u.nonce.len, 32);
	n = ike_message_find_notify(&msg, IKE_N_NAT_DETECTION_DESTINATION_IP);
	assert_non_null(n);
	assert_int_equal(n->data.len, 20);
	assert_int_equal(n->data.ptr[0], 0x22);
	assert_non_null(ike_message_find_notify(&msg, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED));
	n = ike_message_find_notify(&msg, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	assert_int_equal(n->data.len, 8);
	assert_non_null(ike_message_find(&msg, IKE_PAYLOAD_VENDOR_ID));
}

/* Re-serializing every decoded payload reproduces the independent bytes exactly. */
static void test_writer_matches_reference(void **state)
{
	uint8_t ref[4096], out[4096];
	size_t len = load_sa_init(ref), i;
	struct ike_writer w;

	(void)state;
	assert_int_equal(ike_message_parse(ref, len, &msg), 0);
	ike_writer_init(&w, out, sizeof(out));
	assert_int_equal(ike_writer_header(&w, &msg.header), 0);
	for (i = 0; i < msg.payload_count; i++)
		assert_int_equal(ike_writer_payload(&w, &msg.payloads[i]), 0);
	assert_int_equal(ike_writer_finish(&w), (int)len);
	assert_memory_equal(out, ref, len);
}

static const struct ike_header test_header = {
    .spi_i = {1, 2, 3, 4, 5, 6, 7, 8},
    .spi_r = {9, 10, 11, 12, 13, 14, 15, 16},
    .major_version = 2,
    .exchange_type = IKE_EXCHANGE_IKE_AUTH,
    .flags = IKE_FLAG_INITIATOR,
    .message_id = 1,
};

static const uint8_t blob[300] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
static struct ike_sa_payload sample_sa;
static struct ike_ts_payload sample_ts;

/* One valid example of every decoded payload type. */
static size_t sample_payloads(struct ike_payload *p)
{
	size_t n = 0;

	memset(p, 0, 16 * sizeof(*p));
	memset(&sample_sa, 0, sizeof(sample_sa));
	sample_sa.proposal_count = 2;
	sample_sa.proposals[0] = (struct ike_proposal){.number = 1,
						       .protocol = IKE_PROTO_ESP,
						       .spi_size = 4,
						       .spi = {0xc0, 1, 2, 3},
						       .transform_count = 3};
	sample_sa.proposals[0].transforms[0] =
	    (struct ike_transform){IKE_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, false};
	sample_sa.proposals[0].transforms[1] =
	    (struct ike_transform){IKE_TRANSFORM_DH, IKE_DH_ECP_256, 0, false};
	sample_sa.proposals[0].transforms[2] =
	    (struct ike_transform){IKE_TRANSFORM_ESN, IKE_ESN_NO, 0, false};
	sample_sa.proposals[1] = sample_sa.proposals[0];
	sample_sa.proposals[1].number = 2;
	sample_sa.proposals[1].transforms[0].key_length = 128;
	p[n].type = IKE_PAYLOAD_SA;
	p[n++].u.sa = &sample_sa;

	p[n].type = IKE_PAYLOAD_KE;
	p[n].u.ke.group = IKE_DH_ECP_256;
	p[n++].u.ke.data = (struct ike_span){blob, 64};

	p[n].type = IKE_PAYLOAD_IDI;
	p[n].u.id.id_type = IKE_ID_FQDN;
	p[n++].u.id.data = (struct ike_span){(const uint8_t *)"gw.example.net", 14};
	p[n].type = IKE_PAYLOAD_IDR;
	p[n].u.id.id_type = IKE_ID_IPV6_ADDR;
	p[n++].u.id.data = (struct ike_span){blob, 16};

	p[n].type = IKE_PAYLOAD_CERT;
	p[n].u.cert.encoding = 4;
	p[n++].u.cert.data = (struct ike_span){blob, 100};
	p[n].type = IKE_PAYLOAD_CERTREQ;
	p[n].u.cert.encoding = 4;
	p[n++].u.cert.data = (struct ike_span){blob, 40};

	p[n].type = IKE_PAYLOAD_AUTH;
	p[n].u.auth.method = IKE_AUTH_SHARED_KEY_MIC;
	p[n++].u.auth.data = (struct ike_span){blob, 32};

	p[n].type = IKE_PAYLOAD_NONCE;
	p[n++].u.nonce = (struct ike_span){blob, 32};

	p[n].type = IKE_PAYLOAD_NOTIFY;
	p[n].u.notify.protocol = IKE_PROTO_ESP;
	p[n].u.notify.spi_size = 4;
	p[n].u.notify.type = IKE_N_REKEY_SA;
	p[n++].u.notify.spi = (struct ike_span){blob, 4};

	p[n].type = IKE_PAYLOAD_DELETE;
	p[n].u.del.protocol = IKE_PROTO_ESP;
	p[n].u.del.spi_size = 4;
	p[n].u.del.spi_count = 3;
	p[n++].u.del.spis = (struct ike_span){blob, 12};

	p[n].type = IKE_PAYLOAD_VENDOR_ID;
	p[n++].u.vendor_id = (struct ike_span){blob, 16};

	memset(&sample_ts, 0, sizeof(sample_ts));
	sample_ts.count = 2;
	sample_ts.ts[0] = (struct ike_ts){IKE_TS_IPV4_ADDR_RANGE, 0, 0, 65535, {198, 18, 0, 0},
					  {198, 18, 255, 255}};
	sample_ts.ts[1] = (struct ike_ts){IKE_TS_IPV6_ADDR_RANGE,    17, 500, 500, {0x20, 1, 0xd},
					  {0x20, 1, 0xd, 0xb8, 0xff}};
	p[n].type = IKE_PAYLOAD_TSI;
	p[n++].u.ts = &sample_ts;
	p[n].type = IKE_PAYLOAD_TSR;
	p[n++].u.ts = &sample_ts;

	p[n].type = IKE_PAYLOAD_CP;
	p[n++].body = (struct ike_span){blob, 8};
	return n;
}

static size_t write_one(const struct ike_payload *p, uint8_t *out, size_t cap)
{
	struct ike_writer w;
	int len;

	ike_writer_init(&w, out, cap);
	assert_int_equal(ike_writer_header(&w, &test_header), 0);
	assert_int_equal(ike_writer_payload(&w, p), 0);
	len = ike_writer_finish(&w);
	assert_true(len > IKE_HEADER_LEN);
	return (size_t)len;
}

static void compare_payload(const struct ike_payload *a, const struct ike_payload *b)
{
	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case IKE_PAYLOAD_SA:
		assert_memory_equal(a->u.sa, b->u.sa, sizeof(*a->u.sa));
		break;
	case IKE_PAYLOAD_KE:
		assert_int_equal(a->u.ke.group, b->u.ke.group);
		assert_true(test_span_equal(a->u.ke.data, b->u.ke.data));
		break;
	case IKE_PAYLOAD_IDI:
	case IKE_PAYLOAD_IDR:
		assert_int_equal(a->u.id.id_type, b->u.id.id_type);
		assert_true(test_span_equal(a->u.id.data, b->u.id.data));
		break;
	case IKE_PAYLOAD_CERT:
	case IKE_PAYLOAD_CERTREQ:
		assert_int_equal(a->u.cert.encoding, b->u.cert.encoding);
		assert_true(test_span_equal(a->u.cert.data, b->u.cert.data));
		break;
	case IKE_PAYLOAD_AUTH:
		assert_int_equal(a->u.auth.method, b->u.auth.method);
		assert_true(test_span_equal(a->u.auth.data, b->u.auth.data));
		break;
	case IKE_PAYLOAD_NONCE:
		assert_true(test_span_equal(a->u.nonce, b->u.nonce));
		break;
	case IKE_PAYLOAD_NOTIFY:
		assert_int_equal(a->u.notify.protocol, b->u.notify.protocol);
		assert_int_equal(a->u.notify.type, b->u.notify.type);
		assert_true(test_span_equal(a->u.notify.spi, b->u.notify.spi));
		assert_true(test_span_equal(a->u.notify.data, b->u.notify.data));
		break;
	case IKE_PAYLOAD_DELETE:
		assert_int_equal(a->u.del.protocol, b->u.del.protocol);
		assert_int_equal(a->u.del.spi_count, b->u.del.spi_count);
		assert_true(test_span_equal(a->u.del.spis, b->u.del.spis));
		break;
	case IKE_PAYLOAD_VENDOR_ID:
		assert_true(test_span_equal(a->u.vendor_id, b->u.vendor_id));
		break;
	case IKE_PAYLOAD_TSI:
	case IKE_PAYLOAD_TSR:
		assert_memory_equal(a->u.ts, b->u.ts, sizeof(*a->u.ts));
		break;
	default:
		assert_true(test_span_equal(a->body, b->body));
	}
}

static void test_round_trip_each_payload(void **state)
{
	struct ike_payload p[16];
	size_t n = sample_payloads(p), i;

	(void)state;
	for (i = 0; i < n; i++) {
		size_t len = write_one(&p[i], buf, sizeof(buf));

		assert_int_equal(ike_message_parse(buf, len, &msg), 0);
		assert_int_equal(msg.payload_count, 1);
		compare_payload(&p[i], &msg.payloads[0]);
	}
}

static void test_round_trip_chain(void **state)
{
	struct ike_payload p[16];
	size_t n = sample_payloads(p), i;
	struct ike_writer w;
	int len;

	(void)state;
	ike_writer_init(&w, buf, sizeof(buf));
	ike_writer_header(&w, &test_header);
	for (i = 0; i < n; i++)
		ike_writer_payload(&w, &p[i]);
	len = ike_writer_finish(&w);
	assert_true(len > 0);
	assert_int_equal(ike_message_parse(buf, (size_t)len, &msg), 0);
	assert_int_equal(msg.payload_count, n);
	for (i = 0; i < n; i++)
		compare_payload(&p[i], &msg.payloads[i]);

	/* The same chain without a header is what goes inside SK. */
	ike_writer_init(&w, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		ike_writer_payload(&w, &p[i]);
	len = ike_writer_finish(&w);
	assert_int_equal(ike_writer_first_type(&w), IKE_PAYLOAD_SA);
	memset(&msg, 0, sizeof(msg));
	assert_int_equal(ike_message_parse_inner(&msg, IKE_PAYLOAD_SA, buf, (size_t)len), 0);
	assert_int_equal(msg.payload_count, n);
}

/* Truncating a single-payload message anywhere (header length adjusted so the chain walker
 * and the payload decoder see it) must fail; so must a payload length one too long or too
 * short, and zero-length bodies. */
static void test_truncated_oversized_zero(void **state)
{
	struct ike_payload p[16];
	size_t n = sample_payloads(p), i, cut;
	uint8_t m[1024];

	(void)state;
	for (i = 0; i < n; i++) {
		size_t len = write_one(&p[i], m, sizeof(m));
		size_t plen = len - IKE_HEADER_LEN;

		for (cut = IKE_HEADER_LEN; cut < len; cut++) {
			memcpy(buf, m, cut);
			test_set_length(buf, cut);
			assert_true(ike_message_parse(buf, cut, &msg) < 0);
		}
		/* Header length field disagreeing with the datagram. */
		memcpy(buf, m, len);
		assert_int_equal(ike_message_parse(buf, len - 1, &msg), -EBADMSG);
		/* Payload length field off by one each way. */
		memcpy(buf, m, len);
		buf[30] = (uint8_t)((plen + 1) >> 8);
		buf[31] = (uint8_t)(plen + 1);
		assert_int_equal(ike_message_parse(buf, len, &msg), -EBADMSG);
		buf[30] = (uint8_t)((plen - 1) >> 8);
		buf[31] = (uint8_t)(plen - 1);
		assert_int_equal(ike_message_parse(buf, len, &msg), -EBADMSG);
		/* Zero-length body and a length below the generic header. */
		memcpy(buf, m, IKE_HEADER_LEN + 4);
		buf[30] = 0;
		buf[31] = 4;
		test_set_length(buf, IKE_HEADER_LEN + 4);
		if (p[i].type == IKE_PAYLOAD_CP)
			assert_int_equal(ike_message_parse(buf, IKE_HEADER_LEN + 4, &msg), 0);
		else
			assert_int_equal(ike_message_parse(buf, IKE_HEADER_LEN + 4, &msg),
					 -EBADMSG);
		buf[31] = 3;
		assert_int_equal(ike_message_parse(buf, IKE_HEADER_LEN + 4, &msg), -EBADMSG);
	}
}

/* Random bodies with consistent outer lengths: any result is fine except a crash or a read
 * outside the buffer (ASan watches); each buffer is malloc'd to its exact size. */
static void test_random_bodies(void **state)
{
	struct ike_payload p[16];
	size_t n = sample_payloads(p), i;
	unsigned seed = 12345, round;

	(void)state;
	for (i = 0; i < n; i++) {
		for (round = 0; round < 300; round++) {
			size_t blen = (size_t)(test_random(&seed) % 200),
			       len = IKE_HEADER_LEN + 4 + blen, k;
			uint8_t *m = malloc(len);

			write_one(&p[i], buf, sizeof(buf));
			memcpy(m, buf, IKE_HEADER_LEN + 4);
			for (k = 0; k < blen; k++)
				m[IKE_HEADER_LEN + 4 + k] = (uint8_t)test_random(&seed);
			/* Bias the first octets towards small counts so decoders get deep. */
			if (blen > 0 && round % 2)
				m[IKE_HEADER_LEN + 4] = (uint8_t)(test_random(&seed) % 3);
			test_set_length(m, len);
			m[30] = (uint8_t)((blen + 4) >> 8);
			m[31] = (uint8_t)(blen + 4);
			(void)ike_message_parse(m, len, &msg);
			free(m);
		}
	}
	/* Wholly random datagrams, including the header. */
	for (round = 0; round < 5000; round++) {
		size_t len = (size_t)(test_random(&seed) % 120), k;
		uint8_t *m = malloc(len + 1);

		for (k = 0; k < len; k++)
			m[k] = (uint8_t)test_random(&seed);
		if (len >= IKE_HEADER_LEN) {
			m[17] = 0x20;
			test_set_length(m, len);
		}
		(void)ike_message_parse(m, len, &msg);
		free(m);
	}
}

static size_t chain_of(const uint8_t *hexbody, uint8_t first, uint8_t flags)
{
	int n;

	write_one(&(struct ike_payload){.type = IKE_PAYLOAD_NONCE, .u.nonce = {blob, 16}}, buf,
		  sizeof(buf));
	buf[16] = first;
	n = test_unhex_into((const char *)hexbody, buf + IKE_HEADER_LEN, 1024);
	assert_true(n >= 0);
	buf[IKE_HEADER_LEN + 1] = flags;
	test_set_length(buf, IKE_HEADER_LEN + (size_t)n);
	return IKE_HEADER_LEN + (size_t)n;
}

static void test_unknown_payloads(void **state)
{
	size_t len;

	(void)state;
	/* Unknown type 200, not critical, followed by a nonce: skipped. */
	len = chain_of((const uint8_t *)"28000006abcd"
					"0000001400000000000000000000000000000000",
		       200, 0x00);
	assert_int_equal(ike_message_parse(buf, len, &msg), 0);
	assert_int_equal(msg.payload_count, 1);
	assert_int_equal(msg.skipped_unknown, 1);
	/* The same with the critical bit: UNSUPPORTED_CRITICAL_PAYLOAD naming the type. */
	len = chain_of((const uint8_t *)"28000006abcd"
					"0000001400000000000000000000000000000000",
		       200, 0x80);
	assert_int_equal(ike_message_parse(buf, len, &msg), -EOPNOTSUPP);
	assert_int_equal(msg.unsupported_critical_type, 200);
	assert_int_equal(ike_parse_error_notify(-EOPNOTSUPP), IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	/* A known payload with the critical bit is fine. */
	len = chain_of((const uint8_t *)"0080001400000000000000000000000000000000", 40, 0x80);
	assert_int_equal(ike_message_parse(buf, len, &msg), 0);
	/* Trailing octets after the last payload. */
	len = chain_of((const uint8_t *)"000000140000000000000000000000000000000000", 40, 0);
	assert_int_equal(ike_message_parse(buf, len, &msg), -EBADMSG);
}

static void test_version(void **state)
{
	size_t len = load_sa_init(buf);

	(void)state;
	buf[17] = 0x30;
	assert_int_equal(ike_message_parse(buf, len, &msg), -EPROTONOSUPPORT);
	assert_int_equal(ike_parse_error_notify(-EPROTONOSUPPORT), IKE_N_INVALID_MAJOR_VERSION);
	buf[17] = 0x10;
	assert_int_equal(ike_message_parse(buf, len, &msg), -EPROTONOSUPPORT);
	/* A higher minor version is accepted (RFC 7296 2.5). */
	buf[17] = 0x21;
	assert_int_equal(ike_message_parse(buf, len, &msg), 0);
	assert_int_equal(ike_message_parse(buf, IKE_HEADER_LEN - 1, &msg), -EBADMSG);
}

static void test_sa_structure_errors(void **state)
{
	/* Proposal 1 of ESP, SPI 4, one transform with key length. */
	static const char good[] = "00000018"
				   "01030401"
				   "c0000001"
				   "0000000c"
				   "01000014"
				   "800e0080";
	static const char *bad[] = {
	    "0200001c"
	    "01030401"
	    "c0000001"
	    "0000000c"
	    "01000014"
	    "800e0080", /* "more" */
	    "00000018"
	    "02030401"
	    "c0000001"
	    "0000000c"
	    "01000014"
	    "800e0080", /* number 2 */
	    "00000018"
	    "01030402"
	    "c0000001"
	    "0000000c"
	    "01000014"
	    "800e0080", /* count 2 */
	    "00000018"
	    "01030400"
	    "c0000001"
	    "0000000c"
	    "01000014"
	    "800e0080", /* count 0 */
	    "00000018"
	    "01030301"
	    "c0000001"
	    "0000000c"
	    "01000014"
	    "800e0080", /* SPI 3 */
	    "00000018"
	    "01030401"
	    "c0000001"
	    "0300000c"
	    "01000014"
	    "800e0080", /* "more" */
	    "00000018"
	    "01030401"
	    "c0000001"
	    "0000000b"
	    "01000014"
	    "800e0080", /* tlen */
	    "00000018"
	    "01030401"
	    "c0000001"
	    "0000000c"
	    "01000014"
	    "000e0080", /* TLV KL */
	    "00000018"
	    "01030401"
	    "c0000001"
	    "0000000c"
	    "01000014"
	    "800e0000", /* KL 0 */
	    "00000017"
	    "01030401"
	    "c0000001"
	    "0000000c"
	    "01000014"
	    "800e0080", /* plen */
	    "00000019"
	    "01030401"
	    "c0000001"
	    "0000000c"
	    "01000014"
	    "800e0080", /* plen */
	};
	char hex[256];
	size_t len, i;

	(void)state;
	snprintf(hex, sizeof(hex), "0000001c%s", good);
	len = chain_of((const uint8_t *)hex, IKE_PAYLOAD_SA, 0);
	assert_int_equal(ike_message_parse(buf, len, &msg), 0);
	assert_int_equal(msg.payloads[0].u.sa->proposals[0].transforms[0].key_length, 128);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(hex, sizeof(hex), "0000001c%s", bad[i]);
		len = chain_of((const uint8_t *)hex, IKE_PAYLOAD_SA, 0);
		assert_int_equal(ike_message_parse(buf, len, &msg), -EBADMSG);
	}
	/* Unknown TV attribute: parsed, flagged for the policy code. */
	snprintf(hex, sizeof(hex),
		 "00000020"
		 "0000001c"
		 "01030401"
		 "c0000001"
		 "00000010"
		 "01000014"
		 "800e0080"
		 "80630001");
	len = chain_of((const uint8_t *)hex, IKE_PAYLOAD_SA, 0);
	assert_int_equal(ike_message_parse(buf, len, &msg), 0);
	assert_true(msg.payloads[0].u.sa->proposals[0].transforms[0].unknown_attribute);
	/* Two SA payloads in one message. */
	snprintf(hex, sizeof(hex), "2100001c%s0000001c%s", good, good);
	len = chain_of((const uint8_t *)hex, IKE_PAYLOAD_SA, 0);
	assert_int_equal(ike_message_parse(buf, len, &msg), -EBADMSG);
}

static void test_payload_specific_errors(void **state)
{
	static const struct {
		uint8_t type;
		const char *hex;
	} cases[] = {
	    {IKE_PAYLOAD_IDI, "0000000901000000c6120001"},	   /* IPv4 of 5 octets */
	    {IKE_PAYLOAD_IDI, "0000000b0200000061006200"},	   /* FQDN with NUL */
	    {IKE_PAYLOAD_NONCE, "0000000f0102030405060708090a0b"}, /* 11-octet nonce */
	    {IKE_PAYLOAD_NOTIFY, "0000000b00004004010203"},	   /* NAT-D of 3 */
	    {IKE_PAYLOAD_NOTIFY, "000000090000402eaa"},		   /* FRAG_SUPPORTED with data */
	    {IKE_PAYLOAD_NOTIFY, "0000000900000011aa"},		   /* INVALID_KE of 1 */
	    {IKE_PAYLOAD_NOTIFY, "0000000a0009401001"},		   /* SPI size beyond the body */
	    {IKE_PAYLOAD_DELETE, "0000000c03040002aabbccdd"},	   /* 2 SPIs, 1 present */
	    {IKE_PAYLOAD_DELETE, "0000000c01040001aabbccdd"},	   /* IKE with an SPI */
	    {IKE_PAYLOAD_TSI, "000000180100000007000010000000000a0000000a0000"},   /* short */
	    {IKE_PAYLOAD_TSI, "0000001802000000070000100000ffff0a0000000a0000ff"}, /* count */
	    {IKE_PAYLOAD_TSI, "0000001801000000090000100000ffff0a0000000a0000ff"}, /* type */
	    {IKE_PAYLOAD_SKF, "0000000900030002aa"},	 /* fragment 3 of 2 */
	    {IKE_PAYLOAD_SKF, "0000000900000002aa"},	 /* fragment 0 */
	    {IKE_PAYLOAD_CERTREQ, "000000090401020304"}, /* 4 octets of SHA-1 list */
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = chain_of((const uint8_t *)cases[i].hex, cases[i].type, 0);
		if (ike_message_parse(buf, len, &msg) != -EBADMSG)
			fail_msg("case %zu accepted", i);
	}
	/* SK must be last, and is, when its length runs to the end. */
	len = chain_of((const uint8_t *)"2100000800112233", IKE_PAYLOAD_SK, 0);
	assert_int_equal(ike_message_parse(buf, len, &msg), 0);
	assert_int_equal(msg.payloads[0].u.sk.offset, IKE_HEADER_LEN);
	len = chain_of((const uint8_t *)"2100000800112233"
					"00000014000000000000000000000000000000000000",
		       IKE_PAYLOAD_SK, 0);
	assert_int_equal(ike_message_parse(buf, len, &msg), -EBADMSG);
	/* A non-first fragment names no inner payload. */
	len = chain_of((const uint8_t *)"2100000900020002aa", IKE_PAYLOAD_SKF, 0);
	assert_int_equal(ike_message_parse(buf, len, &msg), -EBADMSG);
	len = chain_of((const uint8_t *)"0000000900020002aa", IKE_PAYLOAD_SKF, 0);
	assert_int_equal(ike_message_parse(buf, len, &msg), 0);
	assert_int_equal(msg.payloads[0].u.sk.fragment_number, 2);
	/* An SK inside the decrypted chain. */
	assert_int_equal(ike_message_parse_inner(&msg, IKE_PAYLOAD_SK,
						 (const uint8_t *)"\x00\x00\x00\x05\x01", 5),
			 -EBADMSG);
}

static void test_limits(void **state)
{
	struct ike_writer w;
	struct ike_payload vid = {.type = IKE_PAYLOAD_VENDOR_ID, .u.vendor_id = {blob, 1}};
	size_t i;
	int len;

	(void)state;
	ike_writer_init(&w, buf, sizeof(buf));
	ike_writer_header(&w, &test_header);
	for (i = 0; i <= IKE_MAX_PAYLOADS; i++)
		ike_writer_payload(&w, &vid);
	len = ike_writer_finish(&w);
	assert_int_equal(ike_message_parse(buf, (size_t)len, &msg), -E2BIG);
	/* A writer that runs out of room says so and stays failed. */
	ike_writer_init(&w, buf, 35);
	ike_writer_header(&w, &test_header);
	assert_int_equal(ike_writer_payload(&w, &vid), 0);
	assert_int_equal(ike_writer_payload(&w, &vid), -ENOSPC);
	assert_int_equal(ike_writer_finish(&w), -ENOSPC);
}

static void test_non_esp_marker(void **state)
{
	static const uint8_t ike[] = {0, 0, 0, 0, 0xaa, 0xbb};
	static const uint8_t esp[] = {0, 0, 0, 1, 0xaa, 0xbb};
	static const uint8_t keepalive[] = {0xff};
	struct ike_span s;
	uint8_t out[16];

	(void)state;
	assert_int_equal(ike_non_esp_strip(ike, sizeof(ike), &s), 1);
	assert_ptr_equal(s.ptr, ike + 4);
	assert_int_equal(s.len, 2);
	assert_int_equal(ike_non_esp_strip(esp, sizeof(esp), &s), 0);
	assert_int_equal(ike_non_esp_strip(keepalive, sizeof(keepalive), &s), -EBADMSG);
	assert_int_equal(ike_non_esp_prepend(out, sizeof(out), ike + 4, 2), 6);
	assert_memory_equal(out, ike, 6);
	assert_int_equal(ike_non_esp_prepend(out, 5, ike + 4, 2), -ENOSPC);
	assert_int_equal(ike_non_esp_prepend(out, 3, ike + 4, 0), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strongswan_sa_init),
	    cmocka_unit_test(test_writer_matches_reference),
	    cmocka_unit_test(test_round_trip_each_payload),
	    cmocka_unit_test(test_round_trip_chain),
	    cmocka_unit_test(test_truncated_oversized_zero),
	    cmocka_unit_test(test_random_bodies),
	    cmocka_unit_test(test_unknown_payloads),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_sa_structure_errors),
	    cmocka_unit_test(test_payload_specific_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_non_esp_marker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
