/* IP reassembly for the card's exception path: see reassembly.h. A small table of datagrams
 * in progress, each with a buffer of the largest packet and the list of the byte ranges it
 * holds (no overlap is ever kept, so the datagram is whole when the ranges add up to its
 * length). */
#include "reassembly.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define V4_HDR_MIN 20
#define V4_HDR_MAX 60
#define V6_HDR	   40
#define V6_FRAG	   8
#define NH_FRAG	   44

struct range {
	uint32_t start, end;
};

struct dgram {
	bool used;
	uint8_t version;
	uint8_t proto; /* v4: protocol; v6: the Fragment header's next header (first fragment) */
	uint8_t src[16], dst[16];
	uint32_t id;
	uint64_t deadline_ms, created_ms;
	bool have_first, have_last;
	uint8_t hdr[V4_HDR_MAX]; /* the first fragment's header */
	size_t hdrlen;
	uint8_t link[REASM_LINK_LEN];
	uint32_t total;	 /* payload length, known once the last fragment came */
	uint32_t held;	 /* payload bytes held */
	uint32_t maxend; /* the furthest payload byte held, plus one */
	struct range *ranges;
	unsigned nranges;
	uint8_t *buf; /* the payload (after the header), max_packet bytes */
};

struct reasm {
	struct reasm_limits lim;
	unsigned max_ranges;
	struct dgram *d;
	unsigned in_progress;
	struct reasm_stats st;
};

static const char *const drop_names[REASM_DROP_COUNT] = {
    [REASM_DROP_MALFORMED] = "malformed",	[REASM_DROP_UNSUPPORTED] = "unsupported",
    [REASM_DROP_INCONSISTENT] = "inconsistent", [REASM_DROP_OVERLAP] = "overlap",
    [REASM_DROP_DUPLICATE] = "duplicate",	[REASM_DROP_TOO_BIG] = "too_big",
    [REASM_DROP_TINY_FIRST] = "tiny_first",	[REASM_DROP_TIMEOUT] = "timeout",
    [REASM_DROP_EVICTED] = "evicted",		[REASM_DROP_NOMEM] = "nomem",
};

