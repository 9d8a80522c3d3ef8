/* IKEv1 messages: the ISAKMP header (RFC 2408 3.1) and the payloads main mode, aggressive
 * mode, quick mode and informational exchanges use (RFC 2408 3.4-3.16, the IPsec DOI of
 * RFC 2407, the NAT-D and NAT-OA payloads of RFC 3947), decoded strictly and serialized.
 *
 * The header has the IKEv2 layout, so struct ike_header (cookies in spi_i / spi_r) and the
 * ike_writer serve both versions; only the payload formats differ. Parsing is zero-copy:
 * spans point into the caller's buffer. Errors (negative errno), with the notify to answer
 * in ikev1_message.notify:
 *   -EBADMSG          malformed (PAYLOAD-MALFORMED, INVALID-FLAGS, INVALID-COOKIE, ...)
 *   -EPROTONOSUPPORT  version is not 1.0 (INVALID-MAJOR-VERSION / INVALID-MINOR-VERSION)
 *   -EOPNOTSUPP       exchange type or payload type not handled (INVALID-EXCHANGE-TYPE,
 *                     INVALID-PAYLOAD-TYPE with the type in ikev1_message.bad_payload_type),
 *                     DOI or situation other than IPsec / identity only
 *   -E2BIG            more payloads, proposals or transforms than the limits below */
#ifndef IKEV1_MESSAGE_H
#define IKEV1_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_message.h"
#include "ike_types.h"

#define IKEV1_MAJOR_VERSION   1
#define IKEV1_MINOR_VERSION   0
#define IKEV1_COOKIE_LEN      8
#define IKEV1_NONCE_MIN_LEN   8 /* RFC 2409 5 */
#define IKEV1_NONCE_MAX_LEN   256
#define IKEV1_MAX_PAYLOADS    32
#define IKEV1_MAX_PROPOSALS   16
#define IKEV1_MAX_TRANSFORMS  128 /* per SA payload, over all proposals */
#define IKEV1_MAX_SPI_LEN     16  /* a phase-1 proposal may carry both cookies */
#define IKEV1_MAX_PADDING     255 /* after the chain of a decrypted body */
#define IKEV1_DOI_IPSEC	      1	  /* RFC 2407 */
#define IKEV1_SIT_IDENTITY    1	  /* SIT_IDENTITY_ONLY */
#define IKEV1_PROTO_ISAKMP    1
#define IKEV1_PROTO_IPSEC_AH  2
#define IKEV1_PROTO_IPSEC_ESP 3
#define IKEV1_PROTO_IPCOMP    4
#define IKEV1_KEY_IKE	      1 /* the only phase-1 transform ID (RFC 2409 5) */

/* Header flags (RFC 2408 3.1). */
#define IKEV1_FLAG_ENCRYPTION 0x01
#define IKEV1_FLAG_COMMIT     0x02
#define IKEV1_FLAG_AUTH_ONLY  0x04

enum ikev1_exchange_type {
	IKEV1_EXCHANGE_MAIN = 2,       /* Identity Protection */
	IKEV1_EXCHANGE_AGGRESSIVE = 4, /* Aggressive */
	IKEV1_EXCHANGE_INFORMATIONAL = 5,
	IKEV1_EXCHANGE_QUICK = 32,
};

enum ikev1_payload_type {
	IKEV1_PAYLOAD_NONE = 0,
	IKEV1_PAYLOAD_SA = 1,
	IKEV1_PAYLOAD_PROPOSAL = 2, /* only inside SA */
	IKEV1_PAYLOAD_TRANSFORM = 3,
	IKEV1_PAYLOAD_KE = 4,
	IKEV1_PAYLOAD_ID = 5,
	IKEV1_PAYLOAD_CERT = 6,
	IKEV1_PAYLOAD_CERTREQ = 7,
	IKEV1_PAYLOAD_HASH = 8,
	IKEV1_PAYLOAD_SIG = 9,
	IKEV1_PAYLOAD_NONCE = 10,
	IKEV1_PAYLOAD_NOTIFY = 11,
	IKEV1_PAYLOAD_DELETE = 12,
	IKEV1_PAYLOAD_VENDOR_ID = 13,
	IKEV1_PAYLOAD_NAT_D = 20,  /* RFC 3947 */
	IKEV1_PAYLOAD_NAT_OA = 21, /* RFC 3947 */
};

