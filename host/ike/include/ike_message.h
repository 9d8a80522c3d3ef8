/* IKEv2 messages: the header, the decoded payload chain and its serialization.
 *
 * Parsing is zero-copy: decoded payloads hold spans into the caller's buffer, which must
 * outlive the struct ike_message. Errors (negative errno):
 *   -EBADMSG          malformed (send INVALID_SYNTAX, or drop if unauthenticated)
 *   -EPROTONOSUPPORT  major version is not 2 (INVALID_MAJOR_VERSION)
 *   -EOPNOTSUPP       unknown payload with the critical bit set (UNSUPPORTED_CRITICAL_PAYLOAD,
 *                     type in ike_message.unsupported_critical_type)
 *   -E2BIG            more payloads/proposals/transforms/selectors than the limits below
 * ike_parse_error_notify() maps them to the notify type to answer with. */
#ifndef IKE_MESSAGE_H
#define IKE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_types.h"

#define IKE_MAX_PAYLOADS   48
#define IKE_MAX_PROPOSALS  16
#define IKE_MAX_TRANSFORMS 64
#define IKE_MAX_TS	   16
#define IKE_MAX_SPI_LEN	   8

struct ike_header {
	uint8_t spi_i[IKE_SPI_LEN];
	uint8_t spi_r[IKE_SPI_LEN];
	uint8_t next_payload;
	uint8_t major_version;
	uint8_t minor_version;
	uint8_t exchange_type;
	uint8_t flags; /* IKE_FLAG_* */
	uint32_t message_id;
	uint32_t length;
};

struct ike_transform {
	uint8_t type; /* enum ike_transform_type */
	uint16_t id;
	uint16_t key_length; /* bits; 0 when the attribute is absent */
	/* An attribute other than Key Length was present: RFC 7296 3.3.6 says the proposal
	 * then cannot be chosen, which is the policy code's decision, not the parser's. */
	bool unknown_attribute;
};

struct ike_proposal {
	uint8_t number;
	uint8_t protocol; /* enum ike_protocol_id */
	uint8_t spi_size;
	uint8_t spi[IKE_MAX_SPI_LEN];
	uint8_t transform_count;
	struct ike_transform transforms[IKE_MAX_TRANSFORMS];
};

struct ike_sa_payload {
	uint8_t proposal_count;
	struct ike_proposal proposals[IKE_MAX_PROPOSALS];
};

struct ike_ke_payload {
	uint16_t group;
	struct ike_span data;
};

/* IDi, IDr. body is the whole payload body (type, reserved, data): AUTH signs it. */
struct ike_id_payload {
	uint8_t id_type;
	struct ike_span data;
	struct ike_span body;
};

/* CERT and CERTREQ. */
struct ike_cert_payload {
	uint8_t encoding;
	struct ike_span data;
};

struct ike_auth_payload {
	uint8_t method;
	struct ike_span data;
};

struct ike_notify_payload {
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t type;
	struct ike_span spi;
	struct ike_span data;
};

struct ike_delete_payload {
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t spi_count;
	struct ike_span spis; /* spi_count * spi_size octets */
};

struct ike_ts {
	uint8_t type; /* enum ike_ts_type */
	uint8_t ip_protocol;
	uint16_t start_port;
	uint16_t end_port;
	uint8_t start_addr[16]; /* 4 or 16 octets used */
	uint8_t end_addr[16];
};

struct ike_ts_payload {
	uint8_t count;
	struct ike_ts ts[IKE_MAX_TS];
};

/* SK: data is IV | ciphertext | ICV; next_payload of the payload header is the first inner
 * payload. SKF adds the fragment numbers (RFC 7383 2.5). */
struct ike_sk_payload {
	uint16_t fragment_number; /* SKF only */
	uint16_t total_fragments; /* SKF only */
	struct ike_span data;
	size_t offset; /* of the generic payload header, from the IKE header */
};

struct ike_payload {
	uint8_t type;	      /* enum ike_payload_type */
	uint8_t next_payload; /* as on the wire */
	bool critical;
	struct ike_span body; /* the payload minus its generic header */
	union {
		struct ike_sa_payload *sa; /* points into ike_message.sa_storage */
		struct ike_ke_payload ke;
		struct ike_id_payload id;
		struct ike_cert_payload cert;
		struct ike_auth_payload auth;
		struct ike_span nonce;
		struct ike_notify_payload notify;
		struct ike_delete_payload del;
		struct ike_span vendor_id;
		struct ike_ts_payload *ts; /* points into ike_message.ts_storage */
		struct ike_sk_payload sk;
	} u;
};

