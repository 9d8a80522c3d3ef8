/* Rekey collisions (RFC 7296 2.8.1, 2.8.2): the nonces that decide which of two crossing
 * rekeys of the same SA survives. */
#include <stdlib.h>
#include <string.h>

#include "rekey_collision.h"

int nonce_cmp(struct ike_span a, struct ike_span b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int r = n ? memcmp(a.ptr, b.ptr, n) : 0; /* an empty span may have no pointer */

	if (r != 0)
		return r;
	return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

/* Keeps the lower nonce of the peer's colliding exchange. */
void collision_record_nonce(struct create_child_ctx *cc, struct ike_span ni, struct ike_span nr)
{
	struct ike_span low = nonce_cmp(ni, nr) <= 0 ? ni : nr;

	uint8_t *copy = low.len ? malloc(low.len) : NULL;

	free(cc->collision_nonce);
	cc->collision_nonce = copy;
	cc->collision_nonce_len = copy != NULL ? low.len : 0; /* no memory: we win, as if absent */
	if (copy != NULL)
		memcpy(copy, low.ptr, low.len);
}

bool collision_we_lose(const struct create_child_ctx *cc, struct ike_span nr)
{
	struct ike_span ours = {cc->nonce, cc->nonce_len};
	struct ike_span low = nonce_cmp(ours, nr) <= 0 ? ours : nr;

	return nonce_cmp(low, (struct ike_span){cc->collision_nonce, cc->collision_nonce_len}) < 0;
}