/* Phase-1 attributes (RFC 2409 appendix A) with their form (RFC 2408 3.3: basic is TV
 * only, variable may be TV when it fits), and their values. */
enum ikev1_p1_attr {
	IKEV1_P1_ENCR = 1,		  /* basic */
	IKEV1_P1_HASH = 2,		  /* basic */
	IKEV1_P1_AUTH_METHOD = 3,	  /* basic */
	IKEV1_P1_GROUP = 4,		  /* basic */
	IKEV1_P1_GROUP_TYPE = 5,	  /* basic */
	IKEV1_P1_GROUP_PRIME = 6,	  /* variable */
	IKEV1_P1_GROUP_GENERATOR_ONE = 7, /* variable */
	IKEV1_P1_GROUP_GENERATOR_TWO = 8, /* variable */
	IKEV1_P1_GROUP_CURVE_A = 9,	  /* variable */
	IKEV1_P1_GROUP_CURVE_B = 10,	  /* variable */
	IKEV1_P1_LIFE_TYPE = 11,	  /* basic */
	IKEV1_P1_LIFE_DURATION = 12,	  /* variable */
	IKEV1_P1_PRF = 13,		  /* basic */
	IKEV1_P1_KEY_LENGTH = 14,	  /* basic */
	IKEV1_P1_FIELD_SIZE = 15,	  /* basic */
	IKEV1_P1_GROUP_ORDER = 16,	  /* variable */
};

enum ikev1_encr {
	IKEV1_ENCR_DES_CBC = 1,
	IKEV1_ENCR_3DES_CBC = 5,
	IKEV1_ENCR_AES_CBC = 7, /* RFC 3602 */
};

enum ikev1_hash {
	IKEV1_HASH_MD5 = 1,
	IKEV1_HASH_SHA1 = 2,
	IKEV1_HASH_SHA2_256 = 4, /* RFC 4868 */
	IKEV1_HASH_SHA2_384 = 5,
	IKEV1_HASH_SHA2_512 = 6,
};

enum ikev1_auth_method {
	IKEV1_AUTH_PSK = 1,
	IKEV1_AUTH_DSS_SIG = 2,
	IKEV1_AUTH_RSA_SIG = 3,
	IKEV1_AUTH_RSA_ENC = 4,
	IKEV1_AUTH_RSA_ENC_REV = 5,
	IKEV1_AUTH_ECDSA_256 = 9, /* RFC 4754 */
	IKEV1_AUTH_ECDSA_384 = 10,
	IKEV1_AUTH_ECDSA_521 = 11,
};

#define IKEV1_LIFE_SECONDS   1
#define IKEV1_LIFE_KILOBYTES 2

/* Phase-2 (IPsec DOI) attributes, RFC 2407 4.5, RFC 3947, RFC 4304: all basic but Life
 * Duration and Compress Private Algorithm. */
enum ikev1_p2_attr {
	IKEV1_P2_LIFE_TYPE = 1,
	IKEV1_P2_LIFE_DURATION = 2,
	IKEV1_P2_GROUP = 3,
	IKEV1_P2_ENCAP_MODE = 4,
	IKEV1_P2_AUTH_ALG = 5,
	IKEV1_P2_KEY_LENGTH = 6,
	IKEV1_P2_KEY_ROUNDS = 7,
	IKEV1_P2_COMP_DICT_SIZE = 8,
	IKEV1_P2_COMP_PRIVATE_ALG = 9,
	IKEV1_P2_ECN_TUNNEL = 10,
	IKEV1_P2_ESN = 11,
};