const char *reasm_drop_name(enum reasm_drop d)
{
	return (unsigned)d < REASM_DROP_COUNT ? drop_names[d] : "?";
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct reasm *reasm_new(const struct reasm_limits *limits)
{
	struct reasm *r;

	if (limits->max_packet < 68 || limits->max_packet > 65535 || limits->max_datagrams == 0 ||
	    limits->timeout4_ms == 0 || limits->timeout6_ms == 0)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->lim = *limits;
	/* Non-overlapping ranges of at least 8 bytes (all but the last) */
	r->max_ranges = (unsigned)(limits->max_packet / 8 + 2);
	r->d = calloc(limits->max_datagrams, sizeof(*r->d));
	if (r->d == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void release(struct reasm *r, struct dgram *d)
{
	free(d->buf);
	free(d->ranges);
	memset(d, 0, sizeof(*d));
	r->in_progress--;
}

void reasm_free(struct reasm *r)
{
	if (r == NULL)
		return;
	for (unsigned i = 0; i < r->lim.max_datagrams; i++)
		if (r->d[i].used)
			release(r, &r->d[i]);
	free(r->d);
	free(r);
}

void reasm_expire(struct reasm *r, uint64_t now_ms)
{
	for (unsigned i = 0; i < r->lim.max_datagrams; i++)
		if (r->d[i].used && now_ms >= r->d[i].deadline_ms) {
			release(r, &r->d[i]);
			r->st.drops[REASM_DROP_TIMEOUT]++;
		}
}

unsigned reasm_in_progress(const struct reasm *r)
{
	return r->in_progress;
}

const struct reasm_stats *reasm_stats(const struct reasm *r)
{
	return &r->st;
}

static int drop(struct reasm *r, enum reasm_drop why)
{
	r->st.drops[why]++;
	return -1;
}

/* One fragment, parsed. */
struct frag {
	uint8_t version, proto;
	const uint8_t *src, *dst;
	uint32_t id;
	const uint8_t *hdr; /* the header to keep if first: v4 with options; v6 the fixed one */
	size_t hdrlen;
	uint32_t off;
	bool more;
	const uint8_t *data;
	uint32_t len;
};

static int parse_v4(const uint8_t *p, size_t len, struct frag *f)
{
	size_t ihl, tot;
	uint16_t fo;

	if (len < V4_HDR_MIN)
		return -1;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = be16(p + 2);
	if (ihl < V4_HDR_MIN || ihl > len || tot < ihl || tot > len || ip_checksum(p, ihl) != 0)
		return -1;
	fo = be16(p + 6);
	f->version = 4;
	f->proto = p[9];
	f->src = p + 12;
	f->dst = p + 16;
	f->id = be16(p + 4);
	f->hdr = p;
	f->hdrlen = ihl;
	f->off = (uint32_t)(fo & 0x1fff) * 8;
	f->more = (fo & 0x2000) != 0;
	f->data = p + ihl;
	f->len = (uint32_t)(tot - ihl); /* Ethernet padding after tot is not ours */
	return 0;
}

static int parse_v6(const uint8_t *p, size_t len, struct frag *f, enum reasm_drop *why)
{
	size_t plen;
	uint16_t fo;

	*why = REASM_DROP_MALFORMED;
	if (len < V6_HDR)
		return -1;
	plen = be16(p + 4);
	if (V6_HDR + plen > len)
		return -1;
	if (p[6] != NH_FRAG) {
		*why = REASM_DROP_UNSUPPORTED;
		return -1;
	}
	if (plen < V6_FRAG)
		return -1;
	fo = be16(p + V6_HDR + 2);
	f->version = 6;
	f->proto = p[V6_HDR];
	f->src = p + 8;
	f->dst = p + 24;
	f->id = be32(p + V6_HDR + 4);
	f->hdr = p;
	f->hdrlen = V6_HDR;
	f->off = fo & 0xfff8u;
	f->more = (fo & 1) != 0;
	f->data = p + V6_HDR + V6_FRAG;
	f->len = (uint32_t)(plen - V6_FRAG);
	return 0;
}

/* RFC 8200 section 4.5: the first fragment holds every header up to the upper-layer one,
 * and (our reading) that header's fixed part. Returns false if it does not. */
static bool v6_first_complete(uint8_t nh, const uint8_t *p, uint32_t len)
{
	uint32_t at = 0;

	for (;;) {
		switch (nh) {
		case 0:	 /* Hop-by-Hop */
		case 43: /* Routing */
		case 60: /* Destination Options */
			if (at + 2 > len)
				return false;
			nh = p[at];
			at += ((uint32_t)p[at + 1] + 1) * 8;
			break;
		case 51: /* AH: length in 4-byte units less 2 */
			if (at + 2 > len)
				return false;
			nh = p[at];
			at += ((uint32_t)p[at + 1] + 2) * 4;
			break;
		case NH_FRAG:
			return false; /* a Fragment header inside a fragment */
		case 6:		      /* TCP */
			return at + 20 <= len;
		case 17: /* UDP */
		case 50: /* ESP: SPI and sequence number */
			return at + 8 <= len;
		case 58: /* ICMPv6 */
			return at + 4 <= len;
		case 59: /* No Next Header */
			return at <= len;
		default:
			return at + 1 <= len;
		}
	}
}

static bool same_key(const struct dgram *d, const struct frag *f)
{
	size_t alen = f->version == 4 ? 4 : 16;

	return d->used && d->version == f->version && d->id == f->id &&
	       (f->version == 6 || d->proto == f->proto) && memcmp(d->src, f->src, alen) == 0 &&
	       memcmp(d->dst, f->dst, alen) == 0;
}

static struct dgram *lookup(struct reasm *r, const struct frag *f, uint64_t now_ms)
{
	struct dgram *free_slot = NULL, *oldest = NULL;

	for (unsigned i = 0; i < r->lim.max_datagrams; i++) {
		struct dgram *d = &r->d[i];

		if (same_key(d, f))
			return d;
		if (!d->used) {
			if (free_slot == NULL)
				free_slot = d;
		} else if (oldest == NULL || d->created_ms < oldest->created_ms) {
			oldest = d;
		}
	}
	if (free_slot == NULL) {
		release(r, oldest);
		r->st.drops[REASM_DROP_EVICTED]++;
		free_slot = oldest;
	}
	free_slot->buf = malloc(r->lim.max_packet);
	free_slot->ranges = malloc(r->max_ranges * sizeof(*free_slot->ranges));
	if (free_slot->buf == NULL || free_slot->ranges == NULL) {
		free(free_slot->buf);
		free(free_slot->ranges);
		free_slot->buf = NULL;
		free_slot->ranges = NULL;
		return NULL;
	}
	r->in_progress++;
	free_slot->used = true;
	free_slot->version = f->version;
	free_slot->proto = f->version == 4 ? f->proto : 0;
	memcpy(free_slot->src, f->src, f->version == 4 ? 4 : 16);
	memcpy(free_slot->dst, f->dst, f->version == 4 ? 4 : 16);
	free_slot->id = f->id;
	free_slot->created_ms = now_ms;
	free_slot->deadline_ms =
	    now_ms + (f->version == 4 ? r->lim.timeout4_ms : r->lim.timeout6_ms);
	return free_slot;
}

/* The whole packet: the first fragment's header, fixed up, then the payload. */
static int assemble(struct reasm *r, struct dgram *d, uint8_t **out, size_t *outlen,
		    uint8_t link_out[REASM_LINK_LEN])
{
	size_t n = d->hdrlen + d->total;
	uint8_t *p = malloc(n);

	if (p == NULL)
		return drop(r, REASM_DROP_NOMEM);
	memcpy(p, d->hdr, d->hdrlen);
	memcpy(p + d->hdrlen, d->buf, d->total);
	if (d->version == 4) {
		put16(p + 2, (uint32_t)n);
		p[6] &= 0x40; /* DF stays; MF and the offset go */
		p[7] = 0;
		put16(p + 10, 0);
		put16(p + 10, ip_checksum(p, d->hdrlen));
	} else {
		put16(p + 4, d->total);
		p[6] = d->proto; /* the Fragment header's next header */
	}
	*out = p;
	*outlen = n;
	if (link_out != NULL)
		memcpy(link_out, d->link, REASM_LINK_LEN);
	r->st.datagrams++;
	return 1;
}

int reasm_input(struct reasm *r, const uint8_t *pkt, size_t len, const uint8_t *link,
		uint64_t now_ms, uint8_t **out, size_t *outlen, uint8_t link_out[REASM_LINK_LEN])
{
	struct frag f;
	struct dgram *d;
	enum reasm_drop why = REASM_DROP_MALFORMED;
	uint32_t end;
	size_t hdrmin;

	*out = NULL;
	*outlen = 0;
	r->st.fragments++;
	reasm_expire(r, now_ms);
	if (len < 1)
		return drop(r, REASM_DROP_MALFORMED);
	if ((pkt[0] >> 4) == 4	 ? parse_v4(pkt, len, &f) < 0
	    : (pkt[0] >> 4) == 6 ? parse_v6(pkt, len, &f, &why) < 0
				 : true)
		return drop(r, why);
	end = f.off + f.len;
	/* All but the last carry a multiple of 8 bytes, and some */
	if (f.more && (f.len == 0 || f.len % 8 != 0))
		return drop(r, REASM_DROP_INCONSISTENT);
	hdrmin = f.version == 4 ? (f.off == 0 ? f.hdrlen : V4_HDR_MIN) : V6_HDR;
	if (hdrmin + end > r->lim.max_packet)
		return drop(r, REASM_DROP_TOO_BIG);
	if (f.off == 0 && f.version == 6 && !v6_first_complete(f.proto, f.data, f.len))
		return drop(r, REASM_DROP_TINY_FIRST);
	if (f.off == 0 && !f.more) { /* no fragment at all, or an IPv6 atomic fragment */
		struct dgram one = {.version = f.version,
				    .proto = f.proto,
				    .hdrlen = f.hdrlen,
				    .total = f.len,
				    .buf = (uint8_t *)f.data};

		memcpy(one.hdr, f.hdr, f.hdrlen);
		if (link != NULL)
			memcpy(one.link, link, REASM_LINK_LEN);
		return assemble(r, &one, out, outlen, link_out);
	}
	d = lookup(r, &f, now_ms);
	if (d == NULL)
		return drop(r, REASM_DROP_NOMEM);
	/* Against what the datagram already knows of its end */
	if ((d->have_last && (end > d->total || (!f.more && end != d->total))) ||
	    (!f.more && end < d->held)) {
		release(r, d);
		return drop(r, REASM_DROP_INCONSISTENT);
	}
	for (unsigned i = 0; i < d->nranges; i++) {
		const struct range *g = &d->ranges[i];

		if (f.off >= g->end || end <= g->start)
			continue;
		if (g->start == f.off && g->end == end &&
		    memcmp(d->buf + f.off, f.data, f.len) == 0)
			return drop(r, REASM_DROP_DUPLICATE); /* the datagram stays */
		release(r, d);
		return drop(r, REASM_DROP_OVERLAP);
	}
	if (!f.more) {
		/* Nothing held may lie beyond the end */
		for (unsigned i = 0; i < d->nranges; i++)
			if (d->ranges[i].end > end) {
				release(r, d);
				return drop(r, REASM_DROP_INCONSISTENT);
			}
		d->have_last = true;
		d->total = end;
	}
	if (f.off == 0) {
		d->have_first = true;
		memcpy(d->hdr, f.hdr, f.hdrlen);
		d->hdrlen = f.hdrlen;
		if (f.version == 6)
			d->proto = f.proto;
		if (link != NULL)
			memcpy(d->link, link, REASM_LINK_LEN);
	}
	/* With the first fragment's header (IPv4 options) the packet would be too big */
	if (d->have_first && d->hdrlen + (end > d->maxend ? end : d->maxend) > r->lim.max_packet) {
		release(r, d);
		return drop(r, REASM_DROP_TOO_BIG);
	}
	if (d->nranges == r->max_ranges) { /* cannot happen without overlap; kept bounded */
		release(r, d);
		return drop(r, REASM_DROP_INCONSISTENT);
	}
	memcpy(d->buf + f.off, f.data, f.len);
	d->ranges[d->nranges++] = (struct range){f.off, end};
	d->held += f.len;
	if (end > d->maxend)
		d->maxend = end;
	if (d->have_first && d->have_last && d->held == d->total) {
		int ret = assemble(r, d, out, outlen, link_out);

		release(r, d);
		return ret;
	}
	return 0;
}
