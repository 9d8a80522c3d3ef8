/* The responder's state before main mode 3 returns its cookie (RFC 2408 2.5.3, anti-clogging):
 * main mode 1 is answered without an IKE_SA (ikev1_main_mode.c, v1_answer_1) and only the
 * initiator's first message is kept, since HASH_I covers its SA payload; the IKE_SA is made
 * from it when main mode 3 comes back with our cookie from the same address. The table holds
 * at most half_open_max messages, one source at most half_open_per_source of them; a new one
 * replaces an expired or else the oldest, so a flood of first messages from forged sources
 * costs a bounded table and no IKE_SAs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ikev1_internal.h"
#include "log.h"

#define V1_PENDING_MAX_MSG 4096 /* a first message longer than this is not kept */

struct v1_pending {
	uint8_t spi_i[IKEV1_COOKIE_LEN], spi_r[IKEV1_COOKIE_LEN];
	struct sockaddr_storage local, remote;
	uint64_t at;
	size_t len;
	uint8_t *msg; /* NULL: a free slot */
};

struct ikev1_pending {
	unsigned cap, count;
	struct v1_pending slot[];
};

static void slot_clear(struct ikev1_pending *t, struct v1_pending *s)
{
	if (s->msg != NULL)
		t->count--;
	free(s->msg);
	memset(s, 0, sizeof(*s));
}

/* The oldest live slot of remote's host when it holds share of them, else NULL. */
static struct v1_pending *own_share_full(struct ikev1_pending *t,
					 const struct sockaddr_storage *remote, uint64_t now,
					 unsigned share)
{
	struct v1_pending *oldest = NULL;
	unsigned n = 0;

	for (unsigned i = 0; i < t->cap; i++) {
		struct v1_pending *x = &t->slot[i];

		if (x->msg == NULL || now >= x->at + HALF_OPEN_TIMEOUT_MS ||
		    !sockaddr_same_host(&x->remote, remote))
			continue;
		n++;
		if (oldest == NULL || x->at < oldest->at)
			oldest = x;
	}
	return n >= share ? oldest : NULL;
}

void v1_pending_add(struct espnicd *d, const uint8_t *spi_i, const uint8_t *spi_r,
		    const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
		    const uint8_t *buf, size_t len)
{
	struct ikev1_pending *t = d->v1_pending;
	struct v1_pending *s = NULL, *oldest = NULL;
	uint64_t now = now_ms(d);
	uint8_t *copy;

	if (len > V1_PENDING_MAX_MSG)
		return;
	if (t == NULL) {
		unsigned cap = d->cfg->half_open_max ? d->cfg->half_open_max : 1;

		t = calloc(1, sizeof(*t) + cap * sizeof(t->slot[0]));
		if (t == NULL)
			return;
		t->cap = cap;
		d->v1_pending = t;
	}
	/* The same initiator again (a repeated first message), else the oldest of the source's
	 * own when it holds its share (half_open_per_source), else a free or expired slot, else
	 * the oldest. */
	for (unsigned i = 0; i < t->cap && s == NULL; i++)
		if (t->slot[i].msg != NULL &&
		    memcmp(t->slot[i].spi_i, spi_i, IKEV1_COOKIE_LEN) == 0 &&
		    sockaddr_same_host(&t->slot[i].remote, remote))
			s = &t->slot[i];
	if (s == NULL && d->cfg->half_open_per_source)
		s = own_share_full(t, remote, now, d->cfg->half_open_per_source);
	for (unsigned i = 0; i < t->cap && s == NULL; i++)
		if (t->slot[i].msg == NULL || now >= t->slot[i].at + HALF_OPEN_TIMEOUT_MS)
			s = &t->slot[i];
	for (unsigned i = 0; i < t->cap && s == NULL; i++)
		if (i == 0 || t->slot[i].at < oldest->at)
			oldest = &t->slot[i];
	if (s == NULL)
		s = oldest;
	if ((copy = malloc(len)) == NULL)
		return;
	slot_clear(t, s);
	memcpy(copy, buf, len);
	memcpy(s->spi_i, spi_i, IKEV1_COOKIE_LEN);
	memcpy(s->spi_r, spi_r, IKEV1_COOKIE_LEN);
	s->local = *local;
	s->remote = *remote;
	s->at = now;
	s->len = len;
	s->msg = copy;
	t->count++;
}

struct ike_sa *v1_pending_resume(struct espnicd *d, const struct ike_header *h,
				 const struct sockaddr_storage *remote)
{
	struct ikev1_pending *t = d->v1_pending;
	struct ikev1_message *first;
	struct v1_pending *s = NULL;
	struct ike_sa *sa = NULL;

	for (unsigned i = 0; t != NULL && i < t->cap && s == NULL; i++)
		if (t->slot[i].msg != NULL && now_ms(d) < t->slot[i].at + HALF_OPEN_TIMEOUT_MS &&
		    memcmp(t->slot[i].spi_i, h->spi_i, IKEV1_COOKIE_LEN) == 0 &&
		    memcmp(t->slot[i].spi_r, h->spi_r, IKEV1_COOKIE_LEN) == 0 &&
		    sockaddr_same_host(&t->slot[i].remote, remote))
			s = &t->slot[i];
	if (s == NULL || (first = malloc(sizeof(*first))) == NULL)
		return NULL;
	if (ikev1_message_parse(s->msg, s->len, first) == 0)
		sa = v1_respond_1(d, &s->local, &s->remote, first, true);
	free(first);
	slot_clear(t, s);
	return sa;
}

unsigned ikev1_pending_count(const struct espnicd *d)
{
	return d->v1_pending ? d->v1_pending->count : 0;
}

void ikev1_free(struct espnicd *d)
{
	struct ikev1_pending *t = d->v1_pending;

	for (unsigned i = 0; t != NULL && i < t->cap; i++)
		slot_clear(t, &t->slot[i]);
	free(t);
	d->v1_pending = NULL;
}