enum ikev1_encap_mode {
	IKEV1_ENCAP_TUNNEL = 1,
	IKEV1_ENCAP_TRANSPORT = 2,
	IKEV1_ENCAP_UDP_TUNNEL = 3, /* RFC 3947 */
	IKEV1_ENCAP_UDP_TRANSPORT = 4,
};

enum ikev1_auth_alg {
	IKEV1_AUTH_ALG_HMAC_MD5 = 1,
	IKEV1_AUTH_ALG_HMAC_SHA1 = 2,
	IKEV1_AUTH_ALG_HMAC_SHA2_256 = 5, /* RFC 4868 */
	IKEV1_AUTH_ALG_HMAC_SHA2_384 = 6,
	IKEV1_AUTH_ALG_HMAC_SHA2_512 = 7,
};

/* ESP transform IDs (RFC 2407 4.4.4; the IKEv2 ENCR numbers were taken from these). */
enum ikev1_esp_id {
	IKEV1_ESP_DES = 2,
	IKEV1_ESP_3DES = 3,
	IKEV1_ESP_NULL = 11,
	IKEV1_ESP_AES_CBC = 12,
	IKEV1_ESP_AES_GCM_16 = 20, /* RFC 4106 */
};

enum ikev1_id_type {
	IKEV1_ID_IPV4_ADDR = 1,	       /* data: 4 octets */
	IKEV1_ID_FQDN = 2,	       /* text without NUL */
	IKEV1_ID_USER_FQDN = 3,	       /* text without NUL */
	IKEV1_ID_IPV4_ADDR_SUBNET = 4, /* address, contiguous mask */
	IKEV1_ID_IPV6_ADDR = 5,	       /* 16 octets */
	IKEV1_ID_IPV6_ADDR_SUBNET = 6, /* address, contiguous mask */
	IKEV1_ID_IPV4_ADDR_RANGE = 7,  /* first, last */
	IKEV1_ID_IPV6_ADDR_RANGE = 8,  /* first, last */
	IKEV1_ID_DER_ASN1_DN = 9,      /* a DER SEQUENCE */
	IKEV1_ID_DER_ASN1_GN = 10,     /* opaque */
	IKEV1_ID_KEY_ID = 11,	       /* opaque */
};

/* Notify message types (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706). */
enum ikev1_notify_type {
	IKEV1_N_INVALID_PAYLOAD_TYPE = 1,
	IKEV1_N_DOI_NOT_SUPPORTED = 2,
	IKEV1_N_SITUATION_NOT_SUPPORTED = 3,
	IKEV1_N_INVALID_COOKIE = 4,
	IKEV1_N_INVALID_MAJOR_VERSION = 5,
	IKEV1_N_INVALID_MINOR_VERSION = 6,
	IKEV1_N_INVALID_EXCHANGE_TYPE = 7,
	IKEV1_N_INVALID_FLAGS = 8,
	IKEV1_N_INVALID_MESSAGE_ID = 9,
	IKEV1_N_INVALID_PROTOCOL_ID = 10,
	IKEV1_N_INVALID_SPI = 11,
	IKEV1_N_INVALID_TRANSFORM_ID = 12,
	IKEV1_N_ATTRIBUTES_NOT_SUPPORTED = 13,
	IKEV1_N_NO_PROPOSAL_CHOSEN = 14,
	IKEV1_N_BAD_PROPOSAL_SYNTAX = 15,
	IKEV1_N_PAYLOAD_MALFORMED = 16,
	IKEV1_N_INVALID_KEY_INFORMATION = 17,
	IKEV1_N_INVALID_ID_INFORMATION = 18,
	IKEV1_N_INVALID_CERT_ENCODING = 19,
	IKEV1_N_INVALID_CERTIFICATE = 20,
	IKEV1_N_INVALID_HASH_INFORMATION = 23,
	IKEV1_N_AUTHENTICATION_FAILED = 24,
	IKEV1_N_INVALID_SIGNATURE = 25,
	IKEV1_N_RESPONDER_LIFETIME = 24576,
	IKEV1_N_REPLAY_STATUS = 24577,
	IKEV1_N_INITIAL_CONTACT = 24578,
	IKEV1_N_DPD_R_U_THERE = 36136,
	IKEV1_N_DPD_R_U_THERE_ACK = 36137,
};

