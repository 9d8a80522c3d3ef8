/* RFC 7383 fragmentation: split into SKF payloads, reassemble with limits. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_frag.h"

#define SKF_HEADER_LEN 8

int ike_frag_split(const struct ike_header *hdr, struct ike_sk_key *k, uint8_t first_type,
		   const uint8_t *plain, size_t plain_len, size_t max_message_len, uint8_t *out,
		   size_t cap, size_t *offsets, size_t *lengths, size_t max_fragments)
{
	size_t fixed, room, chunk, count, i, pos = 0;
	size_t icv;

	if (hdr == NULL || k == NULL || k->encr == NULL || out == NULL || offsets == NULL ||
	    lengths == NULL || (plain == NULL && plain_len))
		return -EINVAL;
	icv = k->encr->aead ? k->encr->icv_len : k->integ->icv_len;
	fixed = IKE_HEADER_LEN + SKF_HEADER_LEN + k->encr->iv_len + icv;
	if (max_message_len <= fixed)
		return -EMSGSIZE;
	/* Largest whole-block ciphertext that fits, minus the pad length octet. */
	room = (max_message_len - fixed) / k->encr->block_len * k->encr->block_len;
	if (room < 2)
		return -EMSGSIZE;
	chunk = room - 1;
	count = plain_len == 0 ? 1 : (plain_len + chunk - 1) / chunk;
	if (count > max_fragments || count > IKE_FRAG_MAX_FRAGMENTS)
		return -E2BIG;
	for (i = 0; i < count; i++) {
		size_t take = plain_len - pos < chunk ? plain_len - pos : chunk;
		struct ike_writer w;
		int ret;

		offsets[i] = i == 0 ? 0 : offsets[i - 1] + lengths[i - 1];
		ike_writer_init(&w, out + offsets[i], cap - offsets[i]);
		ike_writer_header(&w, hdr);
		ret = ike_skf_encrypt(&w, k, first_type, (uint16_t)(i + 1), (uint16_t)count,
				      plain + pos, take);
		if (ret < 0)
			return ret;
		lengths[i] = (size_t)ret;
		pos += take;
	}
	return (int)count;
}

void ike_frag_init(struct ike_frag_reassembly *r, uint16_t max_fragments, size_t max_bytes)
{
	memset(r, 0, sizeof(*r));
	r->max_fragments =
	    max_fragments > IKE_FRAG_MAX_FRAGMENTS ? IKE_FRAG_MAX_FRAGMENTS : max_fragments;
	r->max_bytes = max_bytes;
}

void ike_frag_reset(struct ike_frag_reassembly *r)
{
	size_t i;

	for (i = 0; i < IKE_FRAG_MAX_FRAGMENTS; i++) {
		if (r->parts[i] != NULL) {
			OPENSSL_cleanse(r->parts[i], r->part_len[i]);
			free(r->parts[i]);
		}
		r->parts[i] = NULL;
		r->part_len[i] = 0;
	}
	r->total = 0;
	r->received = 0;
	r->first_type = 0;
	r->bytes = 0;
}

int ike_frag_add(struct ike_frag_reassembly *r, const struct ike_payload *skf, const uint8_t *plain,
		 size_t len)
{
	uint16_t num, total;
	uint8_t *copy;

	if (r == NULL || skf == NULL || skf->type != IKE_PAYLOAD_SKF || (plain == NULL && len))
		return -EINVAL;
	num = skf->u.sk.fragment_number;
	total = skf->u.sk.total_fragments;
	if (num == 0 || num > total)
		return -EBADMSG;
	if (total > r->max_fragments)
		return -E2BIG;
	if (r->total != 0 && total != r->total) {
		/* Fewer fragments than before: a stale retransmission; more: start over. */
		if (total < r->total)
			return -EALREADY;
		ike_frag_reset(r);
	}
	if (r->total == 0)
		r->total = total;
	if (r->parts[num - 1] != NULL)
		return -EALREADY;
	if (len > r->max_bytes - r->bytes)
		return -E2BIG;
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return -ENOMEM;
	if (len)
		memcpy(copy, plain, len);
	r->parts[num - 1] = copy;
	r->part_len[num - 1] = len;
	r->bytes += len;
	r->received++;
	if (num == 1)
		r->first_type = skf->next_payload;
	return r->received == r->total ? 1 : 0;
}

int ike_frag_assemble(const struct ike_frag_reassembly *r, uint8_t *out, size_t cap,
		      uint8_t *first_type)
{
	size_t i, pos = 0;

	if (r == NULL || out == NULL || first_type == NULL)
		return -EINVAL;
	if (r->total == 0 || r->received != r->total)
		return -EAGAIN;
	if (r->bytes > cap || r->bytes > INT32_MAX)
		return -ENOSPC;
	for (i = 0; i < r->total; i++) {
		if (r->part_len[i])
			memcpy(out + pos, r->parts[i], r->part_len[i]);
		pos += r->part_len[i];
	}
	*first_type = r->first_type;
	return (int)pos;
}
