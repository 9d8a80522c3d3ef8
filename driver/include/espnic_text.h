/* espnic_text.h: the text forms of what a card is programmed with, parsed and
 * formatted in one place for the CLI, the simulator's JSON files and espnicd:
 * IPv4/IPv6 addresses and prefixes, IP protocols by name or number, a port or
 * a port range, and hex key material.
 *
 * The parsers are strict: the whole string is the value (no spaces, no sign,
 * no trailing characters), numbers are decimal. They return 0, or a negative
 * errno:
 *   -EINVAL  not the form asked for (the output is then unspecified)
 *   -ERANGE  a number out of its range (prefix length, port, protocol, a range
 *            whose low end is above its high end)
 *   -EDOM    host bits set past the prefix length (ESPNIC_PREFIX_NO_HOST_BITS)
 *   -EMSGSIZE more hex than the buffer holds
 */
#ifndef ESPNIC_TEXT_H
#define ESPNIC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espnic_card.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room for any text espnic_text_prefix_str writes: an IPv6 address, "/128"
 * and the NUL. */
#define ESPNIC_TEXT_PREFIX_MAX 50

/* An IPv4 address in dotted-quad form. */
int espnic_text_ipv4(const char *s, uint8_t addr[4]);

/* An IPv4 or IPv6 address: *v6 says which; an IPv4 address fills the first 4
 * bytes of addr and the rest is zero. */
int espnic_text_ip(const char *s, bool *v6, uint8_t addr[16]);

/* Flags of espnic_text_prefix. */
#define ESPNIC_PREFIX_NEED_LEN	   (1u << 0) /* "/LEN" is required: no bare address */
#define ESPNIC_PREFIX_NO_HOST_BITS (1u << 1) /* refuse address bits past LEN (-EDOM) */

/* "ADDRESS/LEN" or a bare ADDRESS (the full length: /32 or /128), IPv4 or
 * IPv6, LEN from 0 to 32 or 128. The address is kept as written (host bits
 * included) unless ESPNIC_PREFIX_NO_HOST_BITS refuses them. */
int espnic_text_prefix(const char *s, unsigned flags, struct espnic_prefix *p);

/* "ADDRESS/LEN" into buf (at most ESPNIC_TEXT_PREFIX_MAX bytes are needed);
 * returns buf. */
char *espnic_text_prefix_str(const struct espnic_prefix *p, char *buf, size_t len);

/* The protocol names espnic_text_proto knows, for messages and help. */
#define ESPNIC_TEXT_PROTO_NAMES "any, icmp, tcp, udp, esp, ipv6-icmp, sctp"

/* An IP protocol: a name of ESPNIC_TEXT_PROTO_NAMES (any case; "any" is 0)
 * or a number 0-255. */
int espnic_text_proto(const char *s, uint8_t *proto);

/* The table's name of a protocol number, or NULL if it has none. */
const char *espnic_text_proto_name(uint8_t proto);

/* The name, or the number as text in buf; returns the text. */
const char *espnic_text_proto_str(uint8_t proto, char *buf, size_t len);

/* A port "N" (lo = hi = N) or a range "LO-HI" with LO <= HI, 0-65535. */
int espnic_text_port_range(const char *s, uint16_t *lo, uint16_t *hi);

/* Hex digits (any case, an optional "0x" or "0X" first, nothing else; an even
 * number, at least two) into out, at most cap bytes; *len is the byte count.
 * On failure out is wiped (key material). */
int espnic_text_hex(const char *s, uint8_t *out, size_t cap, size_t *len);

/* n bytes as 2n lowercase hex digits into buf (len at least 2n + 1); returns
 * 0, or -EMSGSIZE if buf is too short. */
int espnic_text_hex_str(const uint8_t *in, size_t n, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
