/* IP reassembly for the card's exception path (issue 19): the card hands the host every IP
 * fragment it receives from the wire; this puts the whole datagram back together, so that the
 * host can hand it back to the card to be decrypted. Pure: no I/O, the caller passes the clock.
 *
 * IPv4 (RFC 791, with the hole-free bookkeeping of RFC 815) keyed by source, destination,
 * protocol and identification; IPv6 (RFC 8200) keyed by source, destination and
 * identification, for a Fragment header directly after the fixed header only (what the card
 * hands over: the first next header is 44; any other chain is dropped as "unsupported").
 * Secure by default: overlapping fragments drop the whole datagram (RFC 5722 for IPv6, the
 * same for IPv4; an exact duplicate with the same bytes is only ignored), as do inconsistent
 * lengths, a datagram larger than the limit, an IPv6 first fragment without the upper-layer
 * header (RFC 8200 section 4.5), and the timeout; the number of datagrams in progress is
 * bounded (the oldest is evicted). The IPv4 "tiny fragment" rule of RFC 1858 (offset 1 for
 * TCP) is not applied: only whole, reassembled packets leave here, so no filter ever sees a
 * fragment. Every drop is counted by reason. */
#ifndef ESPNICD_REASSEMBLY_H
#define ESPNICD_REASSEMBLY_H

#include <stddef.h>
#include <stdint.h>

/* Opaque bytes kept with the first fragment (offset 0) and returned with the whole packet:
 * the exception port keeps the frame's destination and source MAC addresses there. */
#define REASM_LINK_LEN 12

enum reasm_drop {
	REASM_DROP_MALFORMED,	 /* short, bad version, IHL, checksum or lengths */
	REASM_DROP_UNSUPPORTED,	 /* IPv6 with extension headers before the Fragment header */
	REASM_DROP_INCONSISTENT, /* lengths that contradict the datagram's other fragments */
	REASM_DROP_OVERLAP,	 /* overlapping fragments (the whole datagram) */
	REASM_DROP_DUPLICATE,	 /* an exact duplicate fragment (only the fragment) */
	REASM_DROP_TOO_BIG,	 /* the datagram would exceed the limit */
	REASM_DROP_TINY_FIRST,	 /* IPv6 first fragment without the upper-layer header */
	REASM_DROP_TIMEOUT,	 /* not complete in time */
	REASM_DROP_EVICTED,	 /* the oldest in progress when the table was full */
	REASM_DROP_NOMEM,
	REASM_DROP_COUNT
};

struct reasm_limits {
	size_t max_packet;	/* largest whole IP packet in bytes (header included) */
	unsigned max_datagrams; /* datagrams in progress at once */
	uint64_t timeout4_ms;	/* IPv4: e.g. 15000 */
	uint64_t timeout6_ms;	/* IPv6: 60000 (RFC 8200) */
};

struct reasm_stats {
	uint64_t fragments; /* fragments fed in */
	uint64_t datagrams; /* whole packets returned */
	uint64_t drops[REASM_DROP_COUNT];
};

struct reasm;

/* NULL when out of memory or the limits are unusable (max_packet < 68 or > 65535, no
 * datagram, no timeout). */
struct reasm *reasm_new(const struct reasm_limits *limits);
void reasm_free(struct reasm *r);

/* Feeds one IP fragment (IPv4 or IPv6 by its version) received at now_ms, with link (may be
 * NULL: zeros) kept if it is the first fragment. Returns 1 with *out (malloc'd: the caller
 * frees it), *outlen and link_out (the first fragment's link bytes) when it completed a
 * datagram (a packet that is no fragment at all, or an IPv6 atomic fragment, completes at
 * once); 0 when more fragments are needed; -1 when dropped (counted). */
int reasm_input(struct reasm *r, const uint8_t *pkt, size_t len, const uint8_t *link,
		uint64_t now_ms, uint8_t **out, size_t *outlen, uint8_t link_out[REASM_LINK_LEN]);

/* Drops the datagrams whose time is up at now_ms (reasm_input does it too). */
void reasm_expire(struct reasm *r, uint64_t now_ms);

unsigned reasm_in_progress(const struct reasm *r);
const struct reasm_stats *reasm_stats(const struct reasm *r);
/* "malformed", "overlap", ...: the name of a drop reason in logs and the status JSON. */
const char *reasm_drop_name(enum reasm_drop d);

#endif
