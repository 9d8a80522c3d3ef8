/* IKE_SAs found without walking the list, as every received datagram needs: chained hash
 * tables by the SPI we chose (all SAs), by the initiator's SPI and address (our responder
 * SAs, for IKE_SA_INIT retransmissions), and the half-open count per source address. The
 * hash is keyed with a random value, so that the SPIs and addresses a peer picks do not
 * decide the chains; entries keyed by a peer's choice exist only for SAs we hold, which the
 * half-open limits bound. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ike_sa.h"
#include "sa_index.h"
#include "util.h"

/* One 64-bit word into the hash: the finalizer of splitmix64. */
static uint64_t mix(uint64_t h, uint64_t word)
{
	h ^= word;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* The bucket of an SPI (8 octets) and an address (none, 4 or 16 octets). */
static uint32_t bucket_of(const struct espnicd *d, const uint8_t *spi, const uint8_t *addr,
			  size_t addr_len)
{
	uint64_t h, word;

	memcpy(&word, spi, sizeof(word));
	h = mix(d->index.key, word);
	for (size_t i = 0; i < addr_len; i += sizeof(word)) {
		word = 0;
		memcpy(&word, addr + i, addr_len - i < sizeof(word) ? addr_len - i : sizeof(word));
		h = mix(h, word);
	}
	return (uint32_t)(h & (SA_INDEX_BUCKETS - 1));
}

int sa_index_init(struct espnicd *d)
{
	return random_bytes((uint8_t *)&d->index.key, sizeof(d->index.key));
}

static const uint8_t *our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

void sa_index_add(struct ike_sa *sa)
{
	struct sa_index *x = &sa->d->index;

	sa->spi_bucket = bucket_of(sa->d, our_spi(sa), NULL, 0);
	sa->spi_next = x->by_spi[sa->spi_bucket];
	x->by_spi[sa->spi_bucket] = sa;
}

void sa_index_add_peer(struct ike_sa *sa)
{
	struct sa_index *x = &sa->d->index;
	size_t alen;
	const uint8_t *addr = sockaddr_addr(&sa->remote, &alen);

	sa->peer_bucket = bucket_of(sa->d, sa->spi_i, addr, alen);
	sa->peer_next = x->by_peer[sa->peer_bucket];
	x->by_peer[sa->peer_bucket] = sa;
	sa->in_peer_index = true;
}

void sa_index_remove(struct ike_sa *sa)
{
	struct sa_index *x = &sa->d->index;
	struct ike_sa **pp;

	for (pp = &x->by_spi[sa->spi_bucket]; *pp != NULL; pp = &(*pp)->spi_next)
		if (*pp == sa) {
			*pp = sa->spi_next;
			break;
		}
	if (sa->in_peer_index)
		for (pp = &x->by_peer[sa->peer_bucket]; *pp != NULL; pp = &(*pp)->peer_next)
			if (*pp == sa) {
				*pp = sa->peer_next;
				break;
			}
	sa->in_peer_index = false;
	if (sa->state == IKE_SA_INIT_DONE)
		sa_index_half_open(sa, false);
}

struct ike_sa *sa_index_by_spi(const struct espnicd *d, const uint8_t *spi)
{
	return d->index.by_spi[bucket_of(d, spi, NULL, 0)];
}

struct ike_sa *sa_index_by_peer(const struct espnicd *d, const uint8_t *spi_i,
				const struct sockaddr_storage *remote)
{
	size_t alen;
	const uint8_t *addr = sockaddr_addr(remote, &alen);

	return d->index.by_peer[bucket_of(d, spi_i, addr, alen)];
}

/* Where the count of an address is in its chain, or would be added. */
static struct half_open_host **host_slot(const struct espnicd *d, uint8_t family,
					 const uint8_t *addr, size_t alen)
{
	static const uint8_t no_spi[IKE_SPI_LEN];
	struct half_open_host **pp =
	    (struct half_open_host **)&d->index.hosts[bucket_of(d, no_spi, addr, alen)];

	while (*pp != NULL && ((*pp)->family != family || memcmp((*pp)->addr, addr, alen) != 0))
		pp = &(*pp)->next;
	return pp;
}

static size_t family_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

void sa_index_half_open(struct ike_sa *sa, bool enter)
{
	struct espnicd *d = sa->d;
	struct half_open_host **pp, *h = sa->half_open_host;
	size_t alen;
	const uint8_t *addr;

	if (!enter) {
		d->index.half_open--;
		sa->half_open_host = NULL;
		if (h == NULL || --h->count > 0)
			return;
		pp = host_slot(d, h->family, h->addr, family_len(h->family));
		*pp = h->next;
		free(h);
		return;
	}
	d->index.half_open++;
	addr = sockaddr_addr(&sa->remote, &alen);
	pp = host_slot(d, (uint8_t)sa->remote.ss_family, addr, alen);
	if (*pp == NULL) {
		/* Without memory the SA is not counted per source: nothing worse follows. */
		if ((h = calloc(1, sizeof(*h))) == NULL)
			return;
		h->family = (uint8_t)sa->remote.ss_family;
		memcpy(h->addr, addr, alen);
		*pp = h;
	}
	(*pp)->count++;
	sa->half_open_host = *pp;
}

unsigned half_open_count(const struct espnicd *d)
{
	return d->index.half_open;
}

unsigned half_open_from(const struct espnicd *d, const struct sockaddr_storage *remote)
{
	size_t alen;
	const uint8_t *addr = sockaddr_addr(remote, &alen);
	struct half_open_host **pp = host_slot(d, (uint8_t)remote->ss_family, addr, alen);

	return *pp != NULL ? (*pp)->count : 0;
}