struct ike_message {
	struct ike_header header;
	size_t payload_count;
	struct ike_payload payloads[IKE_MAX_PAYLOADS];
	/* A message carries at most one SA and one TSi/TSr pair (RFC 7296 1.2, 1.3); repeats
	 * are rejected so fixed storage is enough. */
	struct ike_sa_payload sa_storage;
	struct ike_ts_payload ts_storage[2];
	uint8_t unsupported_critical_type;
	size_t skipped_unknown; /* non-critical unknown payloads ignored */
};

/* The 28-byte header alone (no length cross-check against a buffer). */
int ike_header_parse(const uint8_t *buf, size_t len, struct ike_header *hdr);
void ike_header_write(const struct ike_header *hdr, uint8_t out[IKE_HEADER_LEN]);
/* The fields of the fixed layout, unchecked (IKEv1's ISAKMP header shares it). */
void ike_header_decode(const uint8_t buf[IKE_HEADER_LEN], struct ike_header *hdr);

/* A whole message: header, length check, payload chain up to and including SK/SKF (which
 * must be last). */
int ike_message_parse(const uint8_t *buf, size_t len, struct ike_message *msg);

/* Append the payload chain found inside a decrypted SK payload (starting with
 * first_type) to msg. */
int ike_message_parse_inner(struct ike_message *msg, uint8_t first_type, const uint8_t *buf,
			    size_t len);

/* First payload of a type, or NULL; for notifies use ike_message_find_notify. */
const struct ike_payload *ike_message_find(const struct ike_message *msg, uint8_t type);
const struct ike_notify_payload *ike_message_find_notify(const struct ike_message *msg,
							 uint16_t notify_type);

/* The notify an error return of the parser calls for (0 when none should be sent). */
uint16_t ike_parse_error_notify(int err);

/* Serialization: the writer appends payloads, chaining next-payload fields as it goes.
 * Errors stick: after the first failure every call returns it. */
struct ike_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t np_offset;   /* the last payload's next-payload octet, SIZE_MAX before any */
	uint8_t first_type; /* a bare chain's first payload type (an SK header names it) */
	bool has_header;
	int err;
};

/* A message (with_header: reserve and later fill the IKE header) or a bare payload chain
 * (the plaintext of an SK payload). */
void ike_writer_init(struct ike_writer *w, uint8_t *buf, size_t cap);
int ike_writer_header(struct ike_writer *w, const struct ike_header *hdr);
/* Serializes p->type from the matching union member (p->body for CP, EAP and unknown
 * types). SK/SKF are written by ike_sk_encrypt. */
int ike_writer_payload(struct ike_writer *w, const struct ike_payload *p);
/* Type of the first payload written (for the SK next-payload field of inner chains). */
uint8_t ike_writer_first_type(const struct ike_writer *w);
/* Fix up the header length; returns the total length or a negative errno. */
int ike_writer_finish(struct ike_writer *w);

/* Low-level helpers shared with ike_sk and ike_frag. */
int ike_writer_reserve(struct ike_writer *w, size_t n, uint8_t **out);
int ike_writer_begin_payload(struct ike_writer *w, uint8_t type, bool critical, size_t *start);
int ike_writer_end_payload(struct ike_writer *w, size_t start);
/* Append octets to the payload being written (big-endian for the integers). */
int ike_writer_put(struct ike_writer *w, const void *data, size_t len);
int ike_writer_put8(struct ike_writer *w, uint8_t v);
int ike_writer_put16(struct ike_writer *w, uint16_t v);
int ike_writer_put32(struct ike_writer *w, uint32_t v);
int ike_writer_put_span(struct ike_writer *w, struct ike_span s);
int ike_writer_put_zero(struct ike_writer *w, size_t n); /* n <= 4 */

/* UDP port 4500 carries IKE after four zero octets, ESP without them (RFC 3948 2.2).
 * ike_non_esp_strip returns 1 and sets *ike for an IKE datagram, 0 for ESP (non-zero SPI),
 * -EBADMSG for a datagram too short to tell (or the one-octet NAT-keepalive, which the
 * caller should drop). ike_non_esp_prepend writes the marker in front of a message. */
int ike_non_esp_strip(const uint8_t *dgram, size_t len, struct ike_span *ike);
int ike_non_esp_prepend(uint8_t *out, size_t cap, const uint8_t *msg, size_t len);

#endif