struct ikev1_transform {
	uint8_t number;
	uint8_t id; /* IKEV1_KEY_IKE in phase 1, enum ikev1_esp_id for ESP */
	/* Attributes; 0 when absent. Phase 1 uses encr..prf, phase 2 group..esn. */
	uint16_t encr;
	uint16_t hash;
	uint16_t auth_method;
	uint16_t group; /* phase 1 Group Description, phase 2 the PFS group */
	uint16_t prf;
	uint16_t encap_mode;
	uint16_t auth_alg;
	uint16_t esn;
	uint16_t key_length; /* bits */
	uint64_t life_seconds;
	uint64_t life_kilobytes;
	/* An attribute the policy cannot evaluate (private groups, key rounds, ...) was
	 * present: the transform must not be chosen (ATTRIBUTES-NOT-SUPPORTED). */
	bool unknown_attribute;
};

struct ikev1_proposal {
	uint8_t number;
	uint8_t protocol; /* IKEV1_PROTO_* */
	uint8_t spi_size;
	uint8_t spi[IKEV1_MAX_SPI_LEN];
	uint8_t transform_count;
	uint8_t first_transform; /* index into ikev1_sa_payload.transforms */
};

struct ikev1_sa_payload {
	uint32_t doi;
	uint32_t situation;
	uint8_t proposal_count;
	uint8_t transform_count; /* over all proposals */
	struct ikev1_proposal proposals[IKEV1_MAX_PROPOSALS];
	struct ikev1_transform transforms[IKEV1_MAX_TRANSFORMS];
};

/* ID (RFC 2407 4.6.2). body is the whole payload body (IDii_b / IDir_b of RFC 2409).
 * For the address types addr_len is 4 or 16 and start..end the covered addresses (a
 * subnet's mask must be contiguous; prefix_len is set for single addresses and subnets). */
struct ikev1_id_payload {
	uint8_t id_type;
	uint8_t protocol;
	uint16_t port;
	struct ike_span data;
	struct ike_span body;
	uint8_t addr_len;
	uint8_t prefix_len;
	uint8_t start[16];
	uint8_t end[16];
};

struct ikev1_cert_payload {
	uint8_t encoding;
	struct ike_span data;
};

struct ikev1_notify_payload {
	uint32_t doi;
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t type;
	struct ike_span spi;
	struct ike_span data;
};

struct ikev1_delete_payload {
	uint32_t doi;
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t spi_count;
	struct ike_span spis; /* spi_count * spi_size octets */
};

/* NAT-OA (RFC 3947 5): the original address, IPv4 or IPv6. */
struct ikev1_nat_oa_payload {
	uint8_t id_type; /* IKEV1_ID_IPV4_ADDR or IKEV1_ID_IPV6_ADDR */
	struct ike_span addr;
};

struct ikev1_payload {
	uint8_t type;	      /* enum ikev1_payload_type */
	uint8_t next_payload; /* as on the wire */
	struct ike_span body; /* the payload minus its generic header */
	union {
		struct ikev1_sa_payload *sa; /* points into ikev1_message.sa_storage */
		struct ike_span ke;
		struct ikev1_id_payload id;
		struct ikev1_cert_payload cert; /* CERT and CERTREQ */
		struct ike_span hash;
		struct ike_span sig;
		struct ike_span nonce;
		struct ikev1_notify_payload notify;
		struct ikev1_delete_payload del;
		struct ike_span vendor_id;
		struct ike_span nat_d;
		struct ikev1_nat_oa_payload nat_oa;
	} u;
};

