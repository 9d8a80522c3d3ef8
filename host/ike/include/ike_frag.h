/* IKEv2 message fragmentation (RFC 7383): splitting an SK payload's plaintext into SKF
 * fragments that fit a size, and reassembling decrypted fragments with limits. Timeouts and
 * matching fragments to messages (by message ID) are the caller's. */
#ifndef IKE_FRAG_H
#define IKE_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include "ike_message.h"
#include "ike_sk.h"

#define IKE_FRAG_MAX_FRAGMENTS 64

/* Encrypts plain (an inner chain starting with first_type) as SKF fragments of at most
 * max_message_len octets each (the IKE message; the caller subtracts IP, UDP and the non-ESP
 * marker). Fragments are written back to back into out; offsets[i], lengths[i] locate
 * fragment i+1. Returns the number of fragments (-EMSGSIZE if no payload fits a fragment,
 * -E2BIG if more than max_fragments are needed). */
int ike_frag_split(const struct ike_header *hdr, struct ike_sk_key *k, uint8_t first_type,
		   const uint8_t *plain, size_t plain_len, size_t max_message_len, uint8_t *out,
		   size_t cap, size_t *offsets, size_t *lengths, size_t max_fragments);

struct ike_frag_reassembly {
	uint16_t max_fragments;
	size_t max_bytes;
	uint16_t total; /* 0 until the first fragment */
	uint16_t received;
	uint8_t first_type;
	size_t bytes;
	uint8_t *parts[IKE_FRAG_MAX_FRAGMENTS];
	size_t part_len[IKE_FRAG_MAX_FRAGMENTS];
};

void ike_frag_init(struct ike_frag_reassembly *r, uint16_t max_fragments, size_t max_bytes);
/* Adds the decrypted contents of one SKF payload. Returns 1 when all fragments are in, 0
 * when more are needed, -EALREADY for a duplicate or a stale fragment (ignore it), -EBADMSG
 * for numbers that do not fit, -E2BIG past the limits, -ENOMEM. A fragment announcing more
 * fragments than before restarts the reassembly (the sender re-fragmented for a smaller
 * MTU, RFC 7383 2.6.2). */
int ike_frag_add(struct ike_frag_reassembly *r, const struct ike_payload *skf, const uint8_t *plain,
		 size_t len);
/* Concatenates a complete set; *first_type gets the first inner payload type. */
int ike_frag_assemble(const struct ike_frag_reassembly *r, uint8_t *out, size_t cap,
		      uint8_t *first_type);
/* Frees (and wipes) what was collected; the limits stay. */
void ike_frag_reset(struct ike_frag_reassembly *r);

#endif