struct ikev1_message {
	struct ike_header header; /* spi_i / spi_r are the initiator and responder cookies */
	/* E flag set: the ciphertext after the header; no payloads until decrypted and fed to
	 * ikev1_message_parse_decrypted. */
	struct ike_span encrypted;
	size_t payload_count;
	struct ikev1_payload payloads[IKEV1_MAX_PAYLOADS];
	struct ike_span chain; /* the payload chain, padding excluded (quick mode hashes) */
	size_t padding;	       /* octets after the chain of a decrypted body */
	struct ikev1_sa_payload sa_storage;
	uint16_t notify; /* the notify a parse error calls for, 0 when none */
	uint8_t bad_payload_type;
};

/* The 28-octet header alone: version 1.0, known flags only, a handled exchange type, a
 * non-zero initiator cookie, message ID zero exactly for main and aggressive mode. */
int ikev1_header_parse(const uint8_t *buf, size_t len, struct ike_header *hdr, uint16_t *notify);

/* A whole datagram: header, length, and the payload chain unless the E flag is set. */
int ikev1_message_parse(const uint8_t *buf, size_t len, struct ikev1_message *msg);

/* The payload chain of a decrypted body (starting with msg->header.next_payload); zero to
 * IKEV1_MAX_PADDING octets of padding may follow the last payload. */
int ikev1_message_parse_decrypted(struct ikev1_message *msg, const uint8_t *plain, size_t len);

/* The n-th (from 0) payload of a type, or NULL (quick mode carries two IDs). */
const struct ikev1_payload *ikev1_message_find(const struct ikev1_message *msg, uint8_t type,
					       unsigned n);
const struct ikev1_notify_payload *ikev1_message_find_notify(const struct ikev1_message *msg,
							     uint16_t notify_type);

/* The octets of the chain after payload p (the input of the quick mode and informational
 * HASH payloads, RFC 2409 5.5 and 5.7). */
struct ike_span ikev1_message_after(const struct ikev1_message *msg, const struct ikev1_payload *p);

/* Serializes p->type from the matching union member into a writer (ike_writer_init, then
 * ike_writer_header with major_version 1 for a cleartext message, or no header for the
 * plaintext of an encrypted one). */
int ikev1_writer_payload(struct ike_writer *w, const struct ikev1_payload *p);

/* The quick mode ID (RFC 2407 4.6.2) for the addresses start..end (alen 4 or 16): a single
 * address, a subnet when the range is exactly one prefix, otherwise a range; with the given
 * protocol and port. The payload's data is written to data (at most 32 octets), which
 * id->data points to. -EINVAL when start > end. */
int ikev1_id_from_range(const uint8_t *start, const uint8_t *end, size_t alen, uint8_t protocol,
			uint16_t port, uint8_t data[32], struct ikev1_id_payload *id);

/* The data of a RESPONDER-LIFETIME notify (RFC 2407 4.6.3.1): Life Type / Life Duration
 * pairs, by the attribute rules of protocol (IKEV1_PROTO_ISAKMP for phase 1, the IPsec DOI
 * otherwise). Decoding fails (-EBADMSG) on any other attribute or when no lifetime is given;
 * 0 means "not given" for either value. Encoding leaves zero values out and returns the
 * length written. */
int ikev1_decode_lifetime(uint8_t protocol, struct ike_span data, uint64_t *seconds,
			  uint64_t *kilobytes);
int ikev1_encode_lifetime(uint8_t protocol, uint64_t seconds, uint64_t kilobytes, uint8_t *out,
			  size_t cap);

/* Vendor IDs a gateway acts on (RFC 3947 4, RFC 3706 5). */
enum ikev1_vendor {
	IKEV1_VENDOR_UNKNOWN = 0,
	IKEV1_VENDOR_NAT_T_RFC3947,
	IKEV1_VENDOR_DPD,
	IKEV1_VENDOR_NAT_T_DRAFT, /* draft-ietf-ipsec-nat-t-ike-02/03: recognized, not used */
};

#define IKEV1_VID_LEN 16
extern const uint8_t ikev1_vid_nat_t_rfc3947[IKEV1_VID_LEN];
extern const uint8_t ikev1_vid_dpd[IKEV1_VID_LEN];
enum ikev1_vendor ikev1_vendor_id_kind(struct ike_span vid);

#endif
